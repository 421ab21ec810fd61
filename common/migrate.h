/* vmshift: hand a running guest to libvirt's live migration.
 *
 * A struct migration is one domain moving from one libvirt host to
 * another, peer-to-peer and live (virDomainMigrateToURI3 on the source,
 * run in a thread), with libvirt's job statistics polled while it runs.
 * migrate.c runs it; migrate-check.c checks before anything starts.
 * Never prints: progress goes to a callback.
 */
#ifndef VMSHIFT_MIGRATE_H
#define VMSHIFT_MIGRATE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "vector.h"

enum copy_storage {
  COPY_STORAGE_NONE, /* disks on shared storage */
  COPY_STORAGE_ALL,  /* shared nothing: whole disks copied */
  COPY_STORAGE_INC,  /* only the top image; backing files already there */
};

struct migrate_options {
  unsigned parallel;     /* parallel connections (multifd), 0: one */
  bool compress;         /* zstd multifd where supported, else xbzrle */
  bool auto_converge;    /* throttle vCPUs that dirty memory too fast */
  bool postcopy;         /* switch to post-copy after the first pass */
  enum copy_storage copy_storage;
  unsigned long bandwidth;  /* MiB/s, 0: unlimited */
  unsigned long long max_downtime; /* ms, 0: libvirt's default */
  bool persistent;       /* define the guest on the destination */
  bool undefine_source;  /* undefine it on the source afterwards */
  const char *migrate_uri; /* data connection, NULL: tcp://DEST-HOST */
};

/* QEMU's own memory beside a guest's RAM, as a margin when checking a
 * destination's free memory.
 */
#define MIGRATE_QEMU_OVERHEAD (64ULL << 20)

/* One reading of libvirt's job statistics (virDomainGetJobStats). */
struct migrate_stats {
  bool active;              /* a job is running (false: none or done) */
  uint64_t elapsed_ms;
  uint64_t data_total, data_processed, data_remaining;
  uint64_t mem_total, mem_processed, mem_remaining;
  uint64_t disk_total, disk_processed, disk_remaining;
  uint64_t mem_bps;         /* bytes per second */
  uint64_t dirty_rate;      /* pages per second */
  uint64_t page_size;
  uint64_t iteration;       /* memory passes, 1 = the first */
  uint64_t downtime_ms;     /* expected while running, actual when done */
  bool has_downtime;
  bool postcopy;            /* in post-copy (past the switch); in the
                               final figures: it switched */
};

/* Fills *s from libvirt's typed parameters (virTypedParameterPtr as
 * void *: this header does not pull in libvirt) of a job of type
 * job_type (virDomainJobType).  Pure, for tests.
 */
extern void migrate_stats_from_params (struct migrate_stats *s, int job_type,
                                       void *params, int nparams);

struct migration;

/* Progress callback: called about twice a second while the job runs. */
typedef void (*migrate_progress_fn) (void *opaque,
                                     const struct migrate_stats *s);

/* Connects to both hosts and finds the running domain.  Returns NULL
 * with the error set ("cannot reach destination ..." and the like).
 * Free with migration_free.
 */
extern struct migration *migration_open (const char *src_uri,
                                         const char *domain,
                                         const char *dst_uri,
                                         const struct migrate_options *o);
extern void migration_free (struct migration *m);

/* The compression chosen for o->compress ("zstd (multifd)" or
 * "xbzrle"), with why ("" or a reason).
 */
extern const char *migration_compression (const struct migration *m,
                                          const char **why);

/* Pre-flight checks (migrate-check.c), before anything starts: the
 * destination's host differs and has no such guest, its QEMU has the
 * machine type and CPU model, no host devices, disks on shared storage
 * or --copy-storage (both hosts on this machine count as shared: the
 * migration is then told so), enough free memory.  Things worth saying but not
 * fatal are appended to *warnings (caller frees).  0, or -1 with the
 * error set to what is wrong and what to do.
 */
extern int migration_check (struct migration *m, string_vector *warnings);

/* Memory the destination can give (free + page cache), in bytes, or
 * -1 with the error set.  For placing guests (evacuate).
 */
extern int64_t migration_host_available (const char *uri);

/* Runs the migration to completion, polling statistics into progress
 * (may be NULL).  When *cancel becomes non-zero the job is aborted and
 * the guest stays on the source.  Returns 0 with *final set to the
 * completed job's statistics (as the destination reports them), or -1
 * with the error set; *aborted tells whether it was cancelled.
 */
extern int migration_run (struct migration *m, migrate_progress_fn progress,
                          void *opaque, volatile sig_atomic_t *cancel,
                          struct migrate_stats *final, bool *aborted);

/* Whether the domain is running on the source host now (after a
 * failure or abort: the guest must still be there).
 */
extern bool migration_source_running (struct migration *m);

#endif /* VMSHIFT_MIGRATE_H */
