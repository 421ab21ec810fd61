/* libFuzzer harness: GRUB legacy grub.conf / menu.lst from a guest
 * (common/grub-legacy.c), fixed as guest-bootloader.c does.
 */
#include <config.h>

#include <stdlib.h>

#include "cleanups.h"
#include "grub-legacy.h"
#include "helpers.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CLEANUP_FREE char *text = fuzz_strndup (data, size);
  int changes;

  free (grub_legacy_fix_default (text, kernel_is_xen_only, &changes));
  return 0;
}
