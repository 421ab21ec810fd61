/* vmshift: what the libvirt input and output share. */
#ifndef VMSHIFT_LIBVIRT_UTIL_H
#define VMSHIFT_LIBVIRT_UTIL_H

/* Stops libvirt printing its errors: they reach the user through
 * set_libvirt_error instead.
 */
extern void libvirt_quiet (void);

/* set_error with "CONTEXT: <libvirt's last error message>". */
extern void set_libvirt_error (const char *fs, ...)
    __attribute__ ((format (printf, 1, 2)));

#include <stdbool.h>

#include <libvirt/libvirt.h>
#include <libxml/parser.h>

/* Opens a connection to uri, which plays role ("source", "destination")
 * in the error: "cannot reach ROLE 'URI': <libvirt's message>".  NULL
 * with the error set.
 */
extern virConnectPtr libvirt_connect (const char *uri, const char *role);

/* The domain's XML (flags as virDomainGetXMLDesc), parsed.  The caller
 * frees it with xmlFreeDoc; NULL with the error set.
 */
extern xmlDocPtr libvirt_domain_doc (virDomainPtr dom, unsigned flags);

/* Is hostname (as virConnectGetHostname gives it; NULL is "no") this
 * machine's name?
 */
extern bool libvirt_is_this_host (const char *hostname);

/* The host's UUID from the connection's capabilities, in buf (at least
 * 37 bytes).  0, or -1 with the error set.
 */
extern int libvirt_host_uuid (virConnectPtr conn, char *buf);

#endif /* VMSHIFT_LIBVIRT_UTIL_H */
