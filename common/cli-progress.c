/* vmshift: progress bar on a TTY, JSON lines with --machine-readable
 * (cli.h). */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "cli.h"

double
now_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
event (const char *name, const char *fields_json)
{
  if (!machine_readable)
    return;
  printf ("{\"event\": ");
  json_write_string (stdout, name);
  if (fields_json && fields_json[0])
    printf (", %s", fields_json);
  printf ("}\n");
  fflush (stdout);
}

void
progress_start (struct progress *p, const char *label)
{
  p->label = label;
  p->start = p->last_draw = now_seconds ();
  p->tty = !quiet && !machine_readable && isatty (2);
}

static void
draw (struct progress *p, uint64_t done, uint64_t total, double t)
{
  const int width = 30;
  double frac = total ? (double) done / total : 1.0;
  int filled = (int) (frac * width);
  double rate = t > p->start ? done / (t - p->start) : 0;
  double eta = rate > 0 ? (total - done) / rate : 0;
  char bar[64];

  memset (bar, '#', filled);
  memset (bar + filled, '.', width - filled);
  bar[width] = '\0';
  fprintf (stderr,
           "\r  %-4s [%s] %3d%%  %7.1f / %.1f MiB  %6.1f MiB/s"
           "  ETA %d:%02d ",
           p->label, bar, (int) (frac * 100), done / 1048576.0,
           total / 1048576.0, rate / 1048576.0, (int) eta / 60,
           (int) eta % 60);
}

void
progress_update (void *opaque, uint64_t done, uint64_t total)
{
  struct progress *p = opaque;
  double t = now_seconds ();
  char fields[256];

  if (t - p->last_draw < 0.5 && done != total && done != 0)
    return;
  p->last_draw = t;
  if (p->tty)
    draw (p, done, total, t);
  snprintf (fields, sizeof fields,
            "\"disk\": \"%s\", \"done\": %" PRIu64 ", \"total\": %" PRIu64,
            p->label, done, total);
  event ("progress", fields);
}

void
progress_end (struct progress *p)
{
  if (p->tty)
    fputc ('\n', stderr);
}
