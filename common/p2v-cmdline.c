/* vmshift: p2v settings from a kernel command line (p2v-cmdline.h). */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "p2v-cmdline.h"

/* What a key's value may be. */
enum value_kind {
  V_HOST,    /* host name or address */
  V_USER,    /* login name */
  V_PATH,    /* absolute path */
  V_HOSTKEY, /* absolute path, SHA256:..., or ask */
  V_TEXT,    /* printable, no leading '-' */
  V_DISKS,   /* all, or a comma list of device names */
  V_FORMAT,  /* qcow2 or raw */
  V_NUMBER,  /* decimal in [min, max] */
};

struct key {
  const char *name;
  enum value_kind kind;
  size_t str_off; /* offset of the char * member, for strings */
  size_t int_off; /* offset of the int member, for numbers */
  int min, max;
};

#define STR(n, member, k)                                                     \
  {                                                                           \
    n, k, offsetof (struct p2v_settings, member), 0, 0, 0                     \
  }
#define NUM(n, member, lo, hi)                                                \
  {                                                                           \
    n, V_NUMBER, 0, offsetof (struct p2v_settings, member), lo, hi            \
  }

static const struct key keys[] = {
  STR ("server", server, V_HOST),
  STR ("user", user, V_USER),
  STR ("identity", identity, V_PATH),
  STR ("hostkey", hostkey, V_HOSTKEY),
  STR ("name", name, V_TEXT),
  STR ("disks", disks, V_DISKS),
  STR ("o", output, V_TEXT),
  STR ("format", format, V_FORMAT),
  STR ("remote", remote, V_TEXT),
  STR ("receive_dir", receive_dir, V_PATH),
  NUM ("port", port, 1, 65535),
  NUM ("poweroff", poweroff, 0, 1),
  NUM ("retries", retries, 0, P2V_RETRIES_MAX),
};

void
p2v_settings_init (struct p2v_settings *s)
{
  memset (s, 0, sizeof *s);
  s->port = s->poweroff = s->retries = -1;
}

void
p2v_settings_free (struct p2v_settings *s)
{
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
    if (keys[i].kind != V_NUMBER)
      free (*(char **) ((char *) s + keys[i].str_off));
  p2v_settings_init (s);
}

static bool
in_set (const char *s, const char *set)
{
  return s[strspn (s, set)] == '\0';
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* Device names: sda, nvme0n1, vda, xvdb, cciss!c0d0 is not supported. */
static bool
disks_ok (const char *v)
{
  const char *p = v;

  if (strcmp (v, "all") == 0)
    return true;
  while (*p) {
    size_t n = strspn (p, "abcdefghijklmnopqrstuvwxyz0123456789");
    if (n == 0 || n > 32 || (p[n] != ',' && p[n] != '\0'))
      return false;
    p += n;
    if (*p == ',' && *++p == '\0')
      return false;
  }
  return true;
}

/* NULL if value suits kind, else what it should be. */
static const char *
check_value (const struct key *k, const char *v)
{
  char *end;
  long n;

  for (const unsigned char *p = (const unsigned char *) v; *p; ++p)
    if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\'' || *p == '\\')
      return "a value without control characters, quotes or backslashes";
  if (v[0] == '-')
    return "a value not starting with '-'";
  switch (k->kind) {
    case V_HOST:
      if (!in_set (v, ALNUM ".-_:[]"))
        return "a host name or an IP address";
      return NULL;
    case V_USER:
      if (!in_set (v, ALNUM ".-_"))
        return "a login name (letters, digits, '.', '-', '_')";
      return NULL;
    case V_PATH:
      if (v[0] != '/')
        return "an absolute path";
      return NULL;
    case V_HOSTKEY:
      if (v[0] == '/' || strcmp (v, "ask") == 0
          || (strncmp (v, "SHA256:", 7) == 0 && v[7]
              && in_set (v + 7, ALNUM "+/=")))
        return NULL;
      return "an absolute path, SHA256:FINGERPRINT or ask";
    case V_TEXT: return NULL;
    case V_DISKS:
      if (!disks_ok (v))
        return "all, or disk names separated by commas (sda,nvme0n1)";
      return NULL;
    case V_FORMAT:
      if (strcmp (v, "qcow2") != 0 && strcmp (v, "raw") != 0)
        return "qcow2 or raw";
      return NULL;
    case V_NUMBER:
      n = strtol (v, &end, 10);
      if (!in_set (v, "0123456789") || *end || end - v > 6 || n < k->min
          || n > k->max)
        return "a number in the range allowed";
      return NULL;
  }
  return "valid";
}

