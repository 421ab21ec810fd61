/* vmshift: the hyperv input driver (not written yet). */
#include <config.h>

#include "errors.h"
#include "input.h"

static int
hyperv_open (struct input *in, const char *source)
{
  (void) in;
  set_error (0, "'%s': the hyperv input is not implemented yet", source);
  return -1;
}

const struct input_ops hyperv_input_ops = {
  .name = "hyperv",
  .open = hyperv_open,
};
