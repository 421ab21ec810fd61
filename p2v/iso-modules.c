/* p2v iso: the kernel modules the LiveCD carries (iso.h). */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanups.h"
#include "command.h"
#include "errors.h"
#include "file-util.h"
#include "iso.h"
#include "vector.h"

/* What a server needs to reach its disks, the LiveCD and its network,
 * by module name ('-' and '_' alike).  Missing ones are skipped: not
 * every kernel has each.
 */
static const char *const wanted[] = {
  /* SATA, NVMe, SCSI disks and CDs. */
  "ahci",
  "ata_piix",
  "ata_generic",
  "pata_acpi",
  "nvme",
  "sd_mod",
  "sr_mod",
  "cdrom",
  "isofs",
  /* RAID and SAS controllers. */
  "megaraid_sas",
  "mpt3sas",
  "mptsas",
  "mptspi",
  "hpsa",
  "smartpqi",
  "aacraid",
  "isci",
  "vmw_pvscsi",
  /* Virtual machines. */
  "virtio_pci",
  "virtio_blk",
  "virtio_scsi",
  "virtio_net",
  /* USB sticks and keyboards. */
  "xhci_pci",
  "xhci_hcd",
  "ehci_pci",
  "ehci_hcd",
  "ohci_pci",
  "uhci_hcd",
  "usb_storage",
  "uas",
  "usbhid",
  "hid_generic",
  /* NICs. */
  "e1000",
  "e1000e",
  "igb",
  "igc",
  "ixgbe",
  "i40e",
  "ice",
  "bnx2",
  "bnx2x",
  "tg3",
  "bnxt_en",
  "r8169",
  "vmxnet3",
  "mlx4_en",
  "mlx5_core",
  "be2net",
  "qede",
};

/* The module name of a modules.dep path: "kernel/.../usb-storage.ko.xz"
 * is usb_storage.  Written into buf (of size n).
 */
static void
module_name (const char *path, size_t len, char *buf, size_t n)
{
  const char *base = path + len;
  size_t i = 0;

  while (base > path && base[-1] != '/')
    --base;
  for (; base < path + len && *base != '.' && i < n - 1; ++base)
    buf[i++] = *base == '-' ? '_' : *base;
  buf[i] = '\0';
}

static bool
is_wanted (const char *name)
{
  for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; ++i)
    if (strcmp (wanted[i], name) == 0)
      return true;
  return false;
}

static bool
listed (const string_vector *v, const char *s)
{
  for (size_t i = 0; i < v->len; ++i)
    if (strcmp (v->ptr[i], s) == 0)
      return true;
  return false;
}

/* Adds the n bytes at s to v unless there. */
static int
add_path (string_vector *v, const char *s, size_t n)
{
  char *copy = strndup (s, n);

  if (copy == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  if (listed (v, copy)) {
    free (copy);
    return 0;
  }
  if (string_vector_append (v, copy) == -1) {
    set_error (errno, "out of memory");
    free (copy);
    return -1;
  }
  return 0;
}

/* The wanted modules' paths and their dependencies' from modules.dep
 * ("PATH: DEP DEP...", the dependencies already transitive).
 */
static int
select_modules (const char *dep, string_vector *paths)
{
  for (const char *line = dep; *line;) {
    const char *nl = strchrnul (line, '\n'), *colon;
    char name[64];

    colon = memchr (line, ':', nl - line);
    if (colon) {
      module_name (line, colon - line, name, sizeof name);
      if (is_wanted (name)) {
        if (add_path (paths, line, colon - line) == -1)
          return -1;
        for (const char *p = colon + 1; p < nl;) {
          size_t n;
          p += strspn (p, " \t");
          n = strcspn (p, " \t\n");
          if (n > 0 && add_path (paths, p, n) == -1)
            return -1;
          p += n;
        }
      }
    }
    line = *nl ? nl + 1 : nl;
  }
  return 0;
}

/* The command that decompresses a module in place, by its suffix. */
static const char *const *
decompressor (const char *path, const char **package)
{
  static const char *const xz[] = { "xz", "-d", "-f", "-q", NULL };
  static const char *const zst[] = { "zstd", "-d", "-f", "-q", "--rm", NULL };
  static const char *const gz[] = { "gzip", "-d", "-f", NULL };

  *package = NULL;
  if (ends_with_ci (path, ".ko.xz"))
    return *package = "xz-utils", xz;
  if (ends_with_ci (path, ".ko.zst"))
    return *package = "zstd", zst;
  if (ends_with_ci (path, ".ko.gz"))
    return *package = "gzip", gz;
  return NULL;
}

/* Copies one module (path relative to moddir), uncompressed: busybox's
 * modprobe loads plain .ko files only.
 */
static int
stage_module (const char *root, const char *moddir, const char *rel,
              const char *kver)
{
  CLEANUP_FREE char *src = NULL, *dest = NULL, *staged = NULL;
  const char *const *unpack;
  const char *package;

  if (asprintf (&src, "%s/%s", moddir, rel) == -1
      || asprintf (&dest, "lib/modules/%s/%s", kver, rel) == -1
      || asprintf (&staged, "%s/%s", root, dest) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  if (iso_copy_file (root, src, dest, 0644) == -1)
    return -1;
  unpack = decompressor (rel, &package);
  if (unpack) {
    const char *argv[8];
    size_t i = 0;

    for (; unpack[i]; ++i)
      argv[i] = unpack[i];
    argv[i++] = staged;
    argv[i] = NULL;
    if (run_command (argv) == -1) {
      prefix_error ("decompressing '%s' (needs the Debian package %s)", src,
                    package);
      return -1;
    }
  }
  return 0;
}

int
iso_stage_modules (const char *root, const char *kver, size_t *count)
{
  static const char *const extras[]
      = { "modules.order", "modules.builtin", "modules.builtin.modinfo" };
  CLEANUP_FREE char *moddir = NULL, *deppath = NULL, *dep = NULL;
  const char *argv[] = { "depmod", "-b", root, kver, NULL };
  string_vector paths = empty_vector;
  size_t len;
  int r = -1;

  if (asprintf (&moddir, "/lib/modules/%s", kver) == -1
      || asprintf (&deppath, "%s/modules.dep", moddir) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  dep = read_small_file (deppath, 64 << 20, "modules.dep", &len);
  if (dep == NULL)
    return -1;
  if (select_modules (dep, &paths) == -1)
    goto out;
  if (paths.len == 0) {
    set_error (0, "'%s' names none of the disk or network drivers", deppath);
    goto out;
  }
  for (size_t i = 0; i < paths.len; ++i)
    if (stage_module (root, moddir, paths.ptr[i], kver) == -1)
      goto out;
  for (size_t i = 0; i < sizeof extras / sizeof extras[0]; ++i) {
    CLEANUP_FREE char *src = NULL, *dest = NULL;

    if (asprintf (&src, "%s/%s", moddir, extras[i]) == -1
        || asprintf (&dest, "lib/modules/%s/%s", kver, extras[i]) == -1) {
      set_error (errno, "asprintf");
      goto out;
    }
    if (access (src, R_OK) == 0 && iso_copy_file (root, src, dest, 0644) == -1)
      goto out;
  }
  if (run_command (argv) == -1) {
    prefix_error ("making the LiveCD's modules.dep");
    goto out;
  }
  *count = paths.len;
  r = 0;

out:
  free_string_vector (&paths);
  return r;
}
