/* vmshift: refuse guests that cannot be converted safely.
 *
 * Dirty filesystems are refused when the guest is opened (guest-open.c),
 * before mounting would replay their journals.  This step refuses a guest
 * that was hibernated: its memory image in swap would resume against
 * disks that the conversion changed.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"

static const char *const hibernation_signatures[] = {
  "S1SUSPEND", "S2SUSPEND", "ULSUSPEND", "LINHIB0001", NULL,
};

/* Does this filesystem (device, blkid type) hold a hibernation image? */
static bool
hibernated (struct guest *gs, const char *dev, const char *type)
{
  CLEANUP_FREE char *sig = NULL;
  size_t n;

  /* blkid calls a swap holding a hibernation image "swsuspend". */
  if (strcmp (type, "swsuspend") == 0)
    return true;
  if (strcmp (type, "swap") != 0)
    return false;
  /* The signature sits in the last 10 bytes of the first 4 KiB page. */
  sig = guestfs_pread_device (gs->g, dev, 10, 4096 - 10, &n);
  if (sig == NULL || n != 10)
    return false;
  for (size_t k = 0; hibernation_signatures[k]; ++k) {
    const char *s = hibernation_signatures[k];
    if (memcmp (sig, s, strlen (s)) == 0)
      return true;
  }
  return false;
}

int
guest_check (struct guest *gs)
{
  char **fss = gs->filesystems;

  for (size_t i = 0; fss && fss[i] && fss[i + 1]; i += 2) {
    if (hibernated (gs, fss[i], fss[i + 1])) {
      set_error (0,
                 "the guest is hibernated (swap %s holds a hibernation "
                 "image); boot it and shut it down properly, then convert "
                 "again",
                 fss[i]);
      return -1;
    }
  }
  guest_note (gs, "check: %s %d.%d, root %s, %s", gs->distro, gs->major,
              gs->minor, gs->root, gs->systemd ? "systemd" : "no systemd");
  return 0;
}
