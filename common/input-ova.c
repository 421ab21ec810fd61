/* vmshift: the ova input driver: an OVA (what VMware and VirtualBox
 * export) or an unpacked OVF package.
 *
 * SOURCE is an .ova file (a tar holding NAME.ovf, usually NAME.mf, and
 * the disks), an .ovf file whose disks are files beside it, or a
 * directory holding exactly one .ovf.  ovf-parse.c reads the
 * descriptor (its header lists the defaults); here:
 *
 *   in place        a disk stored uncompressed in an uncompressed OVA is
 *                   read where it is: its path is the QEMU pseudo-file
 *                     json:{"file":{"driver":"raw","offset":OFF,
 *                     "size":SIZE,"file":{"driver":"file",
 *                     "filename":"/abs/x.ova"}}}
 *                   and its format "vmdk".  The format is left to the
 *                   reader's -F/--format: with a "driver" in the outer
 *                   object as well, QEMU lets -f override it silently,
 *                   so the two could disagree.  Nothing is unpacked.
 *   imported        a gzip-compressed disk (ovf:compression="gzip", or a
 *                   name ending .gz), and any disk of a compressed tar,
 *                   has import set and the path "/abs/x.ova:MEMBER" (in
 *                   a directory, the file's); import_disk streams it
 *                   out, decompressed, with holes where it is zero.
 *   disks           each must be a single-file sparse VMDK
 *                   (streamOptimized, monolithicSparse) with no parent:
 *                   a descriptor naming other files, or a parent, would
 *                   make QEMU open files outside the package.  Capacity
 *                   is the VMDK's (a different ovf:capacity is a
 *                   warning).
 *   manifest        NAME.mf (in an OVA, else its only .mf member).  Every
 *                   line (SHA1, SHA256 or SHA512) is checked against the
 *                   file's bytes as stored, before anything else is
 *                   read; a mismatch or a missing file is an error unless
 *                   --no-verify.  No manifest: nothing is checked.  A
 *                   .cert signature is not checked.
 *   directory       file names must stay inside the directory, symbolic
 *                   links resolved.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/nettle-meta.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "input.h"
#include "json.h"
#include "ova-archive.h"
#include "ova-manifest.h"
#include "ovf-parse.h"
#include "vector.h"
#include "vm.h"
#include "vmdk.h"

#define MAX_MANIFEST_BYTES (1024 * 1024)
#define HEAD_BYTES (VMDK_MAX_DESCRIPTOR + 64 * 1024) /* VMDK header */
#define ZERO_CHUNK 4096 /* import_disk leaves holes this fine */

/* Where import_disk finds disk i. */
struct disk_source {
  char *name; /* member (OVA) or absolute path (directory); owned */
  bool gzip;
};

DEFINE_VECTOR_TYPE (disk_source_vector, struct disk_source);

struct ova_input {
  struct ova_archive *ova; /* NULL: an unpacked directory */
  char *dir;               /* the directory, canonical; owned */
  char *ovf_name;          /* the .ovf member or file (in dir); owned */
  char *mf_name;           /* the manifest's, or NULL; owned */
  char *ovf_what;          /* the .ovf for messages; owned */
  char *ovf_buf;           /* its bytes; owned */
  size_t ovf_len;
  disk_source_vector sources;
};

/* Counts the .ovf files in dir (stopping at 2); the name of the first,
 * which the caller frees, in *name if name is not NULL.  -1 with the
 * error set if dir cannot be read.
 */
static int
find_ovf_in_dir (const char *dir, char **name)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  int n = 0;

  if (d == NULL) {
    set_error (errno, "could not read the directory '%s'", dir);
    return -1;
  }
  while (n < 2 && (e = readdir (d)) != NULL) {
    if (!ends_with_ci (e->d_name, ".ovf"))
      continue;
    if (n++ == 0 && name && (*name = strdup (e->d_name)) == NULL) {
      set_error (errno, "strdup");
      closedir (d);
      return -1;
    }
  }
  closedir (d);
  return n;
}

