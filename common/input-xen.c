/* vmshift: the xen input driver: a Xen xl.cfg (or older xm) domain
 * configuration file and its disks.
 *
 * See xl-parse.h for the syntax.  What is read, and the choices where
 * the file leaves something out:
 *
 *   name                 the VM's name; absent: the file's name
 *                        without ".cfg".
 *   type, builder        type = "pv"/"pvh"/"hvm"; else builder = "hvm"
 *                        (xm, old xl) is HVM, "generic"/"linux" PV;
 *                        neither: PV, as xl.  bootloader = "pygrub"
 *                        means a PV guest that boots its own GRUB
 *                        configuration; a PV guest with kernel = and no
 *                        bootloader boots a kernel from the host, which
 *                        is warned about (the converted guest must boot
 *                        one of its own).
 *   firmware, bios       an HVM guest with firmware = "uefi" or "ovmf",
 *                        or bios = "ovmf", is UEFI; everything else BIOS.
 *   memory, maxmem       MiB.  memory is what the guest runs with; when
 *                        absent, maxmem; when both are absent nothing
 *                        (the front end's default).  A larger maxmem (a
 *                        balloon) is warned about.
 *   vcpus, maxvcpus      vcpus; when absent, maxvcpus; else 1 (xl's
 *                        default).  A larger maxvcpus is warned about.
 *   disk                 every item except CD-ROMs (devtype=cdrom,
 *                        ":cdrom", format "empty" or no target).  The
 *                        format is format= or a raw:/qcow2:/vhd: prefix,
 *                        else raw.  A relative target is relative to the
 *                        configuration file's directory (xl itself would
 *                        prepend /dev/).  Items using a block script
 *                        (drbd:, iscsi:, script=) are refused.  Disks
 *                        are ordered by vdev: disk index (xvda = hda =
 *                        sda = 0), then partition, then xvd, hd, sd.
 *   buses                a PV or PVH guest has only Xen PV devices: all
 *                        its disks are on the "xen" bus and its NICs are
 *                        "xen-netfront".  An HVM guest's xvdX disks are
 *                        "xen", hdX IDE (controller X/2, unit X%2), sdX
 *                        SCSI.
 *   vif                  mac= (absent: none, Xen made one up at each
 *                        boot), bridge= (absent: "xenbr0", xl's
 *                        default) as the network.  HVM NIC model:
 *                        model=, else "rtl8139" (QEMU's default under
 *                        Xen); type=vif (no emulated NIC) is
 *                        "xen-netfront".
 *
 * A vdev naming a partition (xvda1: xm guests whose disk images hold a
 * bare filesystem) is kept and warned about: such a disk has no
 * partition table or boot loader.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "errors.h"
#include "file-util.h"
#include "image-info.h"
#include "input.h"
#include "vector.h"
#include "vm.h"
#include "xl-parse.h"

#define MAX_MEMORY_MIB (64ULL * 1024 * 1024) /* 64 TiB */
#define MAX_VCPUS 4096
#define DEFAULT_BRIDGE "xenbr0"
#define DEFAULT_HVM_NIC "rtl8139"
#define PV_NIC "xen-netfront"
#define PROBE_BYTES (64 * 1024)

enum guest_type { GUEST_PV, GUEST_PVH, GUEST_HVM };

/* ---- probe, open, close ----------------------------------------- */

/* A text file (at most its first PROBE_BYTES, cut at a line end) that
 * parses as xl.cfg and sets name or disk.
 */
static bool
xen_probe (const char *source)
{
  CLEANUP_CLOSE int fd = -1;
  CLEANUP_FREE char *buf = NULL;
  struct stat st;
  struct xl *xl;
  ssize_t n;
  bool ok;

  if (ends_with_ci (source, ".vmx") || ends_with_ci (source, ".xml"))
    return false;
  fd = open (source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1 || fstat (fd, &st) == -1 || !S_ISREG (st.st_mode))
    return false;
  buf = malloc (PROBE_BYTES);
  if (buf == NULL)
    return false;
  n = read (fd, buf, PROBE_BYTES);
  if (n <= 0)
    return false;
  if (n == PROBE_BYTES && st.st_size > PROBE_BYTES) {
    const char *eol = memrchr (buf, '\n', n);

    if (eol == NULL)
      return false;
    n = eol - buf + 1;
  }
  xl = xl_parse_string (source, buf, n);
  clear_error ();
  if (xl == NULL)
    return false;
  ok = xl_has (xl, "name") || xl_has (xl, "disk");
  xl_free (xl);
  return ok;
}

static int
xen_open (struct input *in, const char *source)
{
  in->priv = xl_parse_file (source);
  return in->priv ? 0 : -1;
}

