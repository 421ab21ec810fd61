/* vmshift: small helpers for reading the files that describe a VM. */
#ifndef VMSHIFT_FILE_UTIL_H
#define VMSHIFT_FILE_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Reads the whole of the regular file at path, refusing one larger
 * than max bytes ("'PATH': too large for KIND (more than MAX bytes)").
 * A FIFO is refused without blocking.  Returns a malloc'd buffer of
 * *len bytes plus a terminating NUL, which the caller frees, or NULL
 * with the error set.
 */
extern char *read_small_file (const char *path, size_t max, const char *kind,
                              size_t *len);

/* The canonical directory holding source (the file itself may be a
 * symlink: names relative to it are relative to where it is named).
 * Returns a string the caller frees, or NULL with the error set.
 */
extern char *source_dir (const char *source);

/* dir + "/" + name; name unchanged if absolute or dir is NULL or ".".
 * Returns a string the caller frees, or NULL with the error set.
 */
extern char *path_join (const char *dir, const char *name);

/* Does s end with suffix (ASCII case-insensitively)? */
extern bool ends_with_ci (const char *s, const char *suffix);

/* The last component of path without suffix (compared
 * case-insensitively), for naming a VM after its file.  Returns a
 * string the caller frees, or NULL with the error set.
 */
extern char *name_from_path (const char *path, const char *suffix);

/* strdup that sets the error; NULL in, NULL out (no error). */
extern char *dup_or_null (const char *s);

#endif /* VMSHIFT_FILE_UTIL_H */
