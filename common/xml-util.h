/* vmshift: reading XML that other systems wrote (OVF, Hyper-V, libvirt,
 * XVA), safely, with libxml2.
 */
#ifndef VMSHIFT_XML_UTIL_H
#define VMSHIFT_XML_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

/* Parses untrusted XML held in memory.  Nothing outside buf is ever
 * read: no network (XML_PARSE_NONET), no external DTD or entity loading,
 * no entity substitution, no XInclude; a document with any DOCTYPE is
 * refused outright (none of the formats we read uses one, and internal
 * entities are how "billion laughs" documents blow up).  Errors name
 * `what` (a file name) and libxml2's message with its line.  Returns the
 * document (the caller frees it with xmlFreeDoc) or NULL with the error
 * set.
 */
extern xmlDocPtr xml_parse_untrusted (const char *buf, size_t len,
                                      const char *what);

/* Reads the file at path (refusing one over max_bytes, or not a regular
 * file) and parses it as above.  Same return.
 */
extern xmlDocPtr xml_read_untrusted (const char *path, size_t max_bytes);

/* An XPath context for doc, or NULL with the error set (out of memory).
 * The caller frees it with xmlXPathFreeContext.
 */
extern xmlXPathContextPtr xml_new_context (xmlDocPtr doc);

/* Evaluates xpath relative to node (the document root if NULL) and
 * returns the text content of the first node (or the string value of a
 * string expression) in *out, which the caller frees; *out is NULL if
 * nothing matched.  Returns 0, or -1 with the error set (bad XPath, out
 * of memory).
 */
extern int xml_get_string (xmlXPathContextPtr ctx, xmlNodePtr node,
                           const char *xpath, char **out);

/* As xml_get_string, then parses a decimal unsigned integer (leading and
 * trailing blanks allowed).  *out is left alone and 0 returned if nothing
 * matched; 1 if it was set; -1 with the error set if the text is not a
 * number that fits (the error names `what`).
 */
extern int xml_get_uint64 (xmlXPathContextPtr ctx, xmlNodePtr node,
                           const char *xpath, const char *what, uint64_t *out);

/* Parses s as xml_get_uint64 does: 0, or -1 with the error set. */
extern int xml_parse_uint64 (const char *s, const char *what, uint64_t *out);

/* Evaluates xpath relative to node and returns the result object (the
 * caller frees it with xmlXPathFreeObject); its nodesetval may be NULL
 * or empty.  NULL with the error set on a bad expression.
 */
extern xmlXPathObjectPtr xml_get_nodes (xmlXPathContextPtr ctx,
                                        xmlNodePtr node, const char *xpath);

/* The root element of doc (as xml-util parses it: there is one) if it
 * is named name, else NULL with the error "'WHAT' is not KIND (its root
 * element is <x>, not <name>)".
 */
extern xmlNodePtr xml_root_named (xmlDocPtr doc, const char *name,
                                  const char *what, const char *kind);

/* Tree helpers: each takes a NULL node as "not there".
 *
 * xml_child: the first element child of parent named name, compared
 * without regard to case (Hyper-V writes GUID names in either), or NULL.
 * xml_content: node's text as it is, in *out (NULL if node is NULL).
 * xml_text: node's text, blanks trimmed, in *out (NULL if node is NULL).
 * xml_attr: node's attribute name in *out (NULL if it has none).
 * The strings are the caller's to free.  0, or -1 with the error set
 * (out of memory).
 */
extern xmlNodePtr xml_child (xmlNodePtr parent, const char *name);
extern int xml_content (xmlNodePtr node, char **out);
extern int xml_text (xmlNodePtr node, char **out);
extern int xml_attr (xmlNodePtr node, const char *name, char **out);

/* For probes, which must be cheap and safe on any file: reads the start
 * of the regular file at path (at most size - 1 bytes) into buf and
 * returns a pointer into buf at the root element's start tag ("<domain
 * type=..."), after a byte order mark, the XML declaration, comments,
 * processing instructions and a DOCTYPE.  UTF-16 is read by dropping
 * its NUL bytes, enough for the ASCII markup probes look at.  No XML
 * parser runs.  NULL if path does not start like an XML document; never
 * sets the error.
 */
extern const char *xml_peek_root (const char *path, char *buf, size_t size);

/* Is tag (a start tag, as xml_peek_root returns) named name? */
extern bool xml_tag_is (const char *tag, const char *name);

#endif /* VMSHIFT_XML_UTIL_H */
