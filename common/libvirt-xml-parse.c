/* vmshift: libvirt domain XML into the model (libvirt-xml-parse.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
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
#include "libvirt-xml-parse.h"
#include "vector.h"
#include "vm.h"
#include "xml-util.h"

#define MAX_MEMORY (64ULL << 40) /* 64 TiB */
#define MAX_VCPUS 4096

struct parse {
  const char *what;
  xmlNodePtr root, devices;
  bool xen;
  char *machine; /* os/type@machine or NULL; owned */
  string_vector *warnings;
};

void
libvirt_domain_clear (struct libvirt_domain *d)
{
  for (size_t i = 0; i < d->sources.len; ++i) {
    free (d->sources.ptr[i].target);
    free (d->sources.ptr[i].pool);
    free (d->sources.ptr[i].volume);
  }
  libvirt_disk_source_vector_reset (&d->sources);
  vm_clear (&d->vm);
}

/* ---- numbers ----------------------------------------------------- */

int
libvirt_scale (const char *value, const char *unit, uint64_t *bytes)
{
  static const char prefixes[] = "kmgtpe";
  uint64_t n, scale = 1024;
  const char *p;
  char *end;

  errno = 0;
  n = strtoull (value, &end, 10);
  if (errno == ERANGE || end == value || *end
      || !isdigit ((unsigned char) value[0])) {
    set_error (0, "'%s' is not a number that fits", value);
    return -1;
  }
  if (unit && (strcasecmp (unit, "b") == 0 || strcasecmp (unit, "bytes") == 0))
    scale = 1;
  else if (unit) {
    p = strchr (prefixes, tolower ((unsigned char) unit[0]));
    if (unit[0] == '\0' || p == NULL
        || (unit[1] && strcasecmp (unit + 1, "ib") != 0
            && strcasecmp (unit + 1, "b") != 0)) {
      set_error (0, "'%s' is not a unit libvirt knows", unit);
      return -1;
    }
    scale = 1;
    for (int i = 0; i <= p - prefixes; ++i)
      scale *= strcasecmp (unit + 1, "b") == 0 ? 1000 : 1024;
  }
  if (n > UINT64_MAX / scale) {
    set_error (0, "%s %s is more than 16 EiB", value, unit ? unit : "KiB");
    return -1;
  }
  *bytes = n * scale;
  return 0;
}

/* An unsigned decimal attribute (or the text when attr is NULL) of
 * node: 1 and *out set, 0 if absent, -1 with the error set.
 */
static int
get_uint (const struct parse *p, xmlNodePtr node, const char *attr,
          const char *what, uint64_t *out)
{
  CLEANUP_FREE char *s = NULL;
  char *end;

  if ((attr ? xml_attr (node, attr, &s) : xml_text (node, &s)) == -1)
    return -1;
  if (s == NULL)
    return 0;
  errno = 0;
  *out = strtoull (s, &end, strncasecmp (s, "0x", 2) == 0 ? 16 : 10);
  if (errno || end == s || *end || !isdigit ((unsigned char) s[0])) {
    set_error (0, "'%s': %s '%s' is not a number", p->what, what, s);
    return -1;
  }
  return 1;
}

/* ---- scalars ----------------------------------------------------- */

static bool
contains_ci (const char *s, const char *word)
{
  for (; s && *s; ++s)
    if (strncasecmp (s, word, strlen (word)) == 0)
      return true;
  return false;
}

static int
get_firmware (struct parse *p, xmlNodePtr os, struct vm *out)
{
  CLEANUP_FREE char *fw = NULL, *type = NULL, *path = NULL;
  xmlNodePtr loader = xml_child (os, "loader");

  if (xml_attr (os, "firmware", &fw) == -1
      || xml_attr (loader, "type", &type) == -1
      || xml_text (loader, &path) == -1)
    return -1;
  if ((fw && strcmp (fw, "efi") == 0) || (type && strcmp (type, "pflash") == 0)
      || contains_ci (path, "ovmf") || contains_ci (path, "aavmf")
      || contains_ci (path, "edk2"))
    out->firmware = FIRMWARE_UEFI;
  else
    out->firmware = FIRMWARE_BIOS;
  return 0;
}

