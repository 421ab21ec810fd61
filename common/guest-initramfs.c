/* vmshift: give the guest's initramfs the virtio drivers.
 *
 * Rebuilding an initramfs inside the appliance is the slowest part of a
 * conversion under TCG (it runs the guest's mkinitramfs or dracut in an
 * emulated CPU).  Instead, for every kernel that has the drivers, a small
 * cpio archive holding the virtio modules, their dependencies and the
 * kernel's module index is built on the host and appended to the existing
 * initramfs: the kernel unpacks concatenated archives in order, udev in
 * the initramfs then loads virtio_pci and the disk and NIC drivers by
 * modalias.  The guest's initramfs configuration also gains the modules,
 * so its own next rebuild (a kernel update) keeps them.  For v2p the same
 * is done with generic storage and NIC drivers (physical_modules).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "cpio-overlay.h"
#include "errors.h"
#include "grub-legacy.h"
#include "guest.h"
#include "initramfs-format.h"

#define MAX_INDEX (64 * 1024 * 1024)
#define MAX_MODULE (64 * 1024 * 1024)

static const char *const virtio_modules[] = {
  "virtio_pci", "virtio_blk", "virtio_scsi", "virtio_net", NULL,
};

/* v2p: what real machines boot from, and their common NICs, so the
 * initramfs is not tied to the VM's hardware (host-only).  Modules a
 * kernel lacks are skipped.
 */
static const char *const physical_modules[] = {
  "ahci",   "ata_piix",    "ata_generic",  "pata_acpi", "nvme",
  "sd_mod", "sr_mod",      "megaraid_sas", "mpt3sas",   "mptsas",
  "hpsa",   "smartpqi",    "aacraid",      "arcmsr",    "3w-sas",
  "isci",   "pm80xx",      "vmd",          "xhci_pci",  "ehci_pci",
  "uas",    "usb_storage", "mmc_block",    "sdhci_pci", "dm_mod",
  "raid1",  "e1000",       "e1000e",       "igb",       "igc",
  "ixgbe",  "i40e",        "ice",          "tg3",       "bnx2",
  "bnx2x",  "bnxt_en",     "r8169",        "atlantic",  NULL,
};

/* The drivers a target needs in every initramfs. */
struct driver_set {
  const char *what; /* "virtio", for notes and errors */
  const char *const *modules;
  const char *required; /* a kernel without it is skipped */
};

static const struct driver_set virtio_set
    = { "virtio", virtio_modules, "virtio_blk" };
static const struct driver_set physical_set
    = { "generic storage and NIC", physical_modules, "ahci" };

/* The module index files kmod and busybox read in an initramfs. */
static const char *const index_files[] = {
  "modules.dep",
  "modules.dep.bin",
  "modules.alias",
  "modules.alias.bin",
  "modules.symbols",
  "modules.symbols.bin",
  "modules.softdep",
  "modules.devname",
  "modules.builtin",
  "modules.builtin.bin",
  "modules.builtin.alias.bin",
  "modules.builtin.modinfo",
  NULL,
};

/* Does a module list (modules.dep or modules.builtin) have NAME (with
 * '-' and '_' equivalent)?  Returns a pointer to the start of its line.
 */
static const char *
find_module_line (const char *list, const char *name)
{
  size_t nl = strlen (name);

  for (const char *line = list; *line;) {
    size_t ll = strcspn (line, "\n");
    size_t pl = strcspn (line, ":\n");
    const char *base = line;

    for (const char *p = line; p < line + pl; ++p)
      if (*p == '/')
        base = p + 1;
    if ((size_t) (line + pl - base) > nl && base[nl] == '.'
        && strncmp (base + nl, ".ko", 3) == 0) {
      bool same = true;
      for (size_t i = 0; i < nl && same; ++i)
        same = base[i] == name[i]
               || ((base[i] == '-' || base[i] == '_')
                   && (name[i] == '-' || name[i] == '_'));
      if (same)
        return line;
    }
    line += ll;
    if (*line == '\n')
      line++;
  }
  return NULL;
}

