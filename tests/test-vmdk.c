/* Unit tests for common/vmdk.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "unit.h"
#include "vector.h"
#include "vmdk.h"

static char tmpdir[] = "/tmp/test-vmdk-XXXXXX";

static struct vmdk *
parse (const char *text)
{
  return vmdk_parse_descriptor ("d.vmdk", "/images", text, strlen (text));
}

static void
parse_fails (const char *text, const char *want)
{
  assert (parse (text) == NULL);
  expect_error (want);
}

/* ---- files ------------------------------------------------------- */

static char *
tpath (const char *name)
{
  char *p;

  assert (asprintf (&p, "%s/%s", tmpdir, name) != -1);
  return p;
}

static void
write_file (const char *name, const void *data, size_t len)
{
  char *p = tpath (name);
  int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  assert (fd >= 0);
  assert (write (fd, data, len) == (ssize_t) len);
  assert (close (fd) == 0);
  free (p);
}

static void
write_text (const char *name, const char *text)
{
  write_file (name, text, strlen (text));
}

static void
make_sized (const char *name, uint64_t size)
{
  char *p = tpath (name);
  int fd = open (p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  assert (fd >= 0);
  assert (ftruncate (fd, size) == 0);
  assert (close (fd) == 0);
  free (p);
}

static void
remove_file (const char *name)
{
  char *p = tpath (name);

  unlink (p);
  free (p);
}

static int
check (const char *name, uint64_t *capacity, string_vector *files)
{
  char *p = tpath (name);
  int r = vmdk_check_chain (p, capacity, files);

  free (p);
  return r;
}

/* A hosted sparse header: grain 128 sectors, 512 entries per table,
 * descriptor at sectors 1..20, grain directory at 22, metadata 128
 * sectors.
 */
static void
sparse_header (unsigned char *b, uint64_t capacity, uint64_t gd_offset,
               uint64_t desc_offset)
{
  memset (b, 0, 512);
  memcpy (b, "KDMV", 4);
  put32 (b + 4, 1); /* version */
  put32 (b + 8, 1); /* flags: newline detection */
  put64 (b + 12, capacity);
  put64 (b + 20, 128); /* grain size */
  put64 (b + 28, desc_offset);
  put64 (b + 36, desc_offset ? 20 : 0);
  put32 (b + 44, 512);
  put64 (b + 48, 0); /* rgd */
  put64 (b + 56, gd_offset);
  put64 (b + 64, 128); /* overhead */
  memcpy (b + 73, "\n \r\n", 4);
}

/* A monolithicSparse (or, with stream, streamOptimized) file. */
static void
make_sparse (const char *name, uint64_t capacity, const char *desc,
             bool stream)
{
  size_t len = 128 * 512 + (stream ? 3 * 512 : 0);
  unsigned char *b = calloc (1, len);

  assert (b != NULL);
  sparse_header (b, capacity, stream ? UINT64_MAX : 22, desc ? 1 : 0);
  if (desc) {
    assert (strlen (desc) < 20 * 512);
    memcpy (b + 512, desc, strlen (desc));
  }
  if (stream) {
    unsigned char *f = b + 128 * 512;

    put64 (f, 1); /* footer marker: 1 sector */
    put32 (f + 8, 0);
    put32 (f + 12, 3); /* MARKER_FOOTER */
    sparse_header (f + 512, capacity, 22, 1);
    /* then an all-zero end-of-stream marker */
  }
  write_file (name, b, len);
  free (b);
}

/* An ESX "COWD" delta of the given size. */
static void
make_cowd (const char *name, uint32_t sectors)
{
  unsigned char b[8 * 512] = { 0 };

  memcpy (b, "COWD", 4);
  put32 (b + 4, 1);
  put32 (b + 8, 3);
  put32 (b + 12, sectors);
  put32 (b + 16, 1);  /* grain */
  put32 (b + 20, 4);  /* gd offset */
  put32 (b + 24, 16); /* gd entries */
  write_file (name, b, sizeof b);
}

static void
free_strings (string_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    free (v->ptr[i]);
  string_vector_reset (v);
}

/* ---- parsing ----------------------------------------------------- */

static void
test_parse_flat (void)
{
  struct vmdk *v = parse ("# Disk DescriptorFile\n"
                          "version=1\n"
                          "encoding=\"UTF-8\"\n"
                          "CID=fffffffe\n"
                          "parentCID=ffffffff\n"
                          "createType=\"monolithicFlat\"\n"
                          "\n"
                          "# Extent description\n"
                          "RW 2097152 FLAT \"x-flat.vmdk\" 0\n"
                          "\n"
                          "# The Disk Data Base\n"
                          "#DDB\n"
                          "ddb.adapterType = \"lsilogic\"\n"
                          "ddb.geometry.cylinders = \"130\"\n");

  assert (v != NULL);
  assert (!v->embedded);
  assert (v->version == 1);
  assert (v->has_cid && v->cid == 0xfffffffe);
  assert (v->parent_cid == VMDK_NO_PARENT);
  assert (strcmp (v->create_type, "monolithicFlat") == 0);
  assert (strcmp (v->adapter_type, "lsilogic") == 0);
  assert (v->parent_hint == NULL && v->parent_path == NULL);
  assert (v->extents.len == 1);
  assert (v->extents.ptr[0].access == VMDK_ACCESS_RW);
  assert (v->extents.ptr[0].type == VMDK_EXTENT_FLAT);
  assert (v->extents.ptr[0].sectors == 2097152);
  assert (v->extents.ptr[0].offset == 0);
  assert (v->extents.ptr[0].lineno == 9);
  assert (strcmp (v->extents.ptr[0].file, "x-flat.vmdk") == 0);
  assert (strcmp (v->extents.ptr[0].path, "/images/x-flat.vmdk") == 0);
  assert (v->capacity == 2097152ULL * 512);
  assert (strcmp (vmdk_qemu_format (v), "vmdk") == 0);
  vmdk_free (v);
}

static void
test_parse_extents (void)
{
  struct vmdk *v = parse ("version=1\r\n"
                          "createType=\"twoGbMaxExtentSparse\"\r\n"
                          "RW 4192256 SPARSE \"x-s001.vmdk\"\r\n"
                          "RDONLY 100 FLAT \"/abs/x-f.vmdk\" 7\r\n"
                          "NOACCESS 8 ZERO\r\n"
                          "  rw   16   VMFS   \"with space.vmdk\"  \r\n"
                          "RW 16 VMFSSPARSE \"d-delta.vmdk\"\r\n"
                          "RW 16 SESPARSE \"d-sesparse.vmdk\"\r\n"
                          "RW 16 VMFSRDM \"d-rdm.vmdk\"\r\n"
                          "RW 16 VMFSPASSTHROUGHRAW \"d-rdmp.vmdk\"\r\n"
                          "RW 16 VMFSRAW \"/dev/sdz\" 2\r\n");
  struct vmdk_extent *e;

  assert (v != NULL);
  assert (v->extents.len == 9);
  e = v->extents.ptr;
  assert (e[0].type == VMDK_EXTENT_SPARSE && e[0].sectors == 4192256);
  assert (strcmp (e[0].path, "/images/x-s001.vmdk") == 0);
  assert (e[1].access == VMDK_ACCESS_RDONLY && e[1].offset == 7);
  assert (strcmp (e[1].path, "/abs/x-f.vmdk") == 0);
  assert (e[2].access == VMDK_ACCESS_NOACCESS);
  assert (e[2].type == VMDK_EXTENT_ZERO);
  assert (e[2].file == NULL && e[2].path == NULL);
  assert (e[3].type == VMDK_EXTENT_VMFS && e[3].offset == 0);
  assert (strcmp (e[3].file, "with space.vmdk") == 0);
  assert (e[4].type == VMDK_EXTENT_VMFSSPARSE);
  assert (e[5].type == VMDK_EXTENT_SESPARSE);
  assert (e[6].type == VMDK_EXTENT_VMFSRDM);
  assert (e[7].type == VMDK_EXTENT_VMFSPASSTHROUGHRAW);
  assert (e[8].type == VMDK_EXTENT_VMFSRAW && e[8].offset == 2);
  assert (v->capacity == (4192256ULL + 100 + 8 + 6 * 16) * 512);
  assert (strcmp (vmdk_extent_type_name (e[7].type), "VMFSPASSTHROUGHRAW")
          == 0);
  assert (strcmp (vmdk_access_name (e[2].access), "NOACCESS") == 0);

  /* QEMU would skip the RDONLY extent and shift the rest. */
  assert (vmdk_qemu_format (v) == NULL);
  expect_error ("'d.vmdk' line 4: QEMU cannot read RDONLY FLAT extents");
  vmdk_free (v);

  v = parse ("createType=\"monolithicFlat\"\nRW 8 ZERO\n");
  assert (v != NULL && v->capacity == 4096);
  assert (vmdk_qemu_format (v) == NULL);
  expect_error ("line 2: QEMU cannot read RW ZERO extents");
  vmdk_free (v);

  v = parse ("createType=\"vmfsRawDeviceMap\"\nRW 8 VMFSRDM \"r.vmdk\"\n");
  assert (v != NULL);
  assert (vmdk_qemu_format (v) == NULL);
  expect_error ("createType \"vmfsRawDeviceMap\" cannot be read by QEMU");
  vmdk_free (v);

  v = parse ("createType=\"vmfs\"\nRW 8 VMFSRDM \"r.vmdk\"\n");
  assert (v != NULL);
  assert (vmdk_qemu_format (v) == NULL);
  expect_error ("line 2: VMFSRDM is a raw device mapping");
  vmdk_free (v);

  v = parse ("createType=\"vmfsThin\"\nRW 8 VMFS \"t.vmdk\"\n");
  assert (v != NULL);
  assert (vmdk_qemu_format (v) == NULL);
  expect_error ("createType \"vmfsThin\" cannot be read by QEMU");
  vmdk_free (v);
}

static void
test_parse_paths (void)
{
  const char *text = "createType=\"vmfsSparse\"\n"
                     "parentCID=12345678\n"
                     "parentFileNameHint=\"base.vmdk\"\n"
                     "RW 8 VMFSSPARSE \"d-delta.vmdk\"\n";
  struct vmdk *v;

  v = vmdk_parse_descriptor ("d.vmdk", NULL, text, strlen (text));
  assert (v != NULL);
  assert (v->parent_cid == 0x12345678 && !v->has_cid);
  assert (strcmp (v->parent_hint, "base.vmdk") == 0);
  assert (strcmp (v->parent_path, "base.vmdk") == 0);
  assert (strcmp (v->extents.ptr[0].path, "d-delta.vmdk") == 0);
  vmdk_free (v);

  v = vmdk_parse_descriptor ("d.vmdk", "/", text, strlen (text));
  assert (strcmp (v->parent_path, "/base.vmdk") == 0);
  vmdk_free (v);

  v = vmdk_parse_descriptor ("d.vmdk", "/vmfs/volumes/ds1/vm/", text,
                             strlen (text));
  assert (strcmp (v->parent_path, "/vmfs/volumes/ds1/vm/base.vmdk") == 0);
  assert (strcmp (v->extents.ptr[0].path, "/vmfs/volumes/ds1/vm/d-delta.vmdk")
          == 0);
  vmdk_free (v);

  v = parse ("createType=\"vmfsSparse\"\n"
             "parentFileNameHint=\"/vmfs/volumes/ds2/base.vmdk\"\n"
             "RW 8 VMFSSPARSE \"d-delta.vmdk\"\n");
  assert (strcmp (v->parent_path, "/vmfs/volumes/ds2/base.vmdk") == 0);
  vmdk_free (v);
}

static void
test_parse_errors (void)
{
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 FLOP \"x\" 0\n",
               "'d.vmdk' line 2: unknown extent type 'FLOP'");
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 FLAT \"x\"\n",
               "line 2: a FLAT extent needs an offset");
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 SPARSE \"x\" 0\n",
               "line 2: unexpected '0' after the extent's file name");
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 FLAT x 0\n",
               "line 2: expected the extent's file name in double quotes");
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 FLAT \"x 0\n",
               "line 2: expected the extent's file name");
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 FLAT \"\" 0\n",
               "line 2: expected the extent's file name");
  parse_fails ("createType=\"monolithicFlat\"\nRW 0 FLAT \"x\" 0\n",
               "line 2: extent size '0' is not a positive number");
  parse_fails ("createType=\"monolithicFlat\"\nRW -8 FLAT \"x\" 0\n",
               "line 2: extent size '-8'");
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 FLAT \"x\" 0 9\n",
               "line 2: unexpected '9' at the end");
  parse_fails ("createType=\"monolithicFlat\"\nRW 8 ZERO \"x\"\n",
               "line 2: unexpected '\"x\"' at the end");
  parse_fails ("createType=\"monolithicFlat\"\n"
               "RW 36028797018963967 FLAT \"x\" 0\n"
               "RW 36028797018963967 FLAT \"y\" 0\n",
               "line 3: the disk size overflows 64 bits");
  parse_fails ("createType=\"monolithicFlat\"\n"
               "RW 99999999999999999999 FLAT \"x\" 0\n",
               "line 2: extent size");
  parse_fails ("createType=\"monolithicFlat\"\n"
               "RW 8 FLAT \"x\" 36028797018963967\n",
               "line 2: the extent's offset overflows");
  parse_fails ("RW 8 FLAT \"x\" 0\n", "'d.vmdk': not a VMDK descriptor "
                                      "(no createType)");
  parse_fails ("createType=\"monolithicFlat\"\n",
               "'d.vmdk': the descriptor lists no extents");
  parse_fails ("CID=xyz\n", "line 1: CID 'xyz' is not 8 hex digits");
  parse_fails ("parentCID=123456789\n", "line 1: parentCID");
  parse_fails ("version=one\n", "line 1: version 'one' is not a number");
  parse_fails ("createType=\"monolithicFlat\ngarbage\n",
               "line 1: missing '\"'");
  parse_fails ("createType=\"monolithicFlat\"\ngarbage line\n",
               "line 2: expected key=\"value\" or an extent line");
  parse_fails ("=x\n", "line 1: expected key");
  parse_fails ("parentFileNameHint=\"\"\n", "parentFileNameHint is empty");
}

