/* vmshift: the physical machine p2v captures (see machine.h). */
#include <config.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "machine.h"
#include "strbuf.h"

#define MiB (1024 * 1024ULL)
#define ISO9660_MAGIC_OFFSET 32769

/* The first line of root + path (printf-style), trimmed; NULL if absent
 * or empty.  Caller frees.
 */
static char *__attribute__ ((format (printf, 2, 3)))
read_attr (const char *root, const char *fmt, ...)
{
  CLEANUP_FREE char *rel = NULL, *path = NULL;
  char line[512];
  FILE *fp;
  va_list ap;
  size_t n;

  va_start (ap, fmt);
  if (vasprintf (&rel, fmt, ap) == -1)
    rel = NULL;
  va_end (ap);
  if (rel == NULL || asprintf (&path, "%s%s", root, rel) == -1) {
    path = NULL;
    return NULL;
  }
  fp = fopen (path, "re");
  if (fp == NULL)
    return NULL;
  if (fgets (line, sizeof line, fp) == NULL) {
    fclose (fp);
    return NULL;
  }
  fclose (fp);
  n = strlen (line);
  while (n > 0 && isspace ((unsigned char) line[n - 1]))
    line[--n] = '\0';
  return n > 0 ? strdup (line) : NULL;
}

static bool
skip_block_name (const char *n)
{
  static const char *const prefixes[]
      = { "loop", "ram", "zram", "sr", "fd", "dm-", "md", "nbd", "drbd" };
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; ++i)
    if (strncmp (n, prefixes[i], strlen (prefixes[i])) == 0)
      return true;
  return n[0] == '.';
}

/* Does the device hold an ISO 9660 image (the p2v medium on a USB
 * stick)?
 */
static bool
is_iso9660 (const char *path)
{
  char magic[5];
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  bool r;

  if (fd == -1)
    return false;
  r = pread (fd, magic, 5, ISO9660_MAGIC_OFFSET) == 5
      && memcmp (magic, "CD001", 5) == 0;
  close (fd);
  return r;
}

/* Opens root + rel; *path (caller frees) names it, NULL when even the
 * name could not be made.  NULL with the error set on failure.
 */
static DIR *
open_dir (const char *root, const char *rel, char **path)
{
  DIR *d;

  if (asprintf (path, "%s%s", root, rel) == -1) {
    *path = NULL;
    set_error (errno, "asprintf");
    return NULL;
  }
  d = opendir (*path);
  if (d == NULL)
    set_error (errno, "'%s'", *path);
  return d;
}

static int
probe_disks (const char *root, struct machine *m)
{
  CLEANUP_FREE char *dir = NULL;
  DIR *d = open_dir (root, "/sys/block", &dir);
  struct dirent *e;

  if (d == NULL)
    return -1;
  while ((e = readdir (d)) != NULL) {
    struct machine_disk disk = { 0 };
    CLEANUP_FREE char *sectors = NULL, *removable = NULL;

    if (skip_block_name (e->d_name))
      continue;
    sectors = read_attr (root, "/sys/block/%s/size", e->d_name);
    if (sectors == NULL || strtoull (sectors, NULL, 10) == 0)
      continue;
    removable = read_attr (root, "/sys/block/%s/removable", e->d_name);
    disk.size = strtoull (sectors, NULL, 10) * 512;
    disk.name = strdup (e->d_name);
    if (asprintf (&disk.path, "%s/dev/%s", root, e->d_name) == -1)
      disk.path = NULL;
    disk.model = read_attr (root, "/sys/block/%s/device/model", e->d_name);
    disk.serial = read_attr (root, "/sys/block/%s/device/serial", e->d_name);
    if (disk.serial == NULL)
      disk.serial = read_attr (root, "/sys/block/%s/device/wwid", e->d_name);
    disk.skipped = (removable && strcmp (removable, "1") == 0)
                   || (disk.path && is_iso9660 (disk.path));
    if (disk.name == NULL || disk.path == NULL
        || machine_disk_vector_append (&m->disks, disk) == -1) {
      free (disk.name);
      free (disk.path);
      free (disk.model);
      free (disk.serial);
      closedir (d);
      set_error (errno, "out of memory");
      return -1;
    }
  }
  closedir (d);
  return 0;
}

