/* Unit tests for common/vhd.c. */
#include <config.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit-test.h"
#include "vhd.h"

static char tmpdir[] = "/tmp/test-vhd-XXXXXX";

/* Writes len bytes at offset in tmpdir/name (created if need be). */
static void
write_at (const char *name, const void *data, size_t len, off_t offset)
{
  char *p = test_path (tmpdir, name);
  int fd = open (p, O_WRONLY | O_CREAT, 0644);

  assert (fd >= 0);
  assert (pwrite (fd, data, len, offset) == (ssize_t) len);
  assert (close (fd) == 0);
  free (p);
}

static int
info_of (const char *name, struct vhd_info *info)
{
  char *p = test_path (tmpdir, name);
  int r = vhd_read_info (p, info);

  free (p);
  return r;
}

static void
put_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; ++i)
    p[i] = v >> (8 * i);
}

static void
put_be (uint8_t *p, uint64_t v, int bytes)
{
  for (int i = 0; i < bytes; ++i)
    p[i] = v >> (8 * (bytes - 1 - i));
}

/* ---- VHD ---------------------------------------------------------- */

static void
vhd_footer (uint8_t *f, uint64_t size, uint32_t type)
{
  memset (f, 0, 512);
  memcpy (f, "conectix", 8);
  put_be (f + 40, size, 8);
  put_be (f + 48, size, 8);
  put_be (f + 60, type, 4);
}

static void
test_vhd (void)
{
  uint8_t f[512];
  struct vhd_info info;

  /* Fixed: data, then the footer. */
  vhd_footer (f, 1 << 20, 2);
  write_at ("fixed.vhd", f, sizeof f, 1 << 20);
  assert (info_of ("fixed.vhd", &info) == 0);
  assert (strcmp (info.format, "vpc") == 0);
  assert (info.capacity == 1 << 20);
  assert (!info.differencing);

  /* Differencing: the copy at 0 says so (any case of the name). */
  vhd_footer (f, 8 << 20, 4);
  write_at ("disk_1A2B.AVHD", f, sizeof f, 0);
  write_at ("disk_1A2B.AVHD", f, sizeof f, 4096);
  assert (info_of ("disk_1A2B.AVHD", &info) == 0);
  assert (info.capacity == 8 << 20);
  assert (info.differencing);

  /* A VHDX named .vhd is not taken for a VHD. */
  write_at ("renamed.vhd", "vhdxfile", 8, 0);
  write_at ("renamed.vhd", f, 1, 8191);
  assert (info_of ("renamed.vhd", &info) == -1);
  expect_error ("renamed.vhd' is not a VHD file");

  /* Too short for a footer. */
  write_at ("short.vhd", "conectix", 8, 0);
  assert (info_of ("short.vhd", &info) == -1);
  expect_error ("is not a VHD file");
}

/* ---- VHDX --------------------------------------------------------- */

static const uint8_t metadata_guid[16] = {
  0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b,
  0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e,
};
static const uint8_t params_guid[16] = {
  0x37, 0x67, 0xa1, 0xca, 0x36, 0xfa, 0x43, 0x4d,
  0xb3, 0xb6, 0x33, 0xf0, 0xaa, 0x44, 0xe7, 0x6b,
};
static const uint8_t size_guid[16] = {
  0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48,
  0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8,
};

/* A VHDX with only what vhd.c reads: the signature, region table
 * (at 192 KiB if table1, else only the copy at 256 KiB) and the
 * metadata at 1 MiB.
 */
