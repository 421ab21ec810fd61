/* vmshift: small file helpers (file-util.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "disk-file.h"
#include "errors.h"
#include "file-util.h"

char *
read_small_file (const char *path, size_t max, const char *kind, size_t *len)
{
  CLEANUP_CLOSE int fd = -1;
  char *buf;
  struct stat st;
  size_t got = 0;

  /* O_NONBLOCK: never hang opening a FIFO; we refuse those below. */
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1) {
    set_error (errno, "could not open '%s'", path);
    return NULL;
  }
  if (fstat (fd, &st) == -1) {
    set_error (errno, "could not stat '%s'", path);
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    set_error (EISDIR, "could not read '%s'", path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    set_error (0, "'%s' is not a regular file", path);
    return NULL;
  }
  if ((unsigned long long) st.st_size > max) {
    set_error (0, "'%s': too large for %s (more than %zu bytes)", path, kind,
               max);
    return NULL;
  }

  /* Read at most one byte more than the limit, in case the file grew
   * after fstat.
   */
  buf = malloc (max + 2);
  if (buf == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  while (got <= max) {
    ssize_t r = read (fd, buf + got, max + 1 - got);

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      set_error (errno, "could not read '%s'", path);
      free (buf);
      return NULL;
    }
    if (r == 0)
      break;
    got += r;
  }
  if (got > max) {
    set_error (0, "'%s': too large for %s (more than %zu bytes)", path, kind,
               max);
    free (buf);
    return NULL;
  }
  buf[got] = '\0';
  *len = got;
  return buf;
}

char *
source_dir (const char *source)
{
  CLEANUP_FREE char *dir = disk_file_dirname (source);
  char *r;

  if (dir == NULL)
    return NULL;
  r = realpath (dir, NULL);
  if (r == NULL)
    set_error (errno, "could not resolve the directory of '%s'", source);
  return r;
}

char *
path_join (const char *dir, const char *name)
{
  size_t dlen;
  char *r;

  if (name[0] == '/' || dir == NULL || strcmp (dir, ".") == 0)
    return dup_or_null (name);
  dlen = strlen (dir);
  if (asprintf (&r, "%s%s%s", dir, dlen > 0 && dir[dlen - 1] == '/' ? "" : "/",
                name)
      == -1) {
    set_error (errno, "asprintf");
    return NULL;
  }
  return r;
}

char *
dup_or_null (const char *s)
{
  char *r;

  if (s == NULL)
    return NULL;
  r = strdup (s);
  if (r == NULL)
    set_error (errno, "strdup");
  return r;
}

bool
ends_with_ci (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);

  return n >= m && strcasecmp (s + n - m, suffix) == 0;
}

char *
name_from_path (const char *path, const char *suffix)
{
  const char *base = strrchr (path, '/');
  size_t len;
  char *r;

  base = base ? base + 1 : path;
  len = strlen (base);
  if (ends_with_ci (base, suffix) && len > strlen (suffix))
    len -= strlen (suffix);
  r = strndup (base, len);
  if (r == NULL)
    set_error (errno, "strndup");
  return r;
}
