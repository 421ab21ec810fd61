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
#include "strbuf.h"

#define SERIAL "ttyS0"

int
console_is_xen (const char *name, unsigned long len)
{
  return len == 4
         && (strncmp (name, "hvc0", 4) == 0 || strncmp (name, "xvc0", 4) == 0);
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
  struct strbuf o = { NULL, 0, 0 };
  const char *p = text;

  *changes = 0;
  if (strbuf_add (&o, "", 0) == -1)
    return NULL;
  while (*p) {
    if (strncmp (p, key, sizeof key - 1) == 0 && word_start (text, p)) {
      const char *v = p + sizeof key - 1;
      size_t name = strcspn (v, ", \t\n\"'");
      if (console_is_xen (v, name)) {
        size_t vl = strcspn (v, " \t\n\"'");
        if (strbuf_add (&o, key, sizeof key - 1) == -1
            || strbuf_add (&o, SERIAL, strlen (SERIAL)) == -1)
          goto err;
        p = v + vl;
        (*changes)++;
        continue;
      }
    }
    size_t run = 1 + strcspn (p + 1, "c \t\n\"'");
    if (strbuf_add (&o, p, run) == -1)
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
  struct strbuf o = { NULL, 0, 0 };
  const char *line = text;

  *changes = 0;
  if (strbuf_add (&o, "", 0) == -1)
    return NULL;
  while (*line) {
    size_t len = strcspn (line, "\n");
    const char *w = getty_console (line, len);

    if (w) {
      if (strbuf_splice (&o, line, len, w - line, 4, SERIAL) == -1)
        goto err;
      (*changes)++;
    }
    else if (strbuf_add (&o, line, len) == -1)
      goto err;
    line += len;
    if (*line == '\n') {
      if (strbuf_add (&o, "\n", 1) == -1)
        goto err;
      line++;
    }
  }
  return o.buf;

err:
  free (o.buf);
  return NULL;
}
