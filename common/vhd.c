/* vmshift: VHD and VHDX headers (vhd.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "vhd.h"

#define VHD_FOOTER_SIZE 512
#define VHD_TYPE_DIFFERENCING 4

#define KiB 1024
#define VHDX_REGION_TABLE_1 (192 * KiB)
#define VHDX_REGION_TABLE_2 (256 * KiB)
#define VHDX_TABLE_SIZE (64 * KiB) /* region and metadata tables */
#define VHDX_MAX_ENTRIES 2047
#define VHDX_HAS_PARENT 0x2 /* file parameters flag */

/* GUIDs as stored: data1..3 little-endian, data4 as is. */
static const uint8_t metadata_region[16] = {
  0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
  0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e,
}; /* 8B7CA206-4790-4B9A-B8FE-575F050F886E */
static const uint8_t file_parameters[16] = {
  0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d,
  0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b,
}; /* CAA16737-FA36-4D43-B3B6-33F0AA44E76B */
static const uint8_t virtual_disk_size[16] = {
  0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48,
  0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8,
}; /* 2FA54224-CD1B-4876-B211-5DBED83BF4B8 */

bool
vhd_is_disk_name (const char *name)
{
  return ends_with_ci (name, ".vhd") || ends_with_ci (name, ".vhdx")
         || ends_with_ci (name, ".avhd") || ends_with_ci (name, ".avhdx");
}

static uint32_t
be32 (const uint8_t *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8
         | p[3];
}

static uint64_t
be64 (const uint8_t *p)
{
  return (uint64_t) be32 (p) << 32 | be32 (p + 4);
}