static int
probe_nics (const char *root, struct machine *m)
{
  CLEANUP_FREE char *dir = NULL;
  DIR *d = open_dir (root, "/sys/class/net", &dir);
  struct dirent *e;

  if (d == NULL && dir == NULL)
    return -1;
  if (d == NULL) {
    clear_error (); /* no network at all */
    return 0;
  }
  while ((e = readdir (d)) != NULL) {
    struct machine_nic nic = { 0 };
    CLEANUP_FREE char *dev = NULL, *drv = NULL;
    char link[4096];
    ssize_t n;

    if (e->d_name[0] == '.' || strcmp (e->d_name, "lo") == 0)
      continue;
    if (asprintf (&dev, "%s/%s/device", dir, e->d_name) == -1
        || asprintf (&drv, "%s/driver", dev) == -1) {
      closedir (d);
      set_error (errno, "asprintf");
      return -1;
    }
    if (access (dev, F_OK) == -1)
      continue; /* virtual: bridge, bond, tunnel */
    nic.mac = read_attr (root, "/sys/class/net/%s/address", e->d_name);
    if (nic.mac == NULL)
      continue;
    for (char *p = nic.mac; *p; ++p)
      *p = (char) tolower ((unsigned char) *p);
    nic.name = strdup (e->d_name);
    n = readlink (drv, link, sizeof link - 1);
    if (n > 0) {
      link[n] = '\0';
      nic.driver = strdup (basename (link));
    }
    if (nic.name == NULL || machine_nic_vector_append (&m->nics, nic) == -1) {
      free (nic.name);
      free (nic.mac);
      free (nic.driver);
      closedir (d);
      set_error (errno, "out of memory");
      return -1;
    }
  }
  closedir (d);
  return 0;
}

static int
by_disk_name (const void *a, const void *b)
{
  return strcmp (((const struct machine_disk *) a)->name,
                 ((const struct machine_disk *) b)->name);
}

static int
by_nic_name (const void *a, const void *b)
{
  return strcmp (((const struct machine_nic *) a)->name,
                 ((const struct machine_nic *) b)->name);
}

static void
probe_uuid (const char *root, struct machine *m)
{
  char *u = read_attr (root, "/sys/class/dmi/id/product_uuid");

  if (u == NULL)
    return;
  for (char *p = u; *p; ++p)
    *p = (char) tolower ((unsigned char) *p);
  /* Firmware that sets none says all zeros or all ones. */
  if (strlen (u) != 36 || strspn (u, "0-") == 36 || strspn (u, "f-") == 36) {
    free (u);
    return;
  }
  m->uuid = u;
}

int
machine_probe (const char *root, struct machine *m)
{
  CLEANUP_FREE char *meminfo = NULL, *efi = NULL;
  CLEANUP_FCLOSE FILE *fp = NULL;
  char line[256];
  long cpus;

  memset (m, 0, sizeof *m);
  if (probe_disks (root, m) == -1 || probe_nics (root, m) == -1)
    return -1;
  qsort (m->disks.ptr, m->disks.len, sizeof m->disks.ptr[0], by_disk_name);
  qsort (m->nics.ptr, m->nics.len, sizeof m->nics.ptr[0], by_nic_name);

  cpus = sysconf (_SC_NPROCESSORS_ONLN);
  m->cpus = cpus > 0 ? (unsigned) cpus : 1;
  if (asprintf (&meminfo, "%s/proc/meminfo", root) == -1) {
    meminfo = NULL;
    set_error (errno, "asprintf");
    return -1;
  }
  fp = fopen (meminfo, "re");
  while (fp && fgets (line, sizeof line, fp)) {
    uint64_t kib;
    if (sscanf (line, "MemTotal: %" SCNu64 " kB", &kib) == 1) {
      /* The kernel keeps some for itself: round up to 128 MiB. */
      m->memory = (kib * 1024 + 128 * MiB - 1) / (128 * MiB) * (128 * MiB);
      break;
    }
  }
  if (m->memory == 0)
    m->memory = 1024 * MiB;
  if (asprintf (&efi, "%s/sys/firmware/efi", root) == -1) {
    efi = NULL;
    set_error (errno, "asprintf");
    return -1;
  }
  m->uefi = access (efi, F_OK) == 0;
  probe_uuid (root, m);
  return 0;
}

int
machine_add_disk (struct machine *m, const char *path)
{
  struct machine_disk disk = { 0 };
  CLEANUP_FREE char *copy = strdup (path);
  struct stat st;
  int fd;

  if (copy == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    set_error (errno, "'%s'", path);
    return -1;
  }
  if (fstat (fd, &st) == -1) {
    set_error (errno, "'%s'", path);
    close (fd);
    return -1;
  }
  if (S_ISBLK (st.st_mode)) {
    if (ioctl (fd, BLKGETSIZE64, &disk.size) == -1) {
      set_error (errno, "'%s': size", path);
      close (fd);
      return -1;
    }
  }
  else if (S_ISREG (st.st_mode))
    disk.size = (uint64_t) st.st_size;
  else {
    set_error (0, "'%s' is not a disk (a block device or an image file)",
               path);
    close (fd);
    return -1;
  }
  close (fd);
  if (disk.size == 0) {
    set_error (0, "'%s' is empty", path);
    return -1;
  }
  disk.name = strdup (basename (copy));
  disk.path = strdup (path);
  if (disk.name == NULL || disk.path == NULL
      || machine_disk_vector_append (&m->disks, disk) == -1) {
    free (disk.name);
    free (disk.path);
    set_error (errno, "out of memory");
    return -1;
  }
  return 0;
}

