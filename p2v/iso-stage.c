/* p2v iso: files into the staging root (iso.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "command.h"
#include "errors.h"
#include "iso.h"

int
iso_mkdirs (const char *root, const char *dir)
{
  CLEANUP_FREE char *path = NULL;
  size_t skip;

  if (asprintf (&path, "%s/%s", root, dir) == -1) {
    set_error (errno, "asprintf");
    path = NULL;
    return -1;
  }
  skip = strlen (root) + 1;
  for (char *p = path + skip;; ++p) {
    if (*p != '/' && *p != '\0')
      continue;
    char c = *p;
    *p = '\0';
    if (mkdir (path, 0755) == -1 && errno != EEXIST) {
      set_error (errno, "could not make the directory '%s'", path);
      return -1;
    }
    *p = c;
    if (c == '\0')
      return 0;
  }
}

/* root/dest, its parent directory made.  The caller frees. */
static char *
staged_path (const char *root, const char *dest)
{
  CLEANUP_FREE char *dir = strdup (dest);
  char *slash, *path;

  while (*dest == '/')
    dest++;
  if (dir == NULL) {
    set_error (errno, "strdup");
    return NULL;
  }
  slash = strrchr (dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    if (iso_mkdirs (root, dir + (*dir == '/')) == -1)
      return NULL;
  }
  if (asprintf (&path, "%s/%s", root, dest) == -1) {
    set_error (errno, "asprintf");
    return NULL;
  }
  return path;
}

/* Writes len bytes of data to path, created with mode. */
static int
write_all (const char *path, const char *data, size_t len, mode_t mode)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

  if (fd == -1) {
    set_error (errno, "could not create '%s'", path);
    return -1;
  }
  while (len > 0) {
    ssize_t r = write (fd, data, len);
    if (r == -1) {
      set_error (errno, "could not write '%s'", path);
      close (fd);
      return -1;
    }
    data += r;
    len -= r;
  }
  if (fchmod (fd, mode) == -1 || close (fd) == -1) {
    set_error (errno, "could not write '%s'", path);
    return -1;
  }
  return 0;
}

int
iso_write_file (const char *root, const char *dest, const char *text,
                mode_t mode)
{
  CLEANUP_FREE char *path = staged_path (root, dest);

  if (path == NULL)
    return -1;
  return write_all (path, text, strlen (text), mode);
}

int
iso_copy_file (const char *root, const char *src, const char *dest,
               mode_t mode)
{
  CLEANUP_FREE char *path = staged_path (root, dest);
  CLEANUP_CLOSE int in = -1;
  int out;
  char buf[65536];
  ssize_t r;

  if (path == NULL)
    return -1;
  in = open (src, O_RDONLY | O_CLOEXEC);
  if (in == -1) {
    set_error (errno, "could not open '%s'", src);
    return -1;
  }
  out = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (out == -1) {
    set_error (errno, "could not create '%s'", path);
    return -1;
  }
  while ((r = read (in, buf, sizeof buf)) > 0)
    if (write (out, buf, r) != r) {
      set_error (errno, "could not write '%s'", path);
      close (out);
      return -1;
    }
  if (r == -1)
    set_error (errno, "could not read '%s'", src);
  else if (fchmod (out, mode) == -1)
    set_error (errno, "could not chmod '%s'", path);
  if (close (out) == -1 && r != -1) {
    set_error (errno, "could not write '%s'", path);
    return -1;
  }
  return r == -1 ? -1 : 0;
}

/* Each absolute path in ldd's output: "libc.so.6 => /lib/... (0x...)"
 * and "/lib64/ld-linux-x86-64.so.2 (0x...)".
 */
static int
copy_libraries (const char *root, const char *program, char *ldd_out)
{
  char *save = NULL;

  for (char *line = strtok_r (ldd_out, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save)) {
    char *arrow = strstr (line, "=> "), *lib, *end;
    struct stat st;

    if (strstr (line, "not found")) {
      set_error (0, "'%s' needs a library that is not installed: %s", program,
                 line + strspn (line, " \t"));
      return -1;
    }
    lib = arrow ? arrow + 3 : line + strspn (line, " \t");
    if (*lib != '/')
      continue; /* linux-vdso.so.1 */
    end = lib + strcspn (lib, " \t");
    *end = '\0';
    if (stat (lib, &st) == -1) {
      set_error (errno, "'%s': library '%s'", program, lib);
      return -1;
    }
    if (iso_copy_file (root, lib, lib, 0755) == -1)
      return -1;
  }
  return 0;
}

int
iso_copy_program (const char *root, const char *src, const char *dest)
{
  const char *argv[] = { "ldd", src, NULL };
  CLEANUP_FREE char *out = NULL;

  if (iso_copy_file (root, src, dest, 0755) == -1)
    return -1;
  if (run_command_output (argv, 1 << 20, &out) == -1) {
    prefix_error ("listing the libraries of '%s'", src);
    return -1;
  }
  return copy_libraries (root, src, out);
}

int
iso_stage_busybox (const char *root, size_t *applets)
{
  const char *argv[] = { "/bin/busybox", "--list-full", NULL };
  CLEANUP_FREE char *out = NULL;
  char *save = NULL;

  *applets = 0;
  if (iso_copy_file (root, "/bin/busybox", "bin/busybox", 0755) == -1)
    return -1;
  if (run_command_output (argv, 1 << 20, &out) == -1)
    return -1;
  for (char *name = strtok_r (out, "\n", &save); name;
       name = strtok_r (NULL, "\n", &save)) {
    CLEANUP_FREE char *path = NULL;
    struct stat st;

    if (*name == '\0' || strstr (name, "..") || *name == '/')
      continue;
    path = staged_path (root, name);
    if (path == NULL)
      return -1;
    if (lstat (path, &st) == 0)
      continue;
    if (symlink ("/bin/busybox", path) == -1) {
      set_error (errno, "could not make the symlink '%s'", path);
      return -1;
    }
    ++*applets;
  }
  return 0;
}
