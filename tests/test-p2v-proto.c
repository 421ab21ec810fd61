/* Unit tests for p2v-proto.c: frames and replies round-trip and hostile
 * headers are refused; the chunk plan aligns, joins and cuts ranges.
 */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "p2v-proto.h"
#include "unit.h"

#define MiB (1024 * 1024ULL)

static void
test_frames (void)
{
  struct p2v_frame f = { .type = P2V_DATA,
                         .flags = P2V_FLAG_ZSTD,
                         .index = 7,
                         .offset = 12 * MiB,
                         .len = 4 * MiB,
                         .clen = 1000,
                         .hash = 0x1122334455667788ULL };
  struct p2v_frame g;
  uint8_t b[P2V_FRAME_HEADER];

  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == 0);
  assert (g.type == f.type && g.flags == f.flags && g.index == f.index
          && g.offset == f.offset && g.len == f.len && g.clen == f.clen
          && g.hash == f.hash);

  /* Outside the disk. */
  assert (p2v_frame_decode (b, 14 * MiB, &g) == -1);
  expect_error ("outside");
  /* Offset + len wrapping around. */
  f.offset = UINT64_MAX - 10;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, UINT64_MAX, &g) == -1);
  f.offset = 0;
  /* Too long, zero-length, raw with the wrong payload length. */
  f.len = P2V_CHUNK_MAX + 1;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == -1);
  f.len = 0;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == -1);
  f.len = 4096;
  f.flags = 0;
  f.clen = 4095;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == -1);
  /* A zero frame carries nothing; unknown flags and types. */
  f.flags = P2V_FLAG_ZERO;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == -1);
  f.clen = 0;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == 0);
  f.flags = 3;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == -1);
  f.flags = 0;
  f.type = 9;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 64 * MiB, &g) == -1);
  /* Bad magic. */
  b[0] ^= 1;
  assert (p2v_frame_decode (b, 64 * MiB, &g) == -1);
  expect_error ("magic");
  /* END frames carry no range. */
  memset (&f, 0, sizeof f);
  f.type = P2V_END;
  f.index = 3;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 0, &g) == 0 && g.index == 3);
  f.len = 1;
  p2v_frame_encode (&f, b);
  assert (p2v_frame_decode (b, 0, &g) == -1);
}

static void
test_replies (void)
{
  struct p2v_reply r = { .kind = P2V_DURABLE,
                         .version = P2V_PROTO_VERSION,
                         .value = 42,
                         .extra = P2V_CHUNK_MAX };
  struct p2v_reply s;
  uint8_t b[P2V_REPLY_SIZE];

  p2v_reply_encode (&r, b);
  assert (p2v_reply_decode (b, &s) == 0);
  assert (s.kind == P2V_DURABLE && s.value == 42);
  r.version = 99;
  p2v_reply_encode (&r, b);
  assert (p2v_reply_decode (b, &s) == -1);
  expect_error ("protocol 99");
  r.version = P2V_PROTO_VERSION;
  r.kind = 77;
  p2v_reply_encode (&r, b);
  assert (p2v_reply_decode (b, &s) == -1);
  memcpy (b, "SSH-", 4);
  assert (p2v_reply_decode (b, &s) == -1);
}

static void
test_plan (void)
{
  range_vector used = empty_vector;
  p2v_chunk_vector c = empty_vector;

  /* [100, 200) widens to [0, 4096); a range 10 KiB later joins it;
   * one 1 MiB later does not; a 9 MiB range is cut at 4 MiB.
   */
  assert (range_append (&used, 100, 100) == 0);
  assert (range_append (&used, 14 * 1024, 1000) == 0);
  assert (range_append (&used, 2 * MiB, 9 * MiB) == 0);
  assert (p2v_plan (&used, 64 * MiB, &c) == 0);
  assert (c.len == 4);
  assert (c.ptr[0].offset == 0 && c.ptr[0].len == 16384);
  assert (c.ptr[1].offset == 2 * MiB && c.ptr[1].len == 4 * MiB);
  assert (c.ptr[2].offset == 6 * MiB && c.ptr[2].len == 4 * MiB);
  assert (c.ptr[3].offset == 10 * MiB && c.ptr[3].len == 1 * MiB);
  assert (p2v_plan_hash (c.ptr, c.len, 64 * MiB)
          != p2v_plan_hash (c.ptr, c.len - 1, 64 * MiB));
  assert (p2v_plan_hash (c.ptr, c.len, 64 * MiB)
          != p2v_plan_hash (c.ptr, c.len, 65 * MiB));
  free (c.ptr);
  c = (p2v_chunk_vector) empty_vector;

  /* A range past the end of the disk is an error. */
  assert (p2v_plan (&used, 8 * MiB, &c) == -1);
  free (c.ptr);
  free (used.ptr);
}

static void
test_zero (void)
{
  static uint8_t buf[65536];

  assert (p2v_is_zero (buf, sizeof buf));
  assert (p2v_is_zero (buf, 3));
  buf[65535] = 1;
  assert (!p2v_is_zero (buf, sizeof buf));
  assert (p2v_is_zero (buf, 65535));
  buf[5] = 1;
  assert (!p2v_is_zero (buf, 10));
}

int
main (void)
{
  test_frames ();
  test_replies ();
  test_plan ();
  test_zero ();
  return 0;
}
