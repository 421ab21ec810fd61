/* vmshift: -o DIR: NAME.xml and the disks in a directory. */
#include <config.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "output.h"

static int
dir_open (struct output *out, const char *target)
{
  CLEANUP_FREE char *xml = NULL;
  struct stat st;

  if (mkdir (target, 0755) == -1 && errno != EEXIST) {
    set_error (errno, "could not create the output directory '%s'", target);
    return -1;
  }
  if (stat (target, &st) == -1 || !S_ISDIR (st.st_mode)) {
    set_error (ENOTDIR, "output '%s'", target);
    return -1;
  }
  out->storage = realpath (target, NULL);
  if (out->storage == NULL) {
    set_error (errno, "'%s'", target);
    return -1;
  }
  if (asprintf (&xml, "%s/%s.xml", out->storage, out->s.name) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  if (access (xml, F_OK) == 0) {
    set_error (EEXIST,
               "'%s' already exists; remove it or choose another "
               "--name",
               xml);
    return -1;
  }
  return 0;
}

/* Writes NAME.xml through a temporary file in the work directory. */
static int
dir_commit (struct output *out, const char *xml)
{
  CLEANUP_FREE char *tmp = NULL, *final = NULL;
  CLEANUP_CLOSE int fd = -1;
  size_t len = strlen (xml);

  if (asprintf (&tmp, "%s/domain.xml", out->workdir) == -1
      || asprintf (&final, "%s/%s.xml", out->storage, out->s.name) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd == -1) {
    set_error (errno, "could not create '%s'", tmp);
    return -1;
  }
  if (write (fd, xml, len) != (ssize_t) len || fsync (fd) == -1) {
    set_error (errno, "could not write '%s'", tmp);
    unlink (tmp);
    return -1;
  }
  if (rename (tmp, final) == -1) {
    set_error (errno, "could not rename '%s' to '%s'", tmp, final);
    unlink (tmp);
    return -1;
  }
  return 0;
}

const struct output_ops dir_output_ops = {
  .name = "dir",
  .open = dir_open,
  .commit = dir_commit,
};
