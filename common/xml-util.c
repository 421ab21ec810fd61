/* vmshift: safe XML reading (xml-util.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "errors.h"
#include "xml-util.h"

xmlDocPtr
xml_parse_untrusted (const char *buf, size_t len, const char *what)
{
  xmlParserCtxtPtr ctxt;
  xmlDocPtr doc;

  if (len > INT32_MAX) {
    set_error (0, "'%s': XML document too large", what);
    return NULL;
  }
  ctxt = xmlNewParserCtxt ();
  if (ctxt == NULL) {
    set_error (ENOMEM, "xmlNewParserCtxt");
    return NULL;
  }
  /* Not XML_PARSE_NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE. */
  doc = xmlCtxtReadMemory (ctxt, buf, (int) len, NULL, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR
                               | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
  if (doc == NULL) {
    const xmlError *e = xmlCtxtGetLastError (ctxt);
    if (e && e->message) {
      size_t n = strlen (e->message);
      while (n && e->message[n - 1] == '\n')
        n--;
      set_error (0, "'%s' is not valid XML: line %d: %.*s", what, e->line,
                 (int) n, e->message);
    }
    else
      set_error (0, "'%s' is not valid XML", what);
    xmlFreeParserCtxt (ctxt);
    return NULL;
  }
  xmlFreeParserCtxt (ctxt);
  if (doc->intSubset || doc->extSubset) {
    set_error (0,
               "'%s' has a DOCTYPE declaration; refusing it (it could "
               "define entities that read files or expand without "
               "bound)",
               what);
    xmlFreeDoc (doc);
    return NULL;
  }
  if (xmlDocGetRootElement (doc) == NULL) {
    set_error (0, "'%s' is an empty XML document", what);
    xmlFreeDoc (doc);
    return NULL;
  }
  return doc;
}

xmlDocPtr
xml_read_untrusted (const char *path, size_t max_bytes)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  CLEANUP_FREE char *buf = NULL;
  struct stat st;
  size_t got = 0;

  if (fd == -1) {
    set_error (errno, "could not open '%s'", path);
    return NULL;
  }
  if (fstat (fd, &st) == -1) {
    set_error (errno, "'%s'", path);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    set_error (0, "'%s' is not a regular file", path);
    return NULL;
  }
  if ((uint64_t) st.st_size > max_bytes) {
    set_error (0, "'%s' is too large (%" PRIu64 " bytes, at most %zu)", path,
               (uint64_t) st.st_size, max_bytes);
    return NULL;
  }
  buf = malloc (st.st_size + 1);
  if (buf == NULL) {
    set_error (errno, "malloc");
    return NULL;
  }
  while (got < (size_t) st.st_size) {
    ssize_t r = read (fd, buf + got, st.st_size - got);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      set_error (errno, "read: '%s'", path);
      return NULL;
    }
    if (r == 0)
      break;
    got += r;
  }
  return xml_parse_untrusted (buf, got, path);
}

/* Moves libxml2's string s (NULL: fn ran out of memory) into *out, a
 * malloc'd copy.  0, or -1 with the error set.
 */
static int
take_string (xmlChar *s, const char *fn, char **out)
{
  if (s == NULL) {
    set_error (ENOMEM, "%s", fn);
    return -1;
  }
  *out = strdup ((const char *) s);
  xmlFree (s);
  if (*out == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  return 0;
}

xmlXPathObjectPtr
xml_get_nodes (xmlXPathContextPtr ctx, xmlNodePtr node, const char *xpath)
{
  xmlXPathObjectPtr obj;

  ctx->node = node ? node : xmlDocGetRootElement (ctx->doc);
  obj = xmlXPathEvalExpression (BAD_CAST xpath, ctx);
  if (obj == NULL)
    set_error (0, "XPath expression '%s' failed", xpath);
  return obj;
}

int
xml_get_string (xmlXPathContextPtr ctx, xmlNodePtr node, const char *xpath,
                char **out)
{
  xmlXPathObjectPtr obj = xml_get_nodes (ctx, node, xpath);
  xmlChar *s = NULL;

  *out = NULL;
  if (obj == NULL)
    return -1;
  if (obj->type == XPATH_STRING)
    s = xmlStrdup (obj->stringval);
  else if (obj->type == XPATH_NODESET && obj->nodesetval
           && obj->nodesetval->nodeNr > 0)
    s = xmlNodeGetContent (obj->nodesetval->nodeTab[0]);
  else {
    xmlXPathFreeObject (obj);
    return 0;
  }
  xmlXPathFreeObject (obj);
  return take_string (s, "xmlNodeGetContent", out);
}

int
xml_get_uint64 (xmlXPathContextPtr ctx, xmlNodePtr node, const char *xpath,
                const char *what, uint64_t *out)
{
  CLEANUP_FREE char *s = NULL;

  if (xml_get_string (ctx, node, xpath, &s) == -1)
    return -1;
  if (s == NULL)
    return 0;
  return xml_parse_uint64 (s, what, out) == 0 ? 1 : -1;
}

int
xml_parse_uint64 (const char *s, const char *what, uint64_t *out)
{
  const char *p = s + strspn (s, " \t\r\n");
  char *end;
  uint64_t v;

  errno = 0;
  v = strtoull (p, &end, 10);
  end += strspn (end, " \t\r\n");
  if (errno || end == p || *end || *p == '-' || *p == '+') {
    set_error (errno == ERANGE ? ERANGE : 0,
               "%s: '%s' is not a number that fits", what, s);
    return -1;
  }
  *out = v;
  return 0;
}

xmlNodePtr
xml_root_named (xmlDocPtr doc, const char *name, const char *what,
                const char *kind)
{
  xmlNodePtr root = xmlDocGetRootElement (doc);

  if (strcmp ((const char *) root->name, name) != 0) {
    set_error (0, "'%s' is not %s (its root element is <%s>, not <%s>)", what,
               kind, (const char *) root->name, name);
    return NULL;
  }
  return root;
}

xmlNodePtr
xml_child (xmlNodePtr parent, const char *name)
{
  for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE
        && strcasecmp ((const char *) c->name, name) == 0)
      return c;
  return NULL;
}

