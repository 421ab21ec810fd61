/* Unit tests for common/ovf-parse.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "unit.h"
#include "ovf-parse.h"

#define NS1 "http://schemas.dmtf.org/ovf/envelope/1"
#define RASD                                                                  \
  "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"                        \
  "CIM_ResourceAllocationSettingData"

/* An OVF 1 envelope: References, DiskSection, then a VirtualSystem
 * whose VirtualHardwareSection holds items; extra goes after it.
 */
static char *
envelope (const char *refs, const char *disks, const char *items,
          const char *extra)
{
  char *s;

  assert (asprintf (&s,
                    "<?xml version='1.0'?>\n"
                    "<Envelope xmlns='" NS1 "' xmlns:ovf='" NS1 "'"
                    " xmlns:rasd='" RASD "'"
                    " xmlns:vmw='http://www.vmware.com/schema/ovf'"
                    " xmlns:vbox='http://www.virtualbox.org/ovf/machine'>"
                    "<References>%s</References>"
                    "<DiskSection><Info/>%s</DiskSection>"
                    "<VirtualSystem ovf:id='vm1'><Info/>"
                    "<VirtualHardwareSection><Info/>%s"
                    "</VirtualHardwareSection>%s</VirtualSystem>"
                    "</Envelope>\n",
                    refs, disks, items, extra)
          != -1);
  return s;
}

static int
parse (const char *text, struct ovf *ovf)
{
  return ovf_parse (text, strlen (text), "t.ovf", ovf);
}

static void
must_fail (char *text, const char *want)
{
  struct ovf ovf;

  assert (parse (text, &ovf) == -1);
  assert (ovf.vm.name == NULL && ovf.vm.disks.len == 0);
  expect_error (want);
  free (text);
}

#define CPU(n)                                                                \
  "<Item><rasd:InstanceID>1</rasd:InstanceID>"                                \
  "<rasd:ResourceType>3</rasd:ResourceType>"                                  \
  "<rasd:VirtualQuantity>" n "</rasd:VirtualQuantity></Item>"
#define MEM(n, units)                                                         \
  "<Item><rasd:AllocationUnits>" units "</rasd:AllocationUnits>"              \
  "<rasd:InstanceID>2</rasd:InstanceID>"                                      \
  "<rasd:ResourceType>4</rasd:ResourceType>"                                  \
  "<rasd:VirtualQuantity>" n "</rasd:VirtualQuantity></Item>"
#define SCSI(id, addr, sub)                                                   \
  "<Item><rasd:Address>" addr "</rasd:Address>"                               \
  "<rasd:InstanceID>" id "</rasd:InstanceID>"                                 \
  "<rasd:ResourceSubType>" sub "</rasd:ResourceSubType>"                      \
  "<rasd:ResourceType>6</rasd:ResourceType></Item>"
#define DISK(parent, unit, host)                                              \
  "<Item><rasd:AddressOnParent>" unit "</rasd:AddressOnParent>"               \
  "<rasd:HostResource>" host "</rasd:HostResource>"                           \
  "<rasd:InstanceID>9</rasd:InstanceID>"                                      \
  "<rasd:Parent>" parent "</rasd:Parent>"                                     \
  "<rasd:ResourceType>17</rasd:ResourceType></Item>"
#define NIC(sub, mac)                                                         \
  "<Item><rasd:Address>" mac "</rasd:Address>"                                \
  "<rasd:Connection>net</rasd:Connection>"                                    \
  "<rasd:ElementName>nic</rasd:ElementName>"                                  \
  "<rasd:ResourceSubType>" sub "</rasd:ResourceSubType>"                      \
  "<rasd:ResourceType>10</rasd:ResourceType></Item>"
#define FILE1 "<File ovf:href='d1.vmdk' ovf:id='f1'/>"
#define VMDK "http://www.vmware.com/interfaces/specifications/vmdk.html"
#define DISK1(cap, units)                                                     \
  "<Disk ovf:capacity='" cap "' ovf:capacityAllocationUnits='" units "'"      \
  " ovf:diskId='d1' ovf:fileRef='f1' ovf:format='" VMDK "#streamOptimized'/>"

