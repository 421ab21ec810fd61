/* vmshift: the vmx input driver: a VMware .vmx file and its disks.
 *
 * Reads what VMware Workstation, Fusion and ESXi write (see
 * vmx-parse.h for the syntax) and describes the machine in the
 * neutral model.  Choices where VMware leaves a key out:
 *
 *   memsize absent       1024 MiB.  VMware's own built-in default is
 *                        far too small to boot anything (virt-v2v uses
 *                        32 MiB); 1024 MiB boots any guest VMware's
 *                        wizards would have created.
 *   numvcpus absent      1, as VMware.
 *   firmware             "efi" is UEFI; anything else (or absent) BIOS.
 *   DEV.present absent   the device is not there, as in VMware: only
 *                        "TRUE" counts.
 *   scsiX.present etc.   a disk is skipped only when its controller is
 *                        explicitly not present; IDE has no such key.
 *   ethernetN.virtualDev absent: "e1000" (what VMware gives 64 bit
 *                        guests when it writes no virtualDev).
 *   network              networkName (ESXi), else vnet (Workstation
 *                        custom), else connectionType ("nat", ...).
 *
 * Disks are ordered so the first is the boot disk: the devices named
 * in bios.hddOrder first, in that order, then by bus (SCSI, SATA,
 * NVMe, IDE: the bus VMware's wizards put the system disk on, IDE being
 * legacy guests only), then controller, then unit.  NICs are ordered
 * by N of ethernetN.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "disk-file.h"
#include "errors.h"
#include "file-util.h"
#include "image-info.h"
#include "input.h"
#include "vector.h"
#include "vm.h"
#include "vmdk.h"
#include "vmx-parse.h"

#define DEFAULT_MEMORY_MIB 1024
#define MAX_MEMORY_MIB (64LL * 1024 * 1024) /* 64 TiB */
#define MAX_VCPUS 4096
#define DEFAULT_NIC_MODEL "e1000"
#define PROBE_BYTES 4096

struct vmx_input {
  struct vmx *vmx;
  char *dir; /* canonical directory of the .vmx; owned */
};

/* The buses a disk can be on, in boot order. */
static const struct bus_info {
  const char *prefix; /* as in scsi0:0 */
  enum vm_bus bus;
  bool has_controller; /* scsi0.present is meaningful */
  const char *model;   /* controller model; NULL: scsiX.virtualDev */
} buses[] = {
  { "scsi", BUS_SCSI, true, NULL },
  { "sata", BUS_SATA, true, "ahci" },
  { "nvme", BUS_NVME, true, "nvme" },
  { "ide", BUS_IDE, false, "ide" },
};
#define NR_BUSES (sizeof buses / sizeof buses[0])

/* deviceType values that are not hard disks. */
static const char *const not_disks[] = {
  "cdrom-image",
  "cdrom-raw",
  "atapi-cdrom",
  "scsi-passthru",
};

struct device {
  const struct bus_info *bus;
  int controller, unit; /* X and Y of scsiX:Y */
  int order;            /* position in bios.hddOrder, or INT_MAX */
  char label[32];       /* "scsi0:0" */
};

DEFINE_VECTOR_TYPE (device_vector, struct device);
DEFINE_VECTOR_TYPE (int_vector, int);

/* Parses 1 to 4 decimal digits at *p. */
static bool
parse_small (const char **p, int *out)
{
  int n = 0, digits = 0;

  while (**p >= '0' && **p <= '9' && digits < 5) {
    n = n * 10 + (**p - '0');
    (*p)++;
    digits++;
  }
  *out = n;
  return digits > 0 && digits < 5;
}

/* ---- probe, open, close ----------------------------------------- */

static bool
vmx_probe (const char *source)
{
  static const char *const keys[] = {
    ".encoding",
    "config.version",
    "virtualhw.version",
    "displayname",
  };
  CLEANUP_CLOSE int fd = -1;
  char buf[PROBE_BYTES];
  struct stat st;
  struct vmx *vmx;
  const char *p, *end, *eol, *key, *value;
  size_t pos = 0;
  ssize_t n;
  bool ok = false;

  if (ends_with_ci (source, ".vmx"))
    return true;
  fd = open (source, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd == -1 || fstat (fd, &st) == -1 || !S_ISREG (st.st_mode))
    return false;
  n = read (fd, buf, sizeof buf);
  if (n <= 0)
    return false;

  /* Everything up to the end of the first line that is not blank or a
   * comment.
   */
  end = buf + n;
  for (p = buf;; p = eol + 1) {
    const char *q = p;

    if (p >= end)
      return false;
    eol = memchr (p, '\n', end - p);
    if (eol == NULL) {
      if ((size_t) n == sizeof buf)
        return false; /* too long a line to be a .vmx setting */
      eol = end;
    }
    if (q == buf && eol - q >= 3 && memcmp (q, "\xef\xbb\xbf", 3) == 0)
      q += 3;
    while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
      q++;
    if (q < eol && *q != '#')
      break;
  }

  vmx = vmx_parse_string (source, buf, eol - buf);
  if (vmx == NULL)
    return false;
  if (vmx_next (vmx, "", &pos, &key, &value)) {
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
      ok = ok || strcmp (key, keys[i]) == 0;
  }
  vmx_free (vmx);
  return ok;
}

