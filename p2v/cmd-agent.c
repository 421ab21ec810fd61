/* p2v agent: hot capture of this running machine to p2v receive on the
 * conversion host, in rounds (agent.h), then its conversion there.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent.h"
#include "block-manifest.h"
#include "capture.h"
#include "cleanups.h"
#include "cli.h"
#include "errors.h"
#include "machine.h"
#include "p2v-proto.h"
#include "p2v.h"

#define MiB (1024 * 1024.0)
#define DEFAULT_STATE "/run/vmshift/agent"
#define DEFAULT_BLOCK 4096
#define MAX_BLOCKS (16u << 20) /* per disk: manifest <= 256 MiB, bitmaps 2 */

struct cli {
  struct ssh_target ssh;
  char *to; /* owned copy of --to, which ssh's fields point into */
  const char *hostkey, *name, *disks, *output, *format, *receive_dir;
  const char *state_dir;
  uint32_t block_size;
  uint64_t bwlimit;
  struct agent_options run;
};

static void
usage (FILE *fp)
{
  fprintf (
      fp,
      "usage: p2v agent --to ssh://[USER@]HOST[:PORT] [options]\n"
      "\n"
      "Copies this running machine to the conversion host while it keeps\n"
      "running: rounds send the blocks that changed, then a final round\n"
      "with the filesystems frozen for about a second, then p2v receive\n"
      "converts the machine there.\n"
      "\n"
      "      --to ssh://[USER@]HOST[:PORT]  the conversion host\n"
      "      --identity KEY        ssh private key\n"
      "      --hostkey FILE|SHA256:FP|ask  the conversion host's ssh key\n"
      "      --name NAME           the guest's name (p2v-MAC)\n"
      "      --disks LIST          disks to send: sda,nvme0n1 or paths "
      "(all)\n"
      "  -o, --output OUT          on the conversion host: DIR or "
      "libvirt:URI,\n"
      "                            or none to keep the received disks\n"
      "  -O, --format qcow2|raw    format of the converted disks (qcow2)\n"
      "      --max-dirty MB        stop the rounds under this much change "
      "(64)\n"
      "      --max-rounds N        at most N rounds before the final one "
      "(30)\n"
      "      --max-freeze SECONDS  hard limit of the freeze (5)\n"
      "      --block-size BYTES    the unit of change (4096; larger for "
      "disks\n"
      "                            over 64 GiB)\n"
      "      --sync                bring the replica up to date: one round, "
      "no\n"
      "                            freeze, no conversion\n"
      "      --final               with --sync: the cutover (the default "
      "without\n"
      "                            --sync)\n"
      "      --no-trace            do not use block tracing: every round "
      "reads\n"
      "                            every used block\n"
      "      --bwlimit MB/S        limit the bandwidth used\n"
      "      --state-dir DIR       where the agent keeps its manifests: a "
      "tmpfs\n"
      "                            (" DEFAULT_STATE ")\n"
      "      --remote-command CMD  p2v on the conversion host (p2v)\n"
      "      --receive-dir DIR     where p2v receive keeps the replica\n"
      "                            (/var/tmp/p2v-receive)\n"
      "  -v, --verbose             more detail\n"
      "  -q, --quiet               no progress\n"
      "      --machine-readable    JSON lines on stdout\n"
      "  -h, --help                this help\n");
}