static void
test_parse_nul (void)
{
  static const char text[]
      = "createType=\"monolithicFlat\"\n"
        "RW 8 FLAT \"x\" 0\n\0garbage that is never parsed\n";
  struct vmdk *v
      = vmdk_parse_descriptor ("d.vmdk", NULL, text, sizeof text - 1);

  assert (v != NULL && v->extents.len == 1);
  vmdk_free (v);
}

/* ---- files and chains -------------------------------------------- */

static void
test_flat_chain (void)
{
  string_vector files = empty_vector;
  uint64_t cap = 0;
  char *want;

  write_text ("flat.vmdk", "# Disk DescriptorFile\nversion=1\n"
                           "CID=00000001\nparentCID=ffffffff\n"
                           "createType=\"monolithicFlat\"\n"
                           "RW 2048 FLAT \"flat-flat.vmdk\" 0\n");
  make_sized ("flat-flat.vmdk", 2048 * 512);
  assert (check ("flat.vmdk", &cap, &files) == 0);
  assert (cap == 2048 * 512);
  assert (files.len == 2);
  want = tpath ("flat.vmdk");
  assert (strcmp (files.ptr[0], want) == 0);
  free (want);
  want = tpath ("flat-flat.vmdk");
  assert (strcmp (files.ptr[1], want) == 0);
  free (want);
  free_strings (&files);

  /* Larger than needed is fine; smaller is truncated. */
  make_sized ("flat-flat.vmdk", 4096 * 512);
  assert (check ("flat.vmdk", NULL, NULL) == 0);
  make_sized ("flat-flat.vmdk", 2047 * 512);
  assert (check ("flat.vmdk", &cap, &files) == -1);
  expect_error ("flat-flat.vmdk': truncated: 1048064 bytes, but '");
  expect_error ("flat.vmdk' line 6 needs 1048576");
  assert (files.len == 0);

  /* The offset counts. */
  write_text ("off.vmdk", "createType=\"monolithicFlat\"\n"
                          "RW 2048 FLAT \"flat-flat.vmdk\" 1\n");
  make_sized ("flat-flat.vmdk", 2048 * 512);
  assert (check ("off.vmdk", NULL, NULL) == -1);
  expect_error ("truncated");

  /* Missing, a directory, a dangling symlink. */
  remove_file ("flat-flat.vmdk");
  assert (check ("flat.vmdk", NULL, NULL) == -1);
  expect_error ("flat.vmdk': extent 'flat-flat.vmdk' is missing");
  {
    char *p = tpath ("flat-flat.vmdk");

    assert (mkdir (p, 0755) == 0);
    assert (check ("flat.vmdk", NULL, NULL) == -1);
    expect_error ("is a directory");
    assert (rmdir (p) == 0);
    assert (symlink ("/nonexistent/target", p) == 0);
    assert (check ("flat.vmdk", NULL, NULL) == -1);
    expect_error ("extent 'flat-flat.vmdk' is missing");
    unlink (p);
    free (p);
  }

  /* Several extents. */
  write_text ("split.vmdk", "createType=\"twoGbMaxExtentFlat\"\n"
                            "RW 100 FLAT \"split-f001.vmdk\" 0\n"
                            "RW 50 FLAT \"split-f002.vmdk\" 0\n");
  make_sized ("split-f001.vmdk", 100 * 512);
  make_sized ("split-f002.vmdk", 50 * 512);
  assert (check ("split.vmdk", &cap, NULL) == 0);
  assert (cap == 150 * 512);
  remove_file ("split-f002.vmdk");
  assert (check ("split.vmdk", &cap, NULL) == -1);
  expect_error ("extent 'split-f002.vmdk' is missing");
}

