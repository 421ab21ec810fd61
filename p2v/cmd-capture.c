/* p2v capture: send this machine's description and the used blocks of
 * its disks to the conversion host, where p2v receive writes them and
 * converts the machine.  One ssh connection per disk, all in parallel.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanups.h"
#include "disk-map.h"
#include "errors.h"
#include "json.h"
#include "machine.h"
#include "p2v-proto.h"
#include "capture.h"
#include "p2v.h"
#include "send-disk.h"
#include "ssh.h"

#define MiB (1024 * 1024.0)

struct capture_options {
  struct ssh_target ssh;
  const char *hostkey;
  const char *name;
  const char *disks;
  const char *output;
  const char *format;
  const char *receive_dir;
  bool resume;
  bool list;
  int retries;
  uint64_t bwlimit;
};

static void
usage (FILE *fp)
{
  fprintf (
      fp,
      "usage: p2v capture --server HOST [options]\n"
      "       p2v capture --list\n"
      "\n"
      "Sends this machine (powered off: run it from the p2v LiveCD) to the\n"
      "conversion host over ssh: its description and the used blocks of its\n"
      "disks.  p2v receive, started there through ssh, writes them and\n"
      "converts the machine with v2v convert.\n"
      "\n"
      "      --server HOST         the conversion host\n"
      "      --port N              its ssh port (22)\n"
      "      --user USER           ssh user there (ssh's default)\n"
      "      --identity KEY        ssh private key\n"
      "      --hostkey FILE|SHA256:FP|ask\n"
      "                            the conversion host's ssh key: a .pub or\n"
      "                            known_hosts file, its fingerprint, or ask\n"
      "                            (ssh's known_hosts when not given)\n"
      "      --name NAME           the guest's name (p2v-MAC)\n"
      "      --disks LIST          disks to send: sda,nvme0n1 or paths "
      "(all)\n"
      "  -o, --output OUT          on the conversion host: DIR or "
      "libvirt:URI,\n"
      "                            or none to keep the received disks\n"
      "  -O, --format qcow2|raw    format of the converted disks (qcow2)\n"
      "      --remote-command CMD  p2v on the conversion host (p2v)\n"
      "      --receive-dir DIR     where p2v receive stages the disks\n"
      "                            (/var/tmp/p2v-receive)\n"
      "      --resume              continue an interrupted capture\n"
      "      --retries N           reconnections after a dropped link (5)\n"
      "      --bwlimit MB/S        limit the bandwidth used\n"
      "      --list                show what would be sent, and exit\n"
      "  -v, --verbose             more detail\n"
      "  -q, --quiet               no progress\n"
      "      --machine-readable    JSON lines on stdout\n"
      "  -h, --help                this help\n");
}

static void
parse_options (int argc, char **argv, struct capture_options *o)
{
  enum {
    OPT_SERVER = 256,
    OPT_PORT,
    OPT_USER,
    OPT_IDENTITY,
    OPT_HOSTKEY,
    OPT_NAME,
    OPT_DISKS,
    OPT_REMOTE,
    OPT_RECEIVE_DIR,
    OPT_RESUME,
    OPT_RETRIES,
    OPT_BWLIMIT,
    OPT_LIST,
  };
  static const struct option long_options[] = {
    { "server", required_argument, NULL, OPT_SERVER },
    { "port", required_argument, NULL, OPT_PORT },
    { "user", required_argument, NULL, OPT_USER },
    { "identity", required_argument, NULL, OPT_IDENTITY },
    { "hostkey", required_argument, NULL, OPT_HOSTKEY },
    { "name", required_argument, NULL, OPT_NAME },
    { "disks", required_argument, NULL, OPT_DISKS },
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, 'O' },
    { "remote-command", required_argument, NULL, OPT_REMOTE },
    { "receive-dir", required_argument, NULL, OPT_RECEIVE_DIR },
    { "resume", no_argument, NULL, OPT_RESUME },
    { "retries", required_argument, NULL, OPT_RETRIES },
    { "bwlimit", required_argument, NULL, OPT_BWLIMIT },
    { "list", no_argument, NULL, OPT_LIST },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  memset (o, 0, sizeof *o);
  o->ssh.remote = "p2v";
  o->format = "qcow2";
  o->retries = 5;
  while ((c = getopt_long (argc, argv, "o:O:vqh", long_options, NULL)) != -1) {
    switch (c) {
      case OPT_SERVER: o->ssh.host = optarg; break;
      case OPT_PORT: o->ssh.port = int_arg (optarg, "--port", 1, 65535); break;
      case OPT_USER: o->ssh.user = optarg; break;
      case OPT_IDENTITY: o->ssh.identity = optarg; break;
      case OPT_HOSTKEY: o->hostkey = optarg; break;
      case OPT_NAME: o->name = optarg; break;
      case OPT_DISKS: o->disks = optarg; break;
      case 'o': o->output = optarg; break;
      case 'O':
        if (strcmp (optarg, "qcow2") != 0 && strcmp (optarg, "raw") != 0)
          die ("--format '%s': qcow2 or raw", optarg);
        o->format = optarg;
        break;
      case OPT_REMOTE: o->ssh.remote = optarg; break;
      case OPT_RECEIVE_DIR: o->receive_dir = optarg; break;
      case OPT_RESUME: o->resume = true; break;
      case OPT_RETRIES:
        o->retries = int_arg (optarg, "--retries", 0, 1000);
        break;
      case OPT_BWLIMIT:
        o->bwlimit
            = (uint64_t) int_arg (optarg, "--bwlimit", 1, 1000000) * 1000000;
        break;
      case OPT_LIST: o->list = true; break;
      case 'h': usage (stdout); exit (EXIT_SUCCESS);
      default:
        if (cli_option (c))
          break;
        usage (stderr);
        exit (EXIT_FAILURE);
    }
  }
  if (optind != argc)
    die ("unexpected argument '%s'", argv[optind]);
  if (!o->list && o->ssh.host == NULL)
    die ("--server is required: the conversion host running p2v receive");
  if (o->ssh.host && (o->ssh.host[0] == '-' || strchr (o->ssh.host, ' ')))
    die ("--server '%s' is not a host name", o->ssh.host);
}

static void
list_machine (const struct machine *m, const size_t *sel, size_t n)
{
  printf ("firmware: %s\ncpus: %u\nmemory: %" PRIu64 " MiB\n",
          m->uefi ? "uefi" : "bios", m->cpus, m->memory >> 20);
  for (size_t i = 0; i < m->disks.len; ++i) {
    const struct machine_disk *d = &m->disks.ptr[i];
    bool chosen = false;
    for (size_t j = 0; j < n; ++j)
      chosen |= sel[j] == i;
    printf ("disk: %s %" PRIu64 " MiB model=%s serial=%s%s\n", d->name,
            d->size >> 20, d->model ? d->model : "-",
            d->serial ? d->serial : "-",
            chosen       ? ""
            : d->skipped ? " (skipped: removable or the p2v "
                           "medium)"
                         : " (not selected)");
  }
  for (size_t i = 0; i < m->nics.len; ++i)
    printf ("nic: %s %s driver=%s\n", m->nics.ptr[i].name, m->nics.ptr[i].mac,
            m->nics.ptr[i].driver ? m->nics.ptr[i].driver : "-");
}

/* Maps a disk and plans its chunks. */
static void
plan_disk (struct sender *s)
{
  range_vector used = empty_vector;
  string_vector notes = empty_vector;

  if (disk_map (s->path, s->size, 0, &used, &notes) == -1)
    die_error ();
  for (size_t i = 0; i < notes.len; ++i)
    debug ("%s", notes.ptr[i]);
  free_string_vector (&notes);
  if (p2v_plan (&used, s->size, &s->chunks) == -1)
    die ("%s: %s", s->label, get_error ());
  free (used.ptr);
  s->plan_hash = p2v_plan_hash (s->chunks.ptr, s->chunks.len, s->size);
  for (size_t i = 0; i < s->chunks.len; ++i)
    s->planned += s->chunks.ptr[i].len;
  info ("%s: %.0f MiB to read of %.0f MiB (%zu chunks)", s->label,
        s->planned / MiB, s->size / MiB, s->chunks.len);
}

