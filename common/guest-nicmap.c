/* vmshift: network interfaces keep their names on physical NICs (v2p).
 *
 * With --mac VMMAC=PHYSMAC, every network configuration file in the
 * guest that names the VM's MAC (vmshift's own .link pins, udev
 * persistent-net rules, ifcfg HWADDR, NetworkManager and netplan MAC
 * matches) names the physical NIC's MAC instead, so the interface keeps
 * its name and its configuration.  A VM NIC without a mapping loses its
 * pins (they would hold its name for hardware that no longer exists),
 * the physical NICs then come up under their own names, and a warning
 * names the configuration files that still expect the old name.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "guest.h"
#include "netcfg.h"

#define MAX_NET_CONFIG (1024 * 1024)

struct netfile {
  const char *pattern;
  int kind; /* enum netcfg_kind, or -1: pins only */
};

static const struct netfile netfiles[] = {
  { "/etc/network/interfaces", NETCFG_IFUPDOWN },
  { "/etc/network/interfaces.d/*", NETCFG_IFUPDOWN },
  { "/etc/netplan/*.yaml", NETCFG_NETPLAN },
  { "/etc/NetworkManager/system-connections/*", NETCFG_NM },
  { "/etc/sysconfig/network-scripts/ifcfg-*", NETCFG_IFCFG },
  { "/etc/sysconfig/network/ifcfg-*", NETCFG_IFCFG },
  { "/etc/udev/rules.d/*.rules", NETCFG_UDEV_RULES },
  { "/etc/systemd/network/*.link", -1 },
  { NULL, 0 },
};

DEFINE_VECTOR_TYPE (kind_vector, int);

/* The guest's network configuration files, read once: path, text and
 * kind (enum netcfg_kind, or -1 for a .link file) at the same index.
 */
struct files {
  string_vector paths, texts;
  kind_vector kinds;
};

static int
read_files (struct guest *gs, struct files *f)
{
  for (size_t k = 0; netfiles[k].pattern; ++k) {
    CLEANUP_FREE_STRING_LIST char **paths
        = guestfs_glob_expand (gs->g, netfiles[k].pattern);
    for (size_t i = 0; paths && paths[i]; ++i) {
      char *text, *path;
      if (guestfs_is_file (gs->g, paths[i]) <= 0)
        continue;
      text = guest_read_file (gs, paths[i], MAX_NET_CONFIG, NULL);
      if (text == NULL) {
        guest_note (gs, "nic-map: %s skipped: %s", paths[i], get_error ());
        clear_error ();
        continue;
      }
      path = strdup (paths[i]);
      if (path == NULL || kind_vector_reserve (&f->kinds, 1) == -1
          || string_vector_reserve (&f->paths, 1) == -1
          || string_vector_reserve (&f->texts, 1) == -1) {
        set_error (errno, "strdup");
        free (path);
        free (text);
        return -1;
      }
      string_vector_append (&f->paths, path);
      string_vector_append (&f->texts, text);
      kind_vector_append (&f->kinds, netfiles[k].kind);
    }
  }
  return 0;
}

static int
count_mac (const char *text, const char *mac)
{
  int n = 0;
  free (netcfg_replace_mac (text, mac, "00:00:00:00:00:00", &n));
  return n;
}

/* Writes file i's new text (taking it over). */
static int
update (struct guest *gs, struct files *f, size_t i, char *text)
{
  if (guest_write_file (gs, f->paths.ptr[i], text, strlen (text)) == -1) {
    free (text);
    return -1;
  }
  free (f->texts.ptr[i]);
  f->texts.ptr[i] = text;
  return 0;
}

/* The value of "Name=" in a .link file, or NULL (the caller frees). */
static char *
link_name (const char *text)
{
  const char *p = strstr (text, "\nName=");
  return p ? strndup (p + 6, strcspn (p + 6, "\n \t")) : NULL;
}

static bool
keep_other_mac (const char *line, size_t len, void *mac)
{
  CLEANUP_FREE char *copy = strndup (line, len);
  return copy == NULL || count_mac (copy, mac) == 0;
}

