/* vmshift: pre-flight checks of a live migration (migrate.h), each with
 * an error that says what to do.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "errors.h"
#include "libvirt-util.h"
#include "migrate-priv.h"
#include "xml-util.h"

static int
check_hosts_differ (struct migration *m)
{
  char su[64], du[64];

  if (libvirt_host_uuid (m->src, su) == -1
      || libvirt_host_uuid (m->dst, du) == -1)
    return -1;
  if (strcmp (su, du) == 0) {
    set_error (0,
               "'%s' and '%s' are the same host (host UUID %s): migrate "
               "to another host (hosts sharing a UUID need host_uuid set "
               "in libvirtd.conf)",
               m->src_uri, m->dst_uri, su);
    return -1;
  }
  return 0;
}

static int
check_not_there (struct migration *m)
{
  char uuid[VIR_UUID_STRING_BUFLEN];
  virDomainPtr d;
  int active;

  if (virDomainGetUUIDString (m->dom, uuid) == -1) {
    set_libvirt_error ("domain UUID");
    return -1;
  }
  d = virDomainLookupByUUIDString (m->dst, uuid);
  if (d == NULL)
    return 0;
  active = virDomainIsActive (d);
  virDomainFree (d);
  if (active == 1) {
    set_error (0, "domain '%s' (UUID %s) is already running on '%s'",
               virDomainGetName (m->dom), uuid, m->dst_uri);
    return -1;
  }
  return 0;
}

static int
check_no_hostdev (xmlXPathContextPtr ctx, struct migration *m)
{
  CLEANUP_FREE char *n = NULL;

  if (xml_get_string (ctx, NULL,
                      "count(/domain/devices/hostdev"
                      " | /domain/devices/interface[@type='hostdev'])",
                      &n)
      == -1)
    return -1;
  if (n && strcmp (n, "0") != 0) {
    set_error (0,
               "domain '%s' has %s host device(s) passed through: they "
               "cannot move live; detach them first",
               virDomainGetName (m->dom), n);
    return -1;
  }
  return 0;
}

/* The machine type (through the destination's domain capabilities for
 * it) and the guest CPU (compared with what the destination's
 * hypervisor can give).
 */
static int
check_machine_cpu (xmlXPathContextPtr ctx, struct migration *m,
                   string_vector *warnings)
{
  CLEANUP_FREE char *virt = NULL, *arch = NULL, *machine = NULL;
  CLEANUP_FREE char *mode = NULL, *model = NULL, *caps = NULL;
  xmlXPathObjectPtr cpu;
  xmlBufferPtr buf;
  int r;

  if (xml_get_string (ctx, NULL, "/domain/@type", &virt) == -1
      || xml_get_string (ctx, NULL, "/domain/os/type/@arch", &arch) == -1
      || xml_get_string (ctx, NULL, "/domain/os/type/@machine", &machine)
             == -1
      || xml_get_string (ctx, NULL, "/domain/cpu/@mode", &mode) == -1
      || xml_get_string (ctx, NULL, "/domain/cpu/model", &model) == -1)
    return -1;
  caps = virConnectGetDomainCapabilities (m->dst, NULL, arch, machine, virt,
                                          0);
  if (caps == NULL) {
    set_libvirt_error ("the destination cannot run machine type '%s' "
                       "(%s, domain type '%s')",
                       machine ? machine : "default", arch ? arch : "?",
                       virt ? virt : "?");
    return -1;
  }
  if (mode && strcmp (mode, "host-passthrough") == 0) {
    string_vector_appendf (warnings,
                           "the guest's CPU is host-passthrough: the "
                           "destination's CPU must match the source's");
    return 0;
  }
  if (model == NULL)
    return 0; /* the hypervisor's default CPU */

  cpu = xml_get_nodes (ctx, NULL, "/domain/cpu");
  if (cpu == NULL)
    return -1;
  buf = xmlBufferCreate ();
  if (buf == NULL || cpu->nodesetval == NULL || cpu->nodesetval->nodeNr < 1
      || xmlNodeDump (buf, cpu->nodesetval->nodeTab[0]->doc,
                      cpu->nodesetval->nodeTab[0], 0, 0)
             == -1) {
    xmlXPathFreeObject (cpu);
    xmlBufferFree (buf);
    set_error (ENOMEM, "CPU definition");
    return -1;
  }
  xmlXPathFreeObject (cpu);
  r = virConnectCompareHypervisorCPU (m->dst, NULL, arch, machine, virt,
                                      (const char *) xmlBufferContent (buf),
                                      0);
  xmlBufferFree (buf);
  if (r == VIR_CPU_COMPARE_INCOMPATIBLE) {
    set_error (0,
               "the guest's CPU model '%s' is not available on '%s': "
               "give the guest a CPU model both hosts have",
               model, m->dst_uri);
    return -1;
  }
  if (r == VIR_CPU_COMPARE_ERROR)
    string_vector_appendf (warnings,
                           "could not compare the guest's CPU '%s' with "
                           "the destination's: %s",
                           model, virGetLastErrorMessage ());
  return 0;
}

/* Is the file system holding path one that other hosts see too? */
static bool
on_shared_fs (const char *path)
{
  static const long shared[] = {
    0x6969,     /* NFS */
    0x517B,     /* SMB */
    0xFF534D42, /* CIFS */
    0xFE534D42, /* SMB2 */
    0x01161970, /* GFS2 */
    0x7461636f, /* OCFS2 */
    0x00c36400, /* CephFS */
    0x47504653, /* GPFS */
    0x19830326, /* BeeGFS */
    0x0BD00BD0, /* Lustre */
    0x65735546, /* FUSE (GlusterFS, MooseFS...) */
  };
  struct statfs sf;

  if (statfs (path, &sf) == -1)
    return false;
  for (size_t i = 0; i < sizeof shared / sizeof shared[0]; ++i)
    if ((long) (unsigned) sf.f_type == shared[i])
      return true;
  return false;
}