static uint32_t
le32 (const uint8_t *p)
{
  return (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16 | (uint32_t) p[1] << 8
         | p[0];
}

static uint64_t
le64 (const uint8_t *p)
{
  return (uint64_t) le32 (p + 4) << 32 | le32 (p);
}

/* Reads exactly len bytes at offset; 1 if read, 0 if the file ends
 * first, -1 with the error set.
 */
static int
read_at (const struct vhd_source *src, void *buf, size_t len, uint64_t offset)
{
  size_t got = 0;

  while (got < len) {
    ssize_t r
        = src->read (src->opaque, (char *) buf + got, len - got, offset + got);
    if (r == -1)
      return -1;
    if (r == 0)
      return 0;
    got += r;
  }
  return 1;
}

static int
read_vhd (const struct vhd_source *src, struct vhd_info *info)
{
  uint8_t footer[VHD_FOOTER_SIZE];
  int r = 0;

  if (src->size >= VHD_FOOTER_SIZE) {
    r = read_at (src, footer, sizeof footer, 0);
    if (r == 1 && memcmp (footer, "conectix", 8) != 0)
      r = read_at (src, footer, sizeof footer, src->size - VHD_FOOTER_SIZE);
  }
  if (r == -1)
    return -1;
  if (r == 0 || memcmp (footer, "conectix", 8) != 0) {
    set_error (0, "'%s' is not a VHD file (it has no VHD footer)", src->what);
    return -1;
  }
  info->format = "vpc";
  info->capacity = be64 (footer + 48);
  info->differencing = be32 (footer + 60) == VHD_TYPE_DIFFERENCING;
  return 0;
}

/* Finds the metadata region in the region table at offset. */
static int
vhdx_metadata_region (const struct vhd_source *src, uint64_t offset,
                      uint64_t *region, uint32_t *length)
{
  CLEANUP_FREE uint8_t *t = malloc (VHDX_TABLE_SIZE);
  uint32_t n;
  int r;

  if (t == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  r = read_at (src, t, VHDX_TABLE_SIZE, offset);
  if (r <= 0)
    return r;
  n = le32 (t + 8);
  if (memcmp (t, "regi", 4) != 0 || n > VHDX_MAX_ENTRIES)
    return 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t *e = t + 16 + 32 * i;
    if (memcmp (e, metadata_region, 16) == 0) {
      *region = le64 (e + 16);
      *length = le32 (e + 24);
      return 1;
    }
  }
  return 0;
}

static int
read_vhdx (const struct vhd_source *src, struct vhd_info *info)
{
  CLEANUP_FREE uint8_t *t = NULL;
  uint8_t sig[8], item[8];
  uint64_t region = 0;
  uint32_t length = 0, n;
  bool have_params = false, have_size = false;
  int r;

  r = read_at (src, sig, sizeof sig, 0);
  if (r == -1)
    return -1;
  if (r == 0 || memcmp (sig, "vhdxfile", 8) != 0) {
    set_error (0, "'%s' is not a VHDX file (no 'vhdxfile' signature)",
               src->what);
    return -1;
  }
  r = vhdx_metadata_region (src, VHDX_REGION_TABLE_1, &region, &length);
  if (r == 0)
    r = vhdx_metadata_region (src, VHDX_REGION_TABLE_2, &region, &length);
  if (r == -1)
    return -1;
  if (r == 0) {
    set_error (0, "'%s': VHDX file without a metadata region (damaged?)",
               src->what);
    return -1;
  }

  t = malloc (VHDX_TABLE_SIZE);
  if (t == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  r = length < VHDX_TABLE_SIZE ? 0 : read_at (src, t, VHDX_TABLE_SIZE, region);
  if (r == -1)
    return -1;
  n = le32 (t + 8) >> 16; /* 16 bit entry count after 2 reserved bytes */
  if (r == 0 || memcmp (t, "metadata", 8) != 0 || n > VHDX_MAX_ENTRIES) {
    set_error (0, "'%s': damaged VHDX metadata table", src->what);
    return -1;
  }
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t *e = t + 32 + 32 * i;
    bool params = memcmp (e, file_parameters, 16) == 0;
    bool size = memcmp (e, virtual_disk_size, 16) == 0;

    if (!params && !size)
      continue;
    if ((uint64_t) le32 (e + 16) + sizeof item > length || le32 (e + 20) < 8
        || read_at (src, item, sizeof item, region + le32 (e + 16)) != 1) {
      set_error (0, "'%s': damaged VHDX metadata item", src->what);
      return -1;
    }
    if (params) {
      info->differencing = (le32 (item + 4) & VHDX_HAS_PARENT) != 0;
      have_params = true;
    }
    else {
      info->capacity = le64 (item);
      have_size = true;
    }
  }
  if (!have_params || !have_size) {
    set_error (0, "'%s': VHDX metadata without its %s", src->what,
               have_params ? "virtual disk size" : "file parameters");
    return -1;
  }
  info->format = "vhdx";
  return 0;
}

int
vhd_parse (const struct vhd_source *src, bool vhdx, struct vhd_info *info)
{
  memset (info, 0, sizeof *info);
  return vhdx ? read_vhdx (src, info) : read_vhd (src, info);
}

struct file {
  int fd;
  const char *path;
};

static ssize_t
file_read (void *opaque, void *buf, size_t n, uint64_t offset)
{
  const struct file *f = opaque;
  ssize_t r;

  do
    r = pread (f->fd, buf, n, (off_t) offset);
  while (r == -1 && errno == EINTR);
  if (r == -1)
    set_error (errno, "read: '%s'", f->path);
  return r;
}

int
vhd_read_info (const char *path, struct vhd_info *info)
{
  CLEANUP_CLOSE int fd = -1;
  struct file f = { .path = path };
  struct vhd_source src = { .read = file_read, .opaque = &f, .what = path };
  struct stat st;

  memset (info, 0, sizeof *info);
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd == -1 || fstat (fd, &st) == -1) {
    set_error (errno, "could not open '%s'", path);
    return -1;
  }
  if (!S_ISREG (st.st_mode)) {
    set_error (0, "'%s' is not a regular file", path);
    return -1;
  }
  f.fd = fd;
  src.size = st.st_size;
  if (ends_with_ci (path, ".vhdx") || ends_with_ci (path, ".avhdx"))
    return vhd_parse (&src, true, info);
  if (ends_with_ci (path, ".vhd") || ends_with_ci (path, ".avhd"))
    return vhd_parse (&src, false, info);
  set_error (0, "'%s' is not named as a VHD or VHDX file", path);
  return -1;
}
