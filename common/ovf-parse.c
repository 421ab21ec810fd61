/* vmshift: OVF descriptors (ovf-parse.h).
 *
 * Choices, where OVF leaves something out or allows more than we take:
 *
 *   name        VirtualSystem/Name, else the VirtualSystem's ovf:id.
 *   uuid        VirtualBox's Machine uuid, else a VMware Config or
 *               ExtraConfig "uuid.bios" (or "uuid"); else none.
 *   memory      the Item of ResourceType 4: VirtualQuantity in its
 *               AllocationUnits (absent: "byte * 2^20", MiB).  No such
 *               Item: 0, and the front end's default (with a warning).
 *   vcpus       the Item of ResourceType 3: VirtualQuantity.  None: 0,
 *               as for memory.
 *   firmware    VMware's Config "firmware" ("efi" is UEFI), else
 *               VirtualBox's Machine Hardware Firmware type ("EFI",
 *               "EFI64"... are UEFI), else BIOS.
 *   os_hint     OperatingSystemSection's vmw:osType, else VirtualBox's
 *               OSType, else none.
 *   disks       Items of ResourceType 17, in the order the descriptor
 *               lists them (VMware and VirtualBox list the boot disk
 *               first).  The bus is the parent controller's: 5 IDE
 *               ("ide"), 6 SCSI (ResourceSubType VirtualSCSI is
 *               "pvscsi", lsilogicsas "lsisas1068", others lowercased),
 *               20 SATA ("ahci"; NVMe when the subtype says nvme);
 *               controller is the controller's Address (absent: its
 *               position among controllers of its kind), unit the
 *               disk's AddressOnParent (-1 if absent).  Capacity is
 *               ovf:capacity in ovf:capacityAllocationUnits (absent:
 *               bytes), 0 if not given.
 *   format      a Disk whose ovf:format names VMDK (or, with no format,
 *               whose file ends in .vmdk) is "vmdk"; others are refused.
 *   NICs        Items of ResourceType 10 in order: model ResourceSubType
 *               lowercased (absent: "e1000"); MAC rasd:Address, else the
 *               VirtualBox Adapter in the same position (enabled adapters
 *               in slot order, used only when there are as many);
 *               network rasd:Connection; pci_slot VMware's
 *               slotInfo.pciSlotNumber, else -1.
 *   ignored     CD/DVD drives, floppies and other devices; any
 *               VirtualHardwareSection but the first; properties.
 *   refused     anything but one VirtualSystem, chunked files
 *               (ovf:chunkSize), compression other than gzip, disks with
 *               no file, file names that are URLs, absolute or go up a
 *               directory, and more than OVF_MAX_DISKS disks or
 *               OVF_MAX_NICS NICs.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "ovf-parse.h"
#include "xml-util.h"

#define OVF_NS_1 "http://schemas.dmtf.org/ovf/envelope/1"
#define OVF_NS_2 "http://schemas.dmtf.org/ovf/envelope/2"
#define MAX_MEMORY (UINT64_C (64) << 40) /* 64 TiB */
#define MAX_VCPUS 4096
#define DEFAULT_MEMORY_UNITS "byte * 2^20"
#define DEFAULT_NIC_MODEL "e1000"

enum resource_type {
  RT_CPU = 3,
  RT_MEMORY = 4,
  RT_IDE = 5,
  RT_SCSI = 6,
  RT_NIC = 10,
  RT_DISK = 17,
  RT_OTHER_STORAGE = 20,
};

/* A storage controller Item. */
struct controller {
  char *instance_id; /* owned */
  enum vm_bus bus;
  int index;   /* its Address, else its position among its kind */
  char *model; /* owned; may be NULL */
};

DEFINE_VECTOR_TYPE (controller_vector, struct controller);

struct parser {
  const char *what;
  xmlNodePtr envelope, system, hardware;
  controller_vector controllers;
  bool have_cpu, have_memory;
  struct ovf *out;
};

/* ---- names and units --------------------------------------------- */

const char *
ovf_skip_dot_slash (const char *name)
{
  while (name[0] == '.' && name[1] == '/') {
    name += 2;
    while (*name == '/')
      name++;
  }
  return name;
}