/* ssh://[USER@]HOST[:PORT] or [USER@]HOST. */
static void
parse_to (struct cli *c, const char *arg)
{
  char *s, *at, *colon;

  free (c->to);
  c->to = strdup (strncmp (arg, "ssh://", 6) == 0 ? arg + 6 : arg);
  if (c->to == NULL)
    die ("out of memory");
  s = c->to;
  if (s[strlen (s) - 1] == '/')
    s[strlen (s) - 1] = '\0';
  at = strrchr (s, '@');
  if (at) {
    *at = '\0';
    c->ssh.user = s;
    s = at + 1;
  }
  colon = strrchr (s, ':');
  if (colon && strchr (colon, ']') == NULL) {
    *colon = '\0';
    c->ssh.port = int_arg (colon + 1, "--to port", 1, 65535);
  }
  if (*s == '[' && s[strlen (s) - 1] == ']') {
    s[strlen (s) - 1] = '\0';
    s++;
  }
  if (*s == '\0' || *s == '-' || strpbrk (s, " /"))
    die ("--to '%s': give ssh://[USER@]HOST[:PORT]", arg);
  c->ssh.host = s;
}

static double
seconds_arg (const char *s, const char *what)
{
  char *end;
  double v;

  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s || *end || !(v >= 0.5 && v <= 3600))
    die ("%s '%s': give seconds from 0.5 to 3600", what, s);
  return v;
}

static void
parse_options (int argc, char **argv, struct cli *c)
{
  enum {
    OPT_TO = 256,
    OPT_IDENTITY,
    OPT_HOSTKEY,
    OPT_NAME,
    OPT_DISKS,
    OPT_MAX_DIRTY,
    OPT_MAX_ROUNDS,
    OPT_MAX_FREEZE,
    OPT_BLOCK_SIZE,
    OPT_SYNC,
    OPT_FINAL,
    OPT_NO_TRACE,
    OPT_BWLIMIT,
    OPT_STATE_DIR,
    OPT_REMOTE,
    OPT_RECEIVE_DIR,
  };
  static const struct option long_options[] = {
    { "to", required_argument, NULL, OPT_TO },
    { "identity", required_argument, NULL, OPT_IDENTITY },
    { "hostkey", required_argument, NULL, OPT_HOSTKEY },
    { "name", required_argument, NULL, OPT_NAME },
    { "disks", required_argument, NULL, OPT_DISKS },
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, 'O' },
    { "max-dirty", required_argument, NULL, OPT_MAX_DIRTY },
    { "max-rounds", required_argument, NULL, OPT_MAX_ROUNDS },
    { "max-freeze", required_argument, NULL, OPT_MAX_FREEZE },
    { "block-size", required_argument, NULL, OPT_BLOCK_SIZE },
    { "sync", no_argument, NULL, OPT_SYNC },
    { "final", no_argument, NULL, OPT_FINAL },
    { "no-trace", no_argument, NULL, OPT_NO_TRACE },
    { "bwlimit", required_argument, NULL, OPT_BWLIMIT },
    { "state-dir", required_argument, NULL, OPT_STATE_DIR },
    { "remote-command", required_argument, NULL, OPT_REMOTE },
    { "receive-dir", required_argument, NULL, OPT_RECEIVE_DIR },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int opt;

  memset (c, 0, sizeof *c);
  c->ssh.remote = "p2v";
  c->format = "qcow2";
  c->state_dir = DEFAULT_STATE;
  c->block_size = DEFAULT_BLOCK;
  c->run.max_dirty = 64ull << 20;
  c->run.max_rounds = 30;
  c->run.max_freeze = 5;
  while ((opt = getopt_long (argc, argv, "o:O:vqh", long_options, NULL))
         != -1) {
    switch (opt) {
      case OPT_TO: parse_to (c, optarg); break;
      case OPT_IDENTITY: c->ssh.identity = optarg; break;
      case OPT_HOSTKEY: c->hostkey = optarg; break;
      case OPT_NAME: c->name = optarg; break;
      case OPT_DISKS: c->disks = optarg; break;
      case 'o': c->output = optarg; break;
      case 'O':
        if (strcmp (optarg, "qcow2") != 0 && strcmp (optarg, "raw") != 0)
          die ("--format '%s': qcow2 or raw", optarg);
        c->format = optarg;
        break;
      case OPT_MAX_DIRTY:
        c->run.max_dirty
            = (uint64_t) int_arg (optarg, "--max-dirty", 0, 1000000) << 20;
        break;
      case OPT_MAX_ROUNDS:
        c->run.max_rounds = int_arg (optarg, "--max-rounds", 1, 1000);
        break;
      case OPT_MAX_FREEZE:
        c->run.max_freeze = seconds_arg (optarg, "--max-freeze");
        break;
      case OPT_BLOCK_SIZE:
        c->block_size = (uint32_t) int_arg (
            optarg, "--block-size", MANIFEST_MIN_BLOCK, MANIFEST_MAX_BLOCK);
        if (c->block_size & (c->block_size - 1))
          die ("--block-size %s: a power of two", optarg);
        break;
      case OPT_SYNC: c->run.sync = true; break;
      case OPT_FINAL: c->run.final = true; break;
      case OPT_NO_TRACE: c->run.no_trace = true; break;
      case OPT_BWLIMIT:
        c->bwlimit
            = (uint64_t) int_arg (optarg, "--bwlimit", 1, 1000000) * 1000000;
        break;
      case OPT_STATE_DIR: c->state_dir = optarg; break;
      case OPT_REMOTE: c->ssh.remote = optarg; break;
      case OPT_RECEIVE_DIR: c->receive_dir = optarg; break;
      case 'h': usage (stdout); exit (EXIT_SUCCESS);
      default:
        if (cli_option (opt))
          break;
        usage (stderr);
        exit (EXIT_FAILURE);
    }
  }
  if (optind != argc)
    die ("unexpected argument '%s'", argv[optind]);
  if (c->ssh.host == NULL)
    die ("--to is required: ssh://[USER@]HOST of the conversion host");
  if (!c->run.sync)
    c->run.final = true;
}

