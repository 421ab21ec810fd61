/* Unit tests for common/xva-parse.c. */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "vector.h"
#include "vm.h"
#include "xva-parse.h"

/* <member> of a plain value. */
#define M(name, value)                                                        \
  "<member><name>" name "</name><value>" value "</value></member>"
/* An object: class, id, and its fields (members). */
#define OBJ(class, id, fields)                                                \
  "<value><struct>" M ("class", class)                                        \
      M ("id", id) "<member><name>snapshot</name><value><struct>" fields      \
                   "</struct></value></member></struct></value>"

#define VM_FIELDS(extra)                                                      \
  M ("name_label", "db01")                                                    \
  M ("uuid", "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9")                          \
  M ("memory_static_max", "4294967296")                                       \
  M ("VCPUs_max", "4") M ("VCPUs_at_startup", "2") extra

#define VBD(id, vdi, type, userdevice)                                        \
  OBJ ("VBD", id,                                                             \
       M ("VM", "Ref:1") M ("VDI", vdi) M ("type", type)                      \
           M ("userdevice", userdevice))

#define VDI(id, size) OBJ ("VDI", id, M ("virtual_size", size))

#define VIF(id, mac, device)                                                  \
  OBJ ("VIF", id,                                                             \
       M ("VM", "Ref:1") M ("MAC", mac) M ("device", device)                  \
           M ("network", "Ref:9"))

static const char head[]
    = "<value><struct><member><name>version</name><value><struct>"
      "<member><name>export_vsn</name><value>2</value></member>"
      "</struct></value></member>"
      "<member><name>objects</name><value><array><data>";
static const char tail[] = "</data></array></value></member></struct></value>";

static char *
doc (const char *objects)
{
  char *s;

  assert (asprintf (&s, "%s%s%s", head, objects, tail) > 0);
  return s;
}

static int
parse (const char *objects, struct vm *vm, string_vector *refs)
{
  char *xml = doc (objects);
  int r;

  memset (vm, 0, sizeof *vm);
  r = xva_parse_ova_xml (xml, strlen (xml), "t.xva:ova.xml", "/d/t.xva", vm,
                         refs);
  free (xml);
  return r;
}

static void
must_fail_xml (const char *xml, const char *want)
{
  struct vm vm = { 0 };
  string_vector refs = empty_vector;

  assert (xva_parse_ova_xml (xml, strlen (xml), "t.xva:ova.xml", "/d/t.xva",
                             &vm, &refs)
          == -1);
  if (strstr (get_error (), want) == NULL) {
    fprintf (stderr, "error '%s' does not contain '%s'\n", get_error (), want);
    abort ();
  }
  vm_clear (&vm);
  free_string_vector (&refs);
}

static void
must_fail (const char *objects, const char *want)
{
  char *xml = doc (objects);

  must_fail_xml (xml, want);
  free (xml);
}

