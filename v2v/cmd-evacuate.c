/* v2v evacuate: move every running guest off a host (for maintenance),
 * at most --concurrency at once, spread over the destinations by free
 * memory.  One guest failing does not stop the others.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>

#include "cleanups.h"
#include "errors.h"
#include "json.h"
#include "libvirt-util.h"
#include "migrate-cli.h"
#include "migrate-plan.h"
#include "migrate.h"
#include "v2v.h"

struct result {
  const char *dest;    /* NULL: placed nowhere */
  bool started, ok;
  struct migrate_stats stats;
  char *error;
};

struct evacuation {
  const char *from;
  string_vector dests;         /* URIs */
  struct migrate_options o;
  struct plan_guest *guests;   /* in start order */
  struct result *results;      /* parallel to guests */
  size_t n, next;
  pthread_mutex_t lock;        /* guards next */
};

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: v2v evacuate --from URI --to URI[,URI...] [options]\n"
           "\n"
           "Moves every running guest off the libvirt host at --from, live, "
           "onto\n"
           "the hosts at --to (each guest to the one with the most free "
           "memory),\n"
           "at most --concurrency at a time.  Ends with a table; exits "
           "non-zero\n"
           "if any guest did not move.\n"
           "\n"
           "      --from URI                the host to empty\n"
           "      --to URI[,URI...]         where the guests go\n"
           "      --concurrency N           migrations at once (2)\n"
           MIGRATE_OPTIONS_HELP
           "  -v, --verbose                 say where each guest goes\n"
           "  -q, --quiet                   only the table\n"
           "      --machine-readable        JSON lines on stdout for tools\n"
           "  -h, --help                    this help\n");
}

static void
split_uris (const char *arg, string_vector *v)
{
  CLEANUP_FREE char *copy = strdup (arg);
  char *save = NULL;

  if (copy == NULL)
    die ("out of memory");
  for (char *t = strtok_r (copy, ",", &save); t;
       t = strtok_r (NULL, ",", &save)) {
    char *s = strdup (t);
    if (s == NULL || string_vector_append (v, s) == -1)
      die ("out of memory");
  }
}

/* The running guests on the source and what each needs. */
static size_t
list_guests (const char *from, struct plan_guest **out)
{
  virConnectPtr conn = libvirt_connect (from, "the source");
  virDomainPtr *doms = NULL;
  struct plan_guest *g;
  int n;

  if (conn == NULL)
    die_error ();
  n = virConnectListAllDomains (conn, &doms,
                                VIR_CONNECT_LIST_DOMAINS_ACTIVE);
  if (n < 0) {
    set_libvirt_error ("the guests on '%s'", from);
    die_error ();
  }
  g = calloc (n ? n : 1, sizeof *g);
  if (g == NULL)
    die ("out of memory");
  for (int i = 0; i < n; ++i) {
    virDomainInfo info;

    g[i].name = strdup (virDomainGetName (doms[i]));
    if (g[i].name == NULL)
      die ("out of memory");
    if (virDomainGetInfo (doms[i], &info) == 0)
      g[i].memory = (uint64_t) info.memory * 1024 + MIGRATE_QEMU_OVERHEAD;
    virDomainFree (doms[i]);
  }
  free (doms);
  virConnectClose (conn);
  *out = g;
  return n;
}

static void
guest_event (const char *name, const char *domain, const char *dest,
             const char *error)
{
  CLEANUP_FREE char *d = json_quote (domain);
  CLEANUP_FREE char *t = json_quote (dest);
  CLEANUP_FREE char *e = json_quote (error);
  CLEANUP_FREE char *fields = NULL;

  if (d && t && e
      && asprintf (&fields, "\"domain\": %s, \"to\": %s, \"error\": %s", d,
                   t, e)
             != -1)
    event (name, fields);
}

/* Moves one guest; the result says how it went. */
static void
move_one (struct evacuation *ev, size_t i)
{
  struct result *r = &ev->results[i];
  const char *name = ev->guests[i].name;
  string_vector warnings = empty_vector;
  struct migration *m;
  struct migrate_view view;
  bool aborted;

  r->started = true;
  guest_event ("start", name, r->dest, NULL);
  info ("%s: moving to '%s'", name, r->dest);
  m = migration_open (ev->from, name, r->dest, &ev->o);
  if (m && migration_check (m, &warnings) == 0) {
    migrate_warnings (&warnings);
    migrate_view_start (&view, name, false);
    r->ok = migration_run (m, migrate_show, &view, &migrate_cancel,
                           &r->stats, &aborted)
            == 0;
  }
  else
    free_string_vector (&warnings);
  if (!r->ok) {
    r->error = strdup (get_error ());
    guest_event ("failed", name, r->dest, get_error ());
    fprintf (stderr, "%s: %s: %s\n", cli_program, name, get_error ());
  }
  else
    migrate_report (name, r->dest, &r->stats);
  migration_free (m);
}

static void *
worker (void *arg)
{
  struct evacuation *ev = arg;

  for (;;) {
    size_t i;

    pthread_mutex_lock (&ev->lock);
    i = ev->next++;
    pthread_mutex_unlock (&ev->lock);
    if (i >= ev->n || migrate_cancel)
      break;
    if (ev->results[i].dest == NULL) {
      if (asprintf (&ev->results[i].error,
                    "no destination has the %" PRIu64
                    " MiB it needs available",
                    ev->guests[i].memory >> 20)
          == -1)
        ev->results[i].error = NULL;
      fprintf (stderr, "%s: %s: %s\n", cli_program, ev->guests[i].name,
               ev->results[i].error ? ev->results[i].error : "no room");
      continue;
    }
    move_one (ev, i);
  }
  return NULL;
}

