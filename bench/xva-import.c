/* bench/xva-import: imports the first disk of an XVA (or any input with
 * an imported disk) the way v2v convert does, and prints its own peak
 * RSS, so make bench can show that the import's memory does not grow
 * with the disk.  Not installed.
 *
 *   xva-import SOURCE DEST
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "errors.h"
#include "input.h"
#include "vm.h"

int
main (int argc, char **argv)
{
  struct input *in;
  struct vm vm;
  struct rusage ru;

  if (argc != 3) {
    fprintf (stderr, "usage: xva-import SOURCE DEST\n");
    return 2;
  }
  in = input_open (argv[1], NULL, NULL);
  if (in == NULL || input_describe (in, &vm) == -1) {
    fprintf (stderr, "xva-import: %s\n", get_error ());
    return 1;
  }
  if (vm.disks.len == 0
      || input_import_disk (in, &vm, 0, argv[2], NULL, NULL) == -1) {
    fprintf (stderr, "xva-import: %s\n",
             vm.disks.len ? get_error () : "no disks");
    return 1;
  }
  getrusage (RUSAGE_SELF, &ru);
  printf ("%lu %lu\n", (unsigned long) vm.disks.ptr[0].capacity,
          (unsigned long) ru.ru_maxrss);
  vm_clear (&vm);
  input_close (in);
  return 0;
}