static void
test_sparse (void)
{
  const char *desc = "# Disk DescriptorFile\nversion=1\nCID=0000abcd\n"
                     "parentCID=ffffffff\ncreateType=\"monolithicSparse\"\n"
                     "RW 2097152 SPARSE \"original-name.vmdk\"\n"
                     "ddb.adapterType = \"ide\"\n";
  struct vmdk *v;
  string_vector files = empty_vector;
  uint64_t cap = 0;
  char *p;

  /* The extent line keeps the name the file was created with: the data
   * is the file itself.
   */
  make_sparse ("sparse.vmdk", 2097152, desc, false);
  p = tpath ("sparse.vmdk");
  v = vmdk_open (p);
  assert (v != NULL);
  assert (v->embedded);
  assert (v->cid == 0xabcd);
  assert (strcmp (v->adapter_type, "ide") == 0);
  assert (strcmp (v->extents.ptr[0].path, p) == 0);
  assert (strcmp (vmdk_qemu_format (v), "vmdk") == 0);
  vmdk_free (v);
  assert (vmdk_check_chain (p, &cap, &files) == 0);
  assert (cap == 2097152ULL * 512);
  assert (files.len == 1 && strcmp (files.ptr[0], p) == 0);
  free_strings (&files);

  /* Truncations. */
  assert (truncate (p, 100 * 512) == 0);
  assert (vmdk_check_chain (p, &cap, NULL) == -1);
  expect_error ("sparse.vmdk': truncated: 51200 bytes, but its metadata "
                "takes 128 sectors");
  assert (truncate (p, 1024) == 0);
  assert (vmdk_check_chain (p, &cap, NULL) == -1);
  expect_error ("sparse.vmdk': truncated: 1024 bytes, but the embedded "
                "descriptor");
  assert (truncate (p, 100) == 0);
  assert (vmdk_check_chain (p, &cap, NULL) == -1);
  expect_error ("truncated: 100 bytes, shorter than a sparse VMDK header");
  assert (truncate (p, 3) == 0);
  assert (vmdk_check_chain (p, &cap, NULL) == -1);
  expect_error ("sparse.vmdk': not a VMDK file");

  /* Header and descriptor disagree. */
  make_sparse ("sparse.vmdk", 4096, desc, false);
  assert (vmdk_check_chain (p, &cap, NULL) == -1);
  expect_error ("its header says 4096 sectors, but '");

  /* No descriptor: a bare extent of a split disk. */
  make_sparse ("sparse.vmdk", 4096, NULL, false);
  assert (vmdk_check_chain (p, &cap, NULL) == -1);
  expect_error ("a sparse extent with no descriptor");
  free (p);

  /* streamOptimized with the grain directory at the end. */
  make_sparse ("stream.vmdk", 2097152,
               "createType=\"streamOptimized\"\n"
               "RW 2097152 SPARSE \"stream.vmdk\"\n",
               true);
  assert (check ("stream.vmdk", &cap, NULL) == 0);
  assert (cap == 2097152ULL * 512);
  p = tpath ("stream.vmdk");
  assert (truncate (p, 128 * 512 + 1024) == 0);
  assert (check ("stream.vmdk", &cap, NULL) == -1);
  expect_error ("stream.vmdk': truncated or corrupt: a stream-optimized "
                "VMDK must end with a footer");
  free (p);

  /* twoGbMaxExtentSparse: separate sparse extents without descriptors. */
  write_text ("two.vmdk", "createType=\"twoGbMaxExtentSparse\"\n"
                          "RW 4096 SPARSE \"two-s001.vmdk\"\n"
                          "RW 2048 SPARSE \"two-s002.vmdk\"\n");
  make_sparse ("two-s001.vmdk", 4096, NULL, false);
  make_sparse ("two-s002.vmdk", 2048, NULL, false);
  assert (check ("two.vmdk", &cap, NULL) == 0);
  assert (cap == 6144 * 512);
  make_sized ("two-s002.vmdk", 2048 * 512);
  assert (check ("two.vmdk", &cap, NULL) == -1);
  expect_error ("two-s002.vmdk': not a sparse VMDK extent (named by '");
}

