/* vmshift: reading interface names (and MACs) from a guest's network
 * configuration (netcfg.h).  Pure text functions.
 */
#include <config.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanups.h"
#include "errors.h"
#include "netcfg.h"
#include "strbuf.h"
#include "vm.h"

static bool
valid_ifname (const char *s, size_t n)
{
  if (n == 0 || n > 15)
    return false;
  for (size_t i = 0; i < n; ++i)
    if (!isalnum ((unsigned char) s[i]) && !strchr ("_.-", s[i]))
      return false;
  return !(n == 2 && strncmp (s, "lo", 2) == 0);
}

/* Adds (name, mac) unless the name is invalid or already known; a MAC
 * learnt later fills in a name known without one.
 */
static int
add_configured (netcfg_names *c, const char *name, size_t n, const char *mac)
{
  CLEANUP_FREE char *nmac = NULL;

  if (!valid_ifname (name, n))
    return 0;
  if (mac) {
    nmac = vm_normalize_mac (mac);
    if (nmac == NULL)
      clear_error (); /* not a MAC: the name alone still counts */
  }
  for (size_t i = 0; i < c->len; ++i) {
    if (strlen (c->ptr[i].name) == n
        && strncmp (c->ptr[i].name, name, n) == 0) {
      if (c->ptr[i].mac == NULL && nmac) {
        c->ptr[i].mac = nmac;
        nmac = NULL;
      }
      return 0;
    }
  }
  struct netcfg_name p = { strndup (name, n), nmac };
  if (p.name == NULL || netcfg_names_append (c, p) == -1) {
    free (p.name);
    set_error (errno, "strndup");
    return -1;
  }
  nmac = NULL;
  return 0;
}

/* The word after a keyword at the start of a line ("iface eth0 ..."). */
static int
scan_keyword_lines (netcfg_names *c, const char *text,
                    const char *const *keywords)
{
  for (const char *line = text; *line;) {
    size_t ll = strcspn (line, "\n");
    const char *p = line;

    while (*p == ' ' || *p == '\t')
      p++;
    for (size_t k = 0; keywords[k]; ++k) {
      size_t kl = strlen (keywords[k]);
      if (strncmp (p, keywords[k], kl) == 0
          && (p[kl] == ' ' || p[kl] == '\t')) {
        const char *w = p + kl;
        while (*w == ' ' || *w == '\t')
          w++;
        /* "auto eth0 eth1": every word. */
        while (w < line + ll) {
          size_t wl = strcspn (w, " \t\n");
          const char *colon = memchr (w, ':', wl); /* eth0:1 aliases */
          if (add_configured (c, w, colon ? (size_t) (colon - w) : wl, NULL)
              == -1)
            return -1;
          if (strcmp (keywords[k], "iface") == 0)
            break;
          w += wl;
          while (*w == ' ' || *w == '\t')
            w++;
        }
      }
    }
    line += ll;
    if (*line == '\n')
      line++;
  }
  return 0;
}

/* The value of "KEY=value" (optionally quoted) in a line-based file. */
static char *
key_value (const char *text, const char *key)
{
  size_t kl = strlen (key);

  for (const char *line = text; *line;) {
    size_t ll = strcspn (line, "\n");
    if (strncmp (line, key, kl) == 0 && line[kl] == '=') {
      const char *v = line + kl + 1;
      size_t vl = ll - kl - 1;
      if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
        v++;
        vl -= 2;
      }
      return strndup (v, vl);
    }
    line += ll;
    if (*line == '\n')
      line++;
  }
  return NULL;
}

static int
parse_ifupdown (netcfg_names *c, const char *path, const char *text)
{
  static const char *const kw[] = { "iface", "auto", "allow-hotplug", NULL };
  return scan_keyword_lines (c, text, kw);
}

static int
parse_ifcfg (netcfg_names *c, const char *path, const char *text)
{
  CLEANUP_FREE char *dev = key_value (text, "DEVICE");
  CLEANUP_FREE char *mac = key_value (text, "HWADDR");
  const char *base = strrchr (path, '/') + 1;

  if (dev == NULL && strncmp (base, "ifcfg-", 6) == 0)
    dev = strdup (base + 6); /* SUSE names the device in the file */
  return dev ? add_configured (c, dev, strlen (dev), mac) : 0;
}

static int
parse_nm (netcfg_names *c, const char *path, const char *text)
{
  CLEANUP_FREE char *dev = key_value (text, "interface-name");
  CLEANUP_FREE char *mac = key_value (text, "mac-address");

  return dev ? add_configured (c, dev, strlen (dev), mac) : 0;
}

/* netplan: the keys under "ethernets:", with match: macaddress: and
 * set-name: where present.  A small indentation-based reader: netplan
 * files are generated and regular.
 */
