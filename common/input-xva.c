/* vmshift: the xva input driver: a XenServer / XCP-ng export (.xva).
 *
 * The XVA is a tar (plain, or compressed with gzip, zstd, xz or bzip2)
 * read as a stream, never seeking, with libarchive.  describe() reads
 * only its first member, ova.xml (see xva-parse.h for what is taken
 * from it); import_disk() reads the tar again from the start and writes
 * one disk's chunks:
 *
 *   Ref:N/00000000, Ref:N/00000001, ...   the disk's data, 1 MiB each
 *                  (the last may be shorter), numbers increasing; a
 *                  number left out is 1 MiB of zeros.  As XAPI's
 *                  importer, a chunk goes where the one before it ended
 *                  plus 1 MiB for each number skipped: normally at
 *                  number * 1 MiB, and an empty chunk (a keep-alive
 *                  XAPI sends on slow exports) takes no room.
 *   Ref:N/NNNNNNNN.checksum   the SHA1 of the chunk before it, in hex;
 *   Ref:N/NNNNNNNN.xxhash     or its XXH64 (newer XAPI).  Each chunk
 *                  must be followed by one unless --no-verify.
 *
 * The destination is created sparse: its size is set to the VDI's
 * virtual_size first and chunks of zeros are not written.  Memory is
 * one chunk's buffer whatever the disk's size.  A member with an
 * absolute name, a ".." component, a link or a special file is refused,
 * as are chunk names that are not 8 digits, chunks larger than 1 MiB or
 * beyond virtual_size, and a tar that ends early.
 */
#include <config.h>

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

#include <archive.h>
#include <archive_entry.h>
#include <nettle/sha1.h>
#include <xxhash.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "input.h"
#include "vector.h"
#include "vm.h"
#include "xva-parse.h"

#define MAX_CHECKSUM 128 /* bytes in a .checksum or .xxhash member */

struct xva_input {
  char *path;         /* canonical; owned */
  string_vector refs; /* VDI id of each disk, after describe */
};

/* ---- reading the tar ------------------------------------------------ */

static struct archive *
open_archive (const char *path)
{
  struct archive *a = archive_read_new ();

  if (a == NULL) {
    set_error (ENOMEM, "archive_read_new");
    return NULL;
  }
  /* No archive_read_support_filter_all: it would run external programs
   * (lrzip, lzop...) on what the file claims to be.
   */
  archive_read_support_filter_gzip (a);
  archive_read_support_filter_zstd (a);
  archive_read_support_filter_xz (a);
  archive_read_support_filter_bzip2 (a);
  archive_read_support_format_tar (a);
  if (archive_read_open_filename (a, path, 64 * 1024) != ARCHIVE_OK) {
    set_error (0, "could not read '%s': %s", path, archive_error_string (a));
    archive_read_free (a);
    return NULL;
  }
  return a;
}

static void
cleanup_archive (void *ptr)
{
  struct archive *a = *(struct archive **) ptr;

  if (a)
    archive_read_free (a);
}
#define CLEANUP_ARCHIVE __attribute__ ((cleanup (cleanup_archive)))

/* Does name have a ".." component? */
static bool
has_dotdot (const char *name)
{
  for (const char *p = name; p; p = strchr (p, '/')) {
    if (*p == '/')
      p++;
    if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
      return true;
  }
  return false;
}

/* The next member (*entry), 1; 0 at the end; -1 with the error set,
 * also for a member that is not a plain file or directory with a
 * relative name.
 */
static int
next_member (struct archive *a, const char *path, struct archive_entry **entry)
{
  const char *name, *why = NULL;
  int r = archive_read_next_header (a, entry);

  if (r == ARCHIVE_EOF)
    return 0;
  if (r < ARCHIVE_WARN) {
    set_error (0, "'%s': %s", path, archive_error_string (a));
    return -1;
  }
  name = archive_entry_pathname (*entry);
  if (name == NULL || *name == '\0') {
    set_error (0, "'%s': a member has no name (or one not in UTF-8)", path);
    return -1;
  }
  if (name[0] == '/')
    why = "has an absolute name";
  else if (has_dotdot (name))
    why = "has '..' in its name";
  else if (archive_entry_hardlink (*entry))
    why = "is a hard link";
  else if (archive_entry_filetype (*entry) == AE_IFLNK)
    why = "is a symbolic link";
  else if (archive_entry_filetype (*entry) != AE_IFREG
           && archive_entry_filetype (*entry) != AE_IFDIR)
    why = "is not a regular file";
  if (why) {
    set_error (0, "'%s': member '%s' %s; refusing it", path, name, why);
    return -1;
  }
  return 1;
}

