/* vmshift: the hyperv input driver: a Hyper-V VM, as Export-VM writes it.
 *
 * SOURCE is the export's directory (holding "Virtual Machines/" and
 * "Virtual Hard Disks/"), or the configuration file in it: the
 * "Virtual Machines/<GUID>.xml" of Hyper-V 2008 R2 to 2012 R2 (read by
 * hyperv-parse.c, whose header says what is taken from it), or the
 * <GUID>.vmcx of 2016 and later.  Names are compared without regard to
 * case, as Windows does.  Choices:
 *
 *   a directory          its "Virtual Machines/" must hold one VM: one
 *                        .xml, else one .vmcx
 *   the export's root    the configuration's directory's parent when
 *                        that directory is "Virtual Machines", else the
 *                        configuration's directory
 *   disk files           the configuration names them by Windows path
 *                        on the Hyper-V host; each is looked up by its
 *                        file name in the export's "Virtual Hard Disks/",
 *                        then beside the configuration
 *   disk format          the name decides (.vhd "vpc", .vhdx "vhdx", the
 *                        same for checkpoints' .avhd and .avhdx) and the
 *                        header must agree; a differencing disk (a
 *                        checkpoint) is refused: QEMU cannot read one
 *   the name             properties/name, else the export directory's
 *                        name (Export-VM names it for the VM), else the
 *                        configuration file's
 *   a .vmcx              is binary and not read: memory, CPUs and MACs
 *                        are left to --memory, --vcpus and --mac (or the
 *                        defaults), the firmware is unknown, and the disks
 *                        are every .vhd/.vhdx (and .avhd/.avhdx) in
 *                        "Virtual Hard Disks/" by name, the first taken
 *                        for the boot disk; a warning says so
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "disk-file.h"
#include "errors.h"
#include "file-util.h"
#include "hyperv-parse.h"
#include "input.h"
#include "vector.h"
#include "vhd.h"
#include "vm.h"
#include "xml-util.h"

#define MAX_CONFIG_BYTES (16 * 1024 * 1024)
#define VMS_DIR "Virtual Machines"
#define DISKS_DIR "Virtual Hard Disks"

struct hyperv_input {
  char *config; /* canonical path of the .xml or .vmcx; owned */
  char *dir;    /* its directory; owned */
  char *root;   /* the export's directory; owned */
  bool vmcx;
};

