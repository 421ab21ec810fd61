/* p2v: turn a physical machine into a KVM guest.  Subcommand dispatch. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p2v.h"

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: p2v iso -o P2V.ISO [options]\n"
           "       p2v capture --server HOST [options]\n"
           "       p2v agent --to ssh://[USER@]HOST [options]\n"
           "       p2v receive ...   (run by p2v capture through ssh)\n"
           "       p2v --version | --help\n"
           "\n"
           "Subcommands:\n"
           "  iso       build the bootable p2v LiveCD (BIOS and UEFI, CD or "
           "USB)\n"
           "  live      the LiveCD's front end: settings from the kernel "
           "command\n"
           "            line or a console dialog, then capture\n"
           "  capture   send this machine's description and used disk "
           "blocks to\n"
           "            the conversion host over ssh\n"
           "  agent     copy this running machine in rounds, then a short "
           "freeze\n"
           "  receive   on the conversion host: write what arrives, then "
           "convert\n"
           "\n"
           "'p2v SUBCOMMAND --help' lists its options.  See p2v(1).\n");
}

int
main (int argc, char **argv)
{
  cli_program = "p2v";

  if (argc < 2) {
    usage (stderr);
    return EXIT_FAILURE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
    usage (stdout);
    return EXIT_SUCCESS;
  }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "-V") == 0) {
    printf ("p2v %s\n", PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (strcmp (argv[1], "iso") == 0)
    return cmd_iso (argc - 1, argv + 1);
  if (strcmp (argv[1], "live") == 0)
    return cmd_live (argc - 1, argv + 1);
  if (strcmp (argv[1], "capture") == 0)
    return cmd_capture (argc - 1, argv + 1);
  if (strcmp (argv[1], "agent") == 0)
    return cmd_agent (argc - 1, argv + 1);
  if (strcmp (argv[1], "receive") == 0)
    return cmd_receive (argc - 1, argv + 1);
  fprintf (stderr, "p2v: error: unknown subcommand '%s'\n", argv[1]);
  usage (stderr);
  return EXIT_FAILURE;
}
