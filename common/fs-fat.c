/* vmshift: the used clusters of a FAT12, FAT16 or FAT32 filesystem
 * (fs-used.h).
 *
 * The boot sector's BIOS parameter block (BPB) gives the layout:
 * reserved sectors (boot sector, FAT32's FSInfo and backup), the FATs,
 * the fixed root directory (FAT12/16), then the data clusters.  All
 * before the data area is used; a cluster is used when its FAT entry is
 * not zero (bad-cluster marks count as used, which is harmless).  The
 * FAT type follows from the cluster count, as the specification says.
 *
 * The FAT is read in bounded chunks: a FAT32 FAT may be hundreds of
 * megabytes.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "byte-order.h"
#include "cleanups.h"
#include "errors.h"
#include "fs-used.h"

#define FAT_SECTOR0 512
#define FAT12_MAX_CLUSTERS 4084
#define FAT16_MAX_CLUSTERS 65524
#define FAT32_MAX_CLUSTERS 0x0ffffff5
/* FAT entries read at a time: 64 KiB of FAT32, the whole of any FAT12.
 * Even, so that FAT12 chunks start on a byte boundary.
 */
#define FAT_CHUNK_ENTRIES 16384

struct fat_geom {
  unsigned bits;       /* 12, 16 or 32 */
  uint32_t sector;     /* bytes */
  uint32_t cluster;    /* bytes */
  uint64_t fat_start;  /* bytes: the FAT that is read */
  uint64_t data_start; /* bytes: cluster 2 */
  uint32_t clusters;   /* data clusters, numbered from 2 */
};

static bool
is_pow2 (uint32_t n)
{
  return n != 0 && (n & (n - 1)) == 0;
}

/* Bytes holding FAT entries 0 to n-1. */
static uint64_t
fat_bytes (unsigned bits, uint64_t n)
{
  return bits == 12 ? (n * 3 + 1) / 2 : n * (bits / 8);
}

/* Fills g from the boot sector bs.  Returns NULL, or why the BPB is not
 * that of a FAT filesystem that fits in size bytes.
 */
static const char *
parse_bpb (const unsigned char *bs, uint64_t size, struct fat_geom *g)
{
  uint32_t sector = get_le16 (bs + 11);
  uint32_t per_cluster = bs[13];
  uint32_t reserved = get_le16 (bs + 14);
  uint32_t nfats = bs[16];
  uint32_t root_entries = get_le16 (bs + 17);
  uint32_t total
      = get_le16 (bs + 19) ? get_le16 (bs + 19) : get_le32 (bs + 32);
  uint32_t fat16_size = get_le16 (bs + 22);
  uint32_t fat_size = fat16_size ? fat16_size : get_le32 (bs + 36);
  uint32_t active = 0;
  uint64_t data_sector, root_sectors;

  if (bs[0] != 0xeb && bs[0] != 0xe9)
    return "the boot sector does not start with a jump";
  if (!is_pow2 (sector) || sector < 512 || sector > 4096)
    return "the sector size is not valid";
  if (!is_pow2 (per_cluster) || per_cluster > 128)
    return "the sectors per cluster are not valid";
  if (reserved == 0 || nfats == 0 || nfats > 4 || fat_size == 0)
    return "the reserved sector or FAT counts are not valid";
  if (bs[21] != 0xf0 && bs[21] < 0xf8)
    return "the media byte is not valid";
  if (total == 0 || total > size / sector)
    return "the sector count does not fit in the device";

  root_sectors = ((uint64_t) root_entries * 32 + sector - 1) / sector;
  data_sector = reserved + (uint64_t) nfats * fat_size + root_sectors;
  if (data_sector >= total)
    return "the FATs and root directory fill the filesystem";
  g->sector = sector;
  g->cluster = sector * per_cluster;
  g->data_start = data_sector * sector;
  g->clusters = (uint32_t) ((total - data_sector) / per_cluster);
  if (g->clusters == 0)
    return "there are no data clusters";
  if (g->clusters <= FAT12_MAX_CLUSTERS)
    g->bits = 12;
  else if (g->clusters <= FAT16_MAX_CLUSTERS)
    g->bits = 16;
  else if (g->clusters <= FAT32_MAX_CLUSTERS)
    g->bits = 32;
  else
    return "there are too many clusters";

  if (g->bits == 32) {
    uint16_t ext_flags = get_le16 (bs + 40);
    if (fat16_size != 0 || root_entries != 0)
      return "the FAT32 BPB has FAT12/16 fields set";
    /* Bit 7: only one FAT is active (not mirrored), numbered in 0-3. */
    if (ext_flags & 0x80)
      active = ext_flags & 0xf;
    if (active >= nfats)
      return "the active FAT does not exist";
  }
  else if (fat16_size == 0)
    return "the FAT12/16 BPB has no FAT size";
  if (fat_bytes (g->bits, (uint64_t) g->clusters + 2)
      > (uint64_t) fat_size * sector)
    return "the FAT is too small for the clusters";
  g->fat_start = (reserved + (uint64_t) active * fat_size) * sector;
  return NULL;
}

