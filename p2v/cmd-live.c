/* p2v live: the LiveCD's front end, run by its /init once the network is
 * up.  The settings come from the kernel command line (p2v.server=...);
 * without a server there, a plain dialog on the console asks for them.
 * Then it runs 'p2v capture' and, when that worked and the LiveCD's init
 * asked for it, powers the machine off.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "p2v-cmdline.h"
#include "p2v.h"

struct live_options {
  const char *cmdline; /* --cmdline, default /proc/cmdline */
  bool poweroff;       /* --poweroff: started by the LiveCD's init */
  bool dry_run;        /* --dry-run */
};

static void
usage (FILE *fp)
{
  fprintf (fp, "usage: p2v live [options]\n"
               "\n"
               "The p2v LiveCD's front end.  Reads the p2v.* settings from "
               "the kernel\n"
               "command line; with p2v.server= it runs 'p2v capture' without "
               "asking,\n"
               "else it asks for the settings on the console first.\n"
               "\n"
               "      --cmdline FILE       read the kernel command line from "
               "FILE\n"
               "                           (/proc/cmdline)\n"
               "      --poweroff           power off after a successful "
               "capture when\n"
               "                           p2v.poweroff says so (the "
               "LiveCD's init\n"
               "                           gives this)\n"
               "      --dry-run            print the capture command instead "
               "of running\n"
               "                           it\n"
               "  -v, --verbose            say more\n"
               "  -q, --quiet              say nothing but errors\n"
               "  -h, --help               this help\n");
}

