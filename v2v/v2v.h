/* v2v: the command's private declarations. */
#ifndef V2V_H
#define V2V_H

#include <stdbool.h>
#include <stdnoreturn.h>

/* Common options, set by main before a subcommand runs. */
extern int verbose;           /* -v, repeatable */
extern bool quiet;            /* -q */
extern bool machine_readable; /* --machine-readable */

/* Prints "v2v: error: <current error>" and exits 1. */
extern noreturn void die_error (void);
/* Prints "v2v: error: <fmt>" and exits 1. */
extern noreturn void die (const char *fmt, ...)
    __attribute__ ((format (printf, 1, 2)));
/* Prints "v2v: <fmt>" when -v was given. */
extern void debug (const char *fmt, ...)
    __attribute__ ((format (printf, 1, 2)));

extern int cmd_inspect (int argc, char **argv);
extern int cmd_convert (int argc, char **argv);

#endif /* V2V_H */
