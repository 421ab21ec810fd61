/* vmshift: the used bytes of a whole disk, for p2v (see disk-map.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanups.h"
#include "disk-map.h"
#include "errors.h"
#include "partition-table.h"

#define MiB (1024 * 1024)
#define GPT_BACKUP (33 * 512) /* 128 entries + the backup header */

struct region {
  int fd;
  uint64_t base;
  unsigned flags; /* DISK_MAP_* */
};

static int
region_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  const struct region *r = opaque;
  ssize_t n;

  n = pread (r->fd, buf, len, (off_t) (r->base + offset));
  if (n == -1) {
    set_error (errno, "read at byte %" PRIu64, r->base + offset);
    return -1;
  }
  if ((size_t) n != len) {
    set_error (0, "short read at byte %" PRIu64, r->base + offset);
    return -1;
  }
  return 0;
}

/* Appends part's ranges, shifted to the disk, within [start, start+size). */
static int
append_shifted (range_vector *used, const range_vector *part, uint64_t start,
                uint64_t size)
{
  for (size_t i = 0; i < part->len; ++i) {
    uint64_t s = part->ptr[i].start, n = part->ptr[i].len;
    if (s >= size)
      break;
    if (n > size - s)
      n = size - s;
    if (range_append (used, start + s, n) == -1)
      return -1;
  }
  return 0;
}

static uint64_t
range_total (const range_vector *v)
{
  uint64_t t = 0;
  for (size_t i = 0; i < v->len; ++i)
    t += v->ptr[i].len;
  return t;
}

/* Which filesystem readers to try for a partition of this role. */
static int
read_fs (const char *path, struct region *rg, uint64_t size,
         enum ptable_role role, range_vector *out, const char **fs)
{
  int r;

  if (role == PART_EXTENDED || role == PART_LINUX_LVM) {
    *fs = role == PART_EXTENDED ? "extended" : "LVM";
    return 0;
  }
  if (role != PART_ESP && role != PART_LINUX_SWAP) {
    *fs = "ext2/3/4";
    r = ext_used (path, rg->base, size, (rg->flags & DISK_MAP_LIVE) != 0, out);
    if (r != 0)
      return r;
    *fs = "XFS";
    r = xfs_used (region_read, rg, size, out);
    if (r != 0)
      return r;
  }
  if (role != PART_LINUX_SWAP) {
    *fs = "FAT";
    r = fat_used (region_read, rg, size, out);
    if (r != 0)
      return r;
  }
  *fs = "swap";
  r = swap_used (region_read, rg, size, out);
  if (r != 0)
    return r;
  *fs = "unknown";
  return 0;
}

/* The used ranges of one region (a partition, or a disk with no
 * partition table), appended to used.
 */
static int
map_region (const char *path, int fd, unsigned flags, const char *label,
            uint64_t start, uint64_t size, enum ptable_role role,
            range_vector *used, string_vector *notes)
{
  struct region rg = { .fd = fd, .base = start, .flags = flags };
  range_vector part = empty_vector;
  const char *fs = "unknown";
  int r;

  r = read_fs (path, &rg, size, role, &part, &fs);
  if (r == 1) {
    string_vector_appendf (notes,
                           "%s %s: %" PRIu64 " MiB used of %" PRIu64 " MiB",
                           label, fs, range_total (&part) / MiB, size / MiB);
    r = append_shifted (used, &part, start, size);
    free (part.ptr);
    return r;
  }
  free (part.ptr);
  if (r == -1) {
    string_vector_appendf (notes, "%s: sent whole (%s)", label, get_error ());
    clear_error ();
  }
  else
    string_vector_appendf (notes,
                           "%s %s: sent whole (%" PRIu64 " MiB, zero "
                           "blocks dropped)",
                           label, fs, size / MiB);
  return range_append (used, start, size);
}

static int
by_start (const void *a, const void *b)
{
  const struct ptable_part *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

int
disk_map (const char *path, uint64_t size, unsigned flags, range_vector *used,
          string_vector *notes)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  CLEANUP_FREE uint8_t *head = calloc (1, PTABLE_HEAD_BYTES);
  CLEANUP_FREE struct ptable *pt = calloc (1, sizeof *pt);
  const char *base = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  ssize_t n;

  if (fd == -1) {
    set_error (errno, "open '%s'", path);
    return -1;
  }
  if (head == NULL || pt == NULL) {
    set_error (errno, "calloc");
    return -1;
  }
  n = pread (fd, head, size < PTABLE_HEAD_BYTES ? size : PTABLE_HEAD_BYTES, 0);
  if (n == -1) {
    set_error (errno, "read '%s'", path);
    return -1;
  }
  if (ptable_parse (head, PTABLE_HEAD_BYTES, size, pt) == -1) {
    string_vector_appendf (notes, "%s: sent whole (partition table: %s)", base,
                           get_error ());
    clear_error ();
    return range_append (used, 0, size);
  }
  if (pt->type == PTABLE_NONE || pt->nparts == 0)
    return map_region (path, fd, flags, base, 0, size, PART_OTHER, used,
                       notes);

  qsort (pt->parts, pt->nparts, sizeof pt->parts[0], by_start);
  /* The head: MBR, GPT and whatever lies before the first partition
   * (GRUB's core.img in the MBR gap).
   */
  if (range_append (used, 0, pt->parts[0].start) == -1)
    return -1;
  for (size_t i = 0; i < pt->nparts; ++i) {
    const struct ptable_part *p = &pt->parts[i];
    char label[128];
    snprintf (label, sizeof label, "%s%s%d", base,
              base[strlen (base) - 1] >= '0' && base[strlen (base) - 1] <= '9'
                  ? "p"
                  : "",
              p->number);
    if (map_region (path, fd, flags, label, p->start, p->size, p->role, used,
                    notes)
        == -1)
      return -1;
  }
  if (pt->type == PTABLE_GPT && size > GPT_BACKUP)
    return range_append (used, size - GPT_BACKUP, GPT_BACKUP);
  return 0;
}
