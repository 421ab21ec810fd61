/* vmshift: the disk v2p restore writes to (target-disk.h). */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "partition-table.h"
#include "target-disk.h"

/* A sysfs attribute, trimmed, or NULL if absent or empty. */
static char *
sysfs_attr (const char *dir, const char *name)
{
  CLEANUP_FREE char *path = NULL;
  char buf[256];
  FILE *fp;
  size_t n;

  if (asprintf (&path, "%s/%s", dir, name) == -1)
    return NULL;
  fp = fopen (path, "re");
  if (fp == NULL)
    return NULL;
  n = fread (buf, 1, sizeof buf - 1, fp);
  fclose (fp);
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  char *s = buf;
  while (*s == ' ')
    s++;
  return *s ? strdup (s) : NULL;
}

/* Is "MAJ:MIN" a mounted filesystem's device (/proc/self/mountinfo)? */
static bool
dev_mounted (const char *majmin)
{
  CLEANUP_FCLOSE FILE *fp = fopen ("/proc/self/mountinfo", "re");
  char line[4096];

  while (fp && fgets (line, sizeof line, fp)) {
    char field[64];
    /* "36 35 8:1 / /boot rw,..." */
    if (sscanf (line, "%*s %*s %63s", field) == 1
        && strcmp (field, majmin) == 0)
      return true;
  }
  return false;
}

/* Is dev_t rdev an active swap area (/proc/swaps)? */
static bool
dev_swap (dev_t rdev)
{
  CLEANUP_FCLOSE FILE *fp = fopen ("/proc/swaps", "re");
  char line[4096];
  struct stat st;

  while (fp && fgets (line, sizeof line, fp)) {
    char name[4096];
    if (sscanf (line, "%4095s", name) == 1 && name[0] == '/'
        && stat (name, &st) == 0 && S_ISBLK (st.st_mode) && st.st_rdev == rdev)
      return true;
  }
  return false;
}

static bool
dir_has_entries (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *e;
  bool any = false;

  while (d && !any && (e = readdir (d)) != NULL)
    any = e->d_name[0] != '.';
  if (d)
    closedir (d);
  return any;
}

/* Why the block device or partition whose sysfs directory is dir
 * (shown as label) is in use, or NULL.
 */
static char *
one_busy (const char *dir, const char *label)
{
  CLEANUP_FREE char *dev = sysfs_attr (dir, "dev");
  CLEANUP_FREE char *hold = NULL;
  unsigned maj, min;
  char *why = NULL;
  int r = 0;

  if (asprintf (&hold, "%s/holders", dir) == -1)
    return NULL;
  if (dev && dev_mounted (dev))
    r = asprintf (&why, "%s is mounted", label);
  else if (dir_has_entries (hold))
    r = asprintf (&why, "%s is held by LVM, MD or device-mapper", label);
  else if (dev && sscanf (dev, "%u:%u", &maj, &min) == 2
           && dev_swap (makedev (maj, min)))
    r = asprintf (&why, "%s is an active swap area", label);
  return r == -1 ? NULL : why;
}

/* Why the disk (sysfs directory sysdir, kernel name name) or one of its
 * partitions (subdirectories with a "partition" attribute) is in use,
 * or NULL.
 */
static char *
block_busy (const char *sysdir, const char *name)
{
  char *why = one_busy (sysdir, name);
  DIR *d = why ? NULL : opendir (sysdir);
  struct dirent *e;

  while (d && why == NULL && (e = readdir (d)) != NULL) {
    CLEANUP_FREE char *dir = NULL, *part = NULL;
    if (e->d_name[0] == '.'
        || asprintf (&dir, "%s/%s", sysdir, e->d_name) == -1)
      continue;
    part = sysfs_attr (dir, "partition");
    if (part)
      why = one_busy (dir, e->d_name);
  }
  if (d)
    closedir (d);
  return why;
}

/* Does any loop device use the regular file path as its backing file? */
static char *
file_busy (const char *path)
{
  CLEANUP_FREE char *real = realpath (path, NULL);
  DIR *d = opendir ("/sys/block");
  struct dirent *e;
  char *why = NULL;

  while (real && d && why == NULL && (e = readdir (d)) != NULL) {
    CLEANUP_FREE char *dir = NULL, *backing = NULL;
    if (strncmp (e->d_name, "loop", 4) != 0
        || asprintf (&dir, "/sys/block/%s/loop", e->d_name) == -1)
      continue;
    backing = sysfs_attr (dir, "backing_file");
    if (backing && strcmp (backing, real) == 0
        && asprintf (&why, "it backs /dev/%s", e->d_name) == -1)
      why = NULL;
  }
  if (d)
    closedir (d);
  return why;
}

static int
read_ptable (struct target_disk *t)
{
  uint8_t head[PTABLE_HEAD_BYTES] = { 0 };
  struct ptable pt;
  int fd = open (t->path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd == -1) {
    set_error (errno, "could not open '%s'", t->path);
    return -1;
  }
  n = pread (fd, head, sizeof head, 0);
  close (fd);
  if (n == -1) {
    set_error (errno, "could not read '%s'", t->path);
    return -1;
  }
  /* A table we cannot make sense of is still a table. */
  if (n >= 512 && ptable_parse (head, n, t->size, &pt) == -1) {
    clear_error ();
    t->ptable = strdup ("unreadable");
  }
  else if (n >= 512 && pt.type != PTABLE_NONE)
    t->ptable = strdup (pt.type == PTABLE_GPT ? "gpt" : "mbr");
  return 0;
}