static void
show_progress (struct sender *s, size_t n, double t0, bool final)
{
  double el = now_seconds () - t0;

  if (machine_readable) {
    for (size_t i = 0; i < n; ++i) {
      char fields[256];
      snprintf (fields, sizeof fields,
                "\"disk\": \"%s\", \"done\": %" PRIu64 ", \"total\": %" PRIu64
                ", \"wire\": %" PRIu64 ", \"seconds\": %.1f",
                s[i].label, s[i].done, s[i].planned, s[i].wire, el);
      event ("progress", fields);
    }
    return;
  }
  if (quiet || !isatty (2))
    return;
  fprintf (stderr, "\r");
  for (size_t i = 0; i < n; ++i) {
    double rate = el > 0 ? s[i].done / el : 0;
    double left = rate > 0 ? (s[i].planned - s[i].done) / rate : 0;
    fprintf (stderr, "%s%s %3.0f%% %.0f/%.0f MiB %.1f MB/s ETA %d:%02d",
             i ? " | " : "p2v: ", s[i].label,
             s[i].planned ? 100.0 * s[i].done / s[i].planned : 100.0,
             s[i].done / MiB, s[i].planned / MiB, rate / 1e6, (int) left / 60,
             (int) left % 60);
  }
  fprintf (stderr, "\033[K%s", final ? "\n" : "");
}

