/* vmshift: the libvirt input driver: a domain defined in libvirt, or a
 * domain XML file.
 *
 * SOURCE is "libvirt:URI/DOMAIN", split at the last '/': URI is any
 * libvirt connection URI ("qemu:///system", "xen:///system",
 * "qemu+ssh://root@host/system"), empty for libvirt's default
 * connection ("libvirt:/web1", or "libvirt:web1" with no '/' at all),
 * and DOMAIN a domain's name or UUID.  The connection is read-only; the
 * domain's persistent definition is read (VIR_DOMAIN_XML_INACTIVE).  A
 * running domain is refused, its disks being written while they would
 * be copied, unless all of them are read-only.  Or SOURCE is a file
 * whose root element is <domain>: `virsh dumpxml` output, or a Xen or
 * KVM host's /etc/libvirt/qemu/NAME.xml copied off it.
 *
 * libvirt-xml-parse.c reads the XML (its header says what is taken from
 * it).  Then disks: a volume (<disk type='volume'>) is looked up in its
 * pool through the connection, so needs libvirt:URI; a relative path in
 * a file is relative to the file's directory (libvirt itself wants
 * absolute paths); every disk must exist and be readable.
 */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "disk-file.h"
#include "errors.h"
#include "file-util.h"
#include "image-info.h"
#include "input.h"
#include "libvirt-util.h"
#include "libvirt-xml-parse.h"
#include "vector.h"
#include "vm.h"
#include "xml-util.h"

#define SPEC_PREFIX "libvirt:"
#define MAX_XML_BYTES (16 * 1024 * 1024)

struct libvirt_input {
  virConnectPtr conn; /* NULL for a file */
  char *dir;          /* a file's directory; owned */
  struct libvirt_domain dom;
};

static bool
libvirt_probe (const char *source)
{
  char buf[4096];
  const char *tag;

  if (strncmp (source, SPEC_PREFIX, strlen (SPEC_PREFIX)) == 0)
    return true;
  tag = xml_peek_root (source, buf, sizeof buf);
  return tag && xml_tag_is (tag, "domain");
}

/* Parses doc into h->dom, passing its warnings on. */
static int
parse (struct input *in, struct libvirt_input *h, xmlDocPtr doc,
       const char *what)
{
  string_vector warnings = empty_vector;
  int r = libvirt_xml_parse (doc, what, &h->dom, &warnings);

  for (size_t i = 0; i < warnings.len; ++i)
    input_warn (in, "%s", warnings.ptr[i]);
  free_string_vector (&warnings);
  return r;
}

/* "libvirt:URI/DOMAIN" into *uri ("" for the default) and *name, which
 * the caller frees.
 */
static int
split_spec (const char *source, char **uri, char **name)
{
  const char *spec = source + strlen (SPEC_PREFIX);
  const char *slash = strrchr (spec, '/');
  const char *dom = slash ? slash + 1 : spec;

  *uri = *name = NULL;
  if (*dom == '\0') {
    set_error (0,
               "'%s': no domain: write libvirt:URI/DOMAIN (for example "
               "libvirt:qemu:///system/web1)",
               source);
    return -1;
  }
  if (slash && slash > spec && memchr (spec, ':', slash - spec) == NULL) {
    set_error (0,
               "'%s': '%.*s' is not a libvirt URI: write libvirt:URI/DOMAIN "
               "(for example libvirt:qemu:///system/web1)",
               source, (int) (slash - spec), spec);
    return -1;
  }
  *uri = slash ? strndup (spec, slash - spec) : strdup ("");
  *name = strdup (dom);
  if (*uri == NULL || *name == NULL) {
    set_error (errno, "strdup");
    free (*uri);
    free (*name);
    return -1;
  }
  return 0;
}

/* Reads and parses the domain's persistent definition; refuses it
 * running with writable disks.
 */
static int
read_domain (struct input *in, struct libvirt_input *h, const char *uri,
             const char *name)
{
  const char *where = *uri ? uri : "the default libvirt connection";
  CLEANUP_XMLFREEDOC xmlDocPtr doc = NULL;
  CLEANUP_FREE char *xml = NULL;
  virDomainPtr dom;
  int active;

  dom = virDomainLookupByName (h->conn, name);
  if (dom == NULL && virGetLastErrorCode () == VIR_ERR_NO_DOMAIN) {
    CLEANUP_FREE char *uuid = vm_normalize_uuid (name);
    if (uuid)
      dom = virDomainLookupByUUIDString (h->conn, uuid);
  }
  if (dom == NULL) {
    if (virGetLastErrorCode () == VIR_ERR_NO_DOMAIN)
      set_error (0, "'%s': there is no domain '%s' at '%s'", in->source, name,
                 where);
    else
      set_libvirt_error ("'%s': looking up domain '%s'", in->source, name);
    return -1;
  }
  xml = virDomainGetXMLDesc (dom, VIR_DOMAIN_XML_INACTIVE);
  active = virDomainIsActive (dom);
  if (xml == NULL || active == -1) {
    set_libvirt_error ("'%s': reading domain '%s'", in->source, name);
    virDomainFree (dom);
    return -1;
  }
  virDomainFree (dom);

  doc = xml_parse_untrusted (xml, strlen (xml), in->source);
  if (doc == NULL || parse (in, h, doc, in->source) == -1)
    return -1;
  if (active) {
    bool writable = h->dom.sources.len == 0;
    for (size_t i = 0; i < h->dom.sources.len; ++i)
      writable = writable || !h->dom.sources.ptr[i].readonly;
    if (writable) {
      set_error (0,
                 "'%s': domain '%s' is running: shut it down first (its "
                 "disks would be copied while it writes to them)",
                 in->source, name);
      return -1;
    }
  }
  return 0;
}

