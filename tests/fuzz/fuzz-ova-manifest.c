/* libFuzzer harness: OVA manifests (common/ova-manifest.c). */
#include <config.h>

#include "helpers.h"
#include "ova-manifest.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  ova_manifest m = empty_vector;

  ova_manifest_parse ((const char *) data, size, "f.mf", &m);
  ova_manifest_free (&m);
  return 0;
}