/* SIGINT, SIGTERM, SIGHUP: noted, acted on by the main loop. */
static volatile sig_atomic_t caught;

static void
on_signal (int sig)
{
  caught = sig;
}

/* Our temporary files: the known_hosts we made, ssh's error files. */
static void
remove_tmp (struct capture_options *o, const char *tmpdir, size_t n)
{
  if (o->ssh.known_hosts) {
    unlink (o->ssh.known_hosts);
    free (o->ssh.known_hosts);
    o->ssh.known_hosts = NULL;
  }
  for (size_t i = 0; i < n; ++i) {
    char path[64];
    snprintf (path, sizeof path, "%s/ssh-%zu.err", tmpdir, i);
    unlink (path);
  }
  rmdir (tmpdir);
}

/* After a signal: what the receiver made durable stays, for --resume;
 * the ssh connections and our files go, then we die of the signal.
 */
static noreturn void
interrupted (struct capture_options *o, const char *tmpdir, size_t n)
{
  ssh_kill_children ();
  remove_tmp (o, tmpdir, n);
  signal (caught, SIG_DFL);
  raise (caught);
  _exit (EXIT_FAILURE);
}

int
cmd_capture (int argc, char **argv)
{
  struct capture_options o;
  struct finish_target ft;
  struct sigaction sa = { 0 };
  struct machine m;
  size_t sel[64], n;
  CLEANUP_FREE char *name = NULL, *xml = NULL;
  CLEANUP_FREE struct sender *s = NULL;
  CLEANUP_FREE pthread_t *th = NULL;
  char tmpdir[] = "/tmp/p2v-capture.XXXXXX";
  double t0;
  int failed = 0;
  CLEANUP_FREE char *first_error = NULL;
  bool resumable = false;
  uint64_t planned = 0, wire = 0;

  parse_options (argc, argv, &o);
  signal (SIGPIPE, SIG_IGN);
  if (machine_probe ("", &m) == -1)
    die_error ();
  n = select_disks (&m, o.disks, sel, sizeof sel / sizeof sel[0]);
  if (o.list) {
    list_machine (&m, sel, n);
    machine_clear (&m);
    return EXIT_SUCCESS;
  }
  if (n == 0)
    die ("no disks to send (p2v capture --list shows them; --disks picks)");
  name = o.name ? strdup (o.name) : default_name (&m);
  xml = machine_xml (&m, name, sel, n);
  if (name == NULL || xml == NULL)
    die ("out of memory");
  if (mkdtemp (tmpdir) == NULL)
    die ("mkdtemp: %m");
  sigemptyset (&sa.sa_mask);
  sa.sa_handler = on_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  if (o.hostkey && ssh_trust_host (&o.ssh, o.hostkey, tmpdir) == -1) {
    CLEANUP_FREE char *msg = strdup (get_error ());
    rmdir (tmpdir);
    die ("%s", msg ? msg : "host key");
  }

  s = calloc (n, sizeof *s);
  th = calloc (n, sizeof *th);
  if (s == NULL || th == NULL)
    die ("out of memory");
  for (size_t i = 0; i < n; ++i) {
    const struct machine_disk *d = &m.disks.ptr[sel[i]];
    s[i].ssh = &o.ssh;
    s[i].session = name;
    s[i].receive_dir = o.receive_dir;
    s[i].index = (unsigned) i;
    s[i].label = d->name;
    s[i].path = d->path;
    s[i].size = d->size;
    s[i].resume = o.resume;
    s[i].retries = o.retries;
    s[i].bwlimit = o.bwlimit / n;
    s[i].tmpdir = tmpdir;
    plan_disk (&s[i]);
    if (caught)
      interrupted (&o, tmpdir, n);
  }
  info ("sending '%s' to %s: %zu disk(s)", name, o.ssh.host, n);
  t0 = now_seconds ();
  for (size_t i = 0; i < n; ++i)
    if (pthread_create (&th[i], NULL, send_disk, &s[i]) != 0)
      die ("pthread_create failed");
  for (;;) {
    bool all = true;
    for (size_t i = 0; i < n; ++i)
      all &= s[i].finished;
    if (all)
      break;
    if (caught)
      interrupted (&o, tmpdir, n);
    show_progress (s, n, t0, false);
    usleep (machine_readable ? 1000000 : 500000);
  }
  show_progress (s, n, t0, true);
  for (size_t i = 0; i < n; ++i) {
    pthread_join (th[i], NULL);
    planned += s[i].planned;
    wire += s[i].wire;
    if (s[i].status == -1) {
      /* The first failure is the error; the others are warnings. */
      if (failed++ == 0)
        first_error = s[i].error ? strdup (s[i].error) : NULL;
      else
        warning (s[i].error ? s[i].error : "a disk failed");
      resumable |= s[i].durable > 0;
    }
    else
      info ("%s: %.0f MiB of data sent as %.0f MiB in %.1f s%s", s[i].label,
            s[i].planned / MiB, s[i].wire / MiB, now_seconds () - t0,
            s[i].reconnects ? " (after reconnecting)" : "");
    if (machine_readable) {
      char fields[512];
      snprintf (fields, sizeof fields,
                "\"disk\": \"%s\", \"size\": %" PRIu64 ", \"data\": %" PRIu64
                ", \"wire\": %" PRIu64 ", \"zero\": %" PRIu64
                ", \"reconnects\": %d, \"resumed_at\": %" PRIu64
                ", \"ok\": %s",
                s[i].label, s[i].size, s[i].planned, s[i].wire,
                s[i].skipped_zero, s[i].reconnects, s[i].resumed_at,
                s[i].status == 0 ? "true" : "false");
      event ("disk", fields);
    }
    free (s[i].error);
    free (s[i].chunks.ptr);
  }
  ft.ssh = &o.ssh;
  ft.receive_dir = o.receive_dir;
  ft.output = o.output;
  ft.format = o.format;
  if (failed == 0 && remote_finish (&ft, name, xml, n) == -1) {
    first_error = strdup (get_error ());
    failed++;
  }
  remove_tmp (&o, tmpdir, n);
  machine_clear (&m);
  if (failed)
    die ("%s%s", first_error ? first_error : "the capture failed",
         resumable ? " (run the same command with --resume to continue)" : "");
  if (machine_readable) {
    char fields[256];
    snprintf (fields, sizeof fields,
              "\"seconds\": %.3f, \"data\": %" PRIu64 ", \"wire\": %" PRIu64,
              now_seconds () - t0, planned, wire);
    event ("done", fields);
  }
  info ("'%s' captured in %.1f s: %.0f MiB of data, %.0f MiB on the wire",
        name, now_seconds () - t0, planned / MiB, wire / MiB);
  return EXIT_SUCCESS;
}
