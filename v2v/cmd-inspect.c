/* v2v inspect: print the source VM as the neutral model (JSON). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "errors.h"
#include "input.h"
#include "vm.h"
#include "v2v.h"

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: v2v inspect SOURCE [--from TYPE]\n"
           "\n"
           "Prints what v2v reads from SOURCE (name, memory, CPUs, firmware, "
           "disks,\n"
           "NICs) as JSON, without converting anything.\n"
           "\n"
           "  --from TYPE   input type instead of detecting it (%s)\n"
           "  -h, --help    this help\n",
           input_names ());
}

int
cmd_inspect (int argc, char **argv)
{
  static const struct option long_options[] = {
    { "from", required_argument, NULL, 'f' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *from = NULL;
  struct vm vm;
  int c;

  while ((c = getopt_long (argc, argv, "h", long_options, NULL)) != -1) {
    switch (c) {
      case 'f': from = optarg; break;
      case 'h': usage (stdout); return EXIT_SUCCESS;
      default: usage (stderr); return EXIT_FAILURE;
    }
  }
  if (optind != argc - 1) {
    usage (stderr);
    return EXIT_FAILURE;
  }

  read_source (argv[optind], from, &vm);
  if (vm_write_json (&vm, stdout) == -1 || fflush (stdout) == EOF) {
    vm_clear (&vm);
    die ("could not write to standard output");
  }
  vm_clear (&vm);
  return EXIT_SUCCESS;
}