void
machine_clear (struct machine *m)
{
  for (size_t i = 0; i < m->disks.len; ++i) {
    free (m->disks.ptr[i].name);
    free (m->disks.ptr[i].path);
    free (m->disks.ptr[i].model);
    free (m->disks.ptr[i].serial);
  }
  for (size_t i = 0; i < m->nics.len; ++i) {
    free (m->nics.ptr[i].name);
    free (m->nics.ptr[i].mac);
    free (m->nics.ptr[i].driver);
  }
  free (m->disks.ptr);
  free (m->nics.ptr);
  free (m->uuid);
  memset (m, 0, sizeof *m);
}

/* Appends s with XML's five special characters escaped. */
static int
add_escaped (struct strbuf *b, const char *s)
{
  for (; *s; ++s) {
    const char *rep = NULL;
    switch (*s) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '\'': rep = "&apos;"; break;
      case '"': rep = "&quot;"; break;
    }
    if (strbuf_add (b, rep ? rep : s, rep ? strlen (rep) : 1) == -1)
      return -1;
  }
  return 0;
}

static int __attribute__ ((format (printf, 2, 3)))
addf (struct strbuf *b, const char *fmt, ...)
{
  CLEANUP_FREE char *s = NULL;
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (n == -1) {
    s = NULL;
    set_error (errno, "vasprintf");
    return -1;
  }
  return strbuf_add (b, s, (size_t) n);
}

/* libvirt's name for the NIC a driver drives, or NULL. */
static const char *
libvirt_model (const char *driver)
{
  static const char *const known[][2] = {
    { "e1000", "e1000" },       { "e1000e", "e1000e" },
    { "virtio_net", "virtio" }, { "vmxnet3", "vmxnet3" },
    { "8139cp", "rtl8139" },    { "8139too", "rtl8139" },
    { "igb", "igb" },
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i)
    if (strcmp (driver, known[i][0]) == 0)
      return known[i][1];
  return NULL;
}

char *
machine_xml (const struct machine *m, const char *name, const size_t *disks,
             size_t ndisks)
{
  struct strbuf b = { 0 };
  int r = 0;

  r |= addf (&b, "<domain type='kvm'>\n  <name>");
  r |= add_escaped (&b, name);
  r |= addf (&b, "</name>\n");
  if (m->uuid)
    r |= addf (&b, "  <uuid>%s</uuid>\n", m->uuid);
  r |= addf (&b,
             "  <memory unit='KiB'>%" PRIu64 "</memory>\n"
             "  <vcpu>%u</vcpu>\n"
             "  <os%s>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"
             "  <devices>\n",
             m->memory / 1024, m->cpus, m->uefi ? " firmware='efi'" : "");
  for (size_t i = 0; i < ndisks && r == 0; ++i) {
    const struct machine_disk *d = &m->disks.ptr[disks[i]];
    r |= addf (&b,
               "    <disk type='file' device='disk'>\n"
               "      <driver name='qemu' type='raw'/>\n"
               "      <source file='disk-%zu.raw'/>\n"
               "      <target dev='sd%c' bus='sata'/>\n",
               i, (char) ('a' + i % 26));
    if (d->serial) {
      r |= addf (&b, "      <serial>");
      r |= add_escaped (&b, d->serial);
      r |= addf (&b, "</serial>\n");
    }
    r |= addf (&b, "    </disk>\n");
  }
  for (size_t i = 0; i < m->nics.len && r == 0; ++i) {
    const struct machine_nic *n = &m->nics.ptr[i];
    r |= addf (&b, "    <interface type='network'>\n      <mac address='");
    r |= add_escaped (&b, n->mac);
    r |= addf (&b, "'/>\n      <source network='default'/>\n");
    if (n->driver && libvirt_model (n->driver)) {
      r |= addf (&b, "      <model type='%s'/>\n", libvirt_model (n->driver));
    }
    r |= addf (&b, "    </interface>\n");
  }
  r |= addf (&b, "  </devices>\n</domain>\n");
  if (r != 0) {
    free (b.buf);
    return NULL;
  }
  return b.buf;
}