static void
parse_options (int argc, char **argv, struct live_options *o)
{
  enum { OPT_CMDLINE = 256, OPT_POWEROFF, OPT_DRY_RUN };
  static const struct option long_options[] = {
    { "cmdline", required_argument, NULL, OPT_CMDLINE },
    { "poweroff", no_argument, NULL, OPT_POWEROFF },
    { "dry-run", no_argument, NULL, OPT_DRY_RUN },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  memset (o, 0, sizeof *o);
  o->cmdline = "/proc/cmdline";
  while ((c = getopt_long (argc, argv, "vqh", long_options, NULL)) != -1) {
    switch (c) {
      case OPT_CMDLINE: o->cmdline = optarg; break;
      case OPT_POWEROFF: o->poweroff = true; break;
      case OPT_DRY_RUN: o->dry_run = true; break;
      case 'h': usage (stdout); exit (EXIT_SUCCESS);
      default:
        if (cli_option (c))
          break;
        usage (stderr);
        exit (EXIT_FAILURE);
    }
  }
  if (optind != argc) {
    usage (stderr);
    exit (EXIT_FAILURE);
  }
}

/* Asks "LABEL [DEFAULT]: " on stdout and reads a line; until the
 * answer is a valid value for key (an empty answer keeps the default,
 * which is then not set; required refuses it).  Dies at end of input.
 */
static void
ask (struct p2v_settings *s, const char *label, const char *key,
     const char *def, bool required)
{
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0;
  ssize_t n;

  for (;;) {
    if (def && *def)
      printf ("%s [%s]: ", label, def);
    else
      printf ("%s: ", label);
    fflush (stdout);
    n = getline (&line, &cap, stdin);
    if (n == -1)
      die ("no answer to '%s' (end of input)", label);
    line[strcspn (line, "\r\n")] = '\0';
    if (line[0] == '\0' && required) {
      printf ("  an answer is needed\n");
      continue;
    }
    if (p2v_settings_set (s, key, line) == 0)
      return;
    printf ("  %s\n", get_error ());
  }
}

/* Runs 'p2v capture ARGV...' in a child process (cmd_capture may exit
 * through die), with this terminal.  Returns its exit status.
 */
static int
run_capture (char **argv)
{
  int argc = 0, status;
  pid_t pid;

  while (argv[argc])
    argc++;
  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid == -1)
    die ("fork: %s", strerror (errno));
  if (pid == 0) {
    optind = 0; /* a fresh getopt for capture's options */
    exit (cmd_capture (argc, argv));
  }
  if (waitpid (pid, &status, 0) == -1)
    die ("waitpid: %s", strerror (errno));
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

static bool
yes (const char *question)
{
  CLEANUP_FREE char *line = NULL;
  size_t cap = 0;

  printf ("%s [y/N]: ", question);
  fflush (stdout);
  if (getline (&line, &cap, stdin) == -1)
    return false;
  return line[0] == 'y' || line[0] == 'Y';
}

/* The console dialog: the settings the kernel command line did not
 * give, then this machine as capture sees it, then a last question.
 * Returns false if the user says no.
 */
static bool
dialog (struct p2v_settings *s)
{
  char host[256] = "";
  char *list[] = { "capture", "--list", NULL };

  if (gethostname (host, sizeof host - 1) == -1 || strcmp (host, "(none)") == 0
      || strcmp (host, "localhost") == 0)
    host[0] = '\0';
  printf ("\nvmshift p2v: this machine will be copied to a conversion "
          "host over ssh\nand become a KVM guest there.  Empty answers "
          "keep the [default].\n\n");
  ask (s, "Conversion host (name or IP address)", "server", NULL, true);
  ask (s, "ssh port", "port", "22", false);
  ask (s, "ssh user", "user", "root", false);
  ask (s, "Guest name", "name", host, false);
  ask (s, "Output on the conversion host (directory or libvirt:URI)", "o",
       "p2v's default", false);
  ask (s, "Disks to copy (sda,nvme0n1 or all)", "disks", "all", false);

  printf ("\nThis machine:\n");
  if (run_capture (list) != 0)
    printf ("  (could not list it: 'p2v capture --list' failed)\n");
  printf ("\n");
  return yes ("Start copying this machine now?");
}

/* Appends "--opt value" when value is set. */
static void
add_arg (char **argv, int *argc, const char *opt, const char *value)
{
  if (value == NULL)
    return;
  argv[(*argc)++] = (char *) opt;
  argv[(*argc)++] = (char *) value;
}

static void
add_num (char **argv, int *argc, const char *opt, int value, char *buf)
{
  if (value < 0)
    return;
  sprintf (buf, "%d", value);
  add_arg (argv, argc, opt, buf);
}

int
cmd_live (int argc, char **argv)
{
  struct live_options o;
  struct p2v_settings s;
  CLEANUP_FREE char *cmdline = NULL;
  char *cap[32], port[16], retries[16];
  int n = 0, rc;
  size_t len;

  parse_options (argc, argv, &o);
  p2v_settings_init (&s);
  cmdline = read_small_file (o.cmdline, 64 << 10, "kernel command line", &len);
  if (cmdline == NULL)
    die_error ();
  if (memchr (cmdline, '\0', len))
    die ("'%s': a NUL byte in the kernel command line", o.cmdline);
  if (p2v_cmdline_parse (cmdline, &s) == -1)
    die ("'%s': %s", o.cmdline, get_error ());

  if (p2v_settings_headless (&s))
    info ("live: capturing this machine for %s (settings from the kernel "
          "command line)",
          s.server);
  else {
    info ("live: no p2v.server= on the kernel command line: asking");
    if (!dialog (&s)) {
      info ("live: not started");
      p2v_settings_free (&s);
      return EXIT_FAILURE;
    }
    if (s.hostkey == NULL && p2v_settings_set (&s, "hostkey", "ask") == -1)
      die_error ();
  }

  cap[n++] = "capture";
  add_arg (cap, &n, "--server", s.server);
  add_num (cap, &n, "--port", s.port, port);
  add_arg (cap, &n, "--user", s.user);
  add_arg (cap, &n, "--identity", s.identity);
  add_arg (cap, &n, "--hostkey", s.hostkey);
  add_arg (cap, &n, "--name", s.name);
  add_arg (cap, &n, "--disks", s.disks);
  add_arg (cap, &n, "-o", s.output);
  add_arg (cap, &n, "-O", s.format);
  add_arg (cap, &n, "--remote-command", s.remote);
  add_arg (cap, &n, "--receive-dir", s.receive_dir);
  add_num (cap, &n, "--retries", s.retries, retries);
  cap[n] = NULL;

  if (o.dry_run) {
    printf ("p2v");
    for (int i = 0; i < n; ++i)
      printf (strpbrk (cap[i], " \t") ? " '%s'" : " %s", cap[i]);
    printf ("\n");
    p2v_settings_free (&s);
    return EXIT_SUCCESS;
  }

  rc = run_capture (cap);
  if (rc != 0) {
    fprintf (stderr,
             "%s: live: the capture failed (exit status %d): nothing was "
             "changed on this machine\n",
             cli_program, rc);
    p2v_settings_free (&s);
    return rc;
  }
  info ("live: the capture finished: this machine is now a guest on %s",
        s.server);
  if (p2v_settings_poweroff (&s)) {
    if (!o.poweroff || getppid () != 1)
      info ("live: not powering off (only the LiveCD's init asks for "
            "that)");
    else {
      info ("live: powering off");
      sync ();
      reboot (RB_POWER_OFF);
      die ("could not power off: %s", strerror (errno));
    }
  }
  p2v_settings_free (&s);
  return EXIT_SUCCESS;
}