/* A VM NIC with a mapping: its MAC becomes the physical one everywhere. */
static int
carry (struct guest *gs, struct files *f, const char *vm_mac,
       const char *phys_mac)
{
  int total = 0;

  for (size_t i = 0; i < f->paths.len; ++i) {
    int n;
    char *text = netcfg_replace_mac (f->texts.ptr[i], vm_mac, phys_mac, &n);
    if (text == NULL)
      return -1;
    if (n == 0) {
      free (text);
      continue;
    }
    if (update (gs, f, i, text) == -1)
      return -1;
    guest_note (gs, "nic-map: %s: %s -> %s", f->paths.ptr[i], vm_mac,
                phys_mac);
    total += n;
  }
  if (total == 0)
    guest_warn (gs,
                "no network configuration in the guest names the VM's NIC "
                "%s: the NIC %s comes up under the name its hardware gives it",
                vm_mac, phys_mac);
  return 0;
}

/* A VM NIC without a mapping: its pins go, and a warning names the files
 * that configure its name.
 */
static int
unpin (struct guest *gs, struct files *f, const char *mac)
{
  CLEANUP_FREE char *name = NULL;

  for (size_t i = 0; i < f->paths.len; ++i) {
    const char *path = f->paths.ptr[i];
    if (count_mac (f->texts.ptr[i], mac) == 0)
      continue;
    if (f->kinds.ptr[i] == -1) { /* a .link file */
      if (name == NULL)
        name = link_name (f->texts.ptr[i]);
      if (guestfs_rm (gs->g, path) == -1) {
        set_error (0, "'%s': %s", path, guestfs_last_error (gs->g));
        return -1;
      }
      f->texts.ptr[i][0] = '\0';
      guest_note (gs, "nic-map: %s removed (it pinned %s)", path, mac);
    }
    else if (f->kinds.ptr[i] == NETCFG_UDEV_RULES) {
      int n;
      char *text = netcfg_drop_lines (f->texts.ptr[i], keep_other_mac,
                                      (void *) mac, &n);
      if (text == NULL || update (gs, f, i, text) == -1)
        return -1;
      guest_note (gs, "nic-map: %s: %d rule(s) for %s removed", path, n, mac);
    }
  }
  guest_warn (gs,
              "the VM's NIC %s%s%s%s has no --mac mapping: it is not pinned "
              "any more and the physical NICs come up under their own names",
              mac, name ? " (" : "", name ? name : "", name ? ")" : "");
  for (size_t i = 0; name && i < f->paths.len; ++i) {
    netcfg_names c = empty_vector;
    if (f->kinds.ptr[i] < 0
        || netcfg_parse (f->kinds.ptr[i], f->paths.ptr[i], f->texts.ptr[i], &c)
               == -1) {
      clear_error ();
      netcfg_names_free (&c);
      continue;
    }
    for (size_t j = 0; j < c.len; ++j)
      if (strcmp (c.ptr[j].name, name) == 0) {
        guest_warn (gs, "  %s configures %s: check it", f->paths.ptr[i], name);
        break;
      }
    netcfg_names_free (&c);
  }
  return 0;
}

int
guest_map_nics (struct guest *gs)
{
  struct files f = { empty_vector, empty_vector, empty_vector };
  int r = -1;

  if (read_files (gs, &f) == -1)
    goto out;
  for (size_t i = 0; gs->mac_map && gs->mac_map[i]; i += 2)
    if (carry (gs, &f, gs->mac_map[i], gs->mac_map[i + 1]) == -1)
      goto out;
  for (size_t i = 0; i < gs->vm->nics.len; ++i) {
    const char *mac = gs->vm->nics.ptr[i].mac;
    bool is_mapped = false;
    for (size_t j = 0; mac && gs->mac_map && gs->mac_map[j]; j += 2)
      is_mapped |= strcmp (gs->mac_map[j], mac) == 0;
    if (mac && !is_mapped && unpin (gs, &f, mac) == -1)
      goto out;
  }
  r = 0;

out:
  free_string_vector (&f.paths);
  free_string_vector (&f.texts);
  kind_vector_reset (&f.kinds);
  return r;
}
