/* libFuzzer harness: the image headers a Xen source's disks are checked
 * with (common/image-info.c: qcow, qcow2, vhd, qed), read from a file.
 *
 * Input: one byte choosing the format, then the file.
 */
#include <config.h>

#include "helpers.h"
#include "image-info.h"

static const char *const formats[] = { "qcow2", "qcow", "vhd", "qed", "raw" };
static struct fuzz_scratch file = { .suffix = ".img" };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint64_t capacity;

  if (size < 1)
    return 0;
  fuzz_scratch_reset (&file, size - 1);
  fuzz_scratch_put (&file, data + 1, size - 1, 0);
  image_capacity (file.path, formats[data[0] % 5], &capacity);
  return 0;
}
