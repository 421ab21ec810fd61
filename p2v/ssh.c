/* p2v: the ssh connections to the conversion host (see ssh.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanups.h"
#include "command.h"
#include "errors.h"
#include "ssh.h"
#include "strbuf.h"
#include "vector.h"

/* The ssh processes started and not yet waited for, for
 * ssh_kill_children.
 */
#define MAX_CHILDREN 128
static volatile pid_t children[MAX_CHILDREN];
static pthread_mutex_t children_lock = PTHREAD_MUTEX_INITIALIZER;

static void
remember (pid_t pid)
{
  pthread_mutex_lock (&children_lock);
  for (size_t i = 0; i < MAX_CHILDREN; ++i)
    if (children[i] == 0) {
      children[i] = pid;
      break;
    }
  pthread_mutex_unlock (&children_lock);
}

pid_t
ssh_wait (pid_t pid, int *status, int flags)
{
  pid_t r = waitpid (pid, status, flags);

  if (r == pid) {
    pthread_mutex_lock (&children_lock);
    for (size_t i = 0; i < MAX_CHILDREN; ++i)
      if (children[i] == pid)
        children[i] = 0;
    pthread_mutex_unlock (&children_lock);
  }
  return r;
}

void
ssh_kill_children (void)
{
  for (size_t i = 0; i < MAX_CHILDREN; ++i)
    if (children[i] > 0)
      kill (children[i], SIGTERM);
}

/* "'it'\''s'": s quoted for a POSIX shell.  Caller frees. */
static char *
shell_quote (const char *s)
{
  struct strbuf b = { 0 };

  if (strbuf_add (&b, "'", 1) == -1)
    return NULL;
  for (; *s; ++s)
    if (strbuf_add (&b, *s == '\'' ? "'\\''" : s, *s == '\'' ? 4 : 1) == -1) {
      free (b.buf);
      return NULL;
    }
  if (strbuf_add (&b, "'", 1) == -1) {
    free (b.buf);
    return NULL;
  }
  return b.buf;
}

/* The host as known_hosts names it: "host" or "[host]:port". */
static char *
known_name (const struct ssh_target *t)
{
  char *s;

  if (t->port == 0 || t->port == 22)
    s = strdup (t->host);
  else if (asprintf (&s, "[%s]:%d", t->host, t->port) == -1)
    s = NULL;
  if (s == NULL)
    set_error (errno, "out of memory");
  return s;
}

/* What argv prints on stdout (at most 64 KiB), or NULL with the error
 * set.  Caller frees.
 */
static char *
capture_output (const char *const *argv)
{
  char *out;

  return run_command_output (argv, 65536, &out) == -1 ? NULL : out;
}

/* The fingerprint ("SHA256:...") of one public key line. */
static char *
fingerprint (const char *keyline, const char *tmpdir)
{
  CLEANUP_FREE char *file = NULL, *out = NULL;
  const char *argv[]
      = { "ssh-keygen", "-l", "-E", "sha256", "-f", NULL, NULL };
  FILE *fp;
  char *fp_start, *end;

  if (asprintf (&file, "%s/key.pub", tmpdir) == -1) {
    file = NULL;
    set_error (errno, "asprintf");
    return NULL;
  }
  fp = fopen (file, "we");
  if (fp == NULL) {
    set_error (errno, "'%s'", file);
    return NULL;
  }
  fprintf (fp, "%s\n", keyline);
  fclose (fp);
  argv[5] = file;
  out = capture_output (argv);
  unlink (file);
  if (out == NULL)
    return NULL;
  fp_start = strstr (out, "SHA256:");
  if (fp_start == NULL) {
    set_error (0, "ssh-keygen printed no fingerprint");
    return NULL;
  }
  end = fp_start + strcspn (fp_start, " \n");
  return strndup (fp_start, (size_t) (end - fp_start));
}

static int
write_known_hosts (struct ssh_target *t, const char *tmpdir,
                   const char *const *keys, size_t n)
{
  CLEANUP_FREE char *name = known_name (t);
  FILE *fp;

  if (name == NULL)
    return -1;
  if (asprintf (&t->known_hosts, "%s/known_hosts", tmpdir) == -1) {
    t->known_hosts = NULL;
    set_error (errno, "asprintf");
    return -1;
  }
  fp = fopen (t->known_hosts, "we");
  if (fp == NULL) {
    set_error (errno, "'%s'", t->known_hosts);
    return -1;
  }
  for (size_t i = 0; i < n; ++i)
    fprintf (fp, "%s %s\n", name, keys[i]);
  if (fclose (fp) == EOF) {
    set_error (errno, "'%s'", t->known_hosts);
    return -1;
  }
  return 0;
}

/* "type base64" of each key line in text (a .pub or known_hosts file,
 * or ssh-keyscan's output): the host field of a known_hosts line is
 * dropped, since we name the host ourselves.
 */
static void
key_lines (char *text, string_vector *keys)
{
  for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n")) {
    char *p = line + strspn (line, " \t");
    if (*p == '#' || *p == '\0')
      continue;
    if (strncmp (p, "ssh-", 4) != 0 && strncmp (p, "ecdsa-", 6) != 0) {
      p = strchr (p, ' '); /* known_hosts: skip the host names */
      if (p == NULL)
        continue;
      p += strspn (p, " ");
    }
    string_vector_appendf (keys, "%s", p);
  }
}

static char *
keyscan (const struct ssh_target *t)
{
  char port[16];
  const char *argv[]
      = { "ssh-keyscan", "-T", "15", "-p", port, t->host, NULL };

  snprintf (port, sizeof port, "%d", t->port ? t->port : 22);
  return capture_output (argv);
}

