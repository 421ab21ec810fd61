/* p2v agent: one round on one disk (agent.h): the used blocks, reading
 * and hashing, sending the changed runs, the commit, and the local
 * manifest's update once the receiver applied it.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "agent.h"
#include "block-manifest.h"
#include "capture.h"
#include "byte-order.h"
#include "cleanups.h"
#include "cli.h"
#include "disk-map.h"
#include "errors.h"
#include "fd-io.h"
#include "p2v-proto.h"

#define ZSTD_LEVEL 1
#define PATCH 24 /* block number, entry */
#define CHUNK_BLOCKS (P2V_CHUNK_MAX / MANIFEST_MIN_BLOCK) /* per read */

int
agent_used (struct agent_disk *d, bool notes_ok)
{
  range_vector used = empty_vector;
  string_vector notes = empty_vector;

  if (disk_map (d->path, d->size, DISK_MAP_LIVE, &used, &notes) == -1)
    return -1;
  for (size_t i = 0; notes_ok && i < notes.len; ++i)
    debug ("%s", notes.ptr[i]);
  free_string_vector (&notes);
  bitmap_clear_all (&d->used);
  for (size_t i = 0; i < used.len; ++i) {
    uint64_t first = used.ptr[i].start / d->bs;
    uint64_t last = (used.ptr[i].start + used.ptr[i].len + d->bs - 1) / d->bs;
    bitmap_set_range (&d->used, first, last - first);
  }
  free (used.ptr);
  return 0;
}

/* Sends len changed bytes at raw as frame st->frames. */
static int
send_frame (struct agent_disk *d, struct round_io *io, uint64_t offset,
            const uint8_t *raw, uint32_t len, struct round_stats *st)
{
  struct p2v_frame f = {
    .type = P2V_DATA, .index = st->frames, .offset = offset, .len = len
  };
  uint8_t head[P2V_FRAME_HEADER];
  const uint8_t *payload = raw;

  f.hash = p2v_hash (raw, len);
  if (p2v_is_zero (raw, len))
    f.flags = P2V_FLAG_ZERO;
  else {
    size_t z = ZSTD_compressCCtx (io->zc, io->comp, io->comp_size, raw, len,
                                  ZSTD_LEVEL);
    f.clen = len;
    if (!ZSTD_isError (z) && z < len - len / 32) {
      f.flags = P2V_FLAG_ZSTD;
      f.clen = (uint32_t) z;
      payload = io->comp;
    }
  }
  p2v_frame_encode (&f, head);
  if (fd_write_all (d->link.to, head, sizeof head) == -1
      || (f.clen && fd_write_all (d->link.to, payload, f.clen) == -1)) {
    set_error (errno, "%s: the connection to the conversion host dropped",
               d->label);
    return -1;
  }
  st->frames++;
  st->changed += len;
  st->wire += sizeof head + f.clen;
  return 0;
}

/* Reads blocks [b, b + n) (n * bs <= P2V_CHUNK_MAX), hashes them, and
 * sends each run of changed blocks.  *digest follows.
 */
static int
examine (struct agent_disk *d, struct round_io *io, uint64_t b, uint64_t n,
         uint64_t *digest, struct round_stats *st)
{
  uint64_t off = b * d->bs;
  size_t len = n * d->bs > d->size - off ? (size_t) (d->size - off)
                                         : (size_t) (n * d->bs);
  uint8_t old[MANIFEST_ENTRY * CHUNK_BLOCKS];
  uint8_t patches[PATCH * CHUNK_BLOCKS]; /* written once, at the end */
  size_t np = 0;
  uint64_t run = 0; /* changed blocks before i not yet sent */
  ssize_t got;

  /* Without O_DIRECT, the device's cache may hold stale copies of what
   * the filesystem wrote since.
   */
  if (!d->direct)
    posix_fadvise (d->fd, (off_t) off, (off_t) len, POSIX_FADV_DONTNEED);
  got = d->snap ? snapshot_pread (d->snap, d->index, d->fd, io->raw, len, off)
                : pread (d->fd, io->raw, len, (off_t) off);

  if (got != (ssize_t) len) {
    set_error (got == -1 ? errno : EIO, "%s: read at byte %" PRIu64 "%s",
               d->label, off,
               d->snap ? " (through an LVM snapshot: did it fill up?)" : "");
    return -1;
  }
  st->examined += len;
  if (manifest_get (d->mfd, b, n, old) == -1)
    return -1;
  for (uint64_t i = 0; i <= n; ++i) {
    uint8_t e[MANIFEST_ENTRY];
    size_t at = i * d->bs;
    bool changed = false;
    if (i < n) {
      manifest_entry (io->raw + at, len - at < d->bs ? len - at : d->bs, e);
      changed = memcmp (e, old + i * MANIFEST_ENTRY, MANIFEST_ENTRY) != 0;
    }
    if (changed) {
      *digest += manifest_term (b + i, e)
                 - manifest_term (b + i, old + i * MANIFEST_ENTRY);
      put_le64 (patches + np * PATCH, b + i);
      memcpy (patches + np * PATCH + 8, e, MANIFEST_ENTRY);
      np++;
      run++;
      continue;
    }
    if (run > 0) {
      size_t start = (i - run) * d->bs;
      size_t end = at < len ? at : len;
      if (send_frame (d, io, off + start, io->raw + start,
                      (uint32_t) (end - start), st)
          == -1)
        return -1;
      run = 0;
    }
  }
  if (np > 0 && fd_write_all (d->pfd, patches, np * PATCH) == -1) {
    set_error (errno, "'%s'", d->patches);
    return -1;
  }
  return 0;
}

