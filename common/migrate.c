/* vmshift: one live migration through libvirt, with its statistics
 * polled (migrate.h).
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/uri.h>

#include "errors.h"
#include "libvirt-util.h"
#include "migrate-priv.h"
#include "migrate.h"

/* libvirt with multifd zstd (VIR_MIGRATE_PARAM_COMPRESSION "zstd"),
 * and QEMU with multifd compression.
 */
#define LIBVIRT_ZSTD_VERSION 9004000
#define QEMU_ZSTD_VERSION 5000000

static uint64_t
param_u64 (virTypedParameterPtr params, int n, const char *name, bool *found)
{
  unsigned long long v;

  if (virTypedParamsGetULLong (params, n, name, &v) == 1) {
    if (found)
      *found = true;
    return v;
  }
  return 0;
}

void
migrate_stats_from_params (struct migrate_stats *s, int job_type,
                           void *params_v, int n)
{
  virTypedParameterPtr p = params_v;

  memset (s, 0, sizeof *s);
  s->active = job_type == VIR_DOMAIN_JOB_BOUNDED
              || job_type == VIR_DOMAIN_JOB_UNBOUNDED;
  s->elapsed_ms = param_u64 (p, n, VIR_DOMAIN_JOB_TIME_ELAPSED, NULL);
  s->data_total = param_u64 (p, n, VIR_DOMAIN_JOB_DATA_TOTAL, NULL);
  s->data_processed = param_u64 (p, n, VIR_DOMAIN_JOB_DATA_PROCESSED, NULL);
  s->data_remaining = param_u64 (p, n, VIR_DOMAIN_JOB_DATA_REMAINING, NULL);
  s->mem_total = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_TOTAL, NULL);
  s->mem_processed = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_PROCESSED, NULL);
  s->mem_remaining = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_REMAINING, NULL);
  s->disk_total = param_u64 (p, n, VIR_DOMAIN_JOB_DISK_TOTAL, NULL);
  s->disk_processed = param_u64 (p, n, VIR_DOMAIN_JOB_DISK_PROCESSED, NULL);
  s->disk_remaining = param_u64 (p, n, VIR_DOMAIN_JOB_DISK_REMAINING, NULL);
  s->mem_bps = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_BPS, NULL);
  s->dirty_rate = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, NULL);
  s->page_size = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, NULL);
  s->iteration = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION, NULL);
  s->downtime_ms
      = param_u64 (p, n, VIR_DOMAIN_JOB_DOWNTIME, &s->has_downtime);
  /* Page requests from the destination happen only in post-copy. */
  s->postcopy
      = param_u64 (p, n, VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS, NULL) > 0;
}

/* "tcp://HOST" for the host named in a libvirt URI, so the data goes
 * where the user pointed (libvirt's default is the destination's own
 * idea of its hostname, which may not resolve).  NULL when the URI names
 * no host (or it cannot be parsed: libvirt then decides).
 */
static char *
data_uri_for (const char *uri)
{
  xmlURIPtr u = xmlParseURI (uri);
  char *r = NULL;
  int n = -1;

  if (u == NULL)
    return NULL;
  if (u->server && u->server[0]) {
    if (strchr (u->server, ':'))
      n = asprintf (&r, "tcp://[%s]", u->server);
    else
      n = asprintf (&r, "tcp://%s", u->server);
  }
  xmlFreeURI (u);
  return n == -1 ? NULL : r;
}

static void
choose_compression (struct migration *m)
{
  unsigned long lib = 0, hv = 0;

  virConnectGetLibVersion (m->src, &lib);
  virConnectGetVersion (m->src, &hv);
  m->zstd = lib >= LIBVIRT_ZSTD_VERSION && hv >= QEMU_ZSTD_VERSION;
  m->comp_why[0] = '\0';
  if (!m->zstd)
    snprintf (m->comp_why, sizeof m->comp_why,
              lib < LIBVIRT_ZSTD_VERSION
                  ? "the source's libvirt %lu.%lu.%lu has no multifd zstd "
                    "(9.4.0 or later)"
                  : "the source's QEMU %lu.%lu.%lu has no multifd "
                    "compression",
              (lib < LIBVIRT_ZSTD_VERSION ? lib : hv) / 1000000,
            (lib < LIBVIRT_ZSTD_VERSION ? lib : hv) / 1000 % 1000,
            (lib < LIBVIRT_ZSTD_VERSION ? lib : hv) % 1000);
}

