/* vmshift: -o libvirt:URI: define the guest through libvirt, disks in
 * --storage DIR; --start starts it.
 */
#include <config.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "errors.h"
#include "libvirt-util.h"
#include "output.h"

static int
libvirt_open (struct output *out, const char *uri)
{
  virConnectPtr conn;
  virDomainPtr dom;
  struct stat st;
  const char *storage
      = out->s.storage ? out->s.storage : "/var/lib/libvirt/images";

  libvirt_quiet ();
  conn = virConnectOpen (uri[0] ? uri : NULL);
  if (conn == NULL) {
    set_libvirt_error ("%s", uri[0] ? uri : "the default libvirt connection");
    return -1;
  }
  out->priv = conn;
  dom = virDomainLookupByName (conn, out->s.name);
  if (dom) {
    virDomainFree (dom);
    set_error (EEXIST,
               "a domain named '%s' already exists at '%s'; "
               "choose another --name",
               out->s.name, uri);
    return -1;
  }
  if (stat (storage, &st) == -1 || !S_ISDIR (st.st_mode)) {
    set_error (errno ? errno : ENOTDIR,
               "storage directory '%s' (give "
               "--storage DIR)",
               storage);
    return -1;
  }
  out->storage = realpath (storage, NULL);
  if (out->storage == NULL) {
    set_error (errno, "'%s'", storage);
    return -1;
  }
  return 0;
}

static int
libvirt_commit (struct output *out, const char *xml)
{
  virConnectPtr conn = out->priv;
  virDomainPtr dom = virDomainDefineXML (conn, xml);

  if (dom == NULL) {
    set_libvirt_error ("defining the domain");
    return -1;
  }
  if (out->s.start && virDomainCreate (dom) == -1) {
    set_libvirt_error ("starting the domain (it stays defined)");
    virDomainFree (dom);
    /* The guest is converted and defined: keep it. */
    out->committed = true;
    return -1;
  }
  virDomainFree (dom);
  return 0;
}

static void
libvirt_close (struct output *out)
{
  if (out->priv)
    virConnectClose (out->priv);
}

const struct output_ops libvirt_output_ops = {
  .name = "libvirt",
  .open = libvirt_open,
  .commit = libvirt_commit,
  .close = libvirt_close,
};
