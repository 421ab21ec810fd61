/* vmshift: libvirt domain XML for a converted guest. */
#ifndef VMSHIFT_DOMAIN_XML_H
#define VMSHIFT_DOMAIN_XML_H

#include "vm.h"

enum net_mode {
  NET_NETWORK, /* <interface type='network'>, net_name */
  NET_BRIDGE,  /* <interface type='bridge'>, net_name */
  NET_USER,    /* <interface type='user'> (QEMU user networking) */
};

struct domain_xml_opts {
  const char *name;        /* domain name */
  const char *virt_type;   /* "kvm" or "qemu" */
  char *const *disk_paths; /* one per vm disk, absolute */
  const char *disk_format; /* "qcow2" or "raw" */
  enum net_mode net_mode;
  const char *net_name; /* network or bridge name */
};

/* Builds the domain: the source's name, UUID, memory, vCPUs, firmware
 * (UEFI through libvirt's firmware auto-selection) and MACs, on virtio
 * disks and NICs with a serial console.  Returns the XML (caller frees),
 * or NULL with the error set.
 */
extern char *domain_xml (const struct vm *vm,
                         const struct domain_xml_opts *opts);

#endif /* VMSHIFT_DOMAIN_XML_H */
