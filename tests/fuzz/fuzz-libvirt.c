/* libFuzzer harness: libvirt domain XML (common/libvirt-xml-parse.c for
 * input, common/domain-disks.c for migration), parsed by xml-util.c.
 */
#include <config.h>

#include "helpers.h"
#include "domain-disks.h"
#include "libvirt-xml-parse.h"
#include "xml-util.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct libvirt_domain d = { 0 };
  string_vector warnings = empty_vector;
  domain_disk_vector disks = empty_vector;
  xmlXPathContextPtr ctx;
  xmlDocPtr doc;

  doc = xml_parse_untrusted ((const char *) data, size, "f.xml");
  if (doc == NULL)
    return 0;
  libvirt_xml_parse (doc, "f.xml", &d, &warnings);
  libvirt_domain_clear (&d);
  free_string_vector (&warnings);
  ctx = xml_new_context (doc);
  if (ctx) {
    domain_disks_in (ctx, &disks);
    domain_disks_free (&disks);
    xmlXPathFreeContext (ctx);
  }
  xmlFreeDoc (doc);
  return 0;
}
