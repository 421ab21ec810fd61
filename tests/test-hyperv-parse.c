/* Unit tests for common/hyperv-parse.c. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "unit-test.h"
#include "hyperv-parse.h"
#include "vector.h"
#include "vm.h"
#include "xml-util.h"

static string_vector warnings = empty_vector;

static int
parse (const char *xml, struct vm *vm)
{
  xmlDocPtr doc = xml_parse_untrusted (xml, strlen (xml), "vm.xml");
  int r;

  free_string_vector (&warnings);
  memset (vm, 0, sizeof *vm);
  if (doc == NULL)
    return -1;
  r = hyperv_parse (doc, "vm.xml", vm, &warnings);
  xmlFreeDoc (doc);
  return r;
}

static void
must_fail (const char *xml, const char *want)
{
  struct vm vm;

  assert (parse (xml, &vm) == -1);
  expect_error (want);
  vm_clear (&vm);
}

static bool
warned (const char *want)
{
  for (size_t i = 0; i < warnings.len; ++i)
    if (strstr (warnings.ptr[i], want))
      return true;
  return false;
}

static void
check_disk (const struct vm_disk *d, const char *path, enum vm_bus bus,
            int controller, int unit, const char *model)
{
  assert (strcmp (d->path, path) == 0);
  assert (d->format == NULL);
  assert (d->bus == bus);
  assert (d->controller == controller);
  assert (d->unit == unit);
  assert (strcmp (d->controller_model, model) == 0);
}

#define DRIVE(n, path, type)                                                  \
  "<drive" #n "><pathname type='string'>" path "</pathname>"                  \
  "<type type='string'>" type "</type></drive" #n ">"

/* Generation 1: IDE boots, SCSI after it; adapters in manifest order. */
static void
test_gen1 (void)
{
  struct vm vm;

  assert (
      parse (
          "<?xml version='1.0'?>\n"
          "<configuration>\n"
          " <_aaaaaaaa-0000-4000-8000-000000000001_>\n"
          "  <ChannelInstanceGuid type='string'>{x}</ChannelInstanceGuid>\n"
          "  <controller0>" DRIVE (
              0, "D:\\VMs\\data.vhdx",
              "VHD") "</controller0>\n"
                     " </_aaaaaaaa-0000-4000-8000-000000000001_>\n"
                     " <_83F8638B-8DCA-4152-9EDA-2CA8B33039B4_>\n"
                     "  <controller1>" DRIVE (0, "D:\\ISO\\x.iso", "ISO")
                         DRIVE (
                             1, "D:\\VMs\\second.vhd",
                             "VHD") "</controller1>\n"
                                    "  <controller0>" DRIVE (
                                        0, "D:\\VMs\\os.vhd", "VHD")
                                        DRIVE (
                                            1, "",
                                            "NONE") "</controller0>\n"
                                                    " </"
                                                    "_83F8638B-8DCA-4152-9EDA-"
                                                    "2CA8B33039B4_>\n"
                                                    " <_8f0d2762-0b00-4e04-"
                                                    "af4f-19010527cb93_><"
                                                    "controller0>" DRIVE (
                                                        0, "A:\\boot.vfd",
                                                        "VFD") "</controller0>"
                                                               "</"
                                                               "_8f0d2762-"
                                                               "0b00-4e04-"
                                                               "af4f-"
                                                               "19010527cb93_>"
                                                               "\n"
                                                               " <_bbbbbbbb-"
                                                               "0000-4000-"
                                                               "8000-"
                                                               "000000000001_>"
                                                               "\n"
                                                               "  "
                                                               "<MacAddress>"
                                                               "00155DAABB01</"
                                                               "MacAddress>\n"
                                                               "  "
                                                               "<MacAddressIsS"
                                                               "tatic>True</"
                                                               "MacAddressIsSt"
                                                               "atic>\n"
                                                               " </"
                                                               "_bbbbbbbb-"
                                                               "0000-4000-"
                                                               "8000-"
                                                               "000000000001_>"
                                                               "\n"
                                                               " <_cccccccc-"
                                                               "0000-4000-"
                                                               "8000-"
                                                               "000000000001_>"
                                                               "\n"
                                                               "  "
                                                               "<ChannelInstan"
                                                               "ceGuid>{y}</"
                                                               "ChannelInstanc"
                                                               "eGuid>\n"
                                                               "  "
                                                               "<Connection><"
                                                               "AltSwitchName>"
                                                               "LAN</"
                                                               "AltSwitchName>"
                                                               "</"
                                                               "Connection>\n"
                                                               "  "
                                                               "<MacAddress>"
                                                               "00-15-5D-AA-"
                                                               "BB-02</"
                                                               "MacAddress>\n"
                                                               "  "
                                                               "<MacAddressIsS"
                                                               "tatic>true</"
                                                               "MacAddressIsSt"
                                                               "atic>\n"
                                                               " </"
                                                               "_cccccccc-"
                                                               "0000-4000-"
                                                               "8000-"
                                                               "000000000001_>"
                                                               "\n"
                                                               " <_7d80d3db-"
                                                               "61ee-4879-"
                                                               "8879-"
                                                               "5609f1100ad0_>"
                                                               "\n"
                                                               "  "
                                                               "<address>5353,"
                                                               "00000000,00</"
                                                               "address>\n"
                                                               " </"
                                                               "_7d80d3db-"
                                                               "61ee-4879-"
                                                               "8879-"
                                                               "5609f1100ad0_>"
                                                               "\n"
                                                               " <_ac6b8dc1-"
                                                               "3257-4a70-"
                                                               "b1b2-"
                                                               "a9c9215659ad_>"
                                                               "\n"
                                                               "  "
                                                               "<bios_guid>{"
                                                               "7FFEE066-9755-"
                                                               "4950-9A16-"
                                                               "4C94AC67AD00}<"
                                                               "/bios_guid>\n"
                                                               " </"
                                                               "_ac6b8dc1-"
                                                               "3257-4a70-"
                                                               "b1b2-"
                                                               "a9c9215659ad_>"
                                                               "\n"
                                                               " <manifest>\n"
                                                               "  "
                                                               "<vdev002><"
                                                               "device>"
                                                               "2fc216b0-d2e2-"
                                                               "4967-9b6d-"
                                                               "b8a5c9ca2778</"
                                                               "device>"
                                                               "<instance>"
                                                               "BBBBBBBB-0000-"
                                                               "4000-8000-"
                                                               "000000000001</"
                                                               "instance>"
                                                               "</vdev002>\n"
                                                               "  "
                                                               "<vdev001><"
                                                               "device>"
                                                               "2fc216b0-d2e2-"
                                                               "4967-9b6d-"
                                                               "b8a5c9ca2778</"
                                                               "device>"
                                                               "<instance>{"
                                                               "CCCCCCCC-0000-"
                                                               "4000-8000-"
                                                               "000000000001}<"
                                                               "/instance>"
                                                               "</vdev001>\n"
                                                               " </manifest>\n"
                                                               " <properties><"
                                                               "name "
                                                               "type='string'>"
                                                               " SRV &amp; DB "
                                                               "</name>"
                                                               "<subtype "
                                                               "type='integer'"
                                                               ">0</subtype></"
                                                               "properties>\n"
                                                               " <settings><"
                                                               "memory><bank><"
                                                               "size>3072</"
                                                               "size></bank></"
                                                               "memory>"
                                                               "<processors><"
                                                               "count>3</"
                                                               "count></"
                                                               "processors></"
                                                               "settings>\n"
                                                               "</"
                                                               "configuration>"
                                                               "\n",
          &vm)
      == 0);
  assert (strcmp (vm.source_type, "hyperv") == 0);
  assert (strcmp (vm.name, "SRV & DB") == 0);
  assert (strcmp (vm.uuid, "7ffee066-9755-4950-9a16-4c94ac67ad00") == 0);
  assert (vm.memory == 3072ULL << 20);
  assert (vm.vcpus == 3);
  assert (vm.firmware == FIRMWARE_BIOS);
  assert (vm.os_hint == NULL);
  assert (vm.disks.len == 3);
  check_disk (&vm.disks.ptr[0], "D:\\VMs\\os.vhd", BUS_IDE, 0, 0, "ide");
  check_disk (&vm.disks.ptr[1], "D:\\VMs\\second.vhd", BUS_IDE, 1, 1, "ide");
  check_disk (&vm.disks.ptr[2], "D:\\VMs\\data.vhdx", BUS_SCSI, 0, 0,
              "hv_storvsc");
  /* The manifest lists the cccc adapter first. */
  assert (vm.nics.len == 2);
  assert (strcmp (vm.nics.ptr[0].mac, "00:15:5d:aa:bb:02") == 0);
  assert (strcmp (vm.nics.ptr[0].model, "hv_netvsc") == 0);
  assert (strcmp (vm.nics.ptr[0].network, "LAN") == 0);
  assert (vm.nics.ptr[0].pci_slot == -1);
  assert (strcmp (vm.nics.ptr[1].mac, "00:15:5d:aa:bb:01") == 0);
  assert (strcmp (vm.nics.ptr[1].model, "hv_netvsc") == 0);
  assert (vm.nics.ptr[1].network == NULL);
  assert (warnings.len == 0);
  vm_clear (&vm);
}

