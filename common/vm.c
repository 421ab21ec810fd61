/* vmshift: the neutral VM model (vm.h). */
#include <config.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "json.h"
#include "vm.h"

void
vm_clear (struct vm *vm)
{
  for (size_t i = 0; i < vm->disks.len; ++i) {
    free (vm->disks.ptr[i].path);
    free (vm->disks.ptr[i].format);
    free (vm->disks.ptr[i].controller_model);
  }
  vm_disk_vector_reset (&vm->disks);
  for (size_t i = 0; i < vm->nics.len; ++i) {
    free (vm->nics.ptr[i].mac);
    free (vm->nics.ptr[i].model);
    free (vm->nics.ptr[i].network);
  }
  vm_nic_vector_reset (&vm->nics);
  free (vm->source_type);
  free (vm->name);
  free (vm->uuid);
  free (vm->os_hint);
  memset (vm, 0, sizeof *vm);
}

const char *
vm_firmware_name (enum vm_firmware fw)
{
  switch (fw) {
    case FIRMWARE_BIOS: return "bios";
    case FIRMWARE_UEFI: return "uefi";
    case FIRMWARE_UNKNOWN: break;
  }
  return "unknown";
}

const char *
vm_bus_name (enum vm_bus bus)
{
  switch (bus) {
    case BUS_IDE: return "ide";
    case BUS_SCSI: return "scsi";
    case BUS_SATA: return "sata";
    case BUS_NVME: return "nvme";
    case BUS_VIRTIO: return "virtio";
    case BUS_XEN: return "xen";
    case BUS_UNKNOWN: break;
  }
  return "unknown";
}

static void
write_disk (const struct vm_disk *d, FILE *fp)
{
  fputs ("    {\n      \"path\": ", fp);
  json_write_string (fp, d->path);
  fputs (",\n      \"format\": ", fp);
  json_write_string (fp, d->format);
  fprintf (fp, ",\n      \"bus\": \"%s\",\n", vm_bus_name (d->bus));
  fprintf (fp, "      \"controller\": %d,\n      \"unit\": %d,\n",
           d->controller, d->unit);
  fputs ("      \"controller_model\": ", fp);
  json_write_string (fp, d->controller_model);
  fprintf (fp, ",\n      \"capacity\": %" PRIu64, d->capacity);
  if (d->import)
    fputs (",\n      \"import\": true", fp);
  fputs ("\n    }", fp);
}

static void
write_nic (const struct vm_nic *n, FILE *fp)
{
  fputs ("    {\n      \"mac\": ", fp);
  json_write_string (fp, n->mac);
  fputs (",\n      \"model\": ", fp);
  json_write_string (fp, n->model);
  fputs (",\n      \"network\": ", fp);
  json_write_string (fp, n->network);
  fprintf (fp, ",\n      \"pci_slot\": %d\n    }", n->pci_slot);
}

int
vm_write_json (const struct vm *vm, FILE *fp)
{
  fputs ("{\n  \"source_type\": ", fp);
  json_write_string (fp, vm->source_type);
  fputs (",\n  \"name\": ", fp);
  json_write_string (fp, vm->name);
  fputs (",\n  \"uuid\": ", fp);
  json_write_string (fp, vm->uuid);
  fprintf (fp, ",\n  \"memory\": %" PRIu64 ",\n  \"vcpus\": %u,\n", vm->memory,
           vm->vcpus);
  fprintf (fp, "  \"firmware\": \"%s\",\n  \"os_hint\": ",
           vm_firmware_name (vm->firmware));
  json_write_string (fp, vm->os_hint);
  fputs (",\n  \"disks\": [", fp);
  for (size_t i = 0; i < vm->disks.len; ++i) {
    fputs (i ? ",\n" : "\n", fp);
    write_disk (&vm->disks.ptr[i], fp);
  }
  fputs (vm->disks.len ? "\n  ],\n  \"nics\": [" : "],\n  \"nics\": [", fp);
  for (size_t i = 0; i < vm->nics.len; ++i) {
    fputs (i ? ",\n" : "\n", fp);
    write_nic (&vm->nics.ptr[i], fp);
  }
  fputs (vm->nics.len ? "\n  ]\n}\n" : "]\n}\n", fp);
  if (ferror (fp)) {
    set_error (0, "could not write the VM description");
    return -1;
  }
  return 0;
}

char *
vm_normalize_mac (const char *mac)
{
  char out[18];
  size_t n = 0;

  for (const char *p = mac; *p; ++p) {
    if (*p == ':' || *p == '-')
      continue;
    if (!isxdigit ((unsigned char) *p) || n >= 12)
      goto bad;
    if (n > 0 && n % 2 == 0)
      out[n / 2 * 3 - 1] = ':';
    out[n / 2 * 3 + n % 2] = tolower ((unsigned char) *p);
    n++;
  }
  if (n != 12)
    goto bad;
  out[17] = '\0';
  return strdup (out);

bad:
  set_error (0, "'%s' is not a MAC address", mac);
  return NULL;
}

char *
vm_normalize_uuid (const char *uuid)
{
  char hex[33];
  size_t n = 0;
  char *out;

  for (const char *p = uuid; *p; ++p) {
    if (*p == ' ' || *p == '-' || *p == '{' || *p == '}')
      continue;
    if (!isxdigit ((unsigned char) *p) || n >= 32)
      goto bad;
    hex[n++] = tolower ((unsigned char) *p);
  }
  if (n != 32)
    goto bad;
  hex[32] = '\0';
  if (asprintf (&out, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12,
                hex + 16, hex + 20)
      == -1) {
    set_error (errno, "asprintf");
    return NULL;
  }
  return out;

bad:
  set_error (0, "'%s' is not a UUID", uuid);
  return NULL;
}
