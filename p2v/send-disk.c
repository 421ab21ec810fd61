/* p2v: one disk's stream to p2v receive (see p2v-proto.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "cleanups.h"
#include "cli.h"
#include "errors.h"
#include "fd-io.h"
#include "capture.h"
#include "send-disk.h"

#define WINDOW 32        /* chunks in flight before waiting for DURABLE */
#define ZSTD_LEVEL 1     /* fast: the link, not the CPU, should limit */
#define HELLO_TIMEOUT 60 /* seconds for ssh to connect and p2v to answer */

/* One connection: ssh and its pipes. */
struct conn {
  pid_t pid;
  int to, from;
  uint8_t reply[P2V_REPLY_SIZE];
  size_t have; /* bytes of reply read so far */
  int err_fd;  /* ssh's stderr, a file in tmpdir */
};

/* Why a connection ended: the link (worth a retry) or the receiver
 * refused (not worth it).
 */
enum outcome { OK = 0, LINK = 1, FATAL = 2 };

static void
conn_close (struct conn *c)
{
  if (c->to >= 0)
    close (c->to);
  if (c->from >= 0)
    close (c->from);
  if (c->pid > 0) {
    kill (c->pid, SIGTERM);
    ssh_wait (c->pid, NULL, 0);
  }
  c->pid = -1;
  c->to = c->from = -1;
}

/* The receiver's last error line, from ssh's stderr file. */
static void
remote_error (struct sender *s, struct conn *c, const char *what)
{
  char buf[4096], *line = NULL;
  ssize_t n = pread (c->err_fd, buf, sizeof buf - 1, 0);

  if (n > 0) {
    buf[n] = '\0';
    /* The last non-empty line. */
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
      buf[--n] = '\0';
    line = strrchr (buf, '\n');
    line = line ? line + 1 : buf;
  }
  set_error (0, "%s: %s%s%s", s->label, what, line && *line ? ": " : "",
             line && *line ? line : "");
}

/* Reads one reply; timeout_ms -1 waits.  1 read, 0 none yet (timeout or
 * partial), -1 the connection ended.
 */
static int
read_reply (struct conn *c, int timeout_ms, struct p2v_reply *r)
{
  struct pollfd pfd = { .fd = c->from, .events = POLLIN };
  ssize_t n;
  int p;

  p = poll (&pfd, 1, timeout_ms);
  if (p == -1)
    return errno == EINTR ? 0 : -1;
  if (p == 0)
    return 0;
  n = read (c->from, c->reply + c->have, P2V_REPLY_SIZE - c->have);
  if (n <= 0)
    return -1;
  c->have += (size_t) n;
  if (c->have < P2V_REPLY_SIZE)
    return 0;
  c->have = 0;
  if (p2v_reply_decode (c->reply, r) == -1)
    return -1;
  return 1;
}

/* Starts a connection and reads the receiver's HELLO: *next is the
 * first chunk it needs.
 */
static enum outcome
connect_receiver (struct sender *s, struct conn *c, bool resume,
                  uint64_t *next)
{
  char disk[16], size[32], plan[32], nchunks[32];
  const char *args[16];
  size_t a = 0;
  struct p2v_reply r;
  double deadline = now_seconds () + HELLO_TIMEOUT;

  snprintf (disk, sizeof disk, "%u", s->index);
  snprintf (size, sizeof size, "%" PRIu64, s->size);
  snprintf (plan, sizeof plan, "%016" PRIx64, s->plan_hash);
  snprintf (nchunks, sizeof nchunks, "%zu", s->chunks.len);
  if (s->receive_dir) {
    args[a++] = "--dir";
    args[a++] = s->receive_dir;
  }
  args[a++] = "--session";
  args[a++] = s->session;
  args[a++] = "--disk";
  args[a++] = disk;
  args[a++] = "--size";
  args[a++] = size;
  args[a++] = "--plan";
  args[a++] = plan;
  if (resume)
    args[a++] = "--resume";
  args[a] = NULL;

  if (ftruncate (c->err_fd, 0) == -1) {
    set_error (errno, "%s: ssh's error file", s->label);
    return FATAL;
  }
  c->have = 0;
  c->pid = ssh_spawn (s->ssh, args, c->err_fd, &c->to, &c->from);
  if (c->pid == -1)
    return FATAL;
  for (;;) {
    int n = read_reply (c, 1000, &r);
    if (n == 1 && r.kind == P2V_HELLO)
      break;
    if (n == -1 || n == 1 || now_seconds () > deadline) {
      remote_error (s, c,
                    n == 0 ? "the conversion host did not answer"
                           : "could not start p2v receive on the "
                             "conversion host");
      /* ssh refusing the host or us will not change on a retry. */
      if (strstr (get_error (), "Host key verification failed")
          || strstr (get_error (), "Permission denied"))
        return FATAL;
      return LINK;
    }
  }
  if (r.value > s->chunks.len || r.extra < P2V_CHUNK_MAX) {
    set_error (0, "%s: the receiver asked for chunk %" PRIu64 " of %zu",
               s->label, r.value, s->chunks.len);
    return FATAL;
  }
  *next = r.value;
  return OK;
}