/* Generation 2: SCSI controllers numbered in manifest order; unlisted
 * adapters classed by their VMBus channel; dynamic settings warned of.
 */
static void
test_gen2 (void)
{
  struct vm vm;

  assert (
      parse ("<configuration>\n"
             " <_11111111-0000-4000-8000-000000000000_>\n"
             "  <ChannelInstanceGuid>{a}</ChannelInstanceGuid>\n"
             "  <controller0>" DRIVE (
                 0, "C:\\d\\second-ctrl.vhdx",
                 "VHD") "</controller0>\n"
                        " </_11111111-0000-4000-8000-000000000000_>\n"
                        " <_22222222-0000-4000-8000-000000000000_>\n"
                        "  <ChannelInstanceGuid>{b}</ChannelInstanceGuid>\n"
                        "  <controller0>" DRIVE (3, "C:\\d\\lun3.vhdx", "VHD")
                            DRIVE (0, "C:\\d\\boot.vhdx", "VHD") DRIVE (
                                1, "\\\\?\\PhysicalDrive2",
                                "PASSTHRU") "</controller0>\n"
                                            " </"
                                            "_22222222-0000-4000-8000-"
                                            "000000000000_>\n"
                                            " <_33333333-0000-4000-8000-"
                                            "000000000000_>\n"
                                            "  "
                                            "<ChannelInstanceGuid>{c}</"
                                            "ChannelInstanceGuid>\n"
                                            "  "
                                            "<Connection><AltSwitchName></"
                                            "AltSwitchName></Connection>\n"
                                            "  <FriendlyName>Network "
                                            "Adapter</FriendlyName>\n"
                                            "  "
                                            "<MacAddress>00155D012345</"
                                            "MacAddress>\n"
                                            "  "
                                            "<MacAddressIsStatic>False</"
                                            "MacAddressIsStatic>\n"
                                            " </"
                                            "_33333333-0000-4000-8000-"
                                            "000000000000_>\n"
                                            " <_44444444-0000-4000-8000-"
                                            "000000000000_>\n"
                                            "  "
                                            "<MacAddress>000000000000</"
                                            "MacAddress>\n"
                                            " </"
                                            "_44444444-0000-4000-8000-"
                                            "000000000000_>\n"
                                            " <manifest>\n"
                                            "  "
                                            "<vdev001><device>d422512d-2bf2-"
                                            "4752-809d-7b82b5fcb1b4</device>"
                                            "<instance>22222222-0000-4000-"
                                            "8000-000000000000</instance>"
                                            "</vdev001>\n"
                                            "  "
                                            "<vdev009><device>d422512d-2bf2-"
                                            "4752-809d-7b82b5fcb1b4</device>"
                                            "<instance>11111111-0000-4000-"
                                            "8000-000000000000</instance>"
                                            "</vdev009>\n"
                                            " </manifest>\n"
                                            " <properties><subtype>1</"
                                            "subtype></properties>\n"
                                            " <settings><memory><bank>"
                                            "<dynamic_memory_enabled>True</"
                                            "dynamic_memory_enabled>"
                                            "<limit>1048576</limit><size>512</"
                                            "size>"
                                            "</bank></memory></settings>\n"
                                            "</configuration>\n",
             &vm)
      == 0);
  assert (vm.name == NULL);
  assert (vm.uuid == NULL);
  assert (vm.memory == 512 << 20);
  assert (vm.vcpus == 0);
  assert (vm.firmware == FIRMWARE_UEFI);
  assert (vm.disks.len == 3);
  check_disk (&vm.disks.ptr[0], "C:\\d\\boot.vhdx", BUS_SCSI, 0, 0,
              "hv_storvsc");
  check_disk (&vm.disks.ptr[1], "C:\\d\\lun3.vhdx", BUS_SCSI, 0, 3,
              "hv_storvsc");
  check_disk (&vm.disks.ptr[2], "C:\\d\\second-ctrl.vhdx", BUS_SCSI, 1, 0,
              "hv_storvsc");
  assert (vm.nics.len == 2);
  assert (vm.nics.ptr[0].mac == NULL);
  assert (strcmp (vm.nics.ptr[0].model, "hv_netvsc") == 0);
  assert (vm.nics.ptr[0].network == NULL);
  assert (vm.nics.ptr[1].mac == NULL);
  assert (strcmp (vm.nics.ptr[1].model, "tulip") == 0);
  assert (warnings.len == 3);
  assert (warned ("dynamic memory is on (startup 512 MiB, maximum 1048576 "
                  "MiB)"));
  assert (warned ("network adapter 1 (Network Adapter) had the dynamic MAC "
                  "00:15:5d:01:23:45"));
  assert (warned ("SCSI 0:1 ('\\\\?\\PhysicalDrive2', of type 'PASSTHRU') "
                  "is not a virtual hard disk"));
  vm_clear (&vm);
}