/* ---- probe ------------------------------------------------------- */

static bool
ova_probe (const char *source)
{
  CLEANUP_CLOSE int fd = -1;
  char hdr[512];
  struct stat st;

  if (stat (source, &st) == -1)
    return false;
  if (S_ISDIR (st.st_mode))
    return find_ovf_in_dir (source, NULL) == 1;
  if (!S_ISREG (st.st_mode))
    return false;
  if (ends_with_ci (source, ".ovf"))
    return true;

  /* A tar whose first member is the .ovf, as the OVF standard wants,
   * or any tar called .ova.
   */
  fd = open (source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1 || read (fd, hdr, sizeof hdr) != sizeof hdr
      || memcmp (hdr + 257, "ustar", 5) != 0)
    return false;
  hdr[99] = '\0';
  return ends_with_ci (hdr, ".ovf") || ends_with_ci (source, ".ova");
}

/* ---- reading the package's files -------------------------------- */

/* name (relative to the directory) as a canonical path inside it. */
static char *
resolve_in_dir (const struct ova_input *h, const char *name)
{
  CLEANUP_FREE char *joined = NULL;
  size_t n = strlen (h->dir);
  char *real;

  if (asprintf (&joined, "%s/%s", h->dir, ovf_skip_dot_slash (name)) == -1) {
    set_error (errno, "asprintf");
    return NULL;
  }
  real = realpath (joined, NULL);
  if (real == NULL) {
    set_error (errno, "could not open '%s'", joined);
    return NULL;
  }
  if (strncmp (real, h->dir, n) != 0 || (real[n] != '/' && n > 1)) {
    set_error (0, "'%s' is '%s', outside the directory '%s'", joined, real,
               h->dir);
    free (real);
    return NULL;
  }
  return real;
}

/* The stored bytes of the package's file name.  If missing is not NULL
 * and the file is not there, *missing is set (and the error too).
 */
static struct ova_stream *
open_file (const struct ova_input *h, const char *name, bool *missing)
{
  CLEANUP_FREE char *path = NULL;
  const struct ova_member *m;

  if (h->ova) {
    m = ova_archive_find (h->ova, name);
    if (m == NULL) {
      set_error (0, "'%s' is not in '%s'", name, h->ova->path);
      if (missing)
        *missing = true;
      return NULL;
    }
    return ova_stream_member (h->ova, m);
  }
  path = resolve_in_dir (h, name);
  if (path == NULL) {
    if (missing)
      *missing = get_errno () == ENOENT;
    return NULL;
  }
  return ova_stream_file (path);
}

/* Reads all of s (at most max bytes) into *buf, which the caller frees.
 * Closes s.
 */
static int
read_all (struct ova_stream *s, size_t max, char **buf, size_t *len)
{
  uint64_t done, total;
  ssize_t r;

  *buf = NULL;
  ova_stream_progress (s, &done, &total);
  if (total > max) {
    set_error (0, "'%s' is too large (%" PRIu64 " bytes, at most %zu)",
               ova_stream_name (s), total, max);
    ova_stream_close (s);
    return -1;
  }
  *buf = malloc (total + 1);
  if (*buf == NULL) {
    set_error (errno, "malloc");
    ova_stream_close (s);
    return -1;
  }
  r = ova_stream_read_head (s, *buf, total);
  ova_stream_close (s);
  if (r == -1) {
    free (*buf);
    *buf = NULL;
    return -1;
  }
  *len = r;
  return 0;
}

/* ---- open, close ------------------------------------------------- */