int
xml_content (xmlNodePtr node, char **out)
{
  *out = NULL;
  if (node == NULL)
    return 0;
  return take_string (xmlNodeGetContent (node), "xmlNodeGetContent", out);
}

int
xml_text (xmlNodePtr node, char **out)
{
  size_t start, len;

  if (xml_content (node, out) == -1)
    return -1;
  if (*out == NULL)
    return 0;
  start = strspn (*out, " \t\r\n");
  len = strlen (*out + start);
  while (len > 0 && strchr (" \t\r\n", (*out)[start + len - 1]))
    len--;
  memmove (*out, *out + start, len);
  (*out)[len] = '\0';
  return 0;
}

int
xml_attr (xmlNodePtr node, const char *name, char **out)
{
  *out = NULL;
  if (node == NULL || !xmlHasProp (node, BAD_CAST name))
    return 0;
  return take_string (xmlGetProp (node, BAD_CAST name), "xmlGetProp", out);
}

static const char *
skip_blanks (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
    p++;
  return p;
}

/* p is at "<!DOCTYPE": returns what follows it, or NULL. */
static const char *
skip_doctype (const char *p)
{
  const char *gt = strchr (p, '>'), *bracket = strchr (p, '[');

  if (bracket == NULL || (gt && gt < bracket))
    return gt ? gt + 1 : NULL;
  for (p = strchr (bracket, ']'); p; p = strchr (p + 1, ']')) {
    const char *q = skip_blanks (p + 1);
    if (*q == '>')
      return q + 1;
  }
  return NULL;
}

const char *
xml_peek_root (const char *path, char *buf, size_t size)
{
  CLEANUP_CLOSE int fd = -1;
  struct stat st;
  const char *p;
  ssize_t n;
  size_t len = 0;

  if (size < 2)
    return NULL;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1 || fstat (fd, &st) == -1 || !S_ISREG (st.st_mode))
    return NULL;
  n = read (fd, buf, size - 1);
  if (n <= 0)
    return NULL;
  if (memchr (buf, '\0', n < 4 ? n : 4)) { /* UTF-16 */
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] != '\0')
        buf[len++] = buf[i];
  }
  else
    len = n;
  buf[len] = '\0';
  if (strlen (buf) != len)
    return NULL; /* NULs within: not text */

  p = buf;
  if (strncmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  else if (strncmp (p, "\xff\xfe", 2) == 0 || strncmp (p, "\xfe\xff", 2) == 0)
    p += 2;
  for (;;) {
    p = skip_blanks (p);
    if (strncmp (p, "<?", 2) == 0)
      p = strstr (p, "?>") ? strstr (p, "?>") + 2 : NULL;
    else if (strncmp (p, "<!--", 4) == 0)
      p = strstr (p, "-->") ? strstr (p, "-->") + 3 : NULL;
    else if (strncmp (p, "<!DOCTYPE", 9) == 0)
      p = skip_doctype (p);
    else
      break;
    if (p == NULL)
      return NULL;
  }
  if (p[0] != '<'
      || !(p[1] == '_' || p[1] == ':' || (p[1] >= 'A' && p[1] <= 'Z')
           || (p[1] >= 'a' && p[1] <= 'z')))
    return NULL;
  return p;
}

bool
xml_tag_is (const char *tag, const char *name)
{
  size_t n = strlen (name);

  return tag[0] == '<' && strncmp (tag + 1, name, n) == 0
         && strchr (" \t\r\n/>", tag[1 + n]) && tag[1 + n] != '\0';
}

xmlXPathContextPtr
xml_new_context (xmlDocPtr doc)
{
  xmlXPathContextPtr ctx = xmlXPathNewContext (doc);

  if (ctx == NULL)
    set_error (ENOMEM, "xmlXPathNewContext");
  return ctx;
}
