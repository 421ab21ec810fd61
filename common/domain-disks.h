/* vmshift: a running libvirt domain's disks, as its XML lists them
 * (for migration and storage moves).
 */
#ifndef VMSHIFT_DOMAIN_DISKS_H
#define VMSHIFT_DOMAIN_DISKS_H

#include <stdbool.h>

#include <libvirt/libvirt.h>
#include <libxml/xpath.h>

#include "vector.h"

struct domain_disk {
  char *target;   /* "vda" */
  char *path;     /* file or block device, NULL for network or empty */
  char *format;   /* driver type ("qcow2"), NULL if not given */
  char *backing;  /* the first backing file, or NULL */
  char *backing_format; /* its format, or NULL */
  bool network;   /* served over the network (rbd, iscsi, nbd...) */
  bool readonly;  /* readonly, shareable, CD-ROM or floppy: never moved */
};
DEFINE_VECTOR_TYPE (domain_disk_vector, struct domain_disk);

/* The disks of dom's XML (flags as virDomainGetXMLDesc).  0, or -1 with
 * the error set; free with domain_disks_free.
 */
extern int domain_disks (virDomainPtr dom, unsigned flags,
                         domain_disk_vector *v);

/* The same from a domain XML already parsed (ctx on its document). */
extern int domain_disks_in (xmlXPathContextPtr ctx, domain_disk_vector *v);
extern void domain_disks_free (domain_disk_vector *v);

#endif /* VMSHIFT_DOMAIN_DISKS_H */