/* Overlay entries are named by the guest's canonical paths: on a
 * merged-/usr guest /lib is a symlink to usr/lib, in its initramfs too,
 * and the kernel's cpio extractor replaces an existing entry of another
 * type, so a "lib" directory entry would delete the "lib" symlink (and
 * with it the initramfs' shell and loader).  Every directory entry on a
 * canonical path is a real directory.
 *
 * Returns the canonical form of a guest path without its leading '/', for
 * the caller to free, or NULL with the error set.
 */
static char *
canonical_name (struct guest *gs, const char *path)
{
  char *real = guestfs_realpath (gs->g, path);
  char *name;

  if (real == NULL) {
    set_error (0, "'%s': %s", path, guestfs_last_error (gs->g));
    return NULL;
  }
  name = strdup (real[0] == '/' ? real + 1 : real);
  free (real);
  if (name == NULL)
    set_error (errno, "strdup");
  return name;
}

/* Adds one module file (path as in modules.dep) to the overlay. */
static int
add_module (struct guest *gs, struct cpio_overlay *co, const char *kver,
            const char *relpath, string_vector *added)
{
  CLEANUP_FREE char *guest_path = NULL, *name = NULL, *data = NULL;
  size_t len;

  for (size_t i = 0; i < added->len; ++i)
    if (strcmp (added->ptr[i], relpath) == 0)
      return 0;
  if (relpath[0] == '/')
    guest_path = strdup (relpath);
  else if (asprintf (&guest_path, "/lib/modules/%s/%s", kver, relpath) == -1)
    guest_path = NULL;
  if (guest_path == NULL) {
    set_error (errno, "asprintf");
    return -1;
  }
  name = canonical_name (gs, guest_path);
  if (name == NULL)
    return -1;
  data = guest_read_binary (gs, guest_path, MAX_MODULE, &len);
  if (data == NULL || cpio_overlay_add_file (co, name, data, len, 0644) == -1)
    return -1;
  char *copy = strdup (relpath);
  if (copy == NULL || string_vector_append (added, copy) == -1) {
    free (copy);
    set_error (errno, "strdup");
    return -1;
  }
  return 0;
}

/* Adds a module and everything its modules.dep line names. */
static int
add_module_closure (struct guest *gs, struct cpio_overlay *co,
                    const char *kver, const char *line, string_vector *added)
{
  size_t ll = strcspn (line, "\n");
  CLEANUP_FREE char *copy = strndup (line, ll);
  char *save = NULL;

  if (copy == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  /* "kernel/a.ko: kernel/b.ko kernel/c.ko" */
  for (char *tok = strtok_r (copy, ": \t", &save); tok;
       tok = strtok_r (NULL, ": \t", &save))
    if (add_module (gs, co, kver, tok, added) == -1)
      return -1;
  return 0;
}

/* The kernel's initramfs, or NULL if it has none we know. */
static char *
find_initramfs (struct guest *gs, const char *kver)
{
  static const char *const names[][2] = {
    { "/boot/initrd.img-", "" },    /* Debian, Ubuntu */
    { "/boot/initramfs-", ".img" }, /* Fedora, RHEL */
    { "/boot/initrd-", "" },        /* SUSE */
  };
  char *path;

  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    if (asprintf (&path, "%s%s%s", names[i][0], kver, names[i][1]) == -1)
      return NULL;
    if (guestfs_is_file (gs->g, path) > 0)
      return path;
    free (path);
  }
  return NULL;
}

/* NIC pins go into the initramfs too, so an interface named there (the
 * initramfs' udev applies .link files) already has its final name.
 */
