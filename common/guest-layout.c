/* vmshift: fitting a guest's disk layout to a disk of another size (v2p).
 *
 * Runs in the appliance before inspection, on the overlay that becomes
 * the target disk.  The partition to fit is the last one that holds
 * data; swap partitions after it (and an MBR extended container holding
 * only swap) are moved to the new end of the disk, recreated with the
 * same numbers, types and swap UUIDs and labels, since their contents do
 * not matter.  Growing: the partition, then its content (ext2/3/4, XFS,
 * btrfs; an LVM PV, then the LV holding the guest's root, or else the
 * largest, and its filesystem).  Shrinking: only an ext2/3/4 filesystem
 * is shrunk (resize2fs refuses when the used data does not fit), then
 * its partition.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"

#define ALIGN 2048 /* sectors: 1 MiB */
#define MAX_TAIL 8

static int
gerr (struct guest *gs, const char *what)
{
  set_error (0, "%s: %s", what, guestfs_last_error (gs->g));
  return -1;
}

/* A partition moved to the end: what it takes to recreate it. */
struct moved {
  int num;
  const char *kind; /* "p", "e" or "l" */
  uint64_t sectors;
  int mbr_id;                           /* MBR */
  char *gpt_type, *gpt_guid, *gpt_name; /* GPT */
  char *swap_uuid, *swap_label;         /* NULL for an extended container */
};

static bool
is_extended (int mbr_id)
{
  return mbr_id == 0x05 || mbr_id == 0x0f || mbr_id == 0x85;
}

static char *
partdev (const char *dev, int num)
{
  char *s;
  /* The appliance names disks /dev/sdX: partitions are /dev/sdXN. */
  if (asprintf (&s, "%s%d", dev, num) == -1)
    return NULL;
  return s;
}

static int
compare_start (const void *a, const void *b)
{
  const struct guestfs_partition *x = a, *y = b;
  return x->part_start < y->part_start ? -1 : x->part_start > y->part_start;
}

/* Grows (or checks) the content of a device to its new size. */
static int grow_content (struct guest *gs, const char *part, int depth);

static int
grow_lvm (struct guest *gs, const char *pv, int depth)
{
  CLEANUP_FREE char *pvuuid = NULL;
  CLEANUP_FREE_STRING_LIST char **vgs = NULL, **roots = NULL;
  char *best = NULL;
  int64_t best_size = -1;

  if (guestfs_pvresize (gs->g, pv) == -1)
    return gerr (gs, pv);
  pvuuid = guestfs_pvuuid (gs->g, pv);
  vgs = guestfs_vgs (gs->g);
  if (pvuuid == NULL || vgs == NULL)
    return gerr (gs, pv);
  roots = guestfs_inspect_os (gs->g);
  for (size_t i = 0; vgs[i]; ++i) {
    CLEANUP_FREE_STRING_LIST char **pvs = guestfs_vgpvuuids (gs->g, vgs[i]);
    CLEANUP_FREE_STRING_LIST char **all = NULL;
    CLEANUP_FREE char *prefix = NULL;
    bool ours = false;
    for (size_t j = 0; pvs && pvs[j]; ++j)
      ours |= strcmp (pvs[j], pvuuid) == 0;
    if (!ours || asprintf (&prefix, "/dev/%s/", vgs[i]) == -1
        || (all = guestfs_lvs (gs->g)) == NULL)
      continue;
    /* The VG's LVs: the root's, else the largest that is not swap. */
    for (size_t j = 0; all[j]; ++j) {
      CLEANUP_FREE char *type = NULL;
      if (strncmp (all[j], prefix, strlen (prefix)) != 0)
        continue;
      type = guestfs_vfs_type (gs->g, all[j]);
      if (type && strcmp (type, "swap") == 0)
        continue;
      bool is_root = false;
      for (size_t k = 0; roots && roots[k]; ++k) {
        CLEANUP_FREE char *canon
            = guestfs_lvm_canonical_lv_name (gs->g, roots[k]);
        is_root |= canon && strcmp (canon, all[j]) == 0;
      }
      int64_t size
          = is_root ? INT64_MAX : guestfs_blockdev_getsize64 (gs->g, all[j]);
      if (size > best_size) {
        free (best);
        best = strdup (all[j]);
        best_size = size;
      }
    }
  }
  if (best == NULL) {
    guest_note (gs, "layout: %s grown; no logical volume to grow in it", pv);
    return 0;
  }
  if (guestfs_lvresize_free (gs->g, best, 100) == -1) {
    gerr (gs, best);
    free (best);
    return -1;
  }
  guest_note (gs, "layout: %s grown, %s takes its free space", pv, best);
  int r = grow_content (gs, best, depth + 1);
  free (best);
  return r;
}