static void
test_vmware (void)
{
  char *text = envelope (
      FILE1 "<File ovf:href='./d2.vmdk.gz' ovf:id='f2'/>"
            "<File ovf:href='d3.vmdk' ovf:id='f3' ovf:compression='gzip'/>",
      DISK1 ("2", "byte * 2^30") "<Disk ovf:diskId='d2' ovf:fileRef='f2'/>"
                                 "<Disk ovf:diskId='d3' ovf:fileRef='f3'"
                                 " ovf:capacity='1048576'/>",
      CPU ("2") MEM ("1", "byte * 2^30") SCSI ("5", "1", "VirtualSCSI")
          SCSI ("6", "0", "lsilogic") DISK ("5", "3", "ovf:/disk/d1")
              DISK ("6", "0", "ovf:/disk/d2") DISK ("7", "1", "/disk/d3")
                  NIC ("VmxNet3", "00:50:56:AA:BB:CC")
                      NIC ("", "") "<vmw:Config vmw:key='firmware'"
                                   " vmw:value='efi'/>",
      "");
  struct ovf ovf;

  assert (parse (text, &ovf) == 0);
  free (text);
  assert (strcmp (ovf.vm.source_type, "ova") == 0);
  assert (strcmp (ovf.vm.name, "vm1") == 0); /* no Name: ovf:id */
  assert (ovf.vm.uuid == NULL);
  assert (ovf.vm.vcpus == 2);
  assert (ovf.vm.memory == UINT64_C (1) << 30);
  assert (ovf.vm.firmware == FIRMWARE_UEFI);
  assert (ovf.vm.disks.len == 3 && ovf.files.len == 3);

  assert (ovf.vm.disks.ptr[0].path == NULL);
  assert (strcmp (ovf.vm.disks.ptr[0].format, "vmdk") == 0);
  assert (ovf.vm.disks.ptr[0].bus == BUS_SCSI);
  assert (ovf.vm.disks.ptr[0].controller == 1);
  assert (ovf.vm.disks.ptr[0].unit == 3);
  assert (strcmp (ovf.vm.disks.ptr[0].controller_model, "pvscsi") == 0);
  assert (ovf.vm.disks.ptr[0].capacity == UINT64_C (2) << 30);
  assert (strcmp (ovf.files.ptr[0].href, "d1.vmdk") == 0);
  assert (strcmp (ovf.files.ptr[0].disk_id, "d1") == 0);
  assert (!ovf.files.ptr[0].gzip);

  assert (strcmp (ovf.vm.disks.ptr[1].controller_model, "lsilogic") == 0);
  assert (ovf.vm.disks.ptr[1].controller == 0);
  assert (ovf.vm.disks.ptr[1].capacity == 0);
  assert (strcmp (ovf.files.ptr[1].href, "d2.vmdk.gz") == 0);
  assert (ovf.files.ptr[1].gzip);

  /* A disk whose parent is no controller. */
  assert (ovf.vm.disks.ptr[2].bus == BUS_UNKNOWN);
  assert (ovf.vm.disks.ptr[2].controller == -1);
  assert (ovf.vm.disks.ptr[2].controller_model == NULL);
  assert (ovf.vm.disks.ptr[2].capacity == 1048576);
  assert (ovf.files.ptr[2].gzip);

  assert (ovf.vm.nics.len == 2);
  assert (strcmp (ovf.vm.nics.ptr[0].mac, "00:50:56:aa:bb:cc") == 0);
  assert (strcmp (ovf.vm.nics.ptr[0].model, "vmxnet3") == 0);
  assert (strcmp (ovf.vm.nics.ptr[0].network, "net") == 0);
  assert (ovf.vm.nics.ptr[1].mac == NULL);
  assert (strcmp (ovf.vm.nics.ptr[1].model, "e1000") == 0);
  assert (ovf.warnings.len == 0);
  ovf_free (&ovf);
}

