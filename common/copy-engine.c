/* vmshift: the disk copy engine (copy-engine.h). */
#include <config.h>

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <inttypes.h>
#include <libnbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* qemu-nbd failed to start: says why, from qemu-img info on the same
 * file (qemu-nbd's own message went to stderr, and libnbd only saw the
 * socket close).  Keeps the NBD error if qemu-img can open it.
 */
static void
explain_open_failure (const char *file, const char *format)
{
  const char *argv[] = { "qemu-img", "info", "--force-share", "-f",
                         format ? format : "raw", file, NULL };
  const char *prefix = "qemu-img failed: qemu-img: ";
  CLEANUP_FREE char *nbd = strdup (get_error ());

  if (format == NULL)
    argv[3] = file, argv[4] = NULL; /* let QEMU probe, as qemu-nbd did */
  if (run_command (argv) == 0) {
    if (nbd)
      set_error (0, "%s", nbd);
    return;
  }
  if (strncmp (get_error (), prefix, strlen (prefix)) == 0)
    set_error (0, "QEMU cannot open it: %s", get_error () + strlen (prefix));
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
    explain_open_failure (file, format);
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
  int zero_how; /* in_place: the first dst_zero method that worked */
};

/* An existing disk or raw file of at least size bytes, opened in place. */
static int
dst_open_in_place (struct dst *d, const char *file, uint64_t size)
{
  struct stat st;
  uint64_t have;

  d->fd = open (file, O_RDWR | O_CLOEXEC);
  if (d->fd == -1 || fstat (d->fd, &st) == -1) {
    set_error (errno, "could not open '%s'", file);
    return -1;
  }
  if (S_ISBLK (st.st_mode)) {
    if (ioctl (d->fd, BLKGETSIZE64, &have) == -1) {
      set_error (errno, "'%s': could not read its size", file);
      return -1;
    }
  }
  else
    have = st.st_size;
  if (have < size) {
    set_error (
        0, "'%s' is smaller (%" PRIu64 " bytes) than the image (%" PRIu64 ")",
        file, have, size);
    return -1;
  }
  return 0;
}

