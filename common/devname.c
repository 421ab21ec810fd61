/* vmshift: device names in guest configuration (devname.h). */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devname.h"
#include "errors.h"
#include "strbuf.h"

/* "sdab" -> 27 (a=0 ... z=25, aa=26): the kernel's disk letters. */
static int
letters_to_index (const char *p, size_t n)
{
  int idx = 0;

  if (n == 0 || n > 3)
    return -1;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] < 'a' || p[i] > 'z')
      return -1;
    idx = idx * 26 + (p[i] - 'a') + (i < n - 1 ? 1 : 0);
  }
  return idx;
}

/* A run of digits making a small positive number, or -1. */
static int
small_number (const char *p)
{
  long v;
  char *end;

  if (!isdigit ((unsigned char) *p))
    return -1;
  v = strtol (p, &end, 10);
  if (*end != '\0' || v < 0 || v > 4096)
    return -1;
  return (int) v;
}

int
devname_parse (const char *name, struct devname *d)
{
  const char *p;
  size_t n;
  int ctrl, ns, consumed = 0;

  memset (d, 0, sizeof *d);
  if (strncmp (name, "/dev/disk/by-path/", 18) == 0) {
    int h, c, t, l;
    p = strstr (name, "-scsi-");
    if (p == NULL
        || sscanf (p, "-scsi-%d:%d:%d:%d%n", &h, &c, &t, &l, &consumed) != 4
        || t < 0 || t > 4096)
      return -1;
    p += consumed;
    if (*p == '\0')
      d->part = 0;
    else if (strncmp (p, "-part", 5) == 0
             && (d->part = small_number (p + 5)) > 0)
      ;
    else
      return -1;
    strcpy (d->family, "scsi");
    d->nth = t;
    return 0;
  }
  if (strncmp (name, "/dev/", 5) != 0)
    return -1;
  p = name + 5;
  if (sscanf (p, "nvme%dn%d%n", &ctrl, &ns, &consumed) == 2) {
    if (ctrl < 0 || ctrl > 255 || ns < 1 || ns > 255)
      return -1;
    p += consumed;
    if (*p == 'p') {
      if ((d->part = small_number (p + 1)) <= 0)
        return -1;
    }
    else if (*p != '\0')
      return -1;
    strcpy (d->family, "nvme");
    d->nth = ctrl + ns - 1;
    return 0;
  }
  for (const char *fam = "xvd\0sd\0hd\0vd\0"; *fam; fam += strlen (fam) + 1) {
    size_t fl = strlen (fam);
    if (strncmp (p, fam, fl) != 0)
      continue;
    p += fl;
    n = 0;
    while (islower ((unsigned char) p[n]))
      n++;
    if ((d->nth = letters_to_index (p, n)) < 0)
      return -1;
    if (p[n] != '\0' && (d->part = small_number (p + n)) <= 0)
      return -1;
    strcpy (d->family, fam);
    return 0;
  }
  return -1;
}

char *
rewrite_cmdline_refs (const char *text, devname_mapper map, void *opaque,
                      int *changes)
{
  static const char *const keys[] = { "root=", "resume=" };
  struct strbuf o = { NULL, 0, 0 };
  const char *p = text;

  *changes = 0;
  if (strbuf_add (&o, "", 0) == -1)
    return NULL;
  while (*p) {
    const char *key = NULL;
    bool at_word = p == text || isspace ((unsigned char) p[-1]) || p[-1] == '"'
                   || p[-1] == '\'';
    size_t kl = 0;

    for (size_t k = 0; at_word && k < 2; ++k)
      if (strncmp (p, keys[k], strlen (keys[k])) == 0)
        key = keys[k];
    if (key) {
      kl = strlen (key);
      if (p[kl] == '"' || p[kl] == '\'') /* KEY="/dev/x" */
        kl++;
    }
    if (key && strncmp (p + kl, "/dev/", 5) == 0) {
      const char *v = p + kl;
      size_t vl = strcspn (v, " \t\n\"'");
      char *dev = strndup (v, vl);
      char *repl = dev ? map (opaque, dev) : NULL;

      free (dev);
      if (repl) {
        int r = strbuf_add (&o, p, kl) == -1
                || strbuf_add (&o, repl, strlen (repl)) == -1;
        free (repl);
        if (r)
          goto err;
        p = v + vl;
        (*changes)++;
        continue;
      }
    }
    size_t run = 1 + strcspn (p + 1, "rR \t\n\"'"); /* copy to next chance */
    if (strbuf_add (&o, p, run) == -1)
      goto err;
    p += run;
  }
  return o.buf;

err:
  free (o.buf);
  return NULL;
}

char *
rewrite_table_field (const char *text, int field, devname_mapper map,
                     void *opaque, int *changes)
{
  struct strbuf o = { NULL, 0, 0 };
  const char *line = text;

  *changes = 0;
  if (strbuf_add (&o, "", 0) == -1)
    return NULL;
  while (*line) {
    size_t ll = strcspn (line, "\n");
    const char *p = line, *end = line + ll, *fs = NULL;
    size_t fl = 0;
    char *repl = NULL;

    while (p < end && (*p == ' ' || *p == '\t'))
      p++;
    if (p < end && *p != '#') {
      for (int f = 0; p < end; ++f) {
        size_t wl = strcspn (p, " \t\n");
        if (f == field) {
          fs = p;
          fl = wl;
          break;
        }
        p += wl;
        while (p < end && (*p == ' ' || *p == '\t'))
          p++;
      }
    }
    if (fs && fl > 5 && strncmp (fs, "/dev/", 5) == 0) {
      char *dev = strndup (fs, fl);
      repl = dev ? map (opaque, dev) : NULL;
      free (dev);
    }
    if (repl) {
      int r = strbuf_splice (&o, line, end - line, fs - line, fl, repl);
      free (repl);
      if (r)
        goto err;
      (*changes)++;
    }
    else if (strbuf_add (&o, line, ll) == -1)
      goto err;
    line = end;
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