static void
test_vbox (void)
{
  const char *machine
      = "<vbox:Machine uuid='{0F3C2A9E-5B7D-4E21-8A6C-9D4E3B2A1F00}'>"
        "<Hardware><Firmware type='EFI64'/><Network>"
        "<Adapter slot='0' enabled='true' MACAddress='080027A1B2C3'/>"
        "<Adapter slot='1' enabled='false' MACAddress='080027000001'/>"
        "<Adapter slot='2' enabled='true' MACAddress='080027D4E5F6'/>"
        "</Network></Hardware></vbox:Machine>";
  char *text = envelope (
      FILE1, DISK1 ("100", "byte * 2^20"),
      CPU ("1")
          MEM ("512",
               "MegaBytes") "<Item><rasd:InstanceID>3</rasd:InstanceID>"
                            "<rasd:ResourceSubType>AHCI</rasd:ResourceSubType>"
                            "<rasd:ResourceType>20</rasd:ResourceType></"
                            "Item>" DISK ("3", "0", "/disk/d1")
                                NIC ("E1000", "") NIC ("PCNet32", ""),
      machine);
  struct ovf ovf;

  assert (parse (text, &ovf) == 0);
  free (text);
  assert (strcmp (ovf.vm.uuid, "0f3c2a9e-5b7d-4e21-8a6c-9d4e3b2a1f00") == 0);
  assert (ovf.vm.memory == 512 << 20);
  assert (ovf.vm.firmware == FIRMWARE_UEFI);
  assert (ovf.vm.disks.ptr[0].bus == BUS_SATA);
  assert (ovf.vm.disks.ptr[0].controller == 0); /* no Address: first */
  assert (strcmp (ovf.vm.disks.ptr[0].controller_model, "ahci") == 0);
  assert (strcmp (ovf.vm.nics.ptr[0].mac, "08:00:27:a1:b2:c3") == 0);
  assert (strcmp (ovf.vm.nics.ptr[1].mac, "08:00:27:d4:e5:f6") == 0);
  assert (strcmp (ovf.vm.nics.ptr[1].model, "pcnet32") == 0);
  ovf_free (&ovf);

  /* More NICs than enabled adapters: the MACs are not guessed. */
  text = envelope (FILE1, DISK1 ("1", "byte"),
                   CPU ("1") NIC ("E1000", "") NIC ("E1000", "")
                       NIC ("E1000", ""),
                   machine);
  assert (parse (text, &ovf) == 0);
  free (text);
  assert (ovf.vm.nics.ptr[0].mac == NULL);
  assert (ovf.warnings.len == 1);
  assert (strstr (ovf.warnings.ptr[0], "lists 2 enabled network adapters "
                                       "for 3 NICs")
          != NULL);
  ovf_free (&ovf);
}

static void
test_ovf2 (void)
{
  const char *text
      = "<e:Envelope xmlns:e='http://schemas.dmtf.org/ovf/envelope/2'"
        " xmlns:sasd='urn:sasd' xmlns:epasd='urn:epasd'>"
        "<e:References><e:File e:href='a.vmdk' e:id='f'/></e:References>"
        "<e:DiskSection><e:Disk e:diskId='d' e:fileRef='f'"
        " e:capacity='3' e:capacityAllocationUnits='byte * 10^9'/>"
        "</e:DiskSection>"
        "<e:VirtualSystem e:id='x'><e:Name> two </e:Name>"
        "<e:OperatingSystemSection><e:OSType>Linux</e:OSType>"
        "</e:OperatingSystemSection>"
        "<e:VirtualHardwareSection>"
        "<e:Item><sasd:InstanceID>4</sasd:InstanceID>"
        "<sasd:ResourceType>5</sasd:ResourceType></e:Item>"
        "<e:StorageItem><sasd:HostResource>ovf:/disk/d</sasd:HostResource>"
        "<sasd:Parent>4</sasd:Parent>"
        "<sasd:ResourceType>17</sasd:ResourceType></e:StorageItem>"
        "<e:EthernetPortItem><epasd:ResourceType>10</epasd:ResourceType>"
        "<epasd:Address>00-11-22-33-44-55</epasd:Address>"
        "</e:EthernetPortItem>"
        "</e:VirtualHardwareSection></e:VirtualSystem></e:Envelope>";
  struct ovf ovf;

  assert (parse (text, &ovf) == 0);
  assert (strcmp (ovf.vm.name, "two") == 0);
  assert (strcmp (ovf.vm.os_hint, "Linux") == 0);
  assert (ovf.vm.memory == 0 && ovf.vm.vcpus == 0);
  assert (ovf.vm.firmware == FIRMWARE_BIOS);
  assert (ovf.vm.disks.ptr[0].capacity == UINT64_C (3000000000));
  assert (ovf.vm.disks.ptr[0].bus == BUS_IDE);
  assert (ovf.vm.disks.ptr[0].unit == -1);
  assert (strcmp (ovf.vm.nics.ptr[0].mac, "00:11:22:33:44:55") == 0);
  ovf_free (&ovf);
}

