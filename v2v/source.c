/* v2v: the source options and opening the source (source.h). */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "json.h"
#include "cli.h"
#include "source.h"
#include "v2v.h"

#define DEFAULT_MEMORY ((uint64_t) 1024 << 20)
#define MAX_MEMORY (64ULL << 40)
#define MAX_VCPUS 4096

/* "2048M", "4G", "1048576K", "4096" (MiB). */
static uint64_t
parse_memory (const char *arg)
{
  char *end;
  uint64_t n, shift = 20;

  errno = 0;
  n = strtoull (arg, &end, 10);
  if (errno || end == arg || arg[0] == '-')
    die ("--memory '%s': expected a size such as 2048M or 4G", arg);
  if (*end) {
    switch (*end) {
      case 'k':
      case 'K': shift = 10; break;
      case 'm':
      case 'M': shift = 20; break;
      case 'g':
      case 'G': shift = 30; break;
      case 't':
      case 'T': shift = 40; break;
      default: die ("--memory '%s': unknown unit '%s'", arg, end);
    }
    if (end[1] && strcmp (end + 1, "iB") != 0 && strcmp (end + 1, "B") != 0)
      die ("--memory '%s': unknown unit '%s'", arg, end);
  }
  if (n == 0 || n > (MAX_MEMORY >> shift))
    die ("--memory '%s': must be between 1 MiB and 64 TiB", arg);
  n <<= shift;
  if (n < (1ULL << 20))
    die ("--memory '%s': must be between 1 MiB and 64 TiB", arg);
  return n;
}

bool
source_option (int c, const char *arg, struct source_options *o)
{
  char *end;
  unsigned long n;

  switch (c) {
    case OPT_SOURCE_FROM: o->from = arg; return true;
    case OPT_SOURCE_NO_VERIFY: o->in.no_verify = true; return true;
    case OPT_SOURCE_MEMORY: o->memory = parse_memory (arg); return true;
    case OPT_SOURCE_VCPUS:
      errno = 0;
      n = strtoul (arg, &end, 10);
      if (errno || end == arg || *end || arg[0] == '-' || n == 0
          || n > MAX_VCPUS)
        die ("--vcpus '%s': expected a number from 1 to %d", arg, MAX_VCPUS);
      o->vcpus = n;
      return true;
    case OPT_SOURCE_MAC: {
      char *mac = vm_normalize_mac (arg);
      if (mac == NULL)
        die ("--mac '%s': %s", arg, get_error ());
      free (mac);
      if (string_vector_append (&o->macs, (char *) arg) == -1)
        die ("out of memory");
      return true;
    }
    default: return false;
  }
}

/* --mac: the Nth replaces the Nth NIC's MAC, or adds a NIC. */
static int
apply_macs (const struct source_options *o, struct vm *vm)
{
  for (size_t i = 0; i < o->macs.len; ++i) {
    char *mac = vm_normalize_mac (o->macs.ptr[i]);
    if (mac == NULL)
      return -1;
    if (i < vm->nics.len) {
      free (vm->nics.ptr[i].mac);
      vm->nics.ptr[i].mac = mac;
      continue;
    }
    struct vm_nic nic
        = { .mac = mac, .model = strdup ("virtio"), .pci_slot = -1 };
    if (nic.model == NULL || vm_nic_vector_append (&vm->nics, nic) == -1) {
      set_error (errno, "adding a NIC for --mac");
      free (nic.model);
      free (mac);
      return -1;
    }
  }
  return 0;
}

struct input *
open_source (const char *source, const struct source_options *o, struct vm *vm)
{
  struct input *in = input_open (source, o->from, &o->in);

  if (in == NULL)
    die_error ();
  if (input_describe (in, vm) == -1 || apply_macs (o, vm) == -1) {
    input_close (in);
    vm_clear (vm);
    die_error ();
  }
  if (o->memory)
    vm->memory = o->memory;
  else if (vm->memory == 0) {
    vm->memory = DEFAULT_MEMORY;
    input_warn (in,
                "the source does not say how much memory it has: "
                "using %" PRIu64 " MiB (set it with --memory)",
                DEFAULT_MEMORY >> 20);
  }
  if (o->vcpus)
    vm->vcpus = o->vcpus;
  else if (vm->vcpus == 0) {
    vm->vcpus = 1;
    input_warn (in, "the source does not say how many CPUs it has: "
                    "using 1 (set it with --vcpus)");
  }
  for (size_t i = 0; i < in->warnings.len; ++i)
    warning (in->warnings.ptr[i]);
  return in;
}
