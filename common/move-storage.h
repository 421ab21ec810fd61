/* vmshift: live storage migration: a running guest's disks move to
 * another directory through libvirt's block copy (copy, then mirror
 * every write to both, then pivot), and the guest never stops.  The old
 * files go only after the pivot succeeded.  Never prints.
 */
#ifndef VMSHIFT_MOVE_STORAGE_H
#define VMSHIFT_MOVE_STORAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "vector.h"

struct move_options {
  const char *format;      /* "qcow2", "raw", or NULL: each disk's own */
  unsigned long bandwidth; /* MiB/s, 0: unlimited */
  bool keep_source;        /* keep the old files */
};

/* Called about twice a second: disk ("vda"), bytes copied, bytes in
 * all (which grows while the guest writes).
 */
typedef void (*move_progress_fn) (void *opaque, const char *disk,
                                  uint64_t done, uint64_t total);

/* Moves each writable disk of the running domain at uri into dir (the
 * file keeps its name, with the format's extension when --format
 * changes it).  One disk at a time; the guest's definition follows (the
 * persistent one too).  When *cancel becomes non-zero the copy in
 * progress is abandoned, its new file removed, and the guest keeps that
 * disk where it was.  Things worth saying go to *warnings; moved lists
 * "vda: OLD -> NEW" per disk moved.  0, or -1 with the error set.
 */
extern int move_storage (const char *uri, const char *domain,
                         const char *dir, const struct move_options *o,
                         move_progress_fn progress, void *opaque,
                         volatile sig_atomic_t *cancel,
                         string_vector *warnings, string_vector *moved);

/* The new file name for a disk: DIR/BASENAME with its extension
 * replaced by format's (".qcow2", ".raw"; "" for a block device's
 * name), or kept when format is NULL.  Pure.  The caller frees; NULL
 * with the error set.
 */
extern char *move_storage_new_path (const char *dir, const char *old,
                                    const char *format);

#endif /* VMSHIFT_MOVE_STORAGE_H */
