/* Unit tests for common/libvirt-xml-parse.c. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "unit-test.h"
#include "libvirt-xml-parse.h"
#include "vector.h"
#include "vm.h"
#include "xml-util.h"

static string_vector warnings = empty_vector;

static int
parse (const char *xml, struct libvirt_domain *d)
{
  xmlDocPtr doc = xml_parse_untrusted (xml, strlen (xml), "d.xml");
  int r;

  free_string_vector (&warnings);
  memset (d, 0, sizeof *d);
  if (doc == NULL)
    return -1;
  r = libvirt_xml_parse (doc, "d.xml", d, &warnings);
  xmlFreeDoc (doc);
  return r;
}

static void
must_fail (const char *xml, const char *want)
{
  struct libvirt_domain d;

  assert (parse (xml, &d) == -1);
  expect_error (want);
  libvirt_domain_clear (&d);
}

static void
check_disk (const struct libvirt_domain *d, size_t i, const char *path,
            const char *format, enum vm_bus bus, int controller, int unit,
            const char *model, const char *target)
{
  const struct vm_disk *disk = &d->vm.disks.ptr[i];

  assert (path ? strcmp (disk->path, path) == 0 : disk->path == NULL);
  assert (strcmp (disk->format, format) == 0);
  assert (disk->bus == bus);
  assert (disk->controller == controller);
  assert (disk->unit == unit);
  assert (model ? strcmp (disk->controller_model, model) == 0
                : disk->controller_model == NULL);
  assert (disk->capacity == 0);
  assert (strcmp (d->sources.ptr[i].target, target) == 0);
}

static void
check_nic (const struct vm_nic *n, const char *mac, const char *model,
           const char *network, int slot)
{
  assert (mac ? strcmp (n->mac, mac) == 0 : n->mac == NULL);
  assert (strcmp (n->model, model) == 0);
  assert (network ? strcmp (n->network, network) == 0 : n->network == NULL);
  assert (n->pci_slot == slot);
}

static void
test_kvm (void)
{
  struct libvirt_domain d;

  assert (
      parse ("<domain type='kvm'>\n"
             "  <name>web1</name>\n"
             "  <uuid>4DEA22B3-1D52-D8F3-2516-782E98AB3FA0</uuid>\n"
             "  <memory unit='MiB'>3072</memory>\n"
             "  <currentMemory unit='MiB'>1024</currentMemory>\n"
             "  <vcpu placement='static'>4</vcpu>\n"
             "  <os firmware='efi'>\n"
             "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
             "  </os>\n"
             "  <devices>\n"
             "    <controller type='scsi' index='0' model='virtio-scsi'/>\n"
             "    <controller type='scsi' index='1' model='lsilogic'/>\n"
             "    <disk type='block' device='lun'>\n"
             "      <source dev='/dev/vg/lun'/>\n"
             "      <target dev='sdb' bus='scsi'/>\n"
             "      <address type='drive' controller='1' bus='0' target='0'"
             " unit='3'/>\n"
             "    </disk>\n"
             "    <disk type='file' device='cdrom'>\n"
             "      <source file='/iso/x.iso'/><target dev='hda' bus='ide'/>\n"
             "    </disk>\n"
             "    <disk type='file' device='disk'>\n"
             "      <driver name='qemu' type='qcow2'/>\n"
             "      <source file='/vm/web1.qcow2'/>\n"
             "      <target dev='vda' bus='virtio'/>\n"
             "    </disk>\n"
             "    <disk type='volume' device='disk'>\n"
             "      <driver name='qemu' type='raw'/>\n"
             "      <source pool='default' volume='web1-data'/>\n"
             "      <target dev='sda'/>\n"
             "      <readonly/>\n"
             "    </disk>\n"
             "    <disk type='file' device='floppy'>\n"
             "      <target dev='fda'/>\n"
             "    </disk>\n"
             "    <interface type='network'>\n"
             "      <mac address='52:54:00:AA:BB:01'/>\n"
             "      <source network='default'/>\n"
             "      <model type='virtio'/>\n"
             "      <address type='pci' domain='0x0000' bus='0x00' "
             "slot='0x03' function='0x0'/>\n"
             "    </interface>\n"
             "    <interface type='bridge'>\n"
             "      <source bridge='br0'/>\n"
             "    </interface>\n"
             "    <interface type='direct'>\n"
             "      <mac address='52:54:00:aa:bb:03'/>\n"
             "      <source dev='eth0' mode='bridge'/>\n"
             "      <model type='e1000'/>\n"
             "    </interface>\n"
             "    <interface type='user'/>\n"
             "  </devices>\n"
             "</domain>\n",
             &d)
      == 0);
  assert (strcmp (d.vm.source_type, "libvirt") == 0);
  assert (strcmp (d.vm.name, "web1") == 0);
  assert (strcmp (d.vm.uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0") == 0);
  assert (d.vm.memory == 3072ULL << 20);
  assert (d.vm.vcpus == 4);
  assert (d.vm.firmware == FIRMWARE_UEFI);
  assert (strcmp (d.vm.os_hint, "kvm") == 0);
  /* No boot orders: by target dev, sda (bus scsi by its name) first. */
  assert (d.vm.disks.len == 3 && d.sources.len == 3);
  check_disk (&d, 0, NULL, "raw", BUS_SCSI, 0, 0, "virtio-scsi", "sda");
  assert (strcmp (d.sources.ptr[0].pool, "default") == 0);
  assert (strcmp (d.sources.ptr[0].volume, "web1-data") == 0);
  assert (d.sources.ptr[0].readonly);
  check_disk (&d, 1, "/dev/vg/lun", "raw", BUS_SCSI, 1, 3, "lsilogic", "sdb");
  assert (!d.sources.ptr[1].readonly);
  check_disk (&d, 2, "/vm/web1.qcow2", "qcow2", BUS_VIRTIO, -1, -1, NULL,
              "vda");
  assert (d.sources.ptr[2].pool == NULL);
  assert (d.vm.nics.len == 4);
  check_nic (&d.vm.nics.ptr[0], "52:54:00:aa:bb:01", "virtio", "default", -1);
  check_nic (&d.vm.nics.ptr[1], NULL, "e1000e", "br0", -1);
  check_nic (&d.vm.nics.ptr[2], "52:54:00:aa:bb:03", "e1000", "eth0", -1);
  check_nic (&d.vm.nics.ptr[3], NULL, "e1000e", NULL, -1);
  assert (warnings.len == 0);
  libvirt_domain_clear (&d);
}

