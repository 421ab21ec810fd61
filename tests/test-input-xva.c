/* Tests of the xva input's import_disk (common/input-xva.c): an XVA
 * built by tests/fixtures/make-xva.py from a raw image with a known
 * pattern and zero regions must import byte for byte, sparse; damaged
 * and hostile variants of it (rewritten here with libarchive) must be
 * refused, naming the member.
 */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <nettle/sha1.h>

#include "errors.h"
#include "input.h"
#include "vm.h"

#define MiB (1024 * 1024)
#define SIZE (9 * MiB + 1000) /* the last chunk is short */

static char dir[] = "/tmp/test-input-xva.XXXXXX";
static char *raw; /* the image's bytes */

/* A member of an XVA held in memory. */
struct member {
  char name[128];
  char type; /* 'f' file, 'l' symlink, 'h' hard link */
  char *data;
  size_t len;
};
static struct member members[64];
static size_t nr_members;

static char *
path (const char *name)
{
  static char buf[4][256];
  static int i;

  i = (i + 1) % 4;
  snprintf (buf[i], sizeof buf[i], "%s/%s", dir, name);
  return buf[i];
}

static void
write_file (const char *name, const char *data, size_t len)
{
  int fd = open (path (name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

  assert (fd >= 0);
  assert (write (fd, data, len) == (ssize_t) len);
  assert (close (fd) == 0);
}

/* The raw image: pattern in MiB 0, 3, 5 (half) and the short tail;
 * zeros elsewhere (MiB 1, 2, 4, 6, 7, 8 are all zeros).
 */
static void
make_raw (void)
{
  raw = calloc (1, SIZE);
  assert (raw);
  for (size_t i = 0; i < MiB; ++i) {
    raw[i] = (char) (i * 7 + 1);
    raw[3 * MiB + i] = (char) (i * 13 + 5);
  }
  memset (raw + 5 * MiB + MiB / 2, 0xa5, MiB / 2);
  memset (raw + 9 * MiB, 'T', 1000);
  write_file ("disk.raw", raw, SIZE);
}

static int
run_make_xva (const char *out, const char *extra)
{
  const char *top = getenv ("VMSHIFT_TOP");
  char cmd[1024];

  snprintf (cmd, sizeof cmd,
            "python3 '%s/tests/fixtures/make-xva.py' '%s' '%s' --name t "
            "--mac 00:16:3e:00:00:01 %s",
            top ? top : ".", path ("disk.raw"), path (out), extra);
  return system (cmd);
}

/* Loads the members of an (uncompressed) XVA. */
static void
load (const char *name)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *e;

  archive_read_support_filter_gzip (a);
  archive_read_support_format_tar (a);
  assert (archive_read_open_filename (a, path (name), 65536) == ARCHIVE_OK);
  nr_members = 0;
  while (archive_read_next_header (a, &e) == ARCHIVE_OK) {
    struct member *m = &members[nr_members++];

    assert (nr_members <= 64);
    snprintf (m->name, sizeof m->name, "%s", archive_entry_pathname (e));
    m->type = 'f';
    m->len = archive_entry_size (e);
    m->data = malloc (m->len + 1);
    assert (m->data);
    assert (archive_read_data (a, m->data, m->len) == (ssize_t) m->len);
  }
  archive_read_free (a);
}

static struct member *
find (const char *name)
{
  for (size_t i = 0; i < nr_members; ++i) {
    if (strcmp (members[i].name, name) == 0)
      return &members[i];
  }
  fprintf (stderr, "no member '%s'\n", name);
  abort ();
}

/* Drops a member. */
static void
drop (const char *name)
{
  struct member *m = find (name);

  free (m->data);
  memmove (m, m + 1, (members + nr_members - m - 1) * sizeof *m);
  nr_members--;
}

/* Writes the members as name. */
static void
save (const char *name)
{
  struct archive *a = archive_write_new ();
  struct archive_entry *e = archive_entry_new ();

  archive_write_set_format_ustar (a);
  assert (archive_write_open_filename (a, path (name)) == ARCHIVE_OK);
  for (size_t i = 0; i < nr_members; ++i) {
    struct member *m = &members[i];

    archive_entry_clear (e);
    archive_entry_set_pathname (e, m->name);
    archive_entry_set_perm (e, 0644);
    if (m->type == 'l') {
      archive_entry_set_filetype (e, AE_IFLNK);
      archive_entry_set_symlink (e, "/etc/passwd");
    }
    else if (m->type == 'h') {
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_hardlink (e, "ova.xml");
    }
    else {
      archive_entry_set_filetype (e, AE_IFREG);
      archive_entry_set_size (e, m->len);
    }
    assert (archive_write_header (a, e) == ARCHIVE_OK);
    if (m->type == 'f' && m->len)
      assert (archive_write_data (a, m->data, m->len) == (ssize_t) m->len);
  }
  archive_entry_free (e);
  assert (archive_write_free (a) == ARCHIVE_OK);
}

static void
free_members (void)
{
  for (size_t i = 0; i < nr_members; ++i)
    free (members[i].data);
  nr_members = 0;
}

static void
set_sha1 (const char *chunk)
{
  char name[160], *hex;
  struct member *m = find (chunk), *c;
  struct sha1_ctx ctx;
  uint8_t d[SHA1_DIGEST_SIZE];

  snprintf (name, sizeof name, "%s.checksum", chunk);
  c = find (name);
  sha1_init (&ctx);
  sha1_update (&ctx, m->len, (uint8_t *) m->data);
  sha1_digest (&ctx, sizeof d, d);
  hex = c->data = realloc (c->data, 41);
  for (int i = 0; i < SHA1_DIGEST_SIZE; ++i)
    sprintf (hex + 2 * i, "%02x", d[i]);
  c->len = 40;
}

struct progress {
  uint64_t last, total;
  int calls;
};

static void
progress (void *opaque, uint64_t done, uint64_t total)
{
  struct progress *p = opaque;

  assert (done >= p->last && done <= total);
  p->last = done;
  p->total = total;
  p->calls++;
}

/* Imports disk 0 of name to out.  Returns 0 or -1 (error set). */
static int
import (const char *name, bool no_verify, struct progress *p)
{
  struct input_options opts = { .no_verify = no_verify };
  struct input *in;
  struct vm vm;
  int r;

  unlink (path ("out.img"));
  in = input_open (path (name), "xva", &opts);
  assert (in != NULL);
  assert (input_describe (in, &vm) == 0);
  assert (vm.disks.len == 1 && vm.disks.ptr[0].capacity == SIZE);
  assert (vm.disks.ptr[0].import);
  r = input_import_disk (in, &vm, 0, path ("out.img"), progress, p);
  vm_clear (&vm);
  input_close (in);
  return r;
}

/* Reads out.img, which must be SIZE bytes. */
static char *
read_out (struct stat *st)
{
  char *buf = malloc (SIZE + 1);
  int fd = open (path ("out.img"), O_RDONLY);

  assert (buf && fd >= 0);
  assert (fstat (fd, st) == 0 && st->st_size == SIZE);
  assert (read (fd, buf, SIZE + 1) == SIZE);
  close (fd);
  return buf;
}

static void
must_import_as (const char *name, bool no_verify, const char *want)
{
  struct progress p = { 0 };
  struct stat st;
  char *got;

  if (import (name, no_verify, &p) == -1) {
    fprintf (stderr, "%s: %s\n", name, get_error ());
    abort ();
  }
  assert (p.calls > 1 && p.last == SIZE && p.total == SIZE);
  got = read_out (&st);
  assert (memcmp (got, want, SIZE) == 0);
  /* Sparse: at most the 3.5 MiB of data chunks (plus a little). */
  assert ((uint64_t) st.st_blocks * 512 <= 4 * MiB + 64 * 1024);
  free (got);
}

static void
must_fail (const char *name, bool no_verify, const char *want)
{
  struct progress p = { 0 };

  assert (import (name, no_verify, &p) == -1);
  if (strstr (get_error (), want) == NULL) {
    fprintf (stderr, "%s: error '%s' does not contain '%s'\n", name,
             get_error (), want);
    abort ();
  }
}

static void
test_good (void)
{
  struct input *in;

  assert (run_make_xva ("good.xva", "") == 0);
  must_import_as ("good.xva", false, raw);
  must_import_as ("good.xva", true, raw);

  /* Found by its first member's name, whatever the file is called. */
  assert (rename (path ("good.xva"), path ("good.tar")) == 0);
  in = input_open (path ("good.tar"), NULL, NULL);
  assert (in && strcmp (in->ops->name, "xva") == 0);
  input_close (in);
  assert (rename (path ("good.tar"), path ("good.xva")) == 0);

  /* Compressed, with XXH64 checksums. */
  assert (run_make_xva ("gz.xva", "--gzip --xxhash") == 0);
  must_import_as ("gz.xva", false, raw);

  /* The destination must not exist yet. */
  assert (import ("good.xva", false, &(struct progress){ 0 }) == 0);
  in = input_open (path ("good.xva"), "xva", NULL);
  {
    struct vm vm;
    assert (input_describe (in, &vm) == 0);
    assert (input_import_disk (in, &vm, 0, path ("out.img"), NULL, NULL)
            == -1);
    assert (strstr (get_error (), "could not create") != NULL);
    vm_clear (&vm);
  }
  input_close (in);
}

static void
test_damaged (void)
{
  char *want = malloc (SIZE);
  struct member *m;

  assert (want);

  /* A corrupted chunk: refused, or with --no-verify imported as it is. */
  load ("good.xva");
  find ("Ref:4/00000003")->data[100] ^= 1;
  save ("corrupt.xva");
  must_fail ("corrupt.xva", false, "'Ref:4/00000003': SHA1 checksum mismatch");
  memcpy (want, raw, SIZE);
  want[3 * MiB + 100] ^= 1;
  must_import_as ("corrupt.xva", true, want);
  free_members ();

  /* The same with an XXH64 checksum. */
  load ("gz.xva"); /* libarchive reads the gzip transparently */
  find ("Ref:4/00000005")->data[0] ^= 1;
  save ("corrupt-xx.xva");
  must_fail ("corrupt-xx.xva", false,
             "'Ref:4/00000005': XXH64 checksum mismatch");
  free_members ();

  /* A chunk without its checksum. */
  load ("good.xva");
  drop ("Ref:4/00000003.checksum");
  save ("nosum.xva");
  must_fail ("nosum.xva", false,
             "'Ref:4/00000003' is not followed by its checksum");
  must_import_as ("nosum.xva", true, raw);
  free_members ();

  /* A missing chunk is zeros. */
  load ("good.xva");
  drop ("Ref:4/00000003");
  drop ("Ref:4/00000003.checksum");
  save ("missing.xva");
  memcpy (want, raw, SIZE);
  memset (want + 3 * MiB, 0, MiB);
  must_import_as ("missing.xva", false, want);
  free_members ();

  /* XAPI's keep-alive: an empty chunk takes no room, so the chunks
   * after it land one MiB lower than their numbers say.
   */
  load ("good.xva");
  m = find ("Ref:4/00000003");
  snprintf (m->name, sizeof m->name, "Ref:4/00000004");
  snprintf (find ("Ref:4/00000003.checksum")->name, sizeof m->name,
            "Ref:4/00000004.checksum");
  drop ("Ref:4/00000005");
  drop ("Ref:4/00000005.checksum");
  drop ("Ref:4/00000009");
  drop ("Ref:4/00000009.checksum");
  /* Insert an empty chunk 1 after chunk 0's checksum (members 1, 2). */
  memmove (&members[5], &members[3], (nr_members - 3) * sizeof members[0]);
  nr_members += 2;
  snprintf (members[3].name, sizeof members[3].name, "Ref:4/00000001");
  members[3].type = 'f';
  members[3].data = malloc (1);
  members[3].len = 0;
  snprintf (members[4].name, sizeof members[4].name,
            "Ref:4/00000001.checksum");
  members[4].type = 'f';
  members[4].data = strdup ("da39a3ee5e6b4b0d3255bfef95601890afd80709");
  members[4].len = 40;
  save ("keepalive.xva");
  memset (want, 0, SIZE);
  memcpy (want, raw, MiB);
  memcpy (want + 3 * MiB, raw + 3 * MiB, MiB);
  must_import_as ("keepalive.xva", false, want);
  free_members ();

  /* Only ova.xml (a metadata-only export). */
  load ("good.xva");
  while (nr_members > 1)
    drop (members[1].name);
  save ("metadata.xva");
  must_fail ("metadata.xva", false, "holds no data for disk 'Ref:4'");
  free_members ();
  free (want);
}

static void
test_hostile (void)
{
  struct {
    const char *file, *member, *rename, *want;
    char type;
  } cases[] = {
    { "dotdot.xva", "Ref:4/00000003", "../00000003", "has '..' in its name",
      0 },
    { "dotdot2.xva", "Ref:4/00000003", "Ref:4/../../x", "has '..'", 0 },
    { "abs.xva", "Ref:4/00000003", "/etc/cron.d/x", "has an absolute name",
      0 },
    { "link.xva", "Ref:4/00000003", NULL, "is a symbolic link", 'l' },
    { "hard.xva", "Ref:4/00000003", NULL, "is a hard link", 'h' },
    { "short.xva", "Ref:4/00000003", "Ref:4/3", "'Ref:4/3' is not a chunk",
      0 },
    { "ext.xva", "Ref:4/00000003.checksum", "Ref:4/00000003.md5",
      "'Ref:4/00000003.md5' is not a chunk", 0 },
    { "beyond.xva", "Ref:4/00000009", "Ref:4/00000010",
      "'Ref:4/00000010' lies beyond the end of the disk", 0 },
    { "order.xva", "Ref:4/00000005", "Ref:4/00000002",
      "'Ref:4/00000002' comes after chunk 00000003", 0 },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    struct member *m;

    load ("good.xva");
    m = find (cases[i].member);
    if (cases[i].rename)
      snprintf (m->name, sizeof m->name, "%s", cases[i].rename);
    if (cases[i].type)
      m->type = cases[i].type;
    save (cases[i].file);
    must_fail (cases[i].file, false, cases[i].want);
    free_members ();
  }

  /* A chunk larger than 1 MiB. */
  load ("good.xva");
  {
    struct member *m = find ("Ref:4/00000003");
    m->data = realloc (m->data, MiB + 1);
    m->data[MiB] = 1;
    m->len = MiB + 1;
    set_sha1 ("Ref:4/00000003");
  }
  save ("big.xva");
  must_fail ("big.xva", false, "'Ref:4/00000003' is larger than 1 MiB");
  free_members ();
}

static void
test_truncated (void)
{
  struct stat st;
  char cmd[512];

  assert (stat (path ("good.xva"), &st) == 0);
  snprintf (cmd, sizeof cmd, "head -c %lld '%s' > '%s'",
            (long long) st.st_size - 3 * MiB / 2, path ("good.xva"),
            path ("trunc.xva"));
  assert (system (cmd) == 0);
  must_fail ("trunc.xva", false, "runcated");
  must_fail ("trunc.xva", true, "runcated");
}

int
main (void)
{
  char cmd[128];

  if (system ("python3 --version >/dev/null 2>&1") != 0) {
    printf ("test-input-xva: SKIP: no python3\n");
    return 77;
  }
  assert (mkdtemp (dir) != NULL);
  make_raw ();
  test_good ();
  test_damaged ();
  test_hostile ();
  test_truncated ();
  free (raw);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert (system (cmd) == 0);
  clear_error ();
  printf ("test-input-xva: ok\n");
  return 0;
}
