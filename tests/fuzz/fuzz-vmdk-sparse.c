/* libFuzzer harness: single-file sparse VMDKs, the descriptor embedded
 * after the sparse header (common/vmdk.c: vmdk_parse_sparse).
 */
#include <config.h>

#include "helpers.h"
#include "vmdk.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct vmdk *v = vmdk_parse_sparse ("f.ova:disk1.vmdk", data, size, size);

  if (v == NULL)
    return 0;
  vmdk_qemu_format (v);
  vmdk_free (v);
  return 0;
}
