/* vmshift: unused blocks never travel.
 *
 * Every mounted filesystem is trimmed: on the qcow2 overlay the discards
 * become zero clusters, which the copy engine then skips.  Swap holds
 * nothing worth keeping once the guest is shut down: it is discarded and
 * given a fresh header with the same UUID and label.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"

static void
reset_swap (struct guest *gs, const char *dev)
{
  CLEANUP_FREE char *uuid = guestfs_vfs_uuid (gs->g, dev);
  CLEANUP_FREE char *label = guestfs_vfs_label (gs->g, dev);

  if (uuid == NULL || label == NULL)
    return;
  if (guestfs_blkdiscard (gs->g, dev) == -1)
    return; /* the device cannot discard: keep the swap as it was */
  if (guestfs_mkswap_opts (gs->g, dev, GUESTFS_MKSWAP_OPTS_UUID, uuid,
                           label[0] ? GUESTFS_MKSWAP_OPTS_LABEL : -1, label,
                           -1)
      == -1) {
    guest_note (gs, "trim: could not rewrite swap on %s: %s", dev,
                guestfs_last_error (gs->g));
    return;
  }
  guest_note (gs, "trim: swap %s discarded (UUID %s kept)", dev, uuid);
}

int
guest_trim (struct guest *gs)
{
  CLEANUP_FREE_STRING_LIST char **mps = guestfs_mountpoints (gs->g);
  char **fss = gs->filesystems;

  for (size_t i = 0; mps && mps[i] && mps[i + 1]; i += 2) {
    if (guestfs_fstrim (gs->g, mps[i + 1], -1) == -1)
      guest_note (gs, "trim: %s: %s", mps[i + 1], guestfs_last_error (gs->g));
  }
  for (size_t i = 0; fss && fss[i] && fss[i + 1]; i += 2)
    if (strcmp (fss[i + 1], "swap") == 0)
      reset_swap (gs, fss[i]);
  return 0;
}
