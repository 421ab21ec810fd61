/* vmshift: input drivers.
 *
 * An input driver reads a foreign VM's description and names its disks
 * (never writing to them).  Drivers are a base struct plus an ops table;
 * adding a format is one file and one entry in input.c's registry.
 */
#ifndef VMSHIFT_INPUT_H
#define VMSHIFT_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "copy-engine.h"
#include "vector.h"
#include "vm.h"

struct input;

/* What the user said about reading the source. */
struct input_options {
  bool no_verify; /* --no-verify: skip checksums (OVA manifest, XVA) */
};

struct input_ops {
  const char *name; /* "vmx": --from and errors */
  /* Does the source look like ours?  NULL: never auto-selected. */
  bool (*probe) (const char *source);
  /* Opens the source.  0, or -1 with the error set. */
  int (*open) (struct input *in, const char *source);
  /* Fills the neutral model (*out is zeroed by the caller).  Disks'
   * paths are absolute and the files were checked to exist and be
   * readable.  0, or -1 with the error set.
   */
  int (*describe) (struct input *in, struct vm *out);
  /* Writes the data of disk `index` (one with import set) to dest, a
   * file that does not exist yet, in the disk's format, sparse where
   * the data is zero.  Calls progress (may be NULL) as it goes.  0, or
   * -1 with the error set (dest may then exist: the caller removes it).
   * May be NULL when the driver never sets import.
   */
  int (*import_disk) (struct input *in, const struct vm *vm, size_t index,
                      const char *dest, copy_progress_fn progress,
                      void *opaque);
  /* Frees in->priv.  May be NULL. */
  void (*close) (struct input *in);
};

struct input {
  const struct input_ops *ops;
  char *source;              /* as given; owned */
  struct input_options opts; /* copied from input_open's */
  string_vector warnings;    /* for the user (input_warn); owned */
  void *priv;                /* the driver's */
};

/* Opens source with the driver named from, or the first whose probe
 * accepts it when from is NULL.  opts may be NULL (defaults).  Returns a
 * handle for input_close, or NULL with the error set.
 */
extern struct input *input_open (const char *source, const char *from,
                                 const struct input_options *opts);

/* Records a warning the front end shows the user (something read from
 * the source was guessed, ignored or defaulted).  Never fails: a
 * warning that cannot be stored is dropped.
 */
extern void input_warn (struct input *in, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Calls the driver's import_disk for disk index of vm (see there). */
extern int input_import_disk (struct input *in, const struct vm *vm,
                              size_t index, const char *dest,
                              copy_progress_fn progress, void *opaque);

/* Calls the driver's describe; on failure *out is left cleared. */
extern int input_describe (struct input *in, struct vm *out);

extern void input_close (struct input *in);

/* Comma-separated driver names, for --help and errors.  Static string. */
extern const char *input_names (void);

/* The registry: one line per driver (input.c). */
extern const struct input_ops vmx_input_ops;
extern const struct input_ops ova_input_ops;
extern const struct input_ops xen_input_ops;
extern const struct input_ops xva_input_ops;
extern const struct input_ops hyperv_input_ops;
extern const struct input_ops libvirt_input_ops;
extern const struct input_ops disk_input_ops;

#endif /* VMSHIFT_INPUT_H */
