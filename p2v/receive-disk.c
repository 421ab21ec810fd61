/* p2v receive: one disk's stream into SESSION/disk-N.raw.
 *
 * Next to the image: disk-N.state ("plan HASH size BYTES next CHUNK done
 * 0|1", replaced atomically) and disk-N.manifest (offset, length and
 * hash of every stored chunk, 20 bytes each).  A batch of chunks is
 * made durable (image, then manifest, then state, each synced) before
 * it is acknowledged, so after any crash or dropped link the state
 * names chunks that are really there, and the sender resumes there.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <zstd.h>

#include "byte-order.h"
#include "cleanups.h"
#include "errors.h"
#include "p2v-proto.h"
#include "p2v.h"
#include "receive.h"

#define CHUNK_ENTRY 20
#define SYNC_BYTES (64ull << 20) /* acknowledge at least every 64 MiB */
#define SYNC_CHUNKS 16
#define SPARSE_BLOCK 65536


struct disk_files {
  char *image, *state, *manifest, *lock;
  int fd, mfd, lfd;
};

/* Opens (fresh or resumed) the image and manifest; st->next is where the
 * sender must start.
 */
static void
open_disk (const struct receive_options *o, struct disk_files *f,
           struct disk_state *st)
{
  struct disk_state old;
  bool resume = o->resume && disk_state_read (f->state, &old) == 0
                && old.plan == o->plan_hash && old.size == o->size;

  st->plan = o->plan_hash;
  st->size = o->size;
  st->next = resume ? old.next : 0;
  st->done = 0;
  if (o->resume && !resume)
    session_log (o,
                 "disk %d: nothing to resume (new or changed disk): "
                 "starting over",
                 o->disk);
  f->fd = open (f->image,
                O_RDWR | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC), 0600);
  f->mfd = open (f->manifest,
                 O_RDWR | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC), 0600);
  if (f->fd == -1 || f->mfd == -1)
    die ("disk %d: %m", o->disk);
  if (ftruncate (f->fd, (off_t) o->size) == -1)
    die ("'%s': cannot make it %" PRIu64 " bytes: %m", f->image, o->size);
  if (ftruncate (f->mfd, (off_t) (st->next * CHUNK_ENTRY)) == -1)
    die ("'%s': %m", f->manifest);
  receive_write_state (o, f->state, st);
}

/* Writes a chunk, leaving its zero 64 KiB blocks as holes (the image
 * is sparse, and on a resume those bytes were zero already).
 */
static void
store (const struct receive_options *o, int fd, const uint8_t *buf,
       const struct p2v_frame *fr)
{
  for (uint32_t at = 0; at < fr->len; at += SPARSE_BLOCK) {
    uint32_t n = fr->len - at < SPARSE_BLOCK ? fr->len - at : SPARSE_BLOCK;
    if (p2v_is_zero (buf + at, n))
      continue;
    if (pwrite (fd, buf + at, n, (off_t) (fr->offset + at)) != (ssize_t) n)
      receive_refuse (o, fr->index, "write at byte %" PRIu64 ": %s", fr->offset + at,
              strerror (errno));
  }
}

/* Checks what was stored: the manifest's plan is the sender's, and each
 * chunk read back has the hash the sender sent.
 */
static void
verify (const struct receive_options *o, const struct disk_files *f,
        uint64_t nchunks, uint8_t *buf)
{
  p2v_chunk_vector chunks = empty_vector;
  uint8_t e[CHUNK_ENTRY];

  for (uint64_t i = 0; i < nchunks; ++i) {
    struct p2v_chunk c;
    uint64_t hash;
    if (pread (f->mfd, e, sizeof e, (off_t) (i * CHUNK_ENTRY))
        != (ssize_t) sizeof e)
      receive_refuse (o, i, "the manifest ends at chunk %" PRIu64, i);
    c.offset = get_le64 (e);
    c.len = (uint32_t) get_le32 (e + 8);
    hash = get_le64 (e + 12);
    if (c.len > P2V_CHUNK_MAX
        || pread (f->fd, buf, c.len, (off_t) c.offset) != (ssize_t) c.len)
      receive_refuse (o, i, "cannot read back chunk %" PRIu64, i);
    if (p2v_hash (buf, c.len) != hash)
      receive_refuse (o, i, "chunk %" PRIu64 " (byte %" PRIu64 ") reads back wrong", i,
              c.offset);
    if (p2v_chunk_vector_append (&chunks, c) == -1)
      receive_refuse (o, i, "out of memory");
  }
  if (p2v_plan_hash (chunks.ptr, chunks.len, o->size) != o->plan_hash) {
    free (chunks.ptr);
    receive_refuse (o, nchunks, "the chunks stored are not the sender's plan");
  }
  free (chunks.ptr);
}

