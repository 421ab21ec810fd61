/* vmshift: a UEFI guest must boot with empty NVRAM.
 *
 * The new VM starts with fresh OVMF variables, so no boot entry points at
 * the guest's loader.  OVMF then boots the removable-media fallback path
 * \EFI\BOOT\BOOTX64.EFI; if the ESP lacks it, the guest's own loader
 * (shim with grub beside it, or grub alone) is copied there.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"

static int
copy (struct guest *gs, const char *from, const char *to)
{
  if (guestfs_cp (gs->g, from, to) == -1) {
    set_error (0, "copying '%s' to '%s' on the ESP: %s", from, to,
               guestfs_last_error (gs->g));
    return -1;
  }
  guest_note (gs, "uefi-fallback: %s -> %s", from, to);
  return 0;
}

/* Copies name from dir into /EFI/BOOT if it exists there. */
static int
copy_sibling (struct guest *gs, const char *dir, const char *name,
              const char *to)
{
  CLEANUP_FREE char *from = NULL, *dest = NULL;

  if (asprintf (&from, "%s/%s", dir, name) == -1
      || asprintf (&dest, "/boot/efi/EFI/BOOT/%s", to ? to : name) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  if (guestfs_is_file (gs->g, from) <= 0)
    return 0;
  return copy (gs, from, dest);
}

int
guest_uefi_fallback (struct guest *gs)
{
  CLEANUP_FREE_STRING_LIST char **shims = NULL, **grubs = NULL;
  CLEANUP_FREE char *dir = NULL;
  CLEANUP_FREE char *fallback = NULL;

  if (!gs->uefi)
    return 0;
  if (guestfs_is_dir (gs->g, "/boot/efi/EFI") <= 0) {
    set_error (0, "the guest boots with UEFI but no ESP is mounted at "
                  "/boot/efi");
    return -1;
  }
  fallback
      = guestfs_case_sensitive_path (gs->g, "/boot/efi/EFI/BOOT/BOOTX64.EFI");
  if (fallback && guestfs_is_file (gs->g, fallback) > 0) {
    guest_note (gs, "uefi-fallback: %s already present", fallback);
    return 0;
  }
  shims = guestfs_glob_expand (gs->g, "/boot/efi/EFI/*/shimx64.efi");
  grubs = guestfs_glob_expand (gs->g, "/boot/efi/EFI/*/grubx64.efi");
  const char *loader = shims && shims[0]   ? shims[0]
                       : grubs && grubs[0] ? grubs[0]
                                           : NULL;
  if (loader == NULL) {
    set_error (0, "the guest's ESP has neither \\EFI\\BOOT\\BOOTX64.EFI "
                  "nor a shimx64.efi or grubx64.efi to boot from");
    return -1;
  }
  dir = strndup (loader, strrchr (loader, '/') - loader);
  if (dir == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  if (guestfs_mkdir_p (gs->g, "/boot/efi/EFI/BOOT") == -1) {
    set_error (0, "/boot/efi/EFI/BOOT: %s", guestfs_last_error (gs->g));
    return -1;
  }
  if (copy (gs, loader, "/boot/efi/EFI/BOOT/BOOTX64.EFI") == -1)
    return -1;
  /* shim loads grubx64.efi (and mmx64.efi) from its own directory;
   * signed grub reads grub.cfg from there too.
   */
  if ((loader == (shims ? shims[0] : NULL)
       && (copy_sibling (gs, dir, "grubx64.efi", NULL) == -1
           || copy_sibling (gs, dir, "mmx64.efi", NULL) == -1))
      || copy_sibling (gs, dir, "grub.cfg", NULL) == -1)
    return -1;
  return 0;
}
