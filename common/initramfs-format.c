/* vmshift: the layout of an initramfs file (initramfs-format.h). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "initramfs-format.h"

#define CPIO_HEADER 110
#define MAX_EARLY_ENTRIES 100000

const char *
initramfs_compression_name (enum initramfs_compression c)
{
  static const char *const names[] = {
    "none", "gzip", "zstd", "xz", "lzma", "bzip2", "lz4", "lzo",
  };
  return (size_t) c < sizeof names / sizeof names[0] ? names[c] : "?";
}

static enum initramfs_compression
magic (const unsigned char *p, size_t n)
{
  if (n >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
    return INITRAMFS_GZIP;
  if (n >= 4 && memcmp (p, "\x28\xb5\x2f\xfd", 4) == 0)
    return INITRAMFS_ZSTD;
  if (n >= 6
      && memcmp (p,
                 "\xfd"
                 "7zXZ\0",
                 6)
             == 0)
    return INITRAMFS_XZ;
  if (n >= 3 && memcmp (p, "BZh", 3) == 0)
    return INITRAMFS_BZIP2;
  if (n >= 4 && memcmp (p, "\x02\x21\x4c\x18", 4) == 0)
    return INITRAMFS_LZ4;
  if (n >= 3 && memcmp (p, "\x89LZ", 3) == 0)
    return INITRAMFS_LZO;
  if (n >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
    return INITRAMFS_LZMA;
  return INITRAMFS_NONE;
}

uint64_t
zstd_frame_window (const unsigned char *p, size_t n)
{
  unsigned fhd, single, fcs_flag, did_flag;
  size_t pos = 5, did_size, fcs_size;
  uint64_t fcs = 0;

  if (n < 6 || memcmp (p, "\x28\xb5\x2f\xfd", 4) != 0)
    return 0;
  fhd = p[4];
  single = (fhd >> 5) & 1;
  fcs_flag = fhd >> 6;
  did_flag = fhd & 3;
  if (!single) {
    unsigned wd = p[5];
    unsigned wlog = 10 + (wd >> 3);
    uint64_t base = 1ULL << wlog;
    return base + (base / 8) * (wd & 7);
  }
  /* Single segment: the window is the frame content size. */
  did_size = did_flag == 3 ? 4 : did_flag;
  fcs_size = fcs_flag == 0 ? 1 : 1U << fcs_flag;
  if (pos + did_size + fcs_size > n)
    return 0;
  pos += did_size;
  for (size_t i = 0; i < fcs_size; ++i)
    fcs |= (uint64_t) p[pos + i] << (8 * i);
  if (fcs_size == 2)
    fcs += 256;
  return fcs;
}

/* Value of an 8-hex-digit newc header field, or -1. */
static long long
hex8 (const unsigned char *p)
{
  long long v = 0;

  for (int i = 0; i < 8; ++i) {
    int c = p[i], d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static int
read_exact (initramfs_reader read, void *opaque, void *buf, size_t n,
            uint64_t off)
{
  ssize_t r = read (opaque, buf, n, off);
  if (r == -1)
    return -1;
  if ((size_t) r != n) {
    set_error (0, "initramfs truncated at offset %llu",
               (unsigned long long) off);
    return -1;
  }
  return 0;
}

/* Skips one uncompressed newc archive starting at *off (ends after its
 * TRAILER!!! entry, 4-byte aligned).
 */
static int
skip_cpio (initramfs_reader read, void *opaque, uint64_t size, uint64_t *off)
{
  unsigned char h[CPIO_HEADER];
  char name[11];

  for (int entries = 0; entries < MAX_EARLY_ENTRIES; ++entries) {
    long long namesize, filesize;
    uint64_t next;

    if (*off + CPIO_HEADER > size
        || read_exact (read, opaque, h, CPIO_HEADER, *off) == -1)
      goto bad;
    if (memcmp (h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
      goto bad;
    filesize = hex8 (h + 54);
    namesize = hex8 (h + 94);
    if (filesize < 0 || namesize < 1 || namesize > 4096)
      goto bad;
    next = (*off + CPIO_HEADER + namesize + 3) & ~3ULL;
    next = (next + filesize + 3) & ~3ULL;
    if (next > size + 3)
      goto bad;
    if (namesize == 11) {
      if (read_exact (read, opaque, name, 11, *off + CPIO_HEADER) == -1)
        return -1;
      if (memcmp (name, "TRAILER!!!", 11) == 0) {
        *off = next > size ? size : next;
        return 0;
      }
    }
    *off = next;
  }
bad:
  set_error (0, "initramfs: malformed cpio archive at offset %llu",
             (unsigned long long) *off);
  return -1;
}

int
initramfs_scan (initramfs_reader read, void *opaque, uint64_t size,
                struct initramfs_layout *out)
{
  uint64_t off = 0;
  unsigned char buf[512];

  memset (out, 0, sizeof *out);
  while (off < size) {
    size_t n = size - off < sizeof buf ? size - off : sizeof buf;
    size_t z = 0;

    if (read_exact (read, opaque, buf, n, off) == -1)
      return -1;
    while (z < n && buf[z] == 0) /* padding between segments */
      z++;
    if (z > 0) {
      off += z;
      continue;
    }
    if (n >= 6 && memcmp (buf, "07070", 5) == 0) {
      if (skip_cpio (read, opaque, size, &off) == -1)
        return -1;
      continue;
    }
    out->compression = magic (buf, n);
    if (out->compression == INITRAMFS_NONE) {
      set_error (0, "initramfs: unknown data at offset %llu",
                 (unsigned long long) off);
      return -1;
    }
    out->compressed_offset = off;
    if (out->compression == INITRAMFS_ZSTD
        && (out->zstd_window = zstd_frame_window (buf, n)) == 0) {
      set_error (0, "initramfs: bad zstd frame header");
      return -1;
    }
    return 0;
  }
  out->compression = INITRAMFS_NONE;
  return 0;
}
