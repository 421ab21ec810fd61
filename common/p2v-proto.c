/* vmshift: the p2v disk stream's frames, replies and chunk plan. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>
#include <zstd.h>

#include "byte-order.h"
#include "errors.h"
#include "p2v-proto.h"

#define FRAME_MAGIC 0x46563250u /* "P2VF" */
#define REPLY_MAGIC 0x41563250u /* "P2VA" */
#define ALIGN 4096u
#define JOIN_GAP (64u << 10)

void
p2v_frame_encode (const struct p2v_frame *f, uint8_t out[P2V_FRAME_HEADER])
{
  put_le32 (out, FRAME_MAGIC);
  put_le16 (out + 4, f->type);
  put_le16 (out + 6, f->flags);
  put_le64 (out + 8, f->index);
  put_le64 (out + 16, f->offset);
  put_le32 (out + 24, f->len);
  put_le32 (out + 28, f->clen);
  put_le64 (out + 32, f->hash);
}

int
p2v_frame_decode (const uint8_t in[P2V_FRAME_HEADER], uint64_t disk_size,
                  struct p2v_frame *f)
{
  if (get_le32 (in) != FRAME_MAGIC) {
    set_error (0, "not a p2v frame (bad magic)");
    return -1;
  }
  f->type = get_le16 (in + 4);
  f->flags = get_le16 (in + 6);
  f->index = get_le64 (in + 8);
  f->offset = get_le64 (in + 16);
  f->len = get_le32 (in + 24);
  f->clen = get_le32 (in + 28);
  f->hash = get_le64 (in + 32);

  if (f->type == P2V_END || f->type == P2V_COMMIT) {
    if ((f->type == P2V_END ? f->flags != 0 : (f->flags & ~P2V_FLAG_FINAL))
        || (f->type == P2V_END && f->offset != 0) || f->len != 0
        || f->clen != 0) {
      set_error (0, "malformed %s frame",
                 f->type == P2V_END ? "end" : "commit");
      return -1;
    }
    return 0;
  }
  if (f->type != P2V_DATA) {
    set_error (0, "unknown frame type %u", f->type);
    return -1;
  }
  if (f->len == 0 || f->len > P2V_CHUNK_MAX) {
    set_error (0, "frame %" PRIu64 ": length %" PRIu32 " out of range",
               f->index, f->len);
    return -1;
  }
  if (f->offset > disk_size || f->len > disk_size - f->offset) {
    set_error (0,
               "frame %" PRIu64 ": bytes %" PRIu64 "+%" PRIu32
               " lie outside the %" PRIu64 "-byte disk",
               f->index, f->offset, f->len, disk_size);
    return -1;
  }
  switch (f->flags) {
    case 0:
      if (f->clen != f->len) {
        set_error (0, "frame %" PRIu64 ": raw payload of the wrong length",
                   f->index);
        return -1;
      }
      break;
    case P2V_FLAG_ZSTD:
      if (f->clen == 0 || f->clen > ZSTD_compressBound (P2V_CHUNK_MAX)) {
        set_error (0, "frame %" PRIu64 ": compressed length out of range",
                   f->index);
        return -1;
      }
      break;
    case P2V_FLAG_ZERO:
      if (f->clen != 0) {
        set_error (0, "frame %" PRIu64 ": zero frame with a payload",
                   f->index);
        return -1;
      }
      break;
    default:
      set_error (0, "frame %" PRIu64 ": unknown flags 0x%x", f->index,
                 f->flags);
      return -1;
  }
  return 0;
}

void
p2v_reply_encode (const struct p2v_reply *r, uint8_t out[P2V_REPLY_SIZE])
{
  put_le32 (out, REPLY_MAGIC);
  put_le16 (out + 4, (uint16_t) r->kind);
  put_le16 (out + 6, (uint16_t) r->version);
  put_le64 (out + 8, r->value);
  put_le64 (out + 16, r->extra);
}

