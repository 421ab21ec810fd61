/* vmshift: input drivers.
 *
 * An input driver reads a foreign VM's description and names its disks
 * (never writing to them).  Drivers are a base struct plus an ops table;
 * adding a format is one file and one entry in input.c's registry.
 */
#ifndef VMSHIFT_INPUT_H
#define VMSHIFT_INPUT_H

#include <stdbool.h>

#include "vm.h"

struct input;

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
  /* Frees in->priv.  May be NULL. */
  void (*close) (struct input *in);
};

struct input {
  const struct input_ops *ops;
  char *source; /* as given; owned */
  void *priv;   /* the driver's */
};

/* Opens source with the driver named from, or the first whose probe
 * accepts it when from is NULL.  Returns a handle for input_close, or
 * NULL with the error set.
 */
extern struct input *input_open (const char *source, const char *from);

/* Calls the driver's describe; on failure *out is left cleared. */
extern int input_describe (struct input *in, struct vm *out);

extern void input_close (struct input *in);

/* Comma-separated driver names, for --help and errors.  Static string. */
extern const char *input_names (void);

/* The registry: one line per driver (input.c). */
extern const struct input_ops vmx_input_ops;

#endif /* VMSHIFT_INPUT_H */
