/* v2p: put a virtual machine back onto physical hardware.  Subcommand
 * dispatch.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "v2p.h"

static void
usage (FILE *fp)
{
  fprintf (fp, "usage: v2p restore SOURCE --to DISK [--to DISK...] [options]\n"
               "       v2p --version | --help\n"
               "\n"
               "Subcommands:\n"
               "  restore   write a VM onto physical disks and make it boot "
               "there\n"
               "\n"
               "'v2p restore --help' lists its options.  See v2p(1).\n");
}

int
main (int argc, char **argv)
{
  /* When libguestfs runs us as the appliance's QEMU (see accel.h). */
  accel_qemu_wrapper (argc, argv);
  cli_program = "v2p";

  if (argc < 2) {
    usage (stderr);
    return EXIT_FAILURE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
    usage (stdout);
    return EXIT_SUCCESS;
  }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0) {
    printf ("v2p %s\n", PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (strcmp (argv[1], "restore") == 0)
    return cmd_restore (argc - 1, argv + 1);
  fprintf (stderr, "v2p: error: unknown subcommand '%s'\n", argv[1]);
  usage (stderr);
  return EXIT_FAILURE;
}
