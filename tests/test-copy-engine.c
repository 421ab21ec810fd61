/* Tests for common/copy-engine.c with real qemu-nbd: only data travels,
 * allocated zero blocks and holes are not written, the output is sparse
 * and identical (qemu-img compare), and an existing destination is
 * refused and left alone.
 */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy-engine.h"
#include "errors.h"

#define MiB (1024 * 1024)

static void
write_at (int fd, off_t off, size_t n, int random)
{
  char *buf = malloc (n);
  for (size_t i = 0; i < n; ++i)
    buf[i] = random ? (char) (rand () | 1) : 0;
  assert (pwrite (fd, buf, n, off) == (ssize_t) n);
  free (buf);
}

static int calls;
static void
progress (void *opaque, uint64_t done, uint64_t total)
{
  assert (done <= total);
  calls++;
}

static void
copy_to (const char *src, const char *dst, const char *fmt, bool verify)
{
  struct copy_options o = {
    .src = src,
    .src_format = "raw",
    .dst = dst,
    .dst_format = fmt,
    .progress = progress,
    .verify = verify,
  };
  struct copy_stats st;
  char cmd[512];

  calls = 0;
  if (copy_image (&o, &st) == -1) {
    fprintf (stderr, "copy_image: %s\n", get_error ());
    abort ();
  }
  assert (st.size == 64 * MiB);
  assert (st.written == 2 * MiB); /* the two random MiB only */
  assert (st.data >= 2 * MiB && st.data <= 3 * MiB);
  assert (calls > 0);
  snprintf (cmd, sizeof cmd, "qemu-img compare -q -f raw -F %s %s %s", fmt,
            src, dst);
  assert (system (cmd) == 0);
}

int
main (void)
{
  char dir[] = "/tmp/test-copy-engine.XXXXXX";
  char src[256], dst[256], dst2[256], cmd[1024];
  struct stat sb;
  int fd;

  if (system ("command -v qemu-nbd >/dev/null") != 0) {
    fprintf (stderr, "SKIP: qemu-nbd is not installed\n");
    return 77;
  }
  assert (mkdtemp (dir));
  snprintf (src, sizeof src, "%s/src.raw", dir);
  snprintf (dst, sizeof dst, "%s/dst.qcow2", dir);
  snprintf (dst2, sizeof dst2, "%s/dst.raw", dir);

  fd = open (src, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert (fd >= 0);
  assert (ftruncate (fd, 64 * MiB) == 0);
  write_at (fd, 0, MiB, 1);
  write_at (fd, 8 * MiB, MiB, 0); /* allocated, but zeros */
  write_at (fd, 32 * MiB, MiB, 1);
  close (fd);

  copy_to (src, dst, "qcow2", false);
  copy_to (src, dst2, "raw", true);
  assert (stat (dst2, &sb) == 0);
  assert (sb.st_size == 64 * MiB);
  assert ((uint64_t) sb.st_blocks * 512 <= 3 * MiB); /* sparse */

  /* An existing destination is refused and not removed. */
  struct copy_options o = {
    .src = src,
    .src_format = "raw",
    .dst = dst2,
    .dst_format = "raw",
  };
  struct copy_stats st;
  assert (copy_image (&o, &st) == -1);
  assert (strstr (get_error (), "dst.raw"));
  assert (stat (dst2, &sb) == 0 && sb.st_size == 64 * MiB);
  o.dst = dst;
  o.dst_format = "qcow2";
  assert (copy_image (&o, &st) == -1);
  assert (stat (dst, &sb) == 0);

  /* A source that does not exist: an error naming it. */
  o.src = "/nonexistent.raw";
  o.dst = dst2;
  assert (copy_image (&o, &st) == -1);
  assert (strstr (get_error (), "nonexistent"));

  /* In place (v2p): an existing, larger "disk" full of old data.  The
   * image's 64 MiB must read back exactly (its holes and zero blocks as
   * zeros, the old data gone), only the two data MiB are written, and
   * what lies past the image is not touched.
   */
  char disk[256];
  snprintf (disk, sizeof disk, "%s/disk.raw", dir);
  fd = open (disk, O_RDWR | O_CREAT | O_TRUNC, 0644);
  assert (fd >= 0);
  for (int i = 0; i < 80; ++i)
    write_at (fd, (off_t) i * MiB, MiB, 1);
  char *tail_before = malloc (16 * MiB), *tail_after = malloc (16 * MiB);
  assert (pread (fd, tail_before, 16 * MiB, 64 * MiB) == 16 * MiB);
  close (fd);
  o = (struct copy_options){
    .src = src,
    .src_format = "raw",
    .dst = disk,
    .dst_format = "raw",
    .in_place = true,
    .verify = true,
  };
  assert (copy_image (&o, &st) == 0);
  assert (st.written == 2 * MiB);
  assert (st.zeroed == 62 * MiB);
  snprintf (cmd, sizeof cmd, "cmp -s -n %d %s %s", 64 * MiB, src, disk);
  assert (system (cmd) == 0);
  fd = open (disk, O_RDONLY);
  assert (pread (fd, tail_after, 16 * MiB, 64 * MiB) == 16 * MiB);
  close (fd);
  assert (memcmp (tail_before, tail_after, 16 * MiB) == 0);
  free (tail_before);
  free (tail_after);
  assert (stat (disk, &sb) == 0 && sb.st_size == 80 * MiB);
  /* A disk smaller than the image is refused, and left alone. */
  assert (truncate (disk, 32 * MiB) == 0);
  assert (copy_image (&o, &st) == -1);
  assert (strstr (get_error (), "smaller"));
  assert (stat (disk, &sb) == 0 && sb.st_size == 32 * MiB);

  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  assert (system (cmd) == 0);
  printf ("test-copy-engine: OK\n");
  return 0;
}
