/* vmshift: the p2v disk stream, between p2v capture (on the machine being
 * captured) and p2v receive (on the conversion host), over one ssh
 * connection per disk.
 *
 * The sender cuts the disk's used ranges into chunks of at most
 * P2V_CHUNK_MAX bytes; the chunk plan is deterministic for an unchanged
 * disk, so chunk numbers name the same bytes across connections.  The
 * receiver opens with a HELLO saying which chunk it needs next (0, or
 * where a dropped connection stopped).  The sender then sends DATA
 * frames in order, each with the XXH3-64 hash of its raw bytes, zstd
 * compressed unless that does not pay, and an END frame.  The receiver
 * makes chunks durable in batches and acknowledges them (DURABLE next);
 * after END it re-reads every chunk it stored, checks its hash and that
 * the stored plan is the sender's, and answers DONE (or FAILED).
 *
 * p2v agent sends rounds instead (see block-manifest.h): DATA frames
 * number the round's chunks from 0 and cover changed blocks only; a
 * COMMIT frame ends the round, which the receiver applies atomically.
 *
 * All integers are little-endian.  Pure encoders and decoders, so they
 * can be unit tested and fuzzed.
 */
#ifndef VMSHIFT_P2V_PROTO_H
#define VMSHIFT_P2V_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs-used.h"
#include "vector.h"

#define P2V_PROTO_VERSION 1
#define P2V_CHUNK_MAX (4u << 20)
#define P2V_FRAME_HEADER 40
#define P2V_REPLY_SIZE 24

enum p2v_frame_type { P2V_DATA = 1, P2V_END = 2, P2V_COMMIT = 3 };

/* DATA flags: how the payload holds the chunk's bytes. */
#define P2V_FLAG_ZSTD 1 /* zstd frame of len bytes */
#define P2V_FLAG_ZERO 2 /* no payload: len bytes of zeros */
/* COMMIT flags. */
#define P2V_FLAG_FINAL 4 /* the frozen round: the image is consistent */

struct p2v_frame {
  uint16_t type;   /* p2v_frame_type */
  uint16_t flags;  /* P2V_FLAG_* */
  uint64_t index;  /* chunk number; END, COMMIT: the number of chunks */
  uint64_t offset; /* bytes from the disk's start; END: 0; COMMIT: the
                      round's number */
  uint32_t len;    /* raw bytes; END: 0 */
  uint32_t clen;   /* payload bytes that follow the header */
  uint64_t hash;   /* XXH3-64 of the raw bytes; END: the plan's hash;
                      COMMIT: the block manifest's digest after it */
};

enum p2v_reply_kind {
  P2V_HELLO = 1,   /* value: the first chunk the receiver needs */
  P2V_DURABLE = 2, /* value: every chunk below it is on stable storage */
  P2V_DONE = 3,    /* value: chunks verified */
  P2V_FAILED = 4,  /* value: the chunk that failed (details on stderr) */
  P2V_STATE = 5,   /* rounds (p2v agent): value: the block size; extra:
                      the manifest's digest.  After HELLO and DONE, whose
                      value is then the number of rounds committed */
};

struct p2v_reply {
  uint32_t kind; /* p2v_reply_kind */
  uint32_t version;
  uint64_t value;
  uint64_t extra; /* HELLO: P2V_CHUNK_MAX the receiver accepts */
};

struct p2v_chunk {
  uint64_t offset;
  uint32_t len;
};

DEFINE_VECTOR_TYPE (p2v_chunk_vector, struct p2v_chunk);

extern void p2v_frame_encode (const struct p2v_frame *f,
                              uint8_t out[P2V_FRAME_HEADER]);
/* Decodes and checks a header against a disk of disk_size bytes: magic,
 * type, flags, lengths within P2V_CHUNK_MAX (and the compressed bound),
 * the range inside the disk.  0, or -1 with the error set.
 */
extern int p2v_frame_decode (const uint8_t in[P2V_FRAME_HEADER],
                             uint64_t disk_size, struct p2v_frame *f);

extern void p2v_reply_encode (const struct p2v_reply *r,
                              uint8_t out[P2V_REPLY_SIZE]);
extern int p2v_reply_decode (const uint8_t in[P2V_REPLY_SIZE],
                             struct p2v_reply *r);

/* Cuts used ranges (sorted, within disk_size) into chunks: ranges are
 * first widened to 4 KiB boundaries and joined across gaps smaller than
 * 64 KiB (a short read is cheaper than a seek), then cut at
 * P2V_CHUNK_MAX.  0, or -1 with the error set.
 */
extern int p2v_plan (const range_vector *used, uint64_t disk_size,
                     p2v_chunk_vector *chunks);

/* The plan's hash, which both ends compute: a changed disk or plan does
 * not resume into an old image.
 */
extern uint64_t p2v_plan_hash (const struct p2v_chunk *chunks, size_t n,
                               uint64_t disk_size);

/* XXH3-64 of a chunk's bytes. */
extern uint64_t p2v_hash (const void *buf, size_t len);

/* Are all len bytes zero? */
extern bool p2v_is_zero (const void *buf, size_t len);

#endif /* VMSHIFT_P2V_PROTO_H */
