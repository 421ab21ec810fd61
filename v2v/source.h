/* v2v: options about the source, shared by convert and inspect. */
#ifndef V2V_SOURCE_H
#define V2V_SOURCE_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "vector.h"
#include "vm.h"

struct source_options {
  const char *from;        /* --from TYPE or NULL */
  struct input_options in; /* --no-verify */
  uint64_t memory;         /* --memory, bytes; 0: the source's */
  unsigned vcpus;          /* --vcpus; 0: the source's */
  string_vector macs;      /* --mac, in order; not owned (argv) */
};

/* getopt values and long_options entries for the source options. */
enum {
  OPT_SOURCE_FROM = 0x1000,
  OPT_SOURCE_NO_VERIFY,
  OPT_SOURCE_MEMORY,
  OPT_SOURCE_VCPUS,
  OPT_SOURCE_MAC,
};
#define SOURCE_LONG_OPTIONS                                                   \
  { "from", required_argument, NULL, OPT_SOURCE_FROM },                       \
      { "no-verify", no_argument, NULL, OPT_SOURCE_NO_VERIFY },               \
      { "memory", required_argument, NULL, OPT_SOURCE_MEMORY },               \
      { "vcpus", required_argument, NULL, OPT_SOURCE_VCPUS },                 \
  {                                                                           \
    "mac", required_argument, NULL, OPT_SOURCE_MAC                            \
  }

/* The --help lines for them. */
#define SOURCE_OPTIONS_HELP                                                   \
  "      --from TYPE               input type instead of detecting it:\n"     \
  "                                %s\n"                                      \
  "      --no-verify               do not check the source's checksums\n"     \
  "                                (OVA manifest, XVA blocks)\n"              \
  "      --memory SIZE             guest memory (e.g. 2048M, 4G) instead "    \
  "of\n"                                                                      \
  "                                the source's\n"                            \
  "      --vcpus N                 virtual CPUs instead of the source's\n"    \
  "      --mac MAC                 the MAC of the next NIC (repeat for "      \
  "each;\n"                                                                   \
  "                                adds NICs the source does not list)\n"

/* Handles one getopt result if it is a source option (dying on a bad
 * value).  Returns true if it was one.
 */
extern bool source_option (int c, const char *arg, struct source_options *o);

/* Opens SOURCE, fills *vm, applies --memory/--vcpus/--mac, fills what the
 * source left unknown with defaults, and prints the input's warnings.
 * Dies on error.  Returns the input, still open (convert imports disks
 * through it); the caller closes it and frees o->macs.
 */
extern struct input *open_source (const char *source,
                                  const struct source_options *o,
                                  struct vm *vm);

#endif /* V2V_SOURCE_H */
