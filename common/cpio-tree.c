/* vmshift: a tree as a compressed newc cpio (cpio-tree.h), written by
 * libarchive.
 */
#include <config.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "cpio-tree.h"
#include "errors.h"

struct walk {
  struct archive *a;
  unsigned ino;
};

static void
set_archive_error (struct archive *a, const char *what)
{
  set_error (0, "initramfs: %s: %s", what,
             archive_error_string (a) ? archive_error_string (a)
                                      : "libarchive failed");
}

static int
copy_data (struct walk *w, const char *path, const char *name)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC);
  char buf[65536];
  ssize_t r;

  if (fd == -1) {
    set_error (errno, "could not open '%s'", path);
    return -1;
  }
  while ((r = read (fd, buf, sizeof buf)) > 0)
    if (archive_write_data (w->a, buf, r) != r) {
      set_archive_error (w->a, name);
      return -1;
    }
  if (r == -1) {
    set_error (errno, "could not read '%s'", path);
    return -1;
  }
  return 0;
}

/* One entry: name is relative to the root ("usr/bin/ssh"). */
static int
add_entry (struct walk *w, const char *path, const char *name,
           const struct stat *st)
{
  struct archive_entry *e;
  char target[PATH_MAX];
  ssize_t n = 0;
  int r = -1;

  if (!S_ISREG (st->st_mode) && !S_ISDIR (st->st_mode)
      && !S_ISLNK (st->st_mode)) {
    set_error (0, "'%s': not a file, directory or symlink", path);
    return -1;
  }
  if (S_ISLNK (st->st_mode)) {
    n = readlink (path, target, sizeof target - 1);
    if (n == -1) {
      set_error (errno, "could not read the symlink '%s'", path);
      return -1;
    }
    target[n] = '\0';
  }
  e = archive_entry_new ();
  if (e == NULL) {
    set_error (ENOMEM, "archive_entry_new");
    return -1;
  }
  archive_entry_set_pathname (e, name);
  archive_entry_set_mode (e, st->st_mode);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  archive_entry_set_ino (e, ++w->ino);
  archive_entry_set_nlink (e, S_ISDIR (st->st_mode) ? 2 : 1);
  archive_entry_set_mtime (e, st->st_mtime, 0);
  if (S_ISLNK (st->st_mode))
    archive_entry_set_symlink (e, target);
  archive_entry_set_size (e, S_ISREG (st->st_mode) ? st->st_size : 0);
  if (archive_write_header (w->a, e) != ARCHIVE_OK)
    set_archive_error (w->a, name);
  else if (!S_ISREG (st->st_mode) || st->st_size == 0
           || copy_data (w, path, name) == 0)
    r = 0;
  archive_entry_free (e);
  return r;
}

/* Adds what directory dir (relative name rel, "" for the root) holds,
 * recursively.
 */
static int
add_dir (struct walk *w, const char *dir, const char *rel)
{
  struct dirent **names;
  int n = scandir (dir, &names, NULL, alphasort), r = 0;

  if (n == -1) {
    set_error (errno, "could not read the directory '%s'", dir);
    return -1;
  }
  for (int i = 0; i < n; ++i) {
    const char *base = names[i]->d_name;
    CLEANUP_FREE char *path = NULL, *name = NULL;
    struct stat st;

    if (r == -1 || strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
      continue;
    if (asprintf (&path, "%s/%s", dir, base) == -1
        || asprintf (&name, "%s%s%s", rel, *rel ? "/" : "", base) == -1) {
      set_error (errno, "asprintf");
      path = name = NULL;
      r = -1;
    }
    else if (lstat (path, &st) == -1) {
      set_error (errno, "could not stat '%s'", path);
      r = -1;
    }
    else if (add_entry (w, path, name, &st) == -1
             || (S_ISDIR (st.st_mode) && add_dir (w, path, name) == -1))
      r = -1;
  }
  for (int i = 0; i < n; ++i)
    free (names[i]);
  free (names);
  return r;
}

int
cpio_tree_write (const char *root, const char *path, enum cpio_compression how,
                 uint64_t *bytes_in)
{
  struct walk w = { 0 };
  int r;

  w.a = archive_write_new ();
  if (w.a == NULL) {
    set_error (ENOMEM, "archive_write_new");
    return -1;
  }
  if (archive_write_set_format_cpio_newc (w.a) != ARCHIVE_OK
      || (how == CPIO_ZSTD ? archive_write_add_filter_zstd (w.a)
                           : archive_write_add_filter_gzip (w.a))
             != ARCHIVE_OK
      || archive_write_open_filename (w.a, path) != ARCHIVE_OK) {
    set_archive_error (w.a, path);
    archive_write_free (w.a);
    return -1;
  }
  r = add_dir (&w, root, "");
  if (r == 0 && archive_write_close (w.a) != ARCHIVE_OK) {
    set_archive_error (w.a, path);
    r = -1;
  }
  if (r == 0 && bytes_in)
    *bytes_in = archive_filter_bytes (w.a, 0);
  archive_write_free (w.a);
  return r;
}
