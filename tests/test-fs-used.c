/* Unit tests for the used-range readers (fs-used.c, fs-xfs.c, fs-fat.c):
 * hand-built images in memory, damaged and fuzzed copies of them, then
 * real filesystems made by mkswap, mkfs.xfs and mkfs.fat on plain files
 * (nothing is mounted), checked against xfs_db and mtools.
 */
#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "fs-used.h"
#include "unit-test.h"

#define KiB 1024ULL
#define MiB (1024 * KiB)

static char tmpdir[] = "/tmp/test-fs-used-XXXXXX";

/* ---- Reading ---- */

struct mem {
  const unsigned char *p;
  size_t len;
};

static int
mem_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  struct mem *m = opaque;

  if (offset > m->len || len > m->len - offset) {
    set_error (0, "read of %zu bytes at %" PRIu64 " is past the end", len,
               offset);
    return -1;
  }
  memcpy (buf, m->p + offset, len);
  return 0;
}

static int
fd_read (void *opaque, void *buf, size_t len, uint64_t offset)
{
  int fd = *(int *) opaque;
  ssize_t r = pread (fd, buf, len, (off_t) offset);

  if (r != (ssize_t) len) {
    set_error (r == -1 ? errno : 0, "short read at %" PRIu64, offset);
    return -1;
  }
  return 0;
}

typedef int (*used_fn) (fs_read_fn, void *, uint64_t, range_vector *);

/* Runs f over buf (of which len bytes are readable, of a size-byte
 * filesystem).  The vector is the caller's to reset.
 */
static int
mem_used (used_fn f, const unsigned char *buf, size_t len, uint64_t size,
          range_vector *used)
{
  struct mem m = { .p = buf, .len = len };

  return f (mem_read, &m, size, used);
}

/* The ranges are sorted, apart, non-empty and within size.  Returns the
 * bytes they cover.
 */
static uint64_t
check_ranges (const range_vector *v, uint64_t size)
{
  uint64_t total = 0;

  for (size_t i = 0; i < v->len; ++i) {
    assert (v->ptr[i].len > 0);
    assert (v->ptr[i].start <= size
            && v->ptr[i].len <= size - v->ptr[i].start);
    if (i > 0)
      assert (v->ptr[i].start > v->ptr[i - 1].start + v->ptr[i - 1].len);
    total += v->ptr[i].len;
  }
  return total;
}

static void
expect_ranges (const range_vector *v, const uint64_t (*want)[2], size_t n)
{
  assert (v->len == n);
  for (size_t i = 0; i < n; ++i)
    assert (v->ptr[i].start == want[i][0] && v->ptr[i].len == want[i][1]);
}

/* ---- range_append ---- */

static void
test_range_append (void)
{
  range_vector v = empty_vector;
  static const uint64_t want[][2] = { { 0, 30 }, { 40, 20 }, { 100, 1 } };

  assert (range_append (&v, 0, 10) == 0);
  assert (range_append (&v, 10, 10) == 0); /* touches: merged */
  assert (range_append (&v, 15, 15) == 0); /* overlaps: merged */
  assert (range_append (&v, 20, 0) == 0);  /* empty: ignored */
  assert (range_append (&v, 40, 10) == 0);
  assert (range_append (&v, 42, 3) == 0); /* inside the last */
  assert (range_append (&v, 50, 10) == 0);
  assert (range_append (&v, 100, 1) == 0);
  expect_ranges (&v, want, 3);
  assert (range_append (&v, 99, 5) == -1);
  expect_error ("out of order");
  assert (range_append (&v, UINT64_MAX, 2) == -1);
  expect_error ("overflows");
  expect_ranges (&v, want, 3);
  range_vector_reset (&v);
}

/* ---- Swap ---- */

