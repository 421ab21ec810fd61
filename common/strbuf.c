/* vmshift: growing strings (strbuf.h). */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "strbuf.h"

int
strbuf_add (struct strbuf *b, const char *s, size_t n)
{
  if (n > SIZE_MAX / 2 - b->len - 1) {
    set_error (ENOMEM, "string too long");
    return -1;
  }
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *p = realloc (b->buf, cap);
    if (p == NULL) {
      set_error (errno, "realloc");
      return -1;
    }
    b->buf = p;
    b->cap = cap;
  }
  memcpy (b->buf + b->len, s, n);
  b->len += n;
  b->buf[b->len] = '\0';
  return 0;
}

int
strbuf_splice (struct strbuf *b, const char *s, size_t n, size_t at,
               size_t cut, const char *repl)
{
  size_t old = b->len;

  if (strbuf_add (b, s, at) == -1 || strbuf_add (b, repl, strlen (repl)) == -1
      || strbuf_add (b, s + at + cut, n - at - cut) == -1) {
    b->len = old;
    if (b->buf)
      b->buf[old] = '\0';
    return -1;
  }
  return 0;
}
