/* vmshift: the disk copy engine (copy-engine.h). */
#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <libnbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanups.h"
#include "command.h"
#include "copy-engine.h"
#include "errors.h"
#include "vector.h"

#define BLOCK (4 * 1024 * 1024)
#define STATUS_SPAN (1024ULL * 1024 * 1024)

struct extent {
  uint64_t offset, length;
};
DEFINE_VECTOR_TYPE (extent_vector, struct extent);

static void
set_nbd_error (const char *what)
{
  set_error (nbd_get_errno (), "%s: %s", what,
             nbd_get_error () ? nbd_get_error () : "NBD failed");
}

/* Serves file through qemu-nbd on a private socket (socket activation). */
static struct nbd_handle *
open_nbd (const char *file, const char *format, bool readonly)
{
  struct nbd_handle *h = nbd_create ();
  const char *argv[12];
  size_t n = 0;

  if (h == NULL) {
    set_nbd_error ("nbd_create");
    return NULL;
  }
  argv[n++] = "qemu-nbd";
  if (readonly)
    argv[n++] = "--read-only";
  if (format) {
    argv[n++] = "--format";
    argv[n++] = format;
  }
  argv[n++] = "--cache=writeback";
  argv[n++] = "--aio=threads";
  argv[n++] = file;
  argv[n] = NULL;
  if (nbd_add_meta_context (h, LIBNBD_CONTEXT_BASE_ALLOCATION) == -1
      || nbd_connect_systemd_socket_activation (h, (char **) argv) == -1) {
    set_nbd_error (file);
    nbd_close (h);
    return NULL;
  }
  return h;
}

struct status_ctx {
  extent_vector *data;
  uint64_t offset;  /* where this reply starts */
  uint64_t covered; /* bytes of the request the reply covered */
  int err;
};

static int
status_cb (void *opaque, const char *metacontext, uint64_t offset,
           uint32_t *entries, size_t nr_entries, int *error)
{
  struct status_ctx *c = opaque;
  uint64_t pos = offset;

  if (strcmp (metacontext, LIBNBD_CONTEXT_BASE_ALLOCATION) != 0)
    return 0;
  for (size_t i = 0; i + 1 < nr_entries; i += 2) {
    uint64_t len = entries[i];
    bool zero = entries[i + 1] & LIBNBD_STATE_ZERO;

    if (!zero) {
      extent_vector *v = c->data;
      if (v->len > 0
          && v->ptr[v->len - 1].offset + v->ptr[v->len - 1].length == pos)
        v->ptr[v->len - 1].length += len;
      else if (extent_vector_append (v, (struct extent){ pos, len }) == -1) {
        c->err = errno;
        return -1;
      }
    }
    pos += len;
  }
  c->covered = pos - offset;
  return 0;
}

/* Lists the source's data extents (everything that is not known zero). */
static int
map_data (struct nbd_handle *src, uint64_t size, extent_vector *data,
          uint64_t *total)
{
  uint64_t off = 0;
  bool have_status
      = nbd_can_meta_context (src, LIBNBD_CONTEXT_BASE_ALLOCATION) > 0;

  *total = 0;
  if (!have_status) {
    if (size && extent_vector_append (data, (struct extent){ 0, size }) == -1)
      goto nomem;
    *total = size;
    return 0;
  }
  while (off < size) {
    uint64_t span = size - off < STATUS_SPAN ? size - off : STATUS_SPAN;
    struct status_ctx c = { data, off, 0, 0 };
    if (nbd_block_status (
            src, span, off,
            (nbd_extent_callback){ .callback = status_cb, .user_data = &c }, 0)
        == -1) {
      if (c.err)
        goto nomem;
      set_nbd_error ("reading the source's allocation map");
      return -1;
    }
    if (c.covered == 0) {
      set_error (0, "the source's allocation map made no progress at %" PRIu64,
                 off);
      return -1;
    }
    off += c.covered < span ? c.covered : span;
  }
  /* The last reply may run past the end. */
  while (data->len && data->ptr[data->len - 1].offset >= size)
    data->len--;
  if (data->len
      && data->ptr[data->len - 1].offset + data->ptr[data->len - 1].length
             > size)
    data->ptr[data->len - 1].length = size - data->ptr[data->len - 1].offset;
  for (size_t i = 0; i < data->len; ++i)
    *total += data->ptr[i].length;
  return 0;

nomem:
  set_error (ENOMEM, "mapping the source");
  return -1;
}