/* FAT entry i of a chunk whose first entry is even. */
static uint32_t
fat_entry (const struct fat_geom *g, const unsigned char *chunk, uint32_t i)
{
  switch (g->bits) {
    case 12: {
      uint16_t v = get_le16 (chunk + i * 3 / 2);
      return i & 1 ? v >> 4 : v & 0xfff;
    }
    case 16: return get_le16 (chunk + 2 * i);
    default: return get_le32 (chunk + 4 * i) & 0x0fffffff;
  }
}

static int
walk_fat (fs_read_fn rd, void *opaque, const struct fat_geom *g,
          range_vector *used)
{
  uint64_t entries = (uint64_t) g->clusters + 2;
  CLEANUP_FREE unsigned char *chunk
      = malloc (fat_bytes (g->bits, FAT_CHUNK_ENTRIES));

  if (chunk == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  for (uint64_t first = 0; first < entries; first += FAT_CHUNK_ENTRIES) {
    uint32_t n = entries - first < FAT_CHUNK_ENTRIES
                     ? (uint32_t) (entries - first)
                     : FAT_CHUNK_ENTRIES;

    if (rd (opaque, chunk, fat_bytes (g->bits, n),
            g->fat_start + fat_bytes (g->bits, first))
        == -1)
      return -1;
    for (uint32_t i = 0; i < n; ++i) {
      uint64_t cluster = first + i;
      /* Entries 0 and 1 hold the media byte and flags. */
      if (cluster < 2 || fat_entry (g, chunk, i) == 0)
        continue;
      if (range_append (used, g->data_start + (cluster - 2) * g->cluster,
                        g->cluster)
          == -1)
        return -1;
    }
  }
  return 0;
}

int
fat_used (fs_read_fn rd, void *opaque, uint64_t size, range_vector *used)
{
  unsigned char bs[FAT_SECTOR0];
  struct fat_geom g;
  bool labelled;
  const char *why;

  if (size < sizeof bs)
    return 0;
  if (rd (opaque, bs, sizeof bs, 0) == -1)
    return -1;
  if (bs[510] != 0x55 || bs[511] != 0xaa)
    return 0;
  labelled = memcmp (bs + 54, "FAT12   ", 8) == 0
             || memcmp (bs + 54, "FAT16   ", 8) == 0
             || memcmp (bs + 54, "FAT     ", 8) == 0
             || memcmp (bs + 82, "FAT32   ", 8) == 0;
  why = parse_bpb (bs, size, &g);
  if (why != NULL) {
    /* Other boot sectors (NTFS, exFAT, an MBR) are not FAT at all. */
    if (!labelled)
      return 0;
    set_error (0, "FAT boot sector: %s", why);
    return -1;
  }
  if (range_append (used, 0, g.data_start) == -1
      || walk_fat (rd, opaque, &g, used) == -1)
    return -1;
  return 1;
}
