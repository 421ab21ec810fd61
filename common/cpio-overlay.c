/* vmshift: in-memory cpio overlay (cpio-overlay.h), written by
 * libarchive.
 */
#include <config.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "cpio-overlay.h"
#include "errors.h"
#include "vector.h"

struct cpio_overlay {
  struct archive *a;
  char *buf; /* archive bytes so far */
  size_t len, cap;
  string_vector dirs; /* directories already added */
  int finished;
};

static la_ssize_t
write_cb (struct archive *a, void *opaque, const void *data, size_t n)
{
  struct cpio_overlay *co = opaque;

  if (co->len + n > co->cap) {
    size_t cap = (co->len + n) * 2;
    char *p = realloc (co->buf, cap);
    if (p == NULL) {
      archive_set_error (a, ENOMEM, "out of memory");
      return -1;
    }
    co->buf = p;
    co->cap = cap;
  }
  memcpy (co->buf + co->len, data, n);
  co->len += n;
  return n;
}

static void
set_archive_error (struct cpio_overlay *co, const char *what)
{
  set_error (0, "initramfs overlay: %s: %s", what,
             archive_error_string (co->a) ? archive_error_string (co->a)
                                          : "libarchive failed");
}

struct cpio_overlay *
cpio_overlay_new (void)
{
  struct cpio_overlay *co = calloc (1, sizeof *co);

  if (co == NULL) {
    set_error (errno, "calloc");
    return NULL;
  }
  co->a = archive_write_new ();
  if (co->a == NULL) {
    set_error (ENOMEM, "archive_write_new");
    goto err1;
  }
  if (archive_write_set_format_cpio_newc (co->a) != ARCHIVE_OK
      || archive_write_set_bytes_per_block (co->a, 0) != ARCHIVE_OK
      || archive_write_open (co->a, co, NULL, write_cb, NULL) != ARCHIVE_OK) {
    set_archive_error (co, "setting up");
    goto err2;
  }
  return co;

err2:
  archive_write_free (co->a);
err1:
  free (co);
  return NULL;
}

static int
add_entry (struct cpio_overlay *co, const char *name, mode_t mode,
           const void *data, size_t len)
{
  struct archive_entry *e = archive_entry_new ();
  int r = 0;

  if (e == NULL) {
    set_error (ENOMEM, "archive_entry_new");
    return -1;
  }
  archive_entry_set_pathname (e, name);
  archive_entry_set_mode (e, mode);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  archive_entry_set_nlink (e, S_ISDIR (mode) ? 2 : 1);
  archive_entry_set_size (e, S_ISREG (mode) ? len : 0);
  if (archive_write_header (co->a, e) != ARCHIVE_OK
      || (S_ISREG (mode) && len > 0
          && archive_write_data (co->a, data, len) != (la_ssize_t) len)) {
    set_archive_error (co, name);
    r = -1;
  }
  archive_entry_free (e);
  return r;
}

/* Adds each parent directory of name once, outermost first. */
static int
add_parents (struct cpio_overlay *co, const char *name)
{
  for (const char *slash = strchr (name, '/'); slash;
       slash = strchr (slash + 1, '/')) {
    char *dir = strndup (name, slash - name);
    bool seen = false;

    if (dir == NULL) {
      set_error (errno, "strndup");
      return -1;
    }
    for (size_t i = 0; i < co->dirs.len && !seen; ++i)
      seen = strcmp (co->dirs.ptr[i], dir) == 0;
    if (seen) {
      free (dir);
      continue;
    }
    if (add_entry (co, dir, S_IFDIR | 0755, NULL, 0) == -1
        || string_vector_append (&co->dirs, dir) == -1) {
      free (dir);
      return -1;
    }
  }
  return 0;
}

int
cpio_overlay_add_file (struct cpio_overlay *co, const char *name,
                       const void *data, size_t len, mode_t mode)
{
  if (add_parents (co, name) == -1)
    return -1;
  return add_entry (co, name, S_IFREG | (mode & 07777), data, len);
}

/* gzip: libarchive's raw format writes the bytes as they are through
 * its gzip filter.
 */
static int
compress_gzip (const char *in, size_t inlen, char **buf, size_t *len)
{
  struct cpio_overlay out = { 0 };
  struct archive_entry *e = archive_entry_new ();
  struct archive *a = archive_write_new ();
  int r = -1;

  if (a == NULL || e == NULL) {
    set_error (ENOMEM, "libarchive");
    goto out;
  }
  out.a = a;
  archive_entry_set_pathname (e, "initramfs");
  archive_entry_set_mode (e, S_IFREG | 0644);
  archive_entry_set_size (e, inlen);
  if (archive_write_set_format_raw (a) != ARCHIVE_OK
      || archive_write_add_filter_gzip (a) != ARCHIVE_OK
      || archive_write_set_bytes_per_block (a, 0) != ARCHIVE_OK
      || archive_write_open (a, &out, NULL, write_cb, NULL) != ARCHIVE_OK
      || archive_write_header (a, e) != ARCHIVE_OK
      || archive_write_data (a, in, inlen) != (la_ssize_t) inlen
      || archive_write_close (a) != ARCHIVE_OK) {
    set_archive_error (&out, "gzip");
    goto out;
  }
  *buf = out.buf;
  *len = out.len;
  out.buf = NULL;
  r = 0;

out:
  if (a)
    archive_write_free (a);
  if (e)
    archive_entry_free (e);
  free (out.buf);
  return r;
}

static int
compress_zstd (const char *in, size_t inlen, uint64_t max_window, char **buf,
               size_t *len)
{
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  size_t bound = ZSTD_compressBound (inlen), n;
  int wlog = 10;
  char *out;

  while (wlog < 27 && (1ULL << (wlog + 1)) <= max_window)
    wlog++;
  out = malloc (bound);
  if (cctx == NULL || out == NULL) {
    ZSTD_freeCCtx (cctx);
    free (out);
    set_error (ENOMEM, "zstd");
    return -1;
  }
  ZSTD_CCtx_setParameter (cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter (cctx, ZSTD_c_windowLog, wlog);
  n = ZSTD_compress2 (cctx, out, bound, in, inlen);
  ZSTD_freeCCtx (cctx);
  if (ZSTD_isError (n)) {
    free (out);
    set_error (0, "zstd: %s", ZSTD_getErrorName (n));
    return -1;
  }
  *buf = out;
  *len = n;
  return 0;
}

int
cpio_overlay_finish (struct cpio_overlay *co, enum cpio_compression how,
                     uint64_t max_window, char **buf, size_t *len)
{
  if (archive_write_close (co->a) != ARCHIVE_OK) {
    set_archive_error (co, "closing");
    return -1;
  }
  co->finished = 1;
  if (how == CPIO_ZSTD)
    return compress_zstd (co->buf, co->len, max_window, buf, len);
  return compress_gzip (co->buf, co->len, buf, len);
}

void
cpio_overlay_free (struct cpio_overlay *co)
{
  if (co == NULL)
    return;
  archive_write_free (co->a);
  for (size_t i = 0; i < co->dirs.len; ++i)
    free (co->dirs.ptr[i]);
  string_vector_reset (&co->dirs);
  free (co->buf);
  free (co);
}