static void
test_errors (void)
{
  must_fail ("<configuration><properties/>", "'vm.xml' is not valid XML");
  must_fail ("<domain><name>x</name></domain>",
             "its root element is <domain>, not <configuration>");
  must_fail ("<configuration><appSettings/></configuration>",
             "no <properties> or <settings>");
  must_fail ("<!DOCTYPE configuration [<!ENTITY x SYSTEM "
             "'file:///etc/passwd'>]><configuration><properties>"
             "<name>&x;</name></properties></configuration>",
             "has a DOCTYPE declaration");
  must_fail ("<configuration><settings><memory><bank>"
             "<size>99999999999999</size></bank></memory></settings>"
             "</configuration>",
             "settings/memory/bank/size = 99999999999999 is not an amount");
  must_fail ("<configuration><settings><memory><bank>"
             "<size>184467440737095516160</size></bank></memory></settings>"
             "</configuration>",
             "settings/memory/bank/size = '184467440737095516160' is not a "
             "number");
  must_fail ("<configuration><settings><memory><bank>"
             "<size>-1</size></bank></memory></settings></configuration>",
             "is not a number");
  must_fail ("<configuration><settings><processors><count>0</count>"
             "</processors></settings></configuration>",
             "settings/processors/count = 0 is not a number of CPUs");
  must_fail ("<configuration><properties><subtype>2</subtype></properties>"
             "</configuration>",
             "properties/subtype = 2 is not a Hyper-V generation");
  must_fail ("<configuration><properties/>"
             "<_33333333-0000-4000-8000-000000000000_>"
             "<MacAddress>00-15-5D-XX</MacAddress>"
             "<MacAddressIsStatic>True</MacAddressIsStatic>"
             "</_33333333-0000-4000-8000-000000000000_></configuration>",
             "'vm.xml': network adapter 1: '00-15-5D-XX' is not a MAC");
  must_fail ("<configuration><properties/><_ac6b8dc1-3257-4a70-b1b2-"
             "a9c9215659ad_><bios_guid>{nope}</bios_guid></_ac6b8dc1-3257-"
             "4a70-b1b2-a9c9215659ad_></configuration>",
             "'vm.xml': bios_guid: '{nope}' is not a UUID");
}

