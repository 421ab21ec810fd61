/* p2v receive --finish: every disk arrived; write the machine's XML
 * beside them and convert it with v2v convert, as for any libvirt
 * source, logging to DIR/SESSION.log.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "p2v.h"
#include "receive.h"

#define MAX_XML (1024 * 1024)

/* v2v beside this program (installed), in the build tree (../v2v/v2v),
 * else from PATH.  Caller frees.
 */
static char *
find_v2v (void)
{
  char self[PATH_MAX], *dir, *p;
  ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);

  if (n > 0) {
    self[n] = '\0';
    dir = dirname (self);
    if (asprintf (&p, "%s/v2v", dir) != -1) {
      if (access (p, X_OK) == 0)
        return p;
      free (p);
    }
    if (asprintf (&p, "%s/../v2v/v2v", dir) != -1) {
      if (access (p, X_OK) == 0)
        return p;
      free (p);
    }
  }
  return strdup ("v2v");
}

static char *
read_stdin (size_t *len)
{
  char *buf = malloc (MAX_XML + 1);
  size_t n = 0;
  ssize_t r;

  if (buf == NULL)
    die ("out of memory");
  while ((r = read (0, buf + n, MAX_XML + 1 - n)) > 0)
    n += (size_t) r;
  if (r == -1)
    die ("reading the machine's description: %m");
  if (n > MAX_XML)
    die ("the machine's description is larger than %d bytes", MAX_XML);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* Each disk's state says done. */
static void
check_disks (const struct receive_options *o, const char *dir)
{
  for (unsigned i = 0; i < o->ndisks; ++i) {
    CLEANUP_FREE char *state = NULL;
    struct disk_state st;

    if (asprintf (&state, "%s/disk-%u.state", dir, i) == -1)
      die ("out of memory");
    if (disk_state_read (state, &st) == -1 || !st.done)
      die ("disk %u of '%s' has not arrived completely", i, o->session);
  }
}

static void
write_file (const char *path, const char *buf, size_t len)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd == -1 || write (fd, buf, len) != (ssize_t) len || close (fd) == -1)
    die ("'%s': %m", path);
}

/* Runs v2v convert, its output to the log and to our stderr. */
static int
convert (const struct receive_options *o, const char *xml)
{
  CLEANUP_FREE char *v2v = find_v2v (), *log = NULL;
  const char *argv[16];
  size_t a = 0;
  int pfd[2], status;
  pid_t pid;
  FILE *logf, *in;
  char line[4096];

  if (v2v == NULL || asprintf (&log, "%s/%s.log", o->dir, o->session) == -1)
    die ("out of memory");
  argv[a++] = v2v;
  argv[a++] = "convert";
  argv[a++] = xml;
  argv[a++] = "-o";
  argv[a++] = o->output;
  argv[a++] = "-O";
  argv[a++] = o->format;
  argv[a++] = "--name";
  argv[a++] = o->session;
  argv[a++] = "-v";
  if (machine_readable)
    argv[a++] = "--machine-readable";
  argv[a] = NULL;
  session_log (o, "converting: %s convert %s -o %s -O %s --name %s", v2v, xml,
               o->output, o->format, o->session);
  if (pipe2 (pfd, O_CLOEXEC) == -1)
    die ("pipe: %m");
  pid = fork ();
  if (pid == -1)
    die ("fork: %m");
  if (pid == 0) {
    dup2 (pfd[1], 1);
    dup2 (pfd[1], 2);
    execvp (argv[0], (char *const *) argv);
    fprintf (stderr, "p2v: error: cannot run '%s': %m\n", argv[0]);
    _exit (127);
  }
  close (pfd[1]);
  in = fdopen (pfd[0], "r");
  logf = fopen (log, "ae");
  while (in && fgets (line, sizeof line, in)) {
    if (logf) {
      fputs (line, logf);
      fflush (logf);
    }
    /* The sender shows it; a dropped link must not stop the conversion. */
    if (!quiet || strstr (line, "error"))
      fputs (line, stderr);
  }
  if (in)
    fclose (in);
  if (logf)
    fclose (logf);
  if (waitpid (pid, &status, 0) == -1)
    die ("waitpid: %m");
  return WIFEXITED (status) ? WEXITSTATUS (status) : EXIT_FAILURE;
}

static void
remove_disks (const struct receive_options *o, const char *dir)
{
  static const char *const kinds[] = { "raw", "state", "manifest", "lock" };

  for (unsigned i = 0; i < o->ndisks; ++i)
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
      CLEANUP_FREE char *p = NULL;
      if (asprintf (&p, "%s/disk-%u.%s", dir, i, kinds[k]) != -1)
        unlink (p);
    }
}

int
receive_finish (const struct receive_options *o)
{
  CLEANUP_FREE char *dir = session_dir (o), *xml = NULL, *text = NULL;
  size_t len;
  int r;

  if (dir == NULL)
    die_error ();
  signal (SIGPIPE, SIG_IGN);
  signal (SIGHUP, SIG_IGN); /* the link may drop: convert anyway */
  text = read_stdin (&len);
  check_disks (o, dir);
  if (asprintf (&xml, "%s/machine.xml", dir) == -1)
    die ("out of memory");
  write_file (xml, text, len);
  session_log (o, "all %u disk(s) arrived", o->ndisks);
  if (o->output == NULL || strcmp (o->output, "none") == 0) {
    session_log (o, "kept the received disks in %s (-o none)", dir);
    fprintf (stderr, "p2v: received disks kept in %s\n", dir);
    return EXIT_SUCCESS;
  }
  r = convert (o, xml);
  if (r != 0) {
    session_log (o,
                 "conversion failed (exit %d): the received disks stay in "
                 "%s",
                 r, dir);
    fprintf (stderr,
             "p2v: error: the conversion failed; the received disks stay in "
             "%s (log: %s/%s.log)\n",
             dir, o->dir, o->session);
    return EXIT_FAILURE;
  }
  session_log (o, "converted to %s", o->output);
  remove_disks (o, dir);
  unlink (xml);
  rmdir (dir);
  return EXIT_SUCCESS;
}
