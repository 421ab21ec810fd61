/* vmshift: the members of an OVA (ova-archive.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "errors.h"
#include "ova-archive.h"
#include "ovf-parse.h"

#define BLOCK (1024 * 1024) /* bytes a stream returns at most at once */

/* Where a stream's bytes come from. */
enum source {
  FROM_MAP,     /* a range of the mapping: p, left */
  FROM_ARCHIVE, /* a libarchive reader (the tar, or gunzip over inner) */
  FROM_FD,      /* a plain file */
};

struct ova_stream {
  enum source from;
  char *name; /* for messages; owned */
  const unsigned char *p;
  uint64_t left;
  struct archive *a;
  struct ova_stream *inner; /* gunzip: the compressed bytes */
  int fd;
  unsigned char *buf; /* BLOCK bytes (FROM_ARCHIVE on the tar, FROM_FD) */
  uint64_t done, total;
};

/* ---- opening and indexing ---------------------------------------- */

static struct archive *
new_tar_reader (const struct ova_archive *ova)
{
  struct archive *a = archive_read_new ();

  if (a == NULL) {
    set_error (ENOMEM, "archive_read_new");
    return NULL;
  }
  /* Only the filters libarchive has built in (filter_all would run
   * external programs for some): OVAs are plain tars; gzip covers a
   * tar.gz called .ova.
   */
  if (archive_read_support_format_tar (a) != ARCHIVE_OK
      || archive_read_support_filter_gzip (a) < ARCHIVE_WARN
      || archive_read_open_memory (a, (void *) ova->map, ova->size)
             != ARCHIVE_OK) {
    set_error (0, "'%s' is not a tar file (an OVA is one): %s", ova->path,
               archive_error_string (a));
    archive_read_free (a);
    return NULL;
  }
  return a;
}

/* The next entry, 1; the end, 0; -1 with the error set. */
static int
next_entry (const struct ova_archive *ova, struct archive *a,
            struct archive_entry **e)
{
  int r = archive_read_next_header (a, e);

  if (r == ARCHIVE_EOF)
    return 0;
  if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
    return 1;
  set_error (0, "'%s' is truncated or corrupt: %s", ova->path,
             archive_error_string (a));
  return -1;
}

/* Refuses what an OVA never holds.  1 for a regular file, 0 for a
 * directory (skipped), -1 with the error set.
 */
static int
check_entry (const struct ova_archive *ova, struct archive_entry *e,
             const char *name)
{
  const char *why = ovf_unsafe_name (ovf_skip_dot_slash (name));
  mode_t type = archive_entry_filetype (e);

  if (archive_entry_hardlink (e) != NULL)
    why = "is a hard link";
  else if (type == AE_IFLNK || archive_entry_symlink (e) != NULL)
    why = "is a symbolic link";
  else if (type != AE_IFREG && type != AE_IFDIR)
    why = "is not a regular file";
  if (why) {
    set_error (0, "'%s': member '%s' %s; refusing the OVA", ova->path, name,
               why);
    return -1;
  }
  return type == AE_IFREG;
}

/* Walks the data of the current entry: is it one range of the map?
 * For a plain tar read from memory, libarchive hands out pointers into
 * the buffer it was given; anything else (its own buffer, holes of a
 * sparse member) means the member must be streamed.
 */
static int
locate_data (const struct ova_archive *ova, struct archive *a,
             struct ova_member *m)
{
  const uintptr_t base = (uintptr_t) ova->map;
  uint64_t got = 0;

  m->in_place = true;
  m->offset = 0;
  for (;;) {
    const void *buf;
    size_t len;
    la_int64_t off;
    uintptr_t at;
    int r = archive_read_data_block (a, &buf, &len, &off);

    if (r == ARCHIVE_EOF)
      break;
    if (r < ARCHIVE_WARN) {
      set_error (0, "'%s': member '%s' is truncated or corrupt: %s", ova->path,
                 m->name, archive_error_string (a));
      return -1;
    }
    if (len == 0)
      continue;
    at = (uintptr_t) buf - base; /* wraps if buf is below the map */
    if (got == 0)
      m->offset = at;
    if ((uintptr_t) buf < base || at >= ova->size || ova->size - at < len
        || off < 0 || (uint64_t) off != got || at != m->offset + got) {
      m->in_place = false; /* read by streaming; skip the rest */
      return 0;
    }
    got += len;
  }
  if (got != m->size)
    m->in_place = false;
  return 0;
}

static int
add_member (struct ova_archive *ova, struct archive *a,
            struct archive_entry *e, const char *name, size_t entry)
{
  struct ova_member m = { .entry = entry };

