/* vmshift: the xen input driver (not written yet). */
#include <config.h>

#include "errors.h"
#include "input.h"

static int
xen_open (struct input *in, const char *source)
{
  (void) in;
  set_error (0, "'%s': the xen input is not implemented yet", source);
  return -1;
}

const struct input_ops xen_input_ops = {
  .name = "xen",
  .open = xen_open,
};
