/* vmshift: a guest leaving the hypervisor for real hardware (v2p) drops
 * the settings that only make sense in a VM, and stops being host-only.
 *
 * - virtio modules forced into the initramfs (lines in
 *   /etc/initramfs-tools/modules, /etc/modules, /etc/modules-load.d/,
 *   and vmshift's own /etc/dracut.conf.d/vmshift-virtio.conf) and
 *   module aliases to virtio drivers in /etc/modprobe.d/ go;
 * - the initramfs tools are told to include every storage driver from
 *   now on (initramfs-tools MODULES=most, dracut hostonly="no"), so the
 *   guest's next kernel update still boots on whatever disk controller
 *   the machine has.
 * Virtio and Xen consoles on the kernel command line become ttyS0 in the
 * bootloader step.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"
#include "netcfg.h"

#define MAX_CONFIG (1024 * 1024)

/* Keeps a line unless it names a virtio module (as a module list entry
 * "virtio_blk" or in "alias ... virtio_blk").
 */
static bool
keep_line (const char *line, size_t len, void *opaque)
{
  size_t i = 0;
  (void) opaque;

  while (i < len && (line[i] == ' ' || line[i] == '\t'))
    i++;
  if (i < len && line[i] == '#')
    return true;
  for (size_t j = i; j + 6 <= len; ++j)
    if (strncmp (line + j, "virtio", 6) == 0
        && (j == i || line[j - 1] == ' ' || line[j - 1] == '\t'))
      return false;
  return true;
}

static char *
drop_virtio (const char *text, void *opaque, int *changes)
{
  return netcfg_drop_lines (text, keep_line, opaque, changes);
}

static int
edit_glob (struct guest *gs, const char *pattern)
{
  CLEANUP_FREE_STRING_LIST char **paths = guestfs_glob_expand (gs->g, pattern);

  for (size_t i = 0; paths && paths[i]; ++i) {
    int n;
    if (guestfs_is_file (gs->g, paths[i]) <= 0)
      continue;
    n = guest_edit_file (gs, paths[i], MAX_CONFIG, drop_virtio, NULL);
    if (n == -1)
      return -1;
    if (n > 0)
      guest_note (gs, "vm-settings: %s: %d virtio line(s) removed", paths[i],
                  n);
  }
  return 0;
}

/* Writes path if the tool's configuration directory tool_dir exists. */
static int
write_config (struct guest *gs, const char *tool_dir, const char *path,
              const char *text)
{
  CLEANUP_FREE char *dir = strndup (path, strrchr (path, '/') - path);

  if (guestfs_is_dir (gs->g, tool_dir) <= 0)
    return 0;
  if (dir == NULL || guestfs_mkdir_p (gs->g, dir) == -1) {
    set_error (0, "'%s': %s", path, guestfs_last_error (gs->g));
    return -1;
  }
  if (guest_write_file (gs, path, text, strlen (text)) == -1)
    return -1;
  guest_note (gs, "vm-settings: %s written", path);
  return 0;
}

int
guest_remove_vm_settings (struct guest *gs)
{
  static const char *const globs[] = {
    "/etc/initramfs-tools/modules", "/etc/modules",
    "/etc/modules-load.d/*.conf",   "/etc/modprobe.d/*.conf",
    "/etc/dracut.conf.d/*.conf",    NULL,
  };
  const char *ours = "/etc/dracut.conf.d/vmshift-virtio.conf";

  if (guestfs_is_file (gs->g, ours) > 0) {
    if (guestfs_rm (gs->g, ours) == -1) {
      set_error (0, "'%s': %s", ours, guestfs_last_error (gs->g));
      return -1;
    }
    guest_note (gs, "vm-settings: %s removed", ours);
  }
  for (size_t i = 0; globs[i]; ++i)
    if (edit_glob (gs, globs[i]) == -1)
      return -1;
  if (write_config (gs, "/etc/initramfs-tools",
                    "/etc/initramfs-tools/conf.d/vmshift-physical",
                    "# Written by vmshift (v2p): not host-only, so that a "
                    "new initramfs\n# boots on any disk controller.\n"
                    "MODULES=most\n")
          == -1
      || write_config (gs, "/etc/dracut.conf.d",
                       "/etc/dracut.conf.d/vmshift-physical.conf",
                       "# Written by vmshift (v2p): not host-only, so that a "
                       "new initramfs\n# boots on any disk controller.\n"
                       "hostonly=\"no\"\n")
             == -1)
    return -1;
  return 0;
}
