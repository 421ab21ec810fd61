/* p2v: sending one disk's used chunks to p2v receive, resuming after a
 * dropped connection.
 */
#ifndef P2V_SEND_DISK_H
#define P2V_SEND_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "p2v-proto.h"
#include "ssh.h"

struct sender {
  /* Set by the caller. */
  const struct ssh_target *ssh;
  const char *session;     /* the machine's name */
  const char *receive_dir; /* --dir on the conversion host, or NULL */
  unsigned index;          /* disk number in the machine */
  const char *label;       /* "sda" */
  const char *path;
  uint64_t size;
  p2v_chunk_vector chunks;
  uint64_t plan_hash;
  uint64_t planned; /* bytes in chunks */
  bool resume;      /* the first connection resumes too */
  int retries;      /* reconnections allowed after a drop */
  uint64_t bwlimit; /* bytes per second on the wire, 0: none */
  const char *tmpdir;

  /* Progress, read by the display while the sender runs. */
  volatile uint64_t done;    /* bytes of chunks sent */
  volatile uint64_t wire;    /* bytes written to ssh */
  volatile uint64_t durable; /* chunks the receiver has stored */
  volatile int reconnects;
  volatile bool finished;

  /* Result. */
  uint64_t skipped_zero; /* bytes of all-zero chunks (not sent) */
  uint64_t resumed_at;   /* chunk of the last resume */
  int status;            /* 0 or -1 */
  char *error;           /* when status is -1; owned */
};

/* The thread body: sends s's disk, sets s->status and s->error. */
extern void *send_disk (void *s);

#endif /* P2V_SEND_DISK_H */
