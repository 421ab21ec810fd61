/* Unit tests for common/netcfg.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netcfg.h"

static const char *
mac_of (const netcfg_names *v, const char *name)
{
  for (size_t i = 0; i < v->len; ++i)
    if (strcmp (v->ptr[i].name, name) == 0)
      return v->ptr[i].mac ? v->ptr[i].mac : "-";
  return NULL;
}

static bool
no_virtio (const char *line, size_t len, void *opaque)
{
  (void) opaque;
  return !(len >= 7 && strncmp (line, "virtio_", 7) == 0);
}

static void
test_rewriters (void)
{
  int n;
  char *s
      = netcfg_replace_mac ("[Match]\nMACAddress=00:50:56:3a:b1:01\n"
                            "HWADDR=00-50-56-3A-B1-01\nx=00:50:56:3a:b1:011\n"
                            "y=aa:00:50:56:3a:b1:01\n",
                            "00:50:56:3a:b1:01", "52:54:00:12:34:56", &n);
  assert (s && n == 2);
  assert (strcmp (s, "[Match]\nMACAddress=52:54:00:12:34:56\n"
                     "HWADDR=52-54-00-12-34-56\nx=00:50:56:3a:b1:011\n"
                     "y=aa:00:50:56:3a:b1:01\n")
          == 0);
  free (s);
  s = netcfg_drop_lines ("loop\nvirtio_blk\nahci\nvirtio_net", no_virtio, NULL,
                         &n);
  assert (s && n == 2 && strcmp (s, "loop\nahci\n") == 0);
  free (s);
  s = netcfg_drop_lines ("", no_virtio, NULL, &n);
  assert (s && n == 0 && strcmp (s, "") == 0);
  free (s);
}

int
main (void)
{
  test_rewriters ();
  netcfg_names v = empty_vector;

  assert (netcfg_parse (NETCFG_IFUPDOWN, "/etc/network/interfaces",
                        "auto lo\niface lo inet loopback\n"
                        "allow-hotplug ens160\niface ens160 inet dhcp\n"
                        "auto eth1 eth2\n  iface eth1:0 inet static\n"
                        "# iface bogus0 inet dhcp\n",
                        &v)
          == 0);
  assert (v.len == 3);
  assert (strcmp (mac_of (&v, "ens160"), "-") == 0);
  assert (mac_of (&v, "eth1") && mac_of (&v, "eth2"));
  assert (mac_of (&v, "lo") == NULL && mac_of (&v, "bogus0") == NULL);
  netcfg_names_free (&v);

  assert (netcfg_parse (NETCFG_NETPLAN, "/etc/netplan/50.yaml",
                        "network:\n  version: 2\n  ethernets:\n"
                        "    ens192:\n      dhcp4: true\n"
                        "    nic1:\n      match:\n"
                        "        macaddress: \"00:50:56:AA:BB:CC\"\n"
                        "      set-name: lan0\n"
                        "  bridges:\n    br0:\n      dhcp4: true\n",
                        &v)
          == 0);
  assert (v.len == 2);
  assert (strcmp (mac_of (&v, "ens192"), "-") == 0);
  assert (strcmp (mac_of (&v, "lan0"), "00:50:56:aa:bb:cc") == 0);
  assert (mac_of (&v, "br0") == NULL);
  netcfg_names_free (&v);

  assert (netcfg_parse (NETCFG_NM,
                        "/etc/NetworkManager/system-connections/"
                        "a.nmconnection",
                        "[connection]\nid=a\n"
                        "interface-name=ens33\n[ethernet]\n"
                        "mac-address=00-50-56-01-02-03\n",
                        &v)
          == 0);
  assert (strcmp (mac_of (&v, "ens33"), "00:50:56:01:02:03") == 0);
  netcfg_names_free (&v);

  assert (netcfg_parse (NETCFG_IFCFG,
                        "/etc/sysconfig/network-scripts/"
                        "ifcfg-eth0",
                        "DEVICE=eth0\nHWADDR=\"00:50:56:"
                        "0a:0b:0c\"\nBOOTPROTO=dhcp\n",
                        &v)
          == 0);
  assert (netcfg_parse (NETCFG_IFCFG, "/etc/sysconfig/network/ifcfg-eth1",
                        "BOOTPROTO=dhcp\n", &v)
          == 0);
  assert (strcmp (mac_of (&v, "eth0"), "00:50:56:0a:0b:0c") == 0);
  assert (strcmp (mac_of (&v, "eth1"), "-") == 0);
  netcfg_names_free (&v);

  assert (netcfg_parse (NETCFG_UDEV_RULES,
                        "/etc/udev/rules.d/70-persistent"
                        "-net.rules",
                        "# comment NAME=\"x\"\n"
                        "SUBSYSTEM==\"net\", ACTION==\"add\", ATTR{address}=="
                        "\"00:50:56:11:22:33\", NAME=\"eth0\"\n",
                        &v)
          == 0);
  assert (v.len == 1);
  assert (strcmp (mac_of (&v, "eth0"), "00:50:56:11:22:33") == 0);
  netcfg_names_free (&v);

  /* Hostile names are dropped. */
  assert (netcfg_parse (NETCFG_NM, "x", "interface-name=../../etc\n", &v)
          == 0);
  assert (
      netcfg_parse (NETCFG_NM, "x", "interface-name=waytoolongname0123\n", &v)
      == 0);
  assert (v.len == 0);
  printf ("test-netcfg: OK\n");
  return 0;
}