/* vmdk_parse_sparse: the same, from the first bytes held in memory. */
static void
test_parse_sparse (void)
{
  const char *desc = "createType=\"streamOptimized\"\n"
                     "RW 4096 SPARSE \"disk1.vmdk\"\n";
  unsigned char b[22 * 512] = { 0 };
  struct vmdk *v;

  sparse_header (b, 4096, UINT64_MAX, 1);
  memcpy (b + 512, desc, strlen (desc));
  v = vmdk_parse_sparse ("x.ova:disk1.vmdk", b, sizeof b, 1 << 20);
  assert (v != NULL);
  assert (v->embedded && v->capacity == 4096 * 512);
  assert (strcmp (v->extents.ptr[0].path, "x.ova:disk1.vmdk") == 0);
  assert (strcmp (vmdk_qemu_format (v), "vmdk") == 0);
  vmdk_free (v);

  /* The descriptor must be in what the caller has. */
  assert (vmdk_parse_sparse ("d", b, 2048, 1 << 20) == NULL);
  expect_error ("'d': the embedded descriptor is not in the first 2048");
  assert (vmdk_parse_sparse ("d", b, sizeof b, 4096) == NULL);
  expect_error ("'d': truncated: 4096 bytes, but the embedded descriptor");
  /* A text descriptor (that could name any file) is not one. */
  assert (vmdk_parse_sparse ("d", desc, strlen (desc), 100) == NULL);
  expect_error ("'d': not a single-file sparse VMDK");
  assert (vmdk_parse_sparse ("d", b, 100, 100) == NULL);
  expect_error ("'d': not a single-file sparse VMDK");
  /* Two extents in an embedded descriptor. */
  memcpy (b + 512 + strlen (desc), "RW 1 SPARSE \"y\"\n", 16);
  assert (vmdk_parse_sparse ("d", b, sizeof b, sizeof b) == NULL);
  expect_error ("'d': corrupt: the embedded descriptor must list one SPARSE");
}

