/* vmshift: helpers shared by the guest conversion steps (guest.h). */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "devname.h"
#include "guest.h"

static void
set_guestfs_error (guestfs_h *g, const char *path)
{
  const char *msg = guestfs_last_error (g);
  set_error (0, "'%s' in the guest: %s", path, msg ? msg : "failed");
}

/* The guest path a read of path reaches: symlinks resolved inside the
 * guest, and it must be a regular file of at most max bytes (a hostile
 * guest may point /etc/fstab at /dev/zero or at a sparse file of
 * terabytes).  *exists as for guest_read_file.  Returns the path for the
 * caller to free, or NULL.
 */
static char *
checked_path (struct guest *gs, const char *path, size_t max, bool *exists)
{
  struct guestfs_statns *st;
  char *real;
  int64_t fsize;
  bool regular;

  if (exists)
    *exists = true;
  if (guestfs_exists (gs->g, path) <= 0) {
    if (exists) {
      *exists = false;
      return NULL;
    }
    set_error (0, "'%s' does not exist in the guest", path);
    return NULL;
  }
  real = guestfs_realpath (gs->g, path);
  if (real == NULL) {
    char *target;

    set_guestfs_error (gs->g, path);
    target = guestfs_readlink (gs->g, path);
    if (target)
      set_error (0,
                 "'%s' in the guest is a symlink to '%s', which is not a "
                 "file in the guest",
                 path, target);
    free (target);
    return NULL;
  }
  st = guestfs_lstatns (gs->g, real);
  if (st == NULL) {
    set_guestfs_error (gs->g, path);
    free (real);
    return NULL;
  }
  regular = (st->st_mode & 0170000) == 0100000;
  fsize = st->st_size;
  guestfs_free_statns (st);
  if (!regular) {
    set_error (0, "'%s' in the guest is not a regular file", path);
    free (real);
    return NULL;
  }
  if (fsize < 0 || (uint64_t) fsize > max) {
    set_error (0, "'%s' in the guest is too large (%lld bytes, limit %zu)",
               path, (long long) fsize, max);
    free (real);
    return NULL;
  }
  return real;
}

char *
guest_read_file (struct guest *gs, const char *path, size_t max, bool *exists)
{
  CLEANUP_FREE char *real = checked_path (gs, path, max, exists);
  char *buf;
  size_t size;

  if (real == NULL)
    return NULL;
  buf = guestfs_read_file (gs->g, real, &size);
  if (buf == NULL) {
    set_guestfs_error (gs->g, path);
    return NULL;
  }
  /* read_file NUL-terminates; embedded NULs make it binary, not config. */
  if (memchr (buf, '\0', size) != NULL) {
    free (buf);
    set_error (0, "'%s' in the guest is not a text file", path);
    return NULL;
  }
  return buf;
}

