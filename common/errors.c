/* vmshift: per-thread error recording (see errors.h). */
#include <config.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

static __thread char *last_error;
static __thread int last_errno;

/* A thread's error string is freed when the thread ends (the key's
 * destructor runs then, with the thread's variables still there).
 */
static pthread_key_t end_key;
static pthread_once_t end_once = PTHREAD_ONCE_INIT;

static void
free_at_thread_end (void *unused)
{
  free (last_error);
  last_error = NULL;
}

static void
make_end_key (void)
{
  pthread_key_create (&end_key, free_at_thread_end);
}

static void
replace (char *msg, int errnum)
{
  free (last_error);
  last_error = msg;
  last_errno = errnum;
  if (msg) {
    pthread_once (&end_once, make_end_key);
    pthread_setspecific (end_key, &end_key); /* any non-NULL value */
  }
}

void
set_error (int errnum, const char *fs, ...)
{
  va_list args;
  char *msg = NULL, *full = NULL;

  va_start (args, fs);
  if (vasprintf (&msg, fs, args) == -1)
    msg = NULL;
  va_end (args);

  if (msg && errnum != 0) {
    if (asprintf (&full, "%s: %s", msg, strerror (errnum)) == -1)
      full = NULL;
    free (msg);
    msg = full;
  }
  replace (msg, errnum);
}

void
prefix_error (const char *fs, ...)
{
  va_list args;
  char *prefix = NULL, *full = NULL;

  va_start (args, fs);
  if (vasprintf (&prefix, fs, args) == -1)
    prefix = NULL;
  va_end (args);
  if (prefix == NULL)
    return;
  if (asprintf (&full, "%s: %s", prefix, get_error ()) == -1)
    full = NULL;
  free (prefix);
  if (full)
    replace (full, last_errno);
}

const char *
get_error (void)
{
  return last_error ? last_error : "unknown error";
}

int
get_errno (void)
{
  return last_errno;
}

void
clear_error (void)
{
  replace (NULL, 0);
}
