/* libFuzzer harness: the ova.xml of XVA exports (common/xva-parse.c). */
#include <config.h>

#include "helpers.h"
#include "xva-parse.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct vm vm = { 0 };
  string_vector refs = empty_vector;

  xva_parse_ova_xml ((const char *) data, size, "f.xva:ova.xml", "/d/f.xva",
                     &vm, &refs);
  vm_clear (&vm);
  free_string_vector (&refs);
  return 0;
}
