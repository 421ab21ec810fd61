/* vmshift: remove VMware Tools.
 *
 * Packaged open-vm-tools goes through the guest's package manager (its
 * maintainer scripts undo what it set up); a tarball install through its
 * own uninstaller when the guest can run it, else its files are removed.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"

static const char *const packages[] = {
  "open-vm-tools-desktop",
  "open-vm-tools-sdmp",
  "open-vm-tools-containerinfo",
  "open-vm-tools-salt-minion",
  "open-vm-tools",
  "vmware-tools",
  NULL,
};

/* Is the package installed (deb: dpkg's info list; rpm: rpm -q)? */
static bool
installed (struct guest *gs, const char *pkg)
{
  if (strcmp (gs->package_format, "deb") == 0) {
    CLEANUP_FREE char *list = NULL;
    if (asprintf (&list, "/var/lib/dpkg/info/%s.list", pkg) == -1)
      return false;
    return guestfs_is_file (gs->g, list) > 0;
  }
  if (strcmp (gs->package_format, "rpm") == 0) {
    const char *argv[] = { "rpm", "-q", pkg, NULL };
    CLEANUP_FREE char *out = guestfs_command (gs->g, (char **) argv);
    return out != NULL;
  }
  return false;
}

static int
remove_packages (struct guest *gs)
{
  const char *argv[16];
  size_t n = 0;
  CLEANUP_FREE char *out = NULL;
  bool deb = strcmp (gs->package_format, "deb") == 0;

  if (deb) {
    argv[n++] = "/usr/bin/env";
    argv[n++] = "DEBIAN_FRONTEND=noninteractive";
    argv[n++] = "dpkg";
    argv[n++] = "--purge";
  }
  else {
    argv[n++] = "rpm";
    argv[n++] = "-e";
  }
  size_t first = n;
  for (size_t i = 0; packages[i] && n < 14; ++i)
    if (installed (gs, packages[i]))
      argv[n++] = packages[i];
  if (n == first)
    return 0;
  argv[n] = NULL;
  out = guestfs_command (gs->g, (char **) argv);
  if (out == NULL) {
    set_error (0, "removing VMware Tools (%s): %s", argv[first],
               guestfs_last_error (gs->g));
    return -1;
  }
  for (size_t i = first; i < n; ++i)
    guest_note (gs, "remove-vmware-tools: package %s removed", argv[i]);
  return 0;
}

/* VMware's tarball installer records itself in /etc/vmware-tools. */
static int
remove_tarball (struct guest *gs)
{
  static const char uninstaller[] = "/usr/bin/vmware-uninstall-tools.pl";
  static const char *const leftovers[] = {
    "/etc/vmware-tools",
    "/usr/lib/vmware-tools",
    "/usr/bin/vmware-toolbox-cmd",
    "/usr/sbin/vmtoolsd",
    "/etc/init.d/vmware-tools",
    "/etc/systemd/system/vmtoolsd.service",
    NULL,
  };

  if (guestfs_is_file (gs->g, "/etc/vmware-tools/locations") <= 0)
    return 0;
  if (guestfs_is_file (gs->g, uninstaller) > 0
      && guestfs_is_file (gs->g, "/usr/bin/perl") > 0) {
    const char *argv[] = { uninstaller, NULL };
    CLEANUP_FREE char *out = guestfs_command (gs->g, (char **) argv);
    if (out) {
      guest_note (gs, "remove-vmware-tools: ran %s", uninstaller);
      return 0;
    }
    guest_note (gs, "remove-vmware-tools: %s failed (%s); removing files",
                uninstaller, guestfs_last_error (gs->g));
  }
  for (size_t i = 0; leftovers[i]; ++i)
    if (guestfs_exists (gs->g, leftovers[i]) > 0
        && guestfs_rm_rf (gs->g, leftovers[i]) == 0)
      guest_note (gs, "remove-vmware-tools: %s removed", leftovers[i]);
  return 0;
}

int
guest_remove_vmware_tools (struct guest *gs)
{
  if ((strcmp (gs->package_format, "deb") == 0
       || strcmp (gs->package_format, "rpm") == 0)
      && remove_packages (gs) == -1)
    return -1;
  return remove_tarball (gs);
}
