/* v2v convert: read a foreign VM, convert its guest on overlays, copy
 * what matters, and write the KVM guest.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel.h"
#include "cleanups.h"
#include "command.h"
#include "copy-engine.h"
#include "errors.h"
#include "guest.h"
#include "input.h"
#include "json.h"
#include "output.h"
#include "cli.h"
#include "source.h"
#include "v2v.h"
#include "vm.h"

struct convert_options {
  const char *source;
  struct source_options so;
  const char *output;
  struct output_settings s;
  bool verify;
};

/* The output being written, for the signal handler. */
static struct output *volatile current_output;

static void
on_signal (int sig)
{
  output_emergency_cleanup (current_output);
  guest_emergency_cleanup ();
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
usage (FILE *fp)
{
  fprintf (
      fp,
      "usage: v2v convert SOURCE [--to kvm] -o OUTPUT [options]\n"
      "\n"
      "Converts the VM described by SOURCE (a .vmx, .ova/.ovf, xl.cfg, .xva,\n"
      "Hyper-V export, libvirt XML or libvirt:URI/DOMAIN, or a disk image)\n"
      "into a KVM guest.\n"
      "The source is only read.\n"
      "\n"
      "  -o, --output DIR|libvirt:URI  write NAME.xml and disks to DIR, or "
      "define\n"
      "                                the guest through libvirt at URI\n"
      "  -O, --format qcow2|raw        format of the written disks (qcow2)\n"
      "      --storage DIR             where disks go with -o libvirt:\n"
      "                                (/var/lib/libvirt/images)\n"
      "      --start                   start the guest after defining it\n"
      "      --to kvm                  the target hypervisor (only "
      "kvm)\n" SOURCE_OPTIONS_HELP
      "  -n, --name NAME               name of the new guest (the source's)\n"
      "      --network NAME            connect NICs to libvirt network NAME\n"
      "                                (default)\n"
      "      --bridge BRIDGE           connect NICs to host bridge BRIDGE\n"
      "      --user-net                connect NICs to QEMU user networking\n"
      "      --verify                  read back and compare every block "
      "copied\n"
      "  -v, --verbose                 say what each step does and how long\n"
      "                                it takes (twice: libguestfs debug "
      "too)\n"
      "  -q, --quiet                   no progress bar or summary\n"
      "      --machine-readable        JSON lines on stdout for tools\n"
      "  -h, --help                    this help\n",
      input_names ());
}

static void
parse_options (int argc, char **argv, struct convert_options *o)
{
  enum {
    OPT_STORAGE = 256,
    OPT_START,
    OPT_TO,
    OPT_NETWORK,
    OPT_BRIDGE,
    OPT_USER_NET,
    OPT_VERIFY,
  };
  static const struct option long_options[] = {
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, 'O' },
    { "storage", required_argument, NULL, OPT_STORAGE },
    { "start", no_argument, NULL, OPT_START },
    { "to", required_argument, NULL, OPT_TO },
    SOURCE_LONG_OPTIONS,
    { "name", required_argument, NULL, 'n' },
    { "network", required_argument, NULL, OPT_NETWORK },
    { "bridge", required_argument, NULL, OPT_BRIDGE },
    { "user-net", no_argument, NULL, OPT_USER_NET },
    { "verify", no_argument, NULL, OPT_VERIFY },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  memset (o, 0, sizeof *o);
  o->s.format = "qcow2";
  o->s.net_mode = NET_NETWORK;
  o->s.net_name = "default";
  while ((c = getopt_long (argc, argv, "o:O:n:vqh", long_options, NULL))
         != -1) {
    switch (c) {
      case 'o': o->output = optarg; break;
      case 'O': o->s.format = optarg; break;
      case OPT_STORAGE: o->s.storage = optarg; break;
      case OPT_START: o->s.start = true; break;
      case OPT_TO:
        if (strcmp (optarg, "kvm") != 0)
          die ("--to '%s': only kvm is supported (v2p restore writes to "
               "physical disks)",
               optarg);
        break;
      case 'n': o->s.name = optarg; break;
      case OPT_NETWORK:
        o->s.net_mode = NET_NETWORK;
        o->s.net_name = optarg;
        break;
      case OPT_BRIDGE:
        o->s.net_mode = NET_BRIDGE;
        o->s.net_name = optarg;
        break;
      case OPT_USER_NET: o->s.net_mode = NET_USER; break;
      case OPT_VERIFY: o->verify = true; break;
      case 'h': usage (stdout); exit (EXIT_SUCCESS);
      default:
        if (cli_option (c) || source_option (c, optarg, &o->so))
          break;
        usage (stderr);
        exit (EXIT_FAILURE);
    }
  }
  if (optind != argc - 1) {
    usage (stderr);
    exit (EXIT_FAILURE);
  }
  o->source = argv[optind];
  if (o->output == NULL)
    die ("-o OUTPUT is required (a directory, or libvirt:URI)");
  if (strcmp (o->s.format, "qcow2") != 0 && strcmp (o->s.format, "raw") != 0)
    die ("-O '%s': the output format must be qcow2 or raw", o->s.format);
  if (o->s.start && strncmp (o->output, "libvirt:", 8) != 0)
    die ("--start needs -o libvirt:URI");
}

/* Fetches the disks that cannot be read in place (vm.h: import) into
 * the work directory; from then on the model names the local copies,
 * and imported[i] says which they are: being ours, they are converted
 * in place (no overlay), and a raw one becomes the raw output by a
 * rename, so the data is written once.
 */
static int
import_disks (struct output *out, struct input *in, struct vm *vm,
              bool *imported)
{
  for (size_t i = 0; i < vm->disks.len; ++i) {
    struct vm_disk *d = &vm->disks.ptr[i];
    char *dest;
    struct progress p;
    double t = now_seconds ();
    int r;

    if (!d->import)
      continue;
    if (asprintf (&dest, "%s/import-%zu.%s", out->workdir, i, d->format)
        == -1) {
      set_error (errno, "asprintf");
      return -1;
    }
    progress_start (&p, "import");
    r = input_import_disk (in, vm, i, dest, progress_update, &p);
    progress_end (&p);
    if (r == -1) {
      unlink (dest);
      free (dest);
      return -1;
    }
    debug ("import %s: %.1f s", d->path, now_seconds () - t);
    free (d->path);
    d->path = dest;
    d->import = false;
    imported[i] = true;
  }
  return 0;
}

/* Is the disk (an imported one) edited in place rather than through an
 * overlay?  Only formats libguestfs writes well: raw and qcow2.
 */
static bool
in_place (const struct vm_disk *d)
{
  return strcmp (d->format, "raw") == 0 || strcmp (d->format, "qcow2") == 0;
}

/* Runs each conversion step, timing it. */
static int
convert_guest (struct output *out, const struct vm *vm, const bool *imported)
{
  char **overlays = calloc (vm->disks.len + 1, sizeof (char *));
  CLEANUP_FREE const char **formats
      = calloc (vm->disks.len + 1, sizeof (char *));
  struct guest gs;
  double t;
  int r = -1;

  if (overlays == NULL || formats == NULL) {
    free (overlays);
    set_error (errno, "calloc");
    return -1;
  }
  for (size_t i = 0; i < vm->disks.len; ++i) {
    if (imported[i] && in_place (&vm->disks.ptr[i])) {
      overlays[i] = strdup (vm->disks.ptr[i].path);
      formats[i] = vm->disks.ptr[i].format;
      if (overlays[i] == NULL) {
        set_error (errno, "strdup");
        goto out;
      }
      continue;
    }
    if (asprintf (&overlays[i], "%s/overlay-%zu.qcow2", out->workdir, i)
        == -1) {
      overlays[i] = NULL;
      set_error (errno, "asprintf");
      goto out;
    }
    formats[i] = "qcow2";
    if (create_overlay (vm->disks.ptr[i].path, vm->disks.ptr[i].format,
                        overlays[i])
        == -1)
      goto out;
  }
  t = now_seconds ();
  if (!quiet)
    fprintf (stderr, "v2v: starting the conversion appliance (%s)\n",
             accel_name ());
  if (guest_open (&gs, vm, overlays, formats, TARGET_KVM, verbose > 1) == -1) {
    guest_close (&gs);
    goto out;
  }
  debug ("appliance and inspection: %.1f s (%s %d.%d)", now_seconds () - t,
         gs.distro, gs.major, gs.minor);
  if (cli_run_steps (&gs) == -1) {
    guest_close (&gs);
    goto out;
  }
  t = now_seconds ();
  if (guest_close (&gs) == -1)
    goto out;
  debug ("appliance shutdown: %.1f s", now_seconds () - t);
  r = 0;

out:
  free_string_list (overlays);
  return r;
}

/* Copies each overlay to its staged output disk. */
/* Moves an imported disk that already is in the output format into
 * place: it was written once, by the import, and edited in place.
 */
static int
move_disk (const char *from, const char *to, uint64_t *written)
{
  struct stat st;

  if (rename (from, to) == -1) {
    set_error (errno, "rename '%s' to '%s'", from, to);
    return -1;
  }
  *written = stat (to, &st) == 0 ? (uint64_t) st.st_blocks * 512 : 0;
  return 0;
}

/* Copies each overlay (or imported disk) to its staged output disk. */
static int
copy_disks (struct output *out, const struct vm *vm, const bool *imported,
            bool verify, uint64_t *copied)
{
  *copied = 0;
  for (size_t i = 0; i < vm->disks.len; ++i) {
    const struct vm_disk *d = &vm->disks.ptr[i];
    bool ours = imported[i] && in_place (d);
    CLEANUP_FREE char *overlay = NULL;
    const char *label = strrchr (out->disk_final[i], '-') + 1;
    CLEANUP_FREE char *dev = strndup (label, strcspn (label, "."));
    struct progress p;
    struct copy_stats st = { 0 };
    char fields[256];

    if (ours && !verify && strcmp (d->format, out->s.format) == 0) {
      if (move_disk (d->path, out->disk_tmp[i], &st.written) == -1)
        return -1;
      *copied += st.written;
      debug ("copy %s: imported disk moved into place", dev);
      continue;
    }
    if (ours)
      overlay = strdup (d->path);
    else if (asprintf (&overlay, "%s/overlay-%zu.qcow2", out->workdir, i)
             == -1)
      overlay = NULL;
    if (overlay == NULL) {
      set_error (errno, "asprintf");
      return -1;
    }
    struct copy_options co = {
      .src = overlay,
      .src_format = ours ? d->format : "qcow2",
      .dst = out->disk_tmp[i],
      .dst_format = out->s.format,
      .progress = progress_update,
      .opaque = &p,
      .verify = verify,
    };
    progress_start (&p, dev ? dev : "disk");
    if (copy_image (&co, &st) == -1) {
      progress_end (&p);
      return -1;
    }
    progress_end (&p);
    /* The overlay (or imported copy) is done with: free its space now. */
    unlink (overlay);
    *copied += st.written;
    debug ("copy %s: %.1f s, %" PRIu64 " MiB of data read, %" PRIu64
           " MiB written, virtual size %" PRIu64 " MiB",
           dev, st.seconds, st.data >> 20, st.written >> 20, st.size >> 20);
    snprintf (fields, sizeof fields,
              "\"disk\": \"%s\", \"size\": %" PRIu64 ", \"written\": %" PRIu64
              ", \"seconds\": %.3f",
              dev, st.size, st.written, st.seconds);
    event ("copied", fields);
  }
  return 0;
}

int
cmd_convert (int argc, char **argv)
{
  struct convert_options o;
  struct vm vm;
  struct input *in;
  struct output *out;
  CLEANUP_FREE bool *imported = NULL;
  double t0 = now_seconds ();
  uint64_t copied;

  parse_options (argc, argv, &o);

  in = open_source (o.source, &o.so, &vm);
  string_vector_reset (&o.so.macs);
  if (vm.disks.len == 0) {
    input_close (in);
    vm_clear (&vm);
    die ("'%s' has no disks to convert", o.source);
  }
  if (o.s.name == NULL)
    o.s.name = vm.name;

  out = output_open (o.output, &o.s);
  if (out == NULL) {
    input_close (in);
    vm_clear (&vm);
    die_error ();
  }
  current_output = out;
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);

  imported = calloc (vm.disks.len, sizeof *imported);
  if (imported == NULL)
    die ("out of memory");
  if (output_plan_disks (out, &vm) == -1
      || import_disks (out, in, &vm, imported) == -1
      || convert_guest (out, &vm, imported) == -1
      || copy_disks (out, &vm, imported, o.verify, &copied) == -1
      || output_commit (out, &vm) == -1) {
    CLEANUP_FREE char *msg = strdup (get_error ());
    bool kept = out->committed;
    signal (SIGINT, SIG_DFL);
    signal (SIGTERM, SIG_DFL);
    current_output = NULL;
    output_close (out);
    input_close (in);
    vm_clear (&vm);
    if (kept)
      die ("%s", msg ? msg : "failed");
    die ("%s (nothing was written)", msg ? msg : "failed");
  }
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  current_output = NULL;

  if (!quiet && !machine_readable) {
    fprintf (stderr,
             "v2v: '%s' converted in %.1f s: %zu disk(s), %.1f MiB "
             "written\n",
             o.s.name, now_seconds () - t0, vm.disks.len, copied / 1048576.0);
    if (strncmp (o.output, "libvirt:", 8) == 0)
      fprintf (stderr, "v2v: defined as '%s' at %s%s\n", o.s.name,
               o.output + 8, o.s.start ? " and started" : "");
    else
      fprintf (stderr, "v2v: wrote %s/%s.xml\n", out->storage, o.s.name);
  }
  if (machine_readable) {
    /* The name is the user's or the source's: escape it. */
    char *json_name = json_quote (o.s.name), fields[512];
    snprintf (fields, sizeof fields,
              "\"name\": %s, \"seconds\": %.3f, \"written\": %" PRIu64,
              json_name ? json_name : "null", now_seconds () - t0, copied);
    free (json_name);
    event ("done", fields);
  }
  output_close (out);
  input_close (in);
  vm_clear (&vm);
  return EXIT_SUCCESS;
}