/* mkdir -p, 0700. */
static char *
make_state_dir (const char *base, const char *name)
{
  char *dir;

  if (asprintf (&dir, "%s/%s", base, name) == -1)
    die ("out of memory");
  for (char *p = dir + 1;; ++p) {
    char c = *p;
    if (c != '/' && c != '\0')
      continue;
    *p = '\0';
    if (mkdir (dir, 0700) == -1 && errno != EEXIST)
      die ("state directory '%s': %m", dir);
    *p = c;
    if (c == '\0')
      break;
  }
  return dir;
}

static dev_t
device_of (const char *path)
{
  struct stat st;

  if (stat (path, &st) == -1)
    die ("'%s': %m", path);
  return S_ISBLK (st.st_mode) ? st.st_rdev : 0;
}

/* The agent never writes to what it captures; and its state must fit:
 * per disk a manifest (16 bytes a block) and a round's patches (24).
 */
static void
check_state_dir (const char *dir, struct agent_disk *disks, size_t n,
                 const struct machine *m, const size_t *sel)
{
  struct freeze_set fs;
  struct stat st, mst;
  struct statvfs vfs;
  uint64_t need = 0;

  if (freeze_find (disks, n, &fs) == -1)
    die_error ();
  if (stat (dir, &st) == -1)
    die ("'%s': %m", dir);
  for (size_t i = 0; i < fs.n; ++i)
    if (stat (fs.paths[i], &mst) == 0 && mst.st_dev == st.st_dev) {
      CLEANUP_FREE char *mnt = strdup (fs.paths[i]);
      freeze_clear (&fs);
      die ("the state directory '%s' is on '%s', a filesystem being "
           "captured: give --state-dir on a tmpfs",
           dir, mnt ? mnt : "?");
    }
  freeze_clear (&fs);
  for (size_t i = 0; i < n; ++i) {
    uint64_t size = m->disks.ptr[sel[i]].size;
    need += (size / MANIFEST_MIN_BLOCK < MAX_BLOCKS
                 ? size / MANIFEST_MIN_BLOCK + 1
                 : MAX_BLOCKS)
            * (MANIFEST_ENTRY + 24);
  }
  if (statvfs (dir, &vfs) == 0
      && (uint64_t) vfs.f_bavail * vfs.f_frsize < need)
    die ("the state directory '%s' has %llu MiB free; the agent may need "
         "%llu MiB there (give --state-dir, or a larger --block-size)",
         dir, (unsigned long long) vfs.f_bavail * vfs.f_frsize >> 20,
         (unsigned long long) need >> 20);
}

