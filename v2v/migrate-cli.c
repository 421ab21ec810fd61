/* v2v: migration options, Ctrl-C and progress (migrate-cli.h). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "cli.h"
#include "json.h"
#include "migrate-cli.h"

volatile sig_atomic_t migrate_cancel;

static void
on_signal (int sig)
{
  (void) sig;
  migrate_cancel = 1;
}

void
migrate_catch_signals (void)
{
  struct sigaction sa;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

unsigned long long
parse_count (const char *name, const char *arg)
{
  char *end;
  unsigned long long v;

  errno = 0;
  v = strtoull (arg, &end, 10);
  if (errno || end == arg || *end || arg[0] == '-' || v == 0
      || v > 1000000000ULL)
    die ("--%s '%s': expected a positive number", name, arg);
  return v;
}

bool
migrate_option (int c, const char *arg, struct migrate_options *o)
{
  switch (c) {
    case OPT_MIG_PARALLEL:
      o->parallel = parse_count ("parallel", arg);
      if (o->parallel > 255)
        die ("--parallel %u: at most 255 connections", o->parallel);
      return true;
    case OPT_MIG_COMPRESS: o->compress = true; return true;
    case OPT_MIG_AUTO_CONVERGE: o->auto_converge = true; return true;
    case OPT_MIG_POSTCOPY: o->postcopy = true; return true;
    case OPT_MIG_COPY_STORAGE:
      if (strcmp (arg, "all") == 0)
        o->copy_storage = COPY_STORAGE_ALL;
      else if (strcmp (arg, "inc") == 0)
        o->copy_storage = COPY_STORAGE_INC;
      else
        die ("--copy-storage '%s': expected 'all' or 'inc'", arg);
      return true;
    case OPT_MIG_BANDWIDTH:
      o->bandwidth = parse_count ("bandwidth", arg);
      return true;
    case OPT_MIG_MAX_DOWNTIME:
      o->max_downtime = parse_count ("max-downtime", arg);
      return true;
    case OPT_MIG_PERSISTENT: o->persistent = true; return true;
    case OPT_MIG_UNDEFINE_SOURCE: o->undefine_source = true; return true;
    case OPT_MIG_MIGRATE_URI: o->migrate_uri = arg; return true;
    default: return false;
  }
}

void
migrate_view_start (struct migrate_view *v, const char *domain, bool tty)
{
  v->domain = domain;
  v->tty = tty && !quiet && !machine_readable;
  v->drawn = false;
  v->start = now_seconds ();
}

static double
mib (uint64_t b)
{
  return b / 1048576.0;
}

void
migrate_show (void *opaque, const struct migrate_stats *s)
{
  struct migrate_view *v = opaque;
  char fields[768];
  CLEANUP_FREE char *name = json_quote (v->domain);

  if (v->tty) {
    const int width = 16;
    /* Done is what no longer needs sending: pages that are zero or
     * already there count, though they never travel.
     */
    double frac = s->data_total && s->data_remaining <= s->data_total
                      ? 1.0 - (double) s->data_remaining / s->data_total
                      : 0;
    int filled = (int) (frac * width);
    char bar[32], left[32];

    memset (bar, '#', filled);
    memset (bar + filled, '.', width - filled);
    bar[width] = '\0';
    if (s->disk_total)
      snprintf (left, sizeof left, "%.0fM+%.0fM", mib (s->mem_remaining),
                mib (s->disk_remaining));
    else
      snprintf (left, sizeof left, "%.0fM", mib (s->mem_remaining));
    /* Under 80 columns, or \r would not find the line's start again. */
    fprintf (stderr,
             "\r%-8.8s [%s] %3d%% %s left, %" PRIu64 " p/s, pass %" PRIu64
             ", ~%" PRIu64 "ms%s %.0fs\033[K",
             v->domain, bar, (int) (frac * 100), left, s->dirty_rate,
             s->iteration, s->downtime_ms, s->postcopy ? " postcopy" : "",
             now_seconds () - v->start);
    v->drawn = true;
  }
  if (name == NULL)
    return;
  snprintf (fields, sizeof fields,
            "\"domain\": %s, \"elapsed_ms\": %" PRIu64
            ", \"data_total\": %" PRIu64 ", \"data_processed\": %" PRIu64
            ", \"data_remaining\": %" PRIu64
            ", \"memory_remaining\": %" PRIu64
            ", \"disk_remaining\": %" PRIu64 ", \"dirty_rate\": %" PRIu64
            ", \"iteration\": %" PRIu64
            ", \"expected_downtime_ms\": %" PRIu64 ", \"postcopy\": %s",
            name, s->elapsed_ms, s->data_total, s->data_processed,
            s->data_remaining, s->mem_remaining, s->disk_remaining,
            s->dirty_rate, s->iteration, s->downtime_ms,
            s->postcopy ? "true" : "false");
  event ("migration", fields);
}

void
migrate_view_end (struct migrate_view *v)
{
  if (v->drawn)
    fputc ('\n', stderr);
  v->drawn = false;
}

void
migrate_report (const char *domain, const char *dst,
                const struct migrate_stats *s)
{
  char fields[768], downtime[32] = "unknown", dt_json[32] = "null";
  CLEANUP_FREE char *name = json_quote (domain);
  CLEANUP_FREE char *to = json_quote (dst);

  if (s->has_downtime) {
    snprintf (downtime, sizeof downtime, "%" PRIu64 " ms", s->downtime_ms);
    snprintf (dt_json, sizeof dt_json, "%" PRIu64, s->downtime_ms);
  }
  info ("migrated '%s' to '%s' in %.1f s: downtime %s, %.1f MiB moved "
        "(memory %.1f MiB, disks %.1f MiB), %" PRIu64 " passes%s",
        domain, dst, s->elapsed_ms / 1000.0, downtime, mib (s->data_processed),
        mib (s->mem_processed), mib (s->disk_processed), s->iteration,
        s->postcopy ? ", then post-copy" : "");
  if (name == NULL || to == NULL)
    return;
  snprintf (fields, sizeof fields,
            "\"domain\": %s, \"to\": %s, \"total_ms\": %" PRIu64
            ", \"downtime_ms\": %s, \"data_bytes\": %" PRIu64
            ", \"memory_bytes\": %" PRIu64 ", \"disk_bytes\": %" PRIu64
            ", \"iterations\": %" PRIu64 ", \"postcopy\": %s",
            name, to, s->elapsed_ms, dt_json, s->data_processed, s->mem_processed,
            s->disk_processed, s->iteration, s->postcopy ? "true" : "false");
  event ("migrated", fields);
}

void
migrate_warnings (string_vector *w)
{
  for (size_t i = 0; i < w->len; ++i)
    warning (w->ptr[i]);
  free_string_vector (w);
}
