/* vmshift: what the unit tests (tests/test-*.c) share. */
#ifndef VMSHIFT_UNIT_TEST_H
#define VMSHIFT_UNIT_TEST_H

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* Aborts unless the error recorded last contains want. */
static inline void
expect_error (const char *want)
{
  if (strstr (get_error (), want) == NULL) {
    fprintf (stderr, "error '%s' does not contain '%s'\n", get_error (), want);
    abort ();
  }
}

/* dir/name, for the caller to free. */
static inline char *
test_path (const char *dir, const char *name)
{
  char *p;

  assert (asprintf (&p, "%s/%s", dir, name) != -1);
  return p;
}

/* Removes the scratch directory dir (made with mkdtemp) and all in it. */
static inline void
test_remove_dir (const char *dir)
{
  char *cmd;

  assert (asprintf (&cmd, "rm -rf '%s'", dir) != -1);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
  free (cmd);
}

#endif /* VMSHIFT_UNIT_TEST_H */