static void
test_hvm (void)
{
  struct vm vm;
  string_vector refs = empty_vector;

  assert (
      parse (
          /* A snapshot of the VM comes first: not it. */
          OBJ ("VM", "Ref:0",
               M ("name_label", "snap")
                   M ("is_a_snapshot", "<boolean>1</boolean>"))
              OBJ ("VM", "Ref:1",
                   VM_FIELDS (M (
                       "HVM_boot_policy",
                       "BIOS order") "<member><name>HVM_boot_params</name>"
                                     "<value><struct>" M ("order", "cd") M (
                                         "firmware",
                                         "uefi") "</struct></value></"
                                                 "member>" M ("is_a_snapshot",
                                                              "<boolean>0</"
                                                              "boolean>")))
                  VBD ("Ref:2", "Ref:12", "Disk", "1")
                      VBD ("Ref:3", "Ref:13", "Disk", "0")
                          VBD ("Ref:4", "OpaqueRef:NULL", "CD", "3")
                              VBD ("Ref:5", "Ref:15", "Disk", "4")
          /* The snapshot's disk is not the VM's. */
          OBJ ("VBD", "Ref:6",
               M ("VM", "Ref:0") M ("VDI", "Ref:12") M ("type", "Disk")
                   M ("userdevice", "0")) VDI ("Ref:12", "1073741824")
              VDI ("Ref:13", "<string>21474836480</string>") VDI (
                  "Ref:15", " 512 ") VIF ("Ref:7", "00:16:3E:00:00:02", "1")
                  VIF ("Ref:8", "00-16-3e-00-00-01", "0") OBJ (
                      "network", "Ref:9",
                      M ("name_label", "Pool LAN") M ("bridge", "xenbr0")),
          &vm, &refs)
      == 0);
  assert (strcmp (vm.source_type, "xva") == 0);
  assert (strcmp (vm.name, "db01") == 0);
  assert (strcmp (vm.uuid, "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9") == 0);
  assert (vm.memory == 4294967296ULL && vm.vcpus == 4);
  assert (vm.firmware == FIRMWARE_UEFI);

  assert (vm.disks.len == 3 && refs.len == 3);
  assert (strcmp (refs.ptr[0], "Ref:13") == 0);
  assert (strcmp (vm.disks.ptr[0].path, "/d/t.xva:Ref:13") == 0);
  assert (vm.disks.ptr[0].capacity == 21474836480ULL);
  assert (vm.disks.ptr[0].bus == BUS_IDE && vm.disks.ptr[0].import);
  assert (vm.disks.ptr[0].controller == 0 && vm.disks.ptr[0].unit == 0);
  assert (strcmp (vm.disks.ptr[0].format, "raw") == 0);
  assert (strcmp (refs.ptr[1], "Ref:12") == 0);
  assert (vm.disks.ptr[1].bus == BUS_IDE && vm.disks.ptr[1].unit == 1);
  assert (strcmp (refs.ptr[2], "Ref:15") == 0);
  assert (vm.disks.ptr[2].bus == BUS_XEN && vm.disks.ptr[2].unit == 4);
  assert (vm.disks.ptr[2].capacity == 512);

  assert (vm.nics.len == 2);
  assert (strcmp (vm.nics.ptr[0].mac, "00:16:3e:00:00:01") == 0);
  assert (strcmp (vm.nics.ptr[1].mac, "00:16:3e:00:00:02") == 0);
  assert (strcmp (vm.nics.ptr[0].model, "rtl8139") == 0);
  assert (strcmp (vm.nics.ptr[0].network, "Pool LAN") == 0);
  vm_clear (&vm);
  free_string_vector (&refs);
}

static void
test_pv (void)
{
  struct vm vm;
  string_vector refs = empty_vector;

  /* No domain_type (XenServer < 7.5): an empty HVM_boot_policy is PV;
   * no VCPUs_max: VCPUs_at_startup; no name: the file's.
   */
  assert (parse (OBJ ("VM", "Ref:1",
                      M ("HVM_boot_policy", "") M ("VCPUs_at_startup", "2")
                          M ("name_label", ""))
                     VBD ("Ref:2", "Ref:3", "Disk", "0")
                         VDI ("Ref:3", "8589934592") VIF ("Ref:4", "", "0"),
                 &vm, &refs)
          == 0);
  assert (strcmp (vm.name, "t") == 0 && vm.uuid == NULL);
  assert (vm.memory == 0 && vm.vcpus == 2 && vm.firmware == FIRMWARE_BIOS);
  assert (vm.disks.len == 1 && vm.disks.ptr[0].bus == BUS_XEN);
  assert (vm.nics.len == 1 && vm.nics.ptr[0].mac == NULL);
  assert (strcmp (vm.nics.ptr[0].model, "xen-netfront") == 0);
  assert (vm.nics.ptr[0].network == NULL);
  vm_clear (&vm);
  free_string_vector (&refs);

  /* domain_type wins over HVM_boot_policy; UEFI only for HVM. */
  assert (
      parse (
          OBJ ("VM", "Ref:1",
               M ("domain_type", "pv") M (
                   "HVM_boot_policy",
                   "BIOS order") "<member><name>HVM_boot_params</name><value>"
                                 "<struct>" M (
                                     "firmware",
                                     "uefi") "</struct></value></member>"),
          &vm, &refs)
      == 0);
  assert (vm.firmware == FIRMWARE_BIOS && vm.disks.len == 0);
  vm_clear (&vm);
  free_string_vector (&refs);

  /* HVM with an e1000. */
  assert (parse (OBJ ("VM", "Ref:1",
                      M ("domain_type", "hvm") "<member><name>platform</"
                                               "name><value><struct>" M (
                                                   "nic_type",
                                                   "e1000") "</struct></"
                                                            "value></member>")
                     VIF ("Ref:4", "00:16:3e:00:00:09", "0"),
                 &vm, &refs)
          == 0);
  assert (strcmp (vm.nics.ptr[0].model, "e1000") == 0);
  vm_clear (&vm);
  free_string_vector (&refs);
}

