/* vmshift: reinstall the bootloader for the target's firmware (v2p).
 *
 * The guest's own grub-install runs inside the appliance (chrooted into
 * the guest, as its package scripts would run it), on the disk that
 * becomes the physical one:
 * - BIOS: GRUB's boot code in the disk's MBR and its core image in the
 *   gap after it (or the BIOS boot partition on GPT);
 * - UEFI: GRUB on the ESP at the removable-media path
 *   \EFI\BOOT\BOOTX64.EFI (--removable --no-nvram), the one path every
 *   firmware boots with no NVRAM entry; with no GRUB EFI modules (only
 *   a signed image) the existing loader is copied there instead.
 * A guest without grub-install keeps the boot code the copy carried over
 * and a note says so.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"

/* The whole disk holding the guest's /boot (or its root). */
static char *
boot_disk (struct guest *gs)
{
  CLEANUP_FREE_STRING_LIST char **mps
      = guestfs_inspect_get_mountpoints (gs->g, gs->root);
  const char *dev = gs->root;

  for (size_t i = 0; mps && mps[i] && mps[i + 1]; i += 2)
    if (strcmp (mps[i], "/boot") == 0)
      dev = mps[i + 1];
  if (strncmp (dev, "/dev/sd", 7) == 0 || strncmp (dev, "/dev/vd", 7) == 0) {
    char *disk = guestfs_part_to_dev (gs->g, dev);
    if (disk)
      return disk;
  }
  /* On LVM or anything else: the first disk. */
  return strdup (gs->devices[0]);
}

static const char *
find_tool (struct guest *gs)
{
  static const char *const tools[] = {
    "/usr/sbin/grub-install",
    "/usr/sbin/grub2-install",
    NULL,
  };
  for (size_t i = 0; tools[i]; ++i)
    if (guestfs_is_file_opts (gs->g, tools[i],
                              GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1)
        > 0)
      return tools[i];
  return NULL;
}

static int
run (struct guest *gs, const char **argv)
{
  CLEANUP_FREE char *out = guestfs_command (gs->g, (char **) argv);

  if (out == NULL) {
    set_error (0, "%s in the guest failed: %s", argv[0],
               guestfs_last_error (gs->g));
    return -1;
  }
  return 0;
}

/* udevadm settle in the appliance itself (not the guest's chroot),
 * through the daemon's debug shell; best effort.
 */
static void
settle (struct guest *gs)
{
  char *const extra[] = { (char *) "udevadm settle --timeout=30", NULL };
  char *out = guestfs_debug (gs->g, "sh", extra);

  free (out);
}

static bool
has_dir (struct guest *gs, const char *a, const char *b)
{
  return guestfs_is_dir (gs->g, a) > 0 || guestfs_is_dir (gs->g, b) > 0;
}

int
guest_install_bootloader (struct guest *gs)
{
  const char *tool = find_tool (gs);
  CLEANUP_FREE char *disk = NULL;

  if (gs->uefi) {
    if (tool
        && has_dir (gs, "/usr/lib/grub/x86_64-efi",
                    "/usr/lib/grub2/x86_64-efi")) {
      const char *argv[] = {
        tool,          "--target=x86_64-efi", "--efi-directory=/boot/efi",
        "--removable", "--no-nvram",          NULL
      };
      if (run (gs, argv) == -1)
        return -1;
      guest_note (gs, "bootloader-install: %s --removable on the ESP", tool);
    }
    return guest_uefi_fallback (gs);
  }
  if (tool == NULL
      || !has_dir (gs, "/usr/lib/grub/i386-pc", "/usr/lib/grub2/i386-pc")) {
    guest_note (gs, "bootloader-install: no GRUB for BIOS in the guest: the "
                    "boot code copied with the disk is kept");
    return 0;
  }
  disk = boot_disk (gs);
  if (disk == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  const char *argv[] = { tool, "--target=i386-pc", disk, NULL };
  /* Right after the layout step re-created partitions, grub-install has
   * been seen (about one run in six) to mistake a partition for a disk
   * and refuse ("cross-disk install"): udev in the appliance was still
   * re-creating the partitions' nodes.  So the appliance's udev settles
   * first, and a refusal is retried after longer pauses.
   */
  for (unsigned attempt = 0;; ++attempt) {
    settle (gs);
    if (run (gs, argv) == 0)
      break;
    if (attempt == 3)
      return -1;
    guest_note (gs, "bootloader-install: retrying after: %s", get_error ());
    clear_error ();
    sleep (2 + 3 * attempt);
  }
  guest_note (gs, "bootloader-install: %s on %s (BIOS)", tool, disk);
  return 0;
}
