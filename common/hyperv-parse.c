/* vmshift: Hyper-V virtual machine configuration files (hyperv-parse.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "errors.h"
#include "hyperv-parse.h"
#include "vector.h"
#include "vhd.h"
#include "vm.h"
#include "xml-util.h"

#define MAX_MEMORY_MIB (64ULL * 1024 * 1024) /* 64 TiB */
#define MAX_VCPUS 4096
#define GUID_LEN 36

#define IDE_CLASS "83f8638b-8dca-4152-9eda-2ca8b33039b4"
#define FLOPPY_CLASS "8f0d2762-0b00-4e04-af4f-19010527cb93"
#define BIOS_CLASS "ac6b8dc1-3257-4a70-b1b2-a9c9215659ad"
#define SYNTHETIC_NIC_CLASS "2fc216b0-d2e2-4967-9b6d-b8a5c9ca2778"

/* A manifest entry: vdevNNN's instance and device class. */
struct vdev {
  unsigned n;
  char instance[GUID_LEN + 1];
  char device[GUID_LEN + 1];
};
DEFINE_VECTOR_TYPE (vdev_vector, struct vdev);

/* A device element (<_GUID_>) in manifest order. */
struct device {
  xmlNodePtr node;
  char guid[GUID_LEN + 1];
  size_t order; /* position in the manifest, or after it in document order */
  const struct vdev *vdev; /* NULL if unlisted */
};
DEFINE_VECTOR_TYPE (device_vector, struct device);

struct drive {
  enum vm_bus bus;
  int controller, unit;
  char *path;
};
DEFINE_VECTOR_TYPE (drive_vector, struct drive);

struct parse {
  const char *what;
  xmlNodePtr root;
  vdev_vector vdevs;
  device_vector devices;
  string_vector *warnings;
};

/* ---- small helpers ----------------------------------------------- */

const char *
hyperv_basename (const char *path)
{
  const char *base = path;

  for (const char *s = path; *s; ++s)
    if (*s == '\\' || *s == '/')
      base = s + 1;
  return base;
}

/* Copies a GUID (optionally in braces) lowercased into out; false if s
 * is not one.
 */
static bool
parse_guid (const char *s, size_t len, char out[GUID_LEN + 1])
{
  if (len == GUID_LEN + 2 && s[0] == '{' && s[len - 1] == '}') {
    s++;
    len -= 2;
  }
  if (len != GUID_LEN)
    return false;
  for (size_t i = 0; i < GUID_LEN; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isxdigit ((unsigned char) s[i]))
      return false;
    out[i] = tolower ((unsigned char) s[i]);
  }
  out[GUID_LEN] = '\0';
  return true;
}

/* Is node an element named _GUID_?  The GUID (lowercase) in guid. */
static bool
device_name (xmlNodePtr node, char guid[GUID_LEN + 1])
{
  const char *name = (const char *) node->name;
  size_t len = strlen (name);

  return node->type == XML_ELEMENT_NODE && len == GUID_LEN + 2
         && name[0] == '_' && name[len - 1] == '_'
         && parse_guid (name + 1, GUID_LEN, guid);
}

/* The text of parent's child name (see xml_text). */
static int
child_text (xmlNodePtr parent, const char *name, char **out)
{
  return xml_text (xml_child (parent, name), out);
}

/* A <x type="bool">True</x> child: 1, 0 (also if absent), -1 (no
 * memory).
 */
static int
child_bool (xmlNodePtr parent, const char *name)
{
  CLEANUP_FREE char *s = NULL;

  if (child_text (parent, name, &s) == -1)
    return -1;
  return s && strcasecmp (s, "true") == 0;
}

/* An unsigned number child: 1 and *out set, 0 if absent or empty, -1
 * with the error set if it is not a number.
 */
