/* vmshift: an XVA's ova.xml (xva-parse.h). */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xpath.h> /* cleanups.h */

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "vector.h"
#include "vm.h"
#include "xml-util.h"
#include "xva-parse.h"

#define MAX_MEMORY (64ULL << 40) /* 64 TiB */
#define MAX_VCPUS 4096
#define MAX_ID 64
#define PV_NIC "xen-netfront"
#define DEFAULT_HVM_NIC "rtl8139"

/* One object of ova.xml. */
struct object {
  char *class;       /* owned */
  char *id;          /* owned */
  xmlNodePtr fields; /* the snapshot's <struct> */
};

DEFINE_VECTOR_TYPE (object_vector, struct object);

struct parser {
  const char *what;
  object_vector objects;
};

/* A VBD or VIF of the VM, with its sort key. */
struct item {
  unsigned long order; /* userdevice or device; ULONG_MAX if not a number */
  size_t seq;          /* position in ova.xml, to keep sorting stable */
  const struct object *obj;
  const struct object *target; /* the VDI or network, or NULL */
};

DEFINE_VECTOR_TYPE (item_vector, struct item);

/* Is n an element named name in no namespace (what an XPath name test
 * without a prefix matches)?
 */
static bool
is_element (xmlNodePtr n, const char *name)
{
  return n->type == XML_ELEMENT_NODE && n->ns == NULL
         && strcmp ((const char *) n->name, name) == 0;
}

/* The first child element of parent named name, or NULL. */
static xmlNodePtr
child (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
    if (is_element (c, name))
      return c;
  return NULL;
}

/* Is n's text exactly s?  The usual single text child needs no copy. */
static bool
text_is (xmlNodePtr n, const char *s)
{
  xmlChar *t;
  bool eq;

  if (n->children == NULL)
    return *s == '\0';
  if (n->children->type == XML_TEXT_NODE && n->children->next == NULL)
    return strcmp ((const char *) n->children->content, s) == 0;
  t = xmlNodeGetContent (n);
  eq = t && strcmp ((const char *) t, s) == 0;
  xmlFree (t);
  return eq;
}

/* The <value> of the first <member> of a <struct> whose <name> is name
 * (XPath "member[name='NAME']/value", walked by hand: ova.xml lists a
 * hundred fields per object and an XPath evaluation per field made
 * parsing quadratic), or NULL.
 */
static xmlNodePtr
member_value (xmlNodePtr fields, const char *name)
{
  for (xmlNodePtr m = fields ? fields->children : NULL; m; m = m->next) {
    bool named = false;
    xmlNodePtr value = NULL;

    if (!is_element (m, "member"))
      continue;
    for (xmlNodePtr c = m->children; c; c = c->next) {
      if (!named && is_element (c, "name"))
        named = text_is (c, name);
      else if (value == NULL && is_element (c, "value"))
        value = c;
    }
    if (named && value)
      return value;
  }
  return NULL;
}

/* The text of field name of an object's fields, or NULL in *out (which
 * the caller frees).
 */
static int
field (xmlNodePtr fields, const char *name, char **out)
{
  return xml_content (member_value (fields, name), out);
}

/* The text of field inner of the struct in field outer, or NULL. */
static int
subfield (xmlNodePtr fields, const char *outer, const char *inner, char **out)
{
  xmlNodePtr s = child (member_value (fields, outer), "struct");

  return xml_content (member_value (s, inner), out);
}

/* Is field name "1" or "true"?  (-1 on error.) */
static int
field_bool (xmlNodePtr fields, const char *name)
{
  CLEANUP_FREE char *s = NULL;

  if (field (fields, name, &s) == -1)
    return -1;
  return s && (strcmp (s, "1") == 0 || strcasecmp (s, "true") == 0);
}

/* A field that must be a number no larger than max: 1 if set, 0 if
 * absent (or empty), -1 with the error set.
 */
static int
field_uint (struct parser *ps, const struct object *o, const char *name,
            uint64_t max, uint64_t *out)
{
  char what[256];
  CLEANUP_FREE char *s = NULL;
  int r;

  if (field (o->fields, name, &s) == -1)
    return -1;
  if (s == NULL || s[strspn (s, " \t\r\n")] == '\0')
    return 0;
  snprintf (what, sizeof what, "'%s': %s '%s' %s", ps->what, o->class, o->id,
            name);
  r = xml_parse_uint64 (s, what, out);
  if (r == 0 && *out > max) {
    set_error (0, "%s: %s is more than %llu", what, s,
               (unsigned long long) max);
    return -1;
  }
  return r == 0 ? 1 : -1;
}

