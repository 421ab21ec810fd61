/* vmshift: what an initramfs file is made of, so that an archive can be
 * appended that the kernel will unpack.  Pure functions over a reader.
 *
 * An initramfs is a sequence of segments: uncompressed newc cpio
 * archives (early microcode), zero padding, and compressed cpio streams.
 * The kernel's decoders differ at a segment's end: gzip, xz, bzip2 and
 * lzma stop at the end of their stream and the next segment may be
 * anything; zstd goes on decoding frames to the end of the file (so what
 * follows must be zstd frames, with no padding, and no frame may need a
 * larger window than the first, from which the decoder sizes its
 * workspace); lz4's legacy format reads chunks to the end.
 */
#ifndef VMSHIFT_INITRAMFS_FORMAT_H
#define VMSHIFT_INITRAMFS_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum initramfs_compression {
  INITRAMFS_NONE, /* only uncompressed cpio */
  INITRAMFS_GZIP,
  INITRAMFS_ZSTD,
  INITRAMFS_XZ,
  INITRAMFS_LZMA,
  INITRAMFS_BZIP2,
  INITRAMFS_LZ4,
  INITRAMFS_LZO,
};

struct initramfs_layout {
  enum initramfs_compression compression; /* of the first compressed
                                             segment */
  uint64_t compressed_offset;             /* where it starts */
  uint64_t zstd_window; /* zstd: the first frame's window size */
};

/* Reads up to n bytes at off into buf; returns the count (0 at end), or
 * -1 with the error set.
 */
typedef ssize_t (*initramfs_reader) (void *opaque, void *buf, size_t n,
                                     uint64_t off);

/* Scans the file (of size bytes) through read.  0, or -1 with the error
 * set if it is not an initramfs this understands.
 */
extern int initramfs_scan (initramfs_reader read, void *opaque, uint64_t size,
                           struct initramfs_layout *out);

extern const char *initramfs_compression_name (enum initramfs_compression c);

/* Parses a zstd frame header (at least 18 bytes or all there is) and
 * returns the window the frame needs, or 0 if it is not one.
 */
extern uint64_t zstd_frame_window (const unsigned char *p, size_t n);

#endif /* VMSHIFT_INITRAMFS_FORMAT_H */
