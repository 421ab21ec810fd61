/* vmshift: the disk input driver: a plain disk image, no configuration.
 *
 * SOURCE is one image file (or block device) in a format QEMU reads.
 * The format is told from the image's own magic, never from QEMU's
 * probing alone: qcow2, vmdk (sparse "KDMV" or a text descriptor), vhdx,
 * vpc (VHD: "conectix" in the header or footer), vdi, qed; anything else
 * with a partition table or a disk image extension is raw.  Choices,
 * since there is nothing to read them from:
 *
 *   name      the file name without its extension
 *   memory    2048 MiB, 2 vCPUs: what a server disk image expects more
 *             than the 1 GiB / 1 vCPU used when a config omits them
 *   firmware  from the partition table: GPT with an EFI system
 *             partition is UEFI; MBR, GPT with a BIOS boot partition and
 *             no ESP, or no table at all is BIOS
 *   NICs      one, with no MAC (libvirt picks one, and a warning says to
 *             pass --mac to keep the guest's interface name pinned)
 *   bus       unknown (the conversion puts it on virtio anyway)
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanups.h"
#include "copy-engine.h"
#include "errors.h"
#include "image-info.h"
#include "input.h"
#include "partition-table.h"
#include "vm.h"

#define DEFAULT_MEMORY ((uint64_t) 2048 << 20)
#define DEFAULT_VCPUS 2
#define MAGIC_BYTES 4096

struct disk_input {
  char *path;   /* canonical; owned */
  char *format; /* QEMU format name; owned */
};

static const char *const raw_extensions[] = {
  ".img",
  ".raw",
  ".dsk",
};

/* The format named by the image's magic, or NULL. */
static const char *
magic_format (int fd, const uint8_t *buf, size_t n, const struct stat *st)
{
  uint8_t footer[512];

  if (n >= 4 && memcmp (buf, "QFI\xfb", 4) == 0)
    return "qcow2";
  if (n >= 4 && memcmp (buf, "QED\0", 4) == 0)
    return "qed";
  if (n >= 4 && memcmp (buf, "KDMV", 4) == 0)
    return "vmdk";
  if (n >= 21 && memcmp (buf, "# Disk DescriptorFile", 21) == 0)
    return "vmdk";
  if (n >= 8 && memcmp (buf, "vhdxfile", 8) == 0)
    return "vhdx";
  if (n >= 8 && memcmp (buf, "conectix", 8) == 0)
    return "vpc";
  if (n >= 68 && buf[64] == 0x7f && buf[65] == 0x10 && buf[66] == 0xda
      && buf[67] == 0xbe)
    return "vdi";
  /* A fixed VHD has its "conectix" footer only at the end. */
  if (S_ISREG (st->st_mode) && st->st_size >= 512
      && pread (fd, footer, sizeof footer, st->st_size - 512) == 512
      && memcmp (footer, "conectix", 8) == 0)
    return "vpc";
  return NULL;
}

static bool
has_raw_extension (const char *path)
{
  size_t len = strlen (path);

  for (size_t i = 0; i < sizeof raw_extensions / sizeof raw_extensions[0];
       ++i) {
    size_t el = strlen (raw_extensions[i]);
    if (len > el && strcasecmp (path + len - el, raw_extensions[i]) == 0)
      return true;
  }
  return false;
}

/* Reads the magic; sets *format (static) or NULL if not a disk image. */
static int
detect (const char *path, const char **format)
{
  CLEANUP_CLOSE int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  uint8_t buf[MAGIC_BYTES];
  struct stat st;
  ssize_t n;

  *format = NULL;
  if (fd == -1) {
    set_error (errno, "could not open '%s'", path);
    return -1;
  }
  if (fstat (fd, &st) == -1) {
    set_error (errno, "'%s'", path);
    return -1;
  }
  if (!S_ISREG (st.st_mode) && !S_ISBLK (st.st_mode)) {
    set_error (0, "'%s' is not a file or block device", path);
    return -1;
  }
  n = pread (fd, buf, sizeof buf, 0);
  if (n == -1) {
    set_error (errno, "read: '%s'", path);
    return -1;
  }
  *format = magic_format (fd, buf, n, &st);
  if (*format == NULL
      && (S_ISBLK (st.st_mode) || has_raw_extension (path)
          || (n >= 512 && buf[510] == 0x55 && buf[511] == 0xaa)))
    *format = "raw";
  return 0;
}