static void
xen_close (struct input *in)
{
  xl_free (in->priv);
  in->priv = NULL;
}

/* ---- scalar settings --------------------------------------------- */

static int
guest_type (const struct xl *xl, const char *source, enum guest_type *out)
{
  const char *type = xl_get (xl, "type");
  const char *builder = xl_get (xl, "builder");

  if (type) {
    if (strcmp (type, "pv") == 0)
      *out = GUEST_PV;
    else if (strcmp (type, "pvh") == 0)
      *out = GUEST_PVH;
    else if (strcmp (type, "hvm") == 0)
      *out = GUEST_HVM;
    else {
      set_error (0, "'%s' line %d: type = \"%s\" is not pv, pvh or hvm",
                 source, xl_line (xl, "type"), type);
      return -1;
    }
  }
  else if (builder) {
    if (strcmp (builder, "hvm") == 0)
      *out = GUEST_HVM;
    else if (strcmp (builder, "generic") == 0
             || strcmp (builder, "linux") == 0)
      *out = GUEST_PV;
    else {
      set_error (0,
                 "'%s' line %d: builder = \"%s\" is not hvm, generic or "
                 "linux",
                 source, xl_line (xl, "builder"), builder);
      return -1;
    }
  }
  else
    *out = GUEST_PV;
  return 0;
}

static enum vm_firmware
firmware (const struct xl *xl, enum guest_type type)
{
  const char *fw = xl_get (xl, "firmware");
  const char *bios = xl_get (xl, "bios");

  if (type == GUEST_HVM
      && ((fw && (strcmp (fw, "uefi") == 0 || strcmp (fw, "ovmf") == 0))
          || (bios && strcmp (bios, "ovmf") == 0)))
    return FIRMWARE_UEFI;
  return FIRMWARE_BIOS;
}

/* name, else the file name without ".cfg". */
static char *
vm_name (const struct xl *xl, const char *source)
{
  const char *name = xl_get (xl, "name");

  if (name && *name)
    return dup_or_null (name);
  return name_from_path (source, ".cfg");
}

static int
get_memory (struct input *in, const struct xl *xl, struct vm *out)
{
  unsigned long long mem = 0, max = 0;
  int have_mem, have_max;

  have_mem = xl_get_uint (xl, "memory", MAX_MEMORY_MIB, &mem);
  if (have_mem == -1)
    return -1;
  have_max = xl_get_uint (xl, "maxmem", MAX_MEMORY_MIB, &max);
  if (have_max == -1)
    return -1;
  if (!have_mem)
    mem = max;
  if (have_mem && mem == 0) {
    set_error (0, "'%s' line %d: memory = 0", in->source,
               xl_line (xl, "memory"));
    return -1;
  }
  if (have_mem && have_max && max > mem)
    input_warn (in,
                "'%s': maxmem = %llu: the guest could balloon up to %llu MiB "
                "under Xen; it gets memory = %llu MiB (set --memory to give "
                "it more)",
                in->source, max, max, mem);
  out->memory = (uint64_t) mem * 1024 * 1024;
  return 0;
}

static int
get_vcpus (struct input *in, const struct xl *xl, struct vm *out)
{
  unsigned long long n = 1, max = 0;
  int have_n, have_max;

  have_n = xl_get_uint (xl, "vcpus", MAX_VCPUS, &n);
  if (have_n == -1)
    return -1;
  have_max = xl_get_uint (xl, "maxvcpus", MAX_VCPUS, &max);
  if (have_max == -1)
    return -1;
  if (!have_n && have_max)
    n = max;
  if (n == 0) {
    set_error (0, "'%s' line %d: vcpus = 0", in->source,
               xl_line (xl, have_n ? "vcpus" : "maxvcpus"));
    return -1;
  }
  if (have_n && have_max && max > n)
    input_warn (in,
                "'%s': maxvcpus = %llu: CPUs could be added to the guest "
                "under Xen; it gets vcpus = %llu (set --vcpus to give it "
                "more)",
                in->source, max, n);
  out->vcpus = (unsigned) n;
  return 0;
}

static int
get_scalars (struct input *in, const struct xl *xl, enum guest_type *type,
             struct vm *out)
{
  const char *uuid = xl_get (xl, "uuid");
  const char *kernel = xl_get (xl, "kernel");

