/* p2v receive: p2v agent's rounds into SESSION/disk-N.raw.
 *
 * Next to the image: disk-N.blocks, the block manifest of what the image
 * holds (block-manifest.h), and disk-N.state (done 1 once a frozen
 * round has been applied: the image is then consistent and can be
 * converted).  A round is applied atomically: its blocks go to
 * disk-N.journal first, and only a journal ending in a commit record,
 * made durable, is applied to the image and manifest; a crash before
 * that leaves the image at the last round, and a crash while applying
 * is finished when the next receiver starts.  The first round of a new
 * replica writes the image directly: until it commits, the replica
 * counts as empty and starts over.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "bitmap.h"
#include "block-manifest.h"
#include "byte-order.h"
#include "cleanups.h"
#include "cli.h"
#include "errors.h"
#include "p2v-proto.h"
#include "receive.h"

#define CHUNK_ENTRIES (P2V_CHUNK_MAX / MANIFEST_MIN_BLOCK) /* per frame */
#define RECORD 16            /* journal record header: offset, length, magic */
#define REC_DATA 0x4345524au /* "JREC" */
/* "JCMT": offset is the round, length 1 if final; then the digest. */
#define REC_COMMIT 0x544d434au

struct replica {
  const struct receive_options *o;
  char *image, *blocks, *journal, *state, *lock;
  int fd, mfd, jfd, lfd;
  struct manifest_header h;
  uint8_t *raw;
};

static void
record_encode (uint8_t out[RECORD], uint64_t offset, uint32_t len,
               uint32_t magic)
{
  put_le64 (out, offset);
  put_le32 (out + 8, len);
  put_le32 (out + 12, magic);
}

/* The manifest entries of len bytes (whole blocks, the last may be
 * short) into out.
 */
static void
entries (const struct replica *r, const uint8_t *buf, uint32_t len,
         uint8_t *out)
{
  uint32_t bs = r->h.block_size;

  for (uint32_t at = 0; at < len; at += bs)
    manifest_entry (buf + at, len - at < bs ? len - at : bs,
                    out + at / bs * MANIFEST_ENTRY);
}

/* Writes len bytes at offset into the image and their entries (ents,
 * or computed here when NULL) into the manifest.  The range is block aligned
 * (the last block may be short).
 */
static void
apply (struct replica *r, uint64_t offset, const uint8_t *buf, uint32_t len,
       const uint8_t *ents)
{
  uint8_t own[CHUNK_ENTRIES * MANIFEST_ENTRY];
  uint32_t bs = r->h.block_size;

  if (ents == NULL) {
    entries (r, buf, len, own);
    ents = own;
  }
  if (pwrite (r->fd, buf, len, (off_t) offset) != (ssize_t) len)
    receive_refuse (r->o, 0, "write at byte %" PRIu64 ": %s", offset,
                    strerror (errno));
  if (manifest_put (r->mfd, offset / bs, (len + bs - 1) / bs, ents) == -1)
    receive_refuse (r->o, 0, "%s", get_error ());
}

static void
sync_replica (struct replica *r)
{
  if (fdatasync (r->fd) == -1 || fdatasync (r->mfd) == -1)
    receive_refuse (r->o, 0, "sync: %s", strerror (errno));
}

static void
commit_header (struct replica *r, uint64_t rounds, uint64_t digest)
{
  r->h.rounds = rounds;
  r->h.digest = digest;
  if (manifest_write_header (r->mfd, &r->h) == -1 || fdatasync (r->mfd) == -1)
    receive_refuse (r->o, 0, "'%s': %s", r->blocks, get_error ());
}

/* disk-N.state: done only while the image is a frozen round's. */
static void
set_done (struct replica *r, bool done)
{
  struct disk_state st = { .size = r->o->size, .done = done };

  receive_write_state (r->o, r->state, &st);
}

/* A journal that ends in a commit record is applied; any other is
 * thrown away.  Called with the journal open at jfd.
 */
