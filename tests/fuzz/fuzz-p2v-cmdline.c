/* libFuzzer harness: the p2v kernel command line
 * (common/p2v-cmdline.c), as p2v live reads /proc/cmdline.
 */
#include <config.h>

#include <stdlib.h>

#include "cleanups.h"
#include "helpers.h"
#include "p2v-cmdline.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CLEANUP_FREE char *cmdline = fuzz_strndup (data, size);
  struct p2v_settings s;

  p2v_settings_init (&s);
  if (p2v_cmdline_parse (cmdline, &s) == 0) {
    p2v_settings_headless (&s);
    p2v_settings_poweroff (&s);
  }
  p2v_settings_free (&s);
  return 0;
}
