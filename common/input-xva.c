/* vmshift: the xva input driver (not written yet). */
#include <config.h>

#include "errors.h"
#include "input.h"

static int
xva_open (struct input *in, const char *source)
{
  (void) in;
  set_error (0, "'%s': the xva input is not implemented yet", source);
  return -1;
}

const struct input_ops xva_input_ops = {
  .name = "xva",
  .open = xva_open,
};