const char *
ovf_unsafe_name (const char *name)
{
  if (*name == '\0')
    return "is empty";
  if (strstr (name, "://") != NULL)
    return "is a URL (only files of the package are read)";
  if (*name == '/')
    return "is absolute";
  if (strchr (name, '\\') != NULL)
    return "holds a backslash";
  for (const char *p = name; *p;) {
    size_t n = strcspn (p, "/");

    if (n == 2 && p[0] == '.' && p[1] == '.')
      return "goes up a directory ('..')";
    p += n;
    p += strspn (p, "/");
  }
  return NULL;
}

/* *v *= m, false on overflow. */
static bool
mul_ok (uint64_t *v, uint64_t m)
{
  if (m != 0 && *v > UINT64_MAX / m)
    return false;
  *v *= m;
  return true;
}

/* Reads up to 20 decimal digits at *p. */
static bool
parse_digits (const char **p, uint64_t *out)
{
  const char *start = *p;
  uint64_t v = 0;

  while (isdigit ((unsigned char) **p)) {
    if (!mul_ok (&v, 10) || v > UINT64_MAX - (**p - '0'))
      return false;
    v += **p - '0';
    (*p)++;
  }
  *out = v;
  return *p > start;
}

int
ovf_parse_units (const char *s, uint64_t *mult)
{
  static const struct {
    const char *word;
    unsigned shift;
  } words[] = {
    { "byte", 0 },      { "bytes", 0 }, { "kilobytes", 10 },
    { "kilobyte", 10 }, { "kb", 10 },   { "megabytes", 20 },
    { "megabyte", 20 }, { "mb", 20 },   { "gigabytes", 30 },
    { "gigabyte", 30 }, { "gb", 30 },   { "terabytes", 40 },
    { "terabyte", 40 }, { "tb", 40 },
  };
  const char *p = s + strspn (s, " \t\r\n");
  size_t n
      = strspn (p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
  uint64_t m = 0;

  for (size_t i = 0; i < sizeof words / sizeof words[0]; ++i) {
    if (strlen (words[i].word) == n && strncasecmp (p, words[i].word, n) == 0)
      m = UINT64_C (1) << words[i].shift;
  }
  if (m == 0)
    return -1;
  p += n;
  for (;;) {
    uint64_t base, exp = 1, term = 1;

    p += strspn (p, " \t\r\n");
    if (*p == '\0')
      break;
    if (*p++ != '*')
      return -1;
    p += strspn (p, " \t\r\n");
    if (!parse_digits (&p, &base) || base == 0)
      return -1;
    p += strspn (p, " \t\r\n");
    if (*p == '^') {
      p++;
      p += strspn (p, " \t\r\n");
      if (!parse_digits (&p, &exp))
        return -1;
    }
    if (base > 1 && exp > 64)
      return -1;
    for (uint64_t i = 0; i < exp && base > 1; ++i) {
      if (!mul_ok (&term, base))
        return -1;
    }
    if (!mul_ok (&m, term))
      return -1;
  }
  *mult = m;
  return 0;
}

/* ---- small DOM helpers (every name is a local name) -------------- */

static bool
is_element (xmlNodePtr n, const char *name)
{
  return n->type == XML_ELEMENT_NODE && xmlStrEqual (n->name, BAD_CAST name);
}

static xmlNodePtr
first_child (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
    if (is_element (c, name))
      return c;
  }
  return NULL;
}

/* The first element called name below parent, depth first. */
static xmlNodePtr
find_descendant (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
    xmlNodePtr r;

    if (c->type != XML_ELEMENT_NODE)
      continue;
    if (is_element (c, name))
      return c;
    r = find_descendant (c, name);
    if (r)
      return r;
  }
  return NULL;
}

/* Copies s (an xmlChar string, freed here) without surrounding blanks
 * to *out.  0, or -1 with the error set.
 */