struct migration *
migration_open (const char *src_uri, const char *domain, const char *dst_uri,
                const struct migrate_options *o)
{
  struct migration *m = calloc (1, sizeof *m);

  if (m == NULL) {
    set_error (errno, "calloc");
    return NULL;
  }
  m->o = *o;
  m->src_uri = strdup (src_uri);
  m->dst_uri = strdup (dst_uri);
  if (m->src_uri == NULL || m->dst_uri == NULL) {
    set_error (errno, "strdup");
    goto err;
  }
  if (o->migrate_uri) {
    m->data_uri = strdup (o->migrate_uri);
    if (m->data_uri == NULL) {
      set_error (errno, "strdup");
      goto err;
    }
  }
  else
    m->data_uri = data_uri_for (dst_uri);
  m->src = libvirt_connect (src_uri, "the source");
  if (m->src == NULL)
    goto err;
  m->dst = libvirt_connect (dst_uri, "the destination");
  if (m->dst == NULL)
    goto err;
  m->dom = virDomainLookupByName (m->src, domain);
  if (m->dom == NULL) {
    set_libvirt_error ("domain '%s' on '%s'", domain, src_uri);
    goto err;
  }
  if (virDomainIsActive (m->dom) != 1) {
    set_error (0,
               "domain '%s' is not running on '%s': live migration "
               "moves running guests",
               domain, src_uri);
    goto err;
  }
  choose_compression (m);
  return m;

err:
  migration_free (m);
  return NULL;
}

void
migration_free (struct migration *m)
{
  if (m == NULL)
    return;
  if (m->dom)
    virDomainFree (m->dom);
  if (m->dst)
    virConnectClose (m->dst);
  if (m->src)
    virConnectClose (m->src);
  free (m->src_uri);
  free (m->dst_uri);
  free (m->data_uri);
  free (m->thread_error);
  free (m);
}

const char *
migration_compression (const struct migration *m, const char **why)
{
  if (why)
    *why = m->comp_why;
  return m->zstd ? "zstd (multifd)" : "xbzrle";
}

/* The flags and typed parameters for virDomainMigrateToURI3.  0, or -1
 * with the error set; *params is the caller's (virTypedParamsFree).
 */
static int
build_params (struct migration *m, virTypedParameterPtr *params, int *n,
              unsigned *flags)
{
  int max = 0;
  unsigned parallel = m->o.parallel;

  *params = NULL;
  *n = 0;
  *flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER
           | VIR_MIGRATE_ABORT_ON_ERROR;
  if (m->o.copy_storage == COPY_STORAGE_ALL)
    *flags |= VIR_MIGRATE_NON_SHARED_DISK;
  else if (m->o.copy_storage == COPY_STORAGE_INC)
    *flags |= VIR_MIGRATE_NON_SHARED_INC;
  if (m->o.auto_converge)
    *flags |= VIR_MIGRATE_AUTO_CONVERGE;
  /* Every disk path is the same file on both (migrate-check.c). */
  if (m->same_machine && m->o.copy_storage == COPY_STORAGE_NONE)
    *flags |= VIR_MIGRATE_UNSAFE;
  if (m->o.postcopy)
    *flags |= VIR_MIGRATE_POSTCOPY;
  if (m->o.persistent)
    *flags |= VIR_MIGRATE_PERSIST_DEST;
  if (m->o.undefine_source)
    *flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
  if (m->o.compress) {
    *flags |= VIR_MIGRATE_COMPRESSED;
    if (m->zstd && parallel == 0)
      parallel = 2; /* multifd compression needs multifd */
    if (virTypedParamsAddString (params, n, &max,
                                 VIR_MIGRATE_PARAM_COMPRESSION,
                                 m->zstd ? "zstd" : "xbzrle")
        == -1)
      goto err;
  }
  if (parallel > 0) {
    *flags |= VIR_MIGRATE_PARALLEL;
    if (virTypedParamsAddInt (params, n, &max,
                              VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
                              (int) parallel)
        == -1)
      goto err;
  }
  if (m->o.bandwidth
      && virTypedParamsAddULLong (params, n, &max,
                                  VIR_MIGRATE_PARAM_BANDWIDTH,
                                  m->o.bandwidth)
             == -1)
    goto err;
  if (m->data_uri
      && virTypedParamsAddString (params, n, &max, VIR_MIGRATE_PARAM_URI,
                                  m->data_uri)
             == -1)
    goto err;
  return 0;

err:
  set_libvirt_error ("migration parameters");
  virTypedParamsFree (*params, *n);
  *params = NULL;
  return -1;
}

