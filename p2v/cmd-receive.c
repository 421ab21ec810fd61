/* p2v receive: run through ssh by p2v capture on the conversion host.
 * One process per disk stream (receive-disk.c), then one to convert
 * (receive-finish.c).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "block-manifest.h"
#include "cleanups.h"
#include "errors.h"
#include "p2v.h"
#include "receive.h"

#define DEFAULT_DIR "/var/tmp/p2v-receive"
#define MAX_DISKS 64

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: p2v receive --session NAME --disk N --size BYTES --plan "
           "HASH [--resume]\n"
           "       p2v receive --session NAME --disk N --size BYTES --rounds "
           "[--block-size BYTES]\n"
           "       p2v receive --session NAME --disk N --send-manifest\n"
           "       p2v receive --session NAME --finish --disks N [-o OUTPUT] "
           "[-O FORMAT]\n"
           "\n"
           "The conversion host's side of p2v capture, which runs it "
           "through ssh.\n"
           "\n"
           "      --dir DIR        where sessions are kept (" DEFAULT_DIR ")\n"
           "      --session NAME   the machine being captured\n"
           "      --disk N         receive disk N on stdin\n"
           "      --size BYTES     its size\n"
           "      --plan HASH      the sender's chunk plan\n"
           "      --resume         continue where an earlier stream "
           "stopped\n"
           "      --rounds         p2v agent's rounds on stdin\n"
           "      --block-size BYTES  the blocks of a new replica\n"
           "      --send-manifest  write the replica's block manifest to "
           "stdout\n"
           "      --finish         the machine's XML on stdin: convert\n"
           "      --disks N        how many disks the machine sent\n"
           "  -o, --output OUT     DIR or libvirt:URI for v2v convert, or "
           "none\n"
           "                       (keep the received raw disks)\n"
           "  -O, --format FMT     qcow2 (default) or raw\n"
           "  -v, --verbose        more detail in the log\n"
           "  -q, --quiet          no messages but errors\n"
           "      --machine-readable  JSON lines\n"
           "  -h, --help           this help\n");
}

static uint64_t
number (const char *s, const char *what, int base)
{
  char *end;
  uint64_t v;

  errno = 0;
  v = strtoull (s, &end, base);
  if (errno || end == s || *end || s[0] == '-')
    die ("%s '%s' is not a number", what, s);
  return v;
}

/* A session name becomes a directory: letters, digits, '.', '_', '-',
 * not starting with '.'.
 */
static void
check_session (const char *s)
{
  size_t n = strlen (s);

  if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-'
      || strspn (s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789._-")
             != n)
    die ("session name '%s': use 1 to 64 letters, digits, '.', '_' or '-'", s);
}

char *
session_dir (const struct receive_options *o)
{
  char *d;

  if (mkdir (o->dir, 0700) == -1 && errno != EEXIST) {
    set_error (errno, "'%s'", o->dir);
    return NULL;
  }
  if (asprintf (&d, "%s/%s", o->dir, o->session) == -1) {
    set_error (errno, "asprintf");
    return NULL;
  }
  if (mkdir (d, 0700) == -1 && errno != EEXIST) {
    set_error (errno, "'%s'", d);
    free (d);
    return NULL;
  }
  return d;
}

void
session_log (const struct receive_options *o, const char *fmt, ...)
{
  CLEANUP_FREE char *path = NULL;
  FILE *fp;
  va_list ap;
  time_t t = time (NULL);
  char stamp[32];

  if (asprintf (&path, "%s/%s.log", o->dir, o->session) == -1) {
    path = NULL;
    return;
  }
  fp = fopen (path, "ae");
  if (fp == NULL)
    return;
  strftime (stamp, sizeof stamp, "%F %T", localtime (&t));
  fprintf (fp, "%s [%d] ", stamp, (int) getpid ());
  va_start (ap, fmt);
  vfprintf (fp, fmt, ap);
  va_end (ap);
  fputc ('\n', fp);
  fclose (fp);
}

