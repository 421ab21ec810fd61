/* vmshift: the disk input driver (not written yet). */
#include <config.h>

#include "errors.h"
#include "input.h"

static int
disk_open (struct input *in, const char *source)
{
  (void) in;
  set_error (0, "'%s': the disk input is not implemented yet", source);
  return -1;
}

const struct input_ops disk_input_ops = {
  .name = "disk",
  .open = disk_open,
};
