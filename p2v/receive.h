/* p2v receive: the conversion host's side. */
#ifndef P2V_RECEIVE_H
#define P2V_RECEIVE_H

#include <stdbool.h>
#include <stdint.h>

struct receive_options {
  const char *dir;     /* where sessions live: /var/tmp/p2v-receive */
  const char *session; /* the machine's name: a directory in dir */
  /* One disk's stream. */
  int disk;           /* -1: not a disk stream */
  uint64_t size;      /* the disk's size */
  uint64_t plan_hash; /* p2v_plan_hash of the sender's plan */
  bool resume;
  /* The end: convert the session. */
  bool finish;
  unsigned ndisks;
  const char *output; /* -o: DIR, libvirt:URI, or "none" (keep disks) */
  const char *format; /* -O */
};

/* A disk's SESSION/disk-N.state: the plan it is received by, its size,
 * the first chunk not yet durable, and whether it arrived and verified.
 */
struct disk_state {
  uint64_t plan, size, next;
  int done;
};

/* Reads path: 0, or -1 if it is missing or not a state file. */
extern int disk_state_read (const char *path, struct disk_state *st);

/* Receives one disk into SESSION/disk-N.raw.  Exit status. */
extern int receive_disk (const struct receive_options *o);

/* Reads the machine's XML on stdin, checks every disk arrived, and
 * converts with v2v convert.  Exit status.
 */
extern int receive_finish (const struct receive_options *o);

/* The session directory (created 0700 with its parent): caller frees.
 * NULL with the error set.
 */
extern char *session_dir (const struct receive_options *o);

/* Appends a line to the session's log, DIR/SESSION.log. */
extern void session_log (const struct receive_options *o, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

#endif /* P2V_RECEIVE_H */