static int
dst_open (struct dst *d, const char *file, const char *format, uint64_t size,
          bool in_place)
{
  d->fd = -1;
  d->nbd = NULL;
  d->created = false;
  d->zero_how = 0;
  if (in_place)
    return dst_open_in_place (d, file, size);
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

/* Makes a range of an in-place destination read as zeros, cheaply where
 * the device or filesystem can: punch a hole (discard that guarantees
 * zeros), else zero the range (write-zeroes), else write zeros.
 */
static int
dst_zero (struct dst *d, uint64_t off, uint64_t len, const char *file)
{
  static const char zeros[1024 * 1024];
  static const int modes[] = {
    FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
    FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
  };

  for (; d->zero_how < 2; d->zero_how++)
    if (fallocate (d->fd, modes[d->zero_how], off, len) == 0)
      return 0;
  for (uint64_t done = 0; done < len;) {
    size_t n = len - done < sizeof zeros ? len - done : sizeof zeros;
    if (dst_write (d, zeros, n, off + done, file) == -1)
      return -1;
    done += n;
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

/* What a copy writes, and where: in place, [lo, hi) is written during
 * the pass and the rest (the guarded head and tail) at the end.
 */
struct pass {
  struct dst *d;
  const struct copy_options *o;
  struct copy_stats *st;
  char *check; /* verify buffer, BLOCK bytes */
  uint64_t lo, hi;
};

/* Writes buf (n bytes at off; NULL: zeros) clipped to [lo, hi).  Zero
 * data is skipped on a fresh destination and made zero in place.
 */
static int
put (struct pass *p, const char *buf, uint64_t off, uint64_t n)
{
  uint64_t a = off > p->lo ? off : p->lo;
  uint64_t b = off + n < p->hi ? off + n : p->hi;

  if (a >= b)
    return 0;
  buf = buf ? buf + (a - off) : NULL;
  n = b - a;
  if (buf == NULL || is_zero (buf, n)) {
    if (!p->o->in_place)
      return 0;
    if (dst_zero (p->d, a, n, p->o->dst) == -1)
      return -1;
    p->st->zeroed += n;
    return 0;
  }
  if (dst_write (p->d, buf, n, a, p->o->dst) == -1)
    return -1;
  p->st->written += n;
  if (p->o->verify) {
    for (uint64_t done = 0; done < n;) {
      size_t m = n - done < BLOCK ? n - done : BLOCK;
      if (dst_read (p->d, p->check, m, a + done, p->o->dst) == -1)
        return -1;
      if (memcmp (buf + done, p->check, m) != 0) {
        set_error (0, "'%s': verification failed at offset %" PRIu64,
                   p->o->dst, a + done);
        return -1;
      }
      done += m;
    }
  }
  return 0;
}

static int
copy_extents (struct nbd_handle *src, struct pass *p, const extent_vector *v,
              uint64_t size, uint64_t total)
{
  const struct copy_options *o = p->o;
  CLEANUP_FREE char *buf = malloc (BLOCK);
  uint64_t done = 0, pos = 0;

  if (buf == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  for (size_t i = 0; i < v->len; ++i) {
    if (pos < v->ptr[i].offset
        && put (p, NULL, pos, v->ptr[i].offset - pos) == -1)
      return -1;
    pos = v->ptr[i].offset + v->ptr[i].length;
    for (uint64_t off = v->ptr[i].offset; off < pos;) {
      size_t n = pos - off < BLOCK ? pos - off : BLOCK;

      if (nbd_pread (src, buf, n, off, 0) == -1) {
        set_nbd_error (o->src);
        return -1;
      }
      if (put (p, buf, off, n) == -1)
        return -1;
      off += n;
      done += n;
      if (o->progress)
        o->progress (o->opaque, done, total);
    }
  }
  if (pos < size && put (p, NULL, pos, size - pos) == -1)
    return -1;
  p->st->data = total;
  return 0;
}

#define GUARD (1024 * 1024)

/* In place: the first and last GUARD bytes, read from the source up
 * front, zeroed on the destination before the pass and written after it.
 */
struct guard {
  char *head, *tail;
  uint64_t tail_off, len;
};

static int
guard_begin (struct nbd_handle *src, struct pass *p, uint64_t size,
             struct guard *g)
{
  g->len = size / 2 < GUARD ? size / 2 : GUARD;
  g->tail_off = size - g->len;
  g->head = malloc (g->len ? g->len : 1);
  g->tail = malloc (g->len ? g->len : 1);
  if (g->head == NULL || g->tail == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  if (g->len
      && (nbd_pread (src, g->head, g->len, 0, 0) == -1
          || nbd_pread (src, g->tail, g->len, g->tail_off, 0) == -1)) {
    set_nbd_error (p->o->src);
    return -1;
  }
  /* Old partition tables go first (not counted: written again at the
   * end).
   */
  if (g->len
      && (dst_zero (p->d, 0, g->len, p->o->dst) == -1
          || dst_zero (p->d, g->tail_off, g->len, p->o->dst) == -1
          || fdatasync (p->d->fd) == -1)) {
    prefix_error ("clearing the partition tables of '%s'", p->o->dst);
    return -1;
  }
  p->lo = g->len;
  p->hi = g->tail_off;
  return 0;
}

static int
guard_end (struct pass *p, uint64_t size, struct guard *g)
{
  if (fdatasync (p->d->fd) == -1) {
    set_error (errno, "'%s': flush", p->o->dst);
    return -1;
  }
  p->lo = 0;
  p->hi = size;
  return put (p, g->tail, g->tail_off, g->len) == -1
                 || put (p, g->head, 0, g->len) == -1
             ? -1
             : 0;
}

int
copy_image (const struct copy_options *o, struct copy_stats *st)
{
  struct nbd_handle *src;
  struct dst d = { -1, NULL, false, 0 };
  extent_vector data = empty_vector;
  struct pass pass = { 0 };
  struct guard g = { 0 };
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
  if (dst_open (&d, o->dst, o->dst_format, size, o->in_place) == -1)
    goto err;
  if (o->progress)
    o->progress (o->opaque, 0, total);
  pass.d = &d;
  pass.o = o;
  pass.st = st;
  pass.hi = size;
  pass.check = o->verify ? malloc (BLOCK) : NULL;
  if (o->verify && pass.check == NULL) {
    set_error (errno, "malloc");
    goto err;
  }
  if ((o->in_place && guard_begin (src, &pass, size, &g) == -1)
      || copy_extents (src, &pass, &data, size, total) == -1
      || (o->in_place && guard_end (&pass, size, &g) == -1))
    goto err;
  if (dst_close (&d, o->dst) == -1)
    goto err;
  nbd_close (src);
  extent_vector_reset (&data);
  free (pass.check);
  free (g.head);
  free (g.tail);
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
  free (pass.check);
  free (g.head);
  free (g.tail);
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