/* Does uri name a libvirt on this machine (no host, loopback, or our
 * own name)?
 */
static bool
uri_is_here (const char *uri)
{
  xmlURIPtr u = xmlParseURI (uri);
  bool here;

  if (u == NULL)
    return false;
  here = u->server == NULL || u->server[0] == '\0'
         || strcmp (u->server, "localhost") == 0
         || strncmp (u->server, "127.", 4) == 0
         || strcmp (u->server, "::1") == 0
         || libvirt_is_this_host (u->server);
  xmlFreeURI (u);
  return here;
}

/* Without --copy-storage each disk must be where the destination sees
 * it: a network disk, or (when vmshift runs on the source host, so it
 * can look) a file on a shared file system.  When both libvirts run on
 * this very machine (both URIs point here and both report its name),
 * every path is the same file: libvirt cannot know that and would call
 * the migration unsafe, so m->same_machine makes it go ahead.
 */
static int
check_storage (xmlXPathContextPtr ctx, struct migration *m,
               string_vector *warnings)
{
  domain_disk_vector disks = empty_vector;
  CLEANUP_FREE char *sh = virConnectGetHostname (m->src);
  CLEANUP_FREE char *dh = virConnectGetHostname (m->dst);
  bool src_here;
  int r = 0;

  if (m->o.copy_storage != COPY_STORAGE_NONE)
    return 0;
  src_here = libvirt_is_this_host (sh);
  m->same_machine = src_here && libvirt_is_this_host (dh)
                    && uri_is_here (m->src_uri) && uri_is_here (m->dst_uri);
  if (m->same_machine)
    return 0;
  if (domain_disks_in (ctx, &disks) == -1)
    return -1;
  for (size_t i = 0; i < disks.len; ++i) {
    const struct domain_disk *d = &disks.ptr[i];

    if (d->readonly || d->network || d->path == NULL)
      continue;
    if (!src_here) {
      string_vector_appendf (warnings,
                             "disk %s ('%s') is on '%s', which vmshift "
                             "cannot look at: libvirt will check that it "
                             "is shared",
                             d->target, d->path, sh ? sh : m->src_uri);
      continue;
    }
    if (!on_shared_fs (d->path)) {
      set_error (0,
                 "disk %s ('%s') is on local storage of '%s': give "
                 "--copy-storage all, or move it to shared storage first",
                 d->target, d->path, sh);
      r = -1;
      break;
    }
  }
  domain_disks_free (&disks);
  return r;
}

static int
host_available (virConnectPtr conn, uint64_t *avail)
{
  virNodeMemoryStatsPtr params;
  int n = 0;

  if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n,
                             0)
          == -1
      || n <= 0) {
    set_libvirt_error ("the host's memory");
    return -1;
  }
  params = calloc (n, sizeof *params);
  if (params == NULL) {
    set_error (errno, "calloc");
    return -1;
  }
  if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, params,
                             &n, 0)
      == -1) {
    free (params);
    set_libvirt_error ("the host's memory");
    return -1;
  }
  *avail = 0;
  for (int i = 0; i < n; ++i)
    if (strcmp (params[i].field, VIR_NODE_MEMORY_STATS_FREE) == 0
        || strcmp (params[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) == 0
        || strcmp (params[i].field, VIR_NODE_MEMORY_STATS_CACHED) == 0)
      *avail += params[i].value * 1024;
  free (params);
  return 0;
}

int64_t
migration_host_available (const char *uri)
{
  virConnectPtr conn = libvirt_connect (uri, "the destination");
  uint64_t avail;
  int r;

  if (conn == NULL)
    return -1;
  r = host_available (conn, &avail);
  virConnectClose (conn);
  return r == -1 ? -1 : (int64_t) avail;
}

static int
check_memory (struct migration *m)
{
  virDomainInfo info;
  uint64_t avail, need;

  if (virDomainGetInfo (m->dom, &info) == -1) {
    set_libvirt_error ("domain '%s'", virDomainGetName (m->dom));
    return -1;
  }
  if (host_available (m->dst, &avail) == -1)
    return -1;
  need = (uint64_t) info.memory * 1024 + MIGRATE_QEMU_OVERHEAD;
  if (avail < need) {
    set_error (ENOMEM,
               "'%s' has %" PRIu64 " MiB of memory available, the guest "
               "needs %" PRIu64 " MiB: free memory there or choose "
               "another host",
               m->dst_uri, avail >> 20, need >> 20);
    return -1;
  }
  return 0;
}

int
migration_check (struct migration *m, string_vector *warnings)
{
  CLEANUP_XMLFREEDOC xmlDocPtr doc = NULL;
  CLEANUP_XMLXPATHFREECONTEXT xmlXPathContextPtr ctx = NULL;

  if (check_hosts_differ (m) == -1 || check_not_there (m) == -1)
    return -1;
  doc = libvirt_domain_doc (m->dom, 0);
  if (doc == NULL)
    return -1;
  ctx = xml_new_context (doc);
  if (ctx == NULL)
    return -1;
  if (check_no_hostdev (ctx, m) == -1
      || check_machine_cpu (ctx, m, warnings) == -1
      || check_storage (ctx, m, warnings) == -1 || check_memory (m) == -1)
    return -1;
  return 0;
}
