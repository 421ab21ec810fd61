/* p2v agent: the pre-copy rounds and the frozen cutover (agent.h).
 *
 * Like QEMU's pre-copy, rounds go on while they shrink and stay over
 * --max-dirty, up to --max-rounds.  Which blocks a round reads: round 0
 * every used block; later rounds the blocks written since the last
 * round began (the tracker's), plus used blocks no round has read yet
 * (the filesystem allocated them since); without the tracker, every used
 * block.  Written blocks outside the used set are carried over: the
 * bitmaps a mounted filesystem has on disk may lag behind.  The final
 * round does the same with the filesystems frozen, when the used set is
 * exact.  Nothing is printed while they are frozen: stderr may be a file
 * on one of them.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cleanups.h"
#include "cli.h"
#include "errors.h"

#define MiB (1024 * 1024.0)
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3

static void
io_priority (int class)
{
  syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, class << 13);
}

/* Each disk's want for the next round; traced: the tracker's take
 * succeeded this time.
 */
static void
choose (struct agent_disk *d, bool first, bool traced)
{
  if (first || !traced) {
    bitmap_copy (&d->want, &d->used);
    return;
  }
  bitmap_copy (&d->want, &d->used);
  bitmap_and_not (&d->want, &d->examined); /* newly used */
  bitmap_or (&d->want, &d->carry);         /* written */
  bitmap_and (&d->want, &d->used);
}

/* After a round without the tracker's account, what was read is all
 * that is known: a block outside it may have been reallocated and
 * written meanwhile, so later rounds read it once it is used.
 */
static void
account (struct agent_disk *d, bool traced, const struct round_stats *st,
         struct round_stats *sum)
{
  if (traced)
    bitmap_or (&d->examined, &d->want);
  else
    bitmap_copy (&d->examined, &d->want);
  bitmap_and_not (&d->carry, &d->want);
  sum->examined += st->examined;
  sum->changed += st->changed;
  sum->wire += st->wire;
  sum->frames += st->frames;
}

static void
report (int round, bool final, const struct round_stats *sum, double seconds,
        const struct agent_result *res)
{
  if (machine_readable) {
    char fields[512];
    snprintf (fields, sizeof fields,
              "\"round\": %d, \"final\": %s, \"examined\": %" PRIu64
              ", \"changed\": %" PRIu64 ", \"wire\": %" PRIu64
              ", \"frames\": %" PRIu64 ", \"seconds\": %.3f",
              round, final ? "true" : "false", sum->examined, sum->changed,
              sum->wire, sum->frames, seconds);
    event ("round", fields);
    if (final) {
      snprintf (fields, sizeof fields,
                "\"seconds\": %.3f, \"started\": %.3f, \"frozen\": %zu, "
                "\"snapshots\": %zu, \"snapshot_seconds\": %.3f",
                res->freeze_seconds, res->frozen_at, res->frozen,
                res->snapshots, res->snapshot_seconds);
      event ("freeze", fields);
    }
    return;
  }
  info ("round %d%s: read %.1f MiB, %.2f MiB changed, sent %.2f MiB in "
        "%.2f s",
        round, final ? " (frozen)" : "", sum->examined / MiB,
        sum->changed / MiB, sum->wire / MiB, seconds);
  if (final)
    info ("%zu filesystem(s) frozen for %.3f s", res->frozen,
          res->freeze_seconds);
  if (final && res->snapshots)
    info ("%zu filesystem(s) read from LVM snapshots, taken in %.3f s",
          res->snapshots, res->snapshot_seconds);
}

/* For the tests of the watchdog and the freeze limit only: holds the
 * freeze for $P2V_AGENT_TEST_HOLD seconds.
 */
static void
test_hold (void)
{
  const char *s = getenv ("P2V_AGENT_TEST_HOLD");

  if (s && atoi (s) > 0)
    sleep ((unsigned) atoi (s));
}

/* One unfrozen round on every disk. */
static int
precopy_round (struct agent_disk *disks, size_t n, struct round_io *io,
               struct dirty_tracker *t, int round, struct round_stats *sum)
{
  double t0 = now_seconds ();
  bool traced;

  /* Written back first: the tracker then counts it, and the bitmaps
   * show it.
   */
  if (freeze_sync (disks, n) == -1)
    return -1;
  traced = t && round > 0 && dirty_take (t) == 0;

