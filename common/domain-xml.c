/* vmshift: libvirt domain XML (domain-xml.h), written with libxml2. */
#include <config.h>

#include <inttypes.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain-xml.h"
#include "errors.h"

/* Shorthands; each returns < 0 on failure, checked once at the end
 * through the writer's sticky error count.
 */
#define START(w, el) xmlTextWriterStartElement (w, BAD_CAST (el))
#define END(w) xmlTextWriterEndElement (w)
#define ATTR(w, k, v)                                                         \
  xmlTextWriterWriteAttribute (w, BAD_CAST (k), BAD_CAST (v))
#define TEXT(w, el, v)                                                        \
  xmlTextWriterWriteElement (w, BAD_CAST (el), BAD_CAST (v))

struct writer {
  xmlTextWriterPtr w;
  int failed;
};

static void
check (struct writer *wr, int r)
{
  if (r < 0)
    wr->failed = 1;
}

static void
write_os (struct writer *wr, const struct vm *vm)
{
  xmlTextWriterPtr w = wr->w;

  check (wr, START (w, "os"));
  if (vm->firmware == FIRMWARE_UEFI)
    check (wr, ATTR (w, "firmware", "efi"));
  check (wr, START (w, "type"));
  check (wr, ATTR (w, "arch", "x86_64"));
  check (wr, ATTR (w, "machine", "q35"));
  check (wr, xmlTextWriterWriteString (w, BAD_CAST "hvm"));
  check (wr, END (w));
  check (wr, START (w, "boot"));
  check (wr, ATTR (w, "dev", "hd"));
  check (wr, END (w));
  check (wr, END (w));
  check (wr, START (w, "features"));
  check (wr, START (w, "acpi"));
  check (wr, END (w));
  check (wr, START (w, "apic"));
  check (wr, END (w));
  check (wr, END (w));
}

static void
write_disks (struct writer *wr, const struct vm *vm,
             const struct domain_xml_opts *o)
{
  xmlTextWriterPtr w = wr->w;

  for (size_t i = 0; i < vm->disks.len; ++i) {
    char dev[16];
    /* vda ... vdz, vdaa ... */
    if (i < 26)
      snprintf (dev, sizeof dev, "vd%c", (int) ('a' + i));
    else
      snprintf (dev, sizeof dev, "vd%c%c", (int) ('a' + i / 26 - 1),
                (int) ('a' + i % 26));
    check (wr, START (w, "disk"));
    check (wr, ATTR (w, "type", "file"));
    check (wr, ATTR (w, "device", "disk"));
    check (wr, START (w, "driver"));
    check (wr, ATTR (w, "name", "qemu"));
    check (wr, ATTR (w, "type", o->disk_format));
    check (wr, ATTR (w, "discard", "unmap"));
    check (wr, END (w));
    check (wr, START (w, "source"));
    check (wr, ATTR (w, "file", o->disk_paths[i]));
    check (wr, END (w));
    check (wr, START (w, "target"));
    check (wr, ATTR (w, "dev", dev));
    check (wr, ATTR (w, "bus", "virtio"));
    check (wr, END (w));
    check (wr, END (w));
  }
}

static void
write_nics (struct writer *wr, const struct vm *vm,
            const struct domain_xml_opts *o)
{
  static const char *const types[] = { "network", "bridge", "user" };
  xmlTextWriterPtr w = wr->w;

  for (size_t i = 0; i < vm->nics.len; ++i) {
    check (wr, START (w, "interface"));
    check (wr, ATTR (w, "type", types[o->net_mode]));
    if (o->net_mode != NET_USER) {
      check (wr, START (w, "source"));
      check (wr, ATTR (w, o->net_mode == NET_BRIDGE ? "bridge" : "network",
                       o->net_name));
      check (wr, END (w));
    }
    if (vm->nics.ptr[i].mac) {
      check (wr, START (w, "mac"));
      check (wr, ATTR (w, "address", vm->nics.ptr[i].mac));
      check (wr, END (w));
    }
    check (wr, START (w, "model"));
    check (wr, ATTR (w, "type", "virtio"));
    check (wr, END (w));
    check (wr, END (w));
  }
}

