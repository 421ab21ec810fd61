/* Unit tests for common/initramfs-format.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initramfs-format.h"

struct mem {
  const unsigned char *p;
  size_t n;
};

static ssize_t
mem_read (void *opaque, void *buf, size_t n, uint64_t off)
{
  struct mem *m = opaque;
  if (off >= m->n)
    return 0;
  if (n > m->n - off)
    n = m->n - off;
  memcpy (buf, m->p + off, n);
  return n;
}

/* Appends a newc entry. */
static size_t
entry (unsigned char *out, const char *name, size_t filesize)
{
  size_t namesize = strlen (name) + 1, n;
  n = sprintf ((char *) out,
               "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x"
               "%08x%08x%08zx%08x",
               0, 0100644, 0, 0, 1, 0, filesize, 0, 0, 0, 0, namesize, 0);
  memcpy (out + n, name, namesize);
  n = (n + namesize + 3) & ~3UL;
  memset (out + n, 'x', filesize);
  return (n + filesize + 3) & ~3UL;
}

int
main (void)
{
  static unsigned char buf[4096];
  struct initramfs_layout l;
  struct mem m = { buf, 0 };
  size_t n = 0;

  /* Early microcode cpio, padding, then a zstd frame (window 2^19). */
  n += entry (buf + n, "kernel/x86/microcode/GenuineIntel.bin", 10);
  n += entry (buf + n, "TRAILER!!!", 0);
  n += 512 - n % 512;
  memcpy (buf + n, "\x28\xb5\x2f\xfd\x04\x48", 6); /* FHD 0x04, WD 0x48 */
  m.n = n + 32;
  assert (initramfs_scan (mem_read, &m, m.n, &l) == 0);
  assert (l.compression == INITRAMFS_ZSTD);
  assert (l.compressed_offset == n);
  assert (l.zstd_window == 1 << 19);

  /* Plain gzip. */
  memcpy (buf, "\x1f\x8b\x08\x00", 4);
  m.n = 64;
  assert (initramfs_scan (mem_read, &m, m.n, &l) == 0);
  assert (l.compression == INITRAMFS_GZIP && l.compressed_offset == 0);

  /* Only uncompressed cpio. */
  n = entry (buf, "init", 5);
  n += entry (buf + n, "TRAILER!!!", 0);
  m.n = n;
  assert (initramfs_scan (mem_read, &m, m.n, &l) == 0);
  assert (l.compression == INITRAMFS_NONE);

  /* Garbage, truncated cpio, and a huge name are errors. */
  memcpy (buf, "hello world", 11);
  m.n = 11;
  assert (initramfs_scan (mem_read, &m, m.n, &l) == -1);
  n = entry (buf, "init", 100);
  m.n = 120;
  assert (initramfs_scan (mem_read, &m, m.n, &l) == -1);

  /* Window of a single-segment frame is its content size (2-byte FCS
   * field, +256).
   */
  assert (zstd_frame_window (
              (const unsigned char *) "\x28\xb5\x2f\xfd\x60\x00\x01\x00", 8)
          == 256 + 256);
  assert (zstd_frame_window ((const unsigned char *) "\x28\xb5\x2f", 3) == 0);
  printf ("test-initramfs-format: OK\n");
  return 0;
}