static int
open_domain (struct input *in, struct libvirt_input *h)
{
  CLEANUP_FREE char *uri = NULL, *name = NULL;

  if (split_spec (in->source, &uri, &name) == -1)
    return -1;
  libvirt_quiet ();
  h->conn = virConnectOpenReadOnly (*uri ? uri : NULL);
  if (h->conn == NULL) {
    set_libvirt_error ("'%s': could not connect to %s", in->source,
                       *uri ? uri : "the default libvirt connection");
    return -1;
  }
  return read_domain (in, h, uri, name);
}

static int
open_file (struct input *in, struct libvirt_input *h, const char *source)
{
  CLEANUP_XMLFREEDOC xmlDocPtr doc = NULL;

  doc = xml_read_untrusted (source, MAX_XML_BYTES);
  if (doc == NULL)
    return -1;
  h->dir = source_dir (source);
  if (h->dir == NULL)
    return -1;
  return parse (in, h, doc, source);
}

static void
libvirt_close (struct input *in)
{
  struct libvirt_input *h = in->priv;

  if (h == NULL)
    return;
  libvirt_domain_clear (&h->dom);
  if (h->conn)
    virConnectClose (h->conn);
  free (h->dir);
  free (h);
  in->priv = NULL;
}

static int
libvirt_open (struct input *in, const char *source)
{
  struct libvirt_input *h = calloc (1, sizeof *h);
  int r;

  if (h == NULL) {
    set_error (errno, "calloc");
    return -1;
  }
  in->priv = h;
  if (strncmp (source, SPEC_PREFIX, strlen (SPEC_PREFIX)) == 0)
    r = open_domain (in, h);
  else
    r = open_file (in, h, source);
  if (r == -1)
    libvirt_close (in);
  return r;
}

/* ---- describe ---------------------------------------------------- */

/* Sets the path of a volume disk from its pool. */
static int
volume_path (struct input *in, const struct libvirt_input *h,
             const struct libvirt_disk_source *src, struct vm_disk *d)
{
  virStoragePoolPtr pool;
  virStorageVolPtr vol = NULL;

  if (h->conn == NULL) {
    set_error (0,
               "'%s': disk '%s' is the volume '%s' of pool '%s': volume "
               "disks need libvirt:URI/DOMAIN, to look them up in their "
               "pool",
               in->source, src->target, src->volume, src->pool);
    return -1;
  }
  pool = virStoragePoolLookupByName (h->conn, src->pool);
  if (pool)
    vol = virStorageVolLookupByName (pool, src->volume);
  if (vol)
    d->path = virStorageVolGetPath (vol);
  if (d->path == NULL)
    set_libvirt_error ("'%s': disk '%s': volume '%s' of pool '%s'", in->source,
                       src->target, src->volume, src->pool);
  if (vol)
    virStorageVolFree (vol);
  if (pool)
    virStoragePoolFree (pool);
  return d->path ? 0 : -1;
}

static int
check_disk (struct input *in, const struct libvirt_input *h,
            const struct libvirt_disk_source *src, struct vm_disk *d)
{
  uint64_t size;

  if (d->path == NULL && volume_path (in, h, src, d) == -1)
    return -1;
  if (d->path[0] != '/') {
    char *path;

    if (h->dir == NULL) {
      set_error (0, "'%s': disk '%s' path '%s' is not absolute", in->source,
                 src->target, d->path);
      return -1;
    }
    path = path_join (h->dir, d->path);
    if (path == NULL)
      return -1;
    free (d->path);
    d->path = path;
  }
  if (disk_file_exists (in->source, src->target, d->path) == -1)
    return -1;
  if (image_capacity (d->path, "raw", &size) == -1
      || image_check_chain (d->path) == -1) {
    prefix_error ("'%s': disk '%s'", in->source, src->target);
    return -1;
  }
  if (strcmp (d->format, "raw") == 0)
    d->capacity = size;
  return 0;
}

static int
libvirt_describe (struct input *in, struct vm *out)
{
  struct libvirt_input *h = in->priv;

  for (size_t i = 0; i < h->dom.vm.disks.len; ++i)
    if (check_disk (in, h, &h->dom.sources.ptr[i], &h->dom.vm.disks.ptr[i])
        == -1)
      return -1;
  *out = h->dom.vm;
  memset (&h->dom.vm, 0, sizeof h->dom.vm);
  return 0;
}

const struct input_ops libvirt_input_ops = {
  .name = "libvirt",
  .probe = libvirt_probe,
  .open = libvirt_open,
  .describe = libvirt_describe,
  .close = libvirt_close,
};
