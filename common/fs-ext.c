/* vmshift: the used blocks of an ext2/3/4 filesystem, from its block
 * bitmaps, read by libext2fs (read-only).
 *
 * A filesystem that was not cleanly unmounted (needs journal recovery,
 * or not marked valid) is reported as damaged: blocks its journal is
 * about to claim may still be free in the bitmaps, so the caller sends
 * it whole rather than lose recent writes.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <ext2fs/ext2fs.h>

#include "errors.h"
#include "fs-used.h"

#define EXT_MAGIC_OFFSET (1024 + 56)

/* Quick check before libext2fs: the superblock magic 0xEF53. */
static bool
has_ext_magic (const char *file, uint64_t offset)
{
  FILE *fp = fopen (file, "rb");
  unsigned char m[2];
  bool r = false;

  if (fp == NULL)
    return false;
  if (fseeko (fp, (off_t) (offset + EXT_MAGIC_OFFSET), SEEK_SET) == 0
      && fread (m, 1, 2, fp) == 2)
    r = m[0] == 0x53 && m[1] == 0xef;
  fclose (fp);
  return r;
}

static int
walk_bitmap (ext2_filsys fs, uint64_t size, range_vector *used)
{
  ext2fs_block_bitmap map = fs->block_map;
  blk64_t first = fs->super->s_first_data_block;
  blk64_t last = ext2fs_blocks_count (fs->super) - 1;
  uint64_t bs = fs->blocksize;
  blk64_t b = first, set, clear;

  /* The boot block and superblock, whatever the bitmaps say. */
  if (range_append (used, 0, 2048 > bs * (first + 1) ? 2048 : bs * (first + 1))
      == -1)
    return -1;
  while (b <= last) {
    if (ext2fs_find_first_set_block_bitmap2 (map, b, last, &set) != 0)
      break; /* no more used blocks */
    if (ext2fs_find_first_zero_block_bitmap2 (map, set, last, &clear) != 0)
      clear = last + 1;
    if (set * bs < size) {
      uint64_t end = clear * bs > size ? size : clear * bs;
      if (range_append (used, set * bs, end - set * bs) == -1)
        return -1;
    }
    b = clear;
  }
  return 0;
}

int
ext_used (const char *file, uint64_t offset, uint64_t size, bool live,
          range_vector *used)
{
  ext2_filsys fs = NULL;
  char opts[64];
  errcode_t err;
  int r;

  if (!has_ext_magic (file, offset))
    return 0;
  snprintf (opts, sizeof opts, "offset=%" PRIu64, offset);
  /* Live, a bitmap can be read half way through an update: its
   * checksum is then wrong, and the frozen pass reads it again.
   */
  err = ext2fs_open2 (file, opts,
                      EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP
                          | (live ? EXT2_FLAG_IGNORE_CSUM_ERRORS : 0),
                      0, 0,
                      unix_io_manager, &fs);
  if (err) {
    set_error (0, "ext2/3/4 at byte %" PRIu64 " of '%s': %s", offset, file,
               error_message (err));
    return -1;
  }
  if ((!live && ext2fs_has_feature_journal_needs_recovery (fs->super))
      || !(fs->super->s_state & EXT2_VALID_FS)) {
    set_error (0,
               "ext2/3/4 at byte %" PRIu64 " of '%s' was not cleanly "
               "unmounted",
               offset, file);
    ext2fs_close_free (&fs);
    return -1;
  }
  /* libext2fs trusts the group descriptors when it reads the bitmaps:
   * check them first, as e2fsck does (a bitmap block outside its group
   * overflows libext2fs's buffers).
   */
  err = ext2fs_check_desc (fs);
  if (err) {
    set_error (0, "ext2/3/4 at byte %" PRIu64 " of '%s': %s", offset, file,
               error_message (err));
    ext2fs_close_free (&fs);
    return -1;
  }
  if ((uint64_t) ext2fs_blocks_count (fs->super) * fs->blocksize > size) {
    set_error (0,
               "ext2/3/4 at byte %" PRIu64 " of '%s' is larger than its "
               "partition",
               offset, file);
    ext2fs_close_free (&fs);
    return -1;
  }
  err = ext2fs_read_block_bitmap (fs);
  if (err) {
    set_error (0, "ext2/3/4 at byte %" PRIu64 " of '%s': block bitmap: %s",
               offset, file, error_message (err));
    ext2fs_close_free (&fs);
    return -1;
  }
  r = walk_bitmap (fs, size, used);
  ext2fs_close_free (&fs);
  return r == -1 ? -1 : 1;
}