/* Handles a reply during the stream.  FAILED is the receiver's verdict. */
static enum outcome
take_reply (struct sender *s, struct conn *c, const struct p2v_reply *r)
{
  if (r->kind == P2V_DURABLE) {
    s->durable = r->value;
    return OK;
  }
  if (r->kind == P2V_FAILED) {
    remote_error (s, c, "the conversion host refused the disk");
    return FATAL;
  }
  set_error (0, "%s: unexpected reply %" PRIu32 " from the receiver", s->label,
             r->kind);
  return FATAL;
}

/* Drains waiting replies; with block, waits for at least one. */
static enum outcome
drain (struct sender *s, struct conn *c, bool block)
{
  struct p2v_reply r;
  int n;

  while ((n = read_reply (c, block ? -1 : 0, &r)) != 0) {
    enum outcome o;
    if (n == -1) {
      remote_error (s, c, "the connection to the conversion host dropped");
      return LINK;
    }
    o = take_reply (s, c, &r);
    if (o != OK || block)
      return o;
  }
  return OK;
}

struct buffers {
  uint8_t *raw, *comp;
  size_t comp_size;
  ZSTD_CCtx *zc;
};

/* Sends chunk i: read, hash, compress (unless zero or incompressible). */
static enum outcome
send_chunk (struct sender *s, struct conn *c, int fd, struct buffers *b,
            uint64_t i)
{
  const struct p2v_chunk *ch = &s->chunks.ptr[i];
  struct p2v_frame f
      = { .type = P2V_DATA, .index = i, .offset = ch->offset, .len = ch->len };
  uint8_t head[P2V_FRAME_HEADER];
  const uint8_t *payload = NULL;
  ssize_t n = pread (fd, b->raw, ch->len, (off_t) ch->offset);

  if (n != (ssize_t) ch->len) {
    set_error (n == -1 ? errno : 0, "%s: read at byte %" PRIu64, s->label,
               ch->offset);
    return FATAL;
  }
  f.hash = p2v_hash (b->raw, ch->len);
  if (p2v_is_zero (b->raw, ch->len)) {
    f.flags = P2V_FLAG_ZERO;
    s->skipped_zero += ch->len;
  }
  else {
    size_t z = ZSTD_compressCCtx (b->zc, b->comp, b->comp_size, b->raw,
                                  ch->len, ZSTD_LEVEL);
    if (!ZSTD_isError (z) && z < ch->len - ch->len / 32) {
      f.flags = P2V_FLAG_ZSTD;
      f.clen = (uint32_t) z;
      payload = b->comp;
    }
    else {
      f.clen = ch->len;
      payload = b->raw;
    }
  }
  p2v_frame_encode (&f, head);
  if (fd_write_all (c->to, head, sizeof head) == -1
      || (f.clen && fd_write_all (c->to, payload, f.clen) == -1)) {
    remote_error (s, c, "the connection to the conversion host dropped");
    return LINK;
  }
  s->wire += sizeof head + f.clen;
  s->done += ch->len;
  return OK;
}