static bool
disk_probe (const char *source)
{
  const char *format;

  if (detect (source, &format) == -1) {
    clear_error ();
    return false;
  }
  return format != NULL;
}

static int
disk_open (struct input *in, const char *source)
{
  struct disk_input *d = calloc (1, sizeof *d);
  const char *format;

  if (d == NULL)
    goto err0;
  d->path = realpath (source, NULL);
  if (d->path == NULL) {
    set_error (errno, "'%s'", source);
    goto err1;
  }
  if (detect (d->path, &format) == -1)
    goto err2;
  if (format == NULL) {
    set_error (0,
               "'%s' is not a disk image vmshift recognises "
               "(qcow2, vmdk, vhdx, vhd, vdi, qed, or raw with a "
               "partition table)",
               source);
    goto err2;
  }
  d->format = strdup (format);
  if (d->format == NULL)
    goto err2;
  in->priv = d;
  return 0;

err2:
  free (d->path);
err1:
  free (d);
  return -1;
err0:
  set_error (errno, "calloc");
  return -1;
}

/* The file name without directory and extension. */
static char *
name_from_path (const char *path)
{
  const char *base = strrchr (path, '/');
  const char *dot;

  base = base ? base + 1 : path;
  dot = strrchr (base, '.');
  if (dot == NULL || dot == base)
    return strdup (base);
  return strndup (base, dot - base);
}

static int
disk_describe (struct input *in, struct vm *out)
{
  struct disk_input *d = in->priv;
  CLEANUP_FREE uint8_t *head = malloc (PTABLE_HEAD_BYTES);
  struct ptable *pt = NULL;
  uint64_t size;
  struct vm_disk disk = { .bus = BUS_UNKNOWN, .controller = -1, .unit = -1 };
  struct vm_nic nic = { .pci_slot = -1 };

  if (head == NULL)
    goto nomem;
  /* Before QEMU opens the chain (each image in it costs it memory). */
  if (image_check_chain (d->path) == -1)
    return -1;
  if (image_read_head (d->path, d->format, head, PTABLE_HEAD_BYTES, &size)
      == -1) {
    prefix_error ("'%s' (as %s)", d->path, d->format);
    return -1;
  }
  pt = malloc (sizeof *pt);
  if (pt == NULL)
    goto nomem;
  out->firmware = FIRMWARE_BIOS;
  if (ptable_parse (head, PTABLE_HEAD_BYTES, size, pt) == -1) {
    input_warn (in,
                "'%s': could not read its partition table (%s): "
                "assuming BIOS",
                d->path, get_error ());
    clear_error ();
  }
  else if (pt->type == PTABLE_GPT && ptable_find (pt, PART_ESP))
    out->firmware = FIRMWARE_UEFI;
  free (pt);

  out->source_type = strdup ("disk");
  out->name = name_from_path (d->path);
  out->memory = DEFAULT_MEMORY;
  out->vcpus = DEFAULT_VCPUS;
  disk.path = strdup (d->path);
  disk.format = strdup (d->format);
  disk.capacity = size;
  nic.model = strdup ("virtio");
  if (!out->source_type || !out->name || !disk.path || !disk.format
      || !nic.model)
    goto nomem_disk;
  if (vm_disk_vector_append (&out->disks, disk) == -1)
    goto nomem_disk;
  if (vm_nic_vector_append (&out->nics, nic) == -1) {
    free (nic.model);
    goto nomem;
  }
  input_warn (in,
              "a plain disk has no configuration: %s firmware from its "
              "partition table, 2048 MiB, 2 vCPUs and one NIC whose MAC "
              "libvirt chooses (use --memory, --vcpus and --mac to set "
              "them; --mac keeps the guest's interface name pinned)",
              vm_firmware_name (out->firmware));
  return 0;

nomem_disk:
  free (disk.path);
  free (disk.format);
  free (nic.model);
nomem:
  set_error (errno ? errno : ENOMEM, "out of memory");
  return -1;
}

static void
disk_close (struct input *in)
{
  struct disk_input *d = in->priv;

  if (d) {
    free (d->path);
    free (d->format);
    free (d);
  }
}

const struct input_ops disk_input_ops = {
  .name = "disk",
  .probe = disk_probe,
  .open = disk_open,
  .describe = disk_describe,
  .close = disk_close,
};