static int
child_uint (const struct parse *p, xmlNodePtr parent, const char *path,
            const char *name, uint64_t *out)
{
  CLEANUP_FREE char *s = NULL;
  char *end;

  if (child_text (parent, name, &s) == -1)
    return -1;
  if (s == NULL || *s == '\0')
    return 0;
  errno = 0;
  *out = strtoull (s, &end, 10);
  if (errno || *end || !isdigit ((unsigned char) s[0])) {
    set_error (0, "'%s': %s/%s = '%s' is not a number", p->what, path, name,
               s);
    return -1;
  }
  return 1;
}

/* Element names like controller3 and drive12: the number, or -1. */
static int
numbered (xmlNodePtr node, const char *prefix)
{
  size_t n = strlen (prefix);
  const char *s = (const char *) node->name;
  char *end;
  long v;

  if (node->type != XML_ELEMENT_NODE || strncasecmp (s, prefix, n) != 0
      || !isdigit ((unsigned char) s[n]))
    return -1;
  errno = 0;
  v = strtol (s + n, &end, 10);
  if (errno || *end || v > 999)
    return -1;
  return (int) v;
}

/* ---- the manifest and the device elements ------------------------ */

static int
vdev_compare (const void *av, const void *bv)
{
  const struct vdev *a = av, *b = bv;

  return (a->n > b->n) - (a->n < b->n);
}

static int
device_compare (const void *av, const void *bv)
{
  const struct device *a = av, *b = bv;

  return (a->order > b->order) - (a->order < b->order);
}

static int
read_manifest (struct parse *p)
{
  xmlNodePtr manifest = xml_child (p->root, "manifest");

  for (xmlNodePtr c = manifest ? manifest->children : NULL; c; c = c->next) {
    CLEANUP_FREE char *instance = NULL, *device = NULL;
    struct vdev v = { 0 };
    int n = numbered (c, "vdev");

    if (n < 0)
      continue;
    v.n = n;
    if (child_text (c, "instance", &instance) == -1
        || child_text (c, "device", &device) == -1)
      return -1;
    if (instance == NULL
        || !parse_guid (instance, strlen (instance), v.instance))
      continue;
    if (device == NULL || !parse_guid (device, strlen (device), v.device))
      v.device[0] = '\0';
    if (vdev_vector_append (&p->vdevs, v) == -1) {
      set_error (errno, "out of memory");
      return -1;
    }
  }
  if (p->vdevs.len > 0)
    qsort (p->vdevs.ptr, p->vdevs.len, sizeof p->vdevs.ptr[0], vdev_compare);
  return 0;
}

/* Every <_GUID_> element, in manifest order, unlisted ones after. */
static int
find_devices (struct parse *p)
{
  size_t doc = 0;

  for (xmlNodePtr c = p->root->children; c; c = c->next) {
    struct device d = { .node = c };

    if (!device_name (c, d.guid))
      continue;
    d.order = p->vdevs.len + doc++;
    for (size_t i = 0; i < p->vdevs.len; ++i) {
      if (strcmp (p->vdevs.ptr[i].instance, d.guid) == 0) {
        d.vdev = &p->vdevs.ptr[i];
        d.order = i;
        break;
      }
    }
    if (device_vector_append (&p->devices, d) == -1) {
      set_error (errno, "out of memory");
      return -1;
    }
  }
  if (p->devices.len > 0)
    qsort (p->devices.ptr, p->devices.len, sizeof p->devices.ptr[0],
           device_compare);
  return 0;
}

static xmlNodePtr
find_class (const struct parse *p, const char *guid)
{
  for (size_t i = 0; i < p->devices.len; ++i)
    if (strcmp (p->devices.ptr[i].guid, guid) == 0)
      return p->devices.ptr[i].node;
  return NULL;
}

/* ---- scalars ----------------------------------------------------- */

