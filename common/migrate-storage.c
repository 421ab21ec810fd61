/* vmshift: the destination made ready for --copy-storage
 * (migrate-priv.h).
 */
#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libxml/entities.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "errors.h"
#include "libvirt-util.h"
#include "migrate-priv.h"

/* Starts a transient dir pool for dir on the destination. */
static int
start_pool (struct migration *m, const char *dir)
{
  CLEANUP_FREE char *name = NULL, *xml = NULL;
  xmlChar *esc;
  virStoragePoolPtr pool;
  int n;

  if (asprintf (&name, "vmshift-migrate-%d-%zu", (int) getpid (),
                m->pools.len)
      == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  esc = xmlEncodeSpecialChars (NULL, BAD_CAST dir);
  if (esc == NULL) {
    set_error (ENOMEM, "xmlEncodeSpecialChars");
    return -1;
  }
  n = asprintf (&xml,
                "<pool type='dir'><name>%s</name>"
                "<target><path>%s</path></target></pool>",
                name, (const char *) esc);
  xmlFree (esc);
  if (n == -1) {
    set_error (errno, "asprintf");
    return -1;
  }
  pool = virStoragePoolCreateXML (m->dst, xml, 0);
  if (pool == NULL) {
    set_libvirt_error ("--copy-storage: directory '%s' on the destination "
                       "(it must exist there)",
                       dir);
    return -1;
  }
  virStoragePoolFree (pool);
  if (string_vector_append (&m->pools, name) == -1) {
    set_error (errno, "pool list");
    return -1;
  }
  name = NULL;
  return 0;
}

/* --copy-storage inc: libvirt will not pre-create the top image ("not
 * supported"), so vmshift does, in dir's pool on the destination, as a
 * qcow2 of the disk's size over the same backing file, which must be
 * there already.  An existing file is left as it is.
 */
static int
create_top (struct migration *m, const struct domain_disk *d,
            const char *dir)
{
  virStoragePoolPtr pool = virStoragePoolLookupByTargetPath (m->dst, dir);
  virStorageVolPtr vol;
  virDomainBlockInfo info;
  CLEANUP_FREE char *xml = NULL;
  xmlChar *name = NULL, *backing = NULL;
  const char *base = strrchr (d->path, '/') + 1;
  int r = -1;

  if (pool == NULL) {
    set_libvirt_error ("the destination's pool for '%s'", dir);
    return -1;
  }
  vol = virStorageVolLookupByName (pool, base);
  if (vol) {
    virStorageVolFree (vol);
    virStoragePoolFree (pool);
    return 0;
  }
  if (d->backing == NULL) {
    set_error (0,
               "--copy-storage inc: disk %s ('%s') has no backing file; "
               "use --copy-storage all",
               d->target, d->path);
    goto out;
  }
  if (virDomainGetBlockInfo (m->dom, d->target, &info, 0) == -1) {
    set_libvirt_error ("the size of disk %s", d->target);
    goto out;
  }
  name = xmlEncodeSpecialChars (NULL, BAD_CAST base);
  backing = xmlEncodeSpecialChars (NULL, BAD_CAST d->backing);
  if (name == NULL || backing == NULL
      || asprintf (&xml,
                   "<volume><name>%s</name>"
                   "<capacity unit='bytes'>%llu</capacity>"
                   "<target><format type='qcow2'/></target>"
                   "<backingStore><path>%s</path>"
                   "<format type='%s'/></backingStore></volume>",
                   (const char *) name, info.capacity,
                   (const char *) backing,
                   d->backing_format ? d->backing_format : "raw")
             == -1) {
    set_error (ENOMEM, "volume XML");
    goto out;
  }
  vol = virStorageVolCreateXML (pool, xml, 0);
  if (vol == NULL) {
    set_libvirt_error ("--copy-storage inc: creating '%s' over '%s' on the "
                       "destination (the backing file must be there)",
                       d->path, d->backing);
    goto out;
  }
  virStorageVolFree (vol);
  r = 0;
out:
  xmlFree (name);
  xmlFree (backing);
  virStoragePoolFree (pool);
  return r;
}

/* One disk: its directory a pool on the destination, and for inc its
 * top image there.
 */
static int
prepare_disk (struct migration *m, const struct domain_disk *d)
{
  CLEANUP_FREE char *copy = strdup (d->path);
  virStoragePoolPtr pool;
  const char *dir;

  if (copy == NULL) {
    set_error (errno, "strdup");
    return -1;
  }
  dir = dirname (copy);
  pool = virStoragePoolLookupByTargetPath (m->dst, dir);
  if (pool)
    virStoragePoolFree (pool);
  else if (start_pool (m, dir) == -1)
    return -1;
  if (m->o.copy_storage == COPY_STORAGE_INC)
    return create_top (m, d, dir);
  return 0;
}

int
migration_prepare_storage (struct migration *m)
{
  domain_disk_vector disks = empty_vector;
  int r = 0;

  if (domain_disks (m->dom, 0, &disks) == -1)
    return -1;
  for (size_t i = 0; r == 0 && i < disks.len; ++i) {
    const struct domain_disk *d = &disks.ptr[i];

    if (d->readonly || d->path == NULL || strncmp (d->path, "/dev/", 5) == 0)
      continue;
    r = prepare_disk (m, d);
  }
  domain_disks_free (&disks);
  if (r == -1)
    migration_release_storage (m);
  return r;
}

void
migration_release_storage (struct migration *m)
{
  for (size_t i = 0; i < m->pools.len; ++i) {
    virStoragePoolPtr pool = virStoragePoolLookupByName (m->dst,
                                                         m->pools.ptr[i]);
    if (pool) {
      virStoragePoolDestroy (pool);
      virStoragePoolFree (pool);
    }
  }
  free_string_vector (&m->pools);
}