/* os_hint: the hypervisor (see the header). */
static int
get_os_hint (struct parse *p, xmlNodePtr os, const char *type, struct vm *out)
{
  CLEANUP_FREE char *ostype = NULL, *kernel = NULL;
  const char *hint = type;

  if (xml_text (xml_child (os, "type"), &ostype) == -1
      || xml_attr (xml_child (os, "type"), "machine", &p->machine) == -1
      || xml_text (xml_child (os, "kernel"), &kernel) == -1)
    return -1;
  if (p->xen) {
    if (ostype && strcmp (ostype, "hvm") == 0)
      hint = "xen-hvm";
    else if (ostype && strcmp (ostype, "xenpvh") == 0)
      hint = "xen-pvh";
    else
      hint = "xen-pv";
  }
  if (kernel && *kernel)
    string_vector_appendf (
        p->warnings,
        "the domain boots the kernel '%s' from the host: the converted "
        "guest boots from its own disk, which needs a kernel and a "
        "boot loader installed in it",
        kernel);
  if (hint) {
    out->os_hint = strdup (hint);
    if (out->os_hint == NULL) {
      set_error (errno, "strdup");
      return -1;
    }
  }
  return 0;
}

static int
get_scalars (struct parse *p, struct vm *out)
{
  CLEANUP_FREE char *type = NULL, *uuid = NULL, *mem = NULL, *unit = NULL;
  xmlNodePtr memory = xml_child (p->root, "memory");
  xmlNodePtr vcpu = xml_child (p->root, "vcpu");
  uint64_t vcpus = 1;
  int r;

  out->source_type = strdup ("libvirt");
  if (out->source_type == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (xml_attr (p->root, "type", &type) == -1
      || xml_text (xml_child (p->root, "name"), &out->name) == -1
      || xml_text (xml_child (p->root, "uuid"), &uuid) == -1)
    return -1;
  if (out->name == NULL || *out->name == '\0') {
    set_error (0, "'%s': the domain has no <name>", p->what);
    return -1;
  }
  if (uuid) {
    out->uuid = vm_normalize_uuid (uuid);
    if (out->uuid == NULL) {
      prefix_error ("'%s': <uuid>", p->what);
      return -1;
    }
  }
  p->xen = type && strcmp (type, "xen") == 0;

  if (xml_text (memory, &mem) == -1 || xml_attr (memory, "unit", &unit) == -1)
    return -1;
  if (mem) {
    if (libvirt_scale (mem, unit, &out->memory) == -1) {
      prefix_error ("'%s': <memory>", p->what);
      return -1;
    }
    if (out->memory > MAX_MEMORY) {
      set_error (0, "'%s': <memory> %s %s is more than 64 TiB", p->what, mem,
                 unit ? unit : "KiB");
      return -1;
    }
  }

  r = get_uint (p, vcpu, "current", "<vcpu current>", &vcpus);
  if (r == 0)
    r = get_uint (p, vcpu, NULL, "<vcpu>", &vcpus);
  if (r == -1)
    return -1;
  if (vcpus == 0 || vcpus > MAX_VCPUS) {
    set_error (0, "'%s': %" PRIu64 " is not a number of CPUs (1 to %d)",
               p->what, vcpus, MAX_VCPUS);
    return -1;
  }
  out->vcpus = (unsigned) vcpus;

  if (get_firmware (p, xml_child (p->root, "os"), out) == -1)
    return -1;
  return get_os_hint (p, xml_child (p->root, "os"), type, out);
}

/* ---- disks ------------------------------------------------------- */

struct disk {
  xmlNodePtr node;
  char *target; /* owned */
  int boot;     /* <boot order>, or INT_MAX */
  char prefix[8];
  long index; /* of the dev name, as libvirt counts */
};
DEFINE_VECTOR_TYPE (disk_vector, struct disk);

/* Splits a target dev name ("xvdab") into its prefix ("xvd") and index
 * (27) like libvirt's virDiskNameToIndex; index -1 if it has none.
 */
static void
dev_index (const char *dev, char prefix[8], long *index)
{
  static const char *const prefixes[]
      = { "fd", "hd", "vd", "sd", "xvd", "ubd" };
  const char *p = dev;
  long idx = 0;

  prefix[0] = '\0';
  *index = -1;
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; ++i) {
    if (strncmp (dev, prefixes[i], strlen (prefixes[i])) == 0) {
      strcpy (prefix, prefixes[i]);
      p = dev + strlen (prefixes[i]);
      break;
    }
  }
  if (prefix[0] == '\0' || !islower ((unsigned char) *p))
    return;
  for (int i = 0; islower ((unsigned char) *p) && idx < 1000000; ++i, ++p)
    idx = (idx + (i < 1 ? 0 : 1)) * 26 + (*p - 'a');
  if (*p == '\0')
    *index = idx;
}

