/* p2v receive: what the disk streams share (cold capture and agent
 * rounds): reading stdin, replying, refusing, the disk's lock and state,
 * unpacking a frame.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <zstd.h>

#include "cleanups.h"
#include "errors.h"
#include "p2v-proto.h"
#include "cli.h"
#include "receive.h"

#define LOCK_WAIT 15 /* seconds for an older receiver of the disk to go */

void
receive_reply (uint32_t kind, uint64_t value, uint64_t extra)
{
  struct p2v_reply r = {
    .kind = kind, .version = P2V_PROTO_VERSION, .value = value, .extra = extra
  };
  uint8_t b[P2V_REPLY_SIZE];

  p2v_reply_encode (&r, b);
  if (write (1, b, sizeof b) != (ssize_t) sizeof b)
    exit (EXIT_FAILURE); /* the sender is gone; the state is safe */
}

void
receive_refuse (const struct receive_options *o, uint64_t chunk,
                const char *fmt, ...)
{
  CLEANUP_FREE char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) == -1)
    msg = NULL;
  va_end (ap);
  session_log (o, "disk %d: error: %s", o->disk, msg ? msg : fmt);
  receive_reply (P2V_FAILED, chunk, P2V_CHUNK_MAX);
  die ("disk %d: %s", o->disk, msg ? msg : fmt);
}

int
disk_state_read (const char *path, struct disk_state *st)
{
  FILE *fp = fopen (path, "re");
  int n;

  if (fp == NULL)
    return -1;
  n = fscanf (fp, "plan %" SCNx64 " size %" SCNu64 " next %" SCNu64 " done %d",
              &st->plan, &st->size, &st->next, &st->done);
  fclose (fp);
  return n == 4 ? 0 : -1;
}

void
receive_write_state (const struct receive_options *o, const char *path,
                     const struct disk_state *st)
{
  CLEANUP_FREE char *tmp = NULL;
  FILE *fp;

  if (asprintf (&tmp, "%s.tmp", path) == -1)
    receive_refuse (o, st->next, "out of memory");
  fp = fopen (tmp, "we");
  if (fp == NULL
      || fprintf (fp,
                  "plan %016" PRIx64 " size %" PRIu64 " next %" PRIu64
                  " done %d\n",
                  st->plan, st->size, st->next, st->done)
             < 0
      || fflush (fp) == EOF || fdatasync (fileno (fp)) == -1) {
    if (fp)
      fclose (fp);
    receive_refuse (o, st->next, "'%s': %s", tmp, strerror (errno));
  }
  fclose (fp);
  if (rename (tmp, path) == -1)
    receive_refuse (o, st->next, "'%s': %s", path, strerror (errno));
}

int
receive_lock (const struct receive_options *o, const char *path)
{
  char pid_text[32];
  ssize_t n;
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd == -1)
    die ("'%s': %m", path);
  for (int i = 0; flock (fd, LOCK_EX | LOCK_NB) == -1; ++i) {
    if (i == 0) {
      n = pread (fd, pid_text, sizeof pid_text - 1, 0);
      if (n > 0) {
        pid_t old;
        pid_text[n] = '\0';
        old = (pid_t) atoi (pid_text);
        if (old > 1 && old != getpid ()) {
          session_log (o, "disk %d: stopping the older receiver %d", o->disk,
                       (int) old);
          kill (old, SIGTERM);
        }
      }
    }
    if (i >= LOCK_WAIT * 10)
      die ("disk %d is being received by another process", o->disk);
    usleep (100000);
  }
  snprintf (pid_text, sizeof pid_text, "%d\n", (int) getpid ());
  if (ftruncate (fd, 0) == -1
      || pwrite (fd, pid_text, strlen (pid_text), 0) == -1)
    die ("'%s': %m", path);
  return fd;
}

void
receive_unpack (const struct receive_options *o, const struct p2v_frame *fr,
                const uint8_t *payload, uint8_t *raw, ZSTD_DCtx *dz)
{
  if (fr->flags == P2V_FLAG_ZERO)
    memset (raw, 0, fr->len);
  else if (fr->flags == P2V_FLAG_ZSTD) {
    size_t n = ZSTD_decompressDCtx (dz, raw, fr->len, payload, fr->clen);
    if (ZSTD_isError (n) || n != fr->len)
      receive_refuse (o, fr->index, "chunk %" PRIu64 " does not decompress",
                      fr->index);
  }
  else
    memcpy (raw, payload, fr->len);
  if (p2v_hash (raw, fr->len) != fr->hash)
    receive_refuse (o, fr->index,
                    "chunk %" PRIu64 " arrived damaged (checksum)", fr->index);
}
