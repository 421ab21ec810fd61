/* libFuzzer harness: disk device names in a guest's kernel command
 * lines, fstab and crypttab (common/devname.c), rewritten through a
 * mapper that replaces every name devname_parse accepts.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "devname.h"
#include "helpers.h"

static char *
map (void *opaque, const char *name)
{
  struct devname d;
  char *s;

  if (devname_parse (name, &d) == -1)
    return NULL;
  s = strdup ("UUID=01234567-89ab-cdef-0123-456789abcdef");
  if (s == NULL)
    abort ();
  return s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CLEANUP_FREE char *text = fuzz_strndup (data, size);
  int changes;

  free (rewrite_cmdline_refs (text, map, NULL, &changes));
  free (rewrite_table_field (text, 0, map, NULL, &changes));
  free (rewrite_table_field (text, 1, map, NULL, &changes));
  return 0;
}
