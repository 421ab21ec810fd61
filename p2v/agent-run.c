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
      snprintf (fields, sizeof fields, "\"seconds\": %.3f, \"started\": %.3f",
                res->freeze_seconds, res->frozen_at);
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
    if (agent_round_send (&disks[i], io, &st) == -1
        || agent_round_commit (&disks[i], false, &st) == -1
        || agent_round_finish (&disks[i]) == -1)
      return -1;
    account (&disks[i], traced || round == 0, &st, sum);
  }
  report (round, false, sum, now_seconds () - t0, NULL);
  return 0;
}

/* The frozen round: read and send frozen, thaw, then commit. */
static int
final_round (struct agent_disk *disks, size_t n, struct round_io *io,
             struct dirty_tracker *t, const struct agent_options *o, int round,
             struct agent_result *res)
{
  struct freeze_set fs;
  struct round_stats sum = { 0 }, st[64];
  double t0, thawed;
  struct timespec wall;
  bool traced;
  int r = 0;

  if (freeze_find (disks, n, &fs) == -1)
    return -1;
  res->frozen = fs.n;
  for (size_t i = 0; i < fs.n; ++i)
    debug ("freezing %s", fs.paths[i]);
  io_priority (IOPRIO_CLASS_BE);
  clock_gettime (CLOCK_REALTIME, &wall);
  res->frozen_at = wall.tv_sec + wall.tv_nsec / 1e9;
  t0 = now_seconds ();
  if (freeze_all (&fs, o->max_freeze) == -1) {
    freeze_clear (&fs);
    return -1;
  }
  io->deadline
      = t0 + o->max_freeze - (o->max_freeze > 4 ? 1 : o->max_freeze / 4);
  test_hold ();
  traced = t && dirty_take (t) == 0;
  if (now_seconds () > io->deadline)
    r = -2; /* freezing alone took too long */
  for (size_t i = 0; r == 0 && i < n; ++i) {
    if (agent_used (&disks[i], false) == -1) {
      r = -1;
      break;
    }
    choose (&disks[i], false, traced);
    r = agent_round_send (&disks[i], io, &st[i]);
  }
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
  if (r != 0) {
    freeze_clear (&fs);
    return -1;
  }
  if (t && !traced)
    warning ("block tracing lost events: the frozen round read every used "
             "block");
  for (size_t i = 0; i < fs.n; ++i)
    if (fs.synced_only[i]) {
      CLEANUP_FREE char *msg = NULL;
      if (asprintf (&msg,
                    "'%s' cannot be frozen (vfat): synced and "
                    "captured as it was",
                    fs.paths[i])
          != -1)
        warning (msg);
    }
  freeze_clear (&fs);
  for (size_t i = 0; i < n; ++i)
    if (agent_round_commit (&disks[i], true, &st[i]) == -1
        || agent_round_finish (&disks[i]) == -1)
      return -1;
  for (size_t i = 0; i < n; ++i)
    account (&disks[i], traced, &st[i], &sum);
  report (round, true, &sum, now_seconds () - t0, res);
  res->examined += sum.examined;
  res->changed += sum.changed;
  res->wire += sum.wire;
  return 0;
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
