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
  char *json = NULL;
  size_t len = 0;
  FILE *mem;

  if (!machine_readable) {
    if (!quiet)
      fprintf (stderr, "%s: warning: %s\n", cli_program, msg);
    return;
  }
  mem = open_memstream (&json, &len);
  if (mem == NULL)
    return;
  fputs ("\"message\": ", mem);
  json_write_string (mem, msg);
  if (fclose (mem) == 0)
    event ("warning", json);
  free (json);
}
