/* vmshift: device names in fstab, crypttab and resume configuration
 * become UUID= references, so the guest finds its filesystems whatever
 * the new hardware calls its disks.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "devname.h"
#include "errors.h"
#include "guest.h"

#define MAX_CONFIG (4 * 1024 * 1024)

struct table_edit {
  struct guest *gs;
  int field; /* fstab: 0, crypttab: 1 */
};

static char *
edit_table (const char *text, void *opaque, int *changes)
{
  struct table_edit *t = opaque;
  return rewrite_table_field (text, t->field, guest_uuid_mapper, t->gs,
                              changes);
}

/* initramfs-tools' RESUME=/dev/sda2 (optionally quoted) holds the same
 * value as the kernel's resume= parameter: the cmdline rewriter serves
 * once the key is spelled its way.
 */
static char *
edit_resume (const char *text, void *gs, int *changes)
{
  CLEANUP_FREE char *copy = strdup (text);
  char *out;

  if (copy == NULL) {
    set_error (errno, "strdup");
    return NULL;
  }
  for (char *p = copy; (p = strstr (p, "RESUME=")) != NULL; p += 7)
    if (p == copy || p[-1] == '\n')
      memcpy (p, "resume=", 7);
  out = rewrite_cmdline_refs (copy, guest_uuid_mapper, gs, changes);
  for (char *p = out; p && (p = strstr (p, "resume=")) != NULL; p += 7)
    if (p == out || p[-1] == '\n')
      memcpy (p, "RESUME=", 7);
  return out;
}

static int
fix_table (struct guest *gs, const char *path, int field)
{
  struct table_edit t = { gs, field };
  int n = guest_edit_file (gs, path, MAX_CONFIG, edit_table, &t);

  if (n > 0)
    guest_note (gs, "%s: %d device name(s) -> UUID", path, n);
  return n == -1 ? -1 : 0;
}

int
guest_fix_device_names (struct guest *gs)
{
  const char *resume = "/etc/initramfs-tools/conf.d/resume";
  int n;

  if (fix_table (gs, "/etc/fstab", 0) == -1
      || fix_table (gs, "/etc/crypttab", 1) == -1
      || (n = guest_edit_file (gs, resume, MAX_CONFIG, edit_resume, gs)) == -1)
    return -1;
  if (n > 0)
    guest_note (gs, "%s: resume device -> UUID", resume);
  return 0;
}