static void
test_helpers (void)
{
  assert (strcmp (hyperv_basename ("C:\\VMs\\a b\\x.vhdx"), "x.vhdx") == 0);
  assert (strcmp (hyperv_basename ("\\\\srv\\share/y.vhd"), "y.vhd") == 0);
  assert (strcmp (hyperv_basename ("z.vhd"), "z.vhd") == 0);
  assert (strcmp (hyperv_basename ("C:\\dir\\"), "") == 0);

  assert (hyperv_probe_text ("<configuration>\r\n  <_83f8638b-8dca-4152-"
                             "9eda-2ca8b33039b4_>"));
  assert (hyperv_probe_text ("<configuration><properties>"));
  assert (hyperv_probe_text ("<configuration >\n<manifest>"));
  assert (!hyperv_probe_text ("<configuration><appSettings>"));
  assert (!hyperv_probe_text ("<configuration><_x_>"));
  assert (!hyperv_probe_text ("<configurations><properties>"));
  assert (!hyperv_probe_text ("<domain type='kvm'><properties>"));
}

int
main (void)
{
  test_gen1 ();
  test_gen2 ();
  test_errors ();
  test_helpers ();
  free_string_vector (&warnings);
  xmlCleanupParser ();
  clear_error ();
  printf ("test-hyperv-parse: ok\n");
  return 0;
}
