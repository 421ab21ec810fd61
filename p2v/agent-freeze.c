/* p2v agent: freezing the captured disks' filesystems for the final
 * round, and a watchdog process that thaws them whatever happens to the
 * agent.
 *
 * The watchdog is forked before the first FIFREEZE and holds the read
 * end of a pipe: "thawed" from the agent dismisses it; the time limit
 * passing, or the pipe closing because the agent died (even by SIGKILL),
 * makes it thaw everything itself.  It runs in its own session and
 * ignores the terminal's signals, so a Ctrl-C or a kill of the agent's
 * process group does not take it too.  The agent's own handlers for
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT thaw before it dies.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "cleanups.h"
#include "cli.h"
#include "errors.h"
#include "vector.h"

/* The set the signal handlers thaw. */
static struct freeze_set *volatile frozen_set;

/* Is the block device at sysfs path dev on the disk at sysfs path disk:
 * the disk, a partition of it, or a device (LVM, MD) built on those?
 */
static bool
on_disk (const char *dev, const char *disk, int depth)
{
  size_t n = strlen (disk);
  CLEANUP_FREE char *slaves = NULL;
  DIR *d;
  struct dirent *e;
  bool found = false;

  if (strcmp (dev, disk) == 0
      || (strncmp (dev, disk, n) == 0 && dev[n] == '/'))
    return true;
  if (depth > 8 || asprintf (&slaves, "%s/slaves", dev) == -1)
    return false;
  d = opendir (slaves);
  if (d == NULL)
    return false;
  while (!found && (e = readdir (d)) != NULL) {
    char path[PATH_MAX], real[PATH_MAX];
    if (e->d_name[0] == '.')
      continue;
    snprintf (path, sizeof path, "%s/%s", slaves, e->d_name);
    if (realpath (path, real))
      found = on_disk (real, disk, depth + 1);
  }
  closedir (d);
  return found;
}

/* /sys/dev/block/MAJ:MIN resolved, or "" */
static void
sysfs_path (dev_t dev, char out[PATH_MAX])
{
  char link[64];

  snprintf (link, sizeof link, "/sys/dev/block/%u:%u", major (dev),
            minor (dev));
  if (realpath (link, out) == NULL)
    out[0] = '\0';
}

static bool
dev_on_disks (dev_t dev, const struct agent_disk *disks, size_t n)
{
  char path[PATH_MAX];

  sysfs_path (dev, path);
  for (size_t i = 0; path[0] && i < n; ++i) {
    char disk[PATH_MAX];
    sysfs_path (disks[i].dev, disk);
    if (disk[0] && on_disk (path, disk, 0))
      return true;
  }
  return false;
}

/* Unescapes mountinfo's \040 and friends in place. */
static void
unescape (char *s)
{
  char *o = s;

  for (; *s; ++s) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0'
        && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 3;
    }
    else
      *o++ = *s;
  }
  *o = '\0';
}

int
freeze_find (const struct agent_disk *disks, size_t n, struct freeze_set *fs)
{
  CLEANUP_FCLOSE FILE *fp = fopen ("/proc/self/mountinfo", "re");
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0;
  string_vector paths = empty_vector;
  dev_t seen[256];
  size_t nseen = 0;

  memset (fs, 0, sizeof *fs);
  fs->watchdog = -1;
  fs->wd_fd = -1;
  if (fp == NULL) {
    set_error (errno, "/proc/self/mountinfo");
    return -1;
  }
  /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - TYPE SOURCE ...": the
   * device from MAJ:MIN, or for btrfs (major 0) from SOURCE.
   */
  while (getline (&line, &cap, fp) != -1) {
    char mnt[PATH_MAX], source[PATH_MAX];
    const char *dash = strstr (line, " - ");
    unsigned ma, mi;
    struct stat st;
    dev_t dev;
    bool dup = false;
    if (dash == NULL
        || sscanf (line, "%*s %*s %u:%u %*s %4095s", &ma, &mi, mnt) != 3
        || sscanf (dash + 3, "%*s %4095s", source) != 1)
      continue;
    unescape (mnt);
    unescape (source);
    if (ma != 0)
      dev = makedev (ma, mi);
    else if (stat (source, &st) == 0 && S_ISBLK (st.st_mode))
      dev = st.st_rdev;
    else
      continue;
    if (!dev_on_disks (dev, disks, n))
      continue;
    for (size_t i = 0; i < nseen; ++i)
      dup |= seen[i] == dev;
    if (dup || nseen == sizeof seen / sizeof seen[0])
      continue;
    seen[nseen++] = dev;
    {
      char *copy = strdup (mnt);
      if (copy == NULL || string_vector_append (&paths, copy) == -1) {
        free (copy);
        set_error (errno, "out of memory");
        free_string_vector (&paths);
        return -1;
      }
    }
  }
  fs->n = paths.len;
  fs->paths = paths.ptr;
  fs->fds = malloc ((fs->n ? fs->n : 1) * sizeof *fs->fds);
  fs->devs = malloc ((fs->n ? fs->n : 1) * sizeof *fs->devs);
  fs->synced_only = calloc (fs->n ? fs->n : 1, sizeof *fs->synced_only);
  fs->snapshotted = calloc (fs->n ? fs->n : 1, sizeof *fs->snapshotted);
  if (fs->fds == NULL || fs->devs == NULL || fs->synced_only == NULL
      || fs->snapshotted == NULL) {
    set_error (errno, "out of memory");
    return -1;
  }
  memcpy (fs->devs, seen, fs->n * sizeof *fs->devs);
  for (size_t i = 0; i < fs->n; ++i) {
    fs->fds[i] = open (fs->paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fs->fds[i] == -1) {
      set_error (errno, "'%s'", fs->paths[i]);
      return -1;
    }
  }
  return 0;
}

