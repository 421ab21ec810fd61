/* vmshift: output drivers.
 *
 * An output decides where the converted disks go and what describes the
 * guest afterwards (a domain XML file, a libvirt definition).  Disks are
 * written under temporary names next to their final ones; only when
 * everything succeeded does output_commit rename them and write or define
 * the domain, so a failure never leaves a result that looks complete.
 */
#ifndef VMSHIFT_OUTPUT_H
#define VMSHIFT_OUTPUT_H

#include <stdbool.h>

#include "domain-xml.h"
#include "vm.h"

struct output;

struct output_ops {
  const char *name; /* "dir", "libvirt" */
  /* Checks the destination and sets out->storage.  0 or -1. */
  int (*open) (struct output *out, const char *target);
  /* Makes the domain known: writes out->name.xml or defines it. */
  int (*commit) (struct output *out, const char *xml);
  void (*close) (struct output *out); /* may be NULL */
};

struct output_settings {
  const char *name;    /* domain name */
  const char *format;  /* "qcow2" or "raw" */
  const char *storage; /* --storage DIR, or NULL */
  enum net_mode net_mode;
  const char *net_name;
  bool start; /* start the guest after defining it */
};

struct output {
  const struct output_ops *ops;
  struct output_settings s;
  char *target;      /* the DIR or URI; owned */
  char *storage;     /* where disks go (absolute); owned */
  char *workdir;     /* STORAGE/.v2v-NAME-XXXXXX; owned */
  char **disk_tmp;   /* staging names (NULL-ended); owned */
  char **disk_final; /* final names; owned */
  char *virt_type;   /* "kvm" or "qemu"; owned */
  bool committed;
  void *priv;
};

/* Parses "-o" ("DIR" or "libvirt:URI"), opens the driver, checks that
 * nothing of this name exists there, and creates the private work
 * directory.  Returns a handle or NULL with the error set.
 */
extern struct output *output_open (const char *spec,
                                   const struct output_settings *s);

/* Names the disks: final STORAGE/NAME-sdX.FORMAT and staging names.
 * Fails if a final name exists.  0 or -1.
 */
extern int output_plan_disks (struct output *out, const struct vm *vm);

/* Renames the staged disks to their final names, then writes or defines
 * the domain.  0 or -1.
 */
extern int output_commit (struct output *out, const struct vm *vm);

/* Removes the work directory and, unless committed, every staged disk.
 * Then frees the handle.
 */
extern void output_close (struct output *out);

/* For a signal handler: unlinks staged disks and the work directory's
 * files without allocating.  Async-signal-safe.
 */
extern void output_emergency_cleanup (struct output *out);

extern const struct output_ops dir_output_ops;
extern const struct output_ops libvirt_output_ops;

#endif /* VMSHIFT_OUTPUT_H */