static int
vmx_open (struct input *in, const char *source)
{
  struct vmx_input *h;

  h = calloc (1, sizeof *h);
  if (h == NULL) {
    set_error (errno, "calloc");
    goto err0;
  }
  h->vmx = vmx_parse_file (source);
  if (h->vmx == NULL)
    goto err1;
  h->dir = source_dir (source);
  if (h->dir == NULL)
    goto err2;
  in->priv = h;
  return 0;

err2:
  vmx_free (h->vmx);
err1:
  free (h);
err0:
  return -1;
}

static void
vmx_close (struct input *in)
{
  struct vmx_input *h = in->priv;

  if (h == NULL)
    return;
  vmx_free (h->vmx);
  free (h->dir);
  free (h);
  in->priv = NULL;
}

/* ---- scalar settings --------------------------------------------- */

static char *
lowercase_dup (const char *s)
{
  char *r = dup_or_null (s);

  for (char *p = r; p && *p; ++p) {
    if (*p >= 'A' && *p <= 'Z')
      *p += 'a' - 'A';
  }
  return r;
}

/* displayName, else the file name without ".vmx". */
static char *
vm_name (const struct vmx *vmx, const char *source)
{
  const char *name = vmx_get (vmx, "displayName");

  if (name && *name)
    return dup_or_null (name);
  return name_from_path (source, ".vmx");
}

static int
get_scalars (const struct vmx *vmx, const char *source, struct vm *out)
{
  const char *uuid = vmx_get (vmx, "uuid.bios");
  const char *fw = vmx_get (vmx, "firmware");
  long long mib = DEFAULT_MEMORY_MIB, vcpus = 1;

  out->source_type = dup_or_null ("vmx");
  out->name = vm_name (vmx, source);
  if (out->source_type == NULL || out->name == NULL)
    return -1;
  if (uuid) {
    out->uuid = vm_normalize_uuid (uuid);
    if (out->uuid == NULL) {
      prefix_error ("'%s': uuid.bios", source);
      return -1;
    }
  }
  if (vmx_get_int (vmx, "memsize", &mib) == -1)
    return -1;
  if (mib <= 0 || mib > MAX_MEMORY_MIB) {
    set_error (0,
               "'%s': memsize = \"%s\" is not an amount of memory in "
               "MiB",
               source, vmx_get (vmx, "memsize"));
    return -1;
  }
  out->memory = (uint64_t) mib * 1024 * 1024;
  if (vmx_get_int (vmx, "numvcpus", &vcpus) == -1)
    return -1;
  if (vcpus < 1 || vcpus > MAX_VCPUS) {
    set_error (0,
               "'%s': numvcpus = \"%s\" is not a number of CPUs "
               "(1 to %d)",
               source, vmx_get (vmx, "numvcpus"), MAX_VCPUS);
    return -1;
  }
  out->vcpus = (unsigned) vcpus;
  out->firmware
      = fw && strcasecmp (fw, "efi") == 0 ? FIRMWARE_UEFI : FIRMWARE_BIOS;
  if (vmx_get (vmx, "guestOS")) {
    out->os_hint = dup_or_null (vmx_get (vmx, "guestOS"));
    if (out->os_hint == NULL)
      return -1;
  }
  return 0;
}

/* ---- disks ------------------------------------------------------- */