/* Async-signal-safe: the handlers and the watchdog call it. */
static void
thaw_fds (const struct freeze_set *fs)
{
  for (size_t i = fs->n; i-- > 0;)
    if (!fs->snapshotted[i])
      ioctl (fs->fds[i], FITHAW, 0); /* EINVAL if it was not frozen */
}

/* The handlers freeze_all replaced, restored by thaw_all. */
static const int caught_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NSIGNALS (sizeof caught_signals / sizeof caught_signals[0])
static struct sigaction saved[NSIGNALS];

static void
on_signal (int sig)
{
  struct freeze_set *fs = frozen_set;

  if (fs)
    thaw_fds (fs);
  for (size_t i = 0; i < NSIGNALS; ++i)
    if (caught_signals[i] == sig)
      sigaction (sig, &saved[i], NULL);
  raise (sig); /* the agent's own handler, or the default */
}

/* Waits for the agent's "T".  The time limit passing thaws, and it
 * keeps watching: a FIFREEZE still running then completes later, so the
 * agent's death (the pipe's end) thaws again.  Exits 0 if dismissed in
 * time, else 1.
 */
static noreturn void
watchdog (const struct freeze_set *fs, int rd, double max_seconds)
{
  struct pollfd p = { .fd = rd, .events = POLLIN };
  char c = 0;
  int late = 0;
  static const char msg[] = "p2v agent: watchdog: the freeze limit passed "
                            "or the agent died: filesystems thawed\n";

  setsid ();
  signal (SIGINT, SIG_IGN);
  signal (SIGTERM, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);
  signal (SIGPIPE, SIG_IGN);
  for (;;) {
    /* Late, it thaws again every 200 ms: a FIFREEZE that was still
     * syncing when the limit passed freezes after the first thaw.
     */
    int n = poll (&p, 1, late ? 200 : (int) (max_seconds * 1000));
    if (n == 1 && read (rd, &c, 1) == 1 && c == 'T')
      _exit (late);
    if (n == -1 && errno == EINTR)
      continue;
    thaw_fds (fs);
    if (!late && write (2, msg, sizeof msg - 1) == -1)
      _exit (1);
    if (n != 0)
      _exit (1); /* the agent is gone */
    late = 1;
  }
}

int
freeze_all (struct freeze_set *fs, double max_seconds)
{
  int p[2];
  struct sigaction sa = { .sa_handler = on_signal };

  if (fs->n == 0)
    return 0;
  if (pipe2 (p, O_CLOEXEC) == -1) {
    set_error (errno, "pipe");
    return -1;
  }
  fflush (NULL);
  fs->watchdog = fork ();
  if (fs->watchdog == -1) {
    set_error (errno, "fork");
    close (p[0]);
    close (p[1]);
    return -1;
  }
  if (fs->watchdog == 0) {
    close (p[1]);
    watchdog (fs, p[0], max_seconds);
  }
  close (p[0]);
  fs->wd_fd = p[1];
  frozen_set = fs;
  sigemptyset (&sa.sa_mask);
  for (size_t i = 0; i < NSIGNALS; ++i)
    sigaction (caught_signals[i], &sa, &saved[i]);
  fs->frozen = true;
  for (size_t i = 0; i < fs->n; ++i) {
    if (fs->snapshotted[i] || ioctl (fs->fds[i], FIFREEZE, 0) == 0)
      continue;
    /* vfat (an ESP) cannot be frozen: synced, it is captured as is. */
    if (errno == EOPNOTSUPP && syncfs (fs->fds[i]) == 0) {
      fs->synced_only[i] = true;
      continue;
    }
    {
      int e = errno;
      thaw_all (fs);
      set_error (e, "cannot freeze '%s'", fs->paths[i]);
      return -1;
    }
  }
  return 0;
}

int
thaw_all (struct freeze_set *fs)
{
  int status = 0;

  if (!fs->frozen)
    return 0;
  thaw_fds (fs);
  frozen_set = NULL;
  for (size_t i = 0; i < NSIGNALS; ++i)
    sigaction (caught_signals[i], &saved[i], NULL);
  fs->frozen = false;
  if (fs->wd_fd >= 0) {
    if (write (fs->wd_fd, "T", 1) == -1)
      status = -1;
    close (fs->wd_fd);
    fs->wd_fd = -1;
  }
  if (fs->watchdog > 0) {
    int ws;
    if (waitpid (fs->watchdog, &ws, 0) == -1 || !WIFEXITED (ws)
        || WEXITSTATUS (ws) != 0)
      status = -1;
    fs->watchdog = -1;
  }
  if (status == -1)
    set_error (0, "the watchdog thawed the filesystems first: the freeze "
                  "limit passed");
  return status;
}

void
freeze_clear (struct freeze_set *fs)
{
  thaw_all (fs);
  for (size_t i = 0; i < fs->n; ++i)
    if (fs->fds && fs->fds[i] >= 0)
      close (fs->fds[i]);
  for (size_t i = 0; fs->paths && i < fs->n; ++i)
    free (fs->paths[i]);
  free (fs->paths);
  free (fs->fds);
  free (fs->devs);
  free (fs->synced_only);
  free (fs->snapshotted);
  memset (fs, 0, sizeof *fs);
}

int
freeze_sync (const struct agent_disk *disks, size_t n)
{
  struct freeze_set fs;

  if (freeze_find (disks, n, &fs) == -1)
    return -1;
  for (size_t i = 0; i < fs.n; ++i)
    syncfs (fs.fds[i]);
  freeze_clear (&fs);
  return 0;
}