static void *
migrate_thread (void *arg)
{
  struct migration *m = arg;
  int r;

  r = virDomainMigrateToURI3 (m->dom, m->dst_uri, m->params, m->nparams,
                              m->flags);
  pthread_mutex_lock (&m->lock);
  if (r == -1) {
    const char *msg = virGetLastErrorMessage ();
    m->thread_error = strdup (msg ? msg : "migration failed");
  }
  m->thread_rc = r;
  m->thread_done = true;
  pthread_mutex_unlock (&m->lock);
  return NULL;
}

static bool
thread_done (struct migration *m)
{
  bool d;

  pthread_mutex_lock (&m->lock);
  d = m->thread_done;
  pthread_mutex_unlock (&m->lock);
  return d;
}

/* Reads the source's job statistics; false when there are none. */
static bool
poll_stats (struct migration *m, struct migrate_stats *s)
{
  virTypedParameterPtr params = NULL;
  int n = 0, type = 0;

  int state, reason;

  if (virDomainGetJobStats (m->dom, &type, &params, &n, 0) == -1)
    return false;
  migrate_stats_from_params (s, type, params, n);
  virTypedParamsFree (params, n);
  /* Past the switch the source's guest is paused for post-copy. */
  if (m->postcopy_switched
      || (m->postcopy_started
          && virDomainGetState (m->dom, &state, &reason, 0) == 0
          && state == VIR_DOMAIN_PAUSED
          && reason == VIR_DOMAIN_PAUSED_POSTCOPY))
    s->postcopy = true;
  return s->active;
}

/* The completed job as the destination saw it (libvirt hands the
 * statistics over with the guest).
 */
static bool
completed_stats (struct migration *m, struct migrate_stats *s)
{
  virDomainPtr d = virDomainLookupByName (m->dst, virDomainGetName (m->dom));
  virTypedParameterPtr params = NULL;
  int n = 0, type = 0, r;

  if (d == NULL)
    return false;
  r = virDomainGetJobStats (d, &type, &params, &n,
                            VIR_DOMAIN_JOB_STATS_COMPLETED);
  virDomainFree (d);
  if (r == -1 || type != VIR_DOMAIN_JOB_COMPLETED)
    return false;
  migrate_stats_from_params (s, type, params, n);
  virTypedParamsFree (params, n);
  return true;
}

/* What the poll loop does while the job runs: settings libvirt takes
 * only on a running job, the switch to post-copy, an abort.
 */
