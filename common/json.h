/* vmshift: minimal JSON writing helpers (strings escaped per RFC 8259). */
#ifndef VMSHIFT_JSON_H
#define VMSHIFT_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string, or null if s is NULL. */
extern void json_write_string (FILE *fp, const char *s);

/* s as a quoted JSON string ("null" for NULL), for building event
 * fields.  Returns a string the caller frees, or NULL when out of memory.
 */
extern char *json_quote (const char *s);

#endif /* VMSHIFT_JSON_H */
