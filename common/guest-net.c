/* vmshift: network interfaces keep their names on the new hardware.
 *
 * The names the guest's network configuration uses (ifupdown, netplan,
 * NetworkManager, ifcfg, persistent-net udev rules) are matched to the
 * source NICs by MAC, by VMware's PCI slot naming (pciSlotNumber 160 is
 * ens160) or by order (ethN), and each is pinned to its NIC's MAC with a
 * systemd .link file (a udev rule on guests without systemd).
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"
#include "netcfg.h"
#include "vm.h"

#define MAX_NET_CONFIG (1024 * 1024)

static int
scan_glob (struct guest *gs, netcfg_names *c, const char *pattern,
           enum netcfg_kind kind)
{
  CLEANUP_FREE_STRING_LIST char **paths = guestfs_glob_expand (gs->g, pattern);

  for (size_t i = 0; paths && paths[i]; ++i) {
    CLEANUP_FREE char *text = NULL;
    if (guestfs_is_file_opts (gs->g, paths[i],
                              GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1)
        <= 0)
      continue;
    text = guest_read_file (gs, paths[i], MAX_NET_CONFIG, NULL);
    if (text == NULL) {
      /* An unreadable config is not a reason to fail the conversion. */
      guest_note (gs, "nic-names: %s skipped: %s", paths[i], get_error ());
      clear_error ();
      continue;
    }
    if (netcfg_parse (kind, paths[i], text, c) == -1)
      return -1;
  }
  return 0;
}

static const struct netcfg_name *
find_by (const netcfg_names *c, const char *name, const char *mac)
{
  for (size_t i = 0; i < c->len; ++i)
    if ((name && strcmp (c->ptr[i].name, name) == 0)
        || (mac && c->ptr[i].mac && strcmp (c->ptr[i].mac, mac) == 0))
      return &c->ptr[i];
  return NULL;
}

/* Which name should source NIC i keep?  NULL if none is known. */
static const char *
choose_name (const netcfg_names *c, const struct vm *vm, size_t i, char *buf,
             size_t bufsize)
{
  const struct vm_nic *nic = &vm->nics.ptr[i];
  const struct netcfg_name *p;

  if (nic->mac && (p = find_by (c, NULL, nic->mac)) != NULL)
    return p->name;
  if (nic->pci_slot >= 0) {
    snprintf (buf, bufsize, "ens%d", nic->pci_slot);
    if ((p = find_by (c, buf, NULL)) != NULL)
      return p->name;
  }
  snprintf (buf, bufsize, "eth%zu", i);
  if ((p = find_by (c, buf, NULL)) != NULL)
    return p->name;
  if (vm->nics.len == 1 && c->len == 1 && c->ptr[0].mac == NULL)
    return c->ptr[0].name;
  if (nic->pci_slot >= 0) {
    snprintf (buf, bufsize, "ens%d", nic->pci_slot);
    return buf; /* what the source named it, configured or not */
  }
  return NULL;
}

static int
write_pin (struct guest *gs, const char *name, const char *mac)
{
  CLEANUP_FREE char *path = NULL, *text = NULL;

  if (gs->systemd) {
    if (guestfs_mkdir_p (gs->g, "/etc/systemd/network") == -1
        || asprintf (&path, "/etc/systemd/network/10-vmshift-%s.link", name)
               == -1
        || asprintf (&text,
                     "# Written by vmshift: keep the name this "
                     "interface had before conversion.\n"
                     "[Match]\nMACAddress=%s\n\n[Link]\nName=%s\n",
                     mac, name)
               == -1) {
      set_error (0, "writing a .link file: %s", guestfs_last_error (gs->g));
      return -1;
    }
    guest_note (gs, "nic-names: %s pinned to %s (%s)", name, mac, path);
    return guest_write_file (gs, path, text, strlen (text));
  }
  if (asprintf (&text,
                "SUBSYSTEM==\"net\", ACTION==\"add\", "
                "ATTR{address}==\"%s\", NAME=\"%s\"\n",
                mac, name)
      == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  path = strdup ("/etc/udev/rules.d/70-vmshift-net.rules");
  if (path == NULL || guestfs_mkdir_p (gs->g, "/etc/udev/rules.d") == -1
      || guestfs_write_append (gs->g, path, text, strlen (text)) == -1) {
    set_error (0, "writing '%s': %s", path ? path : "udev rule",
               guestfs_last_error (gs->g));
    return -1;
  }
  guest_note (gs, "nic-names: %s pinned to %s (%s)", name, mac, path);
  return 0;
}

int
guest_pin_nics (struct guest *gs)
{
  netcfg_names c = empty_vector;
  int r = -1;

  if (scan_glob (gs, &c, "/etc/network/interfaces", NETCFG_IFUPDOWN) == -1
      || scan_glob (gs, &c, "/etc/network/interfaces.d/*", NETCFG_IFUPDOWN)
             == -1
      || scan_glob (gs, &c, "/etc/netplan/*.yaml", NETCFG_NETPLAN) == -1
      || scan_glob (gs, &c, "/etc/NetworkManager/system-connections/*",
                    NETCFG_NM)
             == -1
      || scan_glob (gs, &c, "/etc/sysconfig/network-scripts/ifcfg-*",
                    NETCFG_IFCFG)
             == -1
      || scan_glob (gs, &c, "/etc/sysconfig/network/ifcfg-*", NETCFG_IFCFG)
             == -1
      || scan_glob (gs, &c, "/etc/udev/rules.d/*persistent-net.rules",
                    NETCFG_UDEV_RULES)
             == -1)
    goto out;

  for (size_t i = 0; i < gs->vm->nics.len; ++i) {
    const char *mac = gs->vm->nics.ptr[i].mac;
    char buf[32];
    const char *name = choose_name (&c, gs->vm, i, buf, sizeof buf);
    struct netcfg_name pin;

    if (mac == NULL || name == NULL) {
      guest_note (gs, "nic-names: NIC %zu: no name or MAC to keep", i);
      continue;
    }
    if (write_pin (gs, name, mac) == -1)
      goto out;
    pin.name = strdup (name);
    pin.mac = strdup (mac);
    if (!pin.name || !pin.mac || netcfg_names_append (&gs->nics, pin) == -1) {
      free (pin.name);
      free (pin.mac);
      set_error (errno, "strdup");
      goto out;
    }
  }
  r = 0;

out:
  netcfg_names_free (&c);
  return r;
}