static void
test_swap_mem (void)
{
  static unsigned char buf[128 * KiB];
  range_vector v = empty_vector;
  static const uint64_t page4k[][2] = { { 0, 4096 } };
  static const uint64_t page64k[][2] = { { 0, 65536 } };
  static const uint64_t all[][2] = { { 0, sizeof buf } };

  memset (buf, 0, sizeof buf);
  assert (mem_used (swap_used, buf, sizeof buf, sizeof buf, &v) == 0);
  assert (v.len == 0);

  memcpy (buf + 4096 - 10, "SWAPSPACE2", 10);
  assert (mem_used (swap_used, buf, sizeof buf, sizeof buf, &v) == 1);
  expect_ranges (&v, page4k, 1);
  range_vector_reset (&v);
  /* Smaller than a page: not swap; cut short: a read error. */
  assert (mem_used (swap_used, buf, sizeof buf, 4095, &v) == 0);
  assert (mem_used (swap_used, buf, 100, sizeof buf, &v) == -1);
  expect_error ("past the end");
  assert (v.len == 0);

  memset (buf, 0, sizeof buf);
  memcpy (buf + 65536 - 10, "SWAPSPACE2", 10);
  assert (mem_used (swap_used, buf, sizeof buf, sizeof buf, &v) == 1);
  expect_ranges (&v, page64k, 1);
  range_vector_reset (&v);
  assert (mem_used (swap_used, buf, sizeof buf, 65535, &v) == 0);

  /* Hibernated: the whole area. */
  memset (buf, 0, sizeof buf);
  memcpy (buf + 4096 - 10, "S1SUSPEND", 9);
  assert (mem_used (swap_used, buf, sizeof buf, sizeof buf, &v) == 1);
  expect_ranges (&v, all, 1);
  range_vector_reset (&v);
  memset (buf, 0, sizeof buf);
  memcpy (buf + 16384 - 10, "LINHIB0001", 10);
  assert (mem_used (swap_used, buf, sizeof buf, sizeof buf, &v) == 1);
  expect_ranges (&v, all, 1);
  range_vector_reset (&v);
  memset (buf, 0, sizeof buf);
  memcpy (buf + 8192 - 10, "ULSUSPEND", 9);
  assert (mem_used (swap_used, buf, sizeof buf, sizeof buf, &v) == 1);
  expect_ranges (&v, all, 1);
  range_vector_reset (&v);
}

/* ---- XFS, built by hand ---- */

#define XBS 1024u      /* block size */
#define XAGBLOCKS 1024 /* AG 1 is shorter: 976 blocks */
#define XDBLOCKS 2000
#define XSIZE ((size_t) XDBLOCKS * XBS)

static unsigned char *ximg;
static bool xcrc;