char *
guest_read_binary (struct guest *gs, const char *path, size_t max, size_t *len)
{
  CLEANUP_FREE char *real = checked_path (gs, path, max, NULL);
  CLEANUP_FREE char *tmpdir = NULL, *tmpl = NULL;
  CLEANUP_CLOSE int fd = -1;
  struct stat st;
  char *buf;
  char fdpath[64];

  if (real == NULL)
    return NULL;
  /* The copy goes where the handle keeps its files (a private directory
   * removed even on a signal), never larger than max: the size was
   * checked first.
   */
  if ((tmpdir = guestfs_get_tmpdir (gs->g)) == NULL
      || asprintf (&tmpl, "%s/dl-XXXXXX", tmpdir) == -1) {
    set_error (errno, "asprintf");
    return NULL;
  }
  if ((fd = mkstemp (tmpl)) == -1) {
    set_error (errno, "mkstemp");
    return NULL;
  }
  unlink (tmpl);
  snprintf (fdpath, sizeof fdpath, "/dev/fd/%d", fd);
  if (guestfs_download (gs->g, real, fdpath) == -1) {
    set_guestfs_error (gs->g, path);
    return NULL;
  }
  if (fstat (fd, &st) == -1) {
    set_error (errno, "fstat");
    return NULL;
  }
  if ((uint64_t) st.st_size > max) {
    set_error (0, "'%s' in the guest is too large (%lld bytes, limit %zu)",
               path, (long long) st.st_size, max);
    return NULL;
  }
  buf = malloc (st.st_size + 1);
  if (buf == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  if (pread (fd, buf, st.st_size, 0) != st.st_size) {
    free (buf);
    set_error (errno, "reading the copy of '%s'", path);
    return NULL;
  }
  buf[st.st_size] = '\0';
  *len = st.st_size;
  return buf;
}

int
guest_edit_file (struct guest *gs, const char *path, size_t max,
                 guest_edit_fn edit, void *opaque)
{
  bool exists;
  CLEANUP_FREE char *text = guest_read_file (gs, path, max, &exists);
  CLEANUP_FREE char *out = NULL;
  int changes = 0;

  if (!exists)
    return 0;
  if (text == NULL)
    return -1;
  out = edit (text, opaque, &changes);
  if (out == NULL)
    return -1;
  if (changes == 0)
    return 0;
  if (guest_write_file (gs, path, out, strlen (out)) == -1)
    return -1;
  return changes;
}

int
guest_write_file (struct guest *gs, const char *path, const char *content,
                  size_t len)
{
  CLEANUP_FREE char *real = NULL;

  if (guestfs_exists (gs->g, path) > 0) {
    real = guestfs_realpath (gs->g, path);
    if (real == NULL) {
      set_guestfs_error (gs->g, path);
      return -1;
    }
  }
  if (guestfs_write (gs->g, real ? real : path, content, len) == -1) {
    set_guestfs_error (gs->g, path);
    return -1;
  }
  return 0;
}

/* Does the disk's source bus take part in a family of kernel names? */
static bool
bus_in_family (enum vm_bus bus, const char *family)
{
  if (strcmp (family, "sd") == 0)
    return bus == BUS_SCSI || bus == BUS_SATA || bus == BUS_IDE
           || bus == BUS_UNKNOWN;
  if (strcmp (family, "hd") == 0)
    return bus == BUS_IDE;
  if (strcmp (family, "nvme") == 0)
    return bus == BUS_NVME;
  return true; /* vd, xvd: every disk, in order */
}

/* The index (into vm->disks and gs->devices) of the disk a parsed
 * device name means, or -1.
 */
static int
disk_index (struct guest *gs, const struct devname *d)
{
  const struct vm *vm = gs->vm;
  size_t ndev = 0;
  int nth = d->nth;

  while (gs->devices[ndev])
    ndev++;
  for (size_t i = 0; i < vm->disks.len && i < ndev; ++i) {
    if (strcmp (d->family, "scsi") == 0) {
      /* by-path: VMware puts unit N at SCSI target N. */
      if (vm->disks.ptr[i].bus == BUS_SCSI && vm->disks.ptr[i].unit == nth)
        return (int) i;
    }
    else if (bus_in_family (vm->disks.ptr[i].bus, d->family) && nth-- == 0)
      return (int) i;
  }
  return -1;
}

char *
guest_device_to_uuid (struct guest *gs, const char *devname)
{
  CLEANUP_FREE char *dev = NULL;
  CLEANUP_FREE char *uuid = NULL;
  struct devname d;
  char *out;
  int idx;

  if (devname_parse (devname, &d) == -1 || (idx = disk_index (gs, &d)) < 0)
    return NULL;
  if (d.part > 0) {
    if (asprintf (&dev, "%s%d", gs->devices[idx], d.part) == -1)
      return NULL;
  }
  else if ((dev = strdup (gs->devices[idx])) == NULL)
    return NULL;
  uuid = guestfs_vfs_uuid (gs->g, dev);
  if (uuid == NULL || uuid[0] == '\0')
    return NULL;
  if (asprintf (&out, "UUID=%s", uuid) == -1)
    return NULL;
  return out;
}

char *
guest_uuid_mapper (void *gs, const char *devname)
{
  return guest_device_to_uuid (gs, devname);
}
