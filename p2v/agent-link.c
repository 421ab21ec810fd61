/* p2v agent: its connections to p2v receive --rounds. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "block-manifest.h"
#include "cleanups.h"
#include "cli.h"
#include "errors.h"
#include "p2v-proto.h"

#define HELLO_TIMEOUT 60 /* seconds for ssh to connect and p2v to answer */

/* One reply; timeout_s < 0 waits for ever.  0, or -1 with the error set. */
static int
read_reply (struct link *l, int timeout_s, struct p2v_reply *r)
{
  uint8_t b[P2V_REPLY_SIZE];
  size_t have = 0;
  double deadline = now_seconds () + timeout_s;

  while (have < sizeof b) {
    struct pollfd p = { .fd = l->from, .events = POLLIN };
    int ms = timeout_s < 0 ? -1 : (int) ((deadline - now_seconds ()) * 1000);
    ssize_t n;
    if (timeout_s >= 0 && ms <= 0) {
      set_error (0, "the conversion host did not answer");
      return -1;
    }
    if (poll (&p, 1, ms) == -1 && errno != EINTR) {
      set_error (errno, "poll");
      return -1;
    }
    n = read (l->from, b + have, sizeof b - have);
    if (n == -1 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0) {
      set_error (0, "the receiver on the conversion host went away (see "
                    "its messages above)");
      return -1;
    }
    have += (size_t) n;
  }
  return p2v_reply_decode (b, r);
}

static int
expect (struct link *l, int timeout_s, uint32_t kind, struct p2v_reply *r)
{
  if (read_reply (l, timeout_s, r) == -1)
    return -1;
  if (r->kind == P2V_FAILED) {
    set_error (0, "the conversion host refused the round (see its messages "
                  "above)");
    return -1;
  }
  if (r->kind != kind) {
    set_error (0, "unexpected reply %" PRIu32 " from the receiver", r->kind);
    return -1;
  }
  return 0;
}

static void
args_base (const struct link_target *t, const char **args, size_t *a,
           char *disk, size_t disk_len, unsigned index)
{
  snprintf (disk, disk_len, "%u", index);
  if (t->receive_dir) {
    args[(*a)++] = "--dir";
    args[(*a)++] = t->receive_dir;
  }
  args[(*a)++] = "--session";
  args[(*a)++] = t->session;
  args[(*a)++] = "--disk";
  args[(*a)++] = disk;
}

int
link_open (struct link *l, const struct link_target *t, unsigned index,
           uint64_t size, uint32_t block_size)
{
  char disk[16], sz[32], bs[16];
  const char *args[16];
  size_t a = 0;
  struct p2v_reply r;

  args_base (t, args, &a, disk, sizeof disk, index);
  snprintf (sz, sizeof sz, "%" PRIu64, size);
  snprintf (bs, sizeof bs, "%" PRIu32, block_size);
  args[a++] = "--size";
  args[a++] = sz;
  args[a++] = "--rounds";
  args[a++] = "--block-size";
  args[a++] = bs;
  args[a] = NULL;
  l->pid = ssh_spawn (t->ssh, args, -1, &l->to, &l->from);
  if (l->pid == -1)
    return -1;
  if (expect (l, HELLO_TIMEOUT, P2V_HELLO, &r) == 0) {
    l->rounds = r.value;
    if (expect (l, HELLO_TIMEOUT, P2V_STATE, &r) == 0) {
      l->block_size = (uint32_t) r.value;
      l->digest = r.extra;
      if (r.value >= MANIFEST_MIN_BLOCK && r.value <= MANIFEST_MAX_BLOCK
          && (r.value & (r.value - 1)) == 0)
        return 0;
      set_error (0, "block size %" PRIu64 " out of range", r.value);
    }
  }
  prefix_error ("disk %u: could not start p2v receive on the conversion "
                "host",
                index);
  link_close (l);
  return -1;
}

int
link_fetch_manifest (const struct link_target *t, unsigned index,
                     const char *path)
{
  char disk[16], buf[65536];
  const char *args[16];
  size_t a = 0;
  int to, from, status;
  CLEANUP_CLOSE int fd = -1;
  pid_t pid;
  ssize_t n;
  int r = 0;

  args_base (t, args, &a, disk, sizeof disk, index);
  args[a++] = "--send-manifest";
  args[a] = NULL;
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd == -1) {
    set_error (errno, "'%s'", path);
    return -1;
  }
  pid = ssh_spawn (t->ssh, args, -1, &to, &from);
  if (pid == -1)
    return -1;
  close (to);
  while ((n = read (from, buf, sizeof buf)) > 0)
    if (write (fd, buf, (size_t) n) != n) {
      set_error (errno, "'%s'", path);
      r = -1;
      break;
    }
  close (from);
  if (ssh_wait (pid, &status, 0) == -1 || !WIFEXITED (status)
      || WEXITSTATUS (status) != 0) {
    if (r == 0)
      set_error (0, "disk %u: could not fetch the replica's block manifest",
                 index);
    r = -1;
  }
  return r;
}

int
link_wait_done (struct link *l, const char *label)
{
  struct p2v_reply r;

  if (expect (l, -1, P2V_DONE, &r) == -1) {
    prefix_error ("%s", label);
    return -1;
  }
  l->rounds = r.value;
  if (expect (l, -1, P2V_STATE, &r) == -1) {
    prefix_error ("%s", label);
    return -1;
  }
  l->digest = r.extra;
  return 0;
}

void
link_close (struct link *l)
{
  if (l->to >= 0)
    close (l->to);
  if (l->from >= 0)
    close (l->from);
  if (l->pid > 0) {
    int status;
    /* The receiver exits when its stdin ends between rounds. */
    for (int i = 0; i < 50 && ssh_wait (l->pid, &status, WNOHANG) == 0; ++i)
      usleep (100000);
    if (ssh_wait (l->pid, &status, WNOHANG) == 0) {
      kill (l->pid, SIGTERM);
      ssh_wait (l->pid, &status, 0);
    }
  }
  l->pid = -1;
  l->to = l->from = -1;
}
