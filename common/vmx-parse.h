/* vmshift: parser for VMware .vmx configuration files.
 *
 * A .vmx file is a list of lines of the form
 *
 *   key = "value"
 *
 * as VMware writes them: keys are case-insensitive (they are stored
 * lowercased), values are normally quoted but may be bare, '#' starts
 * a comment line, blank lines are ignored, CRLF line endings and a
 * UTF-8 byte order mark are tolerated, and "|XX" inside a value is a
 * hex escape for one byte ("|22" is '"', "|7C" is '|', "|0A" is a
 * newline).  When a key appears twice the later line wins.
 *
 * Values are returned as the bytes of the file after unescaping; no
 * character set conversion is done (".encoding" is an ordinary key).
 *
 * The input is untrusted: parsing is a pure function of the bytes,
 * bounded by VMX_MAX_SIZE and VMX_MAX_LINE.
 */
#ifndef VMSHIFT_VMX_PARSE_H
#define VMSHIFT_VMX_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define VMX_MAX_SIZE (1024 * 1024) /* whole file, bytes */
#define VMX_MAX_LINE (64 * 1024)   /* one line, bytes, without EOL */

struct vmx;

/* Parses len bytes of data.  name is used only in error messages
 * ("'NAME' line 3: ...").  Returns a handle the caller frees with
 * vmx_free, or NULL with the error set.
 */
extern struct vmx *vmx_parse_string (const char *name, const char *data,
                                     size_t len);

/* Reads and parses the file at path (at most VMX_MAX_SIZE bytes).
 * Returns a handle the caller frees with vmx_free, or NULL with the
 * error set.
 */
extern struct vmx *vmx_parse_file (const char *path);

extern void vmx_free (struct vmx *vmx);

/* The value of key (compared case-insensitively), or NULL if the key is
 * absent.  The string belongs to vmx and lives until vmx_free.
 */
extern const char *vmx_get (const struct vmx *vmx, const char *key);

/* True if key is present and its value is "true", "yes", "on" or "1"
 * (any case); false if present with any other value; dflt if absent.
 */
extern bool vmx_get_bool (const struct vmx *vmx, const char *key, bool dflt);

/* Parses key's value as a decimal integer (surrounding blanks allowed).
 * Returns 1 and sets *out if present, 0 (leaving *out alone) if absent,
 * or -1 with the error set if the value is not an integer.
 */
extern int vmx_get_int (const struct vmx *vmx, const char *key,
                        long long *out);

/* Iterates over the keys that start with prefix (case-insensitively),
 * in ascending byte order of the lowercased keys:
 *
 *   size_t i = 0;
 *   const char *key, *value;
 *   while (vmx_next (vmx, "ethernet", &i, &key, &value)) ...
 *
 * *pos must start at 0.  key (lowercase) and value belong to vmx.
 */
extern bool vmx_next (const struct vmx *vmx, const char *prefix, size_t *pos,
                      const char **key, const char **value);

/* Number of distinct keys. */
extern size_t vmx_count (const struct vmx *vmx);

#endif /* VMSHIFT_VMX_PARSE_H */
