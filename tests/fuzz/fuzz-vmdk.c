/* libFuzzer harness: VMDK text descriptors (common/vmdk.c). */
#include <config.h>

#include "helpers.h"
#include "vmdk.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct vmdk *v
      = vmdk_parse_descriptor ("f.vmdk", "/d", (const char *) data, size);

  if (v == NULL)
    return 0;
  vmdk_qemu_format (v);
  vmdk_free (v);
  return 0;
}