/* Boot order, IDE and SATA addresses from the dev index, firmware from
 * the loader path, current vCPUs, default NIC model off q35.
 */
static void
test_boot_order (void)
{
  struct libvirt_domain d;

  assert (parse ("<domain type='qemu'><name>b</name>"
                 "<memory>1048576</memory>"
                 "<vcpu current='2'>8</vcpu>"
                 "<os><type machine='pc-i440fx-7.2'>hvm</type>"
                 "<loader readonly='yes'>/usr/share/edk2/ovmf/OVMF_CODE.fd"
                 "</loader><boot dev='hd'/></os><devices>"
                 "<disk type='file'><source file='c.img'/>"
                 "<target dev='hdc'/></disk>"
                 "<disk type='file'><source file='aa.img'/>"
                 "<target dev='sdaa' bus='sata'/></disk>"
                 "<disk type='file'><source file='z.img'/>"
                 "<target dev='sdz' bus='sata'/></disk>"
                 "<disk type='file'><source file='boot.img'/>"
                 "<target dev='sdc' bus='sata'/><boot order='1'/></disk>"
                 "<interface type='network'><source network='n'/>"
                 "<address type='pci' domain='0x0000' bus='0x00' "
                 "slot='0x05' function='0x0'/></interface>"
                 "<interface type='network'><source network='n'/>"
                 "<address type='pci' bus='1' slot='2'/></interface>"
                 "</devices></domain>",
                 &d)
          == 0);
  assert (d.vm.memory == 1ULL << 30);
  assert (d.vm.vcpus == 2);
  assert (d.vm.firmware == FIRMWARE_UEFI);
  assert (strcmp (d.vm.os_hint, "qemu") == 0);
  assert (d.vm.disks.len == 4);
  check_disk (&d, 0, "boot.img", "raw", BUS_SATA, 0, 2, "ahci", "sdc");
  check_disk (&d, 1, "c.img", "raw", BUS_IDE, 1, 0, "ide", "hdc");
  check_disk (&d, 2, "z.img", "raw", BUS_SATA, 4, 1, "ahci", "sdz");
  check_disk (&d, 3, "aa.img", "raw", BUS_SATA, 4, 2, "ahci", "sdaa");
  check_nic (&d.vm.nics.ptr[0], NULL, "rtl8139", "n", 5);
  check_nic (&d.vm.nics.ptr[1], NULL, "rtl8139", "n", -1);
  libvirt_domain_clear (&d);
}

