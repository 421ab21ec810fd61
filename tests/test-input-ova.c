/* Tests of the ova input driver (common/input-ova.c) on OVAs this test
 * writes with libarchive: which disks are read in place and which are
 * imported, that import_disk writes exactly the disk's bytes
 * (gunzipped, with holes), and the manifest check, for an uncompressed
 * and a gzip-compressed tar.
 */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <nettle/sha2.h>

#include "errors.h"
#include "input.h"
#include "ova-manifest.h"
#include "unit.h"
#include "vm.h"

#define SECTORS 32768 /* virtual size of the disk: 16 MiB */
#define DATA (3 * 1024 * 1024)

static char tmpdir[] = "/tmp/test-input-ova-XXXXXX";

/* The disk: a sparse VMDK header and descriptor (all the driver looks
 * at), then data with a long run of zeros.
 */
static unsigned char *disk;
static size_t disk_len;

/* The disk, gzipped. */
static unsigned char *gz;
static size_t gz_len;

static void
make_disk (void)
{
  const char *desc = "# Disk DescriptorFile\nversion=1\nCID=1234abcd\n"
                     "parentCID=ffffffff\ncreateType=\"streamOptimized\"\n"
                     "RW 32768 SPARSE \"disk.vmdk\"\n";
  struct archive *a;
  struct archive_entry *e;
  size_t cap;

  disk_len = 21 * 512 + DATA;
  disk = calloc (1, disk_len);
  assert (disk != NULL);
  memcpy (disk, "KDMV", 4);
  disk[4] = 3;                   /* version */
  put64 (disk + 12, SECTORS);    /* capacity */
  put64 (disk + 20, 128);        /* grain */
  put64 (disk + 28, 1);          /* descriptor offset */
  put64 (disk + 36, 20);         /* descriptor size */
  put64 (disk + 56, UINT64_MAX); /* grain directory: in the footer */
  memcpy (disk + 512, desc, strlen (desc));
  for (size_t i = 21 * 512; i < disk_len; ++i) {
    size_t off = i - 21 * 512;

    if (off < 1024 * 1024 || off >= 2 * 1024 * 1024)
      disk[i] = (unsigned char) (off * 2654435761U >> 13);
  }

  cap = disk_len + 65536;
  gz = malloc (cap);
  assert (gz != NULL);
  a = archive_write_new ();
  assert (archive_write_add_filter_gzip (a) == ARCHIVE_OK);
  assert (archive_write_set_format_raw (a) == ARCHIVE_OK);
  assert (archive_write_open_memory (a, gz, cap, &gz_len) == ARCHIVE_OK);
  e = archive_entry_new ();
  archive_entry_set_pathname (e, "disk");
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_size (e, disk_len);
  assert (archive_write_header (a, e) == ARCHIVE_OK);
  assert (archive_write_data (a, disk, disk_len) == (la_ssize_t) disk_len);
  archive_entry_free (e);
  assert (archive_write_free (a) == ARCHIVE_OK);
  assert (gz_len > 0 && gz_len < disk_len / 2);
}

static const char ovf[]
    = "<?xml version='1.0'?>\n"
      "<Envelope xmlns='http://schemas.dmtf.org/ovf/envelope/1'"
      " xmlns:ovf='http://schemas.dmtf.org/ovf/envelope/1'"
      " xmlns:rasd='http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
      "CIM_ResourceAllocationSettingData'>\n"
      "<References>"
      "<File ovf:href='disk1.vmdk' ovf:id='f1' ovf:compression='gzip'/>"
      "<File ovf:href='disk2.vmdk' ovf:id='f2'/></References>\n"
      "<DiskSection><Info/>"
      "<Disk ovf:diskId='d1' ovf:fileRef='f1' ovf:capacity='16'"
      " ovf:capacityAllocationUnits='byte * 2^20'/>"
      "<Disk ovf:diskId='d2' ovf:fileRef='f2'/></DiskSection>\n"
      "<VirtualSystem ovf:id='t'><Name>t</Name><VirtualHardwareSection>"
      "<Item><rasd:ResourceType>3</rasd:ResourceType>"
      "<rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>"
      "<Item><rasd:ResourceType>4</rasd:ResourceType>"
      "<rasd:VirtualQuantity>256</rasd:VirtualQuantity></Item>"
      "<Item><rasd:HostResource>ovf:/disk/d1</rasd:HostResource>"
      "<rasd:ResourceType>17</rasd:ResourceType></Item>"
      "<Item><rasd:HostResource>ovf:/disk/d2</rasd:HostResource>"
      "<rasd:ResourceType>17</rasd:ResourceType></Item>"
      "</VirtualHardwareSection></VirtualSystem></Envelope>\n";

static void
add_member (struct archive *a, const char *name, const void *data, size_t len)
{
  struct archive_entry *e = archive_entry_new ();

  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, len);
  assert (archive_write_header (a, e) == ARCHIVE_OK);
  assert (archive_write_data (a, data, len) == (la_ssize_t) len);
  archive_entry_free (e);
}

static void
sha256_line (char *out, const char *name, const void *data, size_t len)
{
  struct sha256_ctx ctx;
  unsigned char d[SHA256_DIGEST_SIZE];
  char hex[2 * SHA256_DIGEST_SIZE + 1];

  sha256_init (&ctx);
  sha256_update (&ctx, len, data);
  sha256_digest (&ctx, sizeof d, d);
  ova_hex (d, sizeof d, hex);
  sprintf (out + strlen (out), "SHA256(%s)= %s\n", name, hex);
}

/* Writes an OVA: the .ovf, a manifest (with a wrong line if bad), the
 * gzipped disk1 and the plain disk2; the tar gzipped if compressed.
 */