  if (t && round > 0 && !traced)
    warning ("block tracing lost events: this round reads every used "
             "block");
  memset (sum, 0, sizeof *sum);
  for (size_t i = 0; i < n; ++i) {
    struct round_stats st;
    if (agent_used (&disks[i], true) == -1)
      return -1;
    choose (&disks[i], round == 0, traced);
    if (agent_round_begin (&disks[i], &st) == -1
        || agent_round_send (&disks[i], io, &st) == -1
        || agent_round_commit (&disks[i], false, &st) == -1
        || agent_round_finish (&disks[i]) == -1)
      return -1;
    account (&disks[i], traced || round == 0, &st, sum);
  }
  report (round, false, sum, now_seconds () - t0, NULL);
  return 0;
}

/* Per disk, the blocks read from LVM snapshots and the PVs' metadata
 * areas (agent-snapshot.c).
 */
struct snap_blocks {
  struct bitmap lv[64], meta[64];
  size_t n;
};

static int
snap_blocks_init (struct snap_blocks *b, const struct snapshot_set *ss,
                  const struct agent_disk *disks, size_t n)
{
  b->n = 0;
  if (ss->n == 0)
    return 0;
  for (; b->n < n; ++b->n) {
    if (bitmap_init (&b->lv[b->n], disks[b->n].nblocks) == -1)
      return -1;
    if (bitmap_init (&b->meta[b->n], disks[b->n].nblocks) == -1) {
      bitmap_free (&b->lv[b->n]);
      return -1;
    }
    snapshot_blocks (ss, &disks[b->n], (unsigned) b->n, &b->lv[b->n],
                     &b->meta[b->n]);
  }
  return 0;
}

static void
snap_blocks_free (struct snap_blocks *b)
{
  for (size_t i = 0; i < b->n; ++i) {
    bitmap_free (&b->lv[i]);
    bitmap_free (&b->meta[i]);
  }
  b->n = 0;
}

/* Frozen (or snapshotted): each disk's want but the snapshots' blocks. */
static int
frozen_pass (struct agent_disk *disks, size_t n, struct round_io *io,
             bool traced, const struct snap_blocks *b, struct round_stats *st)
{
  for (size_t i = 0; i < n; ++i) {
    int r;
    if (agent_used (&disks[i], false) == -1)
      return -1;
    choose (&disks[i], false, traced);
    if (b->n) {
      bitmap_and_not (&disks[i].want, &b->lv[i]);
      bitmap_and_not (&disks[i].want, &b->meta[i]);
    }
    if (agent_round_begin (&disks[i], &st[i]) == -1)
      return -1;
    r = agent_round_send (&disks[i], io, &st[i]);
    if (r != 0)
      return r;
  }
  return 0;
}

/* Thawed: the snapshotted LVs' blocks from the snapshots; then, once
 * they are removed, the PVs' metadata areas, which no longer name them.
 * Each disk's want ends as the whole round's, for account ().
 */
static int
snapshot_passes (struct agent_disk *disks, size_t n, struct round_io *io,
                 bool traced, struct snapshot_set *ss,
                 const struct snap_blocks *b, struct round_stats *st)
{
  int r = b->n ? snapshot_open (ss, disks[0].direct) : 0;

  for (size_t i = 0; r == 0 && i < b->n; ++i) {
    choose (&disks[i], false, traced);
    bitmap_and (&disks[i].want, &b->lv[i]);
    disks[i].snap = ss;
    r = agent_round_send (&disks[i], io, &st[i]);
    disks[i].snap = NULL;
  }
  /* Still there, it would be in the metadata read next. */
  if (snapshot_drop (ss) == -1 && r == 0)
    r = -1;
  for (size_t i = 0; r == 0 && i < b->n; ++i) {
    bitmap_copy (&disks[i].want, &b->meta[i]);
    r = agent_round_send (&disks[i], io, &st[i]);
    choose (&disks[i], false, traced);
    bitmap_or (&disks[i].want, &b->meta[i]);
  }
  return r;
}

static void
warn_synced_only (const struct freeze_set *fs)
{
  for (size_t i = 0; i < fs->n; ++i)
    if (fs->synced_only[i]) {
      CLEANUP_FREE char *msg = NULL;
      if (asprintf (&msg,
                    "'%s' cannot be frozen (vfat): synced and "
                    "captured as it was",
                    fs->paths[i])
          != -1)
        warning (msg);
    }
}

/* The final round.  Filesystems on LVs with room in their VG are
 * snapshotted (frozen only for lvcreate's switch), the others frozen;
 * read and send the frozen blocks, thaw, read the snapshots, then
 * commit.
 */
static int
final_round (struct agent_disk *disks, size_t n, struct round_io *io,
             struct dirty_tracker *t, const struct agent_options *o, int round,
             struct agent_result *res)
{
  struct freeze_set fs;
  struct snapshot_set ss;
  struct snap_blocks blocks = { .n = 0 };
  struct round_stats sum = { 0 }, st[64];
  double t0, thawed;
  struct timespec wall;
  bool traced;
  int r = 0;