static int
take_trimmed (xmlChar *s, char **out)
{
  const char *p = (const char *) s;
  size_t n;

  *out = NULL;
  if (s == NULL)
    return 0;
  p += strspn (p, " \t\r\n");
  n = strlen (p);
  while (n > 0 && strchr (" \t\r\n", p[n - 1]))
    n--;
  *out = strndup (p, n);
  xmlFree (s);
  if (*out == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  return 0;
}

static int
child_text (xmlNodePtr parent, const char *name, char **out)
{
  return xml_text (first_child (parent, name), out);
}

/* The attribute of n called name, in any namespace; NULL if none. */
static int
get_attr (xmlNodePtr n, const char *name, char **out)
{
  *out = NULL;
  for (xmlAttrPtr a = n ? n->properties : NULL; a; a = a->next) {
    xmlChar *v;

    if (!xmlStrEqual (a->name, BAD_CAST name))
      continue;
    v = xmlNodeListGetString (n->doc, a->children, 1);
    if (v == NULL)
      v = xmlStrdup (BAD_CAST "");
    if (v == NULL) {
      set_error (ENOMEM, "xmlNodeListGetString");
      return -1;
    }
    return take_trimmed (v, out);
  }
  return 0;
}

/* The value of a VMware <vmw:Config key= value=/> (or ExtraConfig)
 * child of parent whose key is key, or NULL.
 */
static int
config_value (xmlNodePtr parent, const char *key, char **out)
{
  *out = NULL;
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next) {
    CLEANUP_FREE char *k = NULL;

    if (!is_element (c, "Config") && !is_element (c, "ExtraConfig"))
      continue;
    if (get_attr (c, "key", &k) == -1)
      return -1;
    if (k && strcmp (k, key) == 0)
      return get_attr (c, "value", out);
  }
  return 0;
}

static bool
parse_uint (const char *s, uint64_t *out)
{
  const char *p = s;

  return parse_digits (&p, out) && *p == '\0';
}

static char *
lowercase_dup (const char *s)
{
  char *r = strdup (s);

  if (r == NULL) {
    set_error (errno, "strdup");
    return NULL;
  }
  for (char *p = r; *p; ++p)
    *p = tolower ((unsigned char) *p);
  return r;
}

/* ---- Items ------------------------------------------------------- */

/* The RASD fields of one Item (or OVF 2 StorageItem, EthernetPortItem). */
struct item {
  unsigned type; /* ResourceType */
  char *instance_id, *subtype, *parent, *address, *address_on_parent;
  char *host_resource, *quantity, *units, *connection, *name;
};

static void
item_free (struct item *it)
{
  free (it->instance_id);
  free (it->subtype);
  free (it->parent);
  free (it->address);
  free (it->address_on_parent);
  free (it->host_resource);
  free (it->quantity);
  free (it->units);
  free (it->connection);
  free (it->name);
}

static bool
is_item (xmlNodePtr n)
{
  return is_element (n, "Item") || is_element (n, "StorageItem")
         || is_element (n, "EthernetPortItem");
}