static void
test_xen (void)
{
  struct libvirt_domain d;

  /* PV: pygrub, xvda file disk, a vif with MAC and bridge. */
  assert (parse ("<domain type='xen'><name>pv1</name>"
                 "<memory unit='KiB'>524288</memory><vcpu>1</vcpu>"
                 "<bootloader>/usr/lib/xen-4.17/bin/pygrub</bootloader>"
                 "<os><type arch='x86_64' machine='xenpv'>linux</type></os>"
                 "<devices><disk type='file' device='disk'>"
                 "<driver name='tap' type='aio'/>"
                 "<source file='/xen/pv1.img'/>"
                 "<target dev='xvda' bus='xen'/></disk>"
                 "<disk type='block' device='disk'><driver name='phy'/>"
                 "<source dev='/dev/vg0/pv1-swap'/>"
                 "<target dev='xvdb'/></disk>"
                 "<interface type='bridge'><mac address='00:16:3e:01:02:03'/>"
                 "<source bridge='xenbr0'/><script path='vif-bridge'/>"
                 "</interface></devices></domain>",
                 &d)
          == 0);
  assert (strcmp (d.vm.os_hint, "xen-pv") == 0);
  assert (d.vm.firmware == FIRMWARE_BIOS);
  assert (d.vm.memory == 512 << 20);
  check_disk (&d, 0, "/xen/pv1.img", "raw", BUS_XEN, -1, -1, NULL, "xvda");
  check_disk (&d, 1, "/dev/vg0/pv1-swap", "raw", BUS_XEN, -1, -1, NULL,
              "xvdb");
  check_nic (&d.vm.nics.ptr[0], "00:16:3e:01:02:03", "netfront", "xenbr0", -1);
  assert (warnings.len == 0);
  libvirt_domain_clear (&d);

  /* PV booting a host kernel: a warning. */
  assert (parse ("<domain type='xen'><name>pv2</name><os><type>xen</type>"
                 "<kernel>/boot/vmlinuz-xen</kernel></os></domain>",
                 &d)
          == 0);
  assert (strcmp (d.vm.os_hint, "xen-pv") == 0);
  assert (d.vm.memory == 0);
  assert (d.vm.vcpus == 1);
  assert (warnings.len == 1);
  assert (strstr (warnings.ptr[0], "boots the kernel '/boot/vmlinuz-xen' "
                                   "from the host"));
  libvirt_domain_clear (&d);

  /* HVM: hvmloader is BIOS; a vhd disk is QEMU's vpc. */
  assert (parse ("<domain type='xen'><name>hvm1</name><os><type>hvm</type>"
                 "<loader>/usr/lib/xen/boot/hvmloader</loader></os>"
                 "<devices><disk type='file'><driver name='tap2' "
                 "type='vhd'/><source file='/x/h.vhd'/>"
                 "<target dev='hda'/></disk></devices></domain>",
                 &d)
          == 0);
  assert (strcmp (d.vm.os_hint, "xen-hvm") == 0);
  assert (d.vm.firmware == FIRMWARE_BIOS);
  check_disk (&d, 0, "/x/h.vhd", "vpc", BUS_IDE, 0, 0, "ide", "hda");
  libvirt_domain_clear (&d);
}