/* Reads the current member's data into buf (at most max bytes): its
 * length, or -1 with the error set (also if it holds more than max).
 */
static ssize_t
read_member (struct archive *a, const char *path, const char *name, char *buf,
             size_t max)
{
  size_t got = 0;

  for (;;) {
    char extra;
    ssize_t r = got < max ? archive_read_data (a, buf + got, max - got)
                          : archive_read_data (a, &extra, 1);

    if (r < 0) {
      set_error (0, "'%s': '%s': %s", path, name, archive_error_string (a));
      return -1;
    }
    if (r == 0)
      return got;
    if (got >= max) {
      set_error (0, "'%s': '%s' is larger than %zu bytes", path, name, max);
      return -1;
    }
    got += r;
  }
}

/* ---- probe, open, close --------------------------------------------- */

/* A tar whose first member is ova.xml (or a name ending ".xva"). */
static bool
xva_probe (const char *source)
{
  CLEANUP_CLOSE int fd = -1;
  char hdr[512];
  struct stat st;

  if (ends_with_ci (source, ".xva"))
    return true;
  fd = open (source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1 || fstat (fd, &st) == -1 || !S_ISREG (st.st_mode))
    return false;
  return read (fd, hdr, sizeof hdr) == sizeof hdr
         && memcmp (hdr, "ova.xml\0", 8) == 0
         && memcmp (hdr + 257, "ustar", 5) == 0;
}

static int
xva_open (struct input *in, const char *source)
{
  struct xva_input *h;
  struct stat st;

  if (stat (source, &st) == -1) {
    set_error (errno, "could not open '%s'", source);
    goto err0;
  }
  if (!S_ISREG (st.st_mode)) {
    set_error (0,
               "'%s' is not a regular file (an XVA is read twice: save it "
               "to a file first)",
               source);
    goto err0;
  }
  h = calloc (1, sizeof *h);
  if (h == NULL) {
    set_error (errno, "calloc");
    goto err0;
  }
  h->path = realpath (source, NULL);
  if (h->path == NULL) {
    set_error (errno, "could not resolve '%s'", source);
    goto err1;
  }
  in->priv = h;
  return 0;

err1:
  free (h);
err0:
  return -1;
}

static void
xva_close (struct input *in)
{
  struct xva_input *h = in->priv;

  if (h == NULL)
    return;
  free_string_vector (&h->refs);
  free (h->path);
  free (h);
  in->priv = NULL;
}

/* ---- describe ------------------------------------------------------- */

