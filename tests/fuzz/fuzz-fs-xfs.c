/* libFuzzer harness: the XFS used-range reader (common/fs-used.h), over
 * a sparse image whose head and size the input gives (helpers.h).
 */
#include <config.h>

#include "fs-used.h"
#include "helpers.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_fs_used (xfs_used, data, size);
  return 0;
}
