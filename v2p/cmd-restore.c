/* v2p restore: write a VM's disks onto physical disks (or raw staging
 * images) and make the guest boot on real hardware.
 *
 * Nothing touches a target until the end.  Each source disk gets a qcow2
 * overlay (the source is only read), sized like its target; in one
 * appliance the layout is fitted to the target (last partition and its
 * filesystem grown, or an ext4 one shrunk, swap moved to the end) and the
 * guest converted for physical hardware.  Only then is each overlay
 * copied onto its target, data only, partition tables last.
 */
#include <config.h>

#include <errno.h>
#include <dirent.h>
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
#include "file-util.h"
#include "guest.h"
#include "input.h"
#include "json.h"
#include "partition-table.h"
#include "target-disk.h"
#include "v2p.h"
#include "vector.h"
#include "vm.h"
#include "xml-util.h"

struct restore_options {
  const char *source;
  const char *from;
  string_vector to;      /* --to, in disk order (not owned strings) */
  string_vector mac_map; /* VMMAC, PHYSMAC pairs, normalised; owned */
  uint64_t size;         /* --size for new image files */
  bool force, yes, verify, no_verify_source;
};

/* What the signal handler (and a failure) removes: overlays, then the
 * work directory, and image files we created, until all are complete.
 */
static char *volatile workdir;
static char *volatile overlay_paths[64];
static char *volatile created_paths[64];
/* Set once the copy onto an existing target has begun. */
static bool targets_touched;

static void
emergency_cleanup (void)
{
  for (size_t i = 0; i < 64; ++i) {
    if (overlay_paths[i])
      unlink (overlay_paths[i]);
    if (created_paths[i])
      unlink (created_paths[i]);
  }
  if (workdir)
    rmdir (workdir);
  guest_emergency_cleanup ();
}

static void
on_signal (int sig)
{
  emergency_cleanup ();
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
usage (FILE *fp)
{
  fprintf (fp,
           "usage: v2p restore SOURCE --to DISK [--to DISK...] [options]\n"
           "\n"
           "Writes the VM SOURCE (a libvirt domain XML file, a v2v output\n"
           "directory, libvirt:URI/DOMAIN shut off, or a disk image) onto\n"
           "physical disks, one --to per VM disk, and makes it boot there.\n"
           "The source is only read.\n"
           "\n"
           "  -t, --to DISK            a block device, or a raw image file "
           "(an\n"
           "                           existing one is a disk of its size)\n"
           "      --size SIZE          size of a new image file (the "
           "source's);\n"
           "                           K, M, G, T suffixes\n"
           "      --mac VMMAC=PHYSMAC  the VM NIC VMMAC becomes the physical "
           "NIC\n"
           "                           PHYSMAC, keeping its name "
           "(repeatable)\n"
           "      --force              overwrite a disk that has a partition "
           "table\n"
           "  -y, --yes                do not ask before writing\n"
           "      --verify             read back and compare every block "
           "written\n"
           "      --from TYPE          the source's type (%s)\n"
           "  -v, --verbose            say what each step does (twice: "
           "libguestfs\n"
           "                           debug too)\n"
           "  -q, --quiet              no progress bar or summary\n"
           "      --machine-readable   JSON lines on stdout for tools\n"
           "  -h, --help               this help\n",
           input_names ());
}

/* "12G" -> bytes; 0 on error. */
static uint64_t
parse_size (const char *s)
{
  char *end;
  unsigned long long v;
  int shift = 0;

  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno || end == s || *s == '-')
    return 0;
  switch (*end) {
    case 'K':
    case 'k':
      shift = 10;
      end++;
      break;
    case 'M':
    case 'm':
      shift = 20;
      end++;
      break;
    case 'G':
    case 'g':
      shift = 30;
      end++;
      break;
    case 'T':
    case 't':
      shift = 40;
      end++;
      break;
    case '\0': break;
    default: return 0;
  }
  if (*end == 'i' || *end == 'B')
    end += *end == 'i' && end[1] == 'B' ? 2 : 1;
  if (*end || v > (UINT64_MAX >> shift))
    return 0;
  return (uint64_t) v << shift;
}