/* Serial console, guest agent channel, display, RNG, balloon. */
static void
write_devices_rest (struct writer *wr)
{
  xmlTextWriterPtr w = wr->w;

  check (wr, START (w, "serial"));
  check (wr, ATTR (w, "type", "pty"));
  check (wr, START (w, "target"));
  check (wr, ATTR (w, "port", "0"));
  check (wr, END (w));
  check (wr, END (w));
  check (wr, START (w, "console"));
  check (wr, ATTR (w, "type", "pty"));
  check (wr, START (w, "target"));
  check (wr, ATTR (w, "type", "serial"));
  check (wr, ATTR (w, "port", "0"));
  check (wr, END (w));
  check (wr, END (w));
  check (wr, START (w, "channel"));
  check (wr, ATTR (w, "type", "unix"));
  check (wr, START (w, "target"));
  check (wr, ATTR (w, "type", "virtio"));
  check (wr, ATTR (w, "name", "org.qemu.guest_agent.0"));
  check (wr, END (w));
  check (wr, END (w));
  check (wr, START (w, "input"));
  check (wr, ATTR (w, "type", "tablet"));
  check (wr, ATTR (w, "bus", "usb"));
  check (wr, END (w));
  check (wr, START (w, "graphics"));
  check (wr, ATTR (w, "type", "vnc"));
  check (wr, ATTR (w, "autoport", "yes"));
  check (wr, END (w));
  check (wr, START (w, "video"));
  check (wr, START (w, "model"));
  check (wr, ATTR (w, "type", "vga"));
  check (wr, END (w));
  check (wr, END (w));
  check (wr, START (w, "rng"));
  check (wr, ATTR (w, "model", "virtio"));
  check (wr, START (w, "backend"));
  check (wr, ATTR (w, "model", "random"));
  check (wr, xmlTextWriterWriteString (w, BAD_CAST "/dev/urandom"));
  check (wr, END (w));
  check (wr, END (w));
  check (wr, START (w, "memballoon"));
  check (wr, ATTR (w, "model", "virtio"));
  check (wr, END (w));
}

char *
domain_xml (const struct vm *vm, const struct domain_xml_opts *o)
{
  xmlBufferPtr buf = xmlBufferCreate ();
  struct writer wr = { NULL, 0 };
  char num[32];
  char *out = NULL;

  if (buf == NULL) {
    set_error (ENOMEM, "xmlBufferCreate");
    return NULL;
  }
  wr.w = xmlNewTextWriterMemory (buf, 0);
  if (wr.w == NULL) {
    xmlBufferFree (buf);
    set_error (ENOMEM, "xmlNewTextWriterMemory");
    return NULL;
  }
  xmlTextWriterSetIndent (wr.w, 1);
  xmlTextWriterSetIndentString (wr.w, BAD_CAST "  ");

  check (&wr, START (wr.w, "domain"));
  check (&wr, ATTR (wr.w, "type", o->virt_type));
  check (&wr, TEXT (wr.w, "name", o->name));
  if (vm->uuid)
    check (&wr, TEXT (wr.w, "uuid", vm->uuid));
  check (&wr, xmlTextWriterStartElement (wr.w, BAD_CAST "memory"));
  check (&wr, ATTR (wr.w, "unit", "KiB"));
  snprintf (num, sizeof num, "%" PRIu64, vm->memory / 1024);
  check (&wr, xmlTextWriterWriteString (wr.w, BAD_CAST num));
  check (&wr, END (wr.w));
  snprintf (num, sizeof num, "%u", vm->vcpus ? vm->vcpus : 1);
  check (&wr, TEXT (wr.w, "vcpu", num));
  write_os (&wr, vm);
  if (strcmp (o->virt_type, "kvm") == 0) {
    check (&wr, START (wr.w, "cpu"));
    check (&wr, ATTR (wr.w, "mode", "host-model"));
    check (&wr, END (wr.w));
  }
  check (&wr, START (wr.w, "clock"));
  check (&wr, ATTR (wr.w, "offset", "utc"));
  check (&wr, END (wr.w));
  check (&wr, TEXT (wr.w, "on_poweroff", "destroy"));
  check (&wr, TEXT (wr.w, "on_reboot", "restart"));
  check (&wr, TEXT (wr.w, "on_crash", "restart"));
  check (&wr, START (wr.w, "devices"));
  write_disks (&wr, vm, o);
  write_nics (&wr, vm, o);
  write_devices_rest (&wr);
  check (&wr, END (wr.w)); /* devices */
  check (&wr, END (wr.w)); /* domain */
  check (&wr, xmlTextWriterEndDocument (wr.w));
  xmlFreeTextWriter (wr.w);

  if (wr.failed)
    set_error (0, "could not build the domain XML");
  else if ((out = strdup ((const char *) xmlBufferContent (buf))) == NULL)
    set_error (errno, "strdup");
  xmlBufferFree (buf);
  return out;
}
