/* vmshift: checking a disk image a source names, and its virtual size,
 * without QEMU: a few header fields of the formats Xen uses.
 */
#ifndef VMSHIFT_IMAGE_INFO_H
#define VMSHIFT_IMAGE_INFO_H

#include <stdint.h>

/* Checks that path can be read as an image in format ("raw", "qcow",
 * "qcow2", "vhd" or "qed") and sets *capacity to its virtual size in
 * bytes.  raw: a regular file or block device, its size.  qcow/qcow2:
 * the header's magic and size, and its backing chain
 * (image_check_chain).  vhd: the footer's cookie and current size.
 * qed: the header's magic and image size.  Returns 0, or -1 with the
 * error set (naming path).
 */
extern int image_capacity (const char *path, const char *format,
                           uint64_t *capacity);

/* The longest qcow/qcow2 backing chain accepted, as VMDK_MAX_CHAIN: QEMU
 * keeps every image of a chain open, with its own caches.
 */
#define IMAGE_MAX_CHAIN 64

/* Walks the backing chain of the qcow or qcow2 image at path (nothing
 * for another format): each backing file must be a local file that
 * exists, the chain must not loop and must be at most IMAGE_MAX_CHAIN
 * images long.  The walk stops at a base that is not qcow.  0, or -1
 * with the error set (naming path).
 */
extern int image_check_chain (const char *path);

#endif /* VMSHIFT_IMAGE_INFO_H */
