/* vmshift: SELinux guests relabel at first boot, since files the
 * conversion wrote carry no labels.
 */
#include <config.h>

#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"

int
guest_selinux_relabel (struct guest *gs)
{
  bool exists;
  CLEANUP_FREE char *cfg
      = guest_read_file (gs, "/etc/selinux/config", 1024 * 1024, &exists);

  if (!exists)
    return 0;
  if (cfg == NULL)
    return -1;
  if (strstr (cfg, "\nSELINUX=disabled")
      || strncmp (cfg, "SELINUX=disabled", 16) == 0)
    return 0;
  if (guestfs_touch (gs->g, "/.autorelabel") == -1) {
    set_error (0, "/.autorelabel: %s", guestfs_last_error (gs->g));
    return -1;
  }
  guest_note (gs, "selinux: /.autorelabel created");
  return 0;
}