static int
disk_compare (const void *av, const void *bv)
{
  const struct disk *a = av, *b = bv;
  int c;

  if (a->boot != b->boot)
    return a->boot < b->boot ? -1 : 1;
  c = strcmp (a->prefix, b->prefix);
  if (c)
    return c;
  if (a->index != b->index)
    return a->index < b->index ? -1 : 1;
  return strcmp (a->target, b->target);
}

static const struct bus_name {
  const char *name;
  enum vm_bus bus;
  const char *model; /* the controller's, if fixed */
} bus_names[] = {
  { "virtio", BUS_VIRTIO, NULL }, { "scsi", BUS_SCSI, NULL },
  { "sata", BUS_SATA, "ahci" },   { "ide", BUS_IDE, "ide" },
  { "xen", BUS_XEN, NULL },       { "nvme", BUS_NVME, "nvme" },
};

/* The bus libvirt gives a disk with no target bus, by its dev name. */
static const char *
default_bus (const char *prefix, bool xen)
{
  if (strcmp (prefix, "hd") == 0)
    return "ide";
  if (strcmp (prefix, "sd") == 0)
    return "scsi";
  if (strcmp (prefix, "vd") == 0)
    return "virtio";
  if (strcmp (prefix, "xvd") == 0 || xen)
    return "xen";
  return NULL;
}

/* QEMU's name for the format libvirt calls type, or NULL. */
static const char *
qemu_format (const char *type)
{
  static const char *const same[] = {
    "raw", "qcow2", "qcow", "qed",       "vmdk",  "vdi",
    "vpc", "vhdx",  "dmg",  "parallels", "bochs", "cloop",
  };

  if (type == NULL || strcmp (type, "aio") == 0 || strcmp (type, "iso") == 0)
    return "raw";
  if (strcmp (type, "vhd") == 0)
    return "vpc";
  for (size_t i = 0; i < sizeof same / sizeof same[0]; ++i)
    if (strcmp (type, same[i]) == 0)
      return same[i];
  return NULL;
}

/* The model of SCSI controller index, or NULL. */
static int
scsi_model (struct parse *p, int index, char **model)
{
  *model = NULL;
  for (xmlNodePtr c = p->devices->children; c; c = c->next) {
    CLEANUP_FREE char *type = NULL;
    uint64_t n = 0;

    if (c->type != XML_ELEMENT_NODE
        || strcmp ((const char *) c->name, "controller") != 0)
      continue;
    if (xml_attr (c, "type", &type) == -1)
      return -1;
    if (type == NULL || strcmp (type, "scsi") != 0)
      continue;
    if (get_uint (p, c, "index", "<controller index>", &n) == -1)
      return -1;
    if (n == (uint64_t) index)
      return xml_attr (c, "model", model);
  }
  return 0;
}

/* controller and unit from the drive address, else the dev index. */
static int
disk_address (struct parse *p, const struct disk *disk, struct vm_disk *d)
{
  xmlNodePtr addr = xml_child (disk->node, "address");
  CLEANUP_FREE char *type = NULL;
  uint64_t ctrl = 0, bus = 0, unit = 0;
  long idx = disk->index;

  d->controller = d->unit = -1;
  if (d->bus != BUS_SCSI && d->bus != BUS_SATA && d->bus != BUS_IDE)
    return 0;
  if (xml_attr (addr, "type", &type) == -1)
    return -1;
  if (type && strcmp (type, "drive") == 0) {
    if (get_uint (p, addr, "controller", "<address controller>", &ctrl) == -1
        || get_uint (p, addr, "bus", "<address bus>", &bus) == -1
        || get_uint (p, addr, "unit", "<address unit>", &unit) == -1)
      return -1;
    if (ctrl > 999 || bus > 999 || unit > 999) {
      set_error (0, "'%s': disk '%s': the drive address is out of range",
                 p->what, disk->target);
      return -1;
    }
    d->controller = d->bus == BUS_IDE ? (int) bus : (int) ctrl;
    d->unit = (int) unit;
  }
  else if (idx >= 0 && idx < 100000) {
    int per = d->bus == BUS_SCSI ? 7 : d->bus == BUS_SATA ? 6 : 2;
    d->controller = idx / per;
    d->unit = idx % per;
  }
  if (d->bus == BUS_SCSI && d->controller >= 0)
    return scsi_model (p, d->controller, &d->controller_model);
  return 0;
}

/* The source of the disk: d->path or src->pool and src->volume. */
static int
disk_source (struct parse *p, const struct disk *disk, struct vm_disk *d,
             struct libvirt_disk_source *src)
{
  xmlNodePtr source = xml_child (disk->node, "source");
  CLEANUP_FREE char *type = NULL, *protocol = NULL;

