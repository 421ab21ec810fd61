/* libFuzzer harness: VMware .vmx files (common/vmx-parse.c). */
#include <config.h>

#include "helpers.h"
#include "vmx-parse.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct vmx *vmx = vmx_parse_string ("f.vmx", (const char *) data, size);
  const char *key, *value;
  long long n;
  size_t i = 0;

  if (vmx == NULL)
    return 0;
  /* What input-vmx.c asks of every key it reads. */
  while (vmx_next (vmx, "", &i, &key, &value)) {
    vmx_get_int (vmx, key, &n);
    vmx_get_bool (vmx, key, false);
  }
  vmx_free (vmx);
  return 0;
}