static void
test_bad (void)
{
  must_fail_xml ("<!DOCTYPE value [<!ENTITY x \"y\">]><value>&x;</value>",
                 "DOCTYPE");
  must_fail_xml ("<domain type='xen'/>", "lists no objects");
  must_fail_xml ("<value><struct>", "is not valid XML");
  must_fail (OBJ ("SR", "Ref:1", ""), "describes no VM");
  must_fail (OBJ ("VM", "../../etc", ""), "bad id '../../etc'");
  must_fail (OBJ ("VM", "Ref:1", "") VBD ("Ref:2", "Ref:3", "Disk", "0"),
             "VBD 'Ref:2' names VDI 'Ref:3', which is not there");
  must_fail (OBJ ("VM", "Ref:1", "") VBD ("Ref:2", "Ref:3", "Disk", "0")
                 VDI ("Ref:3", "99999999999999999999999"),
             "VDI 'Ref:3' virtual_size: '99999999999999999999999' is not a "
             "number that fits");
  must_fail (OBJ ("VM", "Ref:1", "") VBD ("Ref:2", "Ref:3", "Disk", "0")
                 VDI ("Ref:3", "104857600000000000"),
             "virtual_size: 104857600000000000 is more than");
  must_fail (OBJ ("VM", "Ref:1", "") VBD ("Ref:2", "Ref:3", "Disk", "0")
                 VDI ("Ref:3", "-1"),
             "is not a number that fits");
  must_fail (OBJ ("VM", "Ref:1", "") VBD ("Ref:2", "Ref:3", "Disk", "0")
                 VDI ("Ref:3", ""),
             "VDI 'Ref:3' has no virtual_size");
  must_fail (OBJ ("VM", "Ref:1", "") VBD ("Ref:2", "Ref:3", "Disk", "0")
                 VBD ("Ref:4", "Ref:3", "Disk", "1") VDI ("Ref:3", "512"),
             "VDI 'Ref:3' is attached twice");
  must_fail (OBJ ("VM", "Ref:1", M ("memory_static_max", "1e9")),
             "VM 'Ref:1' memory_static_max: '1e9' is not a number");
  must_fail (OBJ ("VM", "Ref:1", M ("VCPUs_max", "5000")),
             "VCPUs_max: 5000 is more than 4096");
  must_fail (OBJ ("VM", "Ref:1", M ("uuid", "not-a-uuid")), "VM uuid");
  must_fail (OBJ ("VM", "Ref:1", "") VIF ("Ref:4", "00:16:3e", "0"),
             "VIF 'Ref:4'");
}

int
main (void)
{
  test_hvm ();
  test_pv ();
  test_bad ();
  clear_error ();
  printf ("test-xva-parse: ok\n");
  return 0;
}