  if (xml_attr (disk->node, "type", &type) == -1)
    return -1;
  if (type == NULL || strcmp (type, "file") == 0) {
    if (xml_attr (source, "file", &d->path) == -1)
      return -1;
  }
  else if (strcmp (type, "block") == 0) {
    if (xml_attr (source, "dev", &d->path) == -1)
      return -1;
  }
  else if (strcmp (type, "volume") == 0) {
    if (xml_attr (source, "pool", &src->pool) == -1
        || xml_attr (source, "volume", &src->volume) == -1)
      return -1;
    if (src->pool && src->volume)
      return 0;
  }
  else if (strcmp (type, "network") == 0) {
    if (xml_attr (source, "protocol", &protocol) == -1)
      return -1;
    set_error (0,
               "'%s': disk '%s' is a network disk (%s): network disks "
               "(rbd, iscsi, nbd, gluster ...) are not supported; copy it "
               "to a file or block device and point the domain at that",
               p->what, disk->target, protocol ? protocol : "no protocol");
    return -1;
  }
  else {
    set_error (0, "'%s': disk '%s' is of type '%s', which is not supported",
               p->what, disk->target, type);
    return -1;
  }
  if (d->path == NULL || *d->path == '\0') {
    set_error (0, "'%s': disk '%s' has no source", p->what, disk->target);
    return -1;
  }
  return 0;
}

/* Fills d and src (appended, so freed with the domain on failure). */
static int
describe_disk (struct parse *p, const struct disk *disk, struct vm_disk *d,
               struct libvirt_disk_source *src)
{
  xmlNodePtr driver = xml_child (disk->node, "driver");
  xmlNodePtr target = xml_child (disk->node, "target");
  CLEANUP_FREE char *format = NULL, *bus = NULL;
  const char *qemu, *busname;

