/* vmshift: GRUB legacy default entry (grub-legacy.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "grub-legacy.h"
#include "strbuf.h"

#define MAX_ENTRIES 1024

/* The first word of a line (after blanks), its length, and the rest. */
static const char *
keyword (const char *line, size_t len, size_t *klen, const char **rest)
{
  const char *p = line, *end = line + len;

  while (p < end && isblank ((unsigned char) *p))
    p++;
  *klen = 0;
  while (p + *klen < end && !isspace ((unsigned char) p[*klen])
         && p[*klen] != '=')
    (*klen)++;
  *rest = p + *klen;
  while (*rest < end && (isblank ((unsigned char) **rest) || **rest == '='))
    (*rest)++;
  return p;
}

bool
kernel_is_xen_only (const char *kver_or_path)
{
  const char *base = strrchr (kver_or_path, '/');

  return strstr (base ? base + 1 : kver_or_path, "xen") != NULL;
}

char *
grub_legacy_fix_default (const char *text, grub_kernel_filter bad,
                         int *changes)
{
  bool refused[MAX_ENTRIES] = { false };
  int nentries = 0, current = -1, def = 0, good = -1;
  const char *def_line = NULL, *def_value = NULL;
  size_t def_len = 0;
  struct strbuf o = { NULL, 0, 0 };
  char num[16];

  *changes = 0;
  for (const char *line = text; *line;) {
    size_t len = strcspn (line, "\n"), klen;
    const char *rest, *k = keyword (line, len, &klen, &rest);

    if (klen == 5 && strncmp (k, "title", 5) == 0) {
      if (nentries < MAX_ENTRIES)
        current = nentries++;
    }
    else if (klen == 6 && strncmp (k, "kernel", 6) == 0 && current >= 0) {
      size_t plen = strcspn (rest, " \t\n");
      char *path = strndup (rest, plen);
      if (path == NULL) {
        set_error (errno, "strndup");
        return NULL;
      }
      refused[current] = bad (path);
      free (path);
    }
    else if (klen == 7 && strncmp (k, "default", 7) == 0 && current < 0) {
      char *end;
      long n = strtol (rest, &end, 10);
      if (end == rest || n < 0 || n >= MAX_ENTRIES)
        def = -1; /* "saved" or junk: not ours to change */
      else
        def = (int) n;
      def_line = line;
      def_value = rest;
      def_len = end - rest;
    }
    line += len;
    if (*line == '\n')
      line++;
  }
  for (int i = 0; i < nentries; ++i)
    if (!refused[i]) {
      good = i;
      break;
    }
  if (def < 0 || def >= nentries || !refused[def] || good < 0) {
    char *copy = strdup (text);
    if (copy == NULL)
      set_error (errno, "strdup");
    return copy;
  }
  snprintf (num, sizeof num, "%d", good);
  if (def_line) {
    if (strbuf_add (&o, text, def_value - text) == -1
        || strbuf_add (&o, num, strlen (num)) == -1
        || strbuf_add (&o, def_value + def_len, strlen (def_value + def_len))
               == -1)
      goto err;
  }
  else {
    if (strbuf_add (&o, "default=", 8) == -1
        || strbuf_add (&o, num, strlen (num)) == -1
        || strbuf_add (&o, "\n", 1) == -1
        || strbuf_add (&o, text, strlen (text)) == -1)
      goto err;
  }
  *changes = 1;
  return o.buf;

err:
  free (o.buf);
  return NULL;
}
