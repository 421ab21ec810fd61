/* v2v: what migrate, evacuate and move-storage share at the terminal:
 * the migration options, Ctrl-C, and progress from libvirt's job
 * statistics.
 */
#ifndef V2V_MIGRATE_CLI_H
#define V2V_MIGRATE_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>

#include "migrate.h"

enum {
  OPT_MIG_FROM = 0x1100,
  OPT_MIG_TO,
  OPT_MIG_PARALLEL,
  OPT_MIG_COMPRESS,
  OPT_MIG_AUTO_CONVERGE,
  OPT_MIG_POSTCOPY,
  OPT_MIG_COPY_STORAGE,
  OPT_MIG_BANDWIDTH,
  OPT_MIG_MAX_DOWNTIME,
  OPT_MIG_PERSISTENT,
  OPT_MIG_UNDEFINE_SOURCE,
  OPT_MIG_MIGRATE_URI,
};

/* The tuning options migrate and evacuate share (not --from/--to). */
#define MIGRATE_LONG_OPTIONS                                                  \
  { "parallel", required_argument, NULL, OPT_MIG_PARALLEL },                  \
      { "compress", no_argument, NULL, OPT_MIG_COMPRESS },                    \
      { "auto-converge", no_argument, NULL, OPT_MIG_AUTO_CONVERGE },          \
      { "postcopy", no_argument, NULL, OPT_MIG_POSTCOPY },                    \
      { "copy-storage", required_argument, NULL, OPT_MIG_COPY_STORAGE },      \
      { "bandwidth", required_argument, NULL, OPT_MIG_BANDWIDTH },            \
      { "max-downtime", required_argument, NULL, OPT_MIG_MAX_DOWNTIME },      \
      { "persistent", no_argument, NULL, OPT_MIG_PERSISTENT },                \
      { "undefine-source", no_argument, NULL, OPT_MIG_UNDEFINE_SOURCE },      \
  {                                                                           \
    "migrate-uri", required_argument, NULL, OPT_MIG_MIGRATE_URI               \
  }

#define MIGRATE_OPTIONS_HELP                                                  \
  "      --parallel N              N parallel connections (multifd)\n"        \
  "      --compress                compress: zstd over multifd where libvirt\n" \
  "                                and QEMU have it, else xbzrle\n"           \
  "      --auto-converge           slow down vCPUs that dirty memory faster\n" \
  "                                than it moves\n"                           \
  "      --postcopy                switch to post-copy after the first pass\n" \
  "      --copy-storage all|inc    copy the disks too (no shared storage)\n"  \
  "      --bandwidth MIB           limit to MIB MiB/s\n"                      \
  "      --max-downtime MS         the longest pause allowed at the switch\n" \
  "      --persistent              define the guest on the destination\n"     \
  "      --undefine-source         undefine it on the source afterwards\n"    \
  "      --migrate-uri URI         where the data goes (tcp://HOST[:PORT];\n" \
  "                                default: the host in --to)\n"

/* Handles one getopt result if it is a tuning option (dying on a bad
 * value).  Returns true if it was one.
 */
extern bool migrate_option (int c, const char *arg, struct migrate_options *o);

/* A positive decimal number for option name, or die. */
extern unsigned long long parse_count (const char *name, const char *arg);

/* Set by SIGINT/SIGTERM/SIGHUP once migrate_catch_signals ran. */
extern volatile sig_atomic_t migrate_cancel;
extern void migrate_catch_signals (void);

/* migrate_progress_fn for one domain: a line on a TTY (opaque is a
 * struct migrate_view), "migration" events with --machine-readable.
 */
struct migrate_view {
  const char *domain;
  bool tty;       /* draw on stderr */
  bool drawn;     /* a line is on the screen */
  double start;
};
extern void migrate_view_start (struct migrate_view *v, const char *domain,
                                bool tty);
extern void migrate_show (void *opaque, const struct migrate_stats *s);
extern void migrate_view_end (struct migrate_view *v);

/* The final figures: an info line and a "migrated" event. */
extern void migrate_report (const char *domain, const char *dst,
                            const struct migrate_stats *s);

/* Prints the warnings (and frees them). */
extern void migrate_warnings (string_vector *w);

#endif /* V2V_MIGRATE_CLI_H */
