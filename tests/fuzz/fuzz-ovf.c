/* libFuzzer harness: OVF descriptors (common/ovf-parse.c). */
#include <config.h>

#include "helpers.h"
#include "ovf-parse.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ovf ovf;

  if (ovf_parse ((const char *) data, size, "f.ovf", &ovf) == 0)
    ovf_free (&ovf);
  return 0;
}