static int
add_nic_pins (struct guest *gs, struct cpio_overlay *co)
{
  CLEANUP_FREE_STRING_LIST char **links
      = guestfs_glob_expand (gs->g, "/etc/systemd/network/*vmshift*.link");

  for (size_t i = 0; links && links[i]; ++i) {
    CLEANUP_FREE char *text = guest_read_file (gs, links[i], 65536, NULL);
    CLEANUP_FREE char *dir = NULL, *name = NULL;
    if (text == NULL)
      return -1;
    /* Debian's udev hook copies /etc/systemd/network/ *.link there. */
    if (guestfs_is_dir (gs->g, "/lib/systemd/network") <= 0)
      return 0;
    if ((dir = canonical_name (gs, "/lib/systemd/network")) == NULL)
      return -1;
    if (asprintf (&name, "%s/%s", dir, strrchr (links[i], '/') + 1) == -1) {
      set_error (errno, "asprintf");
      return -1;
    }
    if (cpio_overlay_add_file (co, name, text, strlen (text), 0644) == -1)
      return -1;
  }
  return 0;
}

static int persist_config (struct guest *gs);

static ssize_t
guest_pread (void *opaque, void *buf, size_t n, uint64_t off)
{
  struct {
    struct guest *gs;
    const char *path;
  } *r = opaque;
  size_t got;
  char *data = guestfs_pread (r->gs->g, r->path, n, off, &got);

  if (data == NULL) {
    set_error (0, "'%s': %s", r->path, guestfs_last_error (r->gs->g));
    return -1;
  }
  memcpy (buf, data, got < n ? got : n);
  free (data);
  return got < n ? got : n;
}

/* Scans the guest's initramfs (initramfs-format.h). */
static int
guest_initramfs_layout (struct guest *gs, const char *initrd,
                        struct initramfs_layout *layout)
{
  struct {
    struct guest *gs;
    const char *path;
  } r = { gs, initrd };
  int64_t size = guestfs_filesize (gs->g, initrd);

  if (size < 0) {
    set_error (0, "'%s': %s", initrd, guestfs_last_error (gs->g));
    return -1;
  }
  if (initramfs_scan (guest_pread, &r, size, layout) == -1) {
    prefix_error ("'%s'", initrd);
    return -1;
  }
  return 0;
}

/* The slow path, for initramfs formats an archive cannot be appended to:
 * the guest's own tool rebuilds it (the modules are in its configuration
 * by then, see persist_config).
 */
static int
rebuild_in_guest (struct guest *gs, const char *kver, const char *initrd,
                  const struct initramfs_layout *layout)
{
  const char *deb[] = { "update-initramfs", "-u", "-k", kver, NULL };
  const char *dracut[] = { "dracut", "-f", initrd, kver, NULL };
  const char **argv = guestfs_exists (gs->g, "/usr/sbin/update-initramfs") > 0
                          ? deb
                          : dracut;
  CLEANUP_FREE char *out = NULL;

  if (gs->target == TARGET_KVM && persist_config (gs) == -1)
    return -1;
  out = guestfs_command (gs->g, (char **) argv);
  if (out == NULL) {
    set_error (0, "rebuilding '%s' (%s) with %s: %s", initrd,
               initramfs_compression_name (layout->compression), argv[0],
               guestfs_last_error (gs->g));
    return -1;
  }
  guest_note (gs, "%s (%s): rebuilt with %s", initrd,
              initramfs_compression_name (layout->compression), argv[0]);
  return 1;
}

/* Builds the overlay for one kernel and appends it to its initramfs.
 * Returns 1 if done, 0 if this kernel cannot have virtio (no drivers or
 * no initramfs), -1 on error.
 */
