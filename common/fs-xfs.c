/* vmshift: the used blocks of an XFS filesystem (fs-used.h).
 *
 * Each allocation group (AG) keeps its free space in two B+trees; the
 * one sorted by block number (bnobt, rooted in the AGF, the AG's second
 * sector) lists the free extents in order, so walking it left to right
 * gives the used ranges as the gaps between them.  Everything that is
 * not a free extent counts as used: metadata, the internal log, and the
 * few blocks on the AG free list (AGFL), which the bnobt leaves out.
 *
 * The on-disk free space is only as current as the log: a filesystem
 * that was not unmounted cleanly may have allocations recorded in its
 * log alone.  Callers read unmounted, cleanly shut down filesystems (or
 * send everything).
 *
 * Everything read is distrusted: the tree's depth, its block pointers,
 * record counts and extents are checked against the AG, the extents must
 * come in strictly increasing order, and an AG's walk reads at most as
 * many tree blocks as the AG has.  Any inconsistency fails with -1.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "byte-order.h"
#include "cleanups.h"
#include "errors.h"
#include "fs-used.h"

#define XFS_SB_MAGIC 0x58465342       /* "XFSB" */
#define XFS_AGF_MAGIC 0x58414746      /* "XAGF" */
#define XFS_ABTB_MAGIC 0x41425442     /* "ABTB": v4 bnobt block */
#define XFS_ABTB_CRC_MAGIC 0x41423342 /* "AB3B": v5 bnobt block */

/* Short-form btree block headers: magic, level, numrecs, siblings; v5
 * adds blkno, lsn, uuid, owner and crc.
 */
#define XFS_SBLOCK_LEN 16
#define XFS_SBLOCK_CRC_LEN 56

/* The AG btrees of any real filesystem are far shallower than this. */
#define XFS_MAX_LEVELS 10

/* The smallest AG mkfs.xfs makes is 16 MiB; this is a weak floor. */
#define XFS_MIN_AG_BLOCKS 64

struct xfs_geom {
  uint32_t blocksize;
  uint32_t sectsize;
  uint64_t dblocks;
  uint32_t agblocks;
  uint32_t agcount;
  bool crc; /* v5 */
};

/* One AG's walk of its bnobt. */
struct xfs_walk {
  fs_read_fn rd;
  void *opaque;
  const struct xfs_geom *g;
  range_vector *used;
  uint32_t agno;
  uint64_t ag_start;    /* bytes */
  uint32_t ag_len;      /* blocks in this AG */
  uint32_t next_free;   /* the next free extent must start here or later */
  uint64_t used_from;   /* bytes: where the pending used range begins */
  uint64_t free_blocks; /* found in this AG */
  uint32_t visited;     /* tree blocks read in this AG */
  unsigned char *bufs;  /* one block per level */
};

static bool
is_pow2 (uint64_t n)
{
  return n != 0 && (n & (n - 1)) == 0;
}

static int
parse_sb (const unsigned char *sb, uint64_t size, struct xfs_geom *g)
{
  unsigned version = get_be16 (sb + 100) & 0xf;

  g->blocksize = get_be32 (sb + 4);
  g->dblocks = get_be64 (sb + 8);
  g->agblocks = get_be32 (sb + 84);
  g->agcount = get_be32 (sb + 88);
  g->sectsize = get_be16 (sb + 102);
  g->crc = version == 5;

  if (version != 4 && version != 5) {
    set_error (0, "XFS superblock version %u is not supported", version);
    return -1;
  }
  if (!is_pow2 (g->blocksize) || g->blocksize < 512 || g->blocksize > 65536) {
    set_error (0, "XFS block size %" PRIu32 " is not valid", g->blocksize);
    return -1;
  }
  if (!is_pow2 (g->sectsize) || g->sectsize < 512
      || g->sectsize > g->blocksize) {
    set_error (0, "XFS sector size %" PRIu32 " is not valid", g->sectsize);
    return -1;
  }
  if (g->dblocks == 0 || g->dblocks > size / g->blocksize) {
    set_error (0,
               "XFS filesystem of %" PRIu64 " %" PRIu32
               "-byte blocks does not fit in %" PRIu64 " bytes",
               g->dblocks, g->blocksize, size);
    return -1;
  }
  /* Every AG but the last is full; the last holds at least a block. */
  if (g->agblocks < XFS_MIN_AG_BLOCKS || g->agcount == 0
      || (uint64_t) g->agcount * g->agblocks < g->dblocks
      || (uint64_t) (g->agcount - 1) * g->agblocks >= g->dblocks) {
    set_error (0,
               "XFS allocation groups (%" PRIu32 " of %" PRIu32
               " blocks) do not match the %" PRIu64 "-block filesystem",
               g->agcount, g->agblocks, g->dblocks);
    return -1;
  }
  return 0;
}