/* The summary table on stdout (or an "evacuated" event); returns how
 * many guests did not move.
 */
static size_t
summary (struct evacuation *ev)
{
  size_t failed = 0;
  char fields[128];

  if (!machine_readable)
    printf ("%-20s %-40s %-8s %8s %10s\n", "DOMAIN", "DESTINATION",
            "RESULT", "TIME", "DOWNTIME");
  for (size_t i = 0; i < ev->n; ++i) {
    struct result *r = &ev->results[i];
    const char *res = r->ok        ? "ok"
                      : r->started ? "failed"
                      : r->dest    ? "skipped"
                                   : "no room";
    char t[32] = "-", dt[32] = "-";

    failed += !r->ok;
    if (r->ok) {
      snprintf (t, sizeof t, "%.1f s", r->stats.elapsed_ms / 1000.0);
      if (r->stats.has_downtime)
        snprintf (dt, sizeof dt, "%" PRIu64 " ms", r->stats.downtime_ms);
    }
    if (!machine_readable)
      printf ("%-20s %-40s %-8s %8s %10s\n", ev->guests[i].name,
              r->dest ? r->dest : "-", res, t, dt);
  }
  snprintf (fields, sizeof fields, "\"guests\": %zu, \"failed\": %zu", ev->n,
            failed);
  event ("evacuated", fields);
  fflush (stdout);
  return failed;
}

int
cmd_evacuate (int argc, char **argv)
{
  enum { OPT_CONCURRENCY = 256 };
  static const struct option long_options[] = {
    { "from", required_argument, NULL, OPT_MIG_FROM },
    { "to", required_argument, NULL, OPT_MIG_TO },
    { "concurrency", required_argument, NULL, OPT_CONCURRENCY },
    MIGRATE_LONG_OPTIONS,
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct evacuation ev = { 0 };
  unsigned concurrency = 2;
  uint64_t *avail;
  pthread_t *threads;
  size_t failed, nthreads;
  int c;

  while ((c = getopt_long (argc, argv, "vqh", long_options, NULL)) != -1) {
    switch (c) {
      case OPT_MIG_FROM: ev.from = optarg; break;
      case OPT_MIG_TO: split_uris (optarg, &ev.dests); break;
      case OPT_CONCURRENCY:
        concurrency = parse_count ("concurrency", optarg);
        if (concurrency > 64)
          die ("--concurrency %u: at most 64", concurrency);
        break;
      case 'h': usage (stdout); return EXIT_SUCCESS;
      default:
        if (cli_option (c) || migrate_option (c, optarg, &ev.o))
          break;
        usage (stderr);
        return EXIT_FAILURE;
    }
  }
  if (optind != argc) {
    usage (stderr);
    return EXIT_FAILURE;
  }
  if (ev.from == NULL || ev.dests.len == 0)
    die ("--from URI and --to URI[,URI...] are both required");
  if (ev.o.undefine_source && !ev.o.persistent)
    debug ("--undefine-source without --persistent: the guests will be "
           "transient on the destinations");

  migrate_catch_signals ();
  ev.n = list_guests (ev.from, &ev.guests);
  if (ev.n == 0) {
    info ("no guest is running on '%s'", ev.from);
    free (ev.guests);
    free_string_vector (&ev.dests);
    return EXIT_SUCCESS;
  }
  avail = calloc (ev.dests.len, sizeof *avail);
  ev.results = calloc (ev.n, sizeof *ev.results);
  if (avail == NULL || ev.results == NULL)
    die ("out of memory");
  for (size_t d = 0; d < ev.dests.len; ++d) {
    int64_t a = migration_host_available (ev.dests.ptr[d]);
    if (a == -1) {
      warning (get_error ());
      continue;
    }
    avail[d] = a;
    debug ("'%s': %" PRId64 " MiB available", ev.dests.ptr[d], a >> 20);
  }
  migrate_plan (ev.guests, ev.n, avail, ev.dests.len);
  free (avail);
  for (size_t i = 0; i < ev.n; ++i) {
    if (ev.guests[i].dest >= 0)
      ev.results[i].dest = ev.dests.ptr[ev.guests[i].dest];
    debug ("%s (%" PRIu64 " MiB) -> %s", ev.guests[i].name,
           ev.guests[i].memory >> 20,
           ev.results[i].dest ? ev.results[i].dest : "nowhere");
  }

  info ("evacuating %zu guest(s) from '%s', %u at a time", ev.n, ev.from,
        concurrency);
  pthread_mutex_init (&ev.lock, NULL);
  nthreads = concurrency < ev.n ? concurrency : ev.n;
  threads = calloc (nthreads, sizeof *threads);
  if (threads == NULL)
    die ("out of memory");
  for (size_t t = 0; t < nthreads; ++t)
    if ((errno = pthread_create (&threads[t], NULL, worker, &ev)) != 0)
      die ("pthread_create: %m");
  for (size_t t = 0; t < nthreads; ++t)
    pthread_join (threads[t], NULL);
  free (threads);
  pthread_mutex_destroy (&ev.lock);

  failed = summary (&ev);
  for (size_t i = 0; i < ev.n; ++i) {
    free ((char *) ev.guests[i].name);
    free (ev.results[i].error);
  }
  free (ev.guests);
  free (ev.results);
  free_string_vector (&ev.dests);
  if (failed) {
    fprintf (stderr, "%s: error: %zu of %zu guest(s) did not move%s\n",
             cli_program, failed, ev.n,
             migrate_cancel ? " (interrupted)" : "");
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