int
cmd_receive (int argc, char **argv)
{
  enum {
    OPT_DIR = 256,
    OPT_SESSION,
    OPT_DISK,
    OPT_SIZE,
    OPT_PLAN,
    OPT_RESUME,
    OPT_FINISH,
    OPT_DISKS,
    OPT_ROUNDS,
    OPT_BLOCK_SIZE,
    OPT_SEND_MANIFEST,
  };
  static const struct option long_options[] = {
    { "dir", required_argument, NULL, OPT_DIR },
    { "session", required_argument, NULL, OPT_SESSION },
    { "disk", required_argument, NULL, OPT_DISK },
    { "size", required_argument, NULL, OPT_SIZE },
    { "plan", required_argument, NULL, OPT_PLAN },
    { "resume", no_argument, NULL, OPT_RESUME },
    { "finish", no_argument, NULL, OPT_FINISH },
    { "disks", required_argument, NULL, OPT_DISKS },
    { "rounds", no_argument, NULL, OPT_ROUNDS },
    { "block-size", required_argument, NULL, OPT_BLOCK_SIZE },
    { "send-manifest", no_argument, NULL, OPT_SEND_MANIFEST },
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, 'O' },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct receive_options o
      = { .dir = DEFAULT_DIR, .disk = -1, .format = "qcow2" };
  int c;

  while ((c = getopt_long (argc, argv, "o:O:vqh", long_options, NULL)) != -1) {
    switch (c) {
      case OPT_DIR: o.dir = optarg; break;
      case OPT_SESSION: o.session = optarg; break;
      case OPT_DISK:
        o.disk = (int) number (optarg, "--disk", 10);
        if (o.disk >= MAX_DISKS)
          die ("--disk %s: at most %d disks", optarg, MAX_DISKS);
        break;
      case OPT_SIZE: o.size = number (optarg, "--size", 10); break;
      case OPT_PLAN: o.plan_hash = number (optarg, "--plan", 16); break;
      case OPT_RESUME: o.resume = true; break;
      case OPT_FINISH: o.finish = true; break;
      case OPT_DISKS:
        o.ndisks = (unsigned) number (optarg, "--disks", 10);
        if (o.ndisks == 0 || o.ndisks > MAX_DISKS)
          die ("--disks %s: 1 to %d", optarg, MAX_DISKS);
        break;
      case OPT_ROUNDS: o.rounds = true; break;
      case OPT_BLOCK_SIZE:
        o.block_size = (uint32_t) number (optarg, "--block-size", 10);
        if (o.block_size < MANIFEST_MIN_BLOCK
            || o.block_size > MANIFEST_MAX_BLOCK
            || (o.block_size & (o.block_size - 1)))
          die ("--block-size %s: a power of two from %u to %u", optarg,
               MANIFEST_MIN_BLOCK, MANIFEST_MAX_BLOCK);
        break;
      case OPT_SEND_MANIFEST: o.send_manifest = true; break;
      case 'o': o.output = optarg; break;
      case 'O':
        if (strcmp (optarg, "qcow2") != 0 && strcmp (optarg, "raw") != 0)
          die ("--format '%s': qcow2 or raw", optarg);
        o.format = optarg;
        break;
      case 'h': usage (stdout); return EXIT_SUCCESS;
      default:
        if (cli_option (c))
          break;
        usage (stderr);
        return EXIT_FAILURE;
    }
  }
  if (optind != argc)
    die ("unexpected argument '%s'", argv[optind]);
  if (o.session == NULL)
    die ("--session is required");
  check_session (o.session);
  if (o.finish == (o.disk >= 0))
    die ("give either --disk N (a disk stream) or --finish");
  if (o.disk >= 0 && o.size == 0 && !o.send_manifest)
    die ("--size is required with --disk");
  if (o.finish && o.ndisks == 0)
    die ("--disks is required with --finish");
  if (o.finish)
    return receive_finish (&o);
  if (o.rounds || o.send_manifest)
    return receive_rounds (&o);
  return receive_disk (&o);
}