/* Ids are short tokens: they name tar directories. */
static bool
valid_id (const char *id)
{
  size_t n = strlen (id);

  if (n == 0 || n > MAX_ID || id[0] == '.')
    return false;
  for (size_t i = 0; i < n; ++i) {
    char c = id[i];

    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || c == ':' || c == '.' || c == '_'
          || c == '-'))
      return false;
  }
  return true;
}

static void
free_objects (object_vector *v)
{
  for (size_t i = 0; i < v->len; ++i) {
    free (v->ptr[i].class);
    free (v->ptr[i].id);
  }
  object_vector_reset (v);
}

/* Adds the object described by the <struct> node to ps->objects (when
 * it has a snapshot).  0, or -1 with the error set.
 */
static int
add_object (struct parser *ps, xmlNodePtr node, size_t n)
{
  struct object o = { 0 };
  int ret = 0;

  if (field (node, "class", &o.class) == -1 || field (node, "id", &o.id) == -1)
    ret = -1;
  else if (o.class == NULL || o.id == NULL || !valid_id (o.id)) {
    set_error (0, "'%s': object %zu has no class or a bad id '%s'", ps->what,
               n, o.id ? o.id : "");
    ret = -1;
  }
  else {
    o.fields = child (member_value (node, "snapshot"), "struct");
    if (o.fields && object_vector_append (&ps->objects, o) == -1) {
      set_error (errno, "out of memory");
      ret = -1;
    }
    else if (o.fields)
      o.class = o.id = NULL;
  }
  free (o.class);
  free (o.id);
  return ret;
}

/* Every object of /value/struct/member[name='objects']/value/array/data
 * /value/struct. */
static int
collect_objects (struct parser *ps, xmlNodePtr root)
{
  xmlNodePtr data = NULL;
  size_t n = 0;

  if (is_element (root, "value"))
    data = child (
        child (member_value (child (root, "struct"), "objects"), "array"),
        "data");
  for (xmlNodePtr v = data ? data->children : NULL; v; v = v->next) {
    if (!is_element (v, "value"))
      continue;
    for (xmlNodePtr s = v->children; s; s = s->next)
      if (is_element (s, "struct") && add_object (ps, s, ++n) == -1)
        return -1;
  }
  if (n == 0) {
    set_error (0, "'%s' lists no objects: it is not an XVA's ova.xml",
               ps->what);
    return -1;
  }
  return 0;
}

static const struct object *
find_object (const struct parser *ps, const char *class, const char *id)
{
  for (size_t i = 0; i < ps->objects.len; ++i) {
    const struct object *o = &ps->objects.ptr[i];

    if (strcmp (o->class, class) == 0 && strcmp (o->id, id) == 0)
      return o;
  }
  return NULL;
}

/* The first VM that is neither a snapshot nor dom0. */
static const struct object *
find_vm (struct parser *ps)
{
  for (size_t i = 0; i < ps->objects.len; ++i) {
    const struct object *o = &ps->objects.ptr[i];
    int snap, dom0;

    if (strcmp (o->class, "VM") != 0)
      continue;
    snap = field_bool (o->fields, "is_a_snapshot");
    dom0 = field_bool (o->fields, "is_control_domain");
    if (snap == -1 || dom0 == -1)
      return NULL;
    if (!snap && !dom0)
      return o;
  }
  set_error (0, "'%s' describes no VM", ps->what);
  return NULL;
}

static int
is_hvm (struct parser *ps, const struct object *vm, bool *hvm)
{
  CLEANUP_FREE char *type = NULL, *policy = NULL;

  if (field (vm->fields, "domain_type", &type) == -1
      || field (vm->fields, "HVM_boot_policy", &policy) == -1)
    return -1;
  if (type && strcmp (type, "hvm") == 0)
    *hvm = true;
  else if (type
           && (strcmp (type, "pv") == 0 || strcmp (type, "pvh") == 0
               || strcmp (type, "pv_in_pvh") == 0))
    *hvm = false;
  else
    *hvm = policy && *policy;
  return 0;
}

