/* v2v: convert foreign virtual machines to KVM.  Subcommand dispatch. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "errors.h"
#include "input.h"
#include "v2v.h"

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: v2v convert SOURCE [--to kvm] -o OUTPUT [options]\n"
           "       v2v inspect SOURCE [--from TYPE]\n"
           "       v2v migrate DOMAIN --from URI --to URI [options]\n"
           "       v2v evacuate --from URI --to URI[,URI...] [options]\n"
           "       v2v move-storage DOMAIN --to DIR [--connect URI] "
           "[options]\n"
           "       v2v --accel | --version | --help\n"
           "\n"
           "Subcommands:\n"
           "  convert   convert a foreign VM into a KVM guest\n"
           "  inspect   print the source VM's description as JSON\n"
           "  migrate   move a running KVM guest to another host, live\n"
           "  evacuate  move every running guest off a host\n"
           "  move-storage  move a running guest's disks to another "
           "directory\n"
           "\n"
           "'v2v SUBCOMMAND --help' lists each one's options.  See v2v(1).\n"
           "--accel prints what QEMU will use here: kvm, or tcg where KVM\n"
           "cannot run guests.\n");
}

int
main (int argc, char **argv)
{
  /* When libguestfs runs us as the appliance's QEMU (see accel.h). */
  accel_qemu_wrapper (argc, argv);
  cli_program = "v2v";

  if (argc < 2) {
    usage (stderr);
    return EXIT_FAILURE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
    usage (stdout);
    return EXIT_SUCCESS;
  }
  if (strcmp (argv[1], "--accel") == 0) {
    printf ("%s\n", accel_name ());
    return EXIT_SUCCESS;
  }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0) {
    printf ("v2v %s\n", PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (strcmp (argv[1], "convert") == 0)
    return cmd_convert (argc - 1, argv + 1);
  if (strcmp (argv[1], "inspect") == 0)
    return cmd_inspect (argc - 1, argv + 1);
  if (strcmp (argv[1], "migrate") == 0)
    return cmd_migrate (argc - 1, argv + 1);
  if (strcmp (argv[1], "evacuate") == 0)
    return cmd_evacuate (argc - 1, argv + 1);
  if (strcmp (argv[1], "move-storage") == 0)
    return cmd_move_storage (argc - 1, argv + 1);
  fprintf (stderr, "v2v: error: unknown subcommand '%s'\n", argv[1]);
  usage (stderr);
  return EXIT_FAILURE;
}
