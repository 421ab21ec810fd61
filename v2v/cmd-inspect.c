/* v2v inspect: print the source VM as the neutral model (JSON). */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "errors.h"
#include "input.h"
#include "source.h"
#include "vm.h"
#include "v2v.h"

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: v2v inspect SOURCE [options]\n"
           "\n"
           "Prints what v2v reads from SOURCE (name, memory, CPUs, firmware, "
           "disks,\n"
           "NICs) as JSON, without converting anything.\n"
           "\n" SOURCE_OPTIONS_HELP
           "  -h, --help                    this help\n",
           input_names ());
}

int
cmd_inspect (int argc, char **argv)
{
  static const struct option long_options[] = {
    SOURCE_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct source_options so = { 0 };
  struct input *in;
  struct vm vm;
  int c;

  while ((c = getopt_long (argc, argv, "h", long_options, NULL)) != -1) {
    switch (c) {
      case 'h': usage (stdout); return EXIT_SUCCESS;
      default:
        if (source_option (c, optarg, &so))
          break;
        usage (stderr);
        return EXIT_FAILURE;
    }
  }
  if (optind != argc - 1) {
    usage (stderr);
    return EXIT_FAILURE;
  }

  in = open_source (argv[optind], &so, &vm);
  input_close (in);
  string_vector_reset (&so.macs);
  if (vm_write_json (&vm, stdout) == -1 || fflush (stdout) == EOF) {
    vm_clear (&vm);
    die ("could not write to standard output");
  }
  vm_clear (&vm);
  return EXIT_SUCCESS;
}