/* Reads item n into *it (freed with item_free, even on failure). */
static int
read_item (const struct parser *p, xmlNodePtr n, struct item *it)
{
  CLEANUP_FREE char *type = NULL;
  uint64_t t;

  memset (it, 0, sizeof *it);
  if (child_text (n, "ResourceType", &type) == -1
      || child_text (n, "InstanceID", &it->instance_id) == -1
      || child_text (n, "ResourceSubType", &it->subtype) == -1
      || child_text (n, "Parent", &it->parent) == -1
      || child_text (n, "Address", &it->address) == -1
      || child_text (n, "AddressOnParent", &it->address_on_parent) == -1
      || child_text (n, "HostResource", &it->host_resource) == -1
      || child_text (n, "VirtualQuantity", &it->quantity) == -1
      || child_text (n, "AllocationUnits", &it->units) == -1
      || child_text (n, "Connection", &it->connection) == -1
      || child_text (n, "ElementName", &it->name) == -1)
    return -1;
  if (it->name == NULL
      && (it->name = strdup (it->instance_id ? it->instance_id : "?"))
             == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (type == NULL)
    return 0; /* it->type 0: ignored */
  if (!parse_uint (type, &t) || t > 0xffff) {
    set_error (0, "'%s': item '%s': ResourceType '%s' is not a number",
               p->what, it->name, type);
    return -1;
  }
  it->type = t;
  return 0;
}

/* An Address or AddressOnParent: a small number, or -1 if absent. */
static int
small_number (const struct parser *p, const struct item *it, const char *field,
              const char *s, int *out)
{
  uint64_t v;

  *out = -1;
  if (s == NULL || *s == '\0')
    return 0;
  if (!parse_uint (s, &v) || v > 65535) {
    set_error (0, "'%s': item '%s': %s '%s' is not a small number", p->what,
               it->name, field, s);
    return -1;
  }
  *out = (int) v;
  return 0;
}

static const struct {
  const char *subtype; /* lowercase */
  const char *model;
} scsi_models[] = {
  { "virtualscsi", "pvscsi" },
  { "lsilogicsas", "lsisas1068" },
};

static int
add_controller (struct parser *p, const struct item *it)
{
  struct controller c = { .bus = BUS_IDE };
  CLEANUP_FREE char *lower = NULL;
  const char *model = NULL;
  int index;

  if (it->type == RT_SCSI)
    c.bus = BUS_SCSI;
  else if (it->type == RT_OTHER_STORAGE)
    c.bus = it->subtype && strcasestr (it->subtype, "nvme") ? BUS_NVME
                                                            : BUS_SATA;
  if (small_number (p, it, "Address", it->address, &index) == -1)
    return -1;
  if (index == -1) {
    index = 0;
    for (size_t i = 0; i < p->controllers.len; ++i)
      index += p->controllers.ptr[i].bus == c.bus;
  }
  c.index = index;

  switch (c.bus) {
    case BUS_IDE: model = "ide"; break;
    case BUS_SATA: model = "ahci"; break;
    case BUS_NVME: model = "nvme"; break;
    default:
      if (it->subtype == NULL || *it->subtype == '\0')
        break;
      lower = lowercase_dup (it->subtype);
      if (lower == NULL)
        return -1;
      model = lower;
      for (size_t i = 0; i < sizeof scsi_models / sizeof scsi_models[0]; ++i) {
        if (strcmp (lower, scsi_models[i].subtype) == 0)
          model = scsi_models[i].model;
      }
  }
  if (model && (c.model = strdup (model)) == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  c.instance_id = strdup (it->instance_id ? it->instance_id : "");
  if (c.instance_id == NULL
      || controller_vector_append (&p->controllers, c) == -1) {
    set_error (errno, "out of memory");
    free (c.instance_id);
    free (c.model);
    return -1;
  }
  return 0;
}

static const struct controller *
find_controller (const struct parser *p, const char *instance_id)
{
  for (size_t i = 0; instance_id && i < p->controllers.len; ++i) {
    if (strcmp (p->controllers.ptr[i].instance_id, instance_id) == 0)
      return &p->controllers.ptr[i];
  }
  return NULL;
}

/* VirtualQuantity as a number (the item must have one). */
static int
quantity (const struct parser *p, const struct item *it, uint64_t *out)
{
  if (it->quantity == NULL || !parse_uint (it->quantity, out)) {
    set_error (0, "'%s': item '%s': VirtualQuantity '%s' is not a number",
               p->what, it->name, it->quantity ? it->quantity : "");
    return -1;
  }
  return 0;
}

static int
set_cpus (struct parser *p, const struct item *it)
{
  uint64_t n;

  if (p->have_cpu)
    return 0;
  p->have_cpu = true;
  if (quantity (p, it, &n) == -1)
    return -1;
  if (n < 1 || n > MAX_VCPUS) {
    set_error (0, "'%s': %" PRIu64 " virtual CPUs (1 to %d are possible)",
               p->what, n, MAX_VCPUS);
    return -1;
  }
  p->out->vm.vcpus = (unsigned) n;
  return 0;
}

static int
set_memory (struct parser *p, const struct item *it)
{
  const char *units = it->units ? it->units : DEFAULT_MEMORY_UNITS;
  uint64_t n, mult;

  if (p->have_memory)
    return 0;
  p->have_memory = true;
  if (quantity (p, it, &n) == -1)
    return -1;
  if (ovf_parse_units (units, &mult) == -1) {
    set_error (0, "'%s': memory: AllocationUnits '%s' is not a unit of bytes",
               p->what, units);
    return -1;
  }
  if (!mul_ok (&n, mult) || n == 0 || n > MAX_MEMORY) {
    set_error (0,
               "'%s': memory: %s * %s is not an amount of memory "
               "(at most 64 TiB)",
               p->what, it->quantity, units);
    return -1;
  }
  p->out->vm.memory = n;
  return 0;
}

/* ---- disks ------------------------------------------------------- */

/* The element below the envelope's section called section (DiskSection,
 * References) whose attribute attr is id.
 */
static int
find_by_id (const struct parser *p, const char *section, const char *element,
            const char *attr, const char *id, xmlNodePtr *out)
{
  *out = NULL;
  for (xmlNodePtr s = p->envelope->children; s; s = s->next) {
    if (!is_element (s, section))
      continue;
    for (xmlNodePtr c = s->children; c; c = c->next) {
      CLEANUP_FREE char *v = NULL;

      if (!is_element (c, element))
        continue;
      if (get_attr (c, attr, &v) == -1)
        return -1;
      if (v && strcmp (v, id) == 0) {
        *out = c;
        return 0;
      }
    }
  }
  return 0;
}

/* Fills file f from the References File element n (id for errors). */
static int
read_file_ref (const struct parser *p, xmlNodePtr n, const char *id,
               struct ovf_file *f)
{
  CLEANUP_FREE char *href = NULL, *compression = NULL, *chunk = NULL;
  const char *why;

  if (get_attr (n, "href", &href) == -1
      || get_attr (n, "compression", &compression) == -1
      || get_attr (n, "chunkSize", &chunk) == -1)
    return -1;
  if (href == NULL) {
    set_error (0, "'%s': disk '%s': its File has no ovf:href", p->what, id);
    return -1;
  }
  why = ovf_unsafe_name (ovf_skip_dot_slash (href));
  if (why) {
    set_error (0, "'%s': disk '%s': file name '%s' %s", p->what, id, href,
               why);
    return -1;
  }
  if (chunk) {
    set_error (0,
               "'%s': disk '%s': '%s' is split in chunks (ovf:chunkSize); "
               "that is not supported",
               p->what, id, href);
    return -1;
  }
  if (compression && strcmp (compression, "gzip") == 0)
    f->gzip = true;
  else if (compression && *compression && strcmp (compression, "identity")) {
    set_error (0,
               "'%s': disk '%s': compression '%s' is not supported "
               "(only gzip)",
               p->what, id, compression);
    return -1;
  }
  if (ends_with_ci (href, ".gz"))
    f->gzip = true;
  f->href = strdup (ovf_skip_dot_slash (href));
  if (f->href == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  for (size_t i = 0; i < p->out->files.len; ++i) {
    const struct ovf_file *other = &p->out->files.ptr[i];

    if (other != f && other->href && strcmp (other->href, f->href) == 0) {
      set_error (0, "'%s': two disks are in the same file '%s'", p->what,
                 f->href);
      return -1;
    }
  }
  return 0;
}

/* Capacity from the Disk element n. */
static int
read_capacity (const struct parser *p, xmlNodePtr n, const char *id,
               uint64_t *out)
{
  CLEANUP_FREE char *cap = NULL, *units = NULL;
  uint64_t v, mult;

  *out = 0;
  if (get_attr (n, "capacity", &cap) == -1
      || get_attr (n, "capacityAllocationUnits", &units) == -1)
    return -1;
  if (cap == NULL)
    return 0;
  if (!parse_uint (cap, &v)) {
    set_error (0, "'%s': disk '%s': ovf:capacity '%s' is not a number",
               p->what, id, cap);
    return -1;
  }
  if (ovf_parse_units (units ? units : "byte", &mult) == -1) {
    set_error (0,
               "'%s': disk '%s': ovf:capacityAllocationUnits '%s' is "
               "not a unit of bytes that fits in 64 bits",
               p->what, id, units);
    return -1;
  }
  if (!mul_ok (&v, mult)) {
    set_error (0,
               "'%s': disk '%s': capacity %s * %s overflows 64 bits "
               "of bytes",
               p->what, id, cap, units ? units : "byte");
    return -1;
  }
  *out = v;
  return 0;
}

/* The format of the Disk element n (NULL: a file reference). */
static int
check_format (const struct parser *p, xmlNodePtr n, const char *id,
              const char *href)
{
  CLEANUP_FREE char *format = NULL;
  CLEANUP_FREE char *name = strdup (href);

  if (name == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (ends_with_ci (name, ".gz"))
    name[strlen (name) - 3] = '\0';
  if (n && get_attr (n, "format", &format) == -1)
    return -1;
  if (format ? strcasestr (format, "vmdk") != NULL
             : ends_with_ci (name, ".vmdk"))
    return 0;
  set_error (0,
             "'%s': disk '%s' ('%s') has format '%s': only VMDK disks "
             "are supported",
             p->what, id, href, format ? format : "unknown");
  return -1;
}

/* Fills the disk d and its file f from the disk Item it. */
static int
describe_disk (struct parser *p, const struct item *it, struct vm_disk *d,
               struct ovf_file *f)
{
  const char *host = it->host_resource ? it->host_resource : "";
  const char *id;
  const struct controller *c = find_controller (p, it->parent);
  CLEANUP_FREE char *file_ref = NULL;
  xmlNodePtr disk = NULL, file = NULL;

  d->controller = -1;
  if (c) {
    d->bus = c->bus;
    d->controller = c->index;
    if (c->model && (d->controller_model = strdup (c->model)) == NULL) {
      set_error (errno, "strdup");
      return -1;
    }
  }
  if (small_number (p, it, "AddressOnParent", it->address_on_parent, &d->unit)
      == -1)
    return -1;

  if (strncmp (host, "ovf:", 4) == 0)
    host += 4;
  if (strncmp (host, "/disk/", 6) == 0) {
    id = host + 6;
    if (find_by_id (p, "DiskSection", "Disk", "diskId", id, &disk) == -1)
      return -1;
    if (disk == NULL) {
      set_error (0, "'%s': disk '%s': no Disk with ovf:diskId '%s'", p->what,
                 it->name, id);
      return -1;
    }
    if (get_attr (disk, "fileRef", &file_ref) == -1)
      return -1;
    if (file_ref == NULL) {
      set_error (0,
                 "'%s': disk '%s' has no file (ovf:fileRef): empty disks "
                 "are not supported",
                 p->what, id);
      return -1;
    }
  }
  else if (strncmp (host, "/file/", 6) == 0) {
    id = host + 6;
    file_ref = strdup (id);
    if (file_ref == NULL) {
      set_error (errno, "strdup");
      return -1;
    }
  }
  else {
    set_error (0, "'%s': disk '%s': HostResource '%s' names no disk", p->what,
               it->name, host);
    return -1;
  }

  f->disk_id = strdup (id);
  if (f->disk_id == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (find_by_id (p, "References", "File", "id", file_ref, &file) == -1)
    return -1;
  if (file == NULL) {
    set_error (0, "'%s': disk '%s': no File with ovf:id '%s'", p->what, id,
               file_ref);
    return -1;
  }
  if (read_file_ref (p, file, id, f) == -1
      || read_capacity (p, disk, id, &d->capacity) == -1
      || check_format (p, disk, id, f->href) == -1)
    return -1;
  d->format = strdup ("vmdk");
  if (d->format == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  return 0;
}

static int
add_disk (struct parser *p, const struct item *it)
{
  struct vm_disk d = { .controller = -1, .unit = -1 };
  struct ovf_file f = { 0 };
  struct ovf *out = p->out;

  if (out->vm.disks.len >= OVF_MAX_DISKS) {
    set_error (0, "'%s': more than %d disks", p->what, OVF_MAX_DISKS);
    return -1;
  }
  /* Appended first so that ovf_free frees whatever they hold. */
  if (vm_disk_vector_append (&out->vm.disks, d) == -1
      || ovf_file_vector_append (&out->files, f) == -1) {
    set_error (errno, "out of memory");
    return -1;
  }
  return describe_disk (p, it, &out->vm.disks.ptr[out->vm.disks.len - 1],
                        &out->files.ptr[out->files.len - 1]);
}

/* ---- NICs -------------------------------------------------------- */

static int
describe_nic (struct parser *p, xmlNodePtr n, const struct item *it,
              struct vm_nic *nic)
{
  CLEANUP_FREE char *slot = NULL;
  uint64_t v;

  nic->model = lowercase_dup (it->subtype && *it->subtype ? it->subtype
                                                          : DEFAULT_NIC_MODEL);
  if (nic->model == NULL)
    return -1;
  if (it->address && *it->address) {
    nic->mac = vm_normalize_mac (it->address);
    if (nic->mac == NULL) {
      prefix_error ("'%s': network adapter '%s'", p->what, it->name);
      return -1;
    }
  }
  if (it->connection && *it->connection
      && (nic->network = strdup (it->connection)) == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (config_value (n, "slotInfo.pciSlotNumber", &slot) == -1)
    return -1;
  if (slot && parse_uint (slot, &v) && v <= 65535)
    nic->pci_slot = (int) v;
  return 0;
}

static int
add_nic (struct parser *p, xmlNodePtr n, const struct item *it)
{
  struct vm_nic nic = { .pci_slot = -1 };
  struct vm *vm = &p->out->vm;

  if (vm->nics.len >= OVF_MAX_NICS) {
    set_error (0, "'%s': more than %d network adapters", p->what,
               OVF_MAX_NICS);
    return -1;
  }
  if (vm_nic_vector_append (&vm->nics, nic) == -1) {
    set_error (errno, "out of memory");
    return -1;
  }
  return describe_nic (p, n, it, &vm->nics.ptr[vm->nics.len - 1]);
}

/* ---- the hardware section ---------------------------------------- */

/* Runs over the Items twice: controllers first (disks name them). */
static int
read_items (struct parser *p)
{
  for (int pass = 0; pass < 2; ++pass) {
    for (xmlNodePtr n = p->hardware->children; n; n = n->next) {
      struct item it;
      int r = 0;

      if (!is_item (n))
        continue;
      if (read_item (p, n, &it) == 0) {
        bool controller = it.type == RT_IDE || it.type == RT_SCSI
                          || it.type == RT_OTHER_STORAGE;

        if (pass == 0 && controller)
          r = add_controller (p, &it);
        else if (pass == 1 && it.type == RT_CPU)
          r = set_cpus (p, &it);
        else if (pass == 1 && it.type == RT_MEMORY)
          r = set_memory (p, &it);
        else if (pass == 1 && it.type == RT_DISK)
          r = add_disk (p, &it);
        else if (pass == 1 && it.type == RT_NIC)
          r = add_nic (p, n, &it);
      }
      else
        r = -1;
      item_free (&it);
      if (r == -1)
        return -1;
    }
  }
  return 0;
}

/* ---- VirtualBox's own section ------------------------------------ */

/* MACs of the enabled adapters, in slot order, for NICs without one. */
static int
vbox_macs (struct parser *p, xmlNodePtr machine)
{
  xmlNodePtr net
      = find_descendant (first_child (machine, "Hardware"), "Network");
  struct vm *vm = &p->out->vm;
  string_vector macs = empty_vector;
  bool wanted = false;
  int ret = 0;

  for (size_t i = 0; i < vm->nics.len; ++i)
    wanted = wanted || vm->nics.ptr[i].mac == NULL;
  if (!wanted || net == NULL)
    return 0;
  for (xmlNodePtr a = net->children; a && ret == 0; a = a->next) {
    CLEANUP_FREE char *enabled = NULL;
    char *mac = NULL;

    if (!is_element (a, "Adapter"))
      continue;
    if (get_attr (a, "enabled", &enabled) == -1
        || get_attr (a, "MACAddress", &mac) == -1)
      ret = -1;
    else if (enabled == NULL || strcmp (enabled, "true") != 0
             || macs.len > OVF_MAX_NICS)
      free (mac);
    else if (string_vector_append (&macs, mac) == -1) {
      free (mac);
      set_error (errno, "out of memory");
      ret = -1;
    }
  }
  if (ret == 0 && macs.len != vm->nics.len) {
    char *msg;

    if (asprintf (&msg,
                  "'%s': the VirtualBox section lists %zu enabled network "
                  "adapters for %zu NICs: their MAC addresses are not used",
                  p->what, macs.len, vm->nics.len)
            != -1
        && string_vector_append (&p->out->warnings, msg) == -1)
      free (msg);
  }
  for (size_t i = 0; ret == 0 && macs.len == vm->nics.len && i < macs.len;
       ++i) {
    struct vm_nic *nic = &vm->nics.ptr[i];

    if (nic->mac || macs.ptr[i] == NULL)
      continue;
    nic->mac = vm_normalize_mac (macs.ptr[i]);
    if (nic->mac == NULL) {
      prefix_error ("'%s': VirtualBox network adapter %zu", p->what, i);
      ret = -1;
    }
  }
  free_string_vector (&macs);
  return ret;
}

static int
read_vbox (struct parser *p)
{
  xmlNodePtr machine = first_child (p->system, "Machine");
  xmlNodePtr fw;
  CLEANUP_FREE char *uuid = NULL, *type = NULL;
  struct vm *vm = &p->out->vm;

  if (machine == NULL)
    return 0;
  if (get_attr (machine, "uuid", &uuid) == -1)
    return -1;
  if (uuid && vm->uuid == NULL) {
    vm->uuid = vm_normalize_uuid (uuid);
    if (vm->uuid == NULL) {
      prefix_error ("'%s': VirtualBox machine uuid", p->what);
      return -1;
    }
  }
  fw = find_descendant (first_child (machine, "Hardware"), "Firmware");
  if (get_attr (fw, "type", &type) == -1)
    return -1;
  if (type && vm->firmware == FIRMWARE_UNKNOWN)
    vm->firmware
        = strncasecmp (type, "EFI", 3) == 0 ? FIRMWARE_UEFI : FIRMWARE_BIOS;
  return vbox_macs (p, machine);
}

/* ---- the VirtualSystem ------------------------------------------- */

static int
find_system (struct parser *p)
{
  int n = 0;

  for (xmlNodePtr c = p->envelope->children; c; c = c->next) {
    if (is_element (c, "VirtualSystemCollection")) {
      set_error (0,
                 "'%s' describes a collection of virtual machines; only "
                 "one is supported",
                 p->what);
      return -1;
    }
    if (is_element (c, "VirtualSystem")) {
      p->system = c;
      n++;
    }
  }
  if (n != 1) {
    set_error (0, "'%s' has %d VirtualSystems; exactly one is supported",
               p->what, n);
    return -1;
  }
  p->hardware = first_child (p->system, "VirtualHardwareSection");
  if (p->hardware == NULL) {
    set_error (0, "'%s' has no VirtualHardwareSection", p->what);
    return -1;
  }
  return 0;
}

static int
read_scalars (struct parser *p)
{
  struct vm *vm = &p->out->vm;
  xmlNodePtr os = first_child (p->system, "OperatingSystemSection");
  CLEANUP_FREE char *fw = NULL, *uuid = NULL;

  vm->source_type = strdup ("ova");
  if (vm->source_type == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (child_text (p->system, "Name", &vm->name) == -1)
    return -1;
  if (vm->name && *vm->name == '\0') {
    free (vm->name);
    vm->name = NULL;
  }
  if (vm->name == NULL && get_attr (p->system, "id", &vm->name) == -1)
    return -1;
  if (vm->name == NULL || *vm->name == '\0') {
    set_error (0, "'%s': the VirtualSystem has no Name and no ovf:id",
               p->what);
    return -1;
  }

  if (get_attr (os, "osType", &vm->os_hint) == -1)
    return -1;
  if (vm->os_hint == NULL && child_text (os, "OSType", &vm->os_hint) == -1)
    return -1;

  if (config_value (p->hardware, "firmware", &fw) == -1)
    return -1;
  if (fw)
    vm->firmware = strcasecmp (fw, "efi") == 0 ? FIRMWARE_UEFI : FIRMWARE_BIOS;

  if (config_value (p->hardware, "uuid.bios", &uuid) == -1)
    return -1;
  if (uuid == NULL && config_value (p->hardware, "uuid", &uuid) == -1)
    return -1;
  if (uuid) {
    vm->uuid = vm_normalize_uuid (uuid);
    if (vm->uuid == NULL) {
      prefix_error ("'%s': uuid", p->what);
      return -1;
    }
  }
  return 0;
}

static int
check_envelope (const struct parser *p)
{
  xmlNodePtr root = p->envelope;
  const char *ns = root->ns ? (const char *) root->ns->href : "";

  if (!is_element (root, "Envelope")
      || (strcmp (ns, OVF_NS_1) != 0 && strcmp (ns, OVF_NS_2) != 0)) {
    set_error (0,
               "'%s' is not an OVF descriptor (its root is <%s> in "
               "namespace '%s')",
               p->what, (const char *) root->name, ns);
    return -1;
  }
  return 0;
}

void
ovf_free (struct ovf *ovf)
{
  vm_clear (&ovf->vm);
  for (size_t i = 0; i < ovf->files.len; ++i) {
    free (ovf->files.ptr[i].href);
    free (ovf->files.ptr[i].disk_id);
  }
  ovf_file_vector_reset (&ovf->files);
  free_string_vector (&ovf->warnings);
}

int
ovf_parse (const char *buf, size_t len, const char *what, struct ovf *out)
{
  struct parser p = { .what = what, .out = out };
  xmlDocPtr doc;
  int r = -1;

  memset (out, 0, sizeof *out);
  if (len > OVF_MAX_BYTES) {
    set_error (0, "'%s' is too large (%zu bytes, at most %d)", what, len,
               OVF_MAX_BYTES);
    return -1;
  }
  doc = xml_parse_untrusted (buf, len, what);
  if (doc == NULL)
    return -1;
  p.envelope = xmlDocGetRootElement (doc);
  if (check_envelope (&p) == 0 && find_system (&p) == 0
      && read_scalars (&p) == 0 && read_items (&p) == 0 && read_vbox (&p) == 0)
    r = 0;
  if (r == 0 && out->vm.firmware == FIRMWARE_UNKNOWN)
    out->vm.firmware = FIRMWARE_BIOS;
  for (size_t i = 0; i < p.controllers.len; ++i) {
    free (p.controllers.ptr[i].instance_id);
    free (p.controllers.ptr[i].model);
  }
  controller_vector_reset (&p.controllers);
  xmlFreeDoc (doc);
  if (r == -1)
    ovf_free (out);
  return r;
}
