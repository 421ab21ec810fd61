/* vmshift: image headers (image-info.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "image-info.h"

static uint64_t
be64 (const unsigned char *p)
{
  uint64_t v = 0;

  for (int i = 0; i < 8; ++i)
    v = v << 8 | p[i];
  return v;
}

static uint32_t
be32 (const unsigned char *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8
         | p[3];
}

static uint64_t
le64 (const unsigned char *p)
{
  uint64_t v = 0;

  for (int i = 7; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

/* Reads exactly len bytes at offset, or fails calling the file
 * truncated.
 */
static int
read_at (int fd, const char *path, void *buf, size_t len, off_t offset)
{
  ssize_t r = pread (fd, buf, len, offset);

  if (r == -1) {
    set_error (errno, "could not read '%s'", path);
    return -1;
  }
  if ((size_t) r != len) {
    set_error (0, "'%s': truncated (the image header is cut short)", path);
    return -1;
  }
  return 0;
}

/* The backing file a qcow or qcow2 header names, in *full (relative
 * names are relative to the image's directory), or NULL if it names
 * none.  It must exist.  0, or -1 with the error set.
 */
static int
backing_path (int fd, const char *path, const unsigned char *hdr, char **full)
{
  uint64_t offset = be64 (hdr + 8);
  uint32_t len = be32 (hdr + 16);
  CLEANUP_FREE char *dir = NULL;
  char name[PATH_MAX];
  struct stat st;

  *full = NULL;
  if (offset == 0)
    return 0;
  if (len == 0 || len >= sizeof name || offset > INT64_MAX) {
    set_error (0, "'%s': the backing file name is not valid", path);
    return -1;
  }
  if (read_at (fd, path, name, len, (off_t) offset) == -1)
    return -1;
  name[len] = '\0';
  if (strlen (name) != len || strchr (name, ':') != NULL) {
    set_error (0, "'%s': backing file '%s' is not a local file", path, name);
    return -1;
  }
  dir = source_dir (path);
  if (dir == NULL)
    return -1;
  *full = path_join (dir, name);
  if (*full == NULL)
    return -1;
  if (stat (*full, &st) == -1) {
    set_error (errno, "'%s': backing file '%s'", path, *full);
    free (*full);
    *full = NULL;
    return -1;
  }
  return 0;
}

/* Is hdr (32 bytes) a qcow or qcow2 header? */
static bool
is_qcow (const unsigned char *hdr)
{
  uint32_t version = be32 (hdr + 4);

  return memcmp (hdr, "QFI\xfb", 4) == 0 && version >= 1 && version <= 3;
}

int
image_check_chain (const char *path)
{
  struct {
    dev_t dev;
    ino_t ino;
  } seen[IMAGE_MAX_CHAIN];
  CLEANUP_FREE char *cur = strdup (path);
  unsigned char hdr[32];

  if (cur == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  for (int depth = 0;; ++depth) {
    CLEANUP_CLOSE int fd = -1;
    struct stat st;
    char *next;

    fd = open (cur, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd == -1 || fstat (fd, &st) == -1) {
      set_error (errno, "could not open '%s'", cur);
      return -1;
    }
    for (int i = 0; i < depth; ++i)
      if (seen[i].dev == st.st_dev && seen[i].ino == st.st_ino) {
        set_error (0, "'%s': its backing chain loops back to '%s'", path, cur);
        return -1;
      }
    if (pread (fd, hdr, sizeof hdr, 0) != (ssize_t) sizeof hdr
        || !is_qcow (hdr))
      return 0; /* not qcow: QEMU reads this base itself */
    if (depth == IMAGE_MAX_CHAIN) {
      set_error (0,
                 "'%s': its backing chain is longer than %d images; "
                 "flatten it first (qemu-img convert, or qemu-img commit "
                 "of the oldest snapshots)",
                 path, IMAGE_MAX_CHAIN);
      return -1;
    }
    seen[depth].dev = st.st_dev;
    seen[depth].ino = st.st_ino;
    if (backing_path (fd, cur, hdr, &next) == -1)
      return -1;
    if (next == NULL)
      return 0;
    free (cur);
    cur = next;
  }
}

int
image_capacity (const char *path, const char *format, uint64_t *capacity)
{
  CLEANUP_CLOSE int fd = -1;
  unsigned char hdr[512];
  struct stat st;
  uint32_t version;
  off_t end;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1 || fstat (fd, &st) == -1) {
    set_error (errno, "could not open '%s'", path);
    return -1;
  }
  if (S_ISDIR (st.st_mode)) {
    set_error (EISDIR, "could not read '%s'", path);
    return -1;
  }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode)) {
    set_error (0, "'%s' is not a regular file or block device", path);
    return -1;
  }
  end = lseek (fd, 0, SEEK_END);
  if (end == -1) {
    set_error (errno, "could not seek '%s'", path);
    return -1;
  }

  if (strcmp (format, "raw") == 0) {
    *capacity = end;
    return 0;
  }
  if (strcmp (format, "qcow") == 0 || strcmp (format, "qcow2") == 0) {
    if (read_at (fd, path, hdr, 32, 0) == -1)
      return -1;
    version = be32 (hdr + 4);
    if (!is_qcow (hdr)
        || (strcmp (format, "qcow") == 0 ? version != 1 : version < 2)) {
      set_error (0, "'%s' is not a %s image", path, format);
      return -1;
    }
    *capacity = be64 (hdr + 24);
    return image_check_chain (path);
  }
  if (strcmp (format, "vhd") == 0) {
    if (end < 512 || read_at (fd, path, hdr, 512, end - 512) == -1
        || memcmp (hdr, "conectix", 8) != 0) {
      if (end >= 512)
        set_error (0, "'%s' is not a vhd image", path);
      else
        set_error (0, "'%s': truncated (too short for a vhd image)", path);
      return -1;
    }
    *capacity = be64 (hdr + 48);
    return 0;
  }
  if (strcmp (format, "qed") == 0) {
    if (read_at (fd, path, hdr, 56, 0) == -1)
      return -1;
    if (memcmp (hdr, "QED\0", 4) != 0) {
      set_error (0, "'%s' is not a qed image", path);
      return -1;
    }
    *capacity = le64 (hdr + 48);
    return 0;
  }
  set_error (0, "'%s': vmshift cannot read disk images in format '%s'", path,
             format);
  return -1;
}