static int
add_drivers_to_kernel (struct guest *gs, const char *kver,
                       const struct driver_set *set)
{
  CLEANUP_FREE char *initrd = find_initramfs (gs, kver);
  CLEANUP_FREE char *dep = NULL, *builtin = NULL, *depfile = NULL;
  CLEANUP_FREE char *builtinfile = NULL, *archive = NULL, *padded = NULL;
  string_vector added = empty_vector;
  struct cpio_overlay *co = NULL;
  struct initramfs_layout layout;
  size_t deplen, alen;
  int64_t isize;
  int r = -1;

  if (initrd == NULL) {
    guest_note (gs, "kernel %s: no initramfs, skipped", kver);
    return 0;
  }
  if (asprintf (&depfile, "/lib/modules/%s/modules.dep", kver) == -1
      || asprintf (&builtinfile, "/lib/modules/%s/modules.builtin", kver)
             == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  if (guestfs_is_file (gs->g, depfile) <= 0) {
    guest_note (gs, "kernel %s: no modules.dep, skipped", kver);
    return 0;
  }
  dep = guest_read_binary (gs, depfile, MAX_INDEX, &deplen);
  if (dep == NULL)
    return -1;
  if (guestfs_is_file (gs->g, builtinfile) > 0) {
    builtin = guest_read_binary (gs, builtinfile, MAX_INDEX, &deplen);
    if (builtin == NULL)
      return -1;
  }
  if (!find_module_line (dep, set->required)
      && !(builtin && find_module_line (builtin, set->required))) {
    guest_note (gs, "kernel %s: no %s driver, skipped", kver, set->required);
    return 0;
  }

  co = cpio_overlay_new ();
  if (co == NULL)
    return -1;
  for (size_t i = 0; set->modules[i]; ++i) {
    const char *line = find_module_line (dep, set->modules[i]);
    if (line && add_module_closure (gs, co, kver, line, &added) == -1)
      goto out;
  }
  for (size_t i = 0; index_files[i]; ++i) {
    CLEANUP_FREE char *path = NULL, *name = NULL, *data = NULL;
    size_t len;
    if (asprintf (&path, "/lib/modules/%s/%s", kver, index_files[i]) == -1) {
      set_error (errno, "asprintf");
      goto out;
    }
    if (guestfs_is_file (gs->g, path) <= 0)
      continue;
    if ((name = canonical_name (gs, path)) == NULL)
      goto out;
    data = guest_read_binary (gs, path, MAX_INDEX, &len);
    if (data == NULL
        || cpio_overlay_add_file (co, name, data, len, 0644) == -1)
      goto out;
  }
  /* What the kernel must decode before our archive decides its form. */
  if (guest_initramfs_layout (gs, initrd, &layout) == -1)
    goto out;
  if (layout.compression == INITRAMFS_LZ4
      || layout.compression == INITRAMFS_LZO) {
    r = rebuild_in_guest (gs, kver, initrd, &layout);
    goto out;
  }
  if (add_nic_pins (gs, co) == -1
      || cpio_overlay_finish (
             co, layout.compression == INITRAMFS_ZSTD ? CPIO_ZSTD : CPIO_GZIP,
             layout.zstd_window, &archive, &alen)
             == -1)
    goto out;

  /* zstd: frames follow directly.  Others: pad to 4 bytes, then gzip. */
  isize = guestfs_filesize (gs->g, initrd);
  if (isize < 0) {
    set_error (0, "'%s': %s", initrd, guestfs_last_error (gs->g));
    goto out;
  }
  size_t pad = layout.compression == INITRAMFS_ZSTD ? 0 : (4 - isize % 4) % 4;
  padded = calloc (1, pad + alen);
  if (padded == NULL) {
    set_error (errno, "calloc");
    goto out;
  }
  memcpy (padded + pad, archive, alen);
  for (size_t off = 0; off < pad + alen; off += 1024 * 1024) {
    size_t n = pad + alen - off < 1024 * 1024 ? pad + alen - off : 1024 * 1024;
    if (guestfs_write_append (gs->g, initrd, padded + off, n) == -1) {
      set_error (0, "appending to '%s': %s", initrd,
                 guestfs_last_error (gs->g));
      goto out;
    }
  }
  guest_note (gs,
              "%s (%s): appended %zu modules and the module index "
              "(%zu bytes)",
              initrd, initramfs_compression_name (layout.compression),
              added.len, alen);
  r = 1;

out:
  cpio_overlay_free (co);
  for (size_t i = 0; i < added.len; ++i)
    free (added.ptr[i]);
  string_vector_reset (&added);
  return r;
}

/* So that the guest's own next initramfs rebuild keeps virtio. */
static int
persist_config (struct guest *gs)
{
  static const char dracut[]
      = "# Added by vmshift: the guest runs on virtio.\n"
        "add_drivers+=\" virtio_pci virtio_blk virtio_scsi virtio_net \"\n";

  /* By the tool installed: a guest moved to dracut keeps initramfs-tools'
   * configuration files.
   */
  if (guestfs_exists (gs->g, "/usr/sbin/update-initramfs") > 0
      && guestfs_is_dir (gs->g, "/etc/initramfs-tools") > 0) {
    const char *path = "/etc/initramfs-tools/modules";
    bool exists;
    CLEANUP_FREE char *text = guest_read_file (gs, path, 1024 * 1024, &exists);
    if (exists && text == NULL)
      return -1;
    for (size_t i = 0; virtio_modules[i]; ++i) {
      char line[64];
      snprintf (line, sizeof line, "%s\n", virtio_modules[i]);
      if (text && strstr (text, line))
        continue;
      if (guestfs_write_append (gs->g, path, line, strlen (line)) == -1) {
        set_error (0, "'%s': %s", path, guestfs_last_error (gs->g));
        return -1;
      }
    }
    guest_note (gs, "%s: virtio modules listed", path);
  }
  if ((guestfs_exists (gs->g, "/usr/bin/dracut") > 0
       || guestfs_exists (gs->g, "/usr/sbin/dracut") > 0)
      && guestfs_is_dir (gs->g, "/etc/dracut.conf.d") > 0) {
    if (guest_write_file (gs, "/etc/dracut.conf.d/vmshift-virtio.conf", dracut,
                          strlen (dracut))
        == -1)
      return -1;
    guest_note (gs, "/etc/dracut.conf.d/vmshift-virtio.conf written");
  }
  return 0;
}

static int
add_drivers (struct guest *gs, const struct driver_set *set)
{
  CLEANUP_FREE_STRING_LIST char **kvers = NULL;

  if (guestfs_is_dir (gs->g, "/lib/modules") <= 0
      || (kvers = guestfs_ls (gs->g, "/lib/modules")) == NULL) {
    set_error (0, "the guest has no /lib/modules: cannot find its kernels");
    return -1;
  }
  for (size_t i = 0; kvers[i]; ++i) {
    int r;

    if (kernel_is_xen_only (kvers[i])) {
      guest_note (gs, "%s: a Xen-only kernel: skipped", kvers[i]);
      continue;
    }
    r = add_drivers_to_kernel (gs, kvers[i], set);
    if (r == -1)
      return -1;
    if (r == 1) {
      char *k = strdup (kvers[i]);
      if (k == NULL || string_vector_append (&gs->kernels, k) == -1) {
        free (k);
        set_error (errno, "strdup");
        return -1;
      }
    }
  }
  if (gs->kernels.len == 0) {
    set_error (0,
               "no kernel in the guest has %s drivers (%s) and an "
               "initramfs; install such a kernel in the guest and try again",
               set->what, set->required);
    return -1;
  }
  return 0;
}

int
guest_add_virtio (struct guest *gs)
{
  if (add_drivers (gs, &virtio_set) == -1)
    return -1;
  return persist_config (gs);
}

/* The guest's own configuration stops being host-only in the
 * vm-settings step (guest-vmsettings.c).
 */
int
guest_add_generic_drivers (struct guest *gs)
{
  return add_drivers (gs, &physical_set);
}