static int
grow_content (struct guest *gs, const char *part, int depth)
{
  CLEANUP_FREE char *type = guestfs_vfs_type (gs->g, part);

  if (type == NULL || depth > 1) {
    guest_note (gs, "layout: %s: no filesystem to grow", part);
    return 0;
  }
  if (strncmp (type, "ext", 3) == 0) {
    if (guestfs_e2fsck (gs->g, part, GUESTFS_E2FSCK_CORRECT, 1, -1) == -1
        || guestfs_resize2fs (gs->g, part) == -1)
      return gerr (gs, part);
  }
  else if (strcmp (type, "xfs") == 0 || strcmp (type, "btrfs") == 0) {
    int r;
    if (guestfs_mount (gs->g, part, "/") == -1)
      return gerr (gs, part);
    r = strcmp (type, "xfs") == 0
            ? guestfs_xfs_growfs (gs->g, "/", -1)
            : guestfs_btrfs_filesystem_resize (gs->g, "/", -1);
    if (r == -1) {
      gerr (gs, part);
      guestfs_umount (gs->g, "/");
      return -1;
    }
    if (guestfs_umount (gs->g, "/") == -1)
      return gerr (gs, part);
  }
  else if (strcmp (type, "LVM2_member") == 0)
    return grow_lvm (gs, part, depth);
  else {
    guest_note (gs, "layout: %s: %s is not grown (only the partition)", part,
                type);
    return 0;
  }
  guest_note (gs, "layout: %s (%s) grown to fill its partition", part, type);
  return 0;
}

/* Shrinks an ext2/3/4 filesystem to bytes, with a clear error when the
 * used data does not fit.
 */
static int
shrink_content (struct guest *gs, const char *part, uint64_t bytes)
{
  CLEANUP_FREE char *type = guestfs_vfs_type (gs->g, part);

  if (type == NULL || strncmp (type, "ext", 3) != 0) {
    set_error (0,
               "the target disk is smaller than the source and %s holds %s: "
               "only ext2/3/4 filesystems can be shrunk; use a target of "
               "at least the source's size",
               part, type ? type : "no filesystem");
    return -1;
  }
  if (guestfs_e2fsck (gs->g, part, GUESTFS_E2FSCK_CORRECT, 1, -1) == -1)
    return gerr (gs, part);
  if (guestfs_resize2fs_size (gs->g, part, bytes) == -1) {
    set_error (
        0,
        "the target disk is too small: %s (%s) cannot shrink to %" PRIu64
        " MiB, the data it holds does not fit (%s)",
        part, type, bytes >> 20, guestfs_last_error (gs->g));
    return -1;
  }
  guest_note (gs, "layout: %s (%s) shrunk to %" PRIu64 " MiB", part, type,
              bytes >> 20);
  return 0;
}

/* parted will not shrink a partition in script mode: the entry is
 * recreated with the same start, number, type, flags and GPT identity.
 * (Its filesystem was shrunk first.)  0, or -1 with libguestfs' error.
 */
static int
shrink_partition (struct guest *gs, const char *dev, bool gpt,
                  const struct guestfs_partition *p, uint64_t end)
{
  int num = p->part_num, r = -1;
  const char *kind = !gpt && num > 4 ? "l" : "p";
  int id = gpt ? 0 : guestfs_part_get_mbr_id (gs->g, dev, num);
  int boot = gpt ? 0 : guestfs_part_get_bootable (gs->g, dev, num);
  char *type = gpt ? guestfs_part_get_gpt_type (gs->g, dev, num) : NULL;
  char *guid = gpt ? guestfs_part_get_gpt_guid (gs->g, dev, num) : NULL;
  char *name = gpt ? guestfs_part_get_name (gs->g, dev, num) : NULL;

  if ((gpt && (type == NULL || guid == NULL)) || (!gpt && id < 0)
      || guestfs_part_del (gs->g, dev, num) == -1
      || guestfs_part_add (gs->g, dev, kind, p->part_start / 512, end) == -1)
    goto out;
  if (gpt)
    r = guestfs_part_set_gpt_type (gs->g, dev, num, type) == -1
                || guestfs_part_set_gpt_guid (gs->g, dev, num, guid) == -1
                || (name && *name
                    && guestfs_part_set_name (gs->g, dev, num, name) == -1)
            ? -1
            : 0;
  else
    r = guestfs_part_set_mbr_id (gs->g, dev, num, id) == -1
                || (boot > 0
                    && guestfs_part_set_bootable (gs->g, dev, num, 1) == -1)
            ? -1
            : 0;

out:
  free (type);
  free (guid);
  free (name);
  return r;
}

/* Records the trailing swap partitions (and an extended container of
 * only swap) after index last of the sorted list; returns how many, or -1.
 */
