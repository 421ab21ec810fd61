/* vmshift: JSON string escaping (json.h). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "json.h"

void
json_write_string (FILE *fp, const char *s)
{
  if (s == NULL) {
    fputs ("null", fp);
    return;
  }
  fputc ('"', fp);
  for (const unsigned char *p = (const unsigned char *) s; *p; ++p) {
    switch (*p) {
      case '"': fputs ("\\\"", fp); break;
      case '\\': fputs ("\\\\", fp); break;
      case '\n': fputs ("\\n", fp); break;
      case '\r': fputs ("\\r", fp); break;
      case '\t': fputs ("\\t", fp); break;
      default:
        if (*p < 0x20)
          fprintf (fp, "\\u%04x", *p);
        else
          fputc (*p, fp);
    }
  }
  fputc ('"', fp);
}

char *
json_quote (const char *s)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream (&buf, &len);

  if (mem == NULL)
    return NULL;
  json_write_string (mem, s);
  if (fclose (mem) != 0) {
    free (buf);
    return NULL;
  }
  return buf;
}