static void
test_units (void)
{
  uint64_t m;

  assert (ovf_parse_units ("byte", &m) == 0 && m == 1);
  assert (ovf_parse_units (" byte * 2^30 ", &m) == 0 && m == 1 << 30);
  assert (ovf_parse_units ("byte*2^20", &m) == 0 && m == 1 << 20);
  assert (ovf_parse_units ("byte * 1024", &m) == 0 && m == 1024);
  assert (ovf_parse_units ("byte * 10^3", &m) == 0 && m == 1000);
  assert (ovf_parse_units ("byte * 2^10 * 512", &m) == 0 && m == 1 << 19);
  assert (ovf_parse_units ("MegaBytes", &m) == 0 && m == 1 << 20);
  assert (ovf_parse_units ("GigaBytes", &m) == 0 && m == 1 << 30);
  assert (ovf_parse_units ("KB", &m) == 0 && m == 1024);
  assert (ovf_parse_units ("byte * 2^63", &m) == 0 && m == UINT64_C (1) << 63);
  assert (ovf_parse_units ("byte * 1^1000", &m) == 0 && m == 1);
  assert (ovf_parse_units ("byte * 2^64", &m) == -1);
  assert (ovf_parse_units ("byte * 2^99999999999999999999", &m) == -1);
  assert (ovf_parse_units ("byte * 99999999999999999999", &m) == -1);
  assert (ovf_parse_units ("GigaBytes * 2^40", &m) == -1);
  assert (ovf_parse_units ("byte * 0", &m) == -1);
  assert (ovf_parse_units ("byte * 2^", &m) == -1);
  assert (ovf_parse_units ("byte 2", &m) == -1);
  assert (ovf_parse_units ("bit", &m) == -1);
  assert (ovf_parse_units ("hertz * 10^6", &m) == -1);
  assert (ovf_parse_units ("", &m) == -1);
}

static void
test_names (void)
{
  assert (ovf_unsafe_name ("a.vmdk") == NULL);
  assert (ovf_unsafe_name ("sub/a..vmdk") == NULL);
  assert (ovf_unsafe_name ("..a/b") == NULL);
  assert (strcmp (ovf_unsafe_name (""), "is empty") == 0);
  assert (strcmp (ovf_unsafe_name ("/etc/passwd"), "is absolute") == 0);
  assert (strstr (ovf_unsafe_name ("../x"), "'..'") != NULL);
  assert (strstr (ovf_unsafe_name ("a/../../x"), "'..'") != NULL);
  assert (strstr (ovf_unsafe_name ("a/.."), "'..'") != NULL);
  assert (strstr (ovf_unsafe_name ("a\\..\\x"), "backslash") != NULL);
  assert (strstr (ovf_unsafe_name ("http://h/x.vmdk"), "URL") != NULL);
  assert (strcmp (ovf_skip_dot_slash ("././/a/b"), "a/b") == 0);
  assert (strcmp (ovf_skip_dot_slash ("../a"), "../a") == 0);
}

