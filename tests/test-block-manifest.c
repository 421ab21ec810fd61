/* Unit tests for common/block-manifest.c (p2v agent's block manifest)
 * and common/bitmap.c.
 */
#include <config.h>

#include <fcntl.h>
#include <unistd.h>

#include "bitmap.h"
#include "block-manifest.h"
#include "unit-test.h"

static void
bitmap_ranges (void)
{
  struct bitmap a, b;

  assert (bitmap_init (&a, 200) == 0 && bitmap_init (&b, 200) == 0);
  assert (bitmap_next_set (&a, 0) == 200);
  assert (bitmap_next_clear (&a, 0) == 0);
  bitmap_set_range (&a, 3, 130); /* 3..132 */
  assert (bitmap_count (&a) == 130);
  assert (bitmap_next_set (&a, 0) == 3 && bitmap_next_clear (&a, 3) == 133);
  assert (bitmap_test (&a, 64) && !bitmap_test (&a, 133));
  bitmap_set_range (&a, 190, 1000); /* clipped */
  assert (bitmap_count (&a) == 140 && bitmap_next_clear (&a, 190) == 200);
  bitmap_set_range (&b, 100, 100);
  bitmap_and_not (&a, &b); /* 3..99 */
  assert (bitmap_count (&a) == 97 && bitmap_next_set (&a, 100) == 200);
  bitmap_or (&a, &b);
  assert (bitmap_count (&a) == 197);
  bitmap_and (&a, &b);
  assert (bitmap_count (&a) == 100 && bitmap_next_set (&a, 0) == 100);
  bitmap_clear_all (&a);
  assert (bitmap_count (&a) == 0);
  bitmap_free (&a);
  bitmap_free (&b);
}

static void
header_round_trip (void)
{
  struct manifest_header h = { 65536, 1000000, 7, 0x1234 }, g;
  uint8_t b[MANIFEST_HEADER];

  manifest_header_encode (&h, b);
  assert (manifest_header_decode (b, &g) == 0);
  assert (g.block_size == 65536 && g.disk_size == 1000000 && g.rounds == 7
          && g.digest == 0x1234);
  b[8] = 0x01; /* 65537: not a power of two */
  assert (manifest_header_decode (b, &g) == -1);
  expect_error ("out of range");
  b[0] = 'X';
  assert (manifest_header_decode (b, &g) == -1);
  expect_error ("not a block manifest");
}

/* A new manifest holds the zero blocks' hashes (the last one short),
 * checks, and the digest follows an update.
 */
static void
create_check_update (void)
{
  char dir[] = "/tmp/test-block-manifest.XXXXXX";
  char *path;
  uint8_t zero[4096] = { 0 }, e[MANIFEST_ENTRY], got[MANIFEST_ENTRY];
  struct manifest_header h;
  int fd;

  assert (mkdtemp (dir));
  path = test_path (dir, "m");
  assert (manifest_create (path, 3 * 4096 + 512, 4096) == 0);
  fd = open (path, O_RDWR);
  assert (fd >= 0 && manifest_check (fd, &h) == 0);
  assert (h.rounds == 0 && manifest_blocks (h.disk_size, 4096) == 4);
  manifest_entry (zero, 512, e);
  assert (manifest_get (fd, 3, 1, got) == 0 && memcmp (e, got, 16) == 0);
  manifest_entry (zero, 4096, e);
  assert (manifest_get (fd, 0, 1, got) == 0 && memcmp (e, got, 16) == 0);

  /* Block 1 changes; the header's digest does not follow yet. */
  zero[7] = 1;
  manifest_entry (zero, 4096, got);
  assert (manifest_put (fd, 1, 1, got) == 0);
  assert (manifest_check (fd, &h) == -1);
  expect_error ("do not match");
  h.digest += manifest_term (1, got) - manifest_term (1, e);
  assert (manifest_write_header (fd, &h) == 0);
  assert (manifest_check (fd, &h) == 0);
  /* A truncated file is refused. */
  assert (ftruncate (fd, MANIFEST_HEADER + 2 * MANIFEST_ENTRY) == 0);
  assert (manifest_check (fd, &h) == -1);
  close (fd);
  free (path);
  test_remove_dir (dir);
}

int
main (void)
{
  bitmap_ranges ();
  header_round_trip ();
  create_check_update ();
  return 0;
}
