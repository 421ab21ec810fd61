/* vmshift: checking a disk image a source names, and its virtual size,
 * without QEMU: a few header fields of the formats Xen uses.
 */
#ifndef VMSHIFT_IMAGE_INFO_H
#define VMSHIFT_IMAGE_INFO_H

#include <stdint.h>

/* Checks that path can be read as an image in format ("raw", "qcow",
 * "qcow2", "vhd" or "qed") and sets *capacity to its virtual size in
 * bytes.  raw: a regular file or block device, its size.  qcow/qcow2:
 * the header's magic and size, and that a backing file it names
 * exists.  vhd: the footer's cookie and current size.  qed: the
 * header's magic and image size.  Returns 0, or -1 with the error set
 * (naming path).
 */
extern int image_capacity (const char *path, const char *format,
                           uint64_t *capacity);

#endif /* VMSHIFT_IMAGE_INFO_H */