static void
add_mac_map (struct restore_options *o, const char *arg)
{
  const char *eq = strchr (arg, '=');
  CLEANUP_FREE char *left = eq ? strndup (arg, eq - arg) : NULL;
  char *vm, *phys;

  if (eq == NULL)
    die ("--mac '%s': expected VMMAC=PHYSMAC", arg);
  vm = left ? vm_normalize_mac (left) : NULL;
  if (vm == NULL)
    die ("--mac '%s': %s", arg, get_error ());
  phys = vm_normalize_mac (eq + 1);
  if (phys == NULL)
    die ("--mac '%s': %s", arg, get_error ());
  for (size_t i = 0; i < o->mac_map.len; i += 2)
    if (strcmp (o->mac_map.ptr[i], vm) == 0)
      die ("--mac: %s is mapped twice", vm);
  if (string_vector_append (&o->mac_map, vm) == -1
      || string_vector_append (&o->mac_map, phys) == -1)
    die ("out of memory");
}

static void
parse_options (int argc, char **argv, struct restore_options *o)
{
  enum { OPT_SIZE = 256, OPT_MAC, OPT_FORCE, OPT_VERIFY, OPT_FROM };
  static const struct option long_options[] = {
    { "to", required_argument, NULL, 't' },
    { "size", required_argument, NULL, OPT_SIZE },
    { "mac", required_argument, NULL, OPT_MAC },
    { "force", no_argument, NULL, OPT_FORCE },
    { "yes", no_argument, NULL, 'y' },
    { "verify", no_argument, NULL, OPT_VERIFY },
    { "from", required_argument, NULL, OPT_FROM },
    CLI_LONG_OPTIONS,
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  memset (o, 0, sizeof *o);
  while ((c = getopt_long (argc, argv, "t:yvqh", long_options, NULL)) != -1) {
    switch (c) {
      case 't':
        if (string_vector_append (&o->to, optarg) == -1)
          die ("out of memory");
        break;
      case OPT_SIZE:
        o->size = parse_size (optarg);
        if (o->size == 0)
          die ("--size '%s': expected a size such as 8G", optarg);
        break;
      case OPT_MAC: add_mac_map (o, optarg); break;
      case OPT_FORCE: o->force = true; break;
      case 'y': o->yes = true; break;
      case OPT_VERIFY: o->verify = true; break;
      case OPT_FROM: o->from = optarg; break;
      case 'h': usage (stdout); exit (EXIT_SUCCESS);
      default:
        if (cli_option (c))
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
  if (o->to.len == 0)
    die ("--to DISK is required (a block device or an image file)");
  if (o->to.len > 64)
    die ("at most 64 --to disks");
}

/* A v2v output directory holds one NAME.xml libvirt domain: restore
 * that.  Returns the source to open (the caller frees); dies on an
 * ambiguous directory.
 */
static char *
resolve_source (const char *source)
{
  struct stat st;
  DIR *d;
  struct dirent *e;
  char *found = NULL;

  if (stat (source, &st) == -1 || !S_ISDIR (st.st_mode))
    return strdup (source);
  d = opendir (source);
  if (d == NULL)
    die ("could not read the directory '%s': %s", source, strerror (errno));
  while ((e = readdir (d)) != NULL) {
    CLEANUP_FREE char *path = NULL;
    const char *tag;
    char buf[4096];

    if (!ends_with_ci (e->d_name, ".xml")
        || (path = path_join (source, e->d_name)) == NULL)
      continue;
    tag = xml_peek_root (path, buf, sizeof buf);
    if (tag == NULL || !xml_tag_is (tag, "domain"))
      continue;
    if (found)
      die ("'%s' holds more than one domain XML (%s, %s): name the one to "
           "restore",
           source, strrchr (found, '/') + 1, e->d_name);
    found = path;
    path = NULL;
  }
  closedir (d);
  if (found == NULL)
    die ("'%s' is a directory with no libvirt domain XML (a v2v output "
         "directory holds NAME.xml)",
         source);
  return found;
}

/* The least a target for a disk can be, from its partition table: up
 * to the start of its last data partition plus 1 MiB, and the swap after
 * it (which moves to the new end).  Whether the data fits is known only
 * once its filesystem tries to shrink.  0 when the table is unreadable.
 */
static uint64_t
min_target_size (const uint8_t *head, uint64_t disk_size)
{
  uint64_t need = 0, swap = 0;
  struct ptable pt;

  if (ptable_parse (head, PTABLE_HEAD_BYTES, disk_size, &pt) == -1) {
    clear_error ();
    return 0;
  }
  for (size_t i = 0; i < pt.nparts; ++i) {
    const struct ptable_part *p = &pt.parts[i];
    if (p->role != PART_LINUX_SWAP && p->role != PART_EXTENDED
        && p->start + (1 << 20) > need)
      need = p->start + (1 << 20);
  }
  for (size_t i = 0; i < pt.nparts; ++i)
    if ((pt.parts[i].role == PART_LINUX_SWAP
         || pt.parts[i].role == PART_EXTENDED)
        && pt.parts[i].start >= need - (1 << 20))
      swap += pt.parts[i].size;
  return need + swap + (pt.type == PTABLE_GPT ? 34 * 512 : 0);
}

/* Each source disk's virtual size and the least a target for it can be,
 * from one read of its head through QEMU.
 */
static int
read_sources (const struct vm *vm, uint64_t *sizes, uint64_t *mins)
{
  for (size_t i = 0; i < vm->disks.len; ++i) {
    const struct vm_disk *d = &vm->disks.ptr[i];
    uint8_t head[PTABLE_HEAD_BYTES];

    if (d->import) {
      set_error (0,
                 "disk %zu of the source (%s) is not a file QEMU can read "
                 "in place: convert the VM with v2v convert first, then "
                 "restore its output",
                 i, d->path);
      return -1;
    }
    if (image_read_head (d->path, d->format, head, sizeof head, &sizes[i])
        == -1)
      return -1;
    mins[i] = min_target_size (head, sizes[i]);
  }
  return 0;
}

/* Is path one of the source's disks? */
static bool
is_source (const struct vm *vm, const char *path)
{
  struct stat a, b;

  if (stat (path, &a) == -1)
    return false;
  for (size_t i = 0; i < vm->disks.len; ++i)
    if (stat (vm->disks.ptr[i].path, &b) == 0 && a.st_dev == b.st_dev
        && a.st_ino == b.st_ino)
      return true;
  return false;
}

/* Shows each existing target and asks, unless --yes. */
static void
confirm (struct target_disk *t, size_t n, bool yes)
{
  bool any = false;
  char answer[16];

  for (size_t i = 0; i < n; ++i) {
    CLEANUP_FREE char *line = target_disk_describe (&t[i]);
    if (line)
      info ("%s", line);
    any |= t[i].exists;
  }
  if (!any || yes)
    return;
  if (!isatty (0) || !isatty (2))
    die ("everything on the target disk(s) above will be overwritten: give "
         "--yes to go ahead without a terminal to ask on");
  fprintf (stderr, "v2p: everything on the disk(s) above will be lost.  "
                   "Type 'yes' to go on: ");
  if (fgets (answer, sizeof answer, stdin) == NULL
      || strcmp (answer, "yes\n") != 0)
    die ("not confirmed: nothing was written");
}

static int
resize_image (const char *path, uint64_t size, bool shrink)
{
  char sizestr[32];
  snprintf (sizestr, sizeof sizestr, "%" PRIu64, size);
  const char *grow[] = { "qemu-img", "resize", "-q", path, sizestr, NULL };
  const char *cut[]
      = { "qemu-img", "resize", "-q", "--shrink", path, sizestr, NULL };
  return run_command (shrink ? cut : grow);
}

static int
launch (struct guest *gs, const struct vm *vm, char **overlays)
{
  const char *formats[65];

  for (size_t i = 0; i < vm->disks.len; ++i)
    formats[i] = "qcow2";
  formats[vm->disks.len] = NULL;
  return guest_launch (gs, vm, overlays, formats, TARGET_PHYSICAL,
                       verbose > 1);
}

/* The overlays take their targets' sizes and the guest's layout and
 * software are fitted to the hardware.  0, or -1 with the error set.
 */
static int
prepare (const struct vm *vm, char **overlays, const uint64_t *src_size,
         const struct target_disk *t, char *const *mac_map)
{
  struct guest gs;
  bool shrink = false;
  double t0 = now_seconds ();

  for (size_t i = 0; i < vm->disks.len; ++i) {
    if (create_overlay (vm->disks.ptr[i].path, vm->disks.ptr[i].format,
                        overlays[i])
        == -1)
      return -1;
    if (t[i].size > src_size[i]
        && resize_image (overlays[i], t[i].size, false) == -1)
      return -1;
    shrink |= t[i].size < src_size[i];
  }
  info ("starting the conversion appliance (%s)", accel_name ());
  if (shrink) {
    /* Filesystems shrink on the old sizes; the images are then cut. */
    if (launch (&gs, vm, overlays) == -1)
      goto err;
    for (size_t i = 0; i < vm->disks.len; ++i)
      if (t[i].size < src_size[i] && guest_fit_disk (&gs, i, t[i].size) == -1)
        goto err;
    for (size_t i = 0; i < gs.notes.len; ++i)
      debug ("  %s", gs.notes.ptr[i]);
    if (guest_close (&gs) == -1)
      return -1;
    for (size_t i = 0; i < vm->disks.len; ++i)
      if (t[i].size < src_size[i]
          && resize_image (overlays[i], t[i].size, true) == -1)
        return -1;
  }
  if (launch (&gs, vm, overlays) == -1)
    goto err;
  for (size_t i = 0; i < vm->disks.len; ++i)
    if (t[i].size != src_size[i] && guest_fit_disk (&gs, i, t[i].size) == -1)
      goto err;
  for (size_t i = 0; i < gs.notes.len; ++i)
    debug ("  %s", gs.notes.ptr[i]);
  if (guest_inspect_mount (&gs) == -1)
    goto err;
  debug ("appliance, layout and inspection: %.1f s (%s %d.%d)",
         now_seconds () - t0, gs.distro, gs.major, gs.minor);
  gs.mac_map = mac_map;
  if (cli_run_steps (&gs) == -1)
    goto err;
  return guest_close (&gs);

err:
  guest_close (&gs);
  return -1;
}

/* Copies each overlay onto its target.  *written: bytes written. */
static int
copy_to_targets (const struct vm *vm, char **overlays, struct target_disk *t,
                 bool verify, uint64_t *written)
{
  *written = 0;
  for (size_t i = 0; i < vm->disks.len; ++i) {
    struct progress p;
    struct copy_stats st;
    char fields[512];
    const char *label
        = strrchr (t[i].path, '/') ? strrchr (t[i].path, '/') + 1 : t[i].path;
    struct copy_options co = {
      .src = overlays[i],
      .src_format = "qcow2",
      .dst = t[i].path,
      .dst_format = "raw",
      .progress = progress_update,
      .opaque = &p,
      .verify = verify,
      .in_place = true,
    };

    if (!t[i].exists) {
      if (target_disk_create (&t[i]) == -1)
        return -1;
      created_paths[i] = t[i].path;
    }
    else
      targets_touched = true;
    progress_start (&p, label);
    if (copy_image (&co, &st) == -1) {
      progress_end (&p);
      return -1;
    }
    progress_end (&p);
    unlink (overlays[i]);
    *written += st.written;
    debug ("copy to %s: %.1f s, %" PRIu64 " MiB written, %" PRIu64
           " MiB zeroed, size %" PRIu64 " MiB",
           t[i].path, st.seconds, st.written >> 20, st.zeroed >> 20,
           st.size >> 20);
    CLEANUP_FREE char *json_path = json_quote (t[i].path);
    snprintf (fields, sizeof fields,
              "\"target\": %s, \"size\": %" PRIu64 ", \"written\": %" PRIu64
              ", \"zeroed\": %" PRIu64 ", \"seconds\": %.3f",
              json_path ? json_path : "null", st.size, st.written, st.zeroed,
              st.seconds);
    event ("copied", fields);
  }
  return 0;
}

static void
check_mac_map (const struct vm *vm, const string_vector *map)
{
  for (size_t i = 0; i < map->len; i += 2) {
    bool found = false;
    for (size_t j = 0; j < vm->nics.len; ++j)
      found |= vm->nics.ptr[j].mac
               && strcmp (vm->nics.ptr[j].mac, map->ptr[i]) == 0;
    if (!found)
      die ("--mac %s=%s: the VM has no NIC with MAC %s", map->ptr[i],
           map->ptr[i + 1], map->ptr[i]);
  }
}

int
cmd_restore (int argc, char **argv)
{
  struct restore_options o;
  CLEANUP_FREE char *source = NULL;
  struct input *in;
  struct vm vm;
  uint64_t src_size[64], min_size[64], written;
  struct target_disk t[64];
  char *overlays[65] = { NULL };
  char tmpl[4096];
  const char *tmp = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/var/tmp";
  double t0 = now_seconds ();
  size_t nt = 0;

  parse_options (argc, argv, &o);
  source = resolve_source (o.source);
  if (source == NULL)
    die ("out of memory");
  in = input_open (source, o.from, NULL);
  if (in == NULL || input_describe (in, &vm) == -1)
    die_error ();
  /* They concern the VM's configuration (memory, CPUs), which a
   * physical machine does not take: -v shows them.
   */
  for (size_t i = 0; i < in->warnings.len; ++i)
    debug ("source: %s", in->warnings.ptr[i]);
  if (vm.disks.len == 0)
    die ("'%s' has no disks", o.source);
  if (vm.disks.len != o.to.len)
    die ("the VM has %zu disk(s) and %zu --to were given: give one target "
         "per disk, in the VM's disk order",
         vm.disks.len, o.to.len);
  check_mac_map (&vm, &o.mac_map);
  if (read_sources (&vm, src_size, min_size) == -1)
    die_error ();

  for (nt = 0; nt < o.to.len; ++nt) {
    if (is_source (&vm, o.to.ptr[nt]))
      die ("'%s' is the source's own disk", o.to.ptr[nt]);
    for (size_t j = 0; j < nt; ++j)
      if (strcmp (o.to.ptr[j], o.to.ptr[nt]) == 0)
        die ("'%s' is given twice", o.to.ptr[nt]);
    if (target_disk_probe (o.to.ptr[nt], o.size ? o.size : src_size[nt],
                           &t[nt])
            == -1
        || target_disk_check (&t[nt], min_size[nt], o.force) == -1)
      die_error ();
  }
  confirm (t, nt, o.yes);

  if (o.mac_map.len)
    string_vector_append (&o.mac_map, NULL);
  snprintf (tmpl, sizeof tmpl, "%s/v2p-XXXXXX", tmp);
  if (mkdtemp (tmpl) == NULL)
    die ("could not create a work directory in %s: %s", tmp, strerror (errno));
  workdir = tmpl;
  for (size_t i = 0; i < vm.disks.len; ++i)
    if (asprintf (&overlays[i], "%s/overlay-%zu.qcow2", tmpl, i) == -1)
      die ("out of memory");
  memcpy ((char **) overlay_paths, overlays, vm.disks.len * sizeof (char *));
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  signal (SIGHUP, on_signal);

  if (prepare (&vm, overlays, src_size, t,
               o.mac_map.len ? o.mac_map.ptr : NULL)
          == -1
      || copy_to_targets (&vm, overlays, t, o.verify, &written) == -1) {
    CLEANUP_FREE char *msg = strdup (get_error ());
    emergency_cleanup ();
    die ("%s (%s)", msg ? msg : "failed",
         targets_touched ? "a target was left without a partition table: "
                           "run the restore again"
                         : "nothing was written");
  }
  /* Every image is complete: keep them, remove the work files. */
  memset ((char **) created_paths, 0, sizeof created_paths);
  emergency_cleanup ();
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  signal (SIGHUP, SIG_DFL);

  info ("'%s' restored in %.1f s: %zu disk(s), %.1f MiB written", vm.name,
        now_seconds () - t0, vm.disks.len, written / 1048576.0);
  {
    char fields[128];
    snprintf (fields, sizeof fields,
              "\"seconds\": %.3f, \"written\": %" PRIu64, now_seconds () - t0,
              written);
    event ("done", fields);
  }
  for (size_t i = 0; i < nt; ++i)
    target_disk_free (&t[i]);
  for (size_t i = 0; overlays[i]; ++i)
    free (overlays[i]);
  free_string_vector (&o.mac_map);
  string_vector_reset (&o.to);
  input_close (in);
  vm_clear (&vm);
  return EXIT_SUCCESS;
}