static int
get_scalars (struct parser *ps, const struct object *vm, const char *source,
             bool hvm, struct vm *out)
{
  CLEANUP_FREE char *name = NULL, *uuid = NULL, *fw = NULL;
  uint64_t memory = 0, vcpus = 0;
  int r;

  if (field (vm->fields, "name_label", &name) == -1
      || field (vm->fields, "uuid", &uuid) == -1
      || subfield (vm->fields, "HVM_boot_params", "firmware", &fw) == -1)
    return -1;
  out->source_type = dup_or_null ("xva");
  out->name
      = name && *name ? dup_or_null (name) : name_from_path (source, ".xva");
  if (out->source_type == NULL || out->name == NULL)
    return -1;
  if (uuid && *uuid) {
    out->uuid = vm_normalize_uuid (uuid);
    if (out->uuid == NULL) {
      prefix_error ("'%s': VM uuid", ps->what);
      return -1;
    }
  }
  if (field_uint (ps, vm, "memory_static_max", MAX_MEMORY, &memory) == -1)
    return -1;
  out->memory = memory;
  r = field_uint (ps, vm, "VCPUs_max", MAX_VCPUS, &vcpus);
  if (r == 0 || (r == 1 && vcpus == 0))
    r = field_uint (ps, vm, "VCPUs_at_startup", MAX_VCPUS, &vcpus);
  if (r == -1)
    return -1;
  out->vcpus = (unsigned) vcpus;
  out->firmware
      = hvm && fw && strcmp (fw, "uefi") == 0 ? FIRMWARE_UEFI : FIRMWARE_BIOS;
  return 0;
}

static int
item_compare (const void *av, const void *bv)
{
  const struct item *a = av, *b = bv;

  if (a->order != b->order)
    return a->order < b->order ? -1 : 1;
  return (a->seq > b->seq) - (a->seq < b->seq);
}

static unsigned long
parse_order (const char *s)
{
  char *end;
  unsigned long n;

  if (s == NULL || !(*s >= '0' && *s <= '9'))
    return ULONG_MAX;
  errno = 0;
  n = strtoul (s, &end, 10);
  return errno || *end || n > 65535 ? ULONG_MAX : n;
}

/* The objects of class whose VM field is vm's id, sorted by the number
 * in order_field.  For VBDs only disks with a VDI are kept.
 */
static int
find_items (struct parser *ps, const struct object *vm, const char *class,
            const char *order_field, item_vector *items)
{
  for (size_t i = 0; i < ps->objects.len; ++i) {
    const struct object *o = &ps->objects.ptr[i];
    CLEANUP_FREE char *owner = NULL, *order = NULL, *type = NULL;
    CLEANUP_FREE char *target = NULL;
    struct item it = { .seq = i, .obj = o };
    bool vbd = strcmp (class, "VBD") == 0;

    if (strcmp (o->class, class) != 0)
      continue;
    if (field (o->fields, "VM", &owner) == -1
        || field (o->fields, order_field, &order) == -1
        || field (o->fields, "type", &type) == -1
        || field (o->fields, vbd ? "VDI" : "network", &target) == -1)
      return -1;
    if (owner == NULL || strcmp (owner, vm->id) != 0)
      continue;
    if (vbd && (type == NULL || strcasecmp (type, "Disk") != 0))
      continue;
    it.order = parse_order (order);
    if (target)
      it.target = find_object (ps, vbd ? "VDI" : "network", target);
    if (vbd && it.target == NULL) {
      if (target && strcmp (target, "OpaqueRef:NULL") != 0) {
        set_error (0, "'%s': VBD '%s' names VDI '%s', which is not there",
                   ps->what, o->id, target);
        return -1;
      }
      continue; /* an empty drive */
    }
    if (item_vector_append (items, it) == -1) {
      set_error (errno, "out of memory");
      return -1;
    }
  }
  if (items->len > 0)
    qsort (items->ptr, items->len, sizeof items->ptr[0], item_compare);
  return 0;
}

static int
describe_disk (struct parser *ps, const struct item *it, const char *source,
               bool hvm, struct vm_disk *d, string_vector *refs)
{
  const struct object *vdi = it->target;
  char *ref;
  int r;

  r = field_uint (ps, vdi, "virtual_size", XVA_MAX_DISK_SIZE, &d->capacity);
  if (r == -1)
    return -1;
  if (r == 0 || d->capacity == 0) {
    set_error (0, "'%s': VDI '%s' has no virtual_size", ps->what, vdi->id);
    return -1;
  }
  if (hvm && it->order < 4) {
    d->bus = BUS_IDE;
    d->controller = it->order / 2;
    d->unit = it->order % 2;
    d->controller_model = dup_or_null ("ide");
    if (d->controller_model == NULL)
      return -1;
  }
  else {
    d->bus = BUS_XEN;
    d->controller = -1;
    d->unit = it->order == ULONG_MAX ? -1 : (int) it->order;
  }
  d->import = true;
  d->format = dup_or_null ("raw");
  if (d->format == NULL)
    return -1;
  if (asprintf (&d->path, "%s:%s", source, vdi->id) == -1) {
    d->path = NULL;
    set_error (errno, "asprintf");
    return -1;
  }
  ref = dup_or_null (vdi->id);
  if (ref == NULL || string_vector_append (refs, ref) == -1) {
    free (ref);
    set_error (errno, "out of memory");
    return -1;
  }
  return 0;
}

