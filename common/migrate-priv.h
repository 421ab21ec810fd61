/* vmshift: struct migration, shared by migrate.c, migrate-check.c and
 * migrate-storage.c only.
 */
#ifndef VMSHIFT_MIGRATE_PRIV_H
#define VMSHIFT_MIGRATE_PRIV_H

#include <pthread.h>
#include <stdbool.h>

#include <libvirt/libvirt.h>

#include "migrate.h"
#include "domain-disks.h"
#include "vector.h"

struct migration {
  struct migrate_options o;
  char *src_uri, *dst_uri;
  char *data_uri;       /* VIR_MIGRATE_PARAM_URI, or NULL */
  virConnectPtr src, dst;
  virDomainPtr dom;     /* on src */
  bool zstd;            /* multifd zstd at hand */
  bool same_machine;    /* both hosts are this machine (migration_check) */
  char comp_why[128];   /* why not, when not */

  /* For --copy-storage: transient pools made on the destination so
   * libvirt can create the disks there (names, to destroy after).
   */
  string_vector pools;

  /* The job. */
  virTypedParameterPtr params;
  int nparams;
  unsigned flags;
  pthread_t thread;
  pthread_mutex_t lock; /* guards the three below */
  bool thread_done;
  int thread_rc;
  char *thread_error;
  bool abort_sent, downtime_set, postcopy_started;
  bool postcopy_switched; /* the switch to post-copy was made */
  unsigned postcopy_tries;  /* refused switches */
};

/* migrate-storage.c: before a --copy-storage migration, makes sure the
 * destination can create each copied disk: libvirt creates them only in
 * a directory that is a storage pool there, so a transient "dir" pool is
 * started for each directory that is not.  0, or -1 with the error set.
 * migration_release_storage destroys those pools (the files stay).
 */
extern int migration_prepare_storage (struct migration *m);
extern void migration_release_storage (struct migration *m);

#endif /* VMSHIFT_MIGRATE_PRIV_H */
