/* p2v receive --rounds (the real p2v/p2v, fed frames on a pipe) takes a
 * round's blocks in any order, since a final round with LVM snapshots
 * sends the snapshots' blocks after the others; but never one block
 * twice in a round, which would skew the manifest's digest.
 */
#include <config.h>

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-io.h"
#include "p2v-proto.h"
#include "unit.h"

#define BLOCK 4096

static pid_t
start_receiver (const char *dir, int *to, int *from)
{
  int in[2], out[2];
  pid_t pid;

  assert (pipe (in) == 0 && pipe (out) == 0);
  pid = fork ();
  assert (pid >= 0);
  if (pid == 0) {
    int null = open ("/dev/null", O_WRONLY);
    dup2 (in[0], 0);
    dup2 (out[1], 1);
    dup2 (null, 2);
    execl ("p2v/p2v", "p2v", "receive", "--dir", dir, "--session", "order",
           "--disk", "0", "--size", "1048576", "--rounds", "--block-size",
           "4096", (char *) NULL);
    _exit (127);
  }
  close (in[0]);
  close (out[1]);
  *to = in[1];
  *from = out[0];
  return pid;
}

static void
expect_reply (int fd, uint32_t kind, struct p2v_reply *r)
{
  uint8_t b[P2V_REPLY_SIZE];

  assert (fd_read_all (fd, b, sizeof b) == 0);
  assert (p2v_reply_decode (b, r) == 0);
  if (r->kind != kind) {
    fprintf (stderr, "reply %u, not %u\n", r->kind, kind);
    abort ();
  }
}

/* A block of zeros at offset, as frame index. */
static void
send_zero_block (int fd, uint64_t index, uint64_t offset)
{
  static const uint8_t zero[BLOCK];
  struct p2v_frame f = { .type = P2V_DATA,
                         .flags = P2V_FLAG_ZERO,
                         .index = index,
                         .offset = offset,
                         .len = BLOCK };
  uint8_t head[P2V_FRAME_HEADER];

  f.hash = p2v_hash (zero, sizeof zero);
  p2v_frame_encode (&f, head);
  assert (fd_write_all (fd, head, sizeof head) == 0);
}

int
main (void)
{
  char dir[] = "/tmp/test-p2v-receive-order.XXXXXX";
  char rm[64];
  struct p2v_reply r;
  int to, from, status;
  pid_t pid;

  assert (mkdtemp (dir));
  pid = start_receiver (dir, &to, &from);
  expect_reply (from, P2V_HELLO, &r);
  assert (r.value == 0);
  expect_reply (from, P2V_STATE, &r);
  assert (r.value == BLOCK);

  /* Backwards is fine; block 2 again is frame 2 "out of place". */
  send_zero_block (to, 0, 2 * BLOCK);
  send_zero_block (to, 1, 0);
  send_zero_block (to, 2, 2 * BLOCK);
  close (to); /* a receiver that took it would then just go away */
  expect_reply (from, P2V_FAILED, &r);
  assert (r.value == 2);
  close (from);
  assert (waitpid (pid, &status, 0) == pid);
  assert (WIFEXITED (status) && WEXITSTATUS (status) != 0);

  snprintf (rm, sizeof rm, "rm -rf '%s'", dir);
  assert (system (rm) == 0);
  return 0;
}
