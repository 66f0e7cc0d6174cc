/* fdio.h: whole writes to file descriptors. */
#ifndef S3GC_FDIO_H
#define S3GC_FDIO_H

#include <stddef.h>

/* Write all n bytes at p to fd, again after EINTR and short writes: 0, or
 * -1 with errno set (EIO when write made no progress). */
int fd_write_all(int fd, const void *p, size_t n);

#endif
