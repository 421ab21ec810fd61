/* p2v agent: which blocks were written, from the block layer.
 *
 * A tracefs instance of our own records block_rq_complete for the
 * captured disks, writes and discards only (filtered in the kernel); a
 * thread reads its trace_pipe and marks the blocks.  dirty_take writes
 * a marker and waits for the thread to read it: every write completed
 * before the marker is then counted.  A write that completes while a
 * round reads its block is counted for the next round, so no change is
 * missed; lost events (the buffer overran) make the take fail, and the
 * caller reads everything.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cleanups.h"
#include "cli.h"
#include "errors.h"

#define TRACEFS "/sys/kernel/tracing"
#define EVENT "events/block/block_rq_complete"
#define BUFFER_TOTAL_KB 65536 /* shared by the CPUs, 1 to 8 MiB each */
#define TAKE_TIMEOUT 5        /* seconds for the reader to see a marker */
#define MARK "vmshift-agent-mark "

struct dirty_tracker {
  char *dir; /* the instance */
  int pipe_fd, marker_fd;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  struct agent_disk *disks;
  size_t n;
  struct bitmap *written; /* per disk, since the last take */
  uint64_t mark_sent, mark_seen;
  bool lost, stop, dead;
};

static int
write_file (const char *dir, const char *name, const char *text)
{
  CLEANUP_FREE char *path = NULL;
  CLEANUP_CLOSE int fd = -1;

  if (asprintf (&path, "%s/%s", dir, name) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd == -1 || write (fd, text, strlen (text)) != (ssize_t) strlen (text)) {
    set_error (errno, "'%s'", path);
    return -1;
  }
  return 0;
}

/* "MAJ,MIN RWBS (CMD) SECTOR + COUNT ...": marks the blocks. */
static void
parse_event (struct dirty_tracker *t, const char *s)
{
  unsigned ma, mi;
  unsigned long long sector, count;
  const char *p;

  if (sscanf (s, "%u,%u", &ma, &mi) != 2 || (p = strchr (s, ')')) == NULL
      || sscanf (p + 1, " %llu + %llu", &sector, &count) != 2)
    return;
  for (size_t i = 0; i < t->n; ++i) {
    struct agent_disk *d = &t->disks[i];
    if (major (d->dev) == ma && minor (d->dev) == mi && count > 0) {
      uint64_t first = sector * 512 / d->bs;
      uint64_t last = ((sector + count) * 512 + d->bs - 1) / d->bs;
      bitmap_set_range (&t->written[i], first, last - first);
    }
  }
}

static void
parse_line (struct dirty_tracker *t, const char *line)
{
  const char *p;

  if ((p = strstr (line, "block_rq_complete: ")) != NULL)
    parse_event (t, p + strlen ("block_rq_complete: "));
  else if ((p = strstr (line, MARK)) != NULL) {
    t->mark_seen = strtoull (p + strlen (MARK), NULL, 10);
    pthread_cond_broadcast (&t->cond);
  }
  else if (strstr (line, "LOST") != NULL)
    t->lost = true;
}

static void *
reader (void *opaque)
{
  struct dirty_tracker *t = opaque;
  char buf[65536];
  size_t have = 0;

  for (;;) {
    ssize_t n = read (t->pipe_fd, buf + have, sizeof buf - 1 - have);
    char *line, *nl;
    if (n == -1 && errno == EINTR)
      continue;
    pthread_mutex_lock (&t->lock);
    if (n <= 0 || t->stop) {
      t->dead = !t->stop;        /* every later take fails */
      t->mark_seen = UINT64_MAX; /* nobody waits for ever */
      pthread_cond_broadcast (&t->cond);
      pthread_mutex_unlock (&t->lock);
      return NULL;
    }
    have += (size_t) n;
    buf[have] = '\0';
    for (line = buf; (nl = strchr (line, '\n')) != NULL; line = nl + 1) {
      *nl = '\0';
      parse_line (t, line);
    }
    pthread_mutex_unlock (&t->lock);
    have = (size_t) (buf + have - line);
    memmove (buf, line, have);
    if (have == sizeof buf - 1)
      have = 0; /* a line that long is not ours */
  }
}