static int
parse_netplan (netcfg_names *c, const char *path, const char *text)
{
  int eth_indent = -1, name_indent = -1;
  CLEANUP_FREE char *name = NULL, *mac = NULL;

  for (const char *line = text;;) {
    size_t ll = strcspn (line, "\n");
    int ind = 0;
    const char *p = line;
    bool end = *line == '\0';

    while (*p == ' ') {
      p++;
      ind++;
    }
    bool blank = p >= line + ll || *p == '#';
    /* Leaving an interface's block: record it. */
    if (name && (end || (!blank && ind <= name_indent))) {
      if (add_configured (c, name, strlen (name), mac) == -1)
        return -1;
      free (name);
      free (mac);
      name = mac = NULL;
    }
    if (end)
      break;
    if (!blank) {
      if (eth_indent >= 0 && ind <= eth_indent)
        eth_indent = -1;
      if (strncmp (p, "ethernets:", 10) == 0)
        eth_indent = ind;
      else if (eth_indent >= 0 && name == NULL && ind > eth_indent) {
        size_t nl = strcspn (p, ":\n");
        if (p[nl] == ':') {
          name = strndup (p, nl);
          name_indent = ind;
        }
      }
      else if (name && strncmp (p, "macaddress:", 11) == 0) {
        free (mac);
        mac = strndup (p + 11, line + ll - p - 11);
        for (char *q = mac; q && *q; ++q)
          if (*q == '"' || *q == '\'' || *q == ' ')
            memmove (q, q + 1, strlen (q)), q--;
      }
      else if (name && strncmp (p, "set-name:", 9) == 0) {
        const char *v = p + 9;
        while (*v == ' ')
          v++;
        size_t vl = strcspn (v, " \n\"'#");
        if (*v == '"' || *v == '\'')
          vl = strcspn (++v, "\"'\n");
        free (name);
        name = strndup (v, vl);
      }
    }
    line += ll;
    if (*line == '\n')
      line++;
  }
  return 0;
}

/* 70-persistent-net.rules: ATTR{address}=="mac" ... NAME="eth0" */
static int
parse_udev_rules (netcfg_names *c, const char *path, const char *text)
{
  for (const char *line = text; *line;) {
    size_t ll = strcspn (line, "\n");
    CLEANUP_FREE char *copy = strndup (line, ll);
    char *a = copy ? strstr (copy, "ATTR{address}==\"") : NULL;
    char *n = copy ? strstr (copy, "NAME=\"") : NULL;

    if (copy && copy[0] != '#' && a && n) {
      char *mac = a + 16, *name = n + 6;
      char *me = strchr (mac, '"'), *ne = strchr (name, '"');
      if (me && ne) {
        *me = *ne = '\0';
        if (add_configured (c, name, strlen (name), mac) == -1)
          return -1;
      }
    }
    line += ll;
    if (*line == '\n')
      line++;
  }
  return 0;
}

int
netcfg_parse (enum netcfg_kind kind, const char *path, const char *text,
              netcfg_names *out)
{
  switch (kind) {
    case NETCFG_IFUPDOWN: return parse_ifupdown (out, path, text);
    case NETCFG_NETPLAN: return parse_netplan (out, path, text);
    case NETCFG_NM: return parse_nm (out, path, text);
    case NETCFG_IFCFG: return parse_ifcfg (out, path, text);
    case NETCFG_UDEV_RULES: return parse_udev_rules (out, path, text);
  }
  set_error (0, "unknown network configuration kind %d", (int) kind);
  return -1;
}

/* Does text at p hold the MAC mac (lowercase, ':') in any case, with ':'
 * or '-', not inside a longer hex run?
 */
static bool
mac_at (const char *text, const char *p, const char *mac)
{
  size_t n = strlen (mac);

  if (p > text && (isxdigit ((unsigned char) p[-1]) || p[-1] == ':'))
    return false;
  for (size_t i = 0; i < n; ++i) {
    if (mac[i] == ':' ? p[i] != ':' && p[i] != '-'
                      : tolower ((unsigned char) p[i]) != mac[i])
      return false;
  }
  return !isxdigit ((unsigned char) p[n]) && p[n] != ':';
}

char *
netcfg_replace_mac (const char *text, const char *from, const char *to,
                    int *changes)
{
  struct strbuf b = { 0 };
  size_t n = strlen (from), start = 0;

  *changes = 0;
  for (size_t i = 0; text[i]; ++i) {
    char repl[32];
    bool upper;
    if (!mac_at (text, text + i, from))
      continue;
    upper = false;
    for (size_t j = 0; j < n; ++j)
      upper |= isupper ((unsigned char) text[i + j]) != 0;
    snprintf (repl, sizeof repl, "%s", to);
    for (size_t j = 0; repl[j]; ++j) {
      if (upper)
        repl[j] = toupper ((unsigned char) repl[j]);
      if (repl[j] == ':' && j < n)
        repl[j] = text[i + j];
    }
    if (strbuf_add (&b, text + start, i - start) == -1
        || strbuf_add (&b, repl, strlen (repl)) == -1) {
      free (b.buf);
      return NULL;
    }
    i += n - 1;
    start = i + 1;
    (*changes)++;
  }
  if (strbuf_add (&b, text + start, strlen (text + start)) == -1
      || strbuf_add (&b, "", 0) == -1) {
    free (b.buf);
    return NULL;
  }
  return b.buf;
}

char *
netcfg_drop_lines (const char *text,
                   bool (*keep) (const char *line, size_t len, void *opaque),
                   void *opaque, int *changes)
{
  struct strbuf b = { 0 };

  *changes = 0;
  for (const char *line = text; *line;) {
    size_t len = strcspn (line, "\n");
    size_t with_nl = len + (line[len] == '\n');
    if (keep (line, len, opaque)) {
      if (strbuf_add (&b, line, with_nl) == -1) {
        free (b.buf);
        return NULL;
      }
    }
    else
      (*changes)++;
    line += with_nl;
  }
  if (strbuf_add (&b, "", 0) == -1) {
    free (b.buf);
    return NULL;
  }
  return b.buf;
}

void
netcfg_names_free (netcfg_names *v)
{
  for (size_t i = 0; i < v->len; ++i) {
    free (v->ptr[i].name);
    free (v->ptr[i].mac);
  }
  netcfg_names_reset (v);
}