static void
open_disk (struct agent_disk *d, const struct machine_disk *md, unsigned i,
           const char *state, const struct link_target *t, uint32_t bs)
{
  struct stat st;

  d->index = i;
  d->label = md->name;
  d->path = md->path;
  d->size = md->size;
  d->link.pid = -1;
  d->link.to = d->link.from = -1;
  d->mfd = d->pfd = -1;
  d->fd = open (d->path, O_RDONLY | O_DIRECT | O_CLOEXEC);
  d->direct = d->fd >= 0;
  if (d->fd == -1)
    d->fd = open (d->path, O_RDONLY | O_CLOEXEC);
  if (d->fd == -1 || fstat (d->fd, &st) == -1)
    die ("'%s': %m", d->path);
  d->dev = S_ISBLK (st.st_mode) ? st.st_rdev : 0;
  if (asprintf (&d->manifest, "%s/disk-%u.blocks", state, i) == -1
      || asprintf (&d->patches, "%s/disk-%u.patches", state, i) == -1)
    die ("out of memory");
  /* Bounded state whatever the disk's size: at most MAX_BLOCKS. */
  while (bs < MANIFEST_MAX_BLOCK && d->size / bs > MAX_BLOCKS)
    bs *= 2;
  if (link_open (&d->link, t, i, d->size, bs) == -1
      || agent_manifest_open (d, t) == -1)
    die ("%s: %s", d->label, get_error ());
  if (bitmap_init (&d->used, d->nblocks) == -1
      || bitmap_init (&d->want, d->nblocks) == -1
      || bitmap_init (&d->carry, d->nblocks) == -1
      || bitmap_init (&d->examined, d->nblocks) == -1)
    die_error ();
  debug ("%s: %" PRIu64 " blocks of %" PRIu32
         " bytes; the replica has %" PRIu64 " round(s)",
         d->label, d->nblocks, d->bs, d->rounds);
}

static void
close_disk (struct agent_disk *d)
{
  link_close (&d->link);
  close (d->fd);
  if (d->mfd >= 0)
    close (d->mfd);
  if (d->pfd >= 0)
    close (d->pfd);
  unlink (d->patches);
  free (d->manifest);
  free (d->patches);
  bitmap_free (&d->used);
  bitmap_free (&d->want);
  bitmap_free (&d->carry);
  bitmap_free (&d->examined);
}

static void
report_done (const struct agent_result *res, double t0, bool converted)
{
  struct rusage ru;
  double cpu, el = now_seconds () - t0;

  getrusage (RUSAGE_SELF, &ru);
  cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
        + ru.ru_stime.tv_usec / 1e6;
  if (machine_readable) {
    char fields[512];
    snprintf (fields, sizeof fields,
              "\"rounds\": %d, \"freeze_seconds\": %.3f, \"frozen\": %zu, "
              "\"snapshots\": %zu, "
              "\"examined\": %" PRIu64 ", \"changed\": %" PRIu64
              ", \"wire\": %" PRIu64 ", \"seconds\": %.3f, \"cpu_seconds\": "
              "%.3f, \"max_rss_kib\": %ld, \"converted\": %s",
              res->rounds, res->freeze_seconds, res->frozen, res->snapshots,
              res->examined,
              res->changed, res->wire, el, cpu, ru.ru_maxrss,
              converted ? "true" : "false");
    event ("done", fields);
    return;
  }
  info ("%d round(s) in %.1f s: read %.0f MiB, sent %.1f MiB; CPU %.1f s "
        "(%.0f%% of one core), at most %ld MiB of memory",
        res->rounds, el, res->examined / MiB, res->wire / MiB, cpu,
        el > 0 ? 100 * cpu / el : 0, ru.ru_maxrss / 1024);
}

