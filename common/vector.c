/* vmshift: the growth step shared by every vector type (vector.h). */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#include "vector.h"

int
generic_vector_reserve (void **ptr, size_t *cap, size_t len, size_t n,
                        size_t itemsize)
{
  size_t want, newcap;
  void *p;

  if (n > SIZE_MAX - len) {
    errno = ENOMEM;
    return -1;
  }
  want = len + n;
  if (want <= *cap)
    return 0;
  newcap = *cap ? *cap : 4;
  while (newcap < want) {
    if (newcap > SIZE_MAX / 2) {
      newcap = want;
      break;
    }
    newcap *= 2;
  }
  if (newcap > SIZE_MAX / itemsize) {
    errno = ENOMEM;
    return -1;
  }
  p = realloc (*ptr, newcap * itemsize);
  if (p == NULL)
    return -1;
  *ptr = p;
  *cap = newcap;
  return 0;
}

void
free_string_vector (string_vector *v)
{
  for (size_t i = 0; i < v->len; ++i)
    free (v->ptr[i]);
  string_vector_reset (v);
}

void
string_vector_vappendf (string_vector *v, const char *fmt, va_list args)
{
  char *s;

  if (vasprintf (&s, fmt, args) == -1)
    return;
  if (string_vector_append (v, s) == -1)
    free (s);
}

void
string_vector_appendf (string_vector *v, const char *fmt, ...)
{
  va_list args;

  va_start (args, fmt);
  string_vector_vappendf (v, fmt, args);
  va_end (args);
}
