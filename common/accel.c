/* vmshift: KVM probe (accel.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
    execlp ("qemu-system-x86_64", "qemu-system-x86_64", "-accel", "kvm",
            "-nodefaults", "-display", "none", "-machine", "pc", "-cpu",
            "host", "-m", "16", "-S", "-qmp", "stdio", (char *) NULL);
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

void
accel_qemu_wrapper (int argc, char **argv)
{
  const char *qemu = getenv ("VMSHIFT_QEMU");
  char **args, tcg[64];
  int n = 0;
  bool moved = false;

  if (qemu == NULL || qemu[0] != '/')
    return;
  args = calloc (argc + 3, sizeof (char *));
  if (args == NULL)
    return;
  args[n++] = (char *) qemu;
  for (int i = 1; i < argc; ++i) {
    char *a = argv[i], *acc;
    if (i > 1 && strcmp (argv[i - 1], "-machine") == 0
        && (acc = strstr (a, "accel=tcg")) != NULL
        && (acc == a || acc[-1] == ',') && (acc[9] == '\0' || acc[9] == ',')) {
      /* "pc,accel=tcg,x=y" -> "pc,x=y"; "accel=tcg" alone -> "" */
      char *copy = strdup (a);
      if (copy == NULL)
        return;
      char *p = copy + (acc - a);
      size_t cut = 9 + (p[9] == ',' ? 1 : 0);
      if (cut == 9 && p > copy && p[-1] == ',') {
        p--;
        cut++;
      }
      memmove (p, p + cut, strlen (p + cut) + 1);
      a = copy;
      moved = true;
    }
    args[n++] = a;
  }
  if (moved) {
    snprintf (tcg, sizeof tcg, "tcg,tb-size=%d", TCG_TB_MIB);
    args[n++] = (char *) "-accel";
    args[n++] = tcg;
  }
  args[n] = NULL;
  unsetenv ("VMSHIFT_QEMU");
  execv (qemu, args);
}

const char *
accel_appliance_hv (const char *real_qemu)
{
  static char self[4096];
  ssize_t n;

  if (accel_kvm_usable () || real_qemu == NULL || real_qemu[0] != '/')
    return NULL;
  n = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return NULL;
  self[n] = '\0';
  if (setenv ("VMSHIFT_QEMU", real_qemu, 1) == -1)
    return NULL;
  return self;
}