/* The .ovf and .mf members of the OVA. */
static int
find_members (struct ova_input *h)
{
  const struct ova_archive *ova = h->ova;
  const struct ova_member *mf = NULL;
  CLEANUP_FREE char *mf_name = NULL;
  int n_ovf = 0, n_mf = 0;

  for (size_t i = 0; i < ova->members.len; ++i) {
    const char *name = ova->members.ptr[i].name;

    if (ends_with_ci (name, ".ovf") && n_ovf++ == 0)
      h->ovf_name = strdup (name);
    if (ends_with_ci (name, ".mf") && n_mf++ == 0)
      mf = &ova->members.ptr[i];
  }
  if (n_ovf != 1) {
    set_error (0, "'%s' holds %d .ovf descriptors (an OVA has one)", ova->path,
               n_ovf);
    return -1;
  }
  if (h->ovf_name == NULL
      || asprintf (&mf_name, "%.*s.mf", (int) strlen (h->ovf_name) - 4,
                   h->ovf_name)
             == -1) {
    set_error (errno, "out of memory");
    return -1;
  }
  if (ova_archive_find (ova, mf_name))
    mf = ova_archive_find (ova, mf_name);
  else if (n_mf != 1)
    mf = NULL;
  if (mf && (h->mf_name = strdup (mf->name)) == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  h->ovf_what = strdup (h->ovf_name);
  if (h->ovf_what == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  return 0;
}

/* Is there a file called name in dir? */
static bool
file_exists (const char *dir, const char *name)
{
  CLEANUP_FREE char *path = NULL;
  struct stat st;

  return asprintf (&path, "%s/%s", dir, name) != -1 && stat (path, &st) == 0;
}

/* The .ovf and .mf files of the directory case. */
static int
find_files (struct ova_input *h, const char *source, bool is_dir)
{
  CLEANUP_FREE char *dir = NULL;
  const char *slash = strrchr (source, '/');
  int n;

  if (is_dir)
    dir = strdup (source);
  else if (slash)
    dir = strndup (source, slash == source ? 1 : slash - source);
  else
    dir = strdup (".");
  if (dir == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  h->dir = realpath (dir, NULL);
  if (h->dir == NULL) {
    set_error (errno, "could not open '%s'", dir);
    return -1;
  }
  if (!is_dir)
    h->ovf_name = strdup (slash ? slash + 1 : source);
  else {
    n = find_ovf_in_dir (h->dir, &h->ovf_name);
    if (n == -1)
      return -1;
    if (n == 0) {
      set_error (0, "'%s' holds no .ovf file", source);
      return -1;
    }
    if (n > 1) {
      set_error (0,
                 "'%s' holds more than one .ovf file: give the one to "
                 "convert",
                 source);
      return -1;
    }
  }
  if (h->ovf_name == NULL
      || asprintf (&h->ovf_what, "%s/%s", h->dir, h->ovf_name) == -1
      || asprintf (&h->mf_name, "%.*s.mf", (int) strlen (h->ovf_name) - 4,
                   h->ovf_name)
             == -1) {
    set_error (errno, "out of memory");
    return -1;
  }
  if (!file_exists (h->dir, h->mf_name)) {
    free (h->mf_name);
    h->mf_name = NULL;
  }
  return 0;
}

static void
free_sources (struct ova_input *h)
{
  for (size_t i = 0; i < h->sources.len; ++i)
    free (h->sources.ptr[i].name);
  disk_source_vector_reset (&h->sources);
}

static void
ova_close (struct input *in)
{
  struct ova_input *h = in->priv;

  if (h == NULL)
    return;
  ova_archive_close (h->ova);
  free (h->dir);
  free (h->ovf_name);
  free (h->mf_name);
  free (h->ovf_what);
  free (h->ovf_buf);
  free_sources (h);
  free (h);
  in->priv = NULL;
}

static int
ova_open (struct input *in, const char *source)
{
  struct ova_input *h;
  struct ova_stream *s;
  struct stat st;

  h = calloc (1, sizeof *h);
  if (h == NULL) {
    set_error (errno, "calloc");
    goto err0;
  }
  in->priv = h;
  if (stat (source, &st) == -1) {
    set_error (errno, "could not open '%s'", source);
    goto err1;
  }
  if (S_ISDIR (st.st_mode) || ends_with_ci (source, ".ovf")) {
    if (find_files (h, source, S_ISDIR (st.st_mode)) == -1)
      goto err1;
  }
  else {
    h->ova = ova_archive_open (source);
    if (h->ova == NULL || find_members (h) == -1)
      goto err1;
  }
  /* The .ovf is the file the user named: it may be a symbolic link. */
  s = h->ova ? open_file (h, h->ovf_name, NULL)
             : ova_stream_file (h->ovf_what);
  if (s == NULL || read_all (s, OVF_MAX_BYTES, &h->ovf_buf, &h->ovf_len) == -1)
    goto err1;
  return 0;

err1:
  ova_close (in);
err0:
  return -1;
}

/* ---- the manifest ------------------------------------------------ */

/* Hashes all of s (closing it) into hex. */
static int
hash_stream (struct ova_stream *s, const struct nettle_hash *hash, char *hex)
{
  CLEANUP_FREE void *ctx = malloc (hash->context_size);
  unsigned char digest[OVA_MANIFEST_MAX_DIGEST];
  const void *buf;
  ssize_t r;

  if (ctx == NULL) {
    set_error (errno, "malloc");
    ova_stream_close (s);
    return -1;
  }
  hash->init (ctx);
  while ((r = ova_stream_read (s, &buf)) > 0)
    hash->update (ctx, r, buf);
  ova_stream_close (s);
  if (r == -1)
    return -1;
  hash->digest (ctx, hash->digest_size, digest);
  ova_hex (digest, hash->digest_size, hex);
  return 0;
}

static int
check_entry (const struct ova_input *h, const struct ova_manifest_entry *e)
{
  const char *why = ovf_unsafe_name (ovf_skip_dot_slash (e->file));
  char hex[sizeof e->hex];
  struct ova_stream *s;
  bool missing = false;

  if (why) {
    set_error (0, "'%s' line %d: file name '%s' %s", h->mf_name, e->lineno,
               e->file, why);
    return -1;
  }
  s = open_file (h, e->file, &missing);
  if (s == NULL) {
    if (missing)
      set_error (0, "'%s' is named by the manifest '%s' but is not in '%s'",
                 e->file, h->mf_name, h->ova ? h->ova->path : h->dir);
    return -1;
  }
  if (hash_stream (s, e->hash, hex) == -1)
    return -1;
  if (strcmp (hex, e->hex) != 0) {
    set_error (0,
               "'%s': %s checksum mismatch (manifest says %s, file has "
               "%s)",
               e->file, e->alg, e->hex, hex);
    return -1;
  }
  return 0;
}

static int
verify_manifest (const struct ova_input *h)
{
  CLEANUP_FREE char *buf = NULL;
  ova_manifest m = empty_vector;
  struct ova_stream *s;
  size_t len;
  int r = 0;

  if (h->mf_name == NULL)
    return 0;
  s = open_file (h, h->mf_name, NULL);
  if (s == NULL || read_all (s, MAX_MANIFEST_BYTES, &buf, &len) == -1
      || ova_manifest_parse (buf, len, h->mf_name, &m) == -1)
    return -1;
  for (size_t i = 0; r == 0 && i < m.len; ++i)
    r = check_entry (h, &m.ptr[i]);
  ova_manifest_free (&m);
  return r;
}

/* ---- disks ------------------------------------------------------- */

/* The bytes of disk src, decompressed. */
static struct ova_stream *
open_disk (const struct ova_input *h, const struct disk_source *src)
{
  struct ova_stream *s
      = h->ova ? open_file (h, src->name, NULL) : ova_stream_file (src->name);

  if (s && src->gzip)
    s = ova_stream_gunzip (s);
  return s;
}

/* The data starting with head (len bytes of size) must be a VMDK that
 * QEMU reads without opening another file.
 */
static int
check_vmdk (const char *name, const void *head, size_t len, uint64_t size,
            uint64_t *capacity)
{
  struct vmdk *v = vmdk_parse_sparse (name, head, len, size);
  int r = -1;

  if (v == NULL)
    return -1;
  if (v->parent_hint || v->parent_cid != VMDK_NO_PARENT)
    set_error (0,
               "'%s' is a snapshot (it names a parent disk): a disk of an "
               "OVF package must stand alone",
               name);
  else if (vmdk_qemu_format (v) != NULL) {
    *capacity = v->capacity;
    r = 0;
  }
  vmdk_free (v);
  return r;
}

/* Reads the start of disk src and checks it (see check_vmdk). */
static int
check_disk (const struct ova_input *h, const struct disk_source *src,
            uint64_t *capacity)
{
  CLEANUP_FREE char *head = malloc (HEAD_BYTES);
  struct ova_stream *s;
  uint64_t done, size;
  ssize_t len;
  int r;

  if (head == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  s = open_disk (h, src);
  if (s == NULL)
    return -1;
  len = ova_stream_read_head (s, head, HEAD_BYTES);
  ova_stream_progress (s, &done, &size);
  if (src->gzip)
    size = len < HEAD_BYTES ? (uint64_t) len : UINT64_MAX;
  r = len == -1 ? -1
                : check_vmdk (ova_stream_name (s), head, len, size, capacity);
  ova_stream_close (s);
  return r;
}

/* json:{"file":{"driver":"raw","offset":...}} reading member m. */
static char *
json_path (const struct ova_archive *ova, const struct ova_member *m)
{
  char *buf = NULL;
  size_t len;
  FILE *fp = open_memstream (&buf, &len);

  if (fp == NULL) {
    set_error (errno, "open_memstream");
    return NULL;
  }
  fprintf (fp,
           "json:{\"file\":{\"driver\":\"raw\",\"offset\":%" PRIu64
           ",\"size\":%" PRIu64 ",\"file\":{\"driver\":\"file\","
           "\"filename\":",
           m->offset, m->size);
  json_write_string (fp, ova->path);
  fputs ("}}}", fp);
  if (fclose (fp) == EOF) {
    set_error (errno, "open_memstream");
    free (buf);
    return NULL;
  }
  return buf;
}

/* Where disk d's data is (src), and its path. */
static int
locate_disk (const struct ova_input *h, const struct ovf_file *f,
             struct vm_disk *d, struct disk_source *src)
{
  const struct ova_member *m;

  src->gzip = f->gzip;
  if (h->ova == NULL) {
    src->name = resolve_in_dir (h, f->href);
    if (src->name == NULL)
      return -1;
    d->path = strdup (src->name);
    d->import = f->gzip;
  }
  else {
    m = ova_archive_find (h->ova, f->href);
    if (m == NULL) {
      set_error (0, "'%s' is not in '%s'", f->href, h->ova->path);
      return -1;
    }
    src->name = strdup (m->name);
    d->import = f->gzip || !m->in_place;
    if (d->import) {
      if (asprintf (&d->path, "%s:%s", h->ova->path, m->name) == -1)
        d->path = NULL;
    }
    else if ((d->path = json_path (h->ova, m)) == NULL)
      return -1;
  }
  if (src->name == NULL || d->path == NULL) {
    set_error (errno, "out of memory");
    return -1;
  }
  return 0;
}

static int
describe_disk (struct input *in, struct ova_input *h, const struct ovf_file *f,
               struct vm_disk *d)
{
  struct disk_source src = { 0 };
  uint64_t capacity;

  if (locate_disk (h, f, d, &src) == -1) {
    free (src.name);
    prefix_error ("'%s': disk '%s'", h->ovf_what, f->disk_id);
    return -1;
  }
  if (disk_source_vector_append (&h->sources, src) == -1) {
    set_error (errno, "out of memory");
    free (src.name);
    return -1;
  }
  if (check_disk (h, &src, &capacity) == -1) {
    prefix_error ("'%s': disk '%s'", h->ovf_what, f->disk_id);
    return -1;
  }
  if (d->capacity && d->capacity != capacity)
    input_warn (in,
                "'%s': disk '%s': the descriptor says %" PRIu64
                " bytes, the VMDK %" PRIu64 "; using the VMDK's",
                h->ovf_what, f->disk_id, d->capacity, capacity);
  d->capacity = capacity;
  return 0;
}

static int
ova_describe (struct input *in, struct vm *out)
{
  struct ova_input *h = in->priv;
  struct ovf ovf;
  int r = 0;

  free_sources (h);
  if (ovf_parse (h->ovf_buf, h->ovf_len, h->ovf_what, &ovf) == -1)
    return -1;
  for (size_t i = 0; i < ovf.warnings.len; ++i)
    input_warn (in, "%s", ovf.warnings.ptr[i]);
  if (!in->opts.no_verify)
    r = verify_manifest (h);
  for (size_t i = 0; r == 0 && i < ovf.vm.disks.len; ++i)
    r = describe_disk (in, h, &ovf.files.ptr[i], &ovf.vm.disks.ptr[i]);
  if (r == 0) {
    *out = ovf.vm;
    memset (&ovf.vm, 0, sizeof ovf.vm);
  }
  ovf_free (&ovf);
  return r;
}

/* ---- import ------------------------------------------------------ */

static bool
all_zero (const unsigned char *p, size_t n)
{
  return n == 0 || (p[0] == 0 && memcmp (p, p + 1, n - 1) == 0);
}

/* Writes the n bytes at p to fd at off, leaving holes for zero runs. */
static int
write_sparse (int fd, const char *dest, const unsigned char *p, size_t n,
              uint64_t off)
{
  for (size_t i = 0; i < n;) {
    size_t len = n - i < ZERO_CHUNK ? n - i : ZERO_CHUNK;
    ssize_t w;

    if (all_zero (p + i, len)) {
      i += len;
      continue;
    }
    w = pwrite (fd, p + i, len, off + i);
    if (w == -1 && errno == EINTR)
      continue;
    if (w <= 0) {
      set_error (w == -1 ? errno : EIO, "could not write '%s'", dest);
      return -1;
    }
    i += w;
  }
  return 0;
}

static int
ova_import_disk (struct input *in, const struct vm *vm, size_t index,
                 const char *dest, copy_progress_fn progress, void *opaque)
{
  const struct ova_input *h = in->priv;
  struct ova_stream *s;
  CLEANUP_CLOSE int fd = -1;
  uint64_t pos = 0, done, total;
  const void *buf;
  ssize_t r;

  if (index >= h->sources.len) {
    set_error (0, "ova input: no disk %zu", index);
    return -1;
  }
  s = open_disk (h, &h->sources.ptr[index]);
  if (s == NULL)
    return -1;
  fd = open (dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd == -1) {
    set_error (errno, "could not create '%s'", dest);
    ova_stream_close (s);
    return -1;
  }
  while ((r = ova_stream_read (s, &buf)) > 0) {
    if (write_sparse (fd, dest, buf, r, pos) == -1) {
      r = -1;
      break;
    }
    pos += r;
    ova_stream_progress (s, &done, &total);
    if (progress)
      progress (opaque, done, total);
  }
  ova_stream_close (s);
  if (r == -1)
    return -1;
  if (ftruncate (fd, pos) == -1) {
    set_error (errno, "could not write '%s'", dest);
    return -1;
  }
  r = close (fd);
  fd = -1;
  if (r == -1) {
    set_error (errno, "could not write '%s'", dest);
    return -1;
  }
  return 0;
}

const struct input_ops ova_input_ops = {
  .name = "ova",
  .probe = ova_probe,
  .open = ova_open,
  .describe = ova_describe,
  .import_disk = ova_import_disk,
  .close = ova_close,
};