/* Our instances of earlier agents that died are removed. */
static void
remove_stale (void)
{
  DIR *d = opendir (TRACEFS "/instances");
  struct dirent *e;

  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL) {
    int pid;
    char path[512];
    if (sscanf (e->d_name, "vmshift-agent-%d", &pid) == 1 && pid > 0
        && kill (pid, 0) == -1 && errno == ESRCH) {
      snprintf (path, sizeof path, TRACEFS "/instances/%s", e->d_name);
      rmdir (path);
    }
  }
  closedir (d);
}

/* block_rq_complete names the request-based whole disk, with sectors
 * from its start: a partition, a device-mapper or MD device, a
 * multipath head or an image file would never match.
 */
static int
check_device (const struct agent_disk *d)
{
  char path[128];
  struct stat st;

  snprintf (path, sizeof path, "/sys/dev/block/%u:%u/partition",
            major (d->dev), minor (d->dev));
  if (d->dev == 0 || stat (path, &st) == 0) {
    set_error (0, "%s is not a whole disk", d->label);
    return -1;
  }
  snprintf (path, sizeof path, "/sys/dev/block/%u:%u/mq", major (d->dev),
            minor (d->dev));
  if (stat (path, &st) == -1) {
    set_error (0, "%s is not a request-based disk", d->label);
    return -1;
  }
  return 0;
}

