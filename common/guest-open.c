/* vmshift: launching and closing the conversion appliance (guest.h). */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accel.h"
#include "cleanups.h"
#include "errors.h"
#include "guest.h"

/* Records libguestfs's last error as ours, prefixed with what we did. */
static void
set_guestfs_error (guestfs_h *g, const char *what)
{
  const char *msg = guestfs_last_error (g);
  set_error (0, "%s: %s", what, msg ? msg : "libguestfs failed");
}

void
guest_note (struct guest *gs, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  string_vector_vappendf (&gs->notes, fmt, args);
  va_end (args);
}

void
guest_warn (struct guest *gs, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  string_vector_vappendf (&gs->warnings, fmt, args);
  va_end (args);
  if (gs->warnings.len)
    guest_note (gs, "warning: %s", gs->warnings.ptr[gs->warnings.len - 1]);
}

/* A journalled ext filesystem that was not cleanly unmounted would be
 * replayed on mount (inspection mounts, even read-only ones replay);
 * converting it means converting a guest that was running or crashed.
 * Refuse, naming the filesystem.
 */
static int
check_clean (guestfs_h *g, const char *dev, const char *type)
{
  CLEANUP_FREE_STRING_LIST char **kv = NULL;

  if (strncmp (type, "ext", 3) != 0)
    return 0;
  kv = guestfs_tune2fs_l (g, dev);
  if (kv == NULL)
    return 0;
  for (size_t i = 0; kv[i] && kv[i + 1]; i += 2) {
    const char *why = NULL;
    if (strcmp (kv[i], "Filesystem features") == 0
        && strstr (kv[i + 1], "needs_recovery"))
      why = "its journal needs recovery";
    else if (strcmp (kv[i], "Filesystem state") == 0
             && strcmp (kv[i + 1], "clean") != 0)
      why = "its state is not clean";
    if (why) {
      set_error (0,
                 "filesystem %s in the guest was not cleanly unmounted "
                 "(%s): the VM is running or crashed; shut it down "
                 "cleanly and try again",
                 dev, why);
      return -1;
    }
  }
  return 0;
}

static int
compare_mountpoints (const void *a, const void *b)
{
  const char *const *x = a, *const *y = b;
  size_t lx = strlen (x[0]), ly = strlen (y[0]);
  return lx < ly ? -1 : lx > ly ? 1 : strcmp (x[0], y[0]);
}

static int
mount_guest (struct guest *gs)
{
  CLEANUP_FREE_STRING_LIST char **mps = NULL;
  size_t n = 0;

  mps = guestfs_inspect_get_mountpoints (gs->g, gs->root);
  if (mps == NULL) {
    set_guestfs_error (gs->g, "inspection");
    return -1;
  }
  while (mps[n])
    n += 2;
  qsort (mps, n / 2, 2 * sizeof (char *), compare_mountpoints);
  for (size_t i = 0; i < n; i += 2) {
    if (guestfs_mount_options (gs->g, "", mps[i + 1], mps[i]) == -1) {
      set_guestfs_error (gs->g, "mounting the guest's filesystems");
      prefix_error ("%s on %s", mps[i + 1], mps[i]);
      return -1;
    }
  }
  return 0;
}

static int
inspect (struct guest *gs)
{
  CLEANUP_FREE_STRING_LIST char **roots = guestfs_inspect_os (gs->g);
  guestfs_h *g = gs->g;

  if (roots == NULL) {
    set_guestfs_error (g, "inspecting the guest");
    return -1;
  }
  if (roots[0] == NULL) {
    set_error (0, "no operating system was found on the guest's disks");
    return -1;
  }
  if (roots[1] != NULL) {
    set_error (0,
               "the guest's disks hold more than one operating system "
               "(%s, %s): multi-boot guests are not supported",
               roots[0], roots[1]);
    return -1;
  }
  gs->root = strdup (roots[0]);
  gs->type = guestfs_inspect_get_type (g, gs->root);
  gs->distro = guestfs_inspect_get_distro (g, gs->root);
  gs->package_format = guestfs_inspect_get_package_format (g, gs->root);
  gs->major = guestfs_inspect_get_major_version (g, gs->root);
  gs->minor = guestfs_inspect_get_minor_version (g, gs->root);
  if (!gs->root || !gs->type || !gs->distro || !gs->package_format) {
    set_guestfs_error (g, "inspecting the guest");
    return -1;
  }
  if (strcmp (gs->type, "linux") != 0) {
    set_error (0,
               "the guest's operating system is '%s': only Linux "
               "guests can be converted",
               gs->type);
    return -1;
  }
  return 0;
}

/* The open handle's temporary directory, a private one inside $TMPDIR,
 * so that a signal handler can remove it (guest_emergency_cleanup).
 */
static char handle_tmpdir[PATH_MAX];

static int
private_tmpdir (guestfs_h *g)
{
  const char *base = getenv ("TMPDIR");
  int n;

  n = snprintf (handle_tmpdir, sizeof handle_tmpdir, "%s/vmshift-gfs.XXXXXX",
                base && *base ? base : "/tmp");
  if (n < 0 || (size_t) n >= sizeof handle_tmpdir
      || mkdtemp (handle_tmpdir) == NULL) {
    set_error (errno, "a temporary directory in '%s'",
               base && *base ? base : "/tmp");
    handle_tmpdir[0] = '\0';
    return -1;
  }
  if (guestfs_set_tmpdir (g, handle_tmpdir) == -1) {
    set_guestfs_error (g, "libguestfs tmpdir");
    return -1;
  }
  return 0;
}