int
p2v_reply_decode (const uint8_t in[P2V_REPLY_SIZE], struct p2v_reply *r)
{
  if (get_le32 (in) != REPLY_MAGIC) {
    set_error (0, "the receiver did not answer in the p2v protocol (is "
                  "'p2v receive' the same version on the conversion host?)");
    return -1;
  }
  r->kind = get_le16 (in + 4);
  r->version = get_le16 (in + 6);
  r->value = get_le64 (in + 8);
  r->extra = get_le64 (in + 16);
  if (r->kind < P2V_HELLO || r->kind > P2V_STATE) {
    set_error (0, "unknown reply %" PRIu32 " from the receiver", r->kind);
    return -1;
  }
  if (r->version != P2V_PROTO_VERSION) {
    set_error (0, "the receiver speaks p2v protocol %" PRIu32 ", not %d",
               r->version, P2V_PROTO_VERSION);
    return -1;
  }
  return 0;
}

static int
add_chunks (p2v_chunk_vector *chunks, uint64_t start, uint64_t end)
{
  while (start < end) {
    uint64_t n = end - start;
    struct p2v_chunk c = { .offset = start };

    c.len = n > P2V_CHUNK_MAX ? P2V_CHUNK_MAX : (uint32_t) n;
    if (p2v_chunk_vector_append (chunks, c) == -1) {
      set_error (errno, "realloc");
      return -1;
    }
    start += c.len;
  }
  return 0;
}

int
p2v_plan (const range_vector *used, uint64_t disk_size,
          p2v_chunk_vector *chunks)
{
  uint64_t start = 0, end = 0;
  bool open = false;

  for (size_t i = 0; i < used->len; ++i) {
    uint64_t s = used->ptr[i].start / ALIGN * ALIGN;
    uint64_t e = used->ptr[i].start + used->ptr[i].len;

    if (used->ptr[i].len == 0)
      continue;
    if (e > disk_size || e < used->ptr[i].start) {
      set_error (0, "used range %" PRIu64 "+%" PRIu64 " outside the disk",
                 used->ptr[i].start, used->ptr[i].len);
      return -1;
    }
    e = (e + ALIGN - 1) / ALIGN * ALIGN;
    if (e > disk_size)
      e = disk_size;
    if (open && s < end) {
      set_error (0, "used ranges out of order at %" PRIu64,
                 used->ptr[i].start);
      return -1;
    }
    if (open && s - end < JOIN_GAP) {
      end = e;
      continue;
    }
    if (open && add_chunks (chunks, start, end) == -1)
      return -1;
    start = s;
    end = e;
    open = true;
  }
  if (open && add_chunks (chunks, start, end) == -1)
    return -1;
  return 0;
}

uint64_t
p2v_plan_hash (const struct p2v_chunk *chunks, size_t n, uint64_t disk_size)
{
  XXH3_state_t st;
  uint8_t b[12];

  memset (&st, 0, sizeof st); /* a stack state must start zeroed */
  XXH3_64bits_reset_withSeed (&st, disk_size);
  for (size_t i = 0; i < n; ++i) {
    put_le64 (b, chunks[i].offset);
    put_le32 (b + 8, chunks[i].len);
    XXH3_64bits_update (&st, b, sizeof b);
  }
  return XXH3_64bits_digest (&st);
}

uint64_t
p2v_hash (const void *buf, size_t len)
{
  return XXH3_64bits (buf, len);
}

bool
p2v_is_zero (const void *buf, size_t len)
{
  const unsigned char *p = buf;

  /* Compare the buffer with itself shifted by 16: all zero iff the
   * first 16 bytes are zero and every byte equals the one 16 before.
   */
  if (len <= 16) {
    for (size_t i = 0; i < len; ++i)
      if (p[i])
        return false;
    return true;
  }
  for (size_t i = 0; i < 16; ++i)
    if (p[i])
      return false;
  return memcmp (p, p + 16, len - 16) == 0;
}