static int
setup (struct dirty_tracker *t)
{
  struct stat st;
  char filter[1024] = "(", kb[32];
  long cpus = sysconf (_SC_NPROCESSORS_CONF);
  CLEANUP_FREE char *pipe_path = NULL, *marker = NULL;

  if (stat (TRACEFS "/instances", &st) == -1
      && mount ("nodev", TRACEFS, "tracefs", 0, NULL) == -1) {
    set_error (errno, "no tracefs at " TRACEFS);
    return -1;
  }
  remove_stale ();
  if (asprintf (&t->dir, TRACEFS "/instances/vmshift-agent-%d",
                (int) getpid ())
          == -1
      || asprintf (&pipe_path, "%s/trace_pipe", t->dir) == -1
      || asprintf (&marker, "%s/trace_marker", t->dir) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  if (mkdir (t->dir, 0700) == -1) {
    set_error (errno, "'%s'", t->dir);
    free (t->dir);
    t->dir = NULL;
    return -1;
  }
  for (size_t i = 0; i < t->n; ++i) {
    dev_t dev = t->disks[i].dev;
    size_t len = strlen (filter);
    snprintf (filter + len, sizeof filter - len, "%sdev == %u",
              i ? " || " : "", major (dev) << 20 | minor (dev));
  }
  /* Writes, discards and write-zeroes all change blocks. */
  strncat (filter, ") && (rwbs ~ \"*W*\" || rwbs ~ \"*D*\" || rwbs ~ \"*N*\")",
           sizeof filter - strlen (filter) - 1);
  cpus = cpus < 1 ? 1 : cpus;
  snprintf (kb, sizeof kb, "%ld",
            BUFFER_TOTAL_KB / cpus < 1024   ? 1024
            : BUFFER_TOTAL_KB / cpus > 8192 ? 8192
                                            : BUFFER_TOTAL_KB / cpus);
  /* One clock for every CPU: the marker orders the events. */
  if (write_file (t->dir, "trace_clock", "mono") == -1
      || write_file (t->dir, "buffer_size_kb", kb) == -1
      || write_file (t->dir, EVENT "/filter", filter) == -1
      || write_file (t->dir, EVENT "/enable", "1") == -1)
    return -1;
  t->pipe_fd = open (pipe_path, O_RDONLY | O_CLOEXEC);
  t->marker_fd = open (marker, O_WRONLY | O_CLOEXEC);
  if (t->pipe_fd == -1 || t->marker_fd == -1) {
    set_error (errno, "'%s'", t->dir);
    return -1;
  }
  return 0;
}

struct dirty_tracker *
dirty_start (struct agent_disk *disks, size_t n)
{
  struct dirty_tracker *t = calloc (1, sizeof *t);
  sigset_t block, old;
  bool started;

  if (t == NULL) {
    set_error (errno, "out of memory");
    return NULL;
  }
  t->disks = disks;
  t->n = n;
  t->pipe_fd = t->marker_fd = -1;
  pthread_mutex_init (&t->lock, NULL);
  pthread_cond_init (&t->cond, NULL);
  t->written = calloc (n, sizeof *t->written);
  if (t->written == NULL) {
    set_error (errno, "out of memory");
    dirty_stop (t);
    return NULL;
  }
  for (size_t i = 0; i < n; ++i)
    if (check_device (&disks[i]) == -1
        || bitmap_init (&t->written[i], disks[i].nblocks) == -1) {
      dirty_stop (t);
      return NULL;
    }
  if (setup (t) == -1) {
    dirty_stop (t);
    return NULL;
  }
  /* The agent's signal handlers run in its main thread only. */
  sigemptyset (&block);
  sigaddset (&block, SIGINT);
  sigaddset (&block, SIGTERM);
  sigaddset (&block, SIGHUP);
  sigaddset (&block, SIGQUIT);
  pthread_sigmask (SIG_BLOCK, &block, &old);
  started = pthread_create (&t->thread, NULL, reader, t) == 0;
  pthread_sigmask (SIG_SETMASK, &old, NULL);
  if (!started) {
    set_error (0, "pthread_create failed");
    close (t->pipe_fd);
    t->pipe_fd = -1;
    dirty_stop (t);
    return NULL;
  }
  return t;
}

int
dirty_take (struct dirty_tracker *t)
{
  char mark[64];
  int n;
  bool lost;
  struct timespec until;

  pthread_mutex_lock (&t->lock);
  n = snprintf (mark, sizeof mark, MARK "%" PRIu64 "\n", ++t->mark_sent);
  pthread_mutex_unlock (&t->lock);
  if (write (t->marker_fd, mark, (size_t) n) != n) {
    set_error (errno, "trace_marker");
    return -1;
  }
  clock_gettime (CLOCK_REALTIME, &until);
  until.tv_sec += TAKE_TIMEOUT;
  pthread_mutex_lock (&t->lock);
  while (t->mark_seen < t->mark_sent)
    if (pthread_cond_timedwait (&t->cond, &t->lock, &until) == ETIMEDOUT) {
      t->lost = true; /* the marker itself was lost */
      break;
    }
  for (size_t i = 0; i < t->n; ++i) {
    bitmap_or (&t->disks[i].carry, &t->written[i]);
    bitmap_clear_all (&t->written[i]);
  }
  lost = t->lost || t->dead;
  t->lost = false;
  pthread_mutex_unlock (&t->lock);
  if (lost) {
    set_error (0, "block trace events were lost");
    return -1;
  }
  return 0;
}

void
dirty_stop (struct dirty_tracker *t)
{
  if (t == NULL)
    return;
  if (t->pipe_fd >= 0) {
    pthread_mutex_lock (&t->lock);
    t->stop = true;
    pthread_mutex_unlock (&t->lock);
    if (t->marker_fd >= 0
        && write (t->marker_fd, MARK "0\n", strlen (MARK "0\n")) == -1)
      pthread_cancel (t->thread);
    pthread_join (t->thread, NULL);
    close (t->pipe_fd);
  }
  if (t->marker_fd >= 0)
    close (t->marker_fd);
  if (t->dir) {
    write_file (t->dir, EVENT "/enable", "0");
    rmdir (t->dir);
    free (t->dir);
  }
  for (size_t i = 0; t->written && i < t->n; ++i)
    bitmap_free (&t->written[i]);
  free (t->written);
  pthread_mutex_destroy (&t->lock);
  pthread_cond_destroy (&t->cond);
  free (t);
}