static bool
confirm (void)
{
  char answer[16];
  FILE *tty = fopen ("/dev/tty", "r+e");
  bool yes;

  if (tty == NULL)
    return false;
  fprintf (tty, "Is this the conversion host's key? [y/N] ");
  fflush (tty);
  yes = fgets (answer, sizeof answer, tty)
        && (answer[0] == 'y' || answer[0] == 'Y');
  fclose (tty);
  return yes;
}

int
ssh_trust_host (struct ssh_target *t, const char *hostkey, const char *tmpdir)
{
  string_vector keys = empty_vector, ok = empty_vector;
  CLEANUP_FREE char *text = NULL;
  bool ask = strcmp (hostkey, "ask") == 0;
  bool by_fp = strncmp (hostkey, "SHA256:", 7) == 0;
  int r = -1;

  if (ask || by_fp)
    text = keyscan (t);
  else {
    FILE *fp = fopen (hostkey, "re");
    struct strbuf b = { 0 };
    char buf[4096];
    size_t n;
    if (fp == NULL) {
      set_error (errno, "host key '%s'", hostkey);
      return -1;
    }
    while ((n = fread (buf, 1, sizeof buf, fp)) > 0 && b.len < 65536)
      strbuf_add (&b, buf, n);
    fclose (fp);
    text = b.buf;
  }
  if (text == NULL) {
    prefix_error ("the host key of '%s'", t->host);
    return -1;
  }
  key_lines (text, &keys);
  for (size_t i = 0; i < keys.len; ++i) {
    CLEANUP_FREE char *f = NULL;
    if (!ask && !by_fp) {
      string_vector_appendf (&ok, "%s", keys.ptr[i]);
      continue;
    }
    f = fingerprint (keys.ptr[i], tmpdir);
    if (f == NULL)
      goto out;
    if (ask)
      fprintf (stderr, "p2v: %s offers key %s\n", t->host, f);
    else if (strcmp (f, hostkey) == 0)
      string_vector_appendf (&ok, "%s", keys.ptr[i]);
  }
  if (ask && keys.len > 0 && confirm ())
    for (size_t i = 0; i < keys.len; ++i)
      string_vector_appendf (&ok, "%s", keys.ptr[i]);
  if (ok.len == 0) {
    set_error (0,
               "'%s' did not show the expected host key (%s): not "
               "connecting",
               t->host, ask ? "not confirmed" : hostkey);
    goto out;
  }
  r = write_known_hosts (t, tmpdir, (const char *const *) ok.ptr, ok.len);
out:
  free_string_vector (&keys);
  free_string_vector (&ok);
  return r;
}

pid_t
ssh_spawn (const struct ssh_target *t, const char *const *args, int err_fd,
           int *to_fd, int *from_fd)
{
  string_vector argv = empty_vector;
  struct strbuf cmd = { 0 };
  int in[2], out[2];
  pid_t pid = -1;

  string_vector_appendf (&argv, "ssh");
  string_vector_appendf (&argv, "-T");
  if (t->port)
    string_vector_appendf (&argv, "-p%d", t->port);
  if (t->user)
    string_vector_appendf (&argv, "-l%s", t->user);
  if (t->identity) {
    string_vector_appendf (&argv, "-i%s", t->identity);
    string_vector_appendf (&argv, "-oIdentitiesOnly=yes");
  }
  if (t->known_hosts) {
    string_vector_appendf (&argv, "-oUserKnownHostsFile=%s", t->known_hosts);
    string_vector_appendf (&argv, "-oGlobalKnownHostsFile=/dev/null");
  }
  string_vector_appendf (&argv, "-oStrictHostKeyChecking=yes");
  string_vector_appendf (&argv, "-oBatchMode=yes");
  string_vector_appendf (&argv, "-oConnectTimeout=20");
  string_vector_appendf (&argv, "-oServerAliveInterval=5");
  string_vector_appendf (&argv, "-oServerAliveCountMax=3");
  string_vector_appendf (&argv, "-oCompression=no");
  string_vector_appendf (&argv, "-oLogLevel=ERROR");
  string_vector_appendf (&argv, "%s", t->host);

  strbuf_add (&cmd, t->remote, strlen (t->remote));
  strbuf_add (&cmd, " receive", 8);
  for (size_t i = 0; args[i]; ++i) {
    CLEANUP_FREE char *q = shell_quote (args[i]);
    if (q == NULL || strbuf_add (&cmd, " ", 1) == -1
        || strbuf_add (&cmd, q, strlen (q)) == -1) {
      set_error (errno, "out of memory");
      goto out;
    }
  }
  string_vector_appendf (&argv, "%s", cmd.buf);
  if (string_vector_append (&argv, NULL) == -1) {
    set_error (errno, "out of memory");
    goto out;
  }
  if (pipe2 (in, O_CLOEXEC) == -1) {
    set_error (errno, "pipe");
    goto out;
  }
  if (pipe2 (out, O_CLOEXEC) == -1) {
    set_error (errno, "pipe");
    close (in[0]);
    close (in[1]);
    goto out;
  }
  pid = fork ();
  if (pid == -1) {
    set_error (errno, "fork");
    close (in[0]);
    close (in[1]);
    close (out[0]);
    close (out[1]);
    goto out;
  }
  if (pid == 0) {
    dup2 (in[0], 0);
    dup2 (out[1], 1);
    if (err_fd >= 0)
      dup2 (err_fd, 2);
    execvp ("ssh", argv.ptr);
    _exit (127);
  }
  close (in[0]);
  close (out[1]);
  *to_fd = in[1];
  *from_fd = out[0];
  remember (pid);
out:
  free (cmd.buf);
  /* argv ends with NULL, which free_string_vector skips. */
  free_string_vector (&argv);
  return pid;
}
