/* p2v: what capture and agent share: picking the disks, naming the
 * machine, and asking the conversion host to convert it.
 */
#ifndef P2V_CAPTURE_H
#define P2V_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"
#include "ssh.h"

/* A number option from min to max, or die. */
extern int int_arg (const char *s, const char *what, int min, int max);

/* The disks named by list ("sda,nvme0n1", paths, or NULL/"all": every
 * disk not skipped) as indices into m->disks; dies on a bad list.
 */
extern size_t select_disks (struct machine *m, const char *list, size_t *sel,
                            size_t max);

/* p2v-MAC of the first NIC, or the host name.  Caller frees. */
extern char *default_name (const struct machine *m);

/* Sleeps as long as sending bytes since start (now_seconds) ahead of
 * bwlimit bytes a second needs; bwlimit 0: no limit.
 */
extern void bw_throttle (double start, uint64_t bytes, uint64_t bwlimit);

struct finish_target {
  const struct ssh_target *ssh;
  const char *receive_dir; /* or NULL */
  const char *output;      /* or NULL: none */
  const char *format;
};

/* Sends the machine's XML to p2v receive --finish, which checks every
 * disk arrived and converts.  0, or -1 with the error set.
 */
extern int remote_finish (const struct finish_target *o, const char *name,
                          const char *xml, size_t ndisks);

#endif /* P2V_CAPTURE_H */
