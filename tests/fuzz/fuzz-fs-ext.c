/* libFuzzer harness: the ext2/3/4 used-range reader (common/fs-ext.c).
 * libext2fs reads a file, so the image the input describes (helpers.h)
 * is written to a sparse scratch file.
 */
#include <config.h>

#include <stdlib.h>

#include "fs-used.h"
#include "helpers.h"

static struct fuzz_scratch file = { .suffix = ".img" };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  range_vector used = empty_vector;
  struct fuzz_image img;

  if (fuzz_image (data, size, &img) == -1)
    return 0;
  fuzz_scratch_reset (&file, img.size);
  fuzz_scratch_put (&file, img.p, img.len, 0);
  if (ext_used (file.path, 0, img.size, true, &used) == 1)
    fuzz_check_used (&used, img.size);
  free (used.ptr);
  return 0;
}
