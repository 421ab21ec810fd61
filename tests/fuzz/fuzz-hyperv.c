/* libFuzzer harness: Hyper-V XML configurations (common/hyperv-parse.c,
 * parsed by xml-util.c as input-hyperv.c does).
 */
#include <config.h>

#include <stdlib.h>

#include "cleanups.h"
#include "helpers.h"
#include "hyperv-parse.h"
#include "xml-util.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CLEANUP_FREE char *text = fuzz_strndup (data, size);
  struct vm vm = { 0 };
  string_vector warnings = empty_vector;
  xmlDocPtr doc;

  hyperv_probe_text (text);
  doc = xml_parse_untrusted ((const char *) data, size, "f.xml");
  if (doc == NULL)
    return 0;
  if (hyperv_parse (doc, "f.xml", &vm, &warnings) == 0)
    for (size_t i = 0; i < vm.disks.len; ++i)
      hyperv_basename (vm.disks.ptr[i].path);
  vm_clear (&vm);
  free_string_vector (&warnings);
  xmlFreeDoc (doc);
  return 0;
}
