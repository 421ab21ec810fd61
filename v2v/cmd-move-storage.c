/* v2v move-storage: move a running guest's disks to another directory
 * without stopping it (libvirt block copy, then pivot).
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "migrate-cli.h"
#include "move-storage.h"
#include "v2v.h"

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: v2v move-storage DOMAIN --to DIR [options]\n"
           "\n"
           "Moves the running guest's disks into DIR on its host while it "
           "keeps\n"
           "running: each is copied, then written to both places, then "
           "switched\n"
           "over.  The old files are removed once the switch succeeded.\n"
           "\n"
           "  -c, --connect URI             the guest's libvirt host "
           "(default:\n"
           "                                libvirt's default)\n"
           "      --to DIR                  the new directory, on the guest's "
           "host\n"
           "  -O, --format qcow2|raw        the new files' format (each "
           "disk's own)\n"
           "      --bandwidth MIB           limit the copy to MIB MiB/s\n"
           "      --keep-source             keep the old files\n"
           "  -v, --verbose                 more detail\n"
           "  -q, --quiet                   no progress or summary\n"
           "      --machine-readable        JSON lines on stdout for tools\n"
           "  -h, --help                    this help\n");
}

static struct progress bar;
static char bar_disk[64];

static void
show (void *opaque, const char *disk, uint64_t done, uint64_t total)
{
  if (strcmp (bar_disk, disk) != 0) {
    if (bar_disk[0])
      progress_end (&bar);
    snprintf (bar_disk, sizeof bar_disk, "%s", disk);
    progress_start (&bar, bar_disk);
  }
  progress_update (&bar, done, total);
}

int
cmd_move_storage (int argc, char **argv)
{
  enum { OPT_KEEP_SOURCE = 256 };
  static const struct option long_options[] = {
    { "connect", required_argument, NULL, 'c' },
    { "to", required_argument, NULL, OPT_MIG_TO },
    { "format", required_argument, NULL, 'O' },
    { "bandwidth", required_argument, NULL, OPT_MIG_BANDWIDTH },
    { "keep-source", no_argument, NULL, OPT_KEEP_SOURCE },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct move_options o = { 0 };
  const char *uri = NULL, *dir = NULL;
  string_vector warnings = empty_vector, moved = empty_vector;
  int c, r;

  while ((c = getopt_long (argc, argv, "c:O:vqh", long_options, NULL))
         != -1) {
    switch (c) {
      case 'c': uri = optarg; break;
      case OPT_MIG_TO: dir = optarg; break;
      case 'O': o.format = optarg; break;
      case OPT_MIG_BANDWIDTH:
        o.bandwidth = parse_count ("bandwidth", optarg);
        break;
      case OPT_KEEP_SOURCE: o.keep_source = true; break;
      case 'h': usage (stdout); return EXIT_SUCCESS;
      default:
        if (cli_option (c))
          break;
        usage (stderr);
        return EXIT_FAILURE;
    }
  }
  if (optind != argc - 1) {
    usage (stderr);
    return EXIT_FAILURE;
  }
  if (dir == NULL)
    die ("--to DIR is required");
  if (dir[0] != '/')
    die ("--to '%s': give an absolute path (it is on the guest's host)",
         dir);
  if (o.format && strcmp (o.format, "qcow2") != 0
      && strcmp (o.format, "raw") != 0)
    die ("-O '%s': the format must be qcow2 or raw", o.format);

  migrate_catch_signals ();
  info ("moving the disks of '%s' to '%s'", argv[optind], dir);
  r = move_storage (uri, argv[optind], dir, &o, show, NULL, &migrate_cancel,
                    &warnings, &moved);
  if (bar_disk[0])
    progress_end (&bar);
  migrate_warnings (&warnings);
  for (size_t i = 0; i < moved.len; ++i)
    info ("moved %s", moved.ptr[i]);
  free_string_vector (&moved);
  if (r == -1) {
    prefix_error ("the guest keeps running; disks not listed as moved stay "
                  "where they were");
    die_error ();
  }
  return EXIT_SUCCESS;
}
