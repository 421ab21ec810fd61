/* libFuzzer harness: the layout of an initramfs file
 * (common/initramfs-format.c: its cpio segments, padding and the first
 * compressed stream's header).
 */
#include <config.h>

#include "helpers.h"
#include "initramfs-format.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct fuzz_image img = { .p = data, .len = size, .size = size };
  struct initramfs_layout l;

  zstd_frame_window (data, size);
  if (initramfs_scan (fuzz_image_pread, &img, size, &l) == 0)
    initramfs_compression_name (l.compression);
  return 0;
}
