/* libFuzzer harness: Xen xl.cfg files and their disk and vif items
 * (common/xl-parse.c), read as input-xen.c reads them.
 */
#include <config.h>

#include "helpers.h"
#include "xl-parse.h"

static void
items (const struct xl *xl)
{
  char *const *list;
  size_t n = xl_get_list (xl, "disk", &list);

  for (size_t i = 0; i < n; ++i) {
    struct xl_disk d;
    struct xl_vdev v;

    if (xl_parse_disk (list[i], &d) == 0 && d.vdev)
      xl_parse_vdev (d.vdev, &v);
    xl_disk_clear (&d);
  }
  n = xl_get_list (xl, "vif", &list);
  for (size_t i = 0; i < n; ++i) {
    struct xl_vif v;

    xl_parse_vif (list[i], &v);
    xl_vif_clear (&v);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct xl *xl = xl_parse_string ("f.cfg", (const char *) data, size);
  unsigned long long n;

  if (xl == NULL)
    return 0;
  xl_get_uint (xl, "memory", 1ULL << 40, &n);
  xl_get_uint (xl, "vcpus", 4096, &n);
  xl_get (xl, "name");
  xl_line (xl, "builder");
  items (xl);
  xl_free (xl);
  return 0;
}
