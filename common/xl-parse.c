/* vmshift: parser for Xen xl.cfg files (xl-parse.h). */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "vector.h"
#include "xl-parse.h"

struct xl_setting {
  char *key;            /* owned */
  int line;             /* where it was last set */
  bool list;            /* a [list] (else one string in values) */
  string_vector values; /* owned */
};

DEFINE_VECTOR_TYPE (xl_setting_vector, struct xl_setting);

struct xl {
  char *name; /* for error messages; owned */
  xl_setting_vector settings;
};

/* The lexer's state. */
struct lexer {
  const char *name;
  const char *p, *end;
  int line;
};

static inline bool
is_blank (char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

static inline bool
is_alpha (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline bool
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static inline int
hex_value (char c)
{
  if (is_digit (c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int
lex_error (const struct lexer *lx, const char *msg)
{
  set_error (0, "'%s' line %d: %s", lx->name, lx->line, msg);
  return -1;
}

/* Skips blanks and a comment; with newlines, also line ends. */
static void
skip_space (struct lexer *lx, bool newlines)
{
  while (lx->p < lx->end) {
    if (is_blank (*lx->p))
      lx->p++;
    else if (*lx->p == '#') {
      while (lx->p < lx->end && *lx->p != '\n')
        lx->p++;
    }
    else if (newlines && *lx->p == '\n') {
      lx->p++;
      lx->line++;
    }
    else
      break;
  }
}

/* Decodes the escape after a backslash at lx->p into *c. */
static int
lex_escape (struct lexer *lx, char *c)
{
  static const char plain[] = "\"'\\abfnrtv";
  static const char value[] = "\"'\\\a\b\f\n\r\t\v";
  const char *hit;
  int n = 0, digits = 0;

  if (lx->p >= lx->end || *lx->p == '\n')
    return lex_error (lx, "missing the closing quote of a string");
  hit = strchr (plain, *lx->p);
  if (hit && *hit) {
    *c = value[hit - plain];
    lx->p++;
    return 0;
  }
  if (*lx->p == 'x') {
    lx->p++;
    for (; digits < 2 && lx->p < lx->end && hex_value (*lx->p) >= 0; digits++)
      n = n * 16 + hex_value (*lx->p++);
  }
  else if (*lx->p >= '0' && *lx->p <= '7') {
    for (; digits < 3 && lx->p < lx->end && *lx->p >= '0' && *lx->p <= '7';
         digits++)
      n = n * 8 + (*lx->p++ - '0');
  }
  else {
    *c = *lx->p++; /* an unknown escape stands for the character */
    return 0;
  }
  if (digits == 0)
    return lex_error (lx, "\\x must be followed by hex digits");
  if (n == 0 || n > 255)
    return lex_error (lx, "a string escape makes a NUL byte or is "
                          "larger than a byte");
  *c = (char) n;
  return 0;
}

/* Lexes a quoted string at lx->p into a new string in *out. */
static int
lex_string (struct lexer *lx, char **out)
{
  const char quote = *lx->p++;
  CLEANUP_FREE char *buf = malloc (XL_MAX_STRING + 1);
  size_t n = 0;

  if (buf == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  for (;;) {
    char c;

    if (lx->p >= lx->end || *lx->p == '\n')
      return lex_error (lx, quote == '"' ? "missing the closing '\"' of a "
                                           "string"
                                         : "missing the closing \"'\" of a "
                                           "string");
    c = *lx->p++;
    if (c == quote)
      break;
    if (c == '\\' && lex_escape (lx, &c) == -1)
      return -1;
    if (n >= XL_MAX_STRING) {
      set_error (0, "'%s' line %d: a string is longer than %d bytes", lx->name,
                 lx->line, XL_MAX_STRING);
      return -1;
    }
    buf[n++] = c;
  }
  buf[n] = '\0';
  *out = dup_or_null (buf);
  return *out ? 0 : -1;
}

/* Lexes a number (decimal or 0x hex), kept as written. */
static int
lex_number (struct lexer *lx, char **out)
{
  const char *start = lx->p;

  if (lx->end - lx->p > 2 && lx->p[0] == '0'
      && (lx->p[1] == 'x' || lx->p[1] == 'X') && hex_value (lx->p[2]) >= 0) {
    lx->p += 2;
    while (lx->p < lx->end && hex_value (*lx->p) >= 0)
      lx->p++;
  }
  else {
    while (lx->p < lx->end && is_digit (*lx->p))
      lx->p++;
  }
  if (lx->p < lx->end
      && (is_alpha (*lx->p) || is_digit (*lx->p) || *lx->p == '.'))
    return lex_error (lx, "malformed number");
  if (lx->p - start > 64)
    return lex_error (lx, "number too long");
  *out = strndup (start, lx->p - start);
  if (*out == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  return 0;
}

/* A string or a number. */
static int
lex_atom (struct lexer *lx, char **out)
{
  if (lx->p < lx->end && (*lx->p == '"' || *lx->p == '\''))
    return lex_string (lx, out);
  if (lx->p < lx->end && is_digit (*lx->p))
    return lex_number (lx, out);
  if (lx->p < lx->end && *lx->p == '[')
    return lex_error (lx, "lists inside lists are not supported");
  if (lx->p < lx->end && is_alpha (*lx->p))
    return lex_error (lx, "expected a \"string\", a number or a [list] "
                          "(bare words such as True are Python, not xl "
                          "syntax)");
  return lex_error (lx, "expected a \"string\", a number or a [list]");
}

/* Lexes an atom onto the end of values. */
static int
lex_item (struct lexer *lx, string_vector *values)
{
  char *s;

  if (lex_atom (lx, &s) == -1)
    return -1;
  if (string_vector_append (values, s) == -1) {
    free (s);
    set_error (errno, "out of memory");
    return -1;
  }
  return 0;
}

/* Lexes a value into *values, setting *list. */
static int
lex_value (struct lexer *lx, string_vector *values, bool *list)
{
  *list = lx->p < lx->end && *lx->p == '[';
  if (!*list)
    return lex_item (lx, values);

  lx->p++;
  for (;;) {
    skip_space (lx, true);
    if (lx->p < lx->end && *lx->p == ']')
      break;
    if (lx->p >= lx->end)
      return lex_error (lx, "missing the ']' at the end of a list");
    if (values->len >= XL_MAX_LIST) {
      set_error (0, "'%s' line %d: a list has more than %d items", lx->name,
                 lx->line, XL_MAX_LIST);
      return -1;
    }
    if (lex_item (lx, values) == -1)
      return -1;
    skip_space (lx, true);
    if (lx->p < lx->end && *lx->p == ',')
      lx->p++;
    else if (lx->p < lx->end && *lx->p == ']')
      break;
    else if (lx->p >= lx->end)
      return lex_error (lx, "missing the ']' at the end of a list");
    else
      return lex_error (lx, "expected ',' or ']' in a list");
  }
  lx->p++;
  return 0;
}

static struct xl_setting *
find (const struct xl *xl, const char *key)
{
  for (size_t i = xl->settings.len; i-- > 0;) {
    if (strcmp (xl->settings.ptr[i].key, key) == 0)
      return &xl->settings.ptr[i];
  }
  return NULL;
}

/* KEY += VALUE onto an existing setting. */
static int
append (struct lexer *lx, struct xl_setting *s, string_vector *values,
        bool list)
{
  if (s->list != list)
    return lex_error (lx, "'+=' must add a list to a list or a string to a "
                          "string");
  if (list) {
    if (s->values.len + values->len > XL_MAX_LIST) {
      set_error (0, "'%s' line %d: a list has more than %d items", lx->name,
                 lx->line, XL_MAX_LIST);
      return -1;
    }
    for (size_t i = 0; i < values->len; ++i) {
      if (string_vector_append (&s->values, values->ptr[i]) == -1) {
        set_error (errno, "out of memory");
        return -1;
      }
      values->ptr[i] = NULL;
    }
  }
  else {
    char *old = s->values.ptr[0], *cat;

    if (strlen (old) + strlen (values->ptr[0]) > XL_MAX_STRING) {
      set_error (0, "'%s' line %d: a string is longer than %d bytes", lx->name,
                 lx->line, XL_MAX_STRING);
      return -1;
    }
    if (asprintf (&cat, "%s%s", old, values->ptr[0]) == -1) {
      set_error (errno, "asprintf");
      return -1;
    }
    free (old);
    s->values.ptr[0] = cat;
  }
  s->line = lx->line;
  return 0;
}

/* Stores KEY (OP)= VALUE, taking the strings in *values. */
static int
store (struct xl *xl, struct lexer *lx, char *key, bool add,
       string_vector *values, bool list)
{
  struct xl_setting *old = find (xl, key);
  struct xl_setting s = { .key = key, .line = lx->line, .list = list };

  if (add && old)
    return append (lx, old, values, list);
  if (old) {
    free_string_vector (&old->values);
    old->values = *values;
    old->list = list;
    old->line = lx->line;
    *values = (string_vector) empty_vector;
    return 0;
  }
  s.key = strdup (key);
  if (s.key == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  s.values = *values;
  if (xl_setting_vector_append (&xl->settings, s) == -1) {
    free (s.key);
    set_error (errno, "out of memory");
    return -1;
  }
  *values = (string_vector) empty_vector;
  return 0;
}

/* Parses one KEY = VALUE at lx->p (blanks and comments skipped). */
static int
parse_setting (struct xl *xl, struct lexer *lx)
{
  CLEANUP_FREE char *key = NULL;
  string_vector values = empty_vector;
  const char *start = lx->p;
  bool add = false, list;
  int r;

  if (!is_alpha (*lx->p))
    return lex_error (lx, "expected KEY = VALUE");
  while (lx->p < lx->end
         && (is_alpha (*lx->p) || is_digit (*lx->p) || *lx->p == '.'))
    lx->p++;
  if (lx->p - start > 256)
    return lex_error (lx, "key too long");
  key = strndup (start, lx->p - start);
  if (key == NULL) {
    set_error (errno, "strndup");
    return -1;
  }
  skip_space (lx, false);
  if (lx->end - lx->p >= 2 && lx->p[0] == '+' && lx->p[1] == '=') {
    add = true;
    lx->p++;
  }
  if (lx->p >= lx->end || *lx->p != '=')
    return lex_error (lx, "expected KEY = VALUE");
  lx->p++;
  skip_space (lx, false);

  r = lex_value (lx, &values, &list);
  if (r == 0) {
    skip_space (lx, false);
    if (lx->p < lx->end && *lx->p != '\n' && *lx->p != ';')
      r = lex_error (lx, "unexpected text after the value (one setting a "
                         "line, or separate them with ';')");
  }
  if (r == 0)
    r = store (xl, lx, key, add, &values, list);
  free_string_vector (&values);
  return r;
}

struct xl *
xl_parse_string (const char *name, const char *data, size_t len)
{
  struct lexer lx = { .name = name, .p = data, .end = data + len, .line = 1 };
  struct xl *xl;

  if (len > XL_MAX_SIZE) {
    set_error (0, "'%s': too large for an xl config file (more than %d bytes)",
               name, XL_MAX_SIZE);
    return NULL;
  }
  if (memchr (data, '\0', len) != NULL) {
    set_error (0, "'%s' contains a NUL byte: this is not an xl config file",
               name);
    return NULL;
  }
  xl = calloc (1, sizeof *xl);
  if (xl == NULL) {
    set_error (errno, "calloc");
    return NULL;
  }
  xl->name = strdup (name);
  if (xl->name == NULL) {
    set_error (errno, "strdup");
    goto err;
  }
  for (;;) {
    skip_space (&lx, true);
    while (lx.p < lx.end && *lx.p == ';') {
      lx.p++;
      skip_space (&lx, true);
    }
    if (lx.p >= lx.end)
      break;
    if (parse_setting (xl, &lx) == -1)
      goto err;
  }
  return xl;

err:
  xl_free (xl);
  return NULL;
}

struct xl *
xl_parse_file (const char *path)
{
  CLEANUP_FREE char *buf = NULL;
  size_t len;

  buf = read_small_file (path, XL_MAX_SIZE, "an xl config file", &len);
  if (buf == NULL)
    return NULL;
  return xl_parse_string (path, buf, len);
}

void
xl_free (struct xl *xl)
{
  if (xl == NULL)
    return;
  for (size_t i = 0; i < xl->settings.len; ++i) {
    free (xl->settings.ptr[i].key);
    free_string_vector (&xl->settings.ptr[i].values);
  }
  xl_setting_vector_reset (&xl->settings);
  free (xl->name);
  free (xl);
}

bool
xl_has (const struct xl *xl, const char *key)
{
  return find (xl, key) != NULL;
}

const char *
xl_get (const struct xl *xl, const char *key)
{
  const struct xl_setting *s = find (xl, key);

  return s && !s->list ? s->values.ptr[0] : NULL;
}

int
xl_line (const struct xl *xl, const char *key)
{
  const struct xl_setting *s = find (xl, key);

  return s ? s->line : 0;
}

int
xl_get_uint (const struct xl *xl, const char *key, unsigned long long max,
             unsigned long long *out)
{
  const struct xl_setting *s = find (xl, key);
  const char *v, *p;
  unsigned long long n = 0;
  char *end;

  if (s == NULL)
    return 0;
  v = s->list ? "[...]" : s->values.ptr[0];
  p = v + strspn (v, " \t");
  errno = 0;
  if (is_digit (*p))
    n = strtoull (p, &end,
                  (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 16 : 10);
  else
    end = (char *) p;
  if (end != p)
    end += strspn (end, " \t");
  if (s->list || end == p || *end || errno || n > max) {
    set_error (0, "'%s' line %d: %s = %s is not a number from 0 to %llu",
               xl->name, s->line, key, v, max);
    return -1;
  }
  *out = n;
  return 1;
}

size_t
xl_get_list (const struct xl *xl, const char *key, char *const **items)
{
  const struct xl_setting *s = find (xl, key);

  if (s == NULL) {
    *items = NULL;
    return 0;
  }
  *items = s->values.ptr;
  return s->values.len;
}

/* ---- disk specifications ----------------------------------------- */

static int
disk_error (const char *spec, const char *what, const char *detail)
{
  set_error (0, "disk '%s': %s '%s'", spec, what, detail);
  return -1;
}

/* Sets a string parameter, refusing a second non-empty value. */
static int
disk_save (const char *spec, const char *what, char **slot, const char *value)
{
  if (*slot && **slot)
    return disk_error (spec, what, value);
  free (*slot);
  *slot = strdup (value);
  if (*slot == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  return 0;
}

static int
disk_format (const char *spec, struct xl_disk *d, const char *value)
{
  static const char *const formats[] = {
    "raw", "qcow", "qcow2", "vhd", "empty", "qed",
  };
  const char *f = *value ? value : "raw";

  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; ++i) {
    if (strcmp (f, formats[i]) != 0)
      continue;
    if (d->format && strcmp (d->format, f) != 0)
      return disk_error (spec, "format given twice:", f);
    if (d->format)
      return 0;
    return disk_save (spec, "format", &d->format, f);
  }
  return disk_error (spec, "unknown format", value);
}

static int
disk_access (const char *spec, struct xl_disk *d, const char *value)
{
  if (strcmp (value, "r") == 0 || strcmp (value, "ro") == 0)
    d->readonly = true;
  else if (strcmp (value, "w") == 0 || strcmp (value, "rw") == 0
           || *value == '\0')
    d->readonly = false;
  else
    return disk_error (spec, "unknown access", value);
  return 0;
}

/* A positional "VDEV:cdrom" or "VDEV:disk" (deprecated).  Returns 1 if
 * it was one, 0 if there is no ':', -1 on error.
 */
static int
disk_vdev_devtype (const char *spec, struct xl_disk *d, char *value)
{
  char *colon = strrchr (value, ':');

  if (colon == NULL)
    return 0;
  *colon++ = '\0';
  if (disk_save (spec, "vdev given twice:", &d->vdev, value) == -1)
    return -1;
  if (strcmp (colon, "cdrom") == 0)
    d->cdrom = true;
  else if (strcmp (colon, "disk") != 0)
    return disk_error (spec, "unknown device type", colon);
  return 1;
}

/* KEY=VALUE. */
static int
disk_keyword (const char *spec, struct xl_disk *d, const char *key,
              const char *value)
{
  static const char *const ignored[] = {
    "backend",     "backendtype", "specification", "colo-host",   "colo-port",
    "colo-export", "active-disk", "hidden-disk",   "grant_usage",
  };

  if (strcmp (key, "format") == 0)
    return disk_format (spec, d, value);
  if (strcmp (key, "access") == 0)
    return disk_access (spec, d, value);
  if (strcmp (key, "vdev") == 0)
    return disk_save (spec, "vdev given twice:", &d->vdev, value);
  if (strcmp (key, "script") == 0)
    return disk_save (spec, "script given twice:", &d->script, value);
  if (strcmp (key, "devtype") == 0) {
    if (strcmp (value, "cdrom") == 0)
      d->cdrom = true;
    else if (strcmp (value, "disk") == 0)
      d->cdrom = false;
    else
      return disk_error (spec, "unknown devtype", value);
    return 0;
  }
  for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; ++i) {
    if (strcmp (key, ignored[i]) == 0)
      return 0;
  }
  return disk_error (spec, "unknown parameter", key);
}

/* Flags (parameters without '='): 1 if tok was one. */
static int
disk_flag (struct xl_disk *d, const char *tok)
{
  static const char *const ignored[] = {
    "direct-io-safe", "discard", "no-discard", "colo",
    "no-colo",        "trusted", "untrusted",
  };

  if (strcmp (tok, "cdrom") == 0) {
    d->cdrom = true;
    return 1;
  }
  for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; ++i) {
    if (strcmp (tok, ignored[i]) == 0)
      return 1;
  }
  return 0;
}

/* A deprecated "PREFIX:" at p.  Returns its length including ':' (0 if
 * none), or -1 with the error set for an unknown one.
 */
static int
disk_prefix (const char *spec, struct xl_disk *d, const char *p)
{
  static const char *const ignored[] = {
    "tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy",
  };
  static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd" };
  static const char *const scripts[] = { "iscsi", "nbd", "enbd", "drbd" };
  char name[16], script[32];
  size_t n = 0;

  if (!(*p >= 'a' && *p <= 'z'))
    return 0;
  while ((p[n] >= 'a' && p[n] <= 'z') || is_digit (p[n]))
    n++;
  if (p[n] != ':')
    return 0;
  if (n >= sizeof name) {
    /* Too long for a known prefix: unknown, or just a positional. */
    return (p[n + 1] >= 'a' && p[n + 1] <= 'z') || is_digit (p[n + 1])
               ? 0
               : disk_error (spec, "unknown prefix", p);
  }
  memcpy (name, p, n);
  name[n] = '\0';
  for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; ++i) {
    if (strcmp (name, ignored[i]) == 0)
      return n + 1;
  }
  for (size_t i = 0; i < sizeof formats / sizeof formats[0]; ++i) {
    if (strcmp (name, formats[i]) == 0)
      return disk_format (spec, d, name) == -1 ? -1 : (int) n + 1;
  }
  for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; ++i) {
    if (strcmp (name, scripts[i]) == 0) {
      snprintf (script, sizeof script, "block-%s", name);
      return disk_save (spec, "script given twice:", &d->script, script) == -1
                 ? -1
                 : (int) n + 1;
    }
  }
  /* "hdc:cdrom" is a positional; "foo:/x" an unknown prefix. */
  if ((p[n + 1] >= 'a' && p[n + 1] <= 'z') || is_digit (p[n + 1]))
    return 0;
  name[n] = ':';
  name[n + 1 < sizeof name ? n + 1 : n] = '\0';
  return disk_error (spec, "unknown prefix", name);
}

struct disk_state {
  bool had_prefix, access_set;
};

static int
disk_positional (const char *spec, struct xl_disk *d, struct disk_state *st,
                 char *tok)
{
  int r;

  if (d->target == NULL)
    return disk_save (spec, "target given twice:", &d->target, tok);
  if (!st->had_prefix && d->format == NULL) {
    if (*d->target == '\0') {
      r = disk_vdev_devtype (spec, d, tok);
      if (r != 0)
        return r == -1 ? -1 : disk_format (spec, d, "empty");
    }
    return disk_format (spec, d, tok);
  }
  if (d->vdev == NULL) {
    r = disk_vdev_devtype (spec, d, tok);
    if (r != 0)
      return r == -1 ? -1 : 0;
    return disk_save (spec, "vdev given twice:", &d->vdev, tok);
  }
  if (!st->access_set) {
    st->access_set = true;
    return disk_access (spec, d, tok);
  }
  return disk_error (spec, "too many positional parameters at", tok);
}

int
xl_parse_disk (const char *spec, struct xl_disk *out)
{
  struct disk_state st = { false, false };
  const char *p = spec;

  memset (out, 0, sizeof *out);
  while (*p) {
    CLEANUP_FREE char *tok = NULL;
    const char *comma;
    char *eq;
    int n;

    p += strspn (p, " \t\n");
    if (*p == '\0')
      break;
    /* target= eats the rest of the string (so it may hold commas). */
    if (strncmp (p, "target=", 7) == 0) {
      tok = strdup (p + 7);
      if (tok == NULL) {
        set_error (errno, "strdup");
        return -1;
      }
      n = strlen (tok);
      if (n > 0 && tok[n - 1] == ',')
        tok[n - 1] = '\0';
      return disk_save (spec, "target given twice:", &out->target, tok);
    }
    n = disk_prefix (spec, out, p);
    if (n == -1)
      return -1;
    if (n > 0) {
      st.had_prefix = true;
      p += n;
      continue;
    }
    comma = strchr (p, ',');
    tok = strndup (p, comma ? (size_t) (comma - p) : strlen (p));
    if (tok == NULL) {
      set_error (errno, "strndup");
      return -1;
    }
    p = comma ? comma + 1 : p + strlen (p);
    eq = strchr (tok, '=');
    if (eq) {
      *eq = '\0';
      if (disk_keyword (spec, out, tok, eq + 1) == -1)
        return -1;
    }
    else if (!disk_flag (out, tok)
             && disk_positional (spec, out, &st, tok) == -1)
      return -1;
  }
  return 0;
}

void
xl_disk_clear (struct xl_disk *d)
{
  free (d->target);
  free (d->format);
  free (d->vdev);
  free (d->script);
  memset (d, 0, sizeof *d);
}

/* ---- virtual device names ---------------------------------------- */

/* Letters "a".."zz..." as 0, 1, ... (bijective base 26, as Linux). */
static bool
parse_letters (const char **p, int max_letters, int *out)
{
  int n = 0, k = 0;

  while (**p >= 'a' && **p <= 'z') {
    if (++k > max_letters)
      return false;
    n = n * 26 + (**p - 'a' + 1);
    (*p)++;
  }
  *out = n - 1;
  return k > 0;
}

/* 1 to 3 decimal digits, or none (*out = dflt). */
static bool
parse_digits (const char **p, int dflt, int *out)
{
  int n = 0, k = 0;

  while (is_digit (**p)) {
    if (++k > 3)
      return false;
    n = n * 10 + (**p - '0');
    (*p)++;
  }
  *out = k ? n : dflt;
  return true;
}

int
xl_parse_vdev (const char *vdev, struct xl_vdev *out)
{
  static const struct {
    const char *prefix;
    int letters;
  } families[] = { { "xvd", 3 }, { "hd", 1 }, { "sd", 2 } };
  const char *p;

  memset (out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof families / sizeof families[0]; ++i) {
    size_t n = strlen (families[i].prefix);

    if (strncmp (vdev, families[i].prefix, n) != 0)
      continue;
    p = vdev + n;
    strcpy (out->family, families[i].prefix);
    if (parse_letters (&p, families[i].letters, &out->disk)
        && parse_digits (&p, 0, &out->part) && *p == '\0' && out->part < 256)
      return 0;
    goto bad;
  }
  /* dNpM: disk N partition M (vbd-interface.txt). */
  p = vdev;
  strcpy (out->family, "xvd");
  if (*p++ == 'd' && is_digit (*p) && parse_digits (&p, 0, &out->disk)
      && (*p == '\0' || (*p++ == 'p' && is_digit (*p)))
      && parse_digits (&p, 0, &out->part) && *p == '\0' && out->part < 256)
    return 0;

bad:
  set_error (0,
             "'%s' is not a Xen virtual device name (xvdX, hdX, sdX or "
             "dNpM)",
             vdev);
  return -1;
}

/* ---- vif specifications ------------------------------------------ */

int
xl_parse_vif (const char *spec, struct xl_vif *out)
{
  struct {
    const char *key;
    char **slot;
  } keys[] = {
    { "mac", &out->mac },
    { "bridge", &out->bridge },
    { "model", &out->model },
    { "type", &out->type },
  };
  const char *p = spec;

  memset (out, 0, sizeof *out);
  while (*p) {
    const char *comma = strchr (p, ',');
    size_t len = comma ? (size_t) (comma - p) : strlen (p);
    const char *eq = memchr (p, '=', len);
    const char *k = p, *v;
    size_t klen, vlen;

    p = comma ? comma + 1 : p + len;
    while (len > 0 && (*k == ' ' || *k == '\t'))
      k++, len--;
    while (len > 0 && (k[len - 1] == ' ' || k[len - 1] == '\t'))
      len--;
    if (len == 0)
      continue;
    if (eq == NULL) {
      set_error (0, "vif '%s': expected KEY=VALUE, not '%.*s'", spec,
                 (int) len, k);
      return -1;
    }
    klen = eq - k;
    while (klen > 0 && (k[klen - 1] == ' ' || k[klen - 1] == '\t'))
      klen--;
    v = eq + 1 + strspn (eq + 1, " \t");
    vlen = v < k + len ? (size_t) (k + len - v) : 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i) {
      if (strlen (keys[i].key) != klen || strncmp (k, keys[i].key, klen) != 0)
        continue;
      free (*keys[i].slot);
      *keys[i].slot = strndup (v, vlen);
      if (*keys[i].slot == NULL) {
        set_error (errno, "strndup");
        return -1;
      }
    }
  }
  return 0;
}

void
xl_vif_clear (struct xl_vif *v)
{
  char *fields[] = { v->mac, v->bridge, v->model, v->type };

  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; ++i)
    free (fields[i]);
  memset (v, 0, sizeof *v);
}