static uint64_t
bytes_before (const struct sender *s, uint64_t next)
{
  uint64_t t = 0;
  for (uint64_t i = 0; i < next; ++i)
    t += s->chunks.ptr[i].len;
  return t;
}

/* One connection's worth of sending: from the receiver's next chunk to
 * DONE.
 */
static enum outcome
stream (struct sender *s, struct conn *c, int fd, struct buffers *b,
        bool resume)
{
  uint64_t next;
  enum outcome o = connect_receiver (s, c, resume, &next);
  struct p2v_frame end
      = { .type = P2V_END, .index = s->chunks.len, .hash = s->plan_hash };
  uint8_t head[P2V_FRAME_HEADER];
  struct p2v_reply r;
  double start = now_seconds ();
  uint64_t wire0 = s->wire;

  if (o != OK)
    return o;
  if (next > 0) {
    s->resumed_at = next;
    debug ("%s: resuming at chunk %" PRIu64 " of %zu", s->label, next,
           s->chunks.len);
  }
  s->done = bytes_before (s, next);
  s->durable = next;
  for (uint64_t i = next; i < s->chunks.len; ++i) {
    if ((o = send_chunk (s, c, fd, b, i)) != OK
        || (o = drain (s, c, false)) != OK)
      return o;
    while (i + 1 - s->durable > WINDOW)
      if ((o = drain (s, c, true)) != OK)
        return o;
    bw_throttle (start, s->wire - wire0, s->bwlimit);
  }
  p2v_frame_encode (&end, head);
  if (fd_write_all (c->to, head, sizeof head) == -1) {
    remote_error (s, c, "the connection to the conversion host dropped");
    return LINK;
  }
  /* The receiver re-reads and checks everything: wait for its verdict. */
  for (;;) {
    int n = read_reply (c, -1, &r);
    if (n == -1) {
      remote_error (s, c, "the connection to the conversion host dropped");
      return LINK;
    }
    if (n == 0)
      continue;
    if (r.kind == P2V_DONE)
      return OK;
    if ((o = take_reply (s, c, &r)) != OK)
      return o;
  }
}

static int
open_err_file (struct sender *s)
{
  CLEANUP_FREE char *path = NULL;
  int fd;

  if (asprintf (&path, "%s/ssh-%u.err", s->tmpdir, s->index) == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd == -1)
    set_error (errno, "'%s'", path);
  return fd;
}

void *
send_disk (void *opaque)
{
  struct sender *s = opaque;
  struct buffers b = { 0 };
  struct conn c = { .pid = -1, .to = -1, .from = -1, .err_fd = -1 };
  CLEANUP_CLOSE int fd = open (s->path, O_RDONLY | O_CLOEXEC);
  enum outcome o = FATAL;
  bool resume = s->resume;

  s->status = -1;
  if (fd == -1) {
    set_error (errno, "'%s'", s->path);
    goto out;
  }
  b.comp_size = ZSTD_compressBound (P2V_CHUNK_MAX);
  b.raw = malloc (P2V_CHUNK_MAX);
  b.comp = malloc (b.comp_size);
  b.zc = ZSTD_createCCtx ();
  if (b.raw == NULL || b.comp == NULL || b.zc == NULL) {
    set_error (errno, "out of memory");
    goto out;
  }
  c.err_fd = open_err_file (s);
  if (c.err_fd == -1)
    goto out;
  for (int attempt = 0;; ++attempt) {
    o = stream (s, &c, fd, &b, resume);
    conn_close (&c);
    if (o != LINK || attempt >= s->retries)
      break;
    /* Keep what the receiver stored: the next connection resumes. */
    s->reconnects++;
    if (!quiet)
      fprintf (stderr, "\np2v: %s; reconnecting (%d of %d)\n", get_error (),
               attempt + 1, s->retries);
    sleep (attempt < 4 ? 1u << attempt : 15);
    resume = true;
  }
  if (o == OK)
    s->status = 0;
out:
  if (s->status == -1)
    s->error = strdup (get_error ());
  if (c.err_fd >= 0)
    close (c.err_fd);
  free (b.raw);
  free (b.comp);
  ZSTD_freeCCtx (b.zc);
  s->finished = true;
  return NULL;
}