static char *
make_ova (const char *name, bool compressed, bool bad)
{
  char *path = strdup (name);
  char mf[1024] = "";
  struct archive *a = archive_write_new ();

  sha256_line (mf, "t.ovf", ovf, strlen (ovf));
  sha256_line (mf, "disk1.vmdk", gz, gz_len);
  sha256_line (mf, "disk2.vmdk", disk, disk_len - (bad ? 1 : 0));
  assert (archive_write_set_format_ustar (a) == ARCHIVE_OK);
  if (compressed)
    assert (archive_write_add_filter_gzip (a) == ARCHIVE_OK);
  assert (archive_write_open_filename (a, path) == ARCHIVE_OK);
  add_member (a, "t.ovf", ovf, strlen (ovf));
  add_member (a, "t.mf", mf, strlen (mf));
  add_member (a, "disk1.vmdk", gz, gz_len);
  add_member (a, "disk2.vmdk", disk, disk_len);
  assert (archive_write_free (a) == ARCHIVE_OK);
  return path;
}

struct progress {
  int calls;
  uint64_t done, total;
};

static void
progress (void *opaque, uint64_t done, uint64_t total)
{
  struct progress *p = opaque;

  assert (done >= p->done && done <= total);
  p->calls++;
  p->done = done;
  p->total = total;
}

/* Imports disk index and checks it holds the disk's bytes, sparsely. */
static void
check_import (struct input *in, const struct vm *vm, size_t index,
              uint64_t stored)
{
  char *dest = strdup ("imported.vmdk");
  struct progress p = { 0 };
  unsigned char *back = malloc (disk_len + 1);
  struct stat st;
  int fd;

  assert (back != NULL);
  unlink (dest);
  assert (input_import_disk (in, vm, index, dest, progress, &p) == 0);
  assert (p.calls > 0 && p.done == stored && p.total == stored);
  fd = open (dest, O_RDONLY);
  assert (fd >= 0);
  assert (fstat (fd, &st) == 0);
  assert ((size_t) st.st_size == disk_len);
  assert (read (fd, back, disk_len + 1) == (ssize_t) disk_len);
  assert (memcmp (back, disk, disk_len) == 0);
  assert (close (fd) == 0);
  /* The megabyte of zeros is a hole. */
  assert ((uint64_t) st.st_blocks * 512 < disk_len - 512 * 1024);

  /* The destination must not exist. */
  assert (input_import_disk (in, vm, index, dest, NULL, NULL) == -1);
  expect_error ("could not create '");
  unlink (dest);
  free (back);
  free (dest);
}

static void
test_plain (void)
{
  char *path = make_ova ("plain.ova", false, false);
  struct input *in;
  struct vm vm;

  assert (ova_input_ops.probe (path));
  in = input_open (path, NULL, NULL);
  assert (in != NULL && strcmp (in->ops->name, "ova") == 0);
  assert (input_describe (in, &vm) == 0);
  assert (in->warnings.len == 0);
  assert (vm.disks.len == 2);
  assert (vm.disks.ptr[0].import);
  assert (vm.disks.ptr[0].capacity == SECTORS * 512);
  assert (strstr (vm.disks.ptr[0].path, "/plain.ova:disk1.vmdk") != NULL);
  assert (!vm.disks.ptr[1].import);
  assert (strncmp (vm.disks.ptr[1].path, "json:{\"file\":{", 14) == 0);
  check_import (in, &vm, 0, gz_len);
  /* Disk 2 is read in place: nothing to import. */
  assert (input_import_disk (in, &vm, 1, "/nonexistent", NULL, NULL) == -1);
  expect_error ("disk 1 has nothing to import");
  vm_clear (&vm);
  input_close (in);
  free (path);
}

static void
test_compressed (void)
{
  char *path = make_ova ("compressed.ova", true, false);
  struct input *in;
  struct vm vm;

  in = input_open (path, "ova", NULL);
  assert (in != NULL);
  assert (input_describe (in, &vm) == 0);
  assert (vm.disks.len == 2);
  /* Nothing of a compressed tar is in place. */
  assert (vm.disks.ptr[0].import && vm.disks.ptr[1].import);
  assert (strstr (vm.disks.ptr[1].path, "/compressed.ova:disk2.vmdk"));
  check_import (in, &vm, 0, gz_len);
  check_import (in, &vm, 1, disk_len);
  vm_clear (&vm);
  input_close (in);
  free (path);
}

static void
test_mismatch (void)
{
  struct input_options no_verify = { .no_verify = true };
  struct input *in;
  struct vm vm;

  for (int compressed = 0; compressed < 2; ++compressed) {
    char *path = make_ova ("bad.ova", compressed, true);

    in = input_open (path, "ova", NULL);
    assert (in != NULL);
    assert (input_describe (in, &vm) == -1);
    expect_error ("'disk2.vmdk': SHA256 checksum mismatch (manifest says ");
    input_close (in);
    in = input_open (path, "ova", &no_verify);
    assert (in != NULL);
    assert (input_describe (in, &vm) == 0);
    vm_clear (&vm);
    input_close (in);
    unlink (path);
    free (path);
  }
}

static void
cleanup (void)
{
  char *cmd;

  assert (chdir ("/") == 0);
  assert (asprintf (&cmd, "rm -rf '%s'", tmpdir) != -1);
  assert (system (cmd) == 0);
  free (cmd);
}

int
main (void)
{
  assert (mkdtemp (tmpdir) != NULL && chdir (tmpdir) == 0);
  make_disk ();
  test_plain ();
  test_compressed ();
  test_mismatch ();
  cleanup ();
  free (disk);
  free (gz);
  clear_error ();
  printf ("test-input-ova: ok\n");
  return 0;
}
