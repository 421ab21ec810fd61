/* Unit tests for common/cpio-overlay.c: the archive it builds is a gzip
 * newc cpio holding the files and their parent directories once each.
 */
#include <config.h>

#undef NDEBUG
#include <archive.h>
#include <archive_entry.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpio-overlay.h"
#include "initramfs-format.h"

static void
check (enum cpio_compression how)
{
  struct cpio_overlay *co = cpio_overlay_new ();
  struct archive *a;
  struct archive_entry *e;
  char *buf, data[64];
  size_t len;
  int files = 0, dirs = 0;

  assert (co);
  assert (cpio_overlay_add_file (co, "lib/modules/6.1/kernel/a.ko", "AAAA", 4,
                                 0644)
          == 0);
  assert (
      cpio_overlay_add_file (co, "lib/modules/6.1/kernel/b.ko", "BB", 2, 0644)
      == 0);
  assert (
      cpio_overlay_add_file (co, "lib/modules/6.1/modules.dep", "", 0, 0644)
      == 0);
  assert (cpio_overlay_finish (co, how, 1 << 19, &buf, &len) == 0);
  cpio_overlay_free (co);
  if (how == CPIO_GZIP)
    assert (len > 2 && (unsigned char) buf[0] == 0x1f
            && (unsigned char) buf[1] == 0x8b);
  else {
    /* One zstd frame, window no larger than asked. */
    assert (zstd_frame_window ((unsigned char *) buf, len) > 0);
    assert (zstd_frame_window ((unsigned char *) buf, len) <= 1 << 19);
  }

  a = archive_read_new ();
  archive_read_support_filter_all (a);
  archive_read_support_format_cpio (a);
  assert (archive_read_open_memory (a, buf, len) == ARCHIVE_OK);
  while (archive_read_next_header (a, &e) == ARCHIVE_OK) {
    const char *name = archive_entry_pathname (e);
    assert (archive_entry_uid (e) == 0);
    if (archive_entry_filetype (e) == AE_IFDIR) {
      dirs++;
      continue;
    }
    files++;
    ssize_t n = archive_read_data (a, data, sizeof data);
    if (strcmp (name, "lib/modules/6.1/kernel/a.ko") == 0)
      assert (n == 4 && memcmp (data, "AAAA", 4) == 0);
    else if (strcmp (name, "lib/modules/6.1/kernel/b.ko") == 0)
      assert (n == 2 && memcmp (data, "BB", 2) == 0);
    else
      assert (strcmp (name, "lib/modules/6.1/modules.dep") == 0 && n == 0);
  }
  assert (archive_format (a) == ARCHIVE_FORMAT_CPIO_SVR4_NOCRC);
  archive_read_free (a);
  assert (files == 3);
  assert (dirs == 4); /* lib, lib/modules, lib/modules/6.1, .../kernel */
  free (buf);
}

int
main (void)
{
  check (CPIO_GZIP);
  check (CPIO_ZSTD);
  printf ("test-cpio-overlay: OK\n");
  return 0;
}
