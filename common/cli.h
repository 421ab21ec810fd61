/* vmshift: what the commands (v2v, v2p, p2v) share at the terminal.
 *
 * The library in common/ never prints or exits; these helpers are the
 * exception, for the commands' front ends only (library code must not
 * call them): the common options, die/debug, the progress bar on a TTY
 * and --machine-readable JSON events.  cli-progress.c and cli.c.
 */
#ifndef VMSHIFT_CLI_H
#define VMSHIFT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* Set by the command's main before a subcommand runs. */
extern const char *cli_program; /* "v2v", prefixes every message */
extern int verbose;             /* -v, repeatable */
extern bool quiet;              /* -q */
extern bool machine_readable;   /* --machine-readable */

/* The options every subcommand takes (-v, -q, --machine-readable), for
 * its long_options table; its getopt loop passes each option to
 * cli_option first, which sets the globals above and returns true when
 * the option was one of them.
 */
#define CLI_OPT_MACHINE_READABLE 0x2000
#define CLI_LONG_OPTIONS                                                      \
  { "verbose", no_argument, NULL, 'v' }, { "quiet", no_argument, NULL, 'q' }, \
  {                                                                           \
    "machine-readable", no_argument, NULL, CLI_OPT_MACHINE_READABLE           \
  }
extern bool cli_option (int c);

/* Prints "PROGRAM: error: <current error>" and exits 1. */
extern noreturn void die_error (void);
/* Prints "PROGRAM: error: <fmt>" and exits 1. */
extern noreturn void die (const char *fmt, ...)
    __attribute__ ((format (printf, 1, 2)));
/* Prints "PROGRAM: <fmt>" when -v was given. */
extern void debug (const char *fmt, ...)
    __attribute__ ((format (printf, 1, 2)));
/* Prints "PROGRAM: <fmt>" unless -q or --machine-readable. */
extern void info (const char *fmt, ...)
    __attribute__ ((format (printf, 1, 2)));

/* Prints "PROGRAM: warning: MSG" on stderr, or with --machine-readable
 * {"event": "warning", "message": MSG} on stdout.
 */
extern void warning (const char *msg);

struct guest;
/* Runs the guest's conversion steps for its target (guest_steps), each
 * timed; -v shows what each did, warnings are shown as they come, and
 * --machine-readable gets a "step" event per step.  0, or -1 with the
 * error set (naming the step).
 */
extern int cli_run_steps (struct guest *gs);

struct progress {
  const char *label; /* "sda" */
  double start;      /* monotonic seconds */
  double last_draw;
  int tty; /* draw a bar on stderr */
};

extern double now_seconds (void);

/* Starts a progress display for one disk. */
extern void progress_start (struct progress *p, const char *label);

/* copy_progress_fn-shaped update. */
extern void progress_update (void *opaque, uint64_t done, uint64_t total);

/* Ends the bar line. */
extern void progress_end (struct progress *p);

/* With --machine-readable: one JSON object per line on stdout,
 * {"event": EVENT, ...fields}.  fields_json is already-formatted JSON
 * members ("\"a\": 1, \"b\": \"x\"") or "".
 */
extern void event (const char *event, const char *fields_json);

#endif /* VMSHIFT_CLI_H */
