/* vmshift: a gzip-compressed newc cpio archive built in memory, to be
 * appended to an initramfs.  The kernel unpacks concatenated archives in
 * order, later entries replacing earlier ones, so an appended archive adds
 * files to an initramfs without unpacking or regenerating it.
 */
#ifndef VMSHIFT_CPIO_OVERLAY_H
#define VMSHIFT_CPIO_OVERLAY_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct cpio_overlay;

/* Returns a new empty overlay, or NULL with the error set. */
extern struct cpio_overlay *cpio_overlay_new (void);

/* Adds a regular file (owner root) and, first, any parent directory not
 * added yet.  name is relative ("lib/modules/...").  0, or -1 with the
 * error set.
 */
extern int cpio_overlay_add_file (struct cpio_overlay *co, const char *name,
                                  const void *data, size_t len, mode_t mode);

/* Closes the archive and hands over its bytes: *buf (the caller frees)
 * and *len.  The overlay must still be freed.  0, or -1 with the error
 * set.
 */
extern int cpio_overlay_finish (struct cpio_overlay *co, char **buf,
                                size_t *len);

extern void cpio_overlay_free (struct cpio_overlay *co);

#endif /* VMSHIFT_CPIO_OVERLAY_H */
