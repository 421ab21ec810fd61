/* vmshift: the disk copy engine, shared by v2v, p2v receive and v2p.
 *
 * It reads the source through qemu-nbd (so any format QEMU reads, and
 * snapshot chains) and asks it which extents hold data: holes and zero
 * extents are never read, data blocks that turn out to be all zeros are
 * never written, and the destination is written sparse.
 */
#ifndef VMSHIFT_COPY_ENGINE_H
#define VMSHIFT_COPY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct copy_stats {
  uint64_t size;    /* virtual size */
  uint64_t data;    /* bytes in data extents (what had to be read) */
  uint64_t written; /* bytes written (data less zero blocks) */
  uint64_t zeroed;  /* in_place: bytes made zero (without writing) */
  double seconds;
};

/* Called after each block: bytes of data extents done out of total. */
typedef void (*copy_progress_fn) (void *opaque, uint64_t done, uint64_t total);

struct copy_options {
  const char *src;           /* source file */
  const char *src_format;    /* QEMU format name, NULL to probe */
  const char *dst;           /* destination file, created (must not exist) */
  const char *dst_format;    /* "raw" or "qcow2" */
  copy_progress_fn progress; /* may be NULL */
  void *opaque;
  bool verify; /* read back and compare every data block */
  /* Restore onto an existing disk (v2p): dst is a block device or a raw
   * file of at least the source's size, written where it is (never
   * created, truncated or removed).  What is not data in the source is
   * made zero there (discard or write-zeroes, no data written), and the
   * first and last MiB (partition tables, boot code) are zeroed first and
   * written last, after a flush: an interrupted restore leaves a disk
   * with no partition table, not one that looks complete.
   */
  bool in_place;
};

/* Copies.  On failure the destination file is removed.  0, or -1 with
 * the error set.
 */
extern int copy_image (const struct copy_options *opts,
                       struct copy_stats *stats);

/* Reads the first len bytes of image file (format, or NULL to let QEMU
 * probe) into buf, zero-filled past the end of a smaller image, and its
 * virtual size into *size.  Returns 0, or -1 with the error set.
 */
extern int image_read_head (const char *file, const char *format, void *buf,
                            size_t len, uint64_t *size);

#endif /* VMSHIFT_COPY_ENGINE_H */
