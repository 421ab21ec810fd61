/* vmshift: which bytes of a whole disk p2v must send.
 *
 * The partition table (MBR or GPT) says where the partitions are; each
 * partition's filesystem says which of its blocks are used (fs-used.h:
 * ext2/3/4, XFS, FAT, swap).  Sent: the disk's head up to the first
 * partition (boot code, GRUB's core.img), the GPT backup at the end, and
 * the used blocks of each partition; a partition nobody can read (LVM,
 * an extended container, an unknown or damaged filesystem) is sent
 * whole, its zero blocks dropped later by the sender.  Space outside the
 * partitions is not sent.
 */
#ifndef VMSHIFT_DISK_MAP_H
#define VMSHIFT_DISK_MAP_H

#include <stdint.h>

#include "fs-used.h"
#include "vector.h"

/* A mounted disk (p2v agent): trust the bitmaps of an ext2/3/4 whose
 * journal needs recovery.  Read through the block device's cache they
 * are the filesystem's own, current but for allocations still only in
 * its journal, which the agent's frozen round (the journal flushed)
 * picks up.
 */
#define DISK_MAP_LIVE 1

/* Fills used (empty on entry) for the disk at path (a block device or
 * an image file, read-only) of size bytes.  notes gets one line per
 * partition for people ("sda1 ext2/3/4: 812 MiB used of 3840 MiB", or
 * why it is sent whole).  0, or -1 with the error set (I/O errors only:
 * what cannot be understood is sent whole).
 */
extern int disk_map (const char *path, uint64_t size, unsigned flags,
                     range_vector *used, string_vector *notes);

#endif /* VMSHIFT_DISK_MAP_H */