static bool
is_zero (const char *buf, size_t n)
{
  static const char zero[4096];

  for (size_t off = 0; off < n; off += sizeof zero) {
    size_t len = n - off < sizeof zero ? n - off : sizeof zero;
    if (memcmp (buf + off, zero, len) != 0)
      return false;
  }
  return true;
}

/* The destination: a raw file written directly, or any format through a
 * writable qemu-nbd.
 */
struct dst {
  int fd;
  struct nbd_handle *nbd;
  bool created; /* we created the file: remove it on failure */
};

static int
dst_open (struct dst *d, const char *file, const char *format, uint64_t size)
{
  d->fd = -1;
  d->nbd = NULL;
  d->created = false;
  if (strcmp (format, "raw") == 0) {
    d->fd = open (file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (d->fd == -1) {
      set_error (errno, "could not create '%s'", file);
      return -1;
    }
    d->created = true;
    if (ftruncate (d->fd, size) == -1) {
      set_error (errno, "'%s': could not set the size", file);
      return -1;
    }
    return 0;
  }
  if (access (file, F_OK) == 0) {
    set_error (EEXIST, "could not create '%s'", file);
    return -1;
  }
  d->created = true; /* qemu-img may leave a partial file */
  char sizestr[32];
  snprintf (sizestr, sizeof sizestr, "%" PRIu64, size);
  const char *argv[]
      = { "qemu-img", "create", "-q", "-f", format, file, sizestr, NULL };
  if (run_command (argv) == -1)
    return -1;
  d->nbd = open_nbd (file, format, false);
  return d->nbd ? 0 : -1;
}

static int
dst_write (struct dst *d, const char *buf, size_t n, uint64_t off,
           const char *file)
{
  if (d->nbd) {
    if (nbd_pwrite (d->nbd, buf, n, off, 0) == -1) {
      set_nbd_error (file);
      return -1;
    }
    return 0;
  }
  for (size_t done = 0; done < n;) {
    ssize_t r = pwrite (d->fd, buf + done, n - done, off + done);
    if (r == -1) {
      set_error (errno, "writing '%s'", file);
      return -1;
    }
    done += r;
  }
  return 0;
}

static int
dst_read (struct dst *d, char *buf, size_t n, uint64_t off, const char *file)
{
  if (d->nbd) {
    if (nbd_pread (d->nbd, buf, n, off, 0) == -1) {
      set_nbd_error (file);
      return -1;
    }
    return 0;
  }
  if (pread (d->fd, buf, n, off) != (ssize_t) n) {
    set_error (errno, "reading back '%s'", file);
    return -1;
  }
  return 0;
}

/* Flushes and closes; returns -1 if the data may not be on disk. */
static int
dst_close (struct dst *d, const char *file)
{
  int r = 0;

  if (d->nbd) {
    if (nbd_flush (d->nbd, 0) == -1 || nbd_shutdown (d->nbd, 0) == -1) {
      set_nbd_error (file);
      r = -1;
    }
    nbd_close (d->nbd);
  }
  if (d->fd >= 0) {
    if (fsync (d->fd) == -1 && r == 0) {
      set_error (errno, "'%s': fsync", file);
      r = -1;
    }
    if (close (d->fd) == -1 && r == 0) {
      set_error (errno, "'%s': close", file);
      r = -1;
    }
  }
  d->nbd = NULL;
  d->fd = -1;
  return r;
}

static int
copy_extents (struct nbd_handle *src, struct dst *d, const extent_vector *v,
              const struct copy_options *o, struct copy_stats *st,
              uint64_t total)
{
  CLEANUP_FREE char *buf = malloc (BLOCK);
  CLEANUP_FREE char *check = o->verify ? malloc (BLOCK) : NULL;
  uint64_t done = 0;

  if (buf == NULL || (o->verify && check == NULL)) {
    set_error (errno, "malloc");
    return -1;
  }
  for (size_t i = 0; i < v->len; ++i) {
    for (uint64_t off = v->ptr[i].offset;
         off < v->ptr[i].offset + v->ptr[i].length;) {
      uint64_t end = v->ptr[i].offset + v->ptr[i].length;
      size_t n = end - off < BLOCK ? end - off : BLOCK;

      if (nbd_pread (src, buf, n, off, 0) == -1) {
        set_nbd_error (o->src);
        return -1;
      }
      if (!is_zero (buf, n)) {
        if (dst_write (d, buf, n, off, o->dst) == -1)
          return -1;
        st->written += n;
        if (o->verify) {
          if (dst_read (d, check, n, off, o->dst) == -1)
            return -1;
          if (memcmp (buf, check, n) != 0) {
            set_error (0, "'%s': verification failed at offset %" PRIu64,
                       o->dst, off);
            return -1;
          }
        }
      }
      off += n;
      done += n;
      if (o->progress)
        o->progress (o->opaque, done, total);
    }
  }
  st->data = total;
  return 0;
}

int
copy_image (const struct copy_options *o, struct copy_stats *st)
{
  struct nbd_handle *src;
  struct dst d = { -1, NULL, false };
  extent_vector data = empty_vector;
  struct timespec t0, t1;
  uint64_t total;
  int64_t size;

  memset (st, 0, sizeof *st);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  /* qemu-nbd's own complaint would go to stderr: say it clearly first. */
  if (access (o->src, R_OK) == -1) {
    set_error (errno, "could not read '%s'", o->src);
    return -1;
  }
  src = open_nbd (o->src, o->src_format, true);
  if (src == NULL)
    return -1;
  size = nbd_get_size (src);
  if (size < 0) {
    set_nbd_error (o->src);
    goto err;
  }
  st->size = size;
  if (map_data (src, size, &data, &total) == -1)
    goto err;
  if (dst_open (&d, o->dst, o->dst_format, size) == -1)
    goto err;
  if (o->progress)
    o->progress (o->opaque, 0, total);
  if (copy_extents (src, &d, &data, o, st, total) == -1)
    goto err;
  if (dst_close (&d, o->dst) == -1)
    goto err;
  nbd_close (src);
  extent_vector_reset (&data);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  st->seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  return 0;

err:
  if (d.fd >= 0 || d.nbd) {
    CLEANUP_FREE char *saved = strdup (get_error ());
    dst_close (&d, o->dst);
    if (saved)
      set_error (0, "%s", saved);
  }
  if (d.created)
    unlink (o->dst);
  nbd_close (src);
  extent_vector_reset (&data);
  return -1;
}

int
image_read_head (const char *file, const char *format, void *buf, size_t len,
                 uint64_t *size)
{
  struct nbd_handle *h = open_nbd (file, format, true);
  int64_t sz;
  size_t n;

  if (h == NULL)
    return -1;
  sz = nbd_get_size (h);
  if (sz == -1) {
    set_nbd_error (file);
    nbd_close (h);
    return -1;
  }
  memset (buf, 0, len);
  n = (uint64_t) sz < len ? (size_t) sz : len;
  if (n && nbd_pread (h, buf, n, 0, 0) == -1) {
    set_nbd_error (file);
    nbd_close (h);
    return -1;
  }
  nbd_close (h);
  *size = sz;
  return 0;
}
