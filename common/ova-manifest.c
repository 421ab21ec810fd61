/* vmshift: OVA manifests (ova-manifest.h). */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/nettle-meta.h>

#include "errors.h"
#include "ova-manifest.h"

static const struct {
  const char *name;
  const struct nettle_hash *hash;
} algs[] = {
  { "SHA1", &nettle_sha1 },
  { "SHA256", &nettle_sha256 },
  { "SHA512", &nettle_sha512 },
};
#define NR_ALGS (sizeof algs / sizeof algs[0])

void
ova_hex (const unsigned char *digest, size_t len, char *out)
{
  static const char xdigits[] = "0123456789abcdef";

  for (size_t i = 0; i < len; ++i) {
    out[2 * i] = xdigits[digest[i] >> 4];
    out[2 * i + 1] = xdigits[digest[i] & 15];
  }
  out[2 * len] = '\0';
}

void
ova_manifest_free (ova_manifest *m)
{
  for (size_t i = 0; i < m->len; ++i)
    free (m->ptr[i].file);
  ova_manifest_reset (m);
}

static bool
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

/* Parses the line [p, end) (blanks trimmed, not empty) into *e. */
static int
parse_line (const char *what, int lineno, const char *p, const char *end,
            struct ova_manifest_entry *e)
{
  const char *alg = p, *open, *close, *eq, *hex;
  size_t alg_len, ndigits;

  while (p < end && isalnum ((unsigned char) *p))
    p++;
  alg_len = p - alg;
  while (p < end && is_space (*p))
    p++;
  open = p;
  eq = memrchr (p, '=', end - p);
  if (alg_len == 0 || open == end || *open != '(' || eq == NULL) {
    set_error (0, "'%s' line %d: not a checksum line (ALG(FILE)= HEX)", what,
               lineno);
    return -1;
  }
  close = eq;
  while (close > open && is_space (close[-1]))
    close--;
  if (close - open < 3 || close[-1] != ')') {
    set_error (0, "'%s' line %d: not a checksum line (ALG(FILE)= HEX)", what,
               lineno);
    return -1;
  }
  close--;

  e->hash = NULL;
  for (size_t i = 0; i < NR_ALGS; ++i) {
    if (strlen (algs[i].name) == alg_len
        && strncasecmp (alg, algs[i].name, alg_len) == 0) {
      e->alg = algs[i].name;
      e->hash = algs[i].hash;
    }
  }
  if (e->hash == NULL) {
    set_error (0,
               "'%s' line %d: unknown checksum algorithm '%.*s' "
               "(SHA1, SHA256 and SHA512 are known)",
               what, lineno, (int) alg_len, alg);
    return -1;
  }

  hex = eq + 1;
  while (hex < end && is_space (*hex))
    hex++;
  ndigits = end - hex;
  for (const char *q = hex; q < end; ++q) {
    if (!isxdigit ((unsigned char) *q))
      ndigits = 0;
  }
  if (ndigits != 2 * e->hash->digest_size) {
    set_error (0, "'%s' line %d: a %s checksum is %u hex digits", what, lineno,
               e->alg, 2 * e->hash->digest_size);
    return -1;
  }
  for (size_t i = 0; i < ndigits; ++i)
    e->hex[i] = tolower ((unsigned char) hex[i]);
  e->hex[ndigits] = '\0';
  e->lineno = lineno;
  e->file = strndup (open + 1, close - open - 1);
  if (e->file == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  return 0;
}

int
ova_manifest_parse (const char *buf, size_t len, const char *what,
                    ova_manifest *out)
{
  const char *p = buf, *end = buf + len;
  size_t first = out->len;
  int lineno = 0;

  if (memchr (buf, '\0', len) != NULL) {
    set_error (0, "'%s' is not a manifest (it holds a NUL byte)", what);
    goto err;
  }
  if (len >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  while (p < end) {
    const char *eol = memchr (p, '\n', end - p);
    const char *q = eol ? eol : end;
    struct ova_manifest_entry e;

    lineno++;
    while (p < q && is_space (*p))
      p++;
    while (q > p && is_space (q[-1]))
      q--;
    if (p < q) {
      if (out->len - first >= OVA_MANIFEST_MAX_ENTRIES) {
        set_error (0, "'%s': more than %d lines", what,
                   OVA_MANIFEST_MAX_ENTRIES);
        goto err;
      }
      if (parse_line (what, lineno, p, q, &e) == -1)
        goto err;
      if (ova_manifest_append (out, e) == -1) {
        set_error (errno, "out of memory");
        free (e.file);
        goto err;
      }
    }
    p = eol ? eol + 1 : end;
  }
  return 0;

err:
  while (out->len > first)
    free (out->ptr[--out->len].file);
  if (out->len == 0)
    ova_manifest_reset (out);
  return -1;
}
