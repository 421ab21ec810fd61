/* libFuzzer harness: VHD footers and VHDX headers (common/vhd.c),
 * parsed from memory by vhd_parse, the parser vhd_read_info runs on a
 * .vhd or .vhdx file.
 *
 * Input: one byte (even: VHD, odd: VHDX), then the file.  A VHDX file
 * is sparse and its parts lie far apart, so the input holds only them,
 * one after the other (see vhdx_parts): the signature, the start of each
 * region table, then the metadata region, which the tables place at
 * 320 KiB.  The rest of the file reads as zeros.  Keeping the input
 * small keeps the fuzzer fast (a 200 KiB input made it 2,000 runs/s).
 */
#include <config.h>

#include <string.h>

#include "helpers.h"
#include "vhd.h"

#define KiB 1024

/* Where each part of a VHDX input lies in the file, and its length
 * (the last runs to the end of the input).
 */
static const struct {
  uint64_t at;
  size_t len;
} vhdx_parts[] = {
  { 0, 8 },             /* "vhdxfile" */
  { 192 * KiB, KiB },   /* region table 1: header and 31 entries */
  { 256 * KiB, KiB },   /* region table 2 */
  { 320 * KiB, SIZE_MAX }, /* the metadata region */
};
#define NPARTS (sizeof vhdx_parts / sizeof vhdx_parts[0])

struct vhdx_input {
  const uint8_t *p[NPARTS];
  size_t len[NPARTS];
};

static ssize_t
vhdx_read (void *opaque, void *buf, size_t n, uint64_t offset)
{
  const struct vhdx_input *in = opaque;

  memset (buf, 0, n);
  for (size_t i = 0; i < NPARTS; ++i) {
    uint64_t start = vhdx_parts[i].at, end = start + in->len[i];
    uint64_t from = offset > start ? offset : start;
    uint64_t to = offset + n < end ? offset + n : end;

    if (from < to)
      memcpy ((char *) buf + (from - offset), in->p[i] + (from - start),
              to - from);
  }
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct fuzz_image img = { 0 };
  struct vhdx_input in = { { 0 } };
  struct vhd_source src = { .read = fuzz_image_pread, .opaque = &img,
                            .what = "f.vhd" };
  struct vhd_info info;

  if (size < 1)
    return 0;
  data++, size--;
  if ((data[-1] & 1) == 0) {
    img.p = data;
    img.len = img.size = src.size = size;
    vhd_parse (&src, false, &info);
    return 0;
  }
  for (size_t i = 0; i < NPARTS; ++i) {
    size_t n = size < vhdx_parts[i].len ? size : vhdx_parts[i].len;

    in.p[i] = data;
    in.len[i] = n;
    data += n, size -= n;
    src.size = vhdx_parts[i].at + n;
  }
  src.read = vhdx_read;
  src.opaque = &in;
  src.what = "f.vhdx";
  vhd_parse (&src, true, &info);
  return 0;
}
