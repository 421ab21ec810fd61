/* libFuzzer harness: the p2v stream as its receiver decodes it, frame
 * headers with their payloads skipped, and the replies the sender reads
 * (common/p2v-proto.c).  A header or reply that decodes must encode back
 * to the same bytes.
 *
 * Input: one byte (even: frames, odd: replies), for frames the disk's
 * size (8 bytes, little-endian), then the stream.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "helpers.h"
#include "p2v-proto.h"

static void
frames (const uint8_t *p, size_t n)
{
  uint64_t disk_size;

  if (n < 8)
    return;
  disk_size = get_le64 (p);
  p += 8;
  n -= 8;
  while (n >= P2V_FRAME_HEADER) {
    struct p2v_frame f;
    uint8_t again[P2V_FRAME_HEADER];

    if (p2v_frame_decode (p, disk_size, &f) == -1)
      return;
    p2v_frame_encode (&f, again);
    if (memcmp (p, again, P2V_FRAME_HEADER) != 0)
      abort ();
    if (f.type == P2V_END || f.clen > n - P2V_FRAME_HEADER)
      return;
    p += P2V_FRAME_HEADER + f.clen;
    n -= P2V_FRAME_HEADER + f.clen;
  }
}

static void
replies (const uint8_t *p, size_t n)
{
  for (; n >= P2V_REPLY_SIZE; p += P2V_REPLY_SIZE, n -= P2V_REPLY_SIZE) {
    struct p2v_reply r;
    uint8_t again[P2V_REPLY_SIZE];

    if (p2v_reply_decode (p, &r) == -1)
      return;
    p2v_reply_encode (&r, again);
    if (memcmp (p, again, P2V_REPLY_SIZE) != 0)
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  if (data[0] & 1)
    replies (data + 1, size - 1);
  else
    frames (data + 1, size - 1);
  return 0;
}
