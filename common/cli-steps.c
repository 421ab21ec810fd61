/* vmshift: running the guest conversion steps for a command (cli.h). */
#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "errors.h"
#include "guest.h"

int
cli_run_steps (struct guest *gs)
{
  for (const struct guest_step *s = guest_steps (gs->target); s->name; ++s) {
    size_t before = gs->notes.len, warned = gs->warnings.len;
    char fields[128];
    double t = now_seconds ();

    if (s->run (gs) == -1) {
      prefix_error ("conversion step '%s'", s->name);
      return -1;
    }
    debug ("step %-20s %6.2f s", s->name, now_seconds () - t);
    for (size_t i = before; i < gs->notes.len; ++i)
      debug ("  %s", gs->notes.ptr[i]);
    for (size_t i = warned; i < gs->warnings.len; ++i)
      warning (gs->warnings.ptr[i]);
    snprintf (fields, sizeof fields, "\"step\": \"%s\", \"seconds\": %.3f",
              s->name, now_seconds () - t);
    event ("step", fields);
  }
  return 0;
}
