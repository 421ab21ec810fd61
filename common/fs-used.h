/* vmshift: which bytes of a filesystem hold data, so that p2v reads and
 * sends only those.  Each reader is given a way to read the filesystem
 * (or, for ext2/3/4, its file and offset: libext2fs does the reading)
 * and appends the used ranges, in bytes from the filesystem's start,
 * sorted and not overlapping.  Metadata counts as used.
 */
#ifndef VMSHIFT_FS_USED_H
#define VMSHIFT_FS_USED_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "vector.h"

struct byte_range {
  uint64_t start;
  uint64_t len;
};

DEFINE_VECTOR_TYPE (range_vector, struct byte_range);

/* Reads len bytes at offset (from the filesystem's start) into buf.
 * Returns 0, or -1 with the error set (a short read is an error).
 */
typedef int (*fs_read_fn) (void *opaque, void *buf, size_t len,
                           uint64_t offset);

/* Each reader returns 1 when it recognised its filesystem and appended
 * the used ranges (clipped to size), 0 when the bytes are not its
 * filesystem (nothing appended), or -1 with the error set when they are
 * but it is damaged or inconsistent (the caller then sends everything).
 */
extern int xfs_used (fs_read_fn rd, void *opaque, uint64_t size,
                     range_vector *used);
extern int fat_used (fs_read_fn rd, void *opaque, uint64_t size,
                     range_vector *used);
/* Linux swap: only the header page (UUID, label) is used, unless the
 * area holds a hibernation image: then all of it is.
 */
extern int swap_used (fs_read_fn rd, void *opaque, uint64_t size,
                      range_vector *used);
/* ext2/3/4 through libext2fs: the filesystem at byte offset of file.
 * One whose journal needs recovery is refused (-1) unless live (a
 * mounted filesystem read through the device's cache: see disk-map.h).
 */
extern int ext_used (const char *file, uint64_t offset, uint64_t size,
                     bool live, range_vector *used);

/* Appends [start, start+len) to v, merging with the last range when they
 * touch.  Ranges must be appended in order.  0, or -1 with the error set.
 */
extern int range_append (range_vector *v, uint64_t start, uint64_t len);

#endif /* VMSHIFT_FS_USED_H */
