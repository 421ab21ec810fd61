/* vmshift: what the libvirt input and output share (libvirt-util.h). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "errors.h"
#include "libvirt-util.h"

static void
silent (void *opaque, virErrorPtr err)
{}

void
libvirt_quiet (void)
{
  virSetErrorFunc (NULL, silent);
}

void
set_libvirt_error (const char *fs, ...)
{
  const char *msg = virGetLastErrorMessage ();
  va_list args;
  char *what;
  int r;

  va_start (args, fs);
  r = vasprintf (&what, fs, args);
  va_end (args);
  set_error (0, "%s: %s", r == -1 ? "libvirt" : what,
             msg ? msg : "libvirt failed");
  if (r != -1)
    free (what);
}