static void
test_not_vmdk (void)
{
  unsigned char rnd[4096];
  char *p;

  for (size_t i = 0; i < sizeof rnd; ++i)
    rnd[i] = (unsigned char) (i * 7919 + 13);
  write_file ("random.vmdk", rnd, sizeof rnd);
  assert (check ("random.vmdk", NULL, NULL) == -1);
  expect_error ("random.vmdk': not a VMDK file");

  write_file ("jpeg.vmdk", "\xff\xd8\xff\xe0\0\x10JFIF\0\1\1", 13);
  assert (check ("jpeg.vmdk", NULL, NULL) == -1);
  expect_error ("jpeg.vmdk': not a VMDK file");

  write_text ("text.vmdk", "displayName = \"a .vmx, not a .vmdk\"\n");
  assert (check ("text.vmdk", NULL, NULL) == -1);
  expect_error ("text.vmdk': not a VMDK file");

  write_text ("empty.vmdk", "");
  assert (check ("empty.vmdk", NULL, NULL) == -1);
  expect_error ("empty.vmdk': not a VMDK file");

  /* Looks like a descriptor, but is not a complete one. */
  write_text ("partial.vmdk", "# Disk DescriptorFile\nversion=1\n");
  assert (check ("partial.vmdk", NULL, NULL) == -1);
  expect_error ("partial.vmdk': not a VMDK descriptor (no createType)");

  make_cowd ("delta.vmdk", 100);
  assert (check ("delta.vmdk", NULL, NULL) == -1);
  expect_error ("an ESXi delta extent, not a descriptor");

  assert (check ("does-not-exist.vmdk", NULL, NULL) == -1);
  expect_error ("could not open '");
  expect_error ("No such file or directory");

  p = tpath ("");
  assert (vmdk_check_chain (p, NULL, NULL) == -1);
  expect_error ("Is a directory");
  free (p);
}

