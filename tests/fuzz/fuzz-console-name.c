/* libFuzzer harness: Xen consoles in a guest's kernel command lines,
 * boot configuration and inittab (common/console-name.c).
 */
#include <config.h>

#include <stdlib.h>

#include "cleanups.h"
#include "console-name.h"
#include "helpers.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CLEANUP_FREE char *text = fuzz_strndup (data, size);
  int changes;

  free (rewrite_cmdline_consoles (text, &changes));
  free (rewrite_inittab_consoles (text, &changes));
  return 0;
}
