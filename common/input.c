/* vmshift: the input driver registry (input.h). */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "input.h"

/* Probed in this order: the specific formats first, plain disks (which
 * accept any file QEMU can open) last.
 */
static const struct input_ops *const drivers[] = {
  &vmx_input_ops,    &ova_input_ops,     &xva_input_ops,  &xen_input_ops,
  &hyperv_input_ops, &libvirt_input_ops, &disk_input_ops,
};
#define NR_DRIVERS (sizeof drivers / sizeof drivers[0])

const char *
input_names (void)
{
  return "vmx, xva, ova, xen, hyperv, libvirt, disk";
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
input_open (const char *source, const char *from,
            const struct input_options *opts)
{
  const struct input_ops *ops = find_driver (source, from);
  struct input *in;

  if (ops == NULL)
    return NULL;
  in = calloc (1, sizeof *in);
  if (in == NULL)
    goto err0;
  in->ops = ops;
  if (opts)
    in->opts = *opts;
  in->source = strdup (source);
  if (in->source == NULL)
    goto err1;
  if (ops->open (in, source) == -1)
    goto err2;
  return in;

err2:
  free_string_vector (&in->warnings);
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
input_warn (struct input *in, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  string_vector_vappendf (&in->warnings, fmt, args);
  va_end (args);
}

int
input_import_disk (struct input *in, const struct vm *vm, size_t index,
                   const char *dest, copy_progress_fn progress, void *opaque)
{
  if (index >= vm->disks.len || !vm->disks.ptr[index].import
      || in->ops->import_disk == NULL) {
    set_error (0, "%s input: disk %zu has nothing to import", in->ops->name,
               index);
    return -1;
  }
  return in->ops->import_disk (in, vm, index, dest, progress, opaque);
}

void
input_close (struct input *in)
{
  if (in == NULL)
    return;
  if (in->ops->close)
    in->ops->close (in);
  free_string_vector (&in->warnings);
  free (in->source);
  free (in);
}
