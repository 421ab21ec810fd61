/* p2v agent: hot, incremental capture of a running Linux host.
 *
 * Rounds, like live migration's pre-copy: round 0 sends every used
 * block; each later round reads again, hashes fixed-size blocks and
 * sends only those whose hash is not the receiver's (block-manifest.h).
 * The block layer's completed writes (a tracefs event, no kernel module)
 * say which blocks can have changed, so later rounds and the frozen one
 * read only those; without it, every round reads every used block.
 */
#ifndef P2V_AGENT_H
#define P2V_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <zstd.h>

#include "bitmap.h"
#include "ssh.h"

/* A connection to "p2v receive --rounds" for one disk (agent-link.c). */
struct link {
  pid_t pid;
  int to, from;
  uint64_t rounds; /* committed on the receiver */
  uint32_t block_size;
  uint64_t digest; /* of the receiver's manifest */
};

struct link_target {
  const struct ssh_target *ssh;
  const char *receive_dir; /* or NULL */
  const char *session;
};

/* Starts the receiver of disk index (size bytes, block_size for a new
 * replica) and reads its HELLO and STATE.  0, or -1 with the error set.
 */
extern int link_open (struct link *l, const struct link_target *t,
                      unsigned index, uint64_t size, uint32_t block_size);
/* Copies the receiver's manifest of disk index to path. */
extern int link_fetch_manifest (const struct link_target *t, unsigned index,
                                const char *path);
/* Waits for DONE then STATE after a COMMIT; updates l. */
extern int link_wait_done (struct link *l, const char *label);
extern void link_close (struct link *l);

/* One disk being captured. */
struct agent_disk {
  unsigned index;
  const char *label; /* "sda" */
  const char *path;
  uint64_t size;
  dev_t dev;
  uint32_t bs; /* block size */
  uint64_t nblocks;
  int fd; /* read-only, O_DIRECT when the device allows */
  bool direct;
  char *manifest; /* the local copy, in the state directory */
  char *patches;  /* the round's new entries, applied on DONE */
  int mfd, pfd;
  uint64_t rounds, digest; /* the local manifest's header */
  uint64_t next_digest;    /* after the round being sent */
  struct link link;
  struct bitmap used, want, carry, examined;
};

/* What a round did on one disk. */
struct round_stats {
  uint64_t examined; /* bytes read */
  uint64_t changed;  /* bytes of changed blocks, sent */
  uint64_t wire;     /* bytes written to ssh */
  uint64_t frames;
  double seconds;
};

struct round_io {
  uint8_t *raw; /* P2V_CHUNK_MAX, aligned for O_DIRECT */
  uint8_t *comp;
  size_t comp_size;
  ZSTD_CCtx *zc;
  uint64_t bwlimit; /* bytes per second, 0: none */
  double deadline;  /* now_seconds () past which the round gives up, or 0 */
};

/* Reads the blocks in d->want and sends the changed ones.  0; -1 with
 * the error set; -2 when io->deadline passed (close the link: the
 * receiver throws the round away).
 */
extern int agent_round_send (struct agent_disk *d, struct round_io *io,
                             struct round_stats *st);
/* Ends the round: the receiver applies it (final: the frozen round,
 * whose image is consistent).  0 or -1.
 */
extern int agent_round_commit (struct agent_disk *d, bool final,
                               struct round_stats *st);
/* Waits for the receiver's DONE and applies the round to the local
 * manifest, which must then match the receiver's.  0 or -1.
 */
extern int agent_round_finish (struct agent_disk *d);

/* The local manifest: kept if it matches the receiver's, else fetched
 * (or made new when the receiver has no round).  0 or -1.
 */
extern int agent_manifest_open (struct agent_disk *d,
                                const struct link_target *t);

/* d->used from the disk's partition table and filesystems; notes_ok:
 * -v may print what each partition holds (not while frozen).
 */
extern int agent_used (struct agent_disk *d, bool notes_ok);

/* Written blocks, from the block layer's completions (agent-dirty.c). */
struct dirty_tracker;
/* NULL with the error set when tracing is not available. */
extern struct dirty_tracker *dirty_start (struct agent_disk *disks, size_t n);
/* Waits until every write completed so far is counted, then ORs each
 * disk's written blocks since the last take into its carry bitmap.  0, or
 * -1 if events were lost (read everything).
 */
extern int dirty_take (struct dirty_tracker *t);
extern void dirty_stop (struct dirty_tracker *t);

/* The mounted filesystems on the captured disks (agent-freeze.c). */
struct freeze_set {
  char **paths;
  int *fds;
  size_t n;
  bool *synced_only; /* cannot be frozen (vfat): synced instead */
  bool frozen;
  pid_t watchdog;
  int wd_fd;
};

extern int freeze_find (const struct agent_disk *disks, size_t n,
                        struct freeze_set *fs);
/* Starts the watchdog (it thaws after max_seconds, or at once if this
 * process dies) and freezes in mount order; a filesystem that cannot be
 * frozen (vfat) is synced and marked in synced_only.  0, or -1 with the
 * error set and nothing frozen.
 */
extern int freeze_all (struct freeze_set *fs, double max_seconds);
/* Thaws (reverse order) and dismisses the watchdog.  0, or -1 if the
 * watchdog had thawed first (the freeze limit passed).
 */
extern int thaw_all (struct freeze_set *fs);
extern void freeze_clear (struct freeze_set *fs);

/* syncfs on each of those filesystems: what the page cache holds
 * reaches the disks before a round reads them (and not inside the
 * freeze).  0 or -1.
 */
extern int freeze_sync (const struct agent_disk *disks, size_t n);

/* The whole job (agent-run.c). */
struct agent_options {
  uint64_t max_dirty; /* bytes */
  int max_rounds;
  double max_freeze; /* seconds */
  bool sync;         /* keep a replica: one round, no cutover... */
  bool final;        /* ...unless final: the cutover */
  bool no_trace;     /* read every used block in every round */
};

struct agent_result {
  int rounds;
  double freeze_seconds; /* the final round's window */
  double frozen_at;      /* when it began, seconds since the epoch */
  size_t frozen;         /* filesystems frozen */
  uint64_t examined, changed, wire;
};

/* Pre-copy rounds, then (unless only syncing) the frozen one.  0, or -1
 * with the error set.
 */
extern int agent_run (struct agent_disk *disks, size_t n,
                      const struct agent_options *o, struct round_io *io,
                      struct agent_result *res);

#endif /* P2V_AGENT_H */