  out->source_type = dup_or_null ("xen");
  out->name = vm_name (xl, in->source);
  if (out->source_type == NULL || out->name == NULL)
    return -1;
  if (uuid) {
    out->uuid = vm_normalize_uuid (uuid);
    if (out->uuid == NULL) {
      prefix_error ("'%s' line %d: uuid", in->source, xl_line (xl, "uuid"));
      return -1;
    }
  }
  if (guest_type (xl, in->source, type) == -1)
    return -1;
  out->firmware = firmware (xl, *type);
  if (*type != GUEST_HVM && !xl_get (xl, "bootloader") && kernel && *kernel)
    input_warn (in,
                "'%s': the guest boots the kernel '%s' of the Xen host, not "
                "one of its own: the converted guest needs a kernel and a "
                "boot loader installed on its disk",
                in->source, kernel);
  if (get_memory (in, xl, out) == -1)
    return -1;
  return get_vcpus (in, xl, out);
}

/* ---- disks ------------------------------------------------------- */

struct disk_key {
  struct xl_vdev vdev;
  int family;   /* 0 xvd, 1 hd, 2 sd */
  size_t index; /* in out->disks before sorting */
};

DEFINE_VECTOR_TYPE (disk_key_vector, struct disk_key);

static int
disk_key_compare (const void *av, const void *bv)
{
  const struct disk_key *a = av, *b = bv;

  if (a->vdev.disk != b->vdev.disk)
    return a->vdev.disk < b->vdev.disk ? -1 : 1;
  if (a->vdev.part != b->vdev.part)
    return a->vdev.part < b->vdev.part ? -1 : 1;
  return (a->family > b->family) - (a->family < b->family);
}

/* Is this disk item a CD-ROM (not converted)? */
static bool
is_cdrom (const struct xl_disk *xd)
{
  return xd->cdrom || (xd->format && strcmp (xd->format, "empty") == 0)
         || xd->target == NULL || *xd->target == '\0';
}

/* Fills d (zeroed by the caller; freed by vm_clear on failure) from
 * xd, whose vdev is parsed in key.
 */
static int
describe_disk (struct input *in, const char *dir, enum guest_type type,
               const struct xl_disk *xd, const struct disk_key *key,
               struct vm_disk *d)
{
  struct stat st;

  d->controller = -1;
  d->unit = key->vdev.disk;
  if (type != GUEST_HVM || key->family == 0)
    d->bus = BUS_XEN;
  else if (key->family == 1) {
    d->bus = BUS_IDE;
    d->controller = key->vdev.disk / 2;
    d->unit = key->vdev.disk % 2;
    d->controller_model = dup_or_null ("ide");
    if (d->controller_model == NULL)
      return -1;
  }
  else {
    d->bus = BUS_SCSI;
    d->controller = 0;
  }

  d->format = dup_or_null (xd->format ? xd->format : "raw");
  d->path = path_join (dir, xd->target);
  if (d->format == NULL || d->path == NULL)
    return -1;
  /* stat follows symlinks: a dangling one is a missing file too. */
  if (stat (d->path, &st) == -1 && errno == ENOENT) {
    set_error (0, "'%s': disk '%s' file '%s' does not exist", in->source,
               xd->vdev, d->path);
    return -1;
  }
  if (image_capacity (d->path, d->format, &d->capacity) == -1) {
    prefix_error ("'%s': disk '%s'", in->source, xd->vdev);
    return -1;
  }
  if (key->vdev.part > 0)
    input_warn (in,
                "'%s': disk '%s' is a partition, not a whole disk: its "
                "image holds no partition table or boot loader, so the "
                "converted guest may not boot from it",
                in->source, xd->vdev);
  return 0;
}

/* Parses disk item spec; sets *skip for a CD-ROM. */
static int
parse_disk_item (struct input *in, const struct xl *xl, const char *spec,
                 struct xl_disk *xd, struct disk_key *key, bool *skip)
{
  static const char *const families[] = { "xvd", "hd", "sd" };

  *skip = false;
  if (xl_parse_disk (spec, xd) == -1)
    goto err;
  if (is_cdrom (xd)) {
    *skip = true;
    return 0;
  }
  if (xd->vdev == NULL || *xd->vdev == '\0') {
    set_error (0, "disk '%s' has no vdev", spec);
    goto err;
  }
  if (xd->script) {
    set_error (0,
               "disk '%s' is reached through the block script '%s': "
               "vmshift reads only files and block devices (attach it on "
               "this host and name the device)",
               spec, xd->script);
    goto err;
  }
  if (xl_parse_vdev (xd->vdev, &key->vdev) == -1)
    goto err;
  for (size_t i = 0; i < 3; ++i) {
    if (strcmp (key->vdev.family, families[i]) == 0)
      key->family = i;
  }
  return 0;

err:
  prefix_error ("'%s' line %d", in->source, xl_line (xl, "disk"));
  return -1;
}

