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
