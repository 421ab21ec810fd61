/* libFuzzer harness: VHD footers and VHDX headers (common/vhd.c), which
 * are read from a file named .vhd or .vhdx.
 *
 * Input: one byte (even: VHD, odd: VHDX), then the file.  A VHDX's
 * region tables lie at 192 and 256 KiB, so its first 4 KiB are followed
 * by a hole up to 192 KiB and then the rest of the input.
 */
#include <config.h>

#include "helpers.h"
#include "vhd.h"

#define VHDX_HEAD 4096
#define VHDX_TABLES (192 * 1024)

static struct fuzz_scratch vhd = { .suffix = ".vhd" };
static struct fuzz_scratch vhdx = { .suffix = ".vhdx" };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct vhd_info info;

  if (size < 1)
    return 0;
  if ((data[0] & 1) == 0) {
    fuzz_scratch_reset (&vhd, size - 1);
    fuzz_scratch_put (&vhd, data + 1, size - 1, 0);
    vhd_read_info (vhd.path, &info);
  }
  else if (size - 1 <= VHDX_HEAD) {
    fuzz_scratch_reset (&vhdx, size - 1);
    fuzz_scratch_put (&vhdx, data + 1, size - 1, 0);
    vhd_read_info (vhdx.path, &info);
  }
  else {
    fuzz_scratch_reset (&vhdx, VHDX_TABLES + size - 1 - VHDX_HEAD);
    fuzz_scratch_put (&vhdx, data + 1, VHDX_HEAD, 0);
    fuzz_scratch_put (&vhdx, data + 1 + VHDX_HEAD, size - 1 - VHDX_HEAD,
                      VHDX_TABLES);
    vhd_read_info (vhdx.path, &info);
  }
  return 0;
}