static void
put_be16 (unsigned char *p, uint16_t v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static void
put_be32 (unsigned char *p, uint32_t v)
{
  put_be16 (p, v >> 16);
  put_be16 (p + 2, (uint16_t) v);
}

static void
put_be64 (unsigned char *p, uint64_t v)
{
  put_be32 (p, v >> 32);
  put_be32 (p + 4, (uint32_t) v);
}

static unsigned char *
xblock (uint32_t agno, uint32_t agbno)
{
  return ximg + ((size_t) agno * XAGBLOCKS + agbno) * XBS;
}

static size_t
xhdr (void)
{
  return xcrc ? 56 : 16;
}

static void
xagf (uint32_t agno, uint32_t len, uint32_t root, uint32_t levels,
      uint32_t freeblks)
{
  unsigned char *agf = xblock (agno, 0) + 512;

  memcpy (agf, "XAGF", 4);
  put_be32 (agf + 4, 1);
  put_be32 (agf + 8, agno);
  put_be32 (agf + 12, len);
  put_be32 (agf + 16, root);
  put_be32 (agf + 28, levels);
  put_be32 (agf + 52, freeblks);
}

static unsigned char *
xbt (uint32_t agno, uint32_t agbno, uint16_t level, uint16_t numrecs)
{
  unsigned char *b = xblock (agno, agbno);

  memcpy (b, xcrc ? "AB3B" : "ABTB", 4);
  put_be16 (b + 4, level);
  put_be16 (b + 6, numrecs);
  put_be32 (b + 8, 0xffffffff);
  put_be32 (b + 12, 0xffffffff);
  if (xcrc) {
    put_be64 (b + 16, ((uint64_t) agno * XAGBLOCKS + agbno) * XBS / 512);
    put_be32 (b + 48, agno);
  }
  return b;
}

static void
xrec (unsigned char *b, int i, uint32_t start, uint32_t len)
{
  put_be32 (b + xhdr () + 8 * i, start);
  put_be32 (b + xhdr () + 8 * i + 4, len);
}

static void
xptr (unsigned char *b, int i, uint32_t ptr)
{
  put_be32 (b + xhdr () + 8 * ((XBS - xhdr ()) / 12) + 4 * i, ptr);
}

/* AG 0: a two-level tree (root 1, leaves 2 and 3) with free extents
 * 10+5, 20+10, 100+900; AG 1: one leaf with 50+926, to its end.
 */
static void
xfs_build (bool crc)
{
  unsigned char *b;

  xcrc = crc;
  memset (ximg, 0, XSIZE);
  memcpy (ximg, "XFSB", 4);
  put_be32 (ximg + 4, XBS);
  put_be64 (ximg + 8, XDBLOCKS);
  put_be32 (ximg + 84, XAGBLOCKS);
  put_be32 (ximg + 88, 2);
  put_be16 (ximg + 100, crc ? 0xb4a5 : 0xb4a4);
  put_be16 (ximg + 102, 512);

  xagf (0, XAGBLOCKS, 1, 2, 915);
  b = xbt (0, 1, 1, 2);
  xrec (b, 0, 10, 5);
  xrec (b, 1, 100, 900);
  xptr (b, 0, 2);
  xptr (b, 1, 3);
  b = xbt (0, 2, 0, 2);
  xrec (b, 0, 10, 5);
  xrec (b, 1, 20, 10);
  b = xbt (0, 3, 0, 1);
  xrec (b, 0, 100, 900);

  xagf (1, XDBLOCKS - XAGBLOCKS, 1, 1, 926);
  b = xbt (1, 1, 0, 1);
  xrec (b, 0, 50, 926);
}

static int
xfs_run (range_vector *v)
{
  range_vector_reset (v);
  return mem_used (xfs_used, ximg, XSIZE, XSIZE, v);
}

/* Each damage makes xfs_used fail with the message given. */
static void
xfs_expect_bad (const char *want)
{
  range_vector v = empty_vector;

  assert (xfs_run (&v) == -1);
  expect_error (want);
  range_vector_reset (&v);
  xfs_build (xcrc);
}

/* Superblock and AGF fields made wrong: bytes from the image's start,
 * width 2 or 4.
 */
#define AGF(agno, field) ((agno) *XAGBLOCKS * XBS + 512 + (field))
static const struct {
  size_t offset;
  unsigned width;
  uint32_t value;
  const char *error;
} header_bad[] = {
  { 100, 2, 0xb4a3, "version 3" },
  { 4, 4, 1000, "block size" },
  { 102, 2, 2048, "sector size" },
  { 88, 4, 0, "allocation groups" },
  { 88, 4, 3, "allocation groups" },
  { 84, 4, 16, "allocation groups" },
  { AGF (1, 0), 4, 0x59414746, "AG 1: the AG header" },
  { AGF (1, 12), 4, XAGBLOCKS, "AG 1: the AG header" },
  { AGF (0, 28), 4, 11, "11 levels" },
  { AGF (0, 28), 4, 0, "0 levels" },
  { AGF (0, 28), 4, 3, "not a level 2" },
  { AGF (0, 16), 4, 0, "block 0 is outside" },
  { AGF (1, 16), 4, 976, "block 976 is outside" },
  { AGF (1, 52), 4, 925, "the AGF says 925" },
};

static void
test_xfs_mem (bool crc)
{
  range_vector v = empty_vector;
  static const uint64_t want[][2] = {
    { 0, 10 * XBS },
    { 15 * XBS, 5 * XBS },
    { 30 * XBS, 70 * XBS },
    { 1000 * XBS, 74 * XBS },
  };

  xfs_build (crc);
  assert (xfs_run (&v) == 1);
  expect_ranges (&v, want, 4);
  /* A device larger than the filesystem: the rest is not used. */
  range_vector_reset (&v);
  assert (mem_used (xfs_used, ximg, XSIZE, XSIZE + MiB, &v) == 1);
  expect_ranges (&v, want, 4);
  range_vector_reset (&v);

  /* Not XFS. */
  ximg[0] = 'Y';
  assert (xfs_run (&v) == 0 && v.len == 0);
  xfs_build (crc);

  /* A device smaller than the filesystem, or cut short. */
  assert (mem_used (xfs_used, ximg, XSIZE, XSIZE - 1, &v) == -1);
  expect_error ("does not fit");
  assert (mem_used (xfs_used, ximg, 8 * KiB, XSIZE, &v) == -1);
  expect_error ("past the end");
  range_vector_reset (&v);

  for (size_t i = 0; i < sizeof header_bad / sizeof *header_bad; ++i) {
    if (header_bad[i].width == 2)
      put_be16 (ximg + header_bad[i].offset, (uint16_t) header_bad[i].value);
    else
      put_be32 (ximg + header_bad[i].offset, header_bad[i].value);
    xfs_expect_bad (header_bad[i].error);
  }

  /* Leaf records. */
  put_be16 (xblock (0, 2) + 6, 200);
  xfs_expect_bad ("claims 200 records");
  xrec (xblock (0, 3), 0, 100, 925);
  xfs_expect_bad ("outside the 1024-block AG");
  xrec (xblock (0, 3), 0, 12, 1);
  xfs_expect_bad ("out of order");
  xrec (xblock (0, 2), 1, 20, 0);
  xfs_expect_bad ("out of order");

  /* Interior nodes: a pointer to itself, the same leaf twice, empty. */
  xptr (xblock (0, 1), 1, 1);
  xfs_expect_bad ("not a level 0");
  xptr (xblock (0, 1), 1, 2);
  xfs_expect_bad ("out of order");
  put_be16 (xblock (0, 1) + 6, 0);
  xfs_expect_bad ("claims 0 records");
  put_be16 (xblock (0, 1) + 6, 85);
  xfs_expect_bad ("claims 85 records");
  if (crc) {
    put_be32 (xblock (0, 3) + 48, 1); /* owner */
    xfs_expect_bad ("block 3 is not");
    put_be64 (xblock (0, 3) + 16, 0); /* blkno */
    xfs_expect_bad ("block 3 is not");
  }
  else {
    memcpy (xblock (0, 3), "AB3B", 4);
    xfs_expect_bad ("block 3 is not");
  }
  assert (xfs_run (&v) == 1);
  range_vector_reset (&v);
  clear_error ();
}

/* Builds a random image, then writes random bytes into its headers and
 * tree blocks.
 */
static void
xfs_damage (int i)
{
  xfs_build (i & 1);
  for (int n = 1 + rand () % 4; n > 0; --n) {
    uint32_t agno = rand () % 2, agbno = rand () % 4;
    xblock (agno, agbno)[rand () % (agbno == 0 ? 1024 : 128)] = rand ();
  }
}

/* Images made by damage never crash f, and what it reports is
 * well-formed.
 */
static void
fuzz (used_fn f, void (*damage) (int i), const unsigned char *img, size_t size)
{
  range_vector v = empty_vector;

  srand (1);
  for (int i = 0; i < 3000; ++i) {
    int r;

    damage (i);
    r = mem_used (f, img, size, size, &v);
    assert (r >= -1 && r <= 1);
    if (r == 1)
      check_ranges (&v, size);
    range_vector_reset (&v);
  }
  clear_error ();
}

/* ---- FAT, built by hand ---- */

#define FSECTORS 200
static unsigned char fimg[FSECTORS * 512];

static void
put_le16 (unsigned char *p, uint16_t v)
{
  p[0] = v;
  p[1] = v >> 8;
}

static void
put_le32 (unsigned char *p, uint32_t v)
{
  put_le16 (p, (uint16_t) v);
  put_le16 (p + 2, v >> 16);
}

/* FAT12 entry n of the first FAT (at sector 1). */
static void
fat12_set (uint32_t n, uint16_t v)
{
  unsigned char *p = fimg + 512 + n * 3 / 2;

  if (n & 1) {
    p[0] = (p[0] & 0x0f) | (v << 4 & 0xf0);
    p[1] = v >> 4;
  }
  else {
    p[0] = v;
    p[1] = (p[1] & 0xf0) | (v >> 8 & 0x0f);
  }
}

/* FAT12: 1 reserved sector, 2 FATs of 1 sector, 16 root entries (1
 * sector), so cluster 2 is sector 4; clusters 2-4 hold a file, 7 is bad.
 */
static void
fat_build (void)
{
  memset (fimg, 0, sizeof fimg);
  fimg[0] = 0xeb;
  fimg[1] = 0x3c;
  fimg[2] = 0x90;
  put_le16 (fimg + 11, 512);
  fimg[13] = 1;
  put_le16 (fimg + 14, 1);
  fimg[16] = 2;
  put_le16 (fimg + 17, 16);
  put_le16 (fimg + 19, FSECTORS);
  fimg[21] = 0xf8;
  put_le16 (fimg + 22, 1);
  memcpy (fimg + 54, "FAT12   ", 8);
  fimg[510] = 0x55;
  fimg[511] = 0xaa;
  fat12_set (0, 0xff8);
  fat12_set (1, 0xfff);
  fat12_set (2, 3);
  fat12_set (3, 4);
  fat12_set (4, 0xfff);
  fat12_set (7, 0xff7);
  fat12_set (197, 0xfff); /* the last cluster */
}

static int
fat_run (range_vector *v)
{
  range_vector_reset (v);
  return mem_used (fat_used, fimg, sizeof fimg, sizeof fimg, v);
}

static void
fat_expect (int want, const char *error)
{
  range_vector v = empty_vector;

  assert (fat_run (&v) == want);
  if (want == -1)
    expect_error (error);
  else
    assert (v.len == 0);
  range_vector_reset (&v);
  fat_build ();
}

static void
test_fat_mem (void)
{
  range_vector v = empty_vector;
  static const uint64_t want[][2] = {
    { 0, 7 * 512 },
    { 9 * 512, 512 },
    { 199 * 512, 512 },
  };

  fat_build ();
  assert (fat_run (&v) == 1);
  expect_ranges (&v, want, 3);
  range_vector_reset (&v);
  assert (mem_used (fat_used, fimg, 512, sizeof fimg, &v) == -1);
  expect_error ("past the end");
  range_vector_reset (&v);

  /* Not FAT at all. */
  fimg[510] = 0;
  fat_expect (0, NULL);
  memset (fimg + 54, 0, 8);
  put_le16 (fimg + 11, 0);
  fat_expect (0, NULL); /* a boot sector with no BPB */
  memcpy (fimg + 3, "NTFS    ", 8);
  memset (fimg + 11, 0, 25);
  memset (fimg + 54, 0, 8);
  fat_expect (0, NULL);
  memset (fimg + 54, 0, 8);
  assert (fat_run (&v) == 1); /* no label, but a good BPB */
  fat_build ();

  /* Labelled FAT, but damaged. */
  fimg[0] = 0;
  fat_expect (-1, "jump");
  put_le16 (fimg + 11, 768);
  fat_expect (-1, "sector size");
  fimg[13] = 3;
  fat_expect (-1, "sectors per cluster");
  fimg[16] = 0;
  fat_expect (-1, "FAT counts");
  fimg[21] = 0x12;
  fat_expect (-1, "media");
  put_le16 (fimg + 19, FSECTORS + 1);
  fat_expect (-1, "does not fit");
  put_le16 (fimg + 17, 8000);
  fat_expect (-1, "fill the filesystem");
  put_le16 (fimg + 19, 0);
  put_le32 (fimg + 32, 0);
  fat_expect (-1, "does not fit");
  put_le16 (fimg + 19, 0);
  put_le32 (fimg + 32, 8000);
  put_le16 (fimg + 22, 1);
  {
    /* 8000 sectors: 7996 clusters, FAT16, whose FAT needs 32 sectors. */
    CLEANUP_FREE unsigned char *big = calloc (8000, 512);
    assert (big != NULL);
    memcpy (big, fimg, 512);
    assert (mem_used (fat_used, big, 8000 * 512, 8000 * 512, &v) == -1);
    expect_error ("FAT is too small");
  }
  fat_build ();
  assert (fat_run (&v) == 1);
  range_vector_reset (&v);
  clear_error ();
}

/* The boot sector and the FAT, damaged. */
static void
fat_damage (int i)
{
  fat_build ();
  for (int n = 1 + rand () % 3; n > 0; --n)
    fimg[rand () % 1024] = rand ();
}

/* ---- Real filesystems ---- */

static bool
have (const char *prog)
{
  char *cmd;
  int r;

  assert (asprintf (&cmd, "command -v %s >/dev/null 2>&1", prog) != -1);
  r = system (cmd);
  free (cmd);
  if (r != 0)
    printf ("test-fs-used: no %s, skipping what needs it\n", prog);
  return r == 0;
}

static int __attribute__ ((format (printf, 1, 2))) run (const char *fmt, ...)
{
  va_list args;
  char *cmd;
  int r;

  va_start (args, fmt);
  assert (vasprintf (&cmd, fmt, args) != -1);
  va_end (args);
  r = system (cmd);
  if (r != 0)
    fprintf (stderr, "test-fs-used: failed: %s\n", cmd);
  free (cmd);
  return r;
}

/* Sums the numbers after prefix on the lines of cmd's output that start
 * with it, ignoring spaces inside numbers (mtools groups digits).
 */
static uint64_t __attribute__ ((format (printf, 2, 3)))
sum_output (const char *prefix, const char *fmt, ...)
{
  va_list args;
  char *cmd, *line = NULL;
  size_t n = 0;
  uint64_t sum = 0;
  FILE *fp;

  va_start (args, fmt);
  assert (vasprintf (&cmd, fmt, args) != -1);
  va_end (args);
  fp = popen (cmd, "r");
  assert (fp != NULL);
  while (getline (&line, &n, fp) != -1) {
    const char *p = strstr (line, prefix);
    uint64_t v = 0;

    if (p == NULL)
      continue;
    for (p += strlen (prefix); *p == ' ' || (*p >= '0' && *p <= '9'); ++p)
      if (*p != ' ')
        v = v * 10 + (uint64_t) (*p - '0');
    sum += v;
  }
  assert (pclose (fp) == 0);
  free (line);
  free (cmd);
  return sum;
}

/* Runs f on the file, which must be recognised.  Returns the size. */
static uint64_t
file_used (used_fn f, const char *file, range_vector *used)
{
  int fd = open (file, O_RDONLY);
  struct stat st;

  assert (fd >= 0 && fstat (fd, &st) == 0);
  range_vector_reset (used);
  if (f (fd_read, &fd, st.st_size, used) != 1) {
    fprintf (stderr, "%s: %s\n", file, get_error ());
    abort ();
  }
  close (fd);
  check_ranges (used, st.st_size);
  return st.st_size;
}

#define MARKER "vmshift-marker: "

/* A file of size bytes, every 32 of them starting with MARKER, so that
 * each sector of it holds whole markers.
 */
static char *
make_marked_file (const char *name, size_t size)
{
  char *path = test_path (tmpdir, name);
  FILE *fp = fopen (path, "w");

  assert (fp != NULL);
  for (size_t i = 0; i < size; i += 32)
    fprintf (fp, "%s%015zx\n", MARKER, i / 32);
  assert (fclose (fp) == 0);
  return path;
}

/* Is offset inside one of the ranges?  *next remembers where the last
 * search ended: offsets come in increasing order.
 */
static bool
in_ranges (const range_vector *v, uint64_t offset, size_t *next)
{
  while (*next < v->len && v->ptr[*next].start + v->ptr[*next].len <= offset)
    ++*next;
  return *next < v->len && v->ptr[*next].start <= offset;
}

/* Every one of the want markers in the first size bytes of file lies
 * in a used range: so every sector of the marked files was reported
 * used.  Only the file's data (not its holes) is read.
 */
static void
check_markers_used (const char *file, uint64_t size, const range_vector *used,
                    uint64_t want)
{
  int fd = open (file, O_RDONLY);
  CLEANUP_FREE char *buf = malloc (MiB);
  uint64_t found = 0;
  size_t next = 0;
  off_t off = 0;

  assert (fd >= 0 && buf != NULL);
  while ((uint64_t) off < size) {
    off_t data = lseek (fd, off, SEEK_DATA), hole;
    if (data == -1 || (uint64_t) data >= size)
      break;
    hole = lseek (fd, data, SEEK_HOLE);
    assert (hole > data);
    if ((uint64_t) hole > size)
      hole = (off_t) size;
    /* Data starts on a block boundary, so chunks split no marker. */
    for (off = data; off < hole;) {
      size_t n = hole - off < (off_t) MiB ? (size_t) (hole - off) : MiB;
      const char *p = buf;

      assert (pread (fd, buf, n, off) == (ssize_t) n);
      while ((p = memmem (p, n - (p - buf), MARKER, strlen (MARKER)))
             != NULL) {
        uint64_t at = off + (p - buf);
        if (!in_ranges (used, at, &next)) {
          fprintf (stderr, "%s: the marker at %" PRIu64 " is not used\n", file,
                   at);
          abort ();
        }
        ++found;
        p += strlen (MARKER);
      }
      off += n;
    }
  }
  close (fd);
  assert (found == want);
}

static void
test_swap_real (void)
{
  range_vector v = empty_vector;
  CLEANUP_FREE char *img = test_path (tmpdir, "swap.img");

  if (!have ("mkswap"))
    return;
  assert (run ("truncate -s 64M %s && mkswap -q %s", img, img) == 0);
  file_used (swap_used, img, &v);
  assert (v.len == 1 && v.ptr[0].start == 0);
  assert (v.ptr[0].len == (uint64_t) sysconf (_SC_PAGESIZE));
  assert (run ("mkswap -q -p 65536 %s 2>/dev/null", img) == 0);
  file_used (swap_used, img, &v);
  assert (v.len == 1 && v.ptr[0].start == 0 && v.ptr[0].len == 65536);
  /* Not XFS nor FAT. */
  {
    int fd = open (img, O_RDONLY);
    assert (fd >= 0);
    assert (xfs_used (fd_read, &fd, 64 * MiB, &v) == 0);
    assert (fat_used (fd_read, &fd, 64 * MiB, &v) == 0);
    close (fd);
  }
  range_vector_reset (&v);
  unlink (img);
}

/* mkfs.xfs opts on a 320 MiB file (with a marked 4 MiB file in it when
 * marked), then: our free blocks are exactly the free space btrees'
 * (xfs_db's freesp counts the AGFL blocks too, which we call used).
 */
static void
xfs_real (const char *opts, bool marked)
{
  range_vector v = empty_vector;
  CLEANUP_FREE char *img = test_path (tmpdir, "xfs.img");
  CLEANUP_FREE char *proto = test_path (tmpdir, "proto");
  CLEANUP_FREE char *data = NULL;
  char protoopt[256] = "";
  uint64_t size, used, bs, agcount, freesp, flcount, fs_blocks;
  FILE *fp;

  if (marked) {
    data = make_marked_file ("data", 4 * MiB);
    fp = fopen (proto, "w");
    assert (fp != NULL);
    fprintf (fp, "/dev/null\n0 0\nd--755 0 0\nmarked ---644 0 0 %s\n$\n",
             data);
    assert (fclose (fp) == 0);
    snprintf (protoopt, sizeof protoopt, "-p %s", proto);
  }
  unlink (img);
  if (run ("truncate -s 320M %s && mkfs.xfs -q -f %s %s %s >/dev/null 2>&1",
           img, opts, protoopt, img)
      != 0) {
    printf ("test-fs-used: mkfs.xfs %s failed, skipping it\n", opts);
    unlink (img);
    return;
  }
  size = file_used (xfs_used, img, &v);
  used = check_ranges (&v, size);

  bs = sum_output (
      "blocksize = ", "xfs_db -r -c 'sb 0' -c 'print blocksize' %s", img);
  fs_blocks = sum_output (
      "dblocks = ", "xfs_db -r -c 'sb 0' -c 'print dblocks' %s", img);
  agcount = sum_output (
      "agcount = ", "xfs_db -r -c 'sb 0' -c 'print agcount' %s", img);
  freesp
      = sum_output ("total free blocks ", "xfs_db -r -c 'freesp -s' %s", img);
  flcount = 0;
  for (uint64_t ag = 0; ag < agcount; ++ag)
    flcount += sum_output (
        "flcount = ", "xfs_db -r -c 'agf %" PRIu64 "' -c 'print flcount' %s",
        ag, img);
  printf ("test-fs-used: xfs %s: %" PRIu64 " of %" PRIu64
          " bytes used; xfs_db: %" PRIu64 " free, %" PRIu64
          " on the AGFL, %" PRIu64 "-byte blocks\n",
          opts, used, size, freesp, flcount, bs);
  assert (bs > 0 && fs_blocks * bs <= size);
  assert (used % bs == 0);
  assert (fs_blocks - used / bs == freesp - flcount);
  /* An empty filesystem: the log and metadata only. */
  assert (used < fs_blocks * bs / 3);
  if (marked) {
    assert (used > 4 * MiB);
    check_markers_used (img, size, &v, 4 * MiB / 32);
  }
  range_vector_reset (&v);
  unlink (img);
}

static void
test_xfs_real (void)
{
  if (!have ("mkfs.xfs") || !have ("xfs_db"))
    return;
  xfs_real ("", true);
  xfs_real ("-b size=1024 -d agcount=3", true);
  xfs_real ("-b size=65536 -s size=4096", true);
  xfs_real ("-m crc=0", false);
}

/* mkfs.fat opts on a kib KiB file, files copied in with mcopy, then:
 * what we call used plus mtools' free bytes is the filesystem, but for
 * the sectors after the last whole cluster.
 */
static void
fat_real (const char *opts, unsigned kib)
{
  range_vector v = empty_vector;
  CLEANUP_FREE char *img = test_path (tmpdir, "fat.img");
  CLEANUP_FREE char *a = make_marked_file ("a", 300 * KiB);
  CLEANUP_FREE char *b = make_marked_file ("b", 2 * MiB + 1);
  uint64_t size, used, free_bytes;

  unlink (img);
  assert (run ("mkfs.fat %s -C %s %u >/dev/null", opts, img, kib) == 0);
  assert (run ("mcopy -i %s %s %s ::/ && mmd -i %s ::/d && "
               "mcopy -i %s %s ::/d/c",
               img, a, b, img, img, a)
          == 0);
  size = file_used (fat_used, img, &v);
  used = check_ranges (&v, size);
  free_bytes = sum_output ("",
                           "mdir -i %s ::/ | sed -n 's/bytes free//p' "
                           "| tr -d ' '",
                           img);
  printf ("test-fs-used: fat %s: %" PRIu64 " of %" PRIu64
          " bytes used, mtools: %" PRIu64 " free\n",
          opts, used, size, free_bytes);
  assert (used > 2 * 300 * KiB + 2 * MiB);
  assert (used + free_bytes <= size);
  assert (size - (used + free_bytes) < 64 * KiB);
  check_markers_used (img, size, &v,
                      2 * (300 * KiB / 32) + (2 * MiB + 32) / 32);
  range_vector_reset (&v);
  unlink (img);
}

static void
test_fat_real (void)
{
  if (!have ("mkfs.fat") || !have ("mcopy") || !have ("mdir"))
    return;
  fat_real ("-F 12", 4 * 1024);
  fat_real ("-F 16", 32 * 1024);
  fat_real ("-F 32 -s 1", 40 * 1024);
}

int
main (void)
{
  assert (mkdtemp (tmpdir) != NULL);
  ximg = malloc (XSIZE);
  assert (ximg != NULL);

  test_range_append ();
  test_swap_mem ();
  test_xfs_mem (false);
  test_xfs_mem (true);
  fuzz (xfs_used, xfs_damage, ximg, XSIZE);
  test_fat_mem ();
  fuzz (fat_used, fat_damage, fimg, sizeof fimg);
  test_swap_real ();
  test_xfs_real ();
  test_fat_real ();

  free (ximg);
  test_remove_dir (tmpdir);
  clear_error ();
  printf ("test-fs-used: ok\n");
  return 0;
}
