/* p2v: running p2v receive on the conversion host through ssh. */
#ifndef P2V_SSH_H
#define P2V_SSH_H

#include <sys/types.h>

struct ssh_target {
  const char *host;
  int port;             /* 0: ssh's default */
  const char *user;     /* NULL: ssh's default */
  const char *identity; /* private key file, or NULL */
  char *known_hosts;    /* our known_hosts file, or NULL (ssh's own) */
  const char *remote;   /* the p2v program there: "p2v" */
};

/* Makes t->known_hosts from hostkey: a .pub file or a known_hosts file
 * of the conversion host's key; "SHA256:..." (the key ssh-keyscan sees
 * must have that fingerprint); or "ask" (the fingerprints are shown and
 * the user confirms on the terminal).  The file goes in tmpdir.  0, or
 * -1 with the error set.
 */
extern int ssh_trust_host (struct ssh_target *t, const char *hostkey,
                           const char *tmpdir);

/* Starts "ssh ... REMOTE receive ARGS..." (each argument shell-quoted
 * for the remote shell), in batch mode with keepalives so that a dead
 * link is noticed within seconds.  *to_fd writes its stdin, *from_fd
 * reads its stdout; its stderr goes to err_fd (-1: ours).  Returns the
 * pid, or -1 with the error set.
 */
extern pid_t ssh_spawn (const struct ssh_target *t, const char *const *args,
                        int err_fd, int *to_fd, int *from_fd);

/* waitpid for an ssh from ssh_spawn (which then forgets it). */
extern pid_t ssh_wait (pid_t pid, int *status, int flags);

/* SIGTERM to every ssh started and not yet waited for: on the way out
 * after a signal, so that none outlives its p2v.
 */
extern void ssh_kill_children (void);

#endif /* P2V_SSH_H */
