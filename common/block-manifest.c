/* vmshift: the block manifest file (block-manifest.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "block-manifest.h"
#include "byte-order.h"
#include "cleanups.h"
#include "errors.h"

#define MAGIC "VMSMANI1"
#define BATCH 4096 /* entries per read or write */

void
manifest_header_encode (const struct manifest_header *h,
                        uint8_t out[MANIFEST_HEADER])
{
  memset (out, 0, MANIFEST_HEADER);
  memcpy (out, MAGIC, 8);
  put_le32 (out + 8, h->block_size);
  put_le64 (out + 16, h->disk_size);
  put_le64 (out + 24, h->rounds);
  put_le64 (out + 32, h->digest);
}

int
manifest_header_decode (const uint8_t in[MANIFEST_HEADER],
                        struct manifest_header *h)
{
  if (memcmp (in, MAGIC, 8) != 0) {
    set_error (0, "not a block manifest");
    return -1;
  }
  h->block_size = get_le32 (in + 8);
  h->disk_size = get_le64 (in + 16);
  h->rounds = get_le64 (in + 24);
  h->digest = get_le64 (in + 32);
  if (h->block_size < MANIFEST_MIN_BLOCK || h->block_size > MANIFEST_MAX_BLOCK
      || (h->block_size & (h->block_size - 1)) != 0 || h->disk_size == 0
      || h->disk_size > (UINT64_C (1) << 60)) {
    set_error (0,
               "block manifest: block size %" PRIu32 " or disk size %" PRIu64
               " out of range",
               h->block_size, h->disk_size);
    return -1;
  }
  return 0;
}

uint64_t
manifest_blocks (uint64_t disk_size, uint32_t block_size)
{
  return (disk_size + block_size - 1) / block_size;
}

void
manifest_entry (const void *buf, size_t len, uint8_t out[MANIFEST_ENTRY])
{
  XXH128_canonical_t c;

  XXH128_canonicalFromHash (&c, XXH3_128bits (buf, len));
  memcpy (out, c.digest, MANIFEST_ENTRY);
}

uint64_t
manifest_term (uint64_t block, const uint8_t entry[MANIFEST_ENTRY])
{
  return XXH3_64bits_withSeed (entry, MANIFEST_ENTRY, block);
}

static int
pwrite_all (int fd, const void *buf, size_t len, uint64_t off)
{
  ssize_t n = pwrite (fd, buf, len, (off_t) off);

  if (n != (ssize_t) len) {
    set_error (n == -1 ? errno : ENOSPC, "block manifest: write");
    return -1;
  }
  return 0;
}

int
manifest_read_header (int fd, struct manifest_header *h)
{
  uint8_t b[MANIFEST_HEADER];

  if (pread (fd, b, sizeof b, 0) != (ssize_t) sizeof b) {
    set_error (0, "block manifest: short or unreadable");
    return -1;
  }
  return manifest_header_decode (b, h);
}

int
manifest_write_header (int fd, const struct manifest_header *h)
{
  uint8_t b[MANIFEST_HEADER];

  manifest_header_encode (h, b);
  return pwrite_all (fd, b, sizeof b, 0);
}

int
manifest_get (int fd, uint64_t first, size_t n, uint8_t *out)
{
  size_t len = n * MANIFEST_ENTRY;

  if (pread (fd, out, len, (off_t) (MANIFEST_HEADER + first * MANIFEST_ENTRY))
      != (ssize_t) len) {
    set_error (errno, "block manifest: read at block %" PRIu64, first);
    return -1;
  }
  return 0;
}

int
manifest_put (int fd, uint64_t first, size_t n, const uint8_t *in)
{
  return pwrite_all (fd, in, n * MANIFEST_ENTRY,
                     MANIFEST_HEADER + first * MANIFEST_ENTRY);
}

int
manifest_create (const char *path, uint64_t disk_size, uint32_t block_size)
{
  struct manifest_header h
      = { .block_size = block_size, .disk_size = disk_size };
  uint64_t nblocks = manifest_blocks (disk_size, block_size);
  uint32_t tail = (uint32_t) (disk_size - (nblocks - 1) * block_size);
  uint8_t zero_entry[MANIFEST_ENTRY], tail_entry[MANIFEST_ENTRY];
  CLEANUP_FREE uint8_t *zeros = calloc (1, block_size);
  CLEANUP_FREE uint8_t *batch = malloc (BATCH * MANIFEST_ENTRY);
  CLEANUP_CLOSE int fd = -1;

  if (zeros == NULL || batch == NULL) {
    set_error (errno, "out of memory");
    return -1;
  }
  manifest_entry (zeros, block_size, zero_entry);
  manifest_entry (zeros, tail, tail_entry);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd == -1) {
    set_error (errno, "'%s'", path);
    return -1;
  }
  for (uint64_t b = 0; b < nblocks; b += BATCH) {
    size_t n = nblocks - b < BATCH ? (size_t) (nblocks - b) : BATCH;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t *e = b + i == nblocks - 1 ? tail_entry : zero_entry;
      memcpy (batch + i * MANIFEST_ENTRY, e, MANIFEST_ENTRY);
      h.digest += manifest_term (b + i, e);
    }
    if (pwrite_all (fd, batch, n * MANIFEST_ENTRY,
                    MANIFEST_HEADER + b * MANIFEST_ENTRY)
        == -1)
      return -1;
  }
  if (manifest_write_header (fd, &h) == -1)
    return -1;
  if (fdatasync (fd) == -1) {
    set_error (errno, "'%s'", path);
    return -1;
  }
  return 0;
}

int
manifest_check (int fd, struct manifest_header *h)
{
  CLEANUP_FREE uint8_t *batch = malloc (BATCH * MANIFEST_ENTRY);
  uint64_t nblocks, digest = 0;
  off_t end;

  if (batch == NULL) {
    set_error (errno, "out of memory");
    return -1;
  }
  if (manifest_read_header (fd, h) == -1)
    return -1;
  nblocks = manifest_blocks (h->disk_size, h->block_size);
  end = lseek (fd, 0, SEEK_END);
  if (end != (off_t) (MANIFEST_HEADER + nblocks * MANIFEST_ENTRY)) {
    set_error (0, "block manifest: %jd bytes for %" PRIu64 " blocks",
               (intmax_t) end, nblocks);
    return -1;
  }
  for (uint64_t b = 0; b < nblocks; b += BATCH) {
    size_t n = nblocks - b < BATCH ? (size_t) (nblocks - b) : BATCH;
    if (manifest_get (fd, b, n, batch) == -1)
      return -1;
    for (size_t i = 0; i < n; ++i)
      digest += manifest_term (b + i, batch + i * MANIFEST_ENTRY);
  }
  if (digest != h->digest) {
    set_error (0, "block manifest: the entries do not match the digest");
    return -1;
  }
  return 0;
}