static int
name_compare (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The names in dir that match (NULL: any), sorted.  A directory that
 * cannot be opened has none if it does not exist; else it is an error.
 */
static int
list_dir (const char *dir, bool (*match) (const char *), string_vector *out)
{
  DIR *d = opendir (dir);
  struct dirent *e;

  if (d == NULL) {
    if (errno == ENOENT || errno == ENOTDIR)
      return 0;
    set_error (errno, "could not read the directory '%s'", dir);
    return -1;
  }
  while ((errno = 0, e = readdir (d)) != NULL) {
    char *name;

    if (e->d_name[0] == '.' || (match && !match (e->d_name)))
      continue;
    name = strdup (e->d_name);
    if (name == NULL || string_vector_append (out, name) == -1) {
      set_error (errno, "out of memory");
      free (name);
      closedir (d);
      return -1;
    }
  }
  if (errno) {
    set_error (errno, "could not read the directory '%s'", dir);
    closedir (d);
    return -1;
  }
  closedir (d);
  if (out->len > 0)
    qsort (out->ptr, out->len, sizeof out->ptr[0], name_compare);
  return 0;
}

/* Finds name in dir as Windows would, ignoring case (an exact match
 * wins).  1 with *path set (the caller frees it), 0 if there is none,
 * -1 with the error set (also when two names differ only by case).
 */
static int
find_ci (const char *dir, const char *name, char **path)
{
  string_vector names = empty_vector;
  const char *found = NULL;
  int ret = 0;

  *path = NULL;
  if (list_dir (dir, NULL, &names) == -1)
    return -1;
  for (size_t i = 0; i < names.len; ++i) {
    if (strcmp (names.ptr[i], name) == 0) {
      found = names.ptr[i];
      break;
    }
    if (strcasecmp (names.ptr[i], name) != 0)
      continue;
    if (found) {
      set_error (0, "'%s' and '%s' in '%s': which one is '%s'?", found,
                 names.ptr[i], dir, name);
      ret = -1;
      break;
    }
    found = names.ptr[i];
  }
  if (ret == 0 && found) {
    *path = path_join (dir, found);
    ret = *path ? 1 : -1;
  }
  free_string_vector (&names);
  return ret;
}

static bool
is_config_name (const char *name)
{
  return ends_with_ci (name, ".xml") || ends_with_ci (name, ".vmcx");
}

/* ---- probe, open, close ----------------------------------------- */

static bool
hyperv_probe (const char *source)
{
  CLEANUP_FREE char *vms = NULL;
  char buf[4096];
  struct stat st;
  const char *tag;

  if (stat (source, &st) == -1)
    return false;
  if (S_ISDIR (st.st_mode)) {
    if (find_ci (source, VMS_DIR, &vms) != 1)
      return false;
    return stat (vms, &st) == 0 && S_ISDIR (st.st_mode);
  }
  if (!S_ISREG (st.st_mode))
    return false;
  if (ends_with_ci (source, ".vmcx"))
    return true;
  tag = xml_peek_root (source, buf, sizeof buf);
  return tag && hyperv_probe_text (tag);
}

/* The configuration in the export directory dir: one .xml, else one
 * .vmcx, in its "Virtual Machines".  Returns the path (the caller frees
 * it) or NULL with the error set.
 */
static char *
config_in_export (const char *dir)
{
  CLEANUP_FREE char *vms = NULL;
  string_vector names = empty_vector;
  const char *pick = NULL, *other = NULL;
  char *r = NULL;

  if (find_ci (dir, VMS_DIR, &vms) == -1)
    return NULL;
  if (vms == NULL) {
    set_error (0, "'%s' is not a Hyper-V export: it has no '%s' directory",
               dir, VMS_DIR);
    return NULL;
  }
  if (list_dir (vms, is_config_name, &names) == -1)
    return NULL;
  for (int pass = 0; pass < 2 && pick == NULL; ++pass) {
    for (size_t i = 0; i < names.len; ++i) {
      if (!ends_with_ci (names.ptr[i], pass == 0 ? ".xml" : ".vmcx"))
        continue;
      if (pick)
        other = names.ptr[i];
      else
        pick = names.ptr[i];
    }
  }
  if (pick == NULL)
    set_error (0,
               "'%s' holds no virtual machine configuration (.xml or "
               ".vmcx)",
               vms);
  else if (other)
    set_error (0,
               "'%s' holds several virtual machines ('%s', '%s'): give the "
               "one to convert as SOURCE",
               vms, pick, other);
  else
    r = path_join (vms, pick);
  free_string_vector (&names);
  return r;
}

static int
hyperv_open (struct input *in, const char *source)
{
  CLEANUP_FREE char *config = NULL;
  struct hyperv_input *h;
  struct stat st;
  const char *base;

  if (stat (source, &st) == -1) {
    set_error (errno, "could not open '%s'", source);
    return -1;
  }
  if (S_ISDIR (st.st_mode)) {
    CLEANUP_FREE char *dir = realpath (source, NULL);
    if (dir == NULL) {
      set_error (errno, "could not resolve '%s'", source);
      return -1;
    }
    config = config_in_export (dir);
  }
  else
    config = realpath (source, NULL);
  if (config == NULL) {
    if (!S_ISDIR (st.st_mode))
      set_error (errno, "could not resolve '%s'", source);
    return -1;
  }

  h = calloc (1, sizeof *h);
  if (h == NULL) {
    set_error (errno, "calloc");
    goto err0;
  }
  h->vmcx = ends_with_ci (config, ".vmcx");
  h->dir = disk_file_dirname (config);
  if (h->dir == NULL)
    goto err1;
  base = strrchr (h->dir, '/') + 1;
  if (strcasecmp (base, VMS_DIR) == 0)
    h->root = disk_file_dirname (h->dir);
  else
    h->root = strdup (h->dir);
  if (h->root == NULL) {
    set_error (errno, "strdup");
    goto err2;
  }
  h->config = config;
  config = NULL;
  in->priv = h;
  return 0;

err2:
  free (h->dir);
err1:
  free (h);
err0:
  return -1;
}

static void
hyperv_close (struct input *in)
{
  struct hyperv_input *h = in->priv;

  if (h == NULL)
    return;
  free (h->config);
  free (h->dir);
  free (h->root);
  free (h);
  in->priv = NULL;
}

/* ---- disks ------------------------------------------------------- */

/* Checks the disk file d->path and sets its format and capacity. */
static int
check_disk (const char *source, const char *label, struct vm_disk *d)
{
  struct vhd_info info;

  if (disk_file_exists (source, label, d->path) == -1)
    return -1;
  if (vhd_read_info (d->path, &info) == -1) {
    prefix_error ("'%s': disk '%s'", source, label);
    return -1;
  }
  if (info.differencing) {
    set_error (0,
               "'%s': disk '%s' file '%s' is a differencing disk (a "
               "checkpoint), which QEMU cannot read: delete the VM's "
               "checkpoints in Hyper-V (which merges them into its disks) "
               "and export it again",
               source, label, d->path);
    return -1;
  }
  d->format = strdup (info.format);
  if (d->format == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  d->capacity = info.capacity;
  return 0;
}

/* Replaces d->path, a path on the Hyper-V host, by the file's here. */
static int
find_disk (const struct hyperv_input *h, const char *source, const char *label,
           struct vm_disk *d)
{
  CLEANUP_FREE char *disks = NULL;
  const char *base = hyperv_basename (d->path);
  char *found;
  int r;

  if (*base == '\0') {
    set_error (0, "'%s': disk '%s' has no file name ('%s')", source, label,
               d->path);
    return -1;
  }
  if (find_ci (h->root, DISKS_DIR, &disks) == -1)
    return -1;
  if (disks == NULL && (disks = path_join (h->root, DISKS_DIR)) == NULL)
    return -1;
  r = find_ci (disks, base, &found);
  if (r == 0)
    r = find_ci (h->dir, base, &found);
  if (r == -1)
    return -1;
  if (r == 0) {
    set_error (0, "'%s': disk '%s' ('%s'): there is no '%s' in '%s' or '%s'",
               source, label, d->path, base, disks, h->dir);
    return -1;
  }
  free (d->path);
  d->path = found;
  return 0;
}

static void
disk_label (const struct vm_disk *d, char *buf, size_t size)
{
  if (d->bus == BUS_UNKNOWN)
    snprintf (buf, size, "%s", hyperv_basename (d->path));
  else
    snprintf (buf, size, "%s %d:%d", d->bus == BUS_IDE ? "IDE" : "SCSI",
              d->controller, d->unit);
}

/* ---- describe ---------------------------------------------------- */

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash ? slash + 1 : path;
}

/* The name when the configuration has none (see the top). */
static int
default_name (const struct hyperv_input *h, struct vm *out)
{
  const char *base = base_name (h->config);
  const char *dot = strrchr (base, '.');

  if (strcmp (h->root, h->dir) != 0 && strcmp (h->root, "/") != 0)
    out->name = strdup (base_name (h->root));
  else
    out->name = strndup (base, dot ? (size_t) (dot - base) : strlen (base));
  if (out->name == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  return 0;
}

static int
describe_xml (struct input *in, const struct hyperv_input *h, struct vm *out)
{
  CLEANUP_XMLFREEDOC xmlDocPtr doc = NULL;
  string_vector warnings = empty_vector;
  int r;

  doc = xml_read_untrusted (h->config, MAX_CONFIG_BYTES);
  if (doc == NULL)
    return -1;
  r = hyperv_parse (doc, h->config, out, &warnings);
  for (size_t i = 0; i < warnings.len; ++i)
    input_warn (in, "%s", warnings.ptr[i]);
  free_string_vector (&warnings);
  if (r == -1)
    return -1;
  if (out->name == NULL && default_name (h, out) == -1)
    return -1;
  for (size_t i = 0; i < out->disks.len; ++i) {
    struct vm_disk *d = &out->disks.ptr[i];
    char label[64];

    disk_label (d, label, sizeof label);
    if (find_disk (h, in->source, label, d) == -1
        || check_disk (in->source, label, d) == -1)
      return -1;
  }
  return 0;
}

static int
describe_vmcx (struct input *in, const struct hyperv_input *h, struct vm *out)
{
  CLEANUP_FREE char *disks = NULL;
  string_vector names = empty_vector;
  int ret = 0;

  out->source_type = strdup ("hyperv");
  if (out->source_type == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  if (default_name (h, out) == -1
      || find_ci (h->root, DISKS_DIR, &disks) == -1)
    return -1;
  if (disks == NULL) {
    set_error (0, "'%s': there is no '%s' directory in '%s'", in->source,
               DISKS_DIR, h->root);
    return -1;
  }
  if (list_dir (disks, vhd_is_disk_name, &names) == -1)
    return -1;
  if (names.len == 0) {
    set_error (0, "'%s': no .vhd or .vhdx disk in '%s'", in->source, disks);
    ret = -1;
  }
  for (size_t i = 0; ret == 0 && i < names.len; ++i) {
    struct vm_disk d = { .controller = -1, .unit = -1 };

    d.path = path_join (disks, names.ptr[i]);
    if (d.path == NULL || vm_disk_vector_append (&out->disks, d) == -1) {
      set_error (errno, "out of memory");
      free (d.path);
      ret = -1;
    }
    else
      ret = check_disk (in->source, names.ptr[i],
                        &out->disks.ptr[out->disks.len - 1]);
  }
  free_string_vector (&names);
  if (ret == 0)
    input_warn (in,
                "'%s' is a binary configuration (Hyper-V 2016 and later) "
                "that is not read: memory, CPUs and MACs come from "
                "--memory, --vcpus and --mac, the firmware is not known "
                "(a generation 2, UEFI, VM is not detected), and the disks "
                "are the files in '%s' in name order, '%s' taken for the "
                "boot disk",
                h->config, disks, base_name (out->disks.ptr[0].path));
  return ret;
}

static int
hyperv_describe (struct input *in, struct vm *out)
{
  const struct hyperv_input *h = in->priv;

  return h->vmcx ? describe_vmcx (in, h, out) : describe_xml (in, h, out);
}

const struct input_ops hyperv_input_ops = {
  .name = "hyperv",
  .probe = hyperv_probe,
  .open = hyperv_open,
  .describe = hyperv_describe,
  .close = hyperv_close,
};
