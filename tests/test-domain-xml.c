/* Unit tests for common/domain-xml.c and the model helpers in vm.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain-xml.h"
#include "vm.h"

int
main (void)
{
  struct vm vm = { 0 };
  char *paths[] = { "/srv/a b/x-sda.qcow2", "/srv/x-sdb.qcow2", NULL };
  struct domain_xml_opts o = {
    .name = "web<1>",
    .virt_type = "qemu",
    .disk_paths = paths,
    .disk_format = "qcow2",
    .net_mode = NET_NETWORK,
    .net_name = "default",
  };
  char *xml, *s;

  s = vm_normalize_mac ("00-50-56-AB-cd-EF");
  assert (s && strcmp (s, "00:50:56:ab:cd:ef") == 0);
  free (s);
  assert (vm_normalize_mac ("00:50:56:ab:cd") == NULL);
  assert (vm_normalize_mac ("00:50:56:ab:cd:ef:01") == NULL);
  assert (vm_normalize_mac ("zz:50:56:ab:cd:ef") == NULL);
  s = vm_normalize_uuid ("56 4d 12 34 56 78 9a bc-de f0 12 34 56 78 9a BC");
  assert (s && strcmp (s, "564d1234-5678-9abc-def0-123456789abc") == 0);
  free (s);
  assert (vm_normalize_uuid ("564d") == NULL);

  vm.memory = 2048ULL << 20;
  vm.vcpus = 4;
  vm.firmware = FIRMWARE_UEFI;
  vm.uuid = strdup ("564d1234-5678-9abc-def0-123456789abc");
  vm_disk_vector_append (&vm.disks, (struct vm_disk){ .bus = BUS_SCSI });
  vm_disk_vector_append (&vm.disks, (struct vm_disk){ .bus = BUS_SATA });
  vm_nic_vector_append (
      &vm.nics,
      (struct vm_nic){ .mac = strdup ("00:50:56:01:02:03"), .pci_slot = 160 });
  xml = domain_xml (&vm, &o);
  assert (xml);
  assert (strstr (xml, "<domain type=\"qemu\">"));
  assert (strstr (xml, "<name>web&lt;1&gt;</name>"));
  assert (strstr (xml, "<uuid>564d1234-5678-9abc-def0-123456789abc</uuid>"));
  assert (strstr (xml, "<memory unit=\"KiB\">2097152</memory>"));
  assert (strstr (xml, "<vcpu>4</vcpu>"));
  assert (strstr (xml, "<os firmware=\"efi\">"));
  assert (strstr (xml, "file=\"/srv/a b/x-sda.qcow2\""));
  assert (strstr (xml, "<target dev=\"vda\" bus=\"virtio\"/>"));
  assert (strstr (xml, "<target dev=\"vdb\" bus=\"virtio\"/>"));
  assert (strstr (xml, "<mac address=\"00:50:56:01:02:03\"/>"));
  assert (strstr (xml, "<model type=\"virtio\"/>"));
  assert (strstr (xml, "<source network=\"default\"/>"));
  assert (strstr (xml, "<serial type=\"pty\">"));
  assert (!strstr (xml, "host-model")); /* TCG: no host CPU model */
  free (xml);

  o.virt_type = "kvm";
  o.net_mode = NET_USER;
  vm.firmware = FIRMWARE_BIOS;
  xml = domain_xml (&vm, &o);
  assert (strstr (xml, "<domain type=\"kvm\">"));
  assert (strstr (xml, "host-model"));
  assert (strstr (xml, "<interface type=\"user\">"));
  assert (!strstr (xml, "<source network"));
  assert (!strstr (xml, "firmware="));
  free (xml);
  vm_clear (&vm);
  printf ("test-domain-xml: OK\n");
  return 0;
}
