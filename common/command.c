/* vmshift: running helper programs (command.h). */
#include <config.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "errors.h"

/* "ARGV0 failed: <the last line of buf>"; buf has room for a NUL. */
static void
set_failed (const char *argv0, char *buf, size_t len)
{
  char *last;

  buf[len] = '\0';
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    buf[--len] = '\0';
  last = strrchr (buf, '\n');
  set_error (0, "%s failed: %s", argv0,
             last  ? last + 1
             : len ? buf
                   : "no message");
}

int
run_command (const char *const *argv)
{
  int errp[2];
  pid_t pid;
  int status;
  char buf[4096];
  size_t len = 0;
  ssize_t r;

  if (pipe2 (errp, O_CLOEXEC) == -1) {
    set_error (errno, "pipe");
    return -1;
  }
  pid = fork ();
  if (pid == -1) {
    set_error (errno, "fork");
    close (errp[0]);
    close (errp[1]);
    return -1;
  }
  if (pid == 0) {
    int null = open ("/dev/null", O_RDWR);
    dup2 (null, 0);
    dup2 (null, 1);
    dup2 (errp[1], 2);
    execvp (argv[0], (char **) argv);
    fprintf (stderr, "%s: %s\n", argv[0], strerror (errno));
    _exit (127);
  }
  close (errp[1]);
  /* Keep the tail of stderr: the last line says what went wrong. */
  while ((r = read (errp[0], buf + len, sizeof buf - 1 - len)) > 0) {
    len += r;
    if (len == sizeof buf - 1) {
      memmove (buf, buf + len / 2, len - len / 2);
      len -= len / 2;
    }
  }
  close (errp[0]);
  if (waitpid (pid, &status, 0) == -1) {
    set_error (errno, "waitpid");
    return -1;
  }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  set_failed (argv[0], buf, len);
  return -1;
}

int
run_command_output (const char *const *argv, size_t max, char **out)
{
  int outp[2], errfd;
  pid_t pid;
  int status;
  char *buf = NULL, err[4096];
  size_t len = 0, cap = 0;
  ssize_t r = 0, errlen;
  bool too_long = false;

  errfd = memfd_create ("stderr", MFD_CLOEXEC);
  if (errfd == -1) {
    set_error (errno, "memfd_create");
    return -1;
  }
  if (pipe2 (outp, O_CLOEXEC) == -1) {
    set_error (errno, "pipe");
    close (errfd);
    return -1;
  }
  pid = fork ();
  if (pid == -1) {
    set_error (errno, "fork");
    close (outp[0]);
    close (outp[1]);
    close (errfd);
    return -1;
  }
  if (pid == 0) {
    int null = open ("/dev/null", O_RDONLY);
    dup2 (null, 0);
    dup2 (outp[1], 1);
    dup2 (errfd, 2);
    execvp (argv[0], (char **) argv);
    fprintf (stderr, "%s: %s\n", argv[0], strerror (errno));
    _exit (127);
  }
  close (outp[1]);
  while (!too_long) {
    if (len + 4096 + 1 > cap) {
      char *p = realloc (buf, cap = len + 65536);
      if (p == NULL) {
        r = -1;
        break;
      }
      buf = p;
    }
    r = read (outp[0], buf + len, cap - 1 - len);
    if (r <= 0)
      break;
    len += r;
    too_long = len > max;
  }
  close (outp[0]);
  if (waitpid (pid, &status, 0) == -1) {
    set_error (errno, "waitpid");
    goto err;
  }
  if (r == -1 || too_long) {
    set_error (too_long ? 0 : errno, "%s: %s", argv[0],
               too_long ? "too much output" : "reading its output");
    goto err;
  }
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
    errlen = pread (errfd, err, sizeof err - 1, 0);
    set_failed (argv[0], err, errlen > 0 ? errlen : 0);
    goto err;
  }
  close (errfd);
  buf[len] = '\0';
  *out = buf;
  return 0;

err:
  close (errfd);
  free (buf);
  return -1;
}

int
create_overlay (const char *backing, const char *backing_fmt, const char *path)
{
  const char *argv[] = {
    "qemu-img", "create", "-q", "-f",        "qcow2", "-o", "compat=1.1",
    "-b",       backing,  "-F", backing_fmt, path,    NULL,
  };

  if (run_command (argv) == -1) {
    prefix_error ("could not open '%s' through an overlay", backing);
    return -1;
  }
  return 0;
}
