/* vmshift: minimal JSON writing helpers (strings escaped per RFC 8259). */
#ifndef VMSHIFT_JSON_H
#define VMSHIFT_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string, or null if s is NULL. */
extern void json_write_string (FILE *fp, const char *s);

#endif /* VMSHIFT_JSON_H */
