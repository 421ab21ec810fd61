/* vmshift: a libvirt domain's disks (domain-disks.h). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>

#include "cleanups.h"
#include "domain-disks.h"
#include "errors.h"
#include "libvirt-util.h"
#include "xml-util.h"

static void
disk_free (struct domain_disk *d)
{
  free (d->target);
  free (d->path);
  free (d->format);
  free (d->backing);
  free (d->backing_format);
}

void
domain_disks_free (domain_disk_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    disk_free (&v->ptr[i]);
  domain_disk_vector_reset (v);
}

static bool
is (const char *s, const char *want)
{
  return s && strcmp (s, want) == 0;
}

static int
read_disk (xmlNodePtr node, struct domain_disk *d)
{
  CLEANUP_FREE char *type = NULL, *device = NULL;
  xmlNodePtr source = xml_child (node, "source");
  xmlNodePtr backing = xml_child (node, "backingStore");

  if (xml_attr (node, "type", &type) == -1
      || xml_attr (node, "device", &device) == -1
      || xml_attr (xml_child (node, "target"), "dev", &d->target) == -1
      || xml_attr (xml_child (node, "driver"), "type", &d->format) == -1)
    return -1;
  d->network = is (type, "network");
  if (!d->network && source) {
    if (xml_attr (source, "file", &d->path) == -1)
      return -1;
    if (d->path == NULL && xml_attr (source, "dev", &d->path) == -1)
      return -1;
  }
  if (backing
      && (xml_attr (xml_child (backing, "source"), "file", &d->backing) == -1
          || xml_attr (xml_child (backing, "format"), "type",
                       &d->backing_format)
                 == -1))
    return -1;
  d->readonly = xml_child (node, "readonly") != NULL
                || xml_child (node, "shareable") != NULL
                || is (device, "cdrom") || is (device, "floppy");
  if (d->target == NULL) {
    set_error (0, "a disk without a target device in the domain's XML");
    return -1;
  }
  return 0;
}

int
domain_disks_in (xmlXPathContextPtr ctx, domain_disk_vector *v)
{
  xmlXPathObjectPtr obj = xml_get_nodes (ctx, NULL, "/domain/devices/disk");
  xmlNodeSetPtr nodes;
  int r = 0;

  if (obj == NULL)
    return -1;
  nodes = obj->nodesetval;
  for (int i = 0; r == 0 && nodes && i < nodes->nodeNr; ++i) {
    struct domain_disk d = { 0 };

    if (read_disk (nodes->nodeTab[i], &d) == -1)
      r = -1;
    else if (domain_disk_vector_append (v, d) == -1) {
      set_error (errno, "disk list");
      r = -1;
    }
    if (r == -1)
      disk_free (&d);
  }
  xmlXPathFreeObject (obj);
  if (r == -1)
    domain_disks_free (v);
  return r;
}

int
domain_disks (virDomainPtr dom, unsigned flags, domain_disk_vector *v)
{
  CLEANUP_XMLFREEDOC xmlDocPtr doc = libvirt_domain_doc (dom, flags);
  CLEANUP_XMLXPATHFREECONTEXT xmlXPathContextPtr ctx = NULL;

  if (doc == NULL)
    return -1;
  ctx = xml_new_context (doc);
  if (ctx == NULL)
    return -1;
  return domain_disks_in (ctx, v);
}