/* The free extent [agbno, agbno+len) of the current AG: the bytes from
 * the end of the last one up to it are used.
 */
static int
free_extent (struct xfs_walk *w, uint32_t agbno, uint32_t len)
{
  uint64_t start;

  if (len == 0 || agbno < w->next_free || agbno > w->ag_len
      || len > w->ag_len - agbno) {
    set_error (0,
               "XFS AG %" PRIu32 ": free extent %" PRIu32 "+%" PRIu32
               " is out of order or outside the %" PRIu32 "-block AG",
               w->agno, agbno, len, w->ag_len);
    return -1;
  }
  start = w->ag_start + (uint64_t) agbno * w->g->blocksize;
  if (range_append (w->used, w->used_from, start - w->used_from) == -1)
    return -1;
  w->used_from = start + (uint64_t) len * w->g->blocksize;
  w->next_free = agbno + len;
  w->free_blocks += len;
  return 0;
}

static int
bad_numrecs (const struct xfs_walk *w, uint32_t agbno, uint32_t numrecs)
{
  set_error (0,
             "XFS AG %" PRIu32 ": free space btree block %" PRIu32
             " claims %" PRIu32 " records",
             w->agno, agbno, numrecs);
  return -1;
}

/* Reads the bnobt block agbno, which must be at level, and walks it. */
static int
walk_block (struct xfs_walk *w, uint32_t agbno, unsigned level)
{
  const struct xfs_geom *g = w->g;
  unsigned char *b = w->bufs + (size_t) level * g->blocksize;
  size_t hdr = g->crc ? XFS_SBLOCK_CRC_LEN : XFS_SBLOCK_LEN;
  uint32_t magic = g->crc ? XFS_ABTB_CRC_MAGIC : XFS_ABTB_MAGIC;
  uint64_t offset = w->ag_start + (uint64_t) agbno * g->blocksize;
  uint32_t numrecs, maxrecs;

  /* Block 0 of the AG holds the superblock and AG headers. */
  if (agbno == 0 || agbno >= w->ag_len) {
    set_error (0,
               "XFS AG %" PRIu32 ": free space btree block %" PRIu32
               " is outside the %" PRIu32 "-block AG",
               w->agno, agbno, w->ag_len);
    return -1;
  }
  if (++w->visited > w->ag_len) {
    set_error (0, "XFS AG %" PRIu32 ": free space btree loops", w->agno);
    return -1;
  }
  if (w->rd (w->opaque, b, g->blocksize, offset) == -1)
    return -1;
  if (get_be32 (b) != magic || get_be16 (b + 4) != level
      || (g->crc
          && (get_be64 (b + 16) != offset / 512
              || get_be32 (b + 48) != w->agno))) {
    set_error (0,
               "XFS AG %" PRIu32 ": block %" PRIu32
               " is not a level %u free space btree block",
               w->agno, agbno, level);
    return -1;
  }
  numrecs = get_be16 (b + 6);
  if (level == 0) {
    maxrecs = (g->blocksize - hdr) / 8;
    if (numrecs > maxrecs)
      return bad_numrecs (w, agbno, numrecs);
    for (uint32_t i = 0; i < numrecs; ++i) {
      const unsigned char *rec = b + hdr + 8 * i;
      if (free_extent (w, get_be32 (rec), get_be32 (rec + 4)) == -1)
        return -1;
    }
    return 0;
  }

  /* Keys (8 bytes each) fill the first maxrecs slots, pointers follow. */
  maxrecs = (g->blocksize - hdr) / 12;
  if (numrecs == 0 || numrecs > maxrecs)
    return bad_numrecs (w, agbno, numrecs);
  for (uint32_t i = 0; i < numrecs; ++i) {
    uint32_t ptr = get_be32 (b + hdr + 8 * maxrecs + 4 * i);
    /* The child overwrites the buffers of the levels below this one
     * only, so b stays valid.
     */
    if (walk_block (w, ptr, level - 1) == -1)
      return -1;
  }
  return 0;
}