  src->target = strdup (disk->target);
  if (src->target == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  src->readonly = xml_child (disk->node, "readonly") != NULL;
  if (xml_child (disk->node, "encryption")) {
    set_error (0, "'%s': disk '%s' is encrypted, which is not supported",
               p->what, disk->target);
    return -1;
  }
  if (disk_source (p, disk, d, src) == -1)
    return -1;

  if (xml_attr (driver, "type", &format) == -1)
    return -1;
  qemu = qemu_format (format);
  if (qemu == NULL) {
    set_error (0,
               "'%s': disk '%s' has the format '%s', which QEMU does not "
               "read",
               p->what, disk->target, format);
    return -1;
  }
  d->format = strdup (qemu);
  if (d->format == NULL) {
    set_error (errno, "strdup");
    return -1;
  }

  if (xml_attr (target, "bus", &bus) == -1)
    return -1;
  busname = bus ? bus : default_bus (disk->prefix, p->xen);
  d->bus = BUS_UNKNOWN;
  for (size_t i = 0; busname && i < sizeof bus_names / sizeof bus_names[0];
       ++i) {
    if (strcmp (busname, bus_names[i].name) == 0) {
      d->bus = bus_names[i].bus;
      if (bus_names[i].model) {
        d->controller_model = strdup (bus_names[i].model);
        if (d->controller_model == NULL) {
          set_error (errno, "strdup");
          return -1;
        }
      }
    }
  }
  return disk_address (p, disk, d);
}

/* The disks to convert, in boot order. */
static int
find_disks (struct parse *p, disk_vector *disks)
{
  for (xmlNodePtr c = p->devices ? p->devices->children : NULL; c;
       c = c->next) {
    CLEANUP_FREE char *device = NULL;
    struct disk disk = { .node = c, .boot = INT_MAX };
    uint64_t order;
    int r;

    if (c->type != XML_ELEMENT_NODE
        || strcmp ((const char *) c->name, "disk") != 0)
      continue;
    if (xml_attr (c, "device", &device) == -1)
      return -1;
    if (device && strcmp (device, "disk") != 0 && strcmp (device, "lun") != 0)
      continue; /* cdrom, floppy */
    if (xml_attr (xml_child (c, "target"), "dev", &disk.target) == -1)
      return -1;
    if (disk.target == NULL || *disk.target == '\0') {
      free (disk.target);
      set_error (0, "'%s': a disk has no <target dev>", p->what);
      return -1;
    }
    if (disk_vector_append (disks, disk) == -1) {
      free (disk.target);
      set_error (errno, "out of memory");
      return -1;
    }
    r = get_uint (p, xml_child (c, "boot"), "order", "<boot order>", &order);
    if (r == -1)
      return -1;
    if (r == 1 && order < INT_MAX)
      disks->ptr[disks->len - 1].boot = (int) order;
    dev_index (disk.target, disks->ptr[disks->len - 1].prefix,
               &disks->ptr[disks->len - 1].index);
  }
  if (disks->len > 0)
    qsort (disks->ptr, disks->len, sizeof disks->ptr[0], disk_compare);
  return 0;
}

static int
get_disks (struct parse *p, struct libvirt_domain *out)
{
  disk_vector disks = empty_vector;
  int ret = find_disks (p, &disks);

  for (size_t i = 0; ret == 0 && i < disks.len; ++i) {
    struct vm_disk d = { .controller = -1, .unit = -1 };
    struct libvirt_disk_source src = { 0 };

    if (vm_disk_vector_append (&out->vm.disks, d) == -1
        || libvirt_disk_source_vector_append (&out->sources, src) == -1) {
      set_error (errno, "out of memory");
      ret = -1;
    }
    else
      ret = describe_disk (p, &disks.ptr[i], &out->vm.disks.ptr[i],
                           &out->sources.ptr[i]);
  }
  for (size_t i = 0; i < disks.len; ++i)
    free (disks.ptr[i].target);
  free (disks.ptr);
  return ret;
}

/* ---- NICs -------------------------------------------------------- */

static int
describe_nic (struct parse *p, xmlNodePtr iface, struct vm_nic *nic)
{
  xmlNodePtr source = xml_child (iface, "source");
  xmlNodePtr pci = xml_child (iface, "address");
  CLEANUP_FREE char *mac = NULL, *addr_type = NULL;
  static const char *const source_attrs[] = { "network", "bridge", "dev" };
  uint64_t bus = 0, slot;
  int r;

  if (xml_attr (xml_child (iface, "mac"), "address", &mac) == -1
      || xml_attr (xml_child (iface, "model"), "type", &nic->model) == -1)
    return -1;
  if (mac) {
    nic->mac = vm_normalize_mac (mac);
    if (nic->mac == NULL) {
      prefix_error ("'%s': <interface>", p->what);
      return -1;
    }
  }
  if (nic->model == NULL) {
    nic->model
        = strdup (p->xen                                     ? "netfront"
                  : p->machine && strstr (p->machine, "q35") ? "e1000e"
                                                             : "rtl8139");
    if (nic->model == NULL) {
      set_error (errno, "strdup");
      return -1;
    }
  }
  for (size_t i = 0; nic->network == NULL && i < 3; ++i)
    if (xml_attr (source, source_attrs[i], &nic->network) == -1)
      return -1;

  if (xml_attr (pci, "type", &addr_type) == -1)
    return -1;
  /* Only where Linux names the NIC ensSLOT: on the root bus of a
   * machine with ACPI PCI hotplug slots (i440fx); on q35 it is enpBsS.
   */
  if (addr_type && strcmp (addr_type, "pci") == 0
      && !(p->machine && strstr (p->machine, "q35"))) {
    r = get_uint (p, pci, "bus", "<address bus>", &bus);
    if (r != -1)
      r = get_uint (p, pci, "slot", "<address slot>", &slot);
    if (r == -1)
      return -1;
    if (r == 1 && bus == 0 && slot <= 31)
      nic->pci_slot = (int) slot;
  }
  return 0;
}

static int
get_nics (struct parse *p, struct vm *out)
{
  for (xmlNodePtr c = p->devices ? p->devices->children : NULL; c;
       c = c->next) {
    struct vm_nic nic = { .pci_slot = -1 };

    if (c->type != XML_ELEMENT_NODE
        || strcmp ((const char *) c->name, "interface") != 0)
      continue;
    if (vm_nic_vector_append (&out->nics, nic) == -1) {
      set_error (errno, "out of memory");
      return -1;
    }
    if (describe_nic (p, c, &out->nics.ptr[out->nics.len - 1]) == -1)
      return -1;
  }
  return 0;
}

/* ---- the document ------------------------------------------------ */

int
libvirt_xml_parse (xmlDocPtr doc, const char *what, struct libvirt_domain *out,
                   string_vector *warnings)
{
  struct parse p = { .what = what, .warnings = warnings };
  int ret = -1;

  p.root = xml_root_named (doc, "domain", what, "a libvirt domain");
  if (p.root == NULL)
    return -1;
  p.devices = xml_child (p.root, "devices");
  if (get_scalars (&p, &out->vm) == 0 && get_disks (&p, out) == 0
      && get_nics (&p, &out->vm) == 0)
    ret = 0;
  free (p.machine);
  return ret;
}
