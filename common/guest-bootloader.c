/* vmshift: boot entries must not name disks by device name.
 *
 * Regenerating the boot configuration inside the appliance is slow under
 * TCG and runs guest code, so the existing configuration is edited: every
 * root= and resume= naming a device becomes a UUID in grub.cfg, BLS
 * entries, grubenv and /etc/kernel/cmdline, and /etc/default/grub is set
 * up so that the guest's next update-grub keeps using UUIDs.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "devname.h"
#include "guest.h"

#define MAX_BOOT_CONFIG (8 * 1024 * 1024)
#define GRUBENV_SIZE 1024

/* grubenv is a fixed 1024-byte block padded with '#': keep its size by
 * giving up as much padding as the rewrite added.  Returns false if the
 * result cannot be made to fit.
 */
static bool
refit_grubenv (char *out, size_t old_len)
{
  size_t len = strlen (out), pad = 0;

  if (len <= old_len)
    return true;
  while (pad < len && out[len - 1 - pad] == '#')
    pad++;
  if (len - old_len > pad)
    return false;
  out[old_len] = '\0';
  return true;
}

static int
fix_file (struct guest *gs, const char *path, bool is_grubenv)
{
  bool exists;
  CLEANUP_FREE char *text
      = guest_read_file (gs, path, MAX_BOOT_CONFIG, &exists);
  CLEANUP_FREE char *out = NULL;
  int changes;

  if (!exists)
    return 0;
  if (text == NULL)
    return -1;
  out = rewrite_cmdline_refs (text, guest_uuid_mapper, gs, &changes);
  if (out == NULL)
    return -1;
  if (changes == 0)
    return 0;
  if (is_grubenv && !refit_grubenv (out, strlen (text))) {
    guest_note (gs, "%s: no room to rewrite device names; left as is", path);
    return 0;
  }
  guest_note (gs, "%s: %d boot device name(s) -> UUID", path, changes);
  return guest_write_file (gs, path, out, strlen (out));
}

/* Every file matching a glob (in the guest). */
static int
fix_glob (struct guest *gs, const char *pattern)
{
  CLEANUP_FREE_STRING_LIST char **paths = guestfs_glob_expand (gs->g, pattern);

  if (paths == NULL)
    return 0;
  for (size_t i = 0; paths[i]; ++i)
    if (fix_file (gs, paths[i], false) == -1)
      return -1;
  return 0;
}

/* /etc/default/grub: GRUB_DISABLE_LINUX_UUID=true would bring device
 * names back at the next update-grub; comment it out.  Device names in
 * GRUB_CMDLINE_LINUX* become UUIDs too.
 */
static int
fix_default_grub (struct guest *gs)
{
  static const char key[] = "GRUB_DISABLE_LINUX_UUID=";
  const char *path = "/etc/default/grub";
  bool exists;
  CLEANUP_FREE char *text
      = guest_read_file (gs, path, MAX_BOOT_CONFIG, &exists);
  CLEANUP_FREE char *out = NULL;
  char *line;
  int changes;
  size_t len;

  if (!exists)
    return 0;
  if (text == NULL)
    return -1;
  out = rewrite_cmdline_refs (text, guest_uuid_mapper, gs, &changes);
  if (out == NULL)
    return -1;
  for (line = out; (line = strstr (line, key)) != NULL; line++) {
    if (line != out && line[-1] != '\n')
      continue;
    /* Grow by "#" at line start: rebuild the string around it. */
    char *grown;
    size_t at = line - out;
    if (asprintf (&grown, "%.*s#%s", (int) at, out, line) == -1) {
      set_error (errno, "asprintf");
      return -1;
    }
    free (out);
    out = grown;
    line = out + at + 1;
    changes++;
    guest_note (gs, "%s: GRUB_DISABLE_LINUX_UUID commented out", path);
  }
  if (changes == 0)
    return 0;
  len = strlen (out);
  return guest_write_file (gs, path, out, len);
}

int
guest_fix_bootloader (struct guest *gs)
{
  if (fix_default_grub (gs) == -1
      || fix_file (gs, "/boot/grub/grub.cfg", false) == -1
      || fix_file (gs, "/boot/grub2/grub.cfg", false) == -1
      || fix_glob (gs, "/boot/efi/EFI/*/grub.cfg") == -1
      || fix_glob (gs, "/boot/loader/entries/*.conf") == -1
      || fix_file (gs, "/boot/grub/grubenv", true) == -1
      || fix_file (gs, "/boot/grub2/grubenv", true) == -1
      || fix_file (gs, "/etc/kernel/cmdline", false) == -1)
    return -1;
  return 0;
}
