/* vmshift: the one error convention.
 *
 * Library functions (everything in common/) record what went wrong with
 * set_error and return -1 or NULL.  The command's main prints the message
 * once and exits non-zero.  The error is kept per thread, and freed
 * when its thread ends.
 */
#ifndef VMSHIFT_ERRORS_H
#define VMSHIFT_ERRORS_H

#include <errno.h>

/* Record an error.  If errnum is non-zero, ": strerror(errnum)" is
 * appended.  Messages start lowercase and name files in quotes.
 */
extern void set_error (int errnum, const char *fs, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Prefix the current error with more context: "CONTEXT: old error". */
extern void prefix_error (const char *fs, ...)
    __attribute__ ((format (printf, 1, 2)));

/* The last error recorded on this thread ("unknown error" if none).
 * The string is owned by the library and valid until the next
 * set_error on this thread.
 */
extern const char *get_error (void);

/* The errnum given with the last error (0 if none). */
extern int get_errno (void);

/* Forget the error recorded on this thread. */
extern void clear_error (void);

#endif /* VMSHIFT_ERRORS_H */
