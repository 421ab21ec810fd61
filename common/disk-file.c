/* vmshift: checks on a source's disk files (disk-file.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "disk-file.h"
#include "errors.h"

int
disk_file_exists (const char *source, const char *label, const char *path)
{
  struct stat st;

  if (stat (path, &st) == -1 && errno == ENOENT) {
    set_error (0, "'%s': disk '%s' file '%s' does not exist", source, label,
               path);
    return -1;
  }
  return 0;
}

int
disk_file_size (const char *source, const char *label, const char *path,
                uint64_t *size)
{
  CLEANUP_CLOSE int fd = -1;
  struct stat st;
  off_t end;

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1 || fstat (fd, &st) == -1) {
    set_error (errno, "'%s': disk '%s': could not open '%s'", source, label,
               path);
    return -1;
  }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode)) {
    set_error (0,
               "'%s': disk '%s' file '%s' is not a regular file or "
               "block device",
               source, label, path);
    return -1;
  }
  end = lseek (fd, 0, SEEK_END);
  if (end == -1) {
    set_error (errno, "'%s': disk '%s': could not seek '%s'", source, label,
               path);
    return -1;
  }
  *size = end;
  return 0;
}

char *
disk_file_dirname (const char *path)
{
  const char *slash = strrchr (path, '/');
  char *r;

  if (slash == NULL)
    r = strdup (".");
  else if (slash == path)
    r = strdup ("/");
  else
    r = strndup (path, slash - path);
  if (r == NULL)
    set_error (errno, "out of memory");
  return r;
}
