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

int
migration_prepare_storage (struct migration *m)
{
  domain_disk_vector disks = empty_vector;
  int r = 0;

  if (domain_disks (m->dom, 0, &disks) == -1)
    return -1;
  for (size_t i = 0; r == 0 && i < disks.len; ++i) {
    CLEANUP_FREE char *copy = NULL;
    virStoragePoolPtr pool;
    const char *dir;

    if (disks.ptr[i].readonly || disks.ptr[i].path == NULL
        || strncmp (disks.ptr[i].path, "/dev/", 5) == 0)
      continue;
    copy = strdup (disks.ptr[i].path);
    if (copy == NULL) {
      set_error (errno, "strdup");
      r = -1;
      break;
    }
    dir = dirname (copy);
    pool = virStoragePoolLookupByTargetPath (m->dst, dir);
    if (pool) {
      virStoragePoolFree (pool);
      continue;
    }
    r = start_pool (m, dir);
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
