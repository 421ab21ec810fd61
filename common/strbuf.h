/* vmshift: a growing NUL-terminated string, for the text rewriters. */
#ifndef VMSHIFT_STRBUF_H
#define VMSHIFT_STRBUF_H

#include <stddef.h>

struct strbuf {
  char *buf; /* NUL-terminated once anything was added; owned */
  size_t len, cap;
};

/* Appends n bytes of s.  Returns 0, or -1 with the error set (the
 * buffer is left as it was).
 */
extern int strbuf_add (struct strbuf *b, const char *s, size_t n);

/* Appends the n bytes of s with the cut bytes at s + at replaced by
 * repl: the line-rewriting step of the config editors.  0 or -1.
 */
extern int strbuf_splice (struct strbuf *b, const char *s, size_t n, size_t at,
                          size_t cut, const char *repl);

#endif /* VMSHIFT_STRBUF_H */
