/* vmshift: whole reads and writes (fd-io.h). */
#include <config.h>

#include <errno.h>
#include <unistd.h>

#include "fd-io.h"

int
fd_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;

  while (len > 0) {
    ssize_t n = write (fd, p, len);
    if (n == -1 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t) n;
  }
  return 0;
}

int
fd_read_all (int fd, void *buf, size_t len)
{
  char *p = buf;

  while (len > 0) {
    ssize_t n = read (fd, p, len);
    if (n == -1 && errno == EINTR)
      continue;
    if (n == 0)
      errno = 0;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t) n;
  }
  return 0;
}
