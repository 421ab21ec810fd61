/* vmshift: running helper programs (qemu-img and friends). */
#ifndef VMSHIFT_COMMAND_H
#define VMSHIFT_COMMAND_H

#include <stddef.h>

/* Runs argv (argv[0] looked up on PATH) with stdout discarded, and
 * waits.  Returns 0 if it exited 0; else -1 with the error set to
 * "ARGV0 failed: <the last line it wrote to stderr>".
 */
extern int run_command (const char *const *argv);

/* Runs argv like run_command, but keeps what it writes on stdout, up
 * to max bytes (more is an error): *out is a NUL-terminated string for
 * the caller to free.  0, or -1 with the error set.
 */
extern int run_command_output (const char *const *argv, size_t max,
                               char **out);

/* qemu-img create -f qcow2 -b BACKING -F BACKING_FMT PATH: a writable
 * overlay; the backing file is only ever read.  0 or -1.
 */
extern int create_overlay (const char *backing, const char *backing_fmt,
                           const char *path);

#endif /* VMSHIFT_COMMAND_H */
