/* p2v: what capture and agent share (capture.h). */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "cleanups.h"
#include "cli.h"
#include "errors.h"

int
int_arg (const char *s, const char *what, int min, int max)
{
  char *end;
  long v;

  errno = 0;
  v = strtol (s, &end, 10);
  if (errno || end == s || *end || v < min || v > max)
    die ("%s '%s': give a number from %d to %d", what, s, min, max);
  return (int) v;
}

/* The disks to send: indices into m->disks. */
size_t
select_disks (struct machine *m, const char *list, size_t *sel, size_t max)
{
  size_t n = 0;
  CLEANUP_FREE char *copy = list ? strdup (list) : NULL;

  if (list == NULL || strcmp (list, "all") == 0) {
    for (size_t i = 0; i < m->disks.len && n < max; ++i)
      if (!m->disks.ptr[i].skipped)
        sel[n++] = i;
    return n;
  }
  if (copy == NULL)
    die ("out of memory");
  for (char *tok = strtok (copy, ","); tok; tok = strtok (NULL, ",")) {
    size_t i;
    const char *name = strncmp (tok, "/dev/", 5) == 0 ? tok + 5 : tok;
    for (i = 0; i < m->disks.len; ++i)
      if (strcmp (m->disks.ptr[i].name, name) == 0)
        break;
    if (i == m->disks.len) {
      if (strchr (tok, '/') == NULL)
        die ("--disks: no disk '%s' on this machine (p2v capture --list "
             "shows them)",
             tok);
      if (machine_add_disk (m, tok) == -1)
        die_error ();
    }
    for (size_t j = 0; j < n; ++j)
      if (sel[j] == i)
        die ("--disks: '%s' given twice", tok);
    if (n == max)
      die ("--disks: at most %zu disks", max);
    sel[n++] = i;
  }
  return n;
}

char *
default_name (const struct machine *m)
{
  char *name, host[256];

  if (m->nics.len > 0) {
    const char *mac = m->nics.ptr[0].mac;
    name = malloc (strlen (mac) + 5);
    if (name == NULL)
      die ("out of memory");
    strcpy (name, "p2v-");
    for (const char *p = mac; *p; ++p)
      if (*p != ':')
        strncat (name, p, 1);
    return name;
  }
  if (gethostname (host, sizeof host) == -1)
    strcpy (host, "p2v");
  host[sizeof host - 1] = '\0';
  name = strdup (host);
  if (name == NULL)
    die ("out of memory");
  return name;
}

/* Sends the description; p2v receive converts.  Its messages go to our
 * stderr as they come.
 */
int
remote_finish (const struct finish_target *o, const char *name,
               const char *xml, size_t ndisks)
{
  char nd[16];
  const char *args[16];
  size_t a = 0;
  int to, from, status;
  pid_t pid;
  char buf[256];

  snprintf (nd, sizeof nd, "%zu", ndisks);
  if (o->receive_dir) {
    args[a++] = "--dir";
    args[a++] = o->receive_dir;
  }
  args[a++] = "--session";
  args[a++] = name;
  args[a++] = "--finish";
  args[a++] = "--disks";
  args[a++] = nd;
  args[a++] = "-o";
  args[a++] = o->output ? o->output : "none";
  args[a++] = "-O";
  args[a++] = o->format;
  if (machine_readable)
    args[a++] = "--machine-readable";
  args[a] = NULL;
  pid = ssh_spawn (o->ssh, args, -1, &to, &from);
  if (pid == -1)
    return -1;
  if (write (to, xml, strlen (xml)) != (ssize_t) strlen (xml)) {
    set_error (errno, "sending the machine's description");
    close (to);
    close (from);
    ssh_wait (pid, NULL, 0);
    return -1;
  }
  close (to);
  while (read (from, buf, sizeof buf) > 0)
    ;
  close (from);
  if (ssh_wait (pid, &status, 0) == -1 || !WIFEXITED (status)
      || WEXITSTATUS (status) != 0) {
    set_error (0, "the conversion on '%s' failed (see above)", o->ssh->host);
    return -1;
  }
  return 0;
}

void
bw_throttle (double start, uint64_t bytes, uint64_t bwlimit)
{
  double want, t;

  if (bwlimit == 0)
    return;
  want = (double) bytes / (double) bwlimit;
  t = now_seconds () - start;
  if (want > t) {
    struct timespec ts
        = { .tv_sec = (time_t) (want - t),
            .tv_nsec = (long) ((want - t - (time_t) (want - t)) * 1e9) };
    nanosleep (&ts, NULL);
  }
}