/* Reads ova.xml, the first member, into a new buffer (*len bytes). */
static char *
read_ova_xml (const char *path, size_t *len)
{
  CLEANUP_ARCHIVE struct archive *a = open_archive (path);
  struct archive_entry *e;
  const char *name;
  char *buf;
  ssize_t n;
  int r;

  if (a == NULL)
    return NULL;
  r = next_member (a, path, &e);
  if (r == -1)
    return NULL;
  name = r ? archive_entry_pathname (e) : "";
  if (r == 0 || strcmp (name, "ova.xml") != 0
      || archive_entry_filetype (e) != AE_IFREG) {
    set_error (0,
               "'%s': the first member is not ova.xml: this is not a "
               "XenServer XVA export",
               path);
    return NULL;
  }
  if (archive_entry_size_is_set (e)
      && archive_entry_size (e) > XVA_MAX_OVA_XML) {
    set_error (0, "'%s': ova.xml is too large (more than %d bytes)", path,
               XVA_MAX_OVA_XML);
    return NULL;
  }
  buf = malloc (archive_entry_size_is_set (e) ? archive_entry_size (e) + 1
                                              : XVA_MAX_OVA_XML);
  if (buf == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  n = read_member (a, path, "ova.xml", buf,
                   archive_entry_size_is_set (e) ? archive_entry_size (e)
                                                 : XVA_MAX_OVA_XML);
  if (n == -1) {
    free (buf);
    return NULL;
  }
  *len = n;
  return buf;
}

static int
xva_describe (struct input *in, struct vm *out)
{
  struct xva_input *h = in->priv;
  CLEANUP_FREE char *xml = NULL, *what = NULL;
  size_t len;

  free_string_vector (&h->refs);
  xml = read_ova_xml (h->path, &len);
  if (xml == NULL)
    return -1;
  if (asprintf (&what, "%s:ova.xml", h->path) == -1) {
    what = NULL;
    set_error (errno, "asprintf");
    return -1;
  }
  if (xva_parse_ova_xml (xml, len, what, h->path, out, &h->refs) == -1) {
    free_string_vector (&h->refs);
    return -1;
  }
  return 0;
}

/* ---- import --------------------------------------------------------- */

struct importer {
  const char *path; /* the XVA */
  const char *ref;  /* the VDI's directory */
  uint64_t size;    /* virtual_size */
  bool verify;
  int fd;    /* destination */
  char *buf; /* XVA_CHUNK bytes */
  copy_progress_fn progress;
  void *opaque;
  int64_t last_index; /* of the last chunk, -1 before the first */
  uint64_t next;      /* offset where the last chunk ended */
  uint64_t chunks;    /* chunks seen */
  /* The chunk read and not yet written (it waits for its checksum). */
  bool pending;
  char name[32]; /* "NNNNNNNN" */
  uint64_t offset;
  size_t len;
};

static bool
all_zero (const char *buf, size_t len)
{
  return len == 0 || (buf[0] == 0 && memcmp (buf, buf + 1, len - 1) == 0);
}

/* Writes the pending chunk (unless it is zeros: the file is sparse). */
static int
flush_chunk (struct importer *im)
{
  size_t done = 0;

  im->pending = false;
  while (!all_zero (im->buf, im->len) && done < im->len) {
    ssize_t r
        = pwrite (im->fd, im->buf + done, im->len - done, im->offset + done);

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      set_error (errno, "could not write the disk '%s' of '%s'", im->ref,
                 im->path);
      return -1;
    }
    done += r;
  }
  if (im->progress)
    im->progress (im->opaque, im->offset + im->len, im->size);
  return 0;
}

/* The pending chunk has no checksum after it. */
static int
no_checksum (struct importer *im)
{
  if (!im->verify)
    return flush_chunk (im);
  set_error (0,
             "'%s': '%s/%s' is not followed by its checksum (.checksum or "
             ".xxhash)",
             im->path, im->ref, im->name);
  return -1;
}

/* A chunk member, number index. */
static int
read_chunk (struct importer *im, struct archive *a, struct archive_entry *e,
            const char *name, int64_t index)
{
  ssize_t n;

  if (im->pending && no_checksum (im) == -1)
    return -1;
  if (index <= im->last_index) {
    set_error (0, "'%s': '%s' comes after chunk %08" PRId64 " (out of order)",
               im->path, name, im->last_index);
    return -1;
  }
  if (archive_entry_size_is_set (e) && archive_entry_size (e) > XVA_CHUNK) {
    set_error (0, "'%s': '%s' is larger than 1 MiB", im->path, name);
    return -1;
  }
  n = read_member (a, im->path, name, im->buf, XVA_CHUNK);
  if (n == -1)
    return -1;
  im->offset = im->next + (uint64_t) (index - im->last_index - 1) * XVA_CHUNK;
  im->len = n;
  if (im->offset > im->size || im->len > im->size - im->offset) {
    set_error (0,
               "'%s': '%s' lies beyond the end of the disk (its "
               "virtual_size is %" PRIu64 " bytes)",
               im->path, name, im->size);
    return -1;
  }
  snprintf (im->name, sizeof im->name, "%08" PRId64, index);
  im->last_index = index;
  im->next = im->offset + im->len;
  im->chunks++;
  im->pending = true;
  return im->verify ? 0 : flush_chunk (im);
}

/* A .checksum (SHA1) or .xxhash (XXH64) member for chunk number. */
static int
check_chunk (struct importer *im, struct archive *a, const char *name,
             const char *number, bool sha1)
{
  char want[MAX_CHECKSUM + 1], got[2 * SHA1_DIGEST_SIZE + 1];
  const char *w;
  ssize_t n;

  if (!im->verify)
    return 0;
  if (!im->pending || strcmp (number, im->name) != 0) {
    set_error (0, "'%s': '%s' is the checksum of a chunk that is not there",
               im->path, name);
    return -1;
  }
  n = read_member (a, im->path, name, want, MAX_CHECKSUM);
  if (n == -1)
    return -1;
  want[n] = '\0';
  while (n > 0 && strchr (" \t\r\n", want[n - 1]))
    want[--n] = '\0';
  w = want + strspn (want, " \t\r\n");
  if (sha1) {
    struct sha1_ctx ctx;
    uint8_t digest[SHA1_DIGEST_SIZE];

    sha1_init (&ctx);
    sha1_update (&ctx, im->len, (const uint8_t *) im->buf);
    sha1_digest (&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; ++i)
      snprintf (got + 2 * i, 3, "%02x", digest[i]);
  }
  else
    snprintf (got, sizeof got, "%016llX",
              (unsigned long long) XXH64 (im->buf, im->len, 0));
  if (strcasecmp (w, got) != 0) {
    set_error (0, "'%s': '%s/%s': %s checksum mismatch", im->path, im->ref,
               im->name, sha1 ? "SHA1" : "XXH64");
    return -1;
  }
  return flush_chunk (im);
}

