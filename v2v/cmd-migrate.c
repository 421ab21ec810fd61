/* v2v migrate: move a running guest to another KVM host, live, through
 * libvirt's peer-to-peer migration.
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "json.h"
#include "migrate-cli.h"
#include "migrate.h"
#include "v2v.h"

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: v2v migrate DOMAIN --from URI --to URI [options]\n"
           "\n"
           "Moves the running guest DOMAIN from the libvirt host at --from "
           "to the\n"
           "one at --to, live (peer-to-peer): it keeps running; Ctrl-C "
           "aborts and\n"
           "leaves it on the source.  Checks the destination first.\n"
           "\n"
           "      --from URI                the source host's libvirt URI\n"
           "      --to URI                  the destination's\n"
           MIGRATE_OPTIONS_HELP
           "  -v, --verbose                 say what is checked and chosen\n"
           "  -q, --quiet                   no progress or summary\n"
           "      --machine-readable        JSON lines on stdout for tools\n"
           "  -h, --help                    this help\n");
}

int
cmd_migrate (int argc, char **argv)
{
  static const struct option long_options[] = {
    { "from", required_argument, NULL, OPT_MIG_FROM },
    { "to", required_argument, NULL, OPT_MIG_TO },
    MIGRATE_LONG_OPTIONS,
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct migrate_options o = { 0 };
  const char *from = NULL, *to = NULL, *why;
  string_vector warnings = empty_vector;
  struct migration *m;
  struct migrate_view view;
  struct migrate_stats final;
  bool aborted;
  int c, r;

  while ((c = getopt_long (argc, argv, "vqh", long_options, NULL)) != -1) {
    switch (c) {
      case OPT_MIG_FROM: from = optarg; break;
      case OPT_MIG_TO: to = optarg; break;
      case 'h': usage (stdout); return EXIT_SUCCESS;
      default:
        if (cli_option (c) || migrate_option (c, optarg, &o))
          break;
        usage (stderr);
        return EXIT_FAILURE;
    }
  }
  if (optind != argc - 1) {
    usage (stderr);
    return EXIT_FAILURE;
  }
  if (from == NULL || to == NULL)
    die ("--from URI and --to URI are both required");

  migrate_catch_signals ();
  m = migration_open (from, argv[optind], to, &o);
  if (m == NULL)
    die_error ();
  if (o.compress) {
    const char *method = migration_compression (m, &why);
    CLEANUP_FREE char *jm = json_quote (method);
    CLEANUP_FREE char *jw = json_quote (why);
    CLEANUP_FREE char *fields = NULL;

    if (*why)
      info ("compression: %s (%s)", method, why);
    else
      info ("compression: %s", method);
    if (jm && jw && asprintf (&fields, "\"method\": %s, \"why\": %s", jm, jw)
                        != -1)
      event ("compression", fields);
  }
  debug ("checking '%s' -> '%s'", from, to);
  r = migration_check (m, &warnings);
  migrate_warnings (&warnings);
  if (r == -1) {
    migration_free (m);
    die_error ();
  }
  if (migrate_cancel) {
    migration_free (m);
    die ("interrupted before the migration started");
  }
  info ("migrating '%s' to '%s'", argv[optind], to);
  migrate_view_start (&view, argv[optind], isatty (2));
  r = migration_run (m, migrate_show, &view, &migrate_cancel, &final,
                     &aborted);
  migrate_view_end (&view);
  if (r == -1) {
    bool still = migration_source_running (m);
    prefix_error ("%s: %s", aborted ? "aborted" : "migration failed",
                  still ? "the guest keeps running on the source"
                        : "the guest is NOT running on the source");
    migration_free (m);
    die_error ();
  }
  if (migrate_cancel)
    warning ("interrupted after the switch to post-copy, when the job can "
             "no longer be aborted: it completed");
  migrate_report (argv[optind], to, &final);
  migration_free (m);
  return EXIT_SUCCESS;
}