static void
replay (struct replica *r)
{
  uint8_t rec[RECORD], tail[RECORD];
  uint64_t pos = 0, round = 0, digest = 0;
  off_t end = lseek (r->jfd, 0, SEEK_END);
  bool committed = false, final = false;

  while (!committed && pos + RECORD <= (uint64_t) end) {
    uint64_t off;
    uint32_t len, magic;
    if (pread (r->jfd, rec, RECORD, (off_t) pos) != RECORD)
      break;
    off = get_le64 (rec);
    len = get_le32 (rec + 8);
    magic = get_le32 (rec + 12);
    if (magic == REC_COMMIT
        && pread (r->jfd, tail, RECORD, (off_t) (pos + RECORD)) == RECORD) {
      round = off;
      final = len != 0;
      digest = get_le64 (tail);
      committed = true;
      break;
    }
    if (magic != REC_DATA || len == 0 || len > P2V_CHUNK_MAX
        || off % r->h.block_size != 0 || off > r->h.disk_size
        || len > r->h.disk_size - off)
      break;
    pos += RECORD + len;
  }
  if (committed && round + 1 == r->h.rounds)
    return; /* applied already: only the unlink was missing */
  if (!committed || round != r->h.rounds) {
    session_log (r->o, "disk %d: an unfinished round was thrown away",
                 r->o->disk);
    return;
  }
  set_done (r, false);
  for (pos = 0;; pos += RECORD + get_le32 (rec + 8)) {
    uint32_t len;
    if (pread (r->jfd, rec, RECORD, (off_t) pos) != RECORD)
      receive_refuse (r->o, 0, "'%s': unreadable", r->journal);
    if (get_le32 (rec + 12) == REC_COMMIT)
      break;
    len = get_le32 (rec + 8);
    if (pread (r->jfd, r->raw, len, (off_t) (pos + RECORD)) != (ssize_t) len)
      receive_refuse (r->o, 0, "'%s': unreadable", r->journal);
    apply (r, get_le64 (rec), r->raw, len, NULL);
  }
  sync_replica (r);
  commit_header (r, round + 1, digest);
  set_done (r, final);
  session_log (r->o, "disk %d: round %" PRIu64 " applied from the journal",
               r->o->disk, round);
}

/* Opens the replica, or makes a new one (no round committed, or another
 * disk size or block size than the agent's).
 */
