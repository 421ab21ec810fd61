/* vmshift: the commands' messages (cli.h). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "errors.h"
#include "json.h"

const char *cli_program = "vmshift";
int verbose;
bool quiet;
bool machine_readable;

bool
cli_option (int c)
{
  switch (c) {
    case 'v': verbose++; return true;
    case 'q': quiet = true; return true;
    case CLI_OPT_MACHINE_READABLE: machine_readable = true; return true;
    default: return false;
  }
}

noreturn void
die_error (void)
{
  fprintf (stderr, "%s: error: %s\n", cli_program, get_error ());
  exit (EXIT_FAILURE);
}

noreturn void
die (const char *fmt, ...)
{
  va_list args;

  fprintf (stderr, "%s: error: ", cli_program);
  va_start (args, fmt);
  vfprintf (stderr, fmt, args);
  va_end (args);
  fputc ('\n', stderr);
  exit (EXIT_FAILURE);
}

static void
say (const char *fmt, va_list args)
{
  fprintf (stderr, "%s: ", cli_program);
  vfprintf (stderr, fmt, args);
  fputc ('\n', stderr);
}

void
debug (const char *fmt, ...)
{
  va_list args;

  if (!verbose)
    return;
  va_start (args, fmt);
  say (fmt, args);
  va_end (args);
}

void
info (const char *fmt, ...)
{
  va_list args;

  if (quiet || machine_readable)
    return;
  va_start (args, fmt);
  say (fmt, args);
  va_end (args);
}

void
warning (const char *msg)
{
  char *json, *fields;

  if (!machine_readable) {
    if (!quiet)
      fprintf (stderr, "%s: warning: %s\n", cli_program, msg);
    return;
  }
  json = json_quote (msg);
  if (json && asprintf (&fields, "\"message\": %s", json) != -1) {
    event ("warning", fields);
    free (fields);
  }
  free (json);
}
