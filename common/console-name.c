/* vmshift: hypervisor consoles (console-name.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console-name.h"
#include "errors.h"

#define SERIAL "ttyS0"

int
console_is_xen (const char *name, unsigned long len)
{
  return len == 4
         && (strncmp (name, "hvc0", 4) == 0 || strncmp (name, "xvc0", 4) == 0);
}

/* A growing output string. */
struct out {
  char *buf;
  size_t len, cap;
};

static int
put (struct out *o, const char *s, size_t n)
{
  if (o->len + n + 1 > o->cap) {
    size_t cap = o->cap ? o->cap : 256;
    char *p;
    while (cap < o->len + n + 1)
      cap *= 2;
    p = realloc (o->buf, cap);
    if (p == NULL) {
      set_error (errno, "realloc");
      return -1;
    }
    o->buf = p;
    o->cap = cap;
  }
  memcpy (o->buf + o->len, s, n);
  o->len += n;
  o->buf[o->len] = '\0';
  return 0;
}

static bool
word_start (const char *text, const char *p)
{
  return p == text || isspace ((unsigned char) p[-1]) || p[-1] == '"'
         || p[-1] == '\'';
}

char *
rewrite_cmdline_consoles (const char *text, int *changes)
{
  static const char key[] = "console=";
  struct out o = { NULL, 0, 0 };
  const char *p = text;

  *changes = 0;
  if (put (&o, "", 0) == -1)
    return NULL;
  while (*p) {
    if (strncmp (p, key, sizeof key - 1) == 0 && word_start (text, p)) {
      const char *v = p + sizeof key - 1;
      size_t name = strcspn (v, ", \t\n\"'");
      if (console_is_xen (v, name)) {
        size_t vl = strcspn (v, " \t\n\"'");
        if (put (&o, key, sizeof key - 1) == -1
            || put (&o, SERIAL, strlen (SERIAL)) == -1)
          goto err;
        p = v + vl;
        (*changes)++;
        continue;
      }
    }
    size_t run = 1 + strcspn (p + 1, "c \t\n\"'");
    if (put (&o, p, run) == -1)
      goto err;
    p += run;
  }
  return o.buf;

err:
  free (o.buf);
  return NULL;
}

/* The console word of an active getty line ("id:runlevels:action:
 * /sbin/getty hvc0 9600 vt102"), or NULL.
 */
static const char *
getty_console (const char *line, size_t len)
{
  const char *end = line + len, *w = line;

  if (*line == '#' || memmem (line, len, "getty", 5) == NULL)
    return NULL;
  while (w < end) {
    size_t wl = strcspn (w, " \t\n");
    if (console_is_xen (w, wl) && w > line)
      return w;
    w += wl;
    w += strspn (w, " \t");
  }
  return NULL;
}

char *
rewrite_inittab_consoles (const char *text, int *changes)
{
  struct out o = { NULL, 0, 0 };
  const char *line = text;

  *changes = 0;
  if (put (&o, "", 0) == -1)
    return NULL;
  while (*line) {
    size_t len = strcspn (line, "\n");
    const char *w = getty_console (line, len);

    if (w) {
      if (put (&o, line, w - line) == -1
          || put (&o, SERIAL, strlen (SERIAL)) == -1
          || put (&o, w + 4, line + len - (w + 4)) == -1)
        goto err;
      (*changes)++;
    }
    else if (put (&o, line, len) == -1)
      goto err;
    line += len;
    if (*line == '\n') {
      if (put (&o, "\n", 1) == -1)
        goto err;
      line++;
    }
  }
  return o.buf;

err:
  free (o.buf);
  return NULL;
}
