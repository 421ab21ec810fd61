/* vmshift: what the libvirt input and output share (libvirt-util.h). */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/xpath.h>

#include "cleanups.h"
#include "errors.h"
#include "libvirt-util.h"
#include "xml-util.h"

static void
silent (void *opaque, virErrorPtr err)
{}

void
libvirt_quiet (void)
{
  virSetErrorFunc (NULL, silent);
}

void
set_libvirt_error (const char *fs, ...)
{
  const char *msg = virGetLastErrorMessage ();
  va_list args;
  char *what;
  int r;

  va_start (args, fs);
  r = vasprintf (&what, fs, args);
  va_end (args);
  set_error (0, "%s: %s", r == -1 ? "libvirt" : what,
             msg ? msg : "libvirt failed");
  if (r != -1)
    free (what);
}

virConnectPtr
libvirt_connect (const char *uri, const char *role)
{
  virConnectPtr conn;

  libvirt_quiet ();
  conn = virConnectOpen (uri);
  if (conn == NULL)
    set_libvirt_error ("cannot reach %s '%s'", role,
                       uri ? uri : "(libvirt's default URI)");
  return conn;
}

xmlDocPtr
libvirt_domain_doc (virDomainPtr dom, unsigned flags)
{
  char *xml = virDomainGetXMLDesc (dom, flags);
  xmlDocPtr doc;

  if (xml == NULL) {
    set_libvirt_error ("the XML of domain '%s'", virDomainGetName (dom));
    return NULL;
  }
  doc = xml_parse_untrusted (xml, strlen (xml), virDomainGetName (dom));
  free (xml);
  return doc;
}

int
libvirt_host_uuid (virConnectPtr conn, char *buf)
{
  char *caps = virConnectGetCapabilities (conn);
  CLEANUP_XMLFREEDOC xmlDocPtr doc = NULL;
  CLEANUP_XMLXPATHFREECONTEXT xmlXPathContextPtr ctx = NULL;
  CLEANUP_FREE char *uuid = NULL;

  if (caps == NULL) {
    set_libvirt_error ("the host's capabilities");
    return -1;
  }
  doc = xml_parse_untrusted (caps, strlen (caps), "capabilities");
  free (caps);
  if (doc == NULL)
    return -1;
  ctx = xml_new_context (doc);
  if (ctx == NULL)
    return -1;
  if (xml_get_string (ctx, NULL, "/capabilities/host/uuid", &uuid) == -1)
    return -1;
  if (uuid == NULL || strlen (uuid) > 36) {
    set_error (0, "libvirt's capabilities name no host UUID");
    return -1;
  }
  strcpy (buf, uuid);
  return 0;
}

bool
libvirt_is_this_host (const char *hostname)
{
  char me[256] = "";

  gethostname (me, sizeof me - 1);
  return hostname && me[0] && strcmp (hostname, me) == 0;
}