static void
test_hostile (void)
{
  char *big;
  size_t n = OVF_MAX_BYTES + 1;
  struct ovf ovf;

  /* DOCTYPE (external entity): refused before anything is resolved. */
  must_fail (strdup ("<?xml version='1.0'?>\n"
                     "<!DOCTYPE Envelope [<!ENTITY x SYSTEM "
                     "'file:///etc/passwd'>]>\n"
                     "<Envelope xmlns='" NS1 "'><VirtualSystem>"
                     "<Name>&x;</Name></VirtualSystem></Envelope>"),
             "'t.ovf' has a DOCTYPE declaration");
  /* XInclude is not processed: the Name stays empty. */
  {
    char *text = envelope (
        FILE1, DISK1 ("1", "byte"), CPU ("1"),
        "<Name><xi:include xmlns:xi='http://www.w3.org/2001/XInclude'"
        " href='/etc/hostname' parse='text'/></Name>");

    assert (parse (text, &ovf) == 0);
    free (text);
    assert (strcmp (ovf.vm.name, "vm1") == 0);
    ovf_free (&ovf);
  }
  big = malloc (n);
  assert (big != NULL);
  memset (big, ' ', n);
  assert (ovf_parse (big, n, "t.ovf", &ovf) == -1);
  expect_error ("'t.ovf' is too large (16777217 bytes, at most 16777216)");
  free (big);
  must_fail (strdup ("<Envelope xmlns='" NS1 "'>"),
             "'t.ovf' is not valid XML");
  must_fail (strdup ("<Envelope/>"), "'t.ovf' is not an OVF descriptor");
  must_fail (strdup ("<x:Envelope xmlns:x='urn:x'/>"),
             "'t.ovf' is not an OVF descriptor");
}

#define D1 DISK ("", "", "ovf:/disk/d1")
#define HREF(name, attrs) "<File ovf:href='" name "' ovf:id='f1'" attrs "/>"

/* Envelopes that must be refused: References, DiskSection, items, what
 * follows the hardware, and the error wanted.
 */
static const struct {
  const char *refs, *disks, *items, *extra, *want;
} refused[] = {
  { FILE1, DISK1 ("4", "byte * 2^62"), D1, "",
    "'t.ovf': disk 'd1': capacity 4 * byte * 2^62 overflows" },
  { FILE1, DISK1 ("1", "byte * 2^64"), D1, "",
    "ovf:capacityAllocationUnits 'byte * 2^64' is not a unit" },
  { FILE1, DISK1 ("-1", "byte"), D1, "", "ovf:capacity '-1' is not a" },
  { FILE1, DISK1 ("${size}", "byte"), D1, "", "capacity '${size}' is not" },
  { FILE1, DISK1 ("1", "byte"), DISK ("", "", "ovf:/disk/nope"), "",
    "no Disk with ovf:diskId 'nope'" },
  { FILE1, DISK1 ("1", "byte"), DISK ("", "", "ovf:/file/nope"), "",
    "no File with ovf:id 'nope'" },
  { FILE1, DISK1 ("1", "byte"), DISK ("", "", "x"), "",
    "HostResource 'x' names no disk" },
  { FILE1, "<Disk ovf:diskId='d1'/>", D1, "",
    "disk 'd1' has no file (ovf:fileRef)" },
  { HREF ("../up.vmdk", ""), DISK1 ("1", "byte"), D1, "",
    "disk 'd1': file name '../up.vmdk' goes up a directory" },
  { HREF ("/etc/shadow", ""), DISK1 ("1", "byte"), D1, "",
    "file name '/etc/shadow' is absolute" },
  { HREF ("http://x/d.vmdk", ""), DISK1 ("1", "byte"), D1, "", "is a URL" },
  { HREF ("d.vmdk", " ovf:chunkSize='1000'"), DISK1 ("1", "byte"), D1, "",
    "is split in chunks" },
  { HREF ("d.vmdk", " ovf:compression='bzip2'"), DISK1 ("1", "byte"), D1, "",
    "compression 'bzip2' is not supported" },
  { HREF ("d.vhd", ""),
    "<Disk ovf:diskId='d1' ovf:fileRef='f1' "
    "ovf:format='http://go.microsoft.com/fwlink/?LinkId=137171'/>",
    D1, "", "only VMDK disks are supported" },
  { HREF ("d.img", ""), "<Disk ovf:diskId='d1' ovf:fileRef='f1'/>", D1, "",
    "has format 'unknown'" },
  { FILE1, DISK1 ("1", "byte"), D1 D1, "",
    "two disks are in the same file 'd1.vmdk'" },
  { "", "", NIC ("E1000", "zz:zz"), "",
    "'t.ovf': network adapter 'nic': 'zz:zz' is not a MAC" },
  { "", "", MEM ("0", "byte * 2^20"), "",
    "memory: 0 * byte * 2^20 is not an amount of memory" },
  { "", "", MEM ("99999999999", "byte * 2^30"), "",
    "is not an amount of memory" },
  { "", "", MEM ("1", "furlongs"), "",
    "AllocationUnits 'furlongs' is not a unit of bytes" },
  { "", "", CPU ("0"), "", "0 virtual CPUs" },
  { "", "", CPU ("x"), "", "VirtualQuantity 'x' is not a number" },
  { "", "",
    "<Item><rasd:ResourceType>x</rasd:ResourceType>"
    "<rasd:ElementName>odd</rasd:ElementName></Item>",
    "", "item 'odd': ResourceType 'x' is not a number" },
  { "", "", NIC ("E1000", ""), "<vbox:Machine uuid='nope'/>",
    "VirtualBox machine uuid: 'nope' is not a UUID" },
};