static void
test_snapshots (void)
{
  string_vector files = empty_vector;
  uint64_t cap = 0;

  write_text ("base.vmdk",
              "createType=\"vmfs\"\nCID=11111111\n"
              "parentCID=ffffffff\nRW 100 VMFS \"base-flat.vmdk\"\n");
  make_sized ("base-flat.vmdk", 100 * 512);
  write_text ("snap1.vmdk",
              "createType=\"vmfsSparse\"\nCID=22222222\n"
              "parentCID=11111111\nparentFileNameHint=\"base.vmdk\"\n"
              "RW 100 VMFSSPARSE \"snap1-delta.vmdk\"\n");
  make_cowd ("snap1-delta.vmdk", 100);
  write_text ("snap2.vmdk",
              "createType=\"vmfsSparse\"\nCID=33333333\n"
              "parentCID=22222222\nparentFileNameHint=\"snap1.vmdk\"\n"
              "RW 100 VMFSSPARSE \"snap2-delta.vmdk\"\n");
  make_cowd ("snap2-delta.vmdk", 100);

  assert (check ("snap2.vmdk", &cap, &files) == 0);
  assert (cap == 100 * 512);
  assert (files.len == 6);
  assert (strstr (files.ptr[0], "/snap2.vmdk"));
  assert (strstr (files.ptr[1], "/snap2-delta.vmdk"));
  assert (strstr (files.ptr[2], "/snap1.vmdk"));
  assert (strstr (files.ptr[5], "/base-flat.vmdk"));
  free_strings (&files);

  /* A missing parent, then a missing extent in a parent. */
  remove_file ("base.vmdk");
  assert (check ("snap2.vmdk", &cap, NULL) == -1);
  expect_error ("snap1.vmdk': parent 'base.vmdk' is missing");
  write_text ("base.vmdk",
              "createType=\"vmfs\"\nCID=11111111\n"
              "parentCID=ffffffff\nRW 100 VMFS \"base-flat.vmdk\"\n");
  remove_file ("base-flat.vmdk");
  assert (check ("snap2.vmdk", &cap, NULL) == -1);
  expect_error ("base.vmdk': extent 'base-flat.vmdk' is missing");
  make_sized ("base-flat.vmdk", 100 * 512);

  /* The COWD header disagrees with the descriptor. */
  make_cowd ("snap1-delta.vmdk", 99);
  assert (check ("snap2.vmdk", &cap, NULL) == -1);
  expect_error ("snap1-delta.vmdk': its header says 99 sectors");
  make_cowd ("snap1-delta.vmdk", 100);
  assert (check ("snap2.vmdk", &cap, NULL) == 0);

  /* CID mismatch: the parent changed after the snapshot. */
  write_text ("base.vmdk",
              "createType=\"vmfs\"\nCID=1111111f\n"
              "parentCID=ffffffff\nRW 100 VMFS \"base-flat.vmdk\"\n");
  assert (check ("snap2.vmdk", &cap, NULL) == -1);
  expect_error ("snap1.vmdk': its parent '");
  expect_error ("has CID 1111111f but it expects 11111111");

  /* A snapshot without a parent name. */
  write_text ("orphan.vmdk", "createType=\"vmfsSparse\"\nCID=22222222\n"
                             "parentCID=11111111\n"
                             "RW 100 VMFSSPARSE \"snap1-delta.vmdk\"\n");
  assert (check ("orphan.vmdk", &cap, NULL) == -1);
  expect_error ("names no parent");

  /* An absolute datastore hint that does not exist here: the parent is
   * looked for next to the child.
   */
  write_text ("base.vmdk",
              "createType=\"vmfs\"\nCID=11111111\n"
              "parentCID=ffffffff\nRW 100 VMFS \"base-flat.vmdk\"\n");
  write_text ("snap1.vmdk",
              "createType=\"vmfsSparse\"\nCID=22222222\n"
              "parentCID=11111111\n"
              "parentFileNameHint=\"/vmfs/volumes/nowhere/vm/base.vmdk\"\n"
              "RW 100 VMFSSPARSE \"snap1-delta.vmdk\"\n");
  assert (check ("snap2.vmdk", &cap, NULL) == 0);
  write_text ("snap1.vmdk",
              "createType=\"vmfsSparse\"\nCID=22222222\n"
              "parentCID=11111111\n"
              "parentFileNameHint=\"/vmfs/volumes/nowhere/vm/gone.vmdk\"\n"
              "RW 100 VMFSSPARSE \"snap1-delta.vmdk\"\n");
  assert (check ("snap2.vmdk", &cap, NULL) == -1);
  expect_error ("parent '/vmfs/volumes/nowhere/vm/gone.vmdk' is missing");
}

