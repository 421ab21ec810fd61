/* Unit tests for common/devname.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devname.h"

static void
parses (const char *name, const char *family, int nth, int part)
{
  struct devname d;
  assert (devname_parse (name, &d) == 0);
  assert (strcmp (d.family, family) == 0);
  assert (d.nth == nth);
  assert (d.part == part);
}

static void
rejects (const char *name)
{
  struct devname d;
  assert (devname_parse (name, &d) == -1);
}

/* Maps /dev/sda1 and /dev/sda2 only. */
static char *
mapper (void *opaque, const char *dev)
{
  int *calls = opaque;
  (*calls)++;
  if (strcmp (dev, "/dev/sda1") == 0)
    return strdup ("UUID=1111");
  if (strcmp (dev, "/dev/sda2") == 0)
    return strdup ("UUID=2222");
  return NULL;
}

static void
cmdline (const char *in, const char *want, int want_changes)
{
  int calls = 0, changes = -1;
  char *out = rewrite_cmdline_refs (in, mapper, &calls, &changes);
  assert (out);
  if (strcmp (out, want) != 0) {
    fprintf (stderr, "in:   %s\nwant: %s\ngot:  %s\n", in, want, out);
    abort ();
  }
  assert (changes == want_changes);
  free (out);
}

static void
table (const char *in, int field, const char *want, int want_changes)
{
  int calls = 0, changes = -1;
  char *out = rewrite_table_field (in, field, mapper, &calls, &changes);
  assert (out);
  if (strcmp (out, want) != 0) {
    fprintf (stderr, "in:   %s\nwant: %s\ngot:  %s\n", in, want, out);
    abort ();
  }
  assert (changes == want_changes);
  free (out);
}

int
main (void)
{
  parses ("/dev/sda", "sd", 0, 0);
  parses ("/dev/sdb2", "sd", 1, 2);
  parses ("/dev/sdaa1", "sd", 26, 1);
  parses ("/dev/hdc", "hd", 2, 0);
  parses ("/dev/xvda1", "xvd", 0, 1);
  parses ("/dev/vdb", "vd", 1, 0);
  parses ("/dev/nvme0n1", "nvme", 0, 0);
  parses ("/dev/nvme0n1p2", "nvme", 0, 2);
  parses ("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:1:0-part1", "scsi", 1,
          1);
  parses ("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0", "scsi", 0, 0);
  rejects ("/dev/mapper/vg-root");
  rejects ("/dev/vg/root");
  rejects ("UUID=1234");
  rejects ("/dev/sda1x");
  rejects ("/dev/sd");
  rejects ("/dev/sdabcd1");
  rejects ("/dev/nvme0n1q");
  rejects ("/dev/sda99999999999999999999");
  rejects ("/dev/disk/by-path/pci-0000:03:00.0-scsi-0:0:0:0-partx");
  rejects ("");

  cmdline ("linux /vmlinuz root=/dev/sda1 ro quiet",
           "linux /vmlinuz root=UUID=1111 ro quiet", 1);
  cmdline ("root=/dev/sda1 resume=/dev/sda2",
           "root=UUID=1111 resume=UUID=2222", 2);
  cmdline ("GRUB_CMDLINE_LINUX=\"root=/dev/sda1 console=ttyS0\"",
           "GRUB_CMDLINE_LINUX=\"root=UUID=1111 console=ttyS0\"", 1);
  cmdline ("RESUME=\"/dev/sda2\"\n", "RESUME=\"/dev/sda2\"\n", 0);
  cmdline ("resume=\"/dev/sda2\"\n", "resume=\"UUID=2222\"\n", 1);
  cmdline ("root=/dev/mapper/vg-root", "root=/dev/mapper/vg-root", 0);
  cmdline ("myroot=/dev/sda1 xroot=/dev/sda1",
           "myroot=/dev/sda1 "
           "xroot=/dev/sda1",
           0);
  cmdline ("root=/dev/sdb1", "root=/dev/sdb1", 0);
  cmdline ("", "", 0);

  table ("# /dev/sda1 comment\n/dev/sda1 / ext4 errors=remount-ro 0 1\n"
         "/dev/sda2 none swap sw 0 0\n/dev/sr0 /media/cdrom udf 0 0\n",
         0,
         "# /dev/sda1 comment\nUUID=1111 / ext4 errors=remount-ro 0 1\n"
         "UUID=2222 none swap sw 0 0\n/dev/sr0 /media/cdrom udf 0 0\n",
         2);
  table ("  \t/dev/sda1\t/\text4", 0, "  \tUUID=1111\t/\text4", 1);
  table ("cr /dev/sda2 none luks\n", 1, "cr UUID=2222 none luks\n", 1);
  table ("no newline at end /dev/sda1", 0, "no newline at end /dev/sda1", 0);
  table ("", 0, "", 0);
  printf ("test-devname: OK\n");
  return 0;
}
