/* vmshift: whole reads and writes on pipes and sockets. */
#ifndef VMSHIFT_FD_IO_H
#define VMSHIFT_FD_IO_H

#include <stddef.h>

/* Writes all len bytes (retrying after EINTR and short writes).  0, or
 * -1 with errno set.
 */
extern int fd_write_all (int fd, const void *buf, size_t len);

/* Reads exactly len bytes.  0, or -1 at end of file (errno 0) or on an
 * error (errno set).
 */
extern int fd_read_all (int fd, void *buf, size_t len);

#endif /* VMSHIFT_FD_IO_H */
