/* vmshift: a gzip-compressed newc cpio archive built in memory, to be
 * appended to an initramfs.  The kernel unpacks concatenated archives in
 * order, later entries replacing earlier ones, so an appended archive adds
 * files to an initramfs without unpacking or regenerating it.
 */
#ifndef VMSHIFT_CPIO_OVERLAY_H
#define VMSHIFT_CPIO_OVERLAY_H

#include <stddef.h>
#include <stdint.h>
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

enum cpio_compression { CPIO_GZIP, CPIO_ZSTD };

/* Closes the archive and hands over its bytes, compressed: a gzip member,
 * or one zstd frame whose window is at most max_window bytes (the kernel
 * decodes appended zstd frames with the first frame's workspace).  *buf
 * is for the caller to free.  The overlay must still be freed.  0, or -1
 * with the error set.
 */
extern int cpio_overlay_finish (struct cpio_overlay *co,
                                enum cpio_compression how, uint64_t max_window,
                                char **buf, size_t *len);

extern void cpio_overlay_free (struct cpio_overlay *co);

#endif /* VMSHIFT_CPIO_OVERLAY_H */
