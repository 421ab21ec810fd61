/* vmshift: running helper programs (qemu-img and friends). */
#ifndef VMSHIFT_COMMAND_H
#define VMSHIFT_COMMAND_H

/* Runs argv (argv[0] looked up on PATH) with stdout discarded, and
 * waits.  Returns 0 if it exited 0; else -1 with the error set to
 * "ARGV0 failed: <the last line it wrote to stderr>".
 */
extern int run_command (const char *const *argv);

/* qemu-img create -f qcow2 -b BACKING -F BACKING_FMT PATH: a writable
 * overlay; the backing file is only ever read.  0 or -1.
 */
extern int create_overlay (const char *backing, const char *backing_fmt,
                           const char *path);

#endif /* VMSHIFT_COMMAND_H */
