/* vmshift: device names in fstab, crypttab and resume configuration
 * become UUID= references, so the guest finds its filesystems whatever
 * the new hardware calls its disks.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "devname.h"
#include "guest.h"

#define MAX_CONFIG (4 * 1024 * 1024)

/* Applies rewrite_table_field to one guest file if it exists. */
static int
fix_table (struct guest *gs, const char *path, int field)
{
  bool exists;
  CLEANUP_FREE char *text = guest_read_file (gs, path, MAX_CONFIG, &exists);
  CLEANUP_FREE char *out = NULL;
  int changes;

  if (!exists)
    return 0;
  if (text == NULL)
    return -1;
  out = rewrite_table_field (text, field, guest_uuid_mapper, gs, &changes);
  if (out == NULL)
    return -1;
  if (changes == 0)
    return 0;
  guest_note (gs, "%s: %d device name(s) -> UUID", path, changes);
  return guest_write_file (gs, path, out, strlen (out));
}

/* initramfs-tools' RESUME=/dev/sda2 (optionally quoted): the same value
 * as the kernel's resume= parameter, so the cmdline rewriter serves once
 * the key is spelled its way.
 */
static int
fix_resume (struct guest *gs, const char *path)
{
  bool exists;
  CLEANUP_FREE char *text = guest_read_file (gs, path, MAX_CONFIG, &exists);
  CLEANUP_FREE char *out = NULL;
  int changes;

  if (!exists)
    return 0;
  if (text == NULL)
    return -1;
  for (char *p = text; (p = strstr (p, "RESUME=")) != NULL; p += 7)
    if (p == text || p[-1] == '\n')
      memcpy (p, "resume=", 7);
  out = rewrite_cmdline_refs (text, guest_uuid_mapper, gs, &changes);
  if (out == NULL)
    return -1;
  for (char *p = out; (p = strstr (p, "resume=")) != NULL; p += 7)
    if (p == out || p[-1] == '\n')
      memcpy (p, "RESUME=", 7);
  if (changes == 0)
    return 0;
  guest_note (gs, "%s: resume device -> UUID", path);
  return guest_write_file (gs, path, out, strlen (out));
}

int
guest_fix_device_names (struct guest *gs)
{
  if (fix_table (gs, "/etc/fstab", 0) == -1
      || fix_table (gs, "/etc/crypttab", 1) == -1
      || fix_resume (gs, "/etc/initramfs-tools/conf.d/resume") == -1)
    return -1;
  return 0;
}