static void
steer (struct migration *m, const struct migrate_stats *s,
       volatile sig_atomic_t *cancel)
{
  if (cancel && *cancel && !m->abort_sent) {
    m->abort_sent = true;
    /* Fails after the switch to post-copy: the job then completes. */
    virDomainAbortJob (m->dom);
  }
  if (!s->active || m->abort_sent)
    return;
  if (m->o.max_downtime && !m->downtime_set) {
    m->downtime_set = true;
    virDomainMigrateSetMaxDowntime (m->dom, m->o.max_downtime, 0);
  }
  /* Like virsh's --postcopy-after-precopy: one full pass first.  A
   * refused switch is asked again at the next readings (the job may be
   * between phases).
   */
  if (m->o.postcopy && !m->postcopy_started && s->iteration >= 2) {
    m->postcopy_switched = virDomainMigrateStartPostCopy (m->dom, 0) == 0;
    m->postcopy_started = m->postcopy_switched || ++m->postcopy_tries >= 5;
  }
}

/* Runs the job's thread and polls it until it ends; last gets the last
 * statistics read.  0 or -1 as the job ended (error set).
 */
static int
poll_job (struct migration *m, migrate_progress_fn progress, void *opaque,
          volatile sig_atomic_t *cancel, struct migrate_stats *last)
{
  struct migrate_stats s;

  if ((errno = pthread_create (&m->thread, NULL, migrate_thread, m)) != 0) {
    set_error (errno, "pthread_create");
    return -1;
  }
  for (int tick = 0; !thread_done (m); ++tick) {
    /* Readings twice a second; every 100 ms while a switch to post-copy
     * waits, as the passes after the first can end within half a second.
     */
    bool report = tick % 5 == 4;
    bool waiting = m->o.postcopy && !m->postcopy_started;

    usleep (100000);
    if (cancel && *cancel && !m->abort_sent)
      steer (m, last, cancel);
    if ((!report && !waiting) || thread_done (m))
      continue;
    if (poll_stats (m, &s)) {
      *last = s;
      steer (m, &s, cancel);
      if (progress && report)
        progress (opaque, &s);
    }
  }
  pthread_join (m->thread, NULL);
  if (m->thread_rc == -1) {
    set_error (0, "%s", m->thread_error ? m->thread_error : "failed");
    return -1;
  }
  return 0;
}

/* The final figures: the destination's, with what only the source
 * counted (disks) from its last reading.
 */
static void
final_stats (struct migration *m, const struct migrate_stats *last,
             double seconds, struct migrate_stats *final)
{
  if (!completed_stats (m, final)) {
    *final = *last;
    final->active = false;
  }
  /* The destination counts memory only; the disks were mirrored (and
   * counted) on the source, and all of them had arrived for the
   * migration to succeed.
   */
  if (final->disk_total == 0 && last->disk_total > 0) {
    final->disk_total = final->disk_processed = last->disk_total;
    final->data_total += last->disk_total;
    final->data_processed += last->disk_total;
  }
  final->postcopy = m->postcopy_switched;
  /* Wall time as vmshift saw it: libvirt's elapsed omits the setup. */
  final->elapsed_ms = (uint64_t) (seconds * 1000);
}

static double
monotonic (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int
migration_run (struct migration *m, migrate_progress_fn progress,
               void *opaque, volatile sig_atomic_t *cancel,
               struct migrate_stats *final, bool *aborted)
{
  struct migrate_stats last = { 0 };
  double t0 = monotonic ();
  int r = -1;

  *aborted = false;
  memset (final, 0, sizeof *final);
  if (build_params (m, &m->params, &m->nparams, &m->flags) == -1)
    return -1;
  if (m->o.copy_storage == COPY_STORAGE_NONE
      || migration_prepare_storage (m) == 0) {
    pthread_mutex_init (&m->lock, NULL);
    r = poll_job (m, progress, opaque, cancel, &last);
    pthread_mutex_destroy (&m->lock);
    migration_release_storage (m);
  }
  virTypedParamsFree (m->params, m->nparams);
  m->params = NULL;
  if (r == -1)
    *aborted = m->abort_sent;
  else
    final_stats (m, &last, monotonic () - t0, final);
  return r;
}

bool
migration_source_running (struct migration *m)
{
  return virDomainIsActive (m->dom) == 1;
}
