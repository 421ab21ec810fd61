/* vmshift: boot entries must not name disks by device name, nor Xen's
 * console.
 *
 * Regenerating the boot configuration inside the appliance is slow under
 * TCG and runs guest code, so the existing configuration is edited: every
 * root= and resume= naming a device becomes a UUID in grub.cfg, BLS
 * entries, grubenv and /etc/kernel/cmdline, and /etc/default/grub is set
 * up so that the guest's next update-grub keeps using UUIDs.  A Xen PV
 * console (console=hvc0 or xvc0) becomes console=ttyS0 in the same files,
 * and getty lines on it in /etc/inittab move to ttyS0 (systemd starts a
 * getty on the kernel console by itself).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "console-name.h"
#include "devname.h"
#include "errors.h"
#include "grub-legacy.h"
#include "guest.h"

#define MAX_BOOT_CONFIG (8 * 1024 * 1024)

static char *
edit_cmdline (const char *text, void *gs, int *changes)
{
  char *refs = rewrite_cmdline_refs (text, guest_uuid_mapper, gs, changes);
  char *out;
  int n;

  if (refs == NULL)
    return NULL;
  out = rewrite_cmdline_consoles (refs, &n);
  free (refs);
  *changes += n;
  return out;
}

/* GRUB legacy (pygrub's grub.conf / menu.lst): a default entry that
 * boots a Xen-only kernel moves to the first entry that does not.
 */
static char *
edit_grub_legacy (const char *text, void *gs, int *changes)
{
  char *fixed = grub_legacy_fix_default (text, kernel_is_xen_only, changes);
  char *out;
  int n;

  if (fixed == NULL)
    return NULL;
  out = edit_cmdline (fixed, gs, &n);
  free (fixed);
  *changes += n;
  return out;
}

static char *
edit_inittab (const char *text, void *gs, int *changes)
{
  return rewrite_inittab_consoles (text, changes);
}

/* grubenv is a fixed 1024-byte block padded with '#': the rewrite gives
 * up as much padding as it added, or is not made.
 */
static char *
edit_grubenv (const char *text, void *gs, int *changes)
{
  char *out = edit_cmdline (text, gs, changes);
  size_t len, old_len = strlen (text), pad = 0;

  if (out == NULL || *changes == 0)
    return out;
  len = strlen (out);
  while (pad < len && out[len - 1 - pad] == '#')
    pad++;
  if (len > old_len && len - old_len > pad)
    *changes = 0; /* no room: leave grubenv as it is */
  else if (len > old_len)
    out[old_len] = '\0';
  return out;
}

/* GRUB_DISABLE_LINUX_UUID=true in /etc/default/grub would bring device
 * names back at the next update-grub: comment it out.  Device names in
 * GRUB_CMDLINE_LINUX* become UUIDs too.
 */
static char *
edit_default_grub (const char *text, void *gs, int *changes)
{
  static const char key[] = "GRUB_DISABLE_LINUX_UUID=";
  char *out = edit_cmdline (text, gs, changes);

  for (char *line = out; line && (line = strstr (line, key)) != NULL; line++) {
    char *grown;
    size_t at = line - out;

    if (line != out && line[-1] != '\n')
      continue;
    if (asprintf (&grown, "%.*s#%s", (int) at, out, line) == -1) {
      free (out);
      set_error (errno, "asprintf");
      return NULL;
    }
    free (out);
    out = grown;
    line = out + at + 1;
    (*changes)++;
  }
  return out;
}

static int
fix (struct guest *gs, const char *path, guest_edit_fn edit)
{
  int n = guest_edit_file (gs, path, MAX_BOOT_CONFIG, edit, gs);

  if (n > 0)
    guest_note (gs,
                "%s: %d change(s): device names -> UUID, Xen console "
                "-> ttyS0",
                path, n);
  return n == -1 ? -1 : 0;
}

/* Every file matching a glob (in the guest). */
static int
fix_glob (struct guest *gs, const char *pattern)
{
  CLEANUP_FREE_STRING_LIST char **paths = guestfs_glob_expand (gs->g, pattern);

  for (size_t i = 0; paths && paths[i]; ++i)
    if (fix (gs, paths[i], edit_cmdline) == -1)
      return -1;
  return 0;
}

int
guest_fix_bootloader (struct guest *gs)
{
  if (fix (gs, "/etc/default/grub", edit_default_grub) == -1
      || fix (gs, "/boot/grub/grub.cfg", edit_cmdline) == -1
      || fix (gs, "/boot/grub2/grub.cfg", edit_cmdline) == -1
      || fix (gs, "/boot/grub/grub.conf", edit_grub_legacy) == -1
      || fix (gs, "/boot/grub/menu.lst", edit_grub_legacy) == -1
      || fix_glob (gs, "/boot/efi/EFI/*/grub.cfg") == -1
      || fix_glob (gs, "/boot/loader/entries/*.conf") == -1
      || fix (gs, "/boot/grub/grubenv", edit_grubenv) == -1
      || fix (gs, "/boot/grub2/grubenv", edit_grubenv) == -1
      || fix (gs, "/etc/kernel/cmdline", edit_cmdline) == -1
      || fix (gs, "/etc/inittab", edit_inittab) == -1)
    return -1;
  return 0;
}
