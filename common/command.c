/* vmshift: running helper programs (command.h). */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "errors.h"

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
  buf[len] = '\0';
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
    buf[--len] = '\0';
  if (waitpid (pid, &status, 0) == -1) {
    set_error (errno, "waitpid");
    return -1;
  }
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  char *last = strrchr (buf, '\n');
  set_error (0, "%s failed: %s", argv[0],
             last  ? last + 1
             : len ? buf
                   : "no message");
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
