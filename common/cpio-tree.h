/* vmshift: a directory tree written as one compressed newc cpio archive,
 * the form of a Linux initramfs.
 */
#ifndef VMSHIFT_CPIO_TREE_H
#define VMSHIFT_CPIO_TREE_H

#include <stdint.h>

#include "cpio-overlay.h" /* enum cpio_compression */

/* Writes everything under root (directories, regular files, symlinks;
 * not root itself) to the file path as a newc cpio, gzip or zstd
 * compressed, every entry owned by root, parents before their contents,
 * in name order so that the same tree gives the same bytes.  Device
 * nodes, FIFOs and sockets are refused (the kernel's devtmpfs makes
 * /dev).  *bytes_in gets the archive's size before compression.  0, or
 * -1 with the error set (the file may be left half-written).
 */
extern int cpio_tree_write (const char *root, const char *path,
                            enum cpio_compression how, uint64_t *bytes_in);

#endif /* VMSHIFT_CPIO_TREE_H */