/* Walks AG agno, appending its used ranges. */
static int
walk_ag (fs_read_fn rd, void *opaque, const struct xfs_geom *g, uint32_t agno,
         unsigned char *bufs, range_vector *used)
{
  unsigned char agf[512];
  uint64_t ag_first = (uint64_t) agno * g->agblocks;
  struct xfs_walk w = {
    .rd = rd,
    .opaque = opaque,
    .g = g,
    .used = used,
    .agno = agno,
    .ag_start = ag_first * g->blocksize,
    .ag_len
    = (uint32_t) (g->dblocks - ag_first < g->agblocks ? g->dblocks - ag_first
                                                      : g->agblocks),
    .used_from = ag_first * g->blocksize,
    .bufs = bufs,
  };
  uint32_t root, levels, freeblks;

  if (rd (opaque, agf, sizeof agf, w.ag_start + g->sectsize) == -1)
    return -1;
  root = get_be32 (agf + 16);
  levels = get_be32 (agf + 28);
  freeblks = get_be32 (agf + 52);
  if (get_be32 (agf) != XFS_AGF_MAGIC || get_be32 (agf + 8) != agno
      || get_be32 (agf + 12) != w.ag_len) {
    set_error (0, "XFS AG %" PRIu32 ": the AG header (AGF) is not valid",
               agno);
    return -1;
  }
  if (levels == 0 || levels > XFS_MAX_LEVELS) {
    set_error (0,
               "XFS AG %" PRIu32 ": free space btree of %" PRIu32
               " levels is not valid",
               agno, levels);
    return -1;
  }
  if (walk_block (&w, root, levels - 1) == -1)
    return -1;
  if (w.free_blocks != freeblks) {
    set_error (0,
               "XFS AG %" PRIu32 ": the free space btree holds %" PRIu64
               " blocks, but the AGF says %" PRIu32,
               agno, w.free_blocks, freeblks);
    return -1;
  }
  /* The rest of the AG after the last free extent. */
  return range_append (used, w.used_from,
                       w.ag_start + (uint64_t) w.ag_len * g->blocksize
                           - w.used_from);
}

int
xfs_used (fs_read_fn rd, void *opaque, uint64_t size, range_vector *used)
{
  unsigned char sb[512];
  struct xfs_geom g;
  CLEANUP_FREE unsigned char *bufs = NULL;

  if (size < sizeof sb)
    return 0;
  if (rd (opaque, sb, sizeof sb, 0) == -1)
    return -1;
  if (get_be32 (sb) != XFS_SB_MAGIC)
    return 0;
  if (parse_sb (sb, size, &g) == -1)
    return -1;

  bufs = malloc ((size_t) XFS_MAX_LEVELS * g.blocksize);
  if (bufs == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  for (uint32_t agno = 0; agno < g.agcount; ++agno)
    if (walk_ag (rd, opaque, &g, agno, bufs, used) == -1)
      return -1;
  return 1;
}