static int
probe_block (const char *path, const struct stat *st, struct target_disk *t)
{
  CLEANUP_FREE char *sysdir = NULL, *real = NULL, *part = NULL;
  int fd;

  if (asprintf (&sysdir, "/sys/dev/block/%u:%u", major (st->st_rdev),
                minor (st->st_rdev))
      == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  real = realpath (sysdir, NULL);
  if (real == NULL) {
    set_error (errno, "'%s': no %s", path, sysdir);
    return -1;
  }
  part = sysfs_attr (real, "partition");
  if (part) {
    set_error (0,
               "'%s' is a partition: restore onto the whole disk it is "
               "part of",
               path);
    return -1;
  }
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    set_error (errno, "could not open '%s'", path);
    return -1;
  }
  if (ioctl (fd, BLKGETSIZE64, &t->size) == -1) {
    set_error (errno, "'%s': could not read its size", path);
    close (fd);
    return -1;
  }
  close (fd);
  CLEANUP_FREE char *devdir = NULL, *vendor = NULL, *model = NULL;
  if (asprintf (&devdir, "%s/device", real) != -1) {
    vendor = sysfs_attr (devdir, "vendor");
    model = sysfs_attr (devdir, "model");
    t->serial = sysfs_attr (devdir, "serial");
    if (t->serial == NULL)
      t->serial = sysfs_attr (devdir, "wwid");
  }
  if (model
      && asprintf (&t->model, "%s%s%s", vendor ? vendor : "",
                   vendor ? " " : "", model)
             == -1)
    t->model = NULL;
  t->busy = block_busy (real, strrchr (real, '/') + 1);
  /* Whatever sysfs missed: the kernel refuses O_EXCL on a device in use. */
  if (t->busy == NULL) {
    fd = open (path, O_RDONLY | O_EXCL | O_CLOEXEC);
    if (fd == -1 && errno == EBUSY)
      t->busy = strdup ("the kernel has it open exclusively (mounted or "
                        "held)");
    if (fd >= 0)
      close (fd);
  }
  return 0;
}

int
target_disk_probe (const char *path, uint64_t new_size, struct target_disk *t)
{
  struct stat st;

  memset (t, 0, sizeof *t);
  t->path = strdup (path);
  if (t->path == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (stat (path, &st) == -1) {
    if (errno != ENOENT) {
      set_error (errno, "'%s'", path);
      return -1;
    }
    if (new_size == 0) {
      set_error (0, "'%s' does not exist: give --size for a new image file",
                 path);
      return -1;
    }
    t->size = new_size;
    return 0;
  }
  t->exists = true;
  if (S_ISBLK (st.st_mode)) {
    t->block = true;
    if (probe_block (path, &st, t) == -1)
      return -1;
  }
  else if (S_ISREG (st.st_mode)) {
    t->size = st.st_size;
    t->busy = file_busy (path);
  }
  else {
    set_error (0, "'%s' is neither a block device nor a regular file", path);
    return -1;
  }
  return read_ptable (t);
}

int
target_disk_check (const struct target_disk *t, uint64_t needed, bool force)
{
  if (t->busy) {
    set_error (0, "'%s' is in use (%s): refusing to write to it", t->path,
               t->busy);
    return -1;
  }
  if (t->size < needed) {
    set_error (0,
               "'%s' is too small: %" PRIu64 " bytes, and the guest needs "
               "at least %" PRIu64 " (nothing was written)",
               t->path, t->size, needed);
    return -1;
  }
  if (t->ptable && !force) {
    set_error (0,
               "'%s' already has a partition table (%s): it would be "
               "overwritten; give --force if that is what you want",
               t->path, t->ptable);
    return -1;
  }
  return 0;
}

char *
target_disk_describe (const struct target_disk *t)
{
  char *s;

  if (asprintf (&s, "%s: %s%s%s%s%s%.1f GB (%" PRIu64 " bytes)%s%s", t->path,
                t->model ? t->model : (t->block ? "disk" : "image file"),
                t->serial ? " (serial " : "", t->serial ? t->serial : "",
                t->serial ? ")" : "", ", ", t->size / 1e9, t->size,
                t->exists ? "" : ", new",
                t->ptable ? ", has a partition table" : "")
      == -1)
    return NULL;
  return s;
}

int
target_disk_create (const struct target_disk *t)
{
  int fd = open (t->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

  if (fd == -1) {
    set_error (errno, "could not create '%s'", t->path);
    return -1;
  }
  if (ftruncate (fd, t->size) == -1) {
    set_error (errno, "'%s': could not set the size", t->path);
    close (fd);
    unlink (t->path);
    return -1;
  }
  close (fd);
  return 0;
}

void
target_disk_free (struct target_disk *t)
{
  free (t->path);
  free (t->model);
  free (t->serial);
  free (t->busy);
  free (t->ptable);
  memset (t, 0, sizeof *t);
}