/* A member in the disk's directory: suffix is the name after "REF/". */
static int
disk_member (struct importer *im, struct archive *a, struct archive_entry *e,
             const char *name, const char *suffix)
{
  char number[9];
  const char *ext = suffix + strspn (suffix, "0123456789");

  if (*suffix == '\0' && archive_entry_filetype (e) == AE_IFDIR)
    return 0;
  if (ext - suffix != 8 || archive_entry_filetype (e) != AE_IFREG
      || (*ext && strcmp (ext, ".checksum") != 0
          && strcmp (ext, ".xxhash") != 0)) {
    set_error (0,
               "'%s': '%s' is not a chunk (8 digits, then nothing, "
               "\".checksum\" or \".xxhash\")",
               im->path, name);
    return -1;
  }
  memcpy (number, suffix, 8);
  number[8] = '\0';
  if (*ext == '\0')
    return read_chunk (im, a, e, name, strtoll (number, NULL, 10));
  return check_chunk (im, a, name, number, strcmp (ext, ".checksum") == 0);
}

static int
import_stream (struct importer *im)
{
  CLEANUP_ARCHIVE struct archive *a = open_archive (im->path);
  size_t reflen = strlen (im->ref);
  struct archive_entry *e;
  int r;

  if (a == NULL)
    return -1;
  while ((r = next_member (a, im->path, &e)) == 1) {
    const char *name = archive_entry_pathname (e);

    if (strncmp (name, im->ref, reflen) != 0 || name[reflen] != '/') {
      /* Another disk's chunk or ova.xml: the chunk waiting for its
       * checksum will not get one.
       */
      if (im->pending && no_checksum (im) == -1)
        return -1;
      continue;
    }
    if (disk_member (im, a, e, name, name + reflen + 1) == -1)
      return -1;
  }
  if (r == -1)
    return -1;
  if (im->pending && no_checksum (im) == -1)
    return -1;
  if (im->chunks == 0) {
    set_error (0,
               "'%s' holds no data for disk '%s' (a metadata-only "
               "export?)",
               im->path, im->ref);
    return -1;
  }
  if (im->progress)
    im->progress (im->opaque, im->size, im->size);
  return 0;
}

static int
xva_import_disk (struct input *in, const struct vm *vm, size_t index,
                 const char *dest, copy_progress_fn progress, void *opaque)
{
  const struct xva_input *h = in->priv;
  CLEANUP_FREE char *buf = NULL;
  struct importer im = {
    .path = h->path,
    .verify = !in->opts.no_verify,
    .fd = -1,
    .progress = progress,
    .opaque = opaque,
    .last_index = -1,
  };
  int r;

  if (index >= h->refs.len) {
    set_error (0, "'%s': disk %zu was not described", h->path, index);
    return -1;
  }
  im.ref = h->refs.ptr[index];
  im.size = vm->disks.ptr[index].capacity;
  buf = im.buf = malloc (XVA_CHUNK);
  if (buf == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  im.fd
      = open (dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0644);
  if (im.fd == -1) {
    set_error (errno, "could not create '%s'", dest);
    return -1;
  }
  if (ftruncate (im.fd, im.size) == -1) {
    set_error (errno, "could not set the size of '%s'", dest);
    close (im.fd);
    return -1;
  }
  r = import_stream (&im);
  if (close (im.fd) == -1 && r == 0) {
    set_error (errno, "could not write '%s'", dest);
    r = -1;
  }
  return r;
}

const struct input_ops xva_input_ops = {
  .name = "xva",
  .probe = xva_probe,
  .open = xva_open,
  .describe = xva_describe,
  .import_disk = xva_import_disk,
  .close = xva_close,
};