static void
test_errors (void)
{
  char items[70 * sizeof (NIC ("E1000", ""))] = "";

  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; ++i)
    must_fail (envelope (refused[i].refs, refused[i].disks, refused[i].items,
                         refused[i].extra),
               refused[i].want);
  must_fail (strdup ("<Envelope xmlns='" NS1 "'><VirtualSystem ovf:id='a'/>"
                     "<VirtualSystem ovf:id='b'/></Envelope>"),
             "'t.ovf' has 2 VirtualSystems; exactly one");
  must_fail (strdup ("<Envelope xmlns='" NS1 "'><VirtualSystemCollection/>"
                     "</Envelope>"),
             "describes a collection of virtual machines");
  must_fail (strdup ("<Envelope xmlns='" NS1 "'><VirtualSystem/>"
                     "</Envelope>"),
             "'t.ovf' has no VirtualHardwareSection");
  must_fail (strdup ("<Envelope xmlns='" NS1 "'><VirtualSystem>"
                     "<VirtualHardwareSection/></VirtualSystem></Envelope>"),
             "the VirtualSystem has no Name and no ovf:id");

  /* Bounds. */
  for (int i = 0; i < OVF_MAX_NICS + 1; ++i)
    strcat (items, NIC ("E1000", ""));
  must_fail (envelope ("", "", items, ""),
             "'t.ovf': more than 64 network adapters");
  {
    char *refs = calloc (OVF_MAX_DISKS + 1, 64);
    char *disks = calloc (OVF_MAX_DISKS + 1, 96);
    char *ditems = calloc (OVF_MAX_DISKS + 1, 256);

    assert (refs && disks && ditems);
    for (int i = 0; i <= OVF_MAX_DISKS; ++i) {
      sprintf (refs + strlen (refs), "<File ovf:href='%d.vmdk' ovf:id='%d'/>",
               i, i);
      sprintf (disks + strlen (disks),
               "<Disk ovf:diskId='%d' ovf:fileRef='%d'/>", i, i);
      sprintf (ditems + strlen (ditems),
               "<Item><rasd:HostResource>/disk/%d</rasd:HostResource>"
               "<rasd:ResourceType>17</rasd:ResourceType></Item>",
               i);
    }
    must_fail (envelope (refs, disks, ditems, ""), "more than 64 disks");
    free (refs);
    free (disks);
    free (ditems);
  }
}

int
main (void)
{
  test_vmware ();
  test_vbox ();
  test_ovf2 ();
  test_units ();
  test_names ();
  test_hostile ();
  test_errors ();
  clear_error ();
  printf ("test-ovf-parse: ok\n");
  return 0;
}
