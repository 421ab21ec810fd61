/* vmshift: the input driver registry (input.h). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "input.h"

static const struct input_ops *const drivers[] = {
  &vmx_input_ops,
};
#define NR_DRIVERS (sizeof drivers / sizeof drivers[0])

const char *
input_names (void)
{
  return "vmx";
}

static const struct input_ops *
find_driver (const char *source, const char *from)
{
  for (size_t i = 0; i < NR_DRIVERS; ++i) {
    if (from) {
      if (strcmp (drivers[i]->name, from) == 0)
        return drivers[i];
    }
    else if (drivers[i]->probe && drivers[i]->probe (source))
      return drivers[i];
  }
  if (from)
    set_error (0, "unknown input type '%s' (known: %s)", from, input_names ());
  else
    set_error (0,
               "'%s': cannot tell what kind of VM this is; "
               "use --from TYPE (one of: %s)",
               source, input_names ());
  return NULL;
}

struct input *
input_open (const char *source, const char *from)
{
  const struct input_ops *ops = find_driver (source, from);
  struct input *in;

  if (ops == NULL)
    return NULL;
  in = calloc (1, sizeof *in);
  if (in == NULL)
    goto err0;
  in->ops = ops;
  in->source = strdup (source);
  if (in->source == NULL)
    goto err1;
  if (ops->open (in, source) == -1)
    goto err2;
  return in;

err2:
  free (in->source);
  free (in);
  return NULL;
err1:
  free (in);
err0:
  set_error (errno, "input_open");
  return NULL;
}

int
input_describe (struct input *in, struct vm *out)
{
  memset (out, 0, sizeof *out);
  if (in->ops->describe (in, out) == -1) {
    vm_clear (out);
    return -1;
  }
  return 0;
}

void
input_close (struct input *in)
{
  if (in == NULL)
    return;
  if (in->ops->close)
    in->ops->close (in);
  free (in->source);
  free (in);
}
