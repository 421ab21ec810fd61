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

#endif /* VMSHIFT_LIBVIRT_UTIL_H */
