/* vmshift: parser for VMware .vmx files (vmx-parse.h). */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "vector.h"
#include "vmx-parse.h"

struct vmx_entry {
  char *key;   /* lowercased; owned */
  char *value; /* unescaped; owned */
  size_t seq;  /* order of appearance: later wins */
};

DEFINE_VECTOR_TYPE (vmx_entry_vector, struct vmx_entry);

struct vmx {
  char *name;               /* for error messages; owned */
  vmx_entry_vector entries; /* sorted by key, keys unique */
};

/* Locale-independent, so parsing depends on nothing but the bytes. */
static inline char
ascii_lower (char c)
{
  return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static inline bool
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

static inline int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = ascii_lower (c);
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Keys are printable ASCII without blanks, '=' or '"'. */
static inline bool
is_key_char (char c)
{
  return c > ' ' && c < 0x7f && c != '=' && c != '"';
}

/* Compares query (any case) with a stored lowercase key, like strcmp. */
static int
keycmp (const char *query, const char *key)
{
  unsigned char a, b;

  do {
    a = (unsigned char) ascii_lower (*query++);
    b = (unsigned char) *key++;
  } while (a == b && a != '\0');
  return (int) a - (int) b;
}

/* Does key (lowercase) start with prefix (any case)? */
static bool
has_prefix (const char *key, const char *prefix)
{
  for (; *prefix; ++prefix, ++key) {
    if (*key != ascii_lower (*prefix))
      return false;
  }
  return true;
}

/* Index of the first entry whose key is >= query. */
static size_t
lower_bound (const struct vmx *vmx, const char *query)
{
  size_t lo = 0, hi = vmx->entries.len;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (keycmp (query, vmx->entries.ptr[mid].key) > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Copies the raw value (len bytes), decoding |XX escapes.  A '|' not
 * followed by two hex digits is kept as it is.  Returns a new string
 * or NULL with the error set.
 */
static char *
unescape (const char *name, int lineno, const char *raw, size_t len)
{
  char *out = malloc (len + 1);
  size_t n = 0;

  if (out == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  for (size_t i = 0; i < len; ++i) {
    int hi, lo;

    if (raw[i] == '|' && i + 2 < len && (hi = hex_value (raw[i + 1])) >= 0
        && (lo = hex_value (raw[i + 2])) >= 0) {
      if (hi == 0 && lo == 0) {
        free (out);
        set_error (0,
                   "'%s' line %d: value contains the escape |00 "
                   "(a NUL byte)",
                   name, lineno);
        return NULL;
      }
      out[n++] = (char) (hi * 16 + lo);
      i += 2;
    }
    else
      out[n++] = raw[i];
  }
  out[n] = '\0';
  return out;
}

static int
add_entry (struct vmx *vmx, const char *name, int lineno, const char *key,
           size_t keylen, const char *raw, size_t rawlen)
{
  struct vmx_entry e = { .seq = vmx->entries.len };

  e.key = malloc (keylen + 1);
  if (e.key == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  for (size_t i = 0; i < keylen; ++i)
    e.key[i] = ascii_lower (key[i]);
  e.key[keylen] = '\0';
  e.value = unescape (name, lineno, raw, rawlen);
  if (e.value == NULL) {
    free (e.key);
    return -1;
  }
  if (vmx_entry_vector_append (&vmx->entries, e) == -1) {
    set_error (errno, "'%s': out of memory", name);
    free (e.key);
    free (e.value);
    return -1;
  }
  return 0;
}

/* Parses one line (without its '\n'). */
static int
parse_line (struct vmx *vmx, const char *name, int lineno, const char *p,
            size_t len)
{
  const char *end = p + len, *key, *value;
  size_t keylen;

  if (len > VMX_MAX_LINE) {
    set_error (0, "'%s' line %d: line is longer than %d bytes", name, lineno,
               VMX_MAX_LINE);
    return -1;
  }
  if (memchr (p, '\0', len) != NULL) {
    set_error (0,
               "'%s' line %d: contains a NUL byte: "
               "this is not a .vmx file",
               name, lineno);
    return -1;
  }
  while (p < end && is_blank (*p))
    p++;
  while (end > p && (is_blank (end[-1]) || end[-1] == '\r'))
    end--;
  if (p == end || *p == '#')
    return 0;

  key = p;
  while (p < end && is_key_char (*p))
    p++;
  keylen = p - key;
  while (p < end && is_blank (*p))
    p++;
  if (keylen == 0 || p == end || *p != '=') {
    set_error (0, "'%s' line %d: expected key = \"value\"", name, lineno);
    return -1;
  }
  p++;
  while (p < end && is_blank (*p))
    p++;

  if (p < end && *p == '"') {
    const char *close = memchr (p + 1, '"', end - p - 1);

    if (close == NULL) {
      set_error (0, "'%s' line %d: missing '\"' at the end of the value", name,
                 lineno);
      return -1;
    }
    if (close != end - 1) {
      set_error (0,
                 "'%s' line %d: unexpected text after the closing '\"' "
                 "(write '\"' inside a value as |22)",
                 name, lineno);
      return -1;
    }
    value = p + 1;
    return add_entry (vmx, name, lineno, key, keylen, value, close - value);
  }
  /* A bare value runs to the end of the line (blanks trimmed). */
  return add_entry (vmx, name, lineno, key, keylen, p, end - p);
}

static int
entry_compare (const void *av, const void *bv)
{
  const struct vmx_entry *a = av, *b = bv;
  int r = strcmp (a->key, b->key);

  if (r != 0)
    return r;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorts the entries by key and keeps only the last of each key. */
static void
sort_and_dedupe (struct vmx *vmx)
{
  vmx_entry_vector *v = &vmx->entries;
  size_t out = 0;

  if (v->len == 0)
    return;
  qsort (v->ptr, v->len, sizeof v->ptr[0], entry_compare);
  for (size_t i = 0; i < v->len; ++i) {
    if (i + 1 < v->len && strcmp (v->ptr[i].key, v->ptr[i + 1].key) == 0) {
      free (v->ptr[i].key);
      free (v->ptr[i].value);
      continue;
    }
    v->ptr[out++] = v->ptr[i];
  }
  v->len = out;
}

struct vmx *
vmx_parse_string (const char *name, const char *data, size_t len)
{
  struct vmx *vmx;
  size_t pos = 0;
  int lineno = 0;

  if (len > VMX_MAX_SIZE) {
    set_error (0, "'%s': too large for a .vmx file (more than %d bytes)", name,
               VMX_MAX_SIZE);
    goto err0;
  }
  vmx = calloc (1, sizeof *vmx);
  if (vmx == NULL) {
    set_error (errno, "calloc");
    goto err0;
  }
  vmx->name = strdup (name);
  if (vmx->name == NULL) {
    set_error (errno, "strdup");
    goto err1;
  }

  /* UTF-8 byte order mark, as some editors on Windows add. */
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    pos = 3;
  while (pos < len) {
    const char *line = data + pos;
    const char *eol = memchr (line, '\n', len - pos);
    size_t linelen = eol ? (size_t) (eol - line) : len - pos;

    lineno++;
    if (parse_line (vmx, name, lineno, line, linelen) == -1)
      goto err1;
    pos += linelen + (eol != NULL);
  }
  sort_and_dedupe (vmx);
  return vmx;

err1:
  vmx_free (vmx);
err0:
  return NULL;
}

struct vmx *
vmx_parse_file (const char *path)
{
  CLEANUP_FREE char *buf = NULL;
  size_t len;

  buf = read_small_file (path, VMX_MAX_SIZE, "a .vmx file", &len);
  if (buf == NULL)
    return NULL;
  return vmx_parse_string (path, buf, len);
}

void
vmx_free (struct vmx *vmx)
{
  if (vmx == NULL)
    return;
  for (size_t i = 0; i < vmx->entries.len; ++i) {
    free (vmx->entries.ptr[i].key);
    free (vmx->entries.ptr[i].value);
  }
  vmx_entry_vector_reset (&vmx->entries);
  free (vmx->name);
  free (vmx);
}

const char *
vmx_get (const struct vmx *vmx, const char *key)
{
  size_t i = lower_bound (vmx, key);

  if (i < vmx->entries.len && keycmp (key, vmx->entries.ptr[i].key) == 0)
    return vmx->entries.ptr[i].value;
  return NULL;
}

static bool
equal_ci (const char *a, const char *b)
{
  for (; *a && *b; ++a, ++b) {
    if (ascii_lower (*a) != ascii_lower (*b))
      return false;
  }
  return *a == *b;
}

bool
vmx_get_bool (const struct vmx *vmx, const char *key, bool dflt)
{
  const char *v = vmx_get (vmx, key);

  if (v == NULL)
    return dflt;
  while (is_blank (*v))
    v++;
  return equal_ci (v, "true") || equal_ci (v, "yes") || equal_ci (v, "on")
         || strcmp (v, "1") == 0;
}

/* Parses a decimal integer with optional blanks around it.  strtoll
 * alone would also accept "0x10", a leading '+' and an empty string.
 */
static bool
parse_decimal (const char *p, long long *out)
{
  char *end;

  while (is_blank (*p))
    p++;
  if (!((*p >= '0' && *p <= '9') || (*p == '-' && p[1] >= '0' && p[1] <= '9')))
    return false;
  errno = 0;
  *out = strtoll (p, &end, 10);
  if (errno == ERANGE)
    return false;
  while (is_blank (*end))
    end++;
  return *end == '\0';
}

int
vmx_get_int (const struct vmx *vmx, const char *key, long long *out)
{
  const char *v = vmx_get (vmx, key);
  long long n;

  if (v == NULL)
    return 0;
  if (!parse_decimal (v, &n)) {
    set_error (0, "'%s': %s = \"%s\" is not an integer", vmx->name, key, v);
    return -1;
  }
  *out = n;
  return 1;
}

bool
vmx_next (const struct vmx *vmx, const char *prefix, size_t *pos,
          const char **key, const char **value)
{
  size_t i = *pos == 0 ? lower_bound (vmx, prefix) : *pos;

  if (i < vmx->entries.len && has_prefix (vmx->entries.ptr[i].key, prefix)) {
    *key = vmx->entries.ptr[i].key;
    *value = vmx->entries.ptr[i].value;
    *pos = i + 1;
    return true;
  }
  *pos = vmx->entries.len + 1;
  return false;
}

size_t
vmx_count (const struct vmx *vmx)
{
  return vmx->entries.len;
}