  if (ova->members.len >= OVA_MAX_MEMBERS) {
    set_error (0, "'%s' has more than %d members", ova->path, OVA_MAX_MEMBERS);
    return -1;
  }
  if (ova_archive_find (ova, name) != NULL) {
    set_error (0, "'%s': member '%s' is there twice; refusing the OVA",
               ova->path, name);
    return -1;
  }
  m.name = strdup (ovf_skip_dot_slash (name));
  if (m.name == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  m.size = archive_entry_size (e) < 0 ? 0 : archive_entry_size (e);
  if (locate_data (ova, a, &m) == -1) {
    free (m.name);
    return -1;
  }
  if (ova_member_vector_append (&ova->members, m) == -1) {
    set_error (errno, "out of memory");
    free (m.name);
    return -1;
  }
  return 0;
}

static int
index_members (struct ova_archive *ova)
{
  struct archive *a = new_tar_reader (ova);
  struct archive_entry *e;
  size_t entry = 0;
  int r;

  if (a == NULL)
    return -1;
  while ((r = next_entry (ova, a, &e)) == 1) {
    const char *name = archive_entry_pathname (e);
    int type;

    if (name == NULL) {
      set_error (0, "'%s': member %zu has no name that can be read", ova->path,
                 entry);
      r = -1;
      break;
    }
    type = check_entry (ova, e, name);
    if (type == -1
        || (type == 1 && add_member (ova, a, e, name, entry) == -1)) {
      r = -1;
      break;
    }
    entry++;
  }
  archive_read_free (a);
  if (r == 0 && ova->members.len == 0) {
    set_error (0, "'%s' holds no files", ova->path);
    r = -1;
  }
  return r;
}

struct ova_archive *
ova_archive_open (const char *path)
{
  struct ova_archive *ova;
  struct stat st;
  int fd = -1;
  void *map;

  ova = calloc (1, sizeof *ova);
  if (ova == NULL) {
    set_error (errno, "calloc");
    goto err0;
  }
  ova->path = realpath (path, NULL);
  if (ova->path == NULL) {
    set_error (errno, "could not open '%s'", path);
    goto err1;
  }
  fd = open (ova->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd == -1 || fstat (fd, &st) == -1) {
    set_error (errno, "could not open '%s'", ova->path);
    goto err2;
  }
  if (!S_ISREG (st.st_mode) || st.st_size == 0
      || (uint64_t) st.st_size > SIZE_MAX) {
    set_error (0, "'%s' is %s", ova->path,
               S_ISREG (st.st_mode)
                   ? (st.st_size ? "too large to map" : "empty")
                   : "not a regular file");
    goto err2;
  }
  map = mmap (NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    set_error (errno, "could not map '%s'", ova->path);
    goto err2;
  }
  close (fd);
  ova->map = map;
  ova->size = st.st_size;
  if (index_members (ova) == -1)
    goto err3;
  return ova;

err3:
  ova_archive_close (ova);
  return NULL;
err2:
  if (fd >= 0)
    close (fd);
  free (ova->path);
err1:
  free (ova);
err0:
  return NULL;
}

void
ova_archive_close (struct ova_archive *ova)
{
  if (ova == NULL)
    return;
  for (size_t i = 0; i < ova->members.len; ++i)
    free (ova->members.ptr[i].name);
  ova_member_vector_reset (&ova->members);
  if (ova->map)
    munmap ((void *) ova->map, ova->size);
  free (ova->path);
  free (ova);
}

const struct ova_member *
ova_archive_find (const struct ova_archive *ova, const char *name)
{
  name = ovf_skip_dot_slash (name);
  for (size_t i = 0; i < ova->members.len; ++i) {
    if (strcmp (ova->members.ptr[i].name, name) == 0)
      return &ova->members.ptr[i];
  }
  return NULL;
}

/* ---- streams ----------------------------------------------------- */

static struct ova_stream *
new_stream (enum source from, const char *name, bool want_buf)
{
  struct ova_stream *s = calloc (1, sizeof *s);

  if (s == NULL) {
    set_error (errno, "calloc");
    return NULL;
  }
  s->from = from;
  s->fd = -1;
  s->name = strdup (name);
  if (want_buf)
    s->buf = malloc (BLOCK);
  if (s->name == NULL || (want_buf && s->buf == NULL)) {
    set_error (errno, "out of memory");
    ova_stream_close (s);
    return NULL;
  }
  return s;
}

/* Positions a new reader of the tar at member m's data. */
static struct archive *
open_entry (const struct ova_archive *ova, const struct ova_member *m)
{
  struct archive *a = new_tar_reader (ova);
  struct archive_entry *e;

  const char *name;

  for (size_t i = 0; a && i <= m->entry; ++i) {
    int r = next_entry (ova, a, &e);

    if (r != 1) {
      if (r == 0)
        set_error (0, "'%s' changed while it was read", ova->path);
      archive_read_free (a);
      a = NULL;
    }
  }
  if (a == NULL)
    return NULL;
  name = archive_entry_pathname (e);
  if (name == NULL || strcmp (ovf_skip_dot_slash (name), m->name) != 0) {
    set_error (0, "'%s' changed while it was read", ova->path);
    archive_read_free (a);
    a = NULL;
  }
  return a;
}

struct ova_stream *
ova_stream_member (const struct ova_archive *ova, const struct ova_member *m)
{
  struct ova_stream *s = new_stream (m->in_place ? FROM_MAP : FROM_ARCHIVE,
                                     m->name, !m->in_place);

  if (s == NULL)
    return NULL;
  s->total = m->size;
  if (m->in_place) {
    s->p = ova->map + m->offset;
    s->left = m->size;
    return s;
  }
  s->a = open_entry (ova, m);
  if (s->a == NULL) {
    ova_stream_close (s);
    return NULL;
  }
  return s;
}

struct ova_stream *
ova_stream_file (const char *path)
{
  struct ova_stream *s = new_stream (FROM_FD, path, true);
  struct stat st;

  if (s == NULL)
    return NULL;
  s->fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (s->fd == -1 || fstat (s->fd, &st) == -1) {
    set_error (errno, "could not open '%s'", path);
    ova_stream_close (s);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    set_error (0, "'%s' is not a regular file", path);
    ova_stream_close (s);
    return NULL;
  }
  s->total = st.st_size;
  return s;
}

static la_ssize_t
gunzip_read (struct archive *a, void *opaque, const void **buf)
{
  struct ova_stream *inner = opaque;
  ssize_t r = ova_stream_read (inner, buf);

  if (r == -1)
    archive_set_error (a, EIO, "%s", get_error ());
  return r;
}

struct ova_stream *
ova_stream_gunzip (struct ova_stream *raw)
{
  struct ova_stream *s = new_stream (FROM_ARCHIVE, raw->name, false);
  struct archive_entry *e;

  if (s == NULL) {
    ova_stream_close (raw);
    return NULL;
  }
  s->inner = raw;
  s->a = archive_read_new ();
  if (s->a == NULL) {
    set_error (ENOMEM, "archive_read_new");
    goto err;
  }
  if (archive_read_support_filter_gzip (s->a) < ARCHIVE_WARN
      || archive_read_support_format_raw (s->a) != ARCHIVE_OK
      || archive_read_open (s->a, raw, NULL, gunzip_read, NULL) != ARCHIVE_OK
      || archive_read_next_header (s->a, &e) != ARCHIVE_OK) {
    set_error (0, "'%s': %s", s->name, archive_error_string (s->a));
    goto err;
  }
  if (archive_filter_code (s->a, 0) != ARCHIVE_FILTER_GZIP) {
    set_error (0, "'%s' is not gzip-compressed", s->name);
    goto err;
  }
  return s;

err:
  ova_stream_close (s);
  return NULL;
}

ssize_t
ova_stream_read (struct ova_stream *s, const void **buf)
{
  ssize_t r;

  switch (s->from) {
    case FROM_MAP:
      r = s->left < BLOCK ? (ssize_t) s->left : BLOCK;
      *buf = s->p;
      s->p += r;
      s->left -= r;
      break;
    case FROM_FD:
      do
        r = read (s->fd, s->buf, BLOCK);
      while (r == -1 && errno == EINTR);
      if (r == -1) {
        set_error (errno, "could not read '%s'", s->name);
        return -1;
      }
      *buf = s->buf;
      break;
    case FROM_ARCHIVE:
    default:
      if (s->inner) {
        size_t len;
        la_int64_t off;
        int ar = archive_read_data_block (s->a, buf, &len, &off);

        if (ar == ARCHIVE_EOF)
          return 0;
        if (ar < ARCHIVE_WARN) {
          set_error (0, "'%s': %s", s->name, archive_error_string (s->a));
          return -1;
        }
        return len; /* done: see ova_stream_progress */
      }
      r = archive_read_data (s->a, s->buf, BLOCK);
      if (r < 0) {
        set_error (0, "'%s' is truncated or corrupt: %s", s->name,
                   archive_error_string (s->a));
        return -1;
      }
      *buf = s->buf;
  }
  s->done += r;
  return r;
}

ssize_t
ova_stream_read_head (struct ova_stream *s, void *buf, size_t max)
{
  size_t got = 0;

  while (got < max) {
    const void *p;
    ssize_t r = ova_stream_read (s, &p);
    size_t n;

    if (r == -1)
      return -1;
    if (r == 0)
      break;
    n = (size_t) r < max - got ? (size_t) r : max - got;
    memcpy ((char *) buf + got, p, n);
    got += n;
  }
  return got;
}

void
ova_stream_progress (const struct ova_stream *s, uint64_t *done,
                     uint64_t *total)
{
  while (s->inner)
    s = s->inner;
  *done = s->done;
  *total = s->total;
}

const char *
ova_stream_name (const struct ova_stream *s)
{
  return s->name;
}

void
ova_stream_close (struct ova_stream *s)
{
  if (s == NULL)
    return;
  if (s->a)
    archive_read_free (s->a);
  ova_stream_close (s->inner);
  if (s->fd >= 0)
    close (s->fd);
  free (s->buf);
  free (s->name);
  free (s);
}