/* Position of label in bios.hddOrder ("scsi0:1,scsi0:0"), or INT_MAX. */
static int
hdd_order (const struct vmx *vmx, const char *label)
{
  const char *list = vmx_get (vmx, "bios.hddOrder");
  size_t len = strlen (label);
  int i = 0;

  for (const char *p = list; p && *p; ++i) {
    const char *comma = strchr (p, ',');
    const char *end = comma ? comma : p + strlen (p);

    while (p < end && *p == ' ')
      p++;
    while (end > p && end[-1] == ' ')
      end--;
    if ((size_t) (end - p) == len && strncasecmp (p, label, len) == 0)
      return i;
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  return INT_MAX;
}

static int
device_compare (const void *av, const void *bv)
{
  const struct device *a = av, *b = bv;

  if (a->order != b->order)
    return a->order < b->order ? -1 : 1;
  if (a->bus != b->bus)
    return a->bus < b->bus ? -1 : 1;
  if (a->controller != b->controller)
    return a->controller < b->controller ? -1 : 1;
  return (a->unit > b->unit) - (a->unit < b->unit);
}

/* Is this present key ("scsi0:1.present") a hard disk to convert? */
static bool
is_disk (const struct vmx *vmx, const struct device *d)
{
  char key[64];
  const char *type;

  if (d->bus->has_controller) {
    snprintf (key, sizeof key, "%s%d.present", d->bus->prefix, d->controller);
    if (!vmx_get_bool (vmx, key, true))
      return false;
  }
  snprintf (key, sizeof key, "%s.deviceType", d->label);
  type = vmx_get (vmx, key);
  for (size_t i = 0; type && i < sizeof not_disks / sizeof not_disks[0]; ++i) {
    if (strcasecmp (type, not_disks[i]) == 0)
      return false;
  }
  return true;
}

/* Finds the present hard disks, in boot order. */
static int
find_devices (const struct vmx *vmx, device_vector *devs)
{
  for (size_t b = 0; b < NR_BUSES; ++b) {
    const char *key, *value;
    size_t pos = 0;

    while (vmx_next (vmx, buses[b].prefix, &pos, &key, &value)) {
      const char *p = key + strlen (buses[b].prefix);
      struct device d = { .bus = &buses[b] };

      if (!parse_small (&p, &d.controller) || *p++ != ':'
          || !parse_small (&p, &d.unit) || strcmp (p, ".present") != 0
          || !vmx_get_bool (vmx, key, false))
        continue;
      snprintf (d.label, sizeof d.label, "%s%d:%d", buses[b].prefix,
                d.controller, d.unit);
      d.order = hdd_order (vmx, d.label);
      if (!is_disk (vmx, &d))
        continue;
      if (device_vector_append (devs, d) == -1) {
        set_error (errno, "out of memory");
        return -1;
      }
    }
  }
  if (devs->len > 0)
    qsort (devs->ptr, devs->len, sizeof devs->ptr[0], device_compare);
  return 0;
}

/* Fills disk d (zeroed by the caller; freed by vm_clear on failure). */
static int
describe_disk (const struct vmx_input *h, const char *source,
               const struct device *dev, struct vm_disk *d)
{
  char key[64];
  const char *file, *model;

  d->bus = dev->bus->bus;
  d->controller = dev->controller;
  d->unit = dev->unit;

  snprintf (key, sizeof key, "%s.fileName", dev->label);
  file = vmx_get (h->vmx, key);
  if (file == NULL || *file == '\0') {
    set_error (0, "'%s': disk '%s' has no fileName", source, dev->label);
    return -1;
  }
  d->path = path_join (h->dir, file);
  if (d->path == NULL)
    return -1;

  model = dev->bus->model;
  if (model == NULL) {
    snprintf (key, sizeof key, "%s%d.virtualDev", dev->bus->prefix,
              dev->controller);
    model = vmx_get (h->vmx, key);
  }
  if (model) {
    d->controller_model = lowercase_dup (model);
    if (d->controller_model == NULL)
      return -1;
  }

  if (disk_file_exists (source, dev->label, d->path) == -1)
    return -1;

  /* The name decides, never the content: a raw disk's first sector is
   * the guest's to write, and must not be able to pass for a VMDK.
   */
  if (ends_with_ci (d->path, ".vmdk")) {
    d->format = dup_or_null ("vmdk");
    if (d->format == NULL)
      return -1;
    if (vmdk_check_chain (d->path, &d->capacity, NULL) == -1) {
      prefix_error ("'%s': disk '%s'", source, dev->label);
      return -1;
    }
    return 0;
  }
  d->format = dup_or_null ("raw");
  if (d->format == NULL)
    return -1;
  if (image_capacity (d->path, "raw", &d->capacity) == -1) {
    prefix_error ("'%s': disk '%s'", source, dev->label);
    return -1;
  }
  return 0;
}

static int
get_disks (const struct vmx_input *h, const char *source, struct vm *out)
{
  device_vector devs = empty_vector;
  int ret = 0;

  if (find_devices (h->vmx, &devs) == -1)
    ret = -1;
  for (size_t i = 0; ret == 0 && i < devs.len; ++i) {
    struct vm_disk d = { 0 };

    /* Appended first so that vm_clear frees whatever it holds. */
    if (vm_disk_vector_append (&out->disks, d) == -1) {
      set_error (errno, "out of memory");
      ret = -1;
    }
    else
      ret = describe_disk (h, source, &devs.ptr[i],
                           &out->disks.ptr[out->disks.len - 1]);
  }
  free (devs.ptr);
  return ret;
}

/* ---- NICs -------------------------------------------------------- */

static int
int_compare (const void *av, const void *bv)
{
  int a = *(const int *) av, b = *(const int *) bv;

  return (a > b) - (a < b);
}

static int
describe_nic (const struct vmx *vmx, const char *source, int n,
              struct vm_nic *nic)
{
  char key[64];
  const char *type, *addr, *generated, *mac, *net;
  long long slot = -1;

  snprintf (key, sizeof key, "ethernet%d.addressType", n);
  type = vmx_get (vmx, key);
  snprintf (key, sizeof key, "ethernet%d.address", n);
  addr = vmx_get (vmx, key);
  snprintf (key, sizeof key, "ethernet%d.generatedAddress", n);
  generated = vmx_get (vmx, key);
  if (type && strcasecmp (type, "static") == 0)
    mac = addr ? addr : generated;
  else
    mac = generated ? generated : addr;
  if (mac) {
    nic->mac = vm_normalize_mac (mac);
    if (nic->mac == NULL) {
      prefix_error ("'%s': ethernet%d", source, n);
      return -1;
    }
  }

  snprintf (key, sizeof key, "ethernet%d.virtualDev", n);
  nic->model = lowercase_dup (vmx_get (vmx, key));
  if (nic->model == NULL)
    nic->model = dup_or_null (DEFAULT_NIC_MODEL);
  if (nic->model == NULL)
    return -1;

  snprintf (key, sizeof key, "ethernet%d.networkName", n);
  net = vmx_get (vmx, key);
  if (net == NULL || *net == '\0') {
    snprintf (key, sizeof key, "ethernet%d.vnet", n);
    net = vmx_get (vmx, key);
  }
  if (net == NULL || *net == '\0') {
    snprintf (key, sizeof key, "ethernet%d.connectionType", n);
    net = vmx_get (vmx, key);
  }
  if (net && *net) {
    nic->network = dup_or_null (net);
    if (nic->network == NULL)
      return -1;
  }

  snprintf (key, sizeof key, "ethernet%d.pciSlotNumber", n);
  if (vmx_get_int (vmx, key, &slot) == -1)
    return -1;
  if (slot < -1 || slot > INT_MAX) {
    set_error (0, "'%s': %s = \"%s\" is not a PCI slot number", source, key,
               vmx_get (vmx, key));
    return -1;
  }
  nic->pci_slot = (int) slot;
  return 0;
}

static int
get_nics (const struct vmx *vmx, const char *source, struct vm *out)
{
  int_vector ns = empty_vector;
  const char *key, *value;
  size_t pos = 0;
  int ret = 0;

  while (ret == 0 && vmx_next (vmx, "ethernet", &pos, &key, &value)) {
    const char *p = key + strlen ("ethernet");
    int n;

    if (!parse_small (&p, &n) || strcmp (p, ".present") != 0
        || !vmx_get_bool (vmx, key, false))
      continue;
    if (int_vector_append (&ns, n) == -1) {
      set_error (errno, "out of memory");
      ret = -1;
    }
  }
  if (ret == 0 && ns.len > 0)
    qsort (ns.ptr, ns.len, sizeof ns.ptr[0], int_compare);
  for (size_t i = 0; ret == 0 && i < ns.len; ++i) {
    struct vm_nic nic = { .pci_slot = -1 };

    if (vm_nic_vector_append (&out->nics, nic) == -1) {
      set_error (errno, "out of memory");
      ret = -1;
    }
    else
      ret = describe_nic (vmx, source, ns.ptr[i],
                          &out->nics.ptr[out->nics.len - 1]);
  }
  free (ns.ptr);
  return ret;
}

/* ---- describe ---------------------------------------------------- */

static int
vmx_describe (struct input *in, struct vm *out)
{
  const struct vmx_input *h = in->priv;

  if (get_scalars (h->vmx, in->source, out) == -1)
    return -1;
  if (get_disks (h, in->source, out) == -1)
    return -1;
  return get_nics (h->vmx, in->source, out);
}

const struct input_ops vmx_input_ops = {
  .name = "vmx",
  .probe = vmx_probe,
  .open = vmx_open,
  .describe = vmx_describe,
  .close = vmx_close,
};
