/* libFuzzer harness: a guest's network configuration files
 * (common/netcfg.c), read and rewritten as guest-nicmap.c does.
 *
 * Input: one byte choosing the kind of file, then its text.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "helpers.h"
#include "netcfg.h"

static const struct {
  enum netcfg_kind kind;
  const char *path;
} files[] = {
  { NETCFG_IFUPDOWN, "/etc/network/interfaces" },
  { NETCFG_NETPLAN, "/etc/netplan/50-cloud-init.yaml" },
  { NETCFG_NM, "/etc/NetworkManager/system-connections/eth0.nmconnection" },
  { NETCFG_IFCFG, "/etc/sysconfig/network-scripts/ifcfg-eth0" },
  { NETCFG_UDEV_RULES, "/etc/udev/rules.d/70-persistent-net.rules" },
};
#define NFILES (sizeof files / sizeof files[0])

static bool
keep (const char *line, size_t len, void *opaque)
{
  return len == 0 || line[0] != '#';
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CLEANUP_FREE char *text = NULL;
  netcfg_names names = empty_vector;
  int changes;

  if (size < 1)
    return 0;
  text = fuzz_strndup (data + 1, size - 1);
  netcfg_parse (files[data[0] % NFILES].kind, files[data[0] % NFILES].path,
                text, &names);
  for (size_t i = 0; i < names.len; ++i)
    if (names.ptr[i].mac)
      free (netcfg_replace_mac (text, names.ptr[i].mac, "52:54:00:12:34:56",
                                &changes));
  netcfg_names_free (&names);
  free (netcfg_drop_lines (text, keep, NULL, &changes));
  return 0;
}