static int
get_scalars (struct parse *p, struct vm *out)
{
  xmlNodePtr props = xml_child (p->root, "properties");
  xmlNodePtr settings = xml_child (p->root, "settings");
  xmlNodePtr bank = xml_child (xml_child (settings, "memory"), "bank");
  CLEANUP_FREE char *guid = NULL;
  uint64_t mib = 0, limit = 0, vcpus = 0, subtype = 0;
  int r, dynamic;

  out->source_type = strdup ("hyperv");
  if (out->source_type == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (child_text (props, "name", &out->name) == -1)
    return -1;
  if (out->name && out->name[0] == '\0') {
    free (out->name);
    out->name = NULL;
  }

  if (child_text (find_class (p, BIOS_CLASS), "bios_guid", &guid) == -1)
    return -1;
  if (guid && *guid) {
    out->uuid = vm_normalize_uuid (guid);
    if (out->uuid == NULL) {
      prefix_error ("'%s': bios_guid", p->what);
      return -1;
    }
  }

  r = child_uint (p, props, "properties", "subtype", &subtype);
  if (r == -1)
    return -1;
  if (subtype > 1) {
    set_error (0,
               "'%s': properties/subtype = %" PRIu64 " is not a Hyper-V "
               "generation (0: generation 1, 1: generation 2)",
               p->what, subtype);
    return -1;
  }
  out->firmware = subtype == 1 ? FIRMWARE_UEFI : FIRMWARE_BIOS;

  r = child_uint (p, bank, "settings/memory/bank", "size", &mib);
  if (r == -1)
    return -1;
  if (r == 1 && (mib == 0 || mib > MAX_MEMORY_MIB)) {
    set_error (0,
               "'%s': settings/memory/bank/size = %" PRIu64 " is not an "
               "amount of memory in MiB (1 to 64 TiB)",
               p->what, mib);
    return -1;
  }
  out->memory = mib << 20;
  dynamic = child_bool (bank, "dynamic_memory_enabled");
  if (dynamic == -1
      || child_uint (p, bank, "settings/memory/bank", "limit", &limit) == -1)
    return -1;
  if (dynamic && mib)
    string_vector_appendf (
        p->warnings,
        "dynamic memory is on (startup %" PRIu64 " MiB, maximum %" PRIu64
        " MiB): the converted VM gets the startup amount (set another "
        "with --memory)",
        mib, limit);

  r = child_uint (p, xml_child (settings, "processors"), "settings/processors",
                  "count", &vcpus);
  if (r == -1)
    return -1;
  if (r == 1 && (vcpus == 0 || vcpus > MAX_VCPUS)) {
    set_error (0,
               "'%s': settings/processors/count = %" PRIu64 " is not a "
               "number of CPUs (1 to %d)",
               p->what, vcpus, MAX_VCPUS);
    return -1;
  }
  out->vcpus = (unsigned) vcpus;
  return 0;
}

/* ---- disks ------------------------------------------------------- */

static int
drive_compare_gen1 (const void *av, const void *bv)
{
  const struct drive *a = av, *b = bv;

  if (a->bus != b->bus)
    return a->bus == BUS_IDE ? -1 : 1;
  if (a->controller != b->controller)
    return a->controller < b->controller ? -1 : 1;
  return (a->unit > b->unit) - (a->unit < b->unit);
}

static int
drive_compare_gen2 (const void *av, const void *bv)
{
  const struct drive *a = av, *b = bv;

  if (a->bus != b->bus)
    return a->bus == BUS_SCSI ? -1 : 1;
  return drive_compare_gen1 (av, bv);
}

/* The drives of one controller element (IDE, or SCSI number scsi). */
static int
controller_drives (struct parse *p, xmlNodePtr node, enum vm_bus bus, int scsi,
                   drive_vector *drives)
{
  for (xmlNodePtr c = node->children; c; c = c->next) {
    int ctrl = numbered (c, "controller");

    if (ctrl < 0)
      continue;
    for (xmlNodePtr d = c->children; d; d = d->next) {
      CLEANUP_FREE char *path = NULL, *type = NULL;
      struct drive drive = { .bus = bus };
      int unit = numbered (d, "drive");

      if (unit < 0)
        continue;
      if (child_text (d, "pathname", &path) == -1
          || child_text (d, "type", &type) == -1)
        return -1;
      if (path == NULL || *path == '\0')
        continue;
      drive.controller = bus == BUS_SCSI ? scsi : ctrl;
      drive.unit = unit;
      if (type ? strcasecmp (type, "VHD") != 0 : !vhd_is_disk_name (path)) {
        if (type == NULL
            || (strcasecmp (type, "ISO") != 0
                && strcasecmp (type, "NONE") != 0))
          string_vector_appendf (
              p->warnings,
              "%s %d:%d ('%s', of type '%s') is not a virtual hard "
              "disk: it is not converted",
              bus == BUS_IDE ? "IDE" : "SCSI", drive.controller, unit, path,
              type ? type : "unknown");
        continue;
      }
      drive.path = path;
      if (drive_vector_append (drives, drive) == -1) {
        set_error (errno, "out of memory");
        return -1;
      }
      path = NULL;
    }
  }
  return 0;
}

static int
get_disks (struct parse *p, struct vm *out)
{
  drive_vector drives = empty_vector;
  int scsi = 0, ret = 0;

  for (size_t i = 0; ret == 0 && i < p->devices.len; ++i) {
    const struct device *d = &p->devices.ptr[i];
    bool has_controller = false;

    if (strcmp (d->guid, FLOPPY_CLASS) == 0)
      continue;
    for (xmlNodePtr c = d->node->children; c; c = c->next)
      has_controller = has_controller || numbered (c, "controller") >= 0;
    if (!has_controller)
      continue;
    if (strcmp (d->guid, IDE_CLASS) == 0)
      ret = controller_drives (p, d->node, BUS_IDE, 0, &drives);
    else
      ret = controller_drives (p, d->node, BUS_SCSI, scsi++, &drives);
  }
  if (ret == 0 && drives.len > 0)
    qsort (drives.ptr, drives.len, sizeof drives.ptr[0],
           out->firmware == FIRMWARE_UEFI ? drive_compare_gen2
                                          : drive_compare_gen1);
  for (size_t i = 0; i < drives.len; ++i) {
    struct vm_disk disk = {
      .bus = drives.ptr[i].bus,
      .controller = drives.ptr[i].controller,
      .unit = drives.ptr[i].unit,
      .path = drives.ptr[i].path,
    };

    if (ret == 0) {
      disk.controller_model
          = strdup (disk.bus == BUS_IDE ? "ide" : "hv_storvsc");
      if (disk.controller_model == NULL
          || vm_disk_vector_append (&out->disks, disk) == -1) {
        set_error (errno, "out of memory");
        free (disk.controller_model);
        ret = -1;
      }
    }
    if (ret == -1)
      free (drives.ptr[i].path);
  }
  free (drives.ptr);
  return ret;
}

/* ---- network adapters -------------------------------------------- */

static bool
legacy_nic (const struct device *d)
{
  if (d->vdev && d->vdev->device[0])
    return strcmp (d->vdev->device, SYNTHETIC_NIC_CLASS) != 0;
  return xml_child (d->node, "ChannelInstanceGuid") == NULL;
}

/* Fills nic (zeroed, pci_slot -1; freed by vm_clear on failure) from the
 * adapter element d, which has a MacAddress or an address.
 */
static int
describe_nic (struct parse *p, const struct device *d, size_t n,
              struct vm_nic *nic)
{
  CLEANUP_FREE char *mac = NULL, *name = NULL;
  bool legacy = legacy_nic (d);
  int is_static;

  if (child_text (d->node, "MacAddress", &mac) == -1)
    return -1;
  is_static = child_bool (d->node, "MacAddressIsStatic");
  if (mac == NULL) {
    if (child_text (d->node, "address", &mac) == -1)
      return -1;
    is_static = child_bool (d->node, "is_static_address");
  }
  if (is_static == -1
      || child_text (xml_child (d->node, "Connection"), "AltSwitchName",
                     &nic->network)
             == -1
      || child_text (d->node, "FriendlyName", &name) == -1)
    return -1;
  if (nic->network && nic->network[0] == '\0') {
    free (nic->network);
    nic->network = NULL;
  }
  nic->model = strdup (legacy ? "tulip" : "hv_netvsc");
  if (nic->model == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (mac == NULL || *mac == '\0' || strspn (mac, "0-:") == strlen (mac))
    return 0; /* never given one */

  if (is_static) {
    nic->mac = vm_normalize_mac (mac);
    if (nic->mac == NULL) {
      prefix_error ("'%s': network adapter %zu", p->what, n);
      return -1;
    }
    return 0;
  }
  CLEANUP_FREE char *dynamic = vm_normalize_mac (mac);
  string_vector_appendf (
      p->warnings,
      "network adapter %zu (%s%s%s) had the dynamic MAC %s, which "
      "Hyper-V may give to another VM: it is not kept (give --mac to "
      "keep it)",
      n, name && *name ? name : "unnamed", nic->network ? ", switch " : "",
      nic->network ? nic->network : "", dynamic ? dynamic : mac);
  return 0;
}

static int
get_nics (struct parse *p, struct vm *out)
{
  for (size_t i = 0; i < p->devices.len; ++i) {
    const struct device *d = &p->devices.ptr[i];
    struct vm_nic nic = { .pci_slot = -1 };
    CLEANUP_FREE char *address = NULL;

    /* Or the older spelling: a 12 hex digit address and a static flag
     * (other devices have an <address> too: the S3 video its PCI ID).
     */
    if (xml_child (d->node, "MacAddress") == NULL) {
      if (xml_child (d->node, "is_static_address") == NULL)
        continue;
      if (child_text (d->node, "address", &address) == -1)
        return -1;
      if (address == NULL || strlen (address) != 12
          || strspn (address, "0123456789abcdefABCDEF") != 12)
        continue;
    }
    if (vm_nic_vector_append (&out->nics, nic) == -1) {
      set_error (errno, "out of memory");
      return -1;
    }
    if (describe_nic (p, d, out->nics.len, &out->nics.ptr[out->nics.len - 1])
        == -1)
      return -1;
  }
  return 0;
}

/* ---- the document ------------------------------------------------ */

int
hyperv_parse (xmlDocPtr doc, const char *what, struct vm *out,
              string_vector *warnings)
{
  struct parse p = { .what = what, .warnings = warnings };
  int ret = -1;

  p.root = xml_root_named (doc, "configuration", what,
                           "a Hyper-V virtual machine configuration");
  if (p.root == NULL)
    return -1;
  if (xml_child (p.root, "properties") == NULL
      && xml_child (p.root, "settings") == NULL) {
    set_error (0,
               "'%s' is not a Hyper-V virtual machine configuration (no "
               "<properties> or <settings>)",
               what);
    return -1;
  }
  if (read_manifest (&p) == 0 && find_devices (&p) == 0
      && get_scalars (&p, out) == 0 && get_disks (&p, out) == 0
      && get_nics (&p, out) == 0)
    ret = 0;
  free (p.vdevs.ptr);
  free (p.devices.ptr);
  return ret;
}

bool
hyperv_probe_text (const char *tag)
{
  static const char *const markers[] = {
    "<manifest",
    "<properties",
    "<settings",
    "<global_settings",
  };

  if (!xml_tag_is (tag, "configuration"))
    return false;
  for (size_t i = 0; i < sizeof markers / sizeof markers[0]; ++i)
    if (strstr (tag, markers[i]))
      return true;
  for (const char *s = strstr (tag, "<_"); s; s = strstr (s + 1, "<_")) {
    char guid[GUID_LEN + 1];
    if (strlen (s) >= GUID_LEN + 3 && s[GUID_LEN + 2] == '_'
        && parse_guid (s + 2, GUID_LEN, guid))
      return true;
  }
  return false;
}
