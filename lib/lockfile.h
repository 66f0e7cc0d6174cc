/*
 * lockfile.h: one at a time: an exclusive flock on a file that also names
 * its holder's process id. The lock goes with the process, however it
 * ends; a file left behind is no lock.
 */
#ifndef S3GC_LOCKFILE_H
#define S3GC_LOCKFILE_H

#include "err.h"

/*
 * Take the lock on path (made, mode 0600, if missing) without waiting: 0
 * with *fd to keep open while holding it; 1 when another process holds it
 * (*holder its pid, or 0 if it has not written it yet); -1 on an error
 * (S3GC_E_IO naming the path).
 */
int lockfile_take(const char *path, int *fd, long *holder, struct s3gc_err *e);

/* Give it up. */
void lockfile_release(int fd);

#endif
