/* vmshift: the libvirt input driver (not written yet). */
#include <config.h>

#include "errors.h"
#include "input.h"

static int
libvirt_open (struct input *in, const char *source)
{
  (void) in;
  set_error (0, "'%s': the libvirt input is not implemented yet", source);
  return -1;
}

const struct input_ops libvirt_input_ops = {
  .name = "libvirt",
  .open = libvirt_open,
};