int
p2v_settings_set (struct p2v_settings *s, const char *key, const char *value)
{
  const struct key *k = NULL;
  const char *want;
  size_t len = strlen (value);

  for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !k; ++i)
    if (strcmp (keys[i].name, key) == 0)
      k = &keys[i];
  if (k == NULL) {
    set_error (0, "p2v.%s: unknown setting", key);
    return -1;
  }
  if (len > P2V_VALUE_MAX) {
    set_error (0, "p2v.%s: the value is too long (%zu bytes, at most %d)", key,
               len, P2V_VALUE_MAX);
    return -1;
  }
  if (len > 0 && (want = check_value (k, value)) != NULL) {
    if (k->kind == V_NUMBER)
      set_error (0, "p2v.%s=%s: expected a number from %d to %d", key, value,
                 k->min, k->max);
    else
      set_error (0, "p2v.%s=%s: expected %s", key, value, want);
    return -1;
  }
  if (k->kind == V_NUMBER) {
    *(int *) ((char *) s + k->int_off) = len ? atoi (value) : -1;
  }
  else {
    char **member = (char **) ((char *) s + k->str_off);
    char *copy = NULL;

    if (len > 0 && (copy = strdup (value)) == NULL) {
      set_error (errno, "strdup");
      return -1;
    }
    free (*member);
    *member = copy;
  }
  return 0;
}

static bool
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v'
         || c == '\f';
}

/* One word from *p, as the kernel splits them: up to white space
 * outside double quotes.  Sets *start, *len (raw, quotes included) and
 * *unterminated; advances *p.
 */
static void
next_word (const char **p, const char **start, size_t *len, bool *unterminated)
{
  const char *q = *p;
  bool in_quote = false;

  while (is_space (*q))
    q++;
  *start = q;
  for (; *q && (in_quote || !is_space (*q)); ++q)
    if (*q == '"')
      in_quote = !in_quote;
  *len = q - *start;
  *unterminated = in_quote;
  *p = q;
}

/* The word without its quotes, truncated after limit bytes (then
 * *truncated is set).  The caller frees; NULL with the error set.
 */
static char *
unquote (const char *w, size_t len, size_t limit, bool *truncated)
{
  char *out = malloc (limit + 1);
  size_t n = 0;

  if (out == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  *truncated = false;
  for (size_t i = 0; i < len; ++i) {
    if (w[i] == '"')
      continue;
    if (n == limit) {
      *truncated = true;
      break;
    }
    out[n++] = w[i];
  }
  out[n] = '\0';
  return out;
}

/* Is this word a known p2v.* key?  Checked on the raw word, quotes
 * skipped, before copying anything.
 */
static const struct key *
word_key (const char *w, size_t len)
{
  char name[16];
  size_t n = 0, i = 0;

  while (i < len && w[i] == '"')
    i++;
  if (len - i < 4 || strncmp (w + i, "p2v.", 4) != 0)
    return NULL;
  for (i += 4; i < len && w[i] != '=' && n < sizeof name - 1; ++i)
    if (w[i] != '"')
      name[n++] = w[i];
  name[n] = '\0';
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; ++k)
    if (strcmp (keys[k].name, name) == 0)
      return &keys[k];
  return NULL;
}

int
p2v_cmdline_parse (const char *cmdline, struct p2v_settings *s)
{
  const char *p = cmdline;

  for (;;) {
    const char *w, *eq;
    size_t len;
    bool unterminated, truncated;
    const struct key *k;
    char *word;
    int r;

    next_word (&p, &w, &len, &unterminated);
    if (len == 0)
      return 0;
    k = word_key (w, len);
    if (k == NULL)
      continue;
    if (unterminated) {
      set_error (0,
                 "p2v.%s: unterminated double quote on the kernel "
                 "command line",
                 k->name);
      return -1;
    }
    /* "p2v." + the key + "=" + the value. */
    word = unquote (w, len, 4 + strlen (k->name) + 1 + P2V_VALUE_MAX,
                    &truncated);
    if (word == NULL)
      return -1;
    eq = strchr (word, '=');
    if (truncated) {
      set_error (0, "p2v.%s: the value is too long (at most %d bytes)",
                 k->name, P2V_VALUE_MAX);
      r = -1;
    }
    else if (eq == NULL) {
      set_error (0, "p2v.%s: expected p2v.%s=VALUE", k->name, k->name);
      r = -1;
    }
    else
      r = p2v_settings_set (s, k->name, eq + 1);
    free (word);
    if (r == -1)
      return -1;
  }
}

bool
p2v_settings_headless (const struct p2v_settings *s)
{
  return s->server != NULL;
}

bool
p2v_settings_poweroff (const struct p2v_settings *s)
{
  if (s->poweroff >= 0)
    return s->poweroff == 1;
  return p2v_settings_headless (s);
}