  if (freeze_find (disks, n, &fs) == -1)
    return -1;
  if (snapshot_plan (disks, n, &fs, &ss) == -1) {
    freeze_clear (&fs);
    return -1;
  }
  /* The image's moment: the first snapshot, or else the freeze. */
  clock_gettime (CLOCK_REALTIME, &wall);
  res->frozen_at = wall.tv_sec + wall.tv_nsec / 1e9;
  snapshot_take (&ss, &fs);
  if (snap_blocks_init (&blocks, &ss, disks, n) == -1) {
    set_error (errno, "out of memory");
    snap_blocks_free (&blocks);
    snapshot_drop (&ss);
    freeze_clear (&fs);
    return -1;
  }
  res->frozen = fs.n - ss.n;
  res->snapshots = ss.n;
  res->snapshot_seconds = ss.seconds;
  for (size_t i = 0; i < fs.n; ++i)
    debug ("%s %s", fs.snapshotted[i] ? "snapshotted" : "freezing",
           fs.paths[i]);
  io_priority (IOPRIO_CLASS_BE);
  t0 = now_seconds ();
  if (freeze_all (&fs, o->max_freeze) == -1) {
    r = -1;
    goto out;
  }
  io->deadline
      = t0 + o->max_freeze - (o->max_freeze > 4 ? 1 : o->max_freeze / 4);
  test_hold ();
  traced = t && dirty_take (t) == 0;
  if (now_seconds () > io->deadline)
    r = -2; /* freezing alone took too long */
  if (r == 0)
    r = frozen_pass (disks, n, io, traced, &blocks, st);
  if (thaw_all (&fs) == -1 && r == 0)
    r = -1;
  thawed = now_seconds ();
  io->deadline = 0;
  io_priority (IOPRIO_CLASS_IDLE);
  res->freeze_seconds = thawed - t0;
  if (r == -2)
    set_error (0,
               "the final round needed more than --max-freeze %.1f s; "
               "the replica keeps the last round (lower --max-dirty, or "
               "raise --max-freeze)",
               o->max_freeze);
  if (r == 0)
    r = snapshot_passes (disks, n, io, traced, &ss, &blocks, st);
  if (r != 0)
    goto out;
  if (t && !traced)
    warning ("block tracing lost events: the frozen round read every used "
             "block");
  warn_synced_only (&fs);
  for (size_t i = 0; r == 0 && i < n; ++i)
    if (agent_round_commit (&disks[i], true, &st[i]) == -1
        || agent_round_finish (&disks[i]) == -1)
      r = -1;
  for (size_t i = 0; r == 0 && i < n; ++i)
    account (&disks[i], traced, &st[i], &sum);
  if (r == 0) {
    report (round, true, &sum, now_seconds () - t0, res);
    res->examined += sum.examined;
    res->changed += sum.changed;
    res->wire += sum.wire;
  }
out:
  snap_blocks_free (&blocks);
  snapshot_drop (&ss);
  freeze_clear (&fs);
  return r == 0 ? 0 : -1;
}

int
agent_run (struct agent_disk *disks, size_t n, const struct agent_options *o,
           struct round_io *io, struct agent_result *res)
{
  struct dirty_tracker *t = NULL;
  uint64_t prev = UINT64_MAX;
  int round, r = 0;
  bool only_sync = o->sync && !o->final;

  memset (res, 0, sizeof *res);
  if (n > 64) {
    set_error (0, "at most 64 disks");
    return -1;
  }
  io_priority (IOPRIO_CLASS_IDLE);
  if (!only_sync && !o->no_trace) {
    t = dirty_start (disks, n);
    if (t == NULL)
      warning ("no block tracing here: every round, the frozen one too, "
               "reads every used block");
  }
  for (round = 0;; ++round) {
    struct round_stats sum;
    if (precopy_round (disks, n, io, t, round, &sum) == -1) {
      r = -1;
      break;
    }
    res->examined += sum.examined;
    res->changed += sum.changed;
    res->wire += sum.wire;
    if (only_sync || sum.changed <= o->max_dirty
        || (round > 0 && sum.changed >= prev) || round + 1 >= o->max_rounds)
      break;
    prev = sum.changed;
  }
  res->rounds = round + 1;
  if (r == 0 && !only_sync) {
    r = final_round (disks, n, io, t, o, round + 1, res);
    res->rounds++;
  }
  dirty_stop (t);
  return r;
}
