/* vmshift: the ova input driver (not written yet). */
#include <config.h>

#include "errors.h"
#include "input.h"

static int
ova_open (struct input *in, const char *source)
{
  (void) in;
  set_error (0, "'%s': the ova input is not implemented yet", source);
  return -1;
}

const struct input_ops ova_input_ops = {
  .name = "ova",
  .open = ova_open,
};