static int
collect_tail (struct guest *gs, const char *dev, bool gpt,
              const struct guestfs_partition_list *pl, size_t *last,
              struct moved *tail)
{
  size_t n = pl->len, ntail = 0;

  while (n > 0) {
    const struct guestfs_partition *p = &pl->val[n - 1];
    CLEANUP_FREE char *part = partdev (dev, p->part_num);
    CLEANUP_FREE char *type = part ? guestfs_vfs_type (gs->g, part) : NULL;
    int id = gpt ? 0 : guestfs_part_get_mbr_id (gs->g, dev, p->part_num);
    bool ext = !gpt && p->part_num <= 4 && is_extended (id);

    if (!ext && (type == NULL || strcmp (type, "swap") != 0))
      break;
    if (ntail == MAX_TAIL)
      return 0;
    ntail++;
    n--;
  }
  /* Logical partitions sort after their container: keep the container
   * only if everything after it is in the tail.
   */
  if (n == 0)
    return 0; /* nothing holds data: nothing to grow */
  for (size_t i = 0; i < ntail; ++i) {
    const struct guestfs_partition *p = &pl->val[n + i];
    struct moved *m = &tail[i];
    CLEANUP_FREE char *part = partdev (dev, p->part_num);

    memset (m, 0, sizeof *m);
    m->num = p->part_num;
    m->sectors = p->part_size / 512;
    if (gpt) {
      m->kind = "p";
      m->gpt_type = guestfs_part_get_gpt_type (gs->g, dev, m->num);
      m->gpt_guid = guestfs_part_get_gpt_guid (gs->g, dev, m->num);
      m->gpt_name = guestfs_part_get_name (gs->g, dev, m->num);
    }
    else {
      m->mbr_id = guestfs_part_get_mbr_id (gs->g, dev, m->num);
      m->kind = m->num > 4 ? "l" : is_extended (m->mbr_id) ? "e" : "p";
    }
    if (strcmp (m->kind, "e") != 0 && part) {
      m->swap_uuid = guestfs_vfs_uuid (gs->g, part);
      m->swap_label = guestfs_vfs_label (gs->g, part);
    }
  }
  *last = n - 1;
  return (int) ntail;
}

static void
free_tail (struct moved *tail, int n)
{
  for (int i = 0; i < n; ++i) {
    free (tail[i].gpt_type);
    free (tail[i].gpt_guid);
    free (tail[i].gpt_name);
    free (tail[i].swap_uuid);
    free (tail[i].swap_label);
  }
}

/* Recreates the tail from sector start on (in its old order). */
static int
recreate_tail (struct guest *gs, const char *dev, struct moved *tail, int n,
               uint64_t start, uint64_t last_usable)
{
  uint64_t at = start;

  for (int i = 0; i < n; ++i) {
    struct moved *m = &tail[i];
    uint64_t end;
    CLEANUP_FREE char *part = NULL;

    if (strcmp (m->kind, "e") == 0)
      end = last_usable;
    else {
      if (strcmp (m->kind, "l") == 0)
        at += ALIGN; /* room for the EBR */
      end = at + m->sectors - 1;
      if (end > last_usable)
        end = last_usable;
    }
    if (guestfs_part_add (gs->g, dev, m->kind, at, end) == -1)
      return gerr (gs, dev);
    if (m->gpt_type
        && (guestfs_part_set_gpt_type (gs->g, dev, m->num, m->gpt_type) == -1
            || (m->gpt_guid
                && guestfs_part_set_gpt_guid (gs->g, dev, m->num, m->gpt_guid)
                       == -1)
            || (m->gpt_name && *m->gpt_name
                && guestfs_part_set_name (gs->g, dev, m->num, m->gpt_name)
                       == -1)))
      return gerr (gs, dev);
    if (m->mbr_id
        && guestfs_part_set_mbr_id (gs->g, dev, m->num, m->mbr_id) == -1)
      return gerr (gs, dev);
    if (strcmp (m->kind, "e") == 0)
      continue; /* its logical partitions follow, inside it */
    part = partdev (dev, m->num);
    struct guestfs_mkswap_opts_argv opts = { 0 };
    if (m->swap_uuid && *m->swap_uuid) {
      opts.bitmask |= GUESTFS_MKSWAP_OPTS_UUID_BITMASK;
      opts.uuid = m->swap_uuid;
    }
    if (m->swap_label && *m->swap_label) {
      opts.bitmask |= GUESTFS_MKSWAP_OPTS_LABEL_BITMASK;
      opts.label = m->swap_label;
    }
    if (part == NULL || guestfs_mkswap_opts_argv (gs->g, part, &opts) == -1)
      return gerr (gs, part ? part : dev);
    guest_note (gs,
                "layout: swap %s moved to sectors %" PRIu64 "-%" PRIu64
                " (UUID kept)",
                part, at, end);
    at = end + 1;
  }
  return 0;
}

