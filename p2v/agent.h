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
  const struct snapshot_set *snap; /* read through it, when set */
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

/* Starts a round on d: st zeroed, no block examined yet.  0 or -1. */
extern int agent_round_begin (struct agent_disk *d, struct round_stats *st);
/* Reads the blocks in d->want and sends the changed ones, adding to st;
 * a round may send several disjoint wants.  0; -1 with the error set;
 * -2 when io->deadline passed (close the link: the receiver throws the
 * round away).
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
  dev_t *devs;
  size_t n;
  bool *synced_only; /* cannot be frozen (vfat): synced instead */
  bool *snapshotted; /* an LVM snapshot was taken: not frozen */
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

/* LVM snapshots instead of freezing (agent-snapshot.c). */
struct lv_extent {
  unsigned disk;    /* index in the captured disks */
  uint64_t at, len; /* bytes on that disk */
  uint64_t lv_at;   /* where they begin in the LV */
};

struct snapshot {
  char *vg, *lv, *name; /* the origin VG/LV; the snapshot's name */
  const char *mount;
  size_t fs_index;  /* in the freeze_set */
  uint64_t size;    /* of its copy-on-write store */
  int fd;           /* the snapshot device, read-only */
  bool tried, made; /* lvcreate ran; it succeeded */
  struct lv_extent *ext;
  size_t next;
};

struct snapshot_set {
  struct snapshot *s;
  size_t n;
  struct lv_extent meta[64]; /* the PVs' labels and metadata areas */
  size_t nmeta;
  double seconds; /* taking them */
};

/* Picks the filesystems of fs to snapshot: on an LV laid out linearly
 * on the captured disks, in a VG with room.  None is no error: without
 * lvm, or with no room, the round freezes.  0, or -1 (out of memory).
 */
extern int snapshot_plan (const struct agent_disk *disks, size_t n,
                          struct freeze_set *fs, struct snapshot_set *ss);
/* lvcreate --snapshot for each; marks fs->snapshotted.  One that fails
 * is dropped with a warning (that filesystem is frozen instead).
 */
extern void snapshot_take (struct snapshot_set *ss, struct freeze_set *fs);
/* Opens the snapshots' devices, read-only (after the thaw: the watchdog
 * must not inherit them).  0 or -1.
 */
extern int snapshot_open (struct snapshot_set *ss, bool direct);
/* Async-signal-safe: lvremove of every snapshot not yet removed (the
 * agent's signal handlers).
 */
extern void snapshot_remove_now (void);
/* lvremove, and frees.  0, or -1 with the error set if the snapshot is
 * still there.
 */
extern int snapshot_remove (struct snapshot *s);
extern int snapshot_drop (struct snapshot_set *ss);
/* For disk (index disk): lv gets the blocks read from the snapshots,
 * meta the PVs' metadata areas, read once they are removed.
 */
extern void snapshot_blocks (const struct snapshot_set *ss,
                             const struct agent_disk *d, unsigned disk,
                             struct bitmap *lv, struct bitmap *meta);
/* pread of disk (index disk, fd) with the snapshotted LVs' bytes read
 * from their snapshots.
 */
extern ssize_t snapshot_pread (const struct snapshot_set *ss, unsigned disk,
                               int fd, void *buf, size_t len, uint64_t off);

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
  double freeze_seconds;   /* the final round's window */
  double frozen_at;        /* when it began, seconds since the epoch */
  size_t frozen;           /* filesystems frozen */
  size_t snapshots;        /* filesystems read from LVM snapshots instead */
  double snapshot_seconds; /* taking those snapshots */
  uint64_t examined, changed, wire;
};

/* Pre-copy rounds, then (unless only syncing) the frozen one.  0, or -1
 * with the error set.
 */
extern int agent_run (struct agent_disk *disks, size_t n,
                      const struct agent_options *o, struct round_io *io,
                      struct agent_result *res);

#endif /* P2V_AGENT_H */