static void
open_replica (struct replica *r)
{
  const struct receive_options *o = r->o;
  bool fresh;

  r->mfd = open (r->blocks, O_RDWR | O_CLOEXEC);
  r->jfd = open (r->journal, O_RDWR | O_CLOEXEC);
  r->fd = open (r->image, O_RDWR | O_CLOEXEC);
  if (r->mfd >= 0 && manifest_read_header (r->mfd, &r->h) == 0 && r->jfd >= 0
      && r->fd >= 0)
    replay (r);
  if (r->jfd >= 0) {
    close (r->jfd);
    unlink (r->journal);
  }
  r->jfd = -1;
  fresh = r->mfd == -1 || r->fd == -1 || manifest_check (r->mfd, &r->h) == -1
          || r->h.rounds == 0 || r->h.disk_size != o->size;
  if (!fresh)
    return;
  if (r->mfd >= 0)
    close (r->mfd);
  if (r->fd >= 0)
    close (r->fd);
  if (o->block_size == 0)
    die ("disk %d: no replica of this disk yet (and no --block-size)",
         o->disk);
  if (manifest_create (r->blocks, o->size, o->block_size) == -1)
    die ("disk %d: %s", o->disk, get_error ());
  r->mfd = open (r->blocks, O_RDWR | O_CLOEXEC);
  r->fd = open (r->image, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (r->mfd == -1 || r->fd == -1
      || manifest_read_header (r->mfd, &r->h) == -1)
    die ("disk %d: %m", o->disk);
  if (ftruncate (r->fd, (off_t) o->size) == -1)
    die ("'%s': cannot make it %" PRIu64 " bytes: %m", r->image, o->size);
  set_done (r, false);
}

/* The digest once the blocks at offset hold buf; their new entries go
 * to ents.
 */
static uint64_t
digest_after (struct replica *r, uint64_t digest, uint64_t offset,
              const uint8_t *buf, uint32_t len, uint8_t *ents)
{
  uint8_t old[CHUNK_ENTRIES * MANIFEST_ENTRY];
  uint32_t bs = r->h.block_size;
  uint64_t first = offset / bs, n = (len + bs - 1) / bs;

  if (manifest_get (r->mfd, first, n, old) == -1)
    receive_refuse (r->o, 0, "%s", get_error ());
  entries (r, buf, len, ents);
  for (uint64_t i = 0; i < n; ++i)
    digest += manifest_term (first + i, ents + i * MANIFEST_ENTRY)
              - manifest_term (first + i, old + i * MANIFEST_ENTRY);
  return digest;
}

/* The agent went away inside a round: the replica stays at the last
 * one (a first round, never committed, starts over next time).
 */
static noreturn void
abandon (struct replica *r)
{
  if (r->jfd >= 0)
    unlink (r->journal);
  session_log (r->o,
               "disk %d: the agent went away inside round %" PRIu64
               ": thrown away",
               r->o->disk, r->h.rounds);
  exit (EXIT_FAILURE);
}

/* One round, from its first frame (in head) to its COMMIT. */
static void
receive_round (struct replica *r, uint8_t *head, uint8_t *payload,
               ZSTD_DCtx *dz)
{
  const struct receive_options *o = r->o;
  bool direct = r->h.rounds == 0;
  uint64_t digest = r->h.digest, frames = 0, bytes = 0;
  uint32_t bs = r->h.block_size;
  struct bitmap seen;
  uint8_t ents[CHUNK_ENTRIES * MANIFEST_ENTRY];
  uint8_t rec[RECORD];
  struct p2v_frame fr;
  double t0 = now_seconds ();

  /* Whatever this round is, the image is not a frozen one's until it
   * is applied.
   */
  set_done (r, false);
  if (bitmap_init (&seen, (o->size + bs - 1) / bs) == -1)
    receive_refuse (o, 0, "%s", get_error ());
  if (!direct) {
    r->jfd = open (r->journal, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (r->jfd == -1)
      receive_refuse (o, 0, "'%s': %s", r->journal, strerror (errno));
  }
  for (;; ++frames) {
    if (frames > 0 && fd_read_all (0, head, P2V_FRAME_HEADER) == -1)
      abandon (r);
    if (p2v_frame_decode (head, o->size, &fr) == -1)
      receive_refuse (o, frames, "%s", get_error ());
    if (fr.type == P2V_COMMIT)
      break;
    /* Numbered in order, block aligned, each block at most once a
     * round (in any order: a final round with LVM snapshots sends their
     * blocks after the others').
     */
    if (fr.type != P2V_DATA || fr.index != frames || fr.offset % bs != 0
        || (fr.len % bs != 0 && fr.offset + fr.len != o->size)
        || bitmap_next_set (&seen, fr.offset / bs)
               < (fr.offset + fr.len + bs - 1) / bs)
      receive_refuse (o, frames, "frame %" PRIu64 " out of place", fr.index);
    bitmap_set_range (&seen, fr.offset / bs,
                      (fr.offset + fr.len + bs - 1) / bs - fr.offset / bs);
    if (fr.clen && fd_read_all (0, payload, fr.clen) == -1)
      abandon (r);
    receive_unpack (o, &fr, payload, r->raw, dz);
    digest = digest_after (r, digest, fr.offset, r->raw, fr.len, ents);
    if (direct)
      apply (r, fr.offset, r->raw, fr.len, ents);
    else {
      record_encode (rec, fr.offset, fr.len, REC_DATA);
      if (write (r->jfd, rec, RECORD) != RECORD
          || write (r->jfd, r->raw, fr.len) != (ssize_t) fr.len)
        receive_refuse (o, frames, "'%s': %s", r->journal, strerror (errno));
    }
    bytes += fr.len;
  }
  bitmap_free (&seen);
  if (fr.index != frames || fr.offset != r->h.rounds || fr.hash != digest) {
    if (r->jfd >= 0)
      unlink (r->journal);
    receive_refuse (o, frames,
                    "round %" PRIu64 " does not match the agent's (%" PRIu64
                    " frames, manifest digest %016" PRIx64 ")",
                    r->h.rounds, frames, digest);
  }
  if (direct) {
    sync_replica (r);
    commit_header (r, 1, digest);
  }
  else {
    uint8_t tail[RECORD] = { 0 };
    /* The data durable before the commit record that vouches for it. */
    record_encode (rec, r->h.rounds, (fr.flags & P2V_FLAG_FINAL) != 0,
                   REC_COMMIT);
    put_le64 (tail, digest);
    if (fdatasync (r->jfd) == -1 || write (r->jfd, rec, RECORD) != RECORD
        || write (r->jfd, tail, RECORD) != RECORD || fdatasync (r->jfd) == -1)
      receive_refuse (o, frames, "'%s': %s", r->journal, strerror (errno));
    replay (r);
    close (r->jfd);
    r->jfd = -1;
    unlink (r->journal);
  }
  if (direct)
    set_done (r, (fr.flags & P2V_FLAG_FINAL) != 0);
  session_log (o,
               "disk %d: round %" PRIu64 "%s applied: %" PRIu64
               " bytes in %" PRIu64 " frames, %.1f s",
               o->disk, r->h.rounds - 1,
               fr.flags & P2V_FLAG_FINAL ? " (final, consistent)" : "", bytes,
               frames, now_seconds () - t0);
  receive_reply (P2V_DONE, r->h.rounds, P2V_CHUNK_MAX);
  receive_reply (P2V_STATE, r->h.block_size, r->h.digest);
}

static void
send_manifest (struct replica *r)
{
  uint8_t buf[65536];
  ssize_t n;
  off_t at = 0;

  r->mfd = open (r->blocks, O_RDONLY | O_CLOEXEC);
  if (r->mfd == -1)
    die ("'%s': %m", r->blocks);
  while ((n = pread (r->mfd, buf, sizeof buf, at)) > 0) {
    if (fd_write_all (1, buf, (size_t) n) == -1)
      exit (EXIT_FAILURE);
    at += n;
  }
  if (n == -1)
    die ("'%s': %m", r->blocks);
}

int
receive_rounds (const struct receive_options *o)
{
  CLEANUP_FREE char *dir = session_dir (o);
  struct replica r = { .o = o, .fd = -1, .mfd = -1, .jfd = -1, .lfd = -1 };
  CLEANUP_FREE uint8_t *payload = NULL;
  uint8_t head[P2V_FRAME_HEADER];
  ZSTD_DCtx *dz = ZSTD_createDCtx ();

  if (dir == NULL)
    die_error ();
  if (asprintf (&r.image, "%s/disk-%d.raw", dir, o->disk) == -1
      || asprintf (&r.blocks, "%s/disk-%d.blocks", dir, o->disk) == -1
      || asprintf (&r.journal, "%s/disk-%d.journal", dir, o->disk) == -1
      || asprintf (&r.state, "%s/disk-%d.state", dir, o->disk) == -1
      || asprintf (&r.lock, "%s/disk-%d.lock", dir, o->disk) == -1)
    die ("out of memory");
  payload = malloc (ZSTD_compressBound (P2V_CHUNK_MAX));
  r.raw = malloc (P2V_CHUNK_MAX);
  if (payload == NULL || r.raw == NULL || dz == NULL)
    die ("out of memory");
  signal (SIGPIPE, SIG_IGN);
  /* The manifest is sent while the agent's own receiver of the disk
   * holds the lock, waiting for a round: it reads only.
   */
  if (o->send_manifest)
    send_manifest (&r);
  else {
    r.lfd = receive_lock (o, r.lock);
    open_replica (&r);
    session_log (o,
                 "disk %d: agent connected; %" PRIu64
                 " round(s) committed, %" PRIu32 "-byte blocks",
                 o->disk, r.h.rounds, r.h.block_size);
    receive_reply (P2V_HELLO, r.h.rounds, P2V_CHUNK_MAX);
    receive_reply (P2V_STATE, r.h.block_size, r.h.digest);
    /* Rounds until the agent closes the stream between two of them. */
    while (fd_read_all (0, head, sizeof head) == 0)
      receive_round (&r, head, payload, dz);
  }
  ZSTD_freeDCtx (dz);
  if (r.fd >= 0)
    close (r.fd);
  if (r.mfd >= 0)
    close (r.mfd);
  if (r.lfd > 0)
    close (r.lfd);
  free (r.raw);
  free (r.image);
  free (r.blocks);
  free (r.journal);
  free (r.state);
  free (r.lock);
  return EXIT_SUCCESS;
}
