/* p2v receive: the conversion host's side. */
#ifndef P2V_RECEIVE_H
#define P2V_RECEIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include <zstd.h>

#include "fd-io.h"
#include "p2v-proto.h"

struct receive_options {
  const char *dir;     /* where sessions live: /var/tmp/p2v-receive */
  const char *session; /* the machine's name: a directory in dir */
  /* One disk's stream. */
  int disk;           /* -1: not a disk stream */
  uint64_t size;      /* the disk's size */
  uint64_t plan_hash; /* p2v_plan_hash of the sender's plan */
  bool resume;
  /* p2v agent's rounds instead of a chunk plan (receive-rounds.c). */
  bool rounds;
  uint32_t block_size;  /* for a new replica */
  bool send_manifest;   /* write the replica's block manifest to stdout */
  /* The end: convert the session. */
  bool finish;
  unsigned ndisks;
  const char *output; /* -o: DIR, libvirt:URI, or "none" (keep disks) */
  const char *format; /* -O */
};

/* A disk's SESSION/disk-N.state: the plan it is received by, its size,
 * the first chunk not yet durable, and whether it arrived and verified.
 */
struct disk_state {
  uint64_t plan, size, next;
  int done;
};

/* Reads path: 0, or -1 if it is missing or not a state file. */
extern int disk_state_read (const char *path, struct disk_state *st);

/* Receives one disk into SESSION/disk-N.raw.  Exit status. */
extern int receive_disk (const struct receive_options *o);

/* Receives p2v agent's rounds into SESSION/disk-N.raw, each applied
 * atomically; or with o->send_manifest, sends the block manifest.  Exit
 * status.
 */
extern int receive_rounds (const struct receive_options *o);

/* What the disk streams share (receive-io.c).  The receiver exits on
 * any error: receive_refuse tells the sender (FAILED chunk), logs, and
 * exits non-zero.
 */
extern void receive_reply (uint32_t kind, uint64_t value, uint64_t extra);
extern noreturn void receive_refuse (const struct receive_options *o,
                                     uint64_t chunk, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
extern void receive_write_state (const struct receive_options *o,
                                 const char *path,
                                 const struct disk_state *st);
/* Takes the disk's lock file path (asking an older receiver holding it
 * to go); returns its fd.
 */
extern int receive_lock (const struct receive_options *o, const char *path);
/* Decodes a DATA frame's payload into raw (fr->len bytes), checked. */
extern void receive_unpack (const struct receive_options *o,
                            const struct p2v_frame *fr,
                            const uint8_t *payload, uint8_t *raw,
                            ZSTD_DCtx *dz);

/* Reads the machine's XML on stdin, checks every disk arrived, and
 * converts with v2v convert.  Exit status.
 */
extern int receive_finish (const struct receive_options *o);

/* The session directory (created 0700 with its parent): caller frees.
 * NULL with the error set.
 */
extern char *session_dir (const struct receive_options *o);

/* Appends a line to the session's log, DIR/SESSION.log. */
extern void session_log (const struct receive_options *o, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif /* P2V_RECEIVE_H */