/* Interrupted outside the freeze (agent-freeze.c thaws first within
 * it): no ssh outlives us, nor an LVM snapshot; the receiver throws an
 * unfinished round away, and the state directory stays for the next
 * run.
 */
static void
on_signal (int sig)
{
  ssh_kill_children ();
  snapshot_remove_now ();
  signal (sig, SIG_DFL);
  raise (sig);
}

int
cmd_agent (int argc, char **argv)
{
  struct cli c;
  struct machine m;
  size_t sel[64], n;
  CLEANUP_FREE char *name = NULL, *xml = NULL, *state = NULL;
  CLEANUP_FREE struct agent_disk *disks = NULL;
  struct link_target lt;
  struct round_io io = { 0 };
  struct agent_result res;
  double t0 = now_seconds ();
  int r;

  parse_options (argc, argv, &c);
  signal (SIGPIPE, SIG_IGN);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);
  if (machine_probe ("", &m) == -1)
    die_error ();
  n = select_disks (&m, c.disks, sel, sizeof sel / sizeof sel[0]);
  if (n == 0)
    die ("no disks to send (--disks picks them)");
  name = c.name ? strdup (c.name) : default_name (&m);
  xml = machine_xml (&m, name, sel, n);
  if (name == NULL || xml == NULL)
    die ("out of memory");
  state = make_state_dir (c.state_dir, name);
  disks = calloc (n, sizeof *disks);
  if (disks == NULL)
    die ("out of memory");
  if (c.hostkey && ssh_trust_host (&c.ssh, c.hostkey, state) == -1)
    die_error ();
  lt.ssh = &c.ssh;
  lt.receive_dir = c.receive_dir;
  lt.session = name;
  for (size_t i = 0; i < n; ++i)
    disks[i].dev = device_of (m.disks.ptr[sel[i]].path);
  check_state_dir (state, disks, n, &m, sel);
  for (size_t i = 0; i < n; ++i)
    open_disk (&disks[i], &m.disks.ptr[sel[i]], (unsigned) i, state, &lt,
               c.block_size);

  io.comp_size = ZSTD_compressBound (P2V_CHUNK_MAX);
  io.comp = malloc (io.comp_size);
  io.zc = ZSTD_createCCtx ();
  io.bwlimit = c.bwlimit;
  if (posix_memalign ((void **) &io.raw, 4096, P2V_CHUNK_MAX) != 0
      || io.comp == NULL || io.zc == NULL)
    die ("out of memory");
  info ("%s '%s' to %s: %zu disk(s)",
        c.run.final ? "capturing" : "syncing the replica of", name, c.ssh.host,
        n);
  r = agent_run (disks, n, &c.run, &io, &res);
  if (r == -1) {
    CLEANUP_FREE char *msg = strdup (get_error ());
    for (size_t i = 0; i < n; ++i)
      close_disk (&disks[i]);
    die ("%s", msg ? msg : "the capture failed");
  }
  for (size_t i = 0; i < n; ++i)
    close_disk (&disks[i]);
  free (io.raw);
  free (io.comp);
  ZSTD_freeCCtx (io.zc);
  if (c.run.final) {
    struct finish_target ft = { .ssh = &c.ssh,
                                .receive_dir = c.receive_dir,
                                .output = c.output,
                                .format = c.format };
    if (remote_finish (&ft, name, xml, n) == -1)
      die_error ();
  }
  report_done (&res, t0, c.run.final);
  if (c.ssh.known_hosts) {
    unlink (c.ssh.known_hosts);
    free (c.ssh.known_hosts);
  }
  machine_clear (&m);
  free (c.to);
  return EXIT_SUCCESS;
}