static void
make_vhdx (const char *name, uint64_t size, uint32_t flags, bool table1)
{
  uint8_t rt[64] = "regi", mt[96] = "metadata", item[16];

  write_at (name, "vhdxfile", 8, 0);
  put_le32 (rt + 8, 1);
  memcpy (rt + 16, metadata_guid, 16);
  put_le32 (rt + 32, 1 << 20);
  put_le32 (rt + 40, 1 << 20);
  write_at (name, rt, sizeof rt, table1 ? 192 << 10 : 256 << 10);

  put_le32 (mt + 8, 2 << 16);
  memcpy (mt + 32, params_guid, 16);
  put_le32 (mt + 48, 64 << 10);
  put_le32 (mt + 52, 8);
  memcpy (mt + 64, size_guid, 16);
  put_le32 (mt + 80, (64 << 10) + 8);
  put_le32 (mt + 84, 8);
  write_at (name, mt, sizeof mt, 1 << 20);
  put_le32 (item, 32 << 20);
  put_le32 (item + 4, flags);
  put_le32 (item + 8, size);
  put_le32 (item + 12, size >> 32);
  write_at (name, item, sizeof item, (1 << 20) + (64 << 10));
  write_at (name, "", 1, (2 << 20) - 1);
}

static void
test_vhdx (void)
{
  struct vhd_info info;

  make_vhdx ("a.vhdx", 10ULL << 30, 0, true);
  assert (info_of ("a.vhdx", &info) == 0);
  assert (strcmp (info.format, "vhdx") == 0);
  assert (info.capacity == 10ULL << 30);
  assert (!info.differencing);

  /* HasParent, found through the second region table. */
  make_vhdx ("a_3F2E.avhdx", 1 << 30, 2, false);
  assert (info_of ("a_3F2E.avhdx", &info) == 0);
  assert (info.capacity == 1 << 30);
  assert (info.differencing);

  write_at ("notvhdx.vhdx", "conectix", 8, 0);
  assert (info_of ("notvhdx.vhdx", &info) == -1);
  expect_error ("notvhdx.vhdx' is not a VHDX file");

  write_at ("sigonly.vhdx", "vhdxfile", 8, 0);
  assert (info_of ("sigonly.vhdx", &info) == -1);
  expect_error ("without a metadata region");

  assert (info_of ("nope.vhdx", &info) == -1);
  expect_error ("could not open");
  write_at ("disk.img", "vhdxfile", 8, 0);
  assert (info_of ("disk.img", &info) == -1);
  expect_error ("is not named as a VHD or VHDX file");
}

/* ---- what qemu-img writes ---------------------------------------- */

static void
test_qemu_img (void)
{
  char *cmd;
  struct vhd_info info;

  if (system ("qemu-img --version >/dev/null 2>&1") != 0) {
    printf ("test-vhd: no qemu-img, skipping its files\n");
    return;
  }
  assert (asprintf (&cmd,
                    "cd '%s' && qemu-img create -q -f vhdx q.vhdx 3G && "
                    "qemu-img create -q -f vpc q.vhd 64M && "
                    "qemu-img create -q -f vpc -o subformat=fixed qf.vhd 16M",
                    tmpdir)
          != -1);
  assert (system (cmd) == 0);
  free (cmd);
  assert (info_of ("q.vhdx", &info) == 0);
  assert (strcmp (info.format, "vhdx") == 0);
  assert (info.capacity == 3ULL << 30);
  assert (!info.differencing);
  assert (info_of ("q.vhd", &info) == 0);
  assert (strcmp (info.format, "vpc") == 0);
  assert (info.capacity == 67125248); /* rounded to CHS by qemu-img */
  assert (!info.differencing);
  assert (info_of ("qf.vhd", &info) == 0);
  assert (strcmp (info.format, "vpc") == 0);
  assert (!info.differencing);
}

static void
test_names (void)
{
  assert (vhd_is_disk_name ("a.vhd"));
  assert (vhd_is_disk_name ("A.VHDX"));
  assert (vhd_is_disk_name ("x_9F.avhdx"));
  assert (vhd_is_disk_name ("x.AVHD"));
  assert (!vhd_is_disk_name ("x.vhds"));
  assert (!vhd_is_disk_name ("vhd"));
  assert (!vhd_is_disk_name ("x.vmdk"));
}

int
main (void)
{
  assert (mkdtemp (tmpdir) != NULL);
  test_names ();
  test_vhd ();
  test_vhdx ();
  test_qemu_img ();
  test_remove_dir (tmpdir);
  clear_error ();
  printf ("test-vhd: ok\n");
  return 0;
}