static int
get_disks (struct parser *ps, const struct object *vm, const char *source,
           bool hvm, struct vm *out, string_vector *refs)
{
  item_vector items = empty_vector;
  int ret = find_items (ps, vm, "VBD", "userdevice", &items);

  for (size_t i = 0; ret == 0 && i < items.len; ++i) {
    struct vm_disk d = { 0 };

    for (size_t j = 0; j < i; ++j) {
      if (items.ptr[j].target == items.ptr[i].target) {
        set_error (0, "'%s': VDI '%s' is attached twice", ps->what,
                   items.ptr[i].target->id);
        ret = -1;
      }
    }
    /* Appended first so that vm_clear frees whatever it holds. */
    if (ret == 0 && vm_disk_vector_append (&out->disks, d) == -1) {
      set_error (errno, "out of memory");
      ret = -1;
    }
    if (ret == 0)
      ret = describe_disk (ps, &items.ptr[i], source, hvm,
                           &out->disks.ptr[out->disks.len - 1], refs);
  }
  free (items.ptr);
  return ret;
}

static int
describe_nic (struct parser *ps, const struct item *it, const char *model,
              struct vm_nic *nic)
{
  CLEANUP_FREE char *mac = NULL, *label = NULL, *bridge = NULL;

  if (field (it->obj->fields, "MAC", &mac) == -1)
    return -1;
  if (it->target
      && (field (it->target->fields, "name_label", &label) == -1
          || field (it->target->fields, "bridge", &bridge) == -1))
    return -1;
  if (mac && *mac) {
    nic->mac = vm_normalize_mac (mac);
    if (nic->mac == NULL) {
      prefix_error ("'%s': VIF '%s'", ps->what, it->obj->id);
      return -1;
    }
  }
  nic->model = dup_or_null (model);
  if (nic->model == NULL)
    return -1;
  if ((label && *label) || (bridge && *bridge)) {
    nic->network = dup_or_null (label && *label ? label : bridge);
    if (nic->network == NULL)
      return -1;
  }
  return 0;
}

static int
get_nics (struct parser *ps, const struct object *vm, bool hvm, struct vm *out)
{
  item_vector items = empty_vector;
  CLEANUP_FREE char *nic_type = NULL;
  const char *model = PV_NIC;
  int ret = find_items (ps, vm, "VIF", "device", &items);

  if (ret == 0 && hvm) {
    ret = subfield (vm->fields, "platform", "nic_type", &nic_type);
    model = nic_type && *nic_type ? nic_type : DEFAULT_HVM_NIC;
  }
  for (size_t i = 0; ret == 0 && i < items.len; ++i) {
    struct vm_nic nic = { .pci_slot = -1 };

    if (vm_nic_vector_append (&out->nics, nic) == -1) {
      set_error (errno, "out of memory");
      ret = -1;
    }
    else
      ret = describe_nic (ps, &items.ptr[i], model,
                          &out->nics.ptr[out->nics.len - 1]);
  }
  free (items.ptr);
  return ret;
}

int
xva_parse_ova_xml (const char *buf, size_t len, const char *what,
                   const char *source, struct vm *out, string_vector *refs)
{
  CLEANUP_XMLFREEDOC xmlDocPtr doc = NULL;
  struct parser ps = { .what = what, .objects = empty_vector };
  const struct object *vm;
  bool hvm;
  int ret = -1;

  if (len > XVA_MAX_OVA_XML) {
    set_error (0, "'%s' is too large (more than %d bytes)", what,
               XVA_MAX_OVA_XML);
    return -1;
  }
  doc = xml_parse_untrusted (buf, len, what);
  if (doc == NULL)
    return -1;
  if (collect_objects (&ps, xmlDocGetRootElement (doc)) == 0
      && (vm = find_vm (&ps)) != NULL && is_hvm (&ps, vm, &hvm) == 0
      && get_scalars (&ps, vm, source, hvm, out) == 0
      && get_disks (&ps, vm, source, hvm, out, refs) == 0
      && get_nics (&ps, vm, hvm, out) == 0)
    ret = 0;
  free_objects (&ps.objects);
  return ret;
}