static void
test_loops (void)
{
  char name[64], text[512];

  /* a -> b -> a */
  write_text ("loop-a.vmdk", "createType=\"vmfs\"\n"
                             "parentFileNameHint=\"loop-b.vmdk\"\n"
                             "RW 8 VMFS \"loop-flat.vmdk\"\n");
  write_text ("loop-b.vmdk", "createType=\"vmfs\"\n"
                             "parentFileNameHint=\"loop-a.vmdk\"\n"
                             "RW 8 VMFS \"loop-flat.vmdk\"\n");
  make_sized ("loop-flat.vmdk", 8 * 512);
  assert (check ("loop-a.vmdk", NULL, NULL) == -1);
  expect_error ("loop-b.vmdk': parent 'loop-a.vmdk' is already in this "
                "snapshot chain (a loop)");

  /* Its own parent, through a symlink. */
  write_text ("self.vmdk", "createType=\"vmfs\"\n"
                           "parentFileNameHint=\"self-link.vmdk\"\n"
                           "RW 8 VMFS \"loop-flat.vmdk\"\n");
  {
    char *p = tpath ("self-link.vmdk");

    assert (symlink ("self.vmdk", p) == 0);
    free (p);
  }
  assert (check ("self.vmdk", NULL, NULL) == -1);
  expect_error ("(a loop)");

  /* Depth: chain-0 -> chain-1 -> ... ; 64 deep is fine, 65 is not. */
  for (int i = 0; i < 65; ++i) {
    snprintf (name, sizeof name, "chain-%d.vmdk", i);
    if (i < 64)
      snprintf (text, sizeof text,
                "createType=\"vmfs\"\n"
                "parentFileNameHint=\"chain-%d.vmdk\"\n"
                "RW 8 VMFS \"loop-flat.vmdk\"\n",
                i + 1);
    else
      snprintf (text, sizeof text,
                "createType=\"vmfs\"\n"
                "RW 8 VMFS \"loop-flat.vmdk\"\n");
    write_text (name, text);
  }
  assert (check ("chain-1.vmdk", NULL, NULL) == 0);
  assert (check ("chain-0.vmdk", NULL, NULL) == -1);
  expect_error ("the snapshot chain is more than 64 disks deep");
}

static void
cleanup (void)
{
  char *cmd;

  assert (asprintf (&cmd, "rm -rf '%s'", tmpdir) != -1);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", tmpdir);
  free (cmd);
}

int
main (void)
{
  test_parse_flat ();
  test_parse_extents ();
  test_parse_paths ();
  test_parse_errors ();
  test_parse_nul ();

  assert (mkdtemp (tmpdir) != NULL);
  test_flat_chain ();
  test_sparse ();
  test_parse_sparse ();
  test_not_vmdk ();
  test_snapshots ();
  test_loops ();
  cleanup ();
  clear_error ();
  printf ("test-vmdk: ok\n");
  return 0;
}