int
agent_round_begin (struct agent_disk *d, struct round_stats *st)
{
  memset (st, 0, sizeof *st);
  d->next_digest = d->digest;
  if (ftruncate (d->pfd, 0) == -1 || lseek (d->pfd, 0, SEEK_SET) == -1) {
    set_error (errno, "'%s'", d->patches);
    return -1;
  }
  return 0;
}

int
agent_round_send (struct agent_disk *d, struct round_io *io,
                  struct round_stats *st)
{
  uint64_t per_read = P2V_CHUNK_MAX / d->bs, digest = d->next_digest;
  double t0 = now_seconds ();
  uint64_t wire0 = st->wire;
  for (uint64_t b = bitmap_next_set (&d->want, 0); b < d->nblocks;) {
    uint64_t end = bitmap_next_clear (&d->want, b);
    for (; b < end; b += per_read) {
      uint64_t n = end - b < per_read ? end - b : per_read;
      if (examine (d, io, b, n, &digest, st) == -1)
        return -1;
      if (io->deadline > 0 && now_seconds () > io->deadline)
        return -2;
      if (io->deadline == 0)
        bw_throttle (t0, st->wire - wire0, io->bwlimit);
    }
    b = bitmap_next_set (&d->want, end);
  }
  st->seconds += now_seconds () - t0;
  d->next_digest = digest;
  return 0;
}

int
agent_round_commit (struct agent_disk *d, bool final, struct round_stats *st)
{
  struct p2v_frame f = { .type = P2V_COMMIT,
                         .flags = final ? P2V_FLAG_FINAL : 0,
                         .index = st->frames,
                         .offset = d->rounds,
                         .hash = d->next_digest };
  uint8_t head[P2V_FRAME_HEADER];

  p2v_frame_encode (&f, head);
  if (fd_write_all (d->link.to, head, sizeof head) == -1) {
    set_error (errno, "%s: the connection to the conversion host dropped",
               d->label);
    return -1;
  }
  st->wire += sizeof head;
  return 0;
}

int
agent_round_finish (struct agent_disk *d)
{
  uint8_t batch[PATCH * 256];
  ssize_t n;
  off_t at = 0;
  struct manifest_header h;

  if (link_wait_done (&d->link, d->label) == -1)
    return -1;
  if (d->link.rounds != d->rounds + 1 || d->link.digest != d->next_digest) {
    set_error (0,
               "%s: the replica's block manifest does not match this "
               "host's after round %" PRIu64,
               d->label, d->rounds);
    return -1;
  }
  while ((n = pread (d->pfd, batch, sizeof batch, at)) > 0) {
    for (ssize_t i = 0; i + PATCH <= n; i += PATCH)
      if (manifest_put (d->mfd, get_le64 (batch + i), 1, batch + i + 8) == -1)
        return -1;
    at += n;
  }
  if (n == -1) {
    set_error (errno, "'%s'", d->patches);
    return -1;
  }
  if (manifest_read_header (d->mfd, &h) == -1)
    return -1;
  h.rounds = ++d->rounds;
  h.digest = d->digest = d->next_digest;
  return manifest_write_header (d->mfd, &h);
}