void
guest_emergency_cleanup (void)
{
  pid_t pid;

  if (handle_tmpdir[0] == '\0')
    return;
  pid = fork ();
  if (pid == 0) {
    execl ("/bin/rm", "rm", "-rf", handle_tmpdir, (char *) NULL);
    _exit (127);
  }
  if (pid > 0)
    waitpid (pid, NULL, 0);
}

int
guest_launch (struct guest *gs, const struct vm *vm, char *const *overlays,
              const char *const *formats, enum guest_target target,
              bool verbose)
{
  guestfs_h *g;

  memset (gs, 0, sizeof *gs);
  gs->vm = vm;
  gs->target = target;
  gs->uefi = vm->firmware == FIRMWARE_UEFI;

  g = gs->g = guestfs_create ();
  if (g == NULL) {
    set_error (errno, "could not create a libguestfs handle");
    return -1;
  }
  if (private_tmpdir (g) == -1)
    return -1;
  guestfs_set_error_handler (g, NULL, NULL);
  if (verbose) {
    guestfs_set_verbose (g, 1);
    guestfs_set_trace (g, 1);
  }
  if (!accel_kvm_usable ()) {
    CLEANUP_FREE char *qemu = guestfs_get_hv (g);
    const char *hv = accel_appliance_hv (qemu);
    if (guestfs_set_backend_setting (g, "force_tcg", "1") == -1
        || (hv && guestfs_set_hv (g, hv) == -1)) {
      set_guestfs_error (g, "libguestfs");
      return -1;
    }
  }
  for (size_t i = 0; overlays[i]; ++i) {
    if (guestfs_add_drive_opts (g, overlays[i], GUESTFS_ADD_DRIVE_OPTS_FORMAT,
                                formats[i], GUESTFS_ADD_DRIVE_OPTS_CACHEMODE,
                                "unsafe", GUESTFS_ADD_DRIVE_OPTS_DISCARD,
                                "besteffort", -1)
        == -1) {
      set_guestfs_error (g, overlays[i]);
      return -1;
    }
  }
  if (guestfs_launch (g) == -1) {
    set_guestfs_error (g, "starting the libguestfs appliance "
                          "(run libguestfs-test-tool to diagnose)");
    return -1;
  }
  gs->devices = guestfs_list_devices (g);
  if (gs->devices == NULL) {
    set_guestfs_error (g, "listing disks");
    return -1;
  }
  /* Before inspection: it mounts filesystems, which replays journals. */
  gs->filesystems = guestfs_list_filesystems (g);
  if (gs->filesystems == NULL) {
    set_guestfs_error (g, "listing filesystems");
    return -1;
  }
  for (size_t i = 0; gs->filesystems[i] && gs->filesystems[i + 1]; i += 2)
    if (check_clean (g, gs->filesystems[i], gs->filesystems[i + 1]) == -1)
      return -1;
  return 0;
}

int
guest_inspect_mount (struct guest *gs)
{
  guestfs_h *g = gs->g;

  if (inspect (gs) == -1 || mount_guest (gs) == -1)
    return -1;
  gs->systemd = guestfs_exists (g, "/lib/systemd/systemd") > 0
                || guestfs_exists (g, "/usr/lib/systemd/systemd") > 0;
  return 0;
}

int
guest_open (struct guest *gs, const struct vm *vm, char *const *overlays,
            const char *const *formats, enum guest_target target, bool verbose)
{
  if (guest_launch (gs, vm, overlays, formats, target, verbose) == -1)
    return -1;
  return guest_inspect_mount (gs);
}

int
guest_close (struct guest *gs)
{
  int r = 0;

  if (gs->g) {
    if (gs->root) {
      if (guestfs_umount_all (gs->g) == -1 || guestfs_sync (gs->g) == -1) {
        set_guestfs_error (gs->g, "unmounting the guest");
        r = -1;
      }
    }
    if (guestfs_shutdown (gs->g) == -1 && r == 0) {
      set_guestfs_error (gs->g, "shutting down the appliance");
      r = -1;
    }
    guestfs_close (gs->g);
  }
  if (handle_tmpdir[0]) {
    rmdir (handle_tmpdir); /* libguestfs removed what it put there */
    handle_tmpdir[0] = '\0';
  }
  free (gs->root);
  free (gs->type);
  free (gs->distro);
  free (gs->package_format);
  free_string_list (gs->devices);
  free_string_list (gs->filesystems);
  free_string_vector (&gs->kernels);
  free_string_vector (&gs->notes);
  free_string_vector (&gs->warnings);
  netcfg_names_free (&gs->nics);
  memset (gs, 0, sizeof *gs);
  return r;
}

const struct guest_step *
guest_steps (enum guest_target target)
{
  static const struct guest_step kvm_steps[] = {
    { "check", guest_check },
    { "remove-vmware-tools", guest_remove_vmware_tools },
    { "device-names", guest_fix_device_names },
    { "bootloader", guest_fix_bootloader },
    { "nic-names", guest_pin_nics },
    { "initramfs", guest_add_virtio },
    { "uefi-fallback", guest_uefi_fallback },
    { "selinux", guest_selinux_relabel },
    { "trim", guest_trim },
    { NULL, NULL },
  };

  static const struct guest_step physical_steps[] = {
    { "check", guest_check },
    { "remove-vmware-tools", guest_remove_vmware_tools },
    { "device-names", guest_fix_device_names },
    { "bootloader", guest_fix_bootloader },
    { "vm-settings", guest_remove_vm_settings },
    { "nic-map", guest_map_nics },
    { "initramfs", guest_add_generic_drivers },
    { "bootloader-install", guest_install_bootloader },
    { "selinux", guest_selinux_relabel },
    { "trim", guest_trim },
    { NULL, NULL },
  };

  return target == TARGET_PHYSICAL ? physical_steps : kvm_steps;
}