/* The sectors the tail needs at the end, aligned. */
static uint64_t
tail_sectors (const struct moved *tail, int n)
{
  uint64_t s = 0;
  for (int i = 0; i < n; ++i)
    if (strcmp (tail[i].kind, "e") != 0)
      s += tail[i].sectors + (strcmp (tail[i].kind, "l") == 0 ? ALIGN : 0);
  return (s + ALIGN - 1) / ALIGN * ALIGN;
}

int
guest_fit_disk (struct guest *gs, size_t i, uint64_t new_size)
{
  const char *dev = gs->devices[i];
  CLEANUP_FREE char *pttype = guestfs_part_get_parttype (gs->g, dev);
  CLEANUP_FREE char *part = NULL;
  struct guestfs_partition_list *pl = NULL;
  struct moved tail[MAX_TAIL];
  int ntail = 0, r = -1;
  size_t last;
  bool gpt, grow;
  uint64_t sectors = new_size / 512, last_usable, end;
  int64_t cur = guestfs_blockdev_getsz (gs->g, dev);

  if (pttype == NULL) {
    set_error (0,
               "%s has no partition table: v2p restores partitioned "
               "disks",
               dev);
    return -1;
  }
  gpt = strcmp (pttype, "gpt") == 0;
  grow = cur >= 0 && sectors >= (uint64_t) cur;
  if (gpt && grow && guestfs_part_expand_gpt (gs->g, dev) == -1)
    return gerr (gs, dev);
  pl = guestfs_part_list (gs->g, dev);
  if (pl == NULL)
    return gerr (gs, dev);
  if (pl->len == 0) {
    guestfs_free_partition_list (pl);
    set_error (0, "%s has no partitions", dev);
    return -1;
  }
  qsort (pl->val, pl->len, sizeof pl->val[0], compare_start);
  last_usable = sectors - (gpt ? 34 : 1);
  ntail = collect_tail (gs, dev, gpt, pl, &last, tail);
  if (ntail < 0)
    goto out;
  if (ntail == 0)
    last = pl->len - 1;

  const struct guestfs_partition *p = &pl->val[last];
  part = partdev (dev, p->part_num);
  uint64_t start = p->part_start / 512;
  uint64_t need = start + ALIGN + (ntail ? tail_sectors (tail, ntail) : 0);
  if (part == NULL || need > last_usable) {
    set_error (0,
               "the target disk is too small: %s's last partition starts at "
               "%" PRIu64 " MiB and the swap after it takes %" PRIu64
               " MiB, more than the %" PRIu64 " MiB target",
               dev, start >> 11, ntail ? tail_sectors (tail, ntail) >> 11 : 0,
               sectors >> 11);
    goto out;
  }
  end = ntail ? (last_usable + 1 - tail_sectors (tail, ntail)) / ALIGN * ALIGN
                    - 1
              : last_usable;
  /* A logical partition grows inside its container: grow that first. */
  int container = 0;
  if (!gpt && p->part_num > 4)
    for (size_t k = 0; k < pl->len; ++k)
      if (pl->val[k].part_num <= 4
          && is_extended (
              guestfs_part_get_mbr_id (gs->g, dev, pl->val[k].part_num)))
        container = pl->val[k].part_num;
  if (container && ntail) {
    guest_note (gs,
                "layout: %s is a logical partition followed by swap: "
                "left as it is",
                part);
    r = 0;
    goto out;
  }
  if (!grow && shrink_content (gs, part, (end - start + 1) * 512) == -1)
    goto out;
  for (int k = ntail - 1; k >= 0; --k)
    if (guestfs_part_del (gs->g, dev, tail[k].num) == -1) {
      gerr (gs, dev);
      goto out;
    }
  if (container && guestfs_part_resize (gs->g, dev, container, end) == -1) {
    gerr (gs, dev);
    goto out;
  }
  if ((uint64_t) p->part_end / 512 != end
      && (grow ? guestfs_part_resize (gs->g, dev, p->part_num, end)
               : shrink_partition (gs, dev, gpt, p, end))
             == -1) {
    gerr (gs, dev);
    goto out;
  }
  guest_note (gs,
              "layout: %s now ends at sector %" PRIu64 " (%" PRIu64 " MiB)",
              part, end, (end - start + 1) >> 11);
  if (recreate_tail (gs, dev, tail, ntail, end + 1, last_usable) == -1)
    goto out;
  if (grow && grow_content (gs, part, 0) == -1)
    goto out;
  r = 0;

out:
  free_tail (tail, ntail > 0 ? ntail : 0);
  guestfs_free_partition_list (pl);
  return r;
}