int
receive_disk (const struct receive_options *o)
{
  CLEANUP_FREE char *dir = session_dir (o);
  struct disk_files f = { 0 };
  struct disk_state st;
  uint8_t head[P2V_FRAME_HEADER];
  CLEANUP_FREE uint8_t *payload = NULL, *raw = NULL;
  ZSTD_DCtx *dz = ZSTD_createDCtx ();
  uint64_t pending = 0, pending_chunks = 0, got = 0;
  double t0 = now_seconds (), last_log = t0;

  if (dir == NULL)
    die_error ();
  if (asprintf (&f.image, "%s/disk-%d.raw", dir, o->disk) == -1
      || asprintf (&f.state, "%s/disk-%d.state", dir, o->disk) == -1
      || asprintf (&f.manifest, "%s/disk-%d.manifest", dir, o->disk) == -1
      || asprintf (&f.lock, "%s/disk-%d.lock", dir, o->disk) == -1)
    die ("out of memory");
  payload = malloc (ZSTD_compressBound (P2V_CHUNK_MAX));
  raw = malloc (P2V_CHUNK_MAX);
  if (payload == NULL || raw == NULL || dz == NULL)
    die ("out of memory");
  signal (SIGPIPE, SIG_IGN);
  f.lfd = receive_lock (o, f.lock);
  open_disk (o, &f, &st);
  session_log (o, "disk %d: receiving %" PRIu64 " bytes from chunk %" PRIu64,
               o->disk, o->size, st.next);
  receive_reply (P2V_HELLO, st.next, P2V_CHUNK_MAX);

  for (;;) {
    struct p2v_frame fr;
    uint8_t e[CHUNK_ENTRY];

    if (fd_read_all (0, head, sizeof head) == -1) {
      session_log (o,
                   "disk %d: the sender went away at chunk %" PRIu64
                   " (%" PRIu64 " durable)",
                   o->disk, st.next + pending_chunks, st.next);
      return EXIT_FAILURE;
    }
    if (p2v_frame_decode (head, o->size, &fr) == -1)
      receive_refuse (o, st.next, "%s", get_error ());
    if (fr.type == P2V_END || pending >= SYNC_BYTES
        || pending_chunks >= SYNC_CHUNKS) {
      /* Image, then manifest, then state: then acknowledge. */
      if (fdatasync (f.fd) == -1 || fdatasync (f.mfd) == -1)
        receive_refuse (o, st.next, "sync: %s", strerror (errno));
      st.next += pending_chunks;
      pending = pending_chunks = 0;
      receive_write_state (o, f.state, &st);
      receive_reply (P2V_DURABLE, st.next, P2V_CHUNK_MAX);
    }
    if (fr.type == P2V_END) {
      if (fr.index != st.next || fr.hash != o->plan_hash)
        receive_refuse (o, st.next,
                "the stream ended at chunk %" PRIu64 " of %" PRIu64
                " or with another plan",
                st.next, fr.index);
      verify (o, &f, fr.index, raw);
      st.done = 1;
      receive_write_state (o, f.state, &st);
      session_log (o,
                   "disk %d: complete and verified: %" PRIu64
                   " chunks, %" PRIu64 " bytes received in %.1f s",
                   o->disk, fr.index, got, now_seconds () - t0);
      receive_reply (P2V_DONE, fr.index, P2V_CHUNK_MAX);
      break;
    }
    if (fr.index != st.next + pending_chunks)
      receive_refuse (o, st.next, "chunk %" PRIu64 " arrived, %" PRIu64 " expected",
              fr.index, st.next + pending_chunks);
    if (fr.clen && fd_read_all (0, payload, fr.clen) == -1) {
      session_log (o, "disk %d: the sender went away inside chunk %" PRIu64,
                   o->disk, fr.index);
      return EXIT_FAILURE;
    }
    receive_unpack (o, &fr, payload, raw, dz);
    store (o, f.fd, raw, &fr);
    put_le64 (e, fr.offset);
    put_le32 (e + 8, fr.len);
    put_le64 (e + 12, fr.hash);
    if (pwrite (f.mfd, e, sizeof e, (off_t) (fr.index * CHUNK_ENTRY))
        != (ssize_t) sizeof e)
      receive_refuse (o, fr.index, "'%s': %s", f.manifest, strerror (errno));
    pending += fr.len;
    pending_chunks++;
    got += sizeof head + fr.clen;
    if (now_seconds () - last_log >= 10) {
      last_log = now_seconds ();
      session_log (o, "disk %d: chunk %" PRIu64 ", %" PRIu64 " MiB received",
                   o->disk, fr.index, got >> 20);
    }
  }
  ZSTD_freeDCtx (dz);
  close (f.fd);
  close (f.mfd);
  close (f.lfd);
  free (f.image);
  free (f.state);
  free (f.manifest);
  free (f.lock);
  return EXIT_SUCCESS;
}