/* Moves out->disks into the order of the sorted keys. */
static int
reorder_disks (struct vm *out, const disk_key_vector *keys)
{
  struct vm_disk *sorted;

  if (keys->len < 2)
    return 0;
  sorted = malloc (keys->len * sizeof *sorted);
  if (sorted == NULL) {
    set_error (errno, "malloc");
    return -1;
  }
  for (size_t i = 0; i < keys->len; ++i)
    sorted[i] = out->disks.ptr[keys->ptr[i].index];
  memcpy (out->disks.ptr, sorted, keys->len * sizeof *sorted);
  free (sorted);
  return 0;
}

static int
get_disks (struct input *in, const struct xl *xl, enum guest_type type,
           struct vm *out)
{
  CLEANUP_FREE char *dir = source_dir (in->source);
  disk_key_vector keys = empty_vector;
  char *const *items;
  size_t n = xl_get_list (xl, "disk", &items);
  int ret = dir ? 0 : -1;

  for (size_t i = 0; ret == 0 && i < n; ++i) {
    struct xl_disk xd;
    struct disk_key key = { .index = out->disks.len };
    struct vm_disk d = { 0 };
    bool skip;

    ret = parse_disk_item (in, xl, items[i], &xd, &key, &skip);
    for (size_t j = 0; ret == 0 && !skip && j < keys.len; ++j) {
      const struct xl_vdev *v = &keys.ptr[j].vdev;

      if (v->disk == key.vdev.disk && v->part == key.vdev.part) {
        set_error (0, "'%s' line %d: two disks are the guest's '%s'",
                   in->source, xl_line (xl, "disk"), xd.vdev);
        ret = -1;
      }
    }
    /* Appended first so that vm_clear frees whatever it holds. */
    if (ret == 0 && !skip
        && (vm_disk_vector_append (&out->disks, d) == -1
            || disk_key_vector_append (&keys, key) == -1)) {
      set_error (errno, "out of memory");
      ret = -1;
    }
    if (ret == 0 && !skip)
      ret = describe_disk (in, dir, type, &xd, &key,
                           &out->disks.ptr[out->disks.len - 1]);
    xl_disk_clear (&xd);
  }
  if (ret == 0 && keys.len > 0) {
    qsort (keys.ptr, keys.len, sizeof keys.ptr[0], disk_key_compare);
    ret = reorder_disks (out, &keys);
  }
  free (keys.ptr);
  return ret;
}

/* ---- NICs -------------------------------------------------------- */

static int
describe_nic (struct input *in, const struct xl *xl, enum guest_type type,
              const char *spec, struct vm_nic *nic)
{
  struct xl_vif v;
  const char *model;
  int ret = -1;

  if (xl_parse_vif (spec, &v) == -1)
    goto out;
  if (v.mac && *v.mac) {
    nic->mac = vm_normalize_mac (v.mac);
    if (nic->mac == NULL)
      goto out;
  }
  if (type != GUEST_HVM || (v.type && strcmp (v.type, "vif") == 0))
    model = PV_NIC;
  else
    model = v.model && *v.model ? v.model : DEFAULT_HVM_NIC;
  nic->model = dup_or_null (model);
  nic->network
      = dup_or_null (v.bridge && *v.bridge ? v.bridge : DEFAULT_BRIDGE);
  if (nic->model && nic->network)
    ret = 0;

out:
  if (ret == -1)
    prefix_error ("'%s' line %d", in->source, xl_line (xl, "vif"));
  xl_vif_clear (&v);
  return ret;
}

static int
get_nics (struct input *in, const struct xl *xl, enum guest_type type,
          struct vm *out)
{
  char *const *items;
  size_t n = xl_get_list (xl, "vif", &items);

  for (size_t i = 0; i < n; ++i) {
    struct vm_nic nic = { .pci_slot = -1 };

    if (vm_nic_vector_append (&out->nics, nic) == -1) {
      set_error (errno, "out of memory");
      return -1;
    }
    if (describe_nic (in, xl, type, items[i],
                      &out->nics.ptr[out->nics.len - 1])
        == -1)
      return -1;
  }
  return 0;
}

/* ---- describe ---------------------------------------------------- */

static int
xen_describe (struct input *in, struct vm *out)
{
  const struct xl *xl = in->priv;
  enum guest_type type;

  if (get_scalars (in, xl, &type, out) == -1)
    return -1;
  if (get_disks (in, xl, type, out) == -1)
    return -1;
  return get_nics (in, xl, type, out);
}

const struct input_ops xen_input_ops = {
  .name = "xen",
  .probe = xen_probe,
  .open = xen_open,
  .describe = xen_describe,
  .close = xen_close,
};
