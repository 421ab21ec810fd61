/* vmshift: KVM probe (accel.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "accel.h"

#define QMP_QUIT "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n"

static int cached = -1;

/* Writes s to a pipe whose reader may be gone, without dying of
 * SIGPIPE: the signal is blocked and any pending one consumed.
 */
static void
write_ignoring_sigpipe (int fd, const char *s)
{
  sigset_t pipe_set, old;
  struct timespec zero = { 0, 0 };

  sigemptyset (&pipe_set);
  sigaddset (&pipe_set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &pipe_set, &old);
  if (write (fd, s, strlen (s)) == -1 && errno == EPIPE)
    sigtimedwait (&pipe_set, NULL, &zero);
  pthread_sigmask (SIG_SETMASK, &old, NULL);
}

/* Runs the probe QEMU with the QMP script on stdin; true if it exited 0. */
static bool
probe_qemu (void)
{
  int in[2];
  pid_t pid;
  int status;

  if (access ("/dev/kvm", R_OK | W_OK) == -1)
    return false;
  if (pipe2 (in, O_CLOEXEC) == -1)
    return false;
  pid = fork ();
  if (pid == -1) {
    close (in[0]);
    close (in[1]);
    return false;
  }
  if (pid == 0) {
    int null = open ("/dev/null", O_RDWR);
    dup2 (in[0], 0);
    dup2 (null, 1);
    dup2 (null, 2);
    execlp ("qemu-system-x86_64", "qemu-system-x86_64",
            "-accel", "kvm", "-nodefaults", "-display", "none",
            "-machine", "pc", "-cpu", "host", "-m", "16", "-S",
            "-qmp", "stdio", (char *) NULL);
    _exit (127);
  }
  close (in[0]);
  write_ignoring_sigpipe (in[1], QMP_QUIT);
  close (in[1]);
  if (waitpid (pid, &status, 0) == -1)
    return false;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

bool
accel_kvm_usable (void)
{
  const char *force = getenv ("VMSHIFT_ACCEL");

  if (cached == -1) {
    if (force && strcmp (force, "kvm") == 0)
      cached = 1;
    else if (force && strcmp (force, "tcg") == 0)
      cached = 0;
    else
      cached = probe_qemu ();
  }
  return cached;
}

const char *
accel_name (void)
{
  return accel_kvm_usable () ? "kvm" : "tcg";
}