static void
test_scale (void)
{
  uint64_t b;

  assert (libvirt_scale ("4", NULL, &b) == 0 && b == 4096);
  assert (libvirt_scale ("4", "k", &b) == 0 && b == 4096);
  assert (libvirt_scale ("4", "KiB", &b) == 0 && b == 4096);
  assert (libvirt_scale ("4", "KB", &b) == 0 && b == 4000);
  assert (libvirt_scale ("4", "b", &b) == 0 && b == 4);
  assert (libvirt_scale ("4", "bytes", &b) == 0 && b == 4);
  assert (libvirt_scale ("3", "M", &b) == 0 && b == 3 << 20);
  assert (libvirt_scale ("3", "MB", &b) == 0 && b == 3000000);
  assert (libvirt_scale ("2", "GiB", &b) == 0 && b == 2ULL << 30);
  assert (libvirt_scale ("2", "G", &b) == 0 && b == 2ULL << 30);
  assert (libvirt_scale ("1", "TiB", &b) == 0 && b == 1ULL << 40);
  assert (libvirt_scale ("1", "TB", &b) == 0 && b == 1000000000000ULL);
  assert (libvirt_scale ("1", "EiB", &b) == 0 && b == 1ULL << 60);
  assert (libvirt_scale ("16", "EiB", &b) == -1);
  expect_error ("16 EiB is more than 16 EiB");
  assert (libvirt_scale ("99999999999999999999", "b", &b) == -1);
  expect_error ("is not a number that fits");
  assert (libvirt_scale ("-1", NULL, &b) == -1);
  assert (libvirt_scale ("1.5", "G", &b) == -1);
  assert (libvirt_scale ("1", "Q", &b) == -1);
  expect_error ("'Q' is not a unit libvirt knows");
  assert (libvirt_scale ("1", "KiBB", &b) == -1);
  assert (libvirt_scale ("1", "", &b) == -1);
}

#define DOM(devices)                                                          \
  "<domain type='kvm'><name>x</name><devices>" devices "</devices></domain>"

static void
test_errors (void)
{
  must_fail ("<configuration/>", "its root element is <configuration>");
  must_fail ("<domain type='kvm'/>", "'d.xml': the domain has no <name>");
  must_fail ("<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/shadow'>]>"
             "<domain><name>&x;</name></domain>",
             "has a DOCTYPE declaration");
  must_fail ("<domain><name>x</name><uuid>nope</uuid></domain>",
             "'d.xml': <uuid>: 'nope' is not a UUID");
  must_fail ("<domain><name>x</name><memory unit='EiB'>20</memory></domain>",
             "'d.xml': <memory>: 20 EiB is more than 16 EiB");
  must_fail ("<domain><name>x</name><memory unit='TiB'>65</memory></domain>",
             "'d.xml': <memory> 65 TiB is more than 64 TiB");
  must_fail ("<domain><name>x</name><memory>lots</memory></domain>",
             "'d.xml': <memory>: 'lots' is not a number");
  must_fail ("<domain><name>x</name><vcpu>0</vcpu></domain>",
             "0 is not a number of CPUs");
  must_fail (DOM ("<disk type='network' device='disk'>"
                  "<source protocol='rbd' name='pool/img'/>"
                  "<target dev='vda'/></disk>"),
             "disk 'vda' is a network disk (rbd): network disks");
  must_fail (DOM ("<disk type='dir'><source dir='/srv'/>"
                  "<target dev='hdb'/></disk>"),
             "disk 'hdb' is of type 'dir', which is not supported");
  must_fail (DOM ("<disk type='file'><target dev='vda'/></disk>"),
             "disk 'vda' has no source");
  must_fail (DOM ("<disk type='volume'><source pool='p'/>"
                  "<target dev='vda'/></disk>"),
             "disk 'vda' has no source");
  must_fail (DOM ("<disk type='file'><source file='a'/></disk>"),
             "a disk has no <target dev>");
  must_fail (DOM ("<disk type='file'><driver type='ploop'/>"
                  "<source file='a'/><target dev='vda'/></disk>"),
             "disk 'vda' has the format 'ploop', which QEMU does not read");
  must_fail (DOM ("<disk type='file'><source file='a'/><target dev='vda'/>"
                  "<encryption format='luks'/></disk>"),
             "disk 'vda' is encrypted");
  must_fail (DOM ("<interface type='network'><mac address='52:54:zz'/>"
                  "</interface>"),
             "'d.xml': <interface>: '52:54:zz' is not a MAC address");
  must_fail (DOM ("<disk type='file'><source file='a'/><target dev='sda'/>"
                  "<address type='drive' controller='x'/></disk>"),
             "<address controller> 'x' is not a number");
}

int
main (void)
{
  test_kvm ();
  test_boot_order ();
  test_xen ();
  test_scale ();
  test_errors ();
  free_string_vector (&warnings);
  xmlCleanupParser ();
  clear_error ();
  printf ("test-libvirt-xml-parse: ok\n");
  return 0;
}
