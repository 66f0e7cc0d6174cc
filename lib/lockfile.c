/* lockfile.c: an exclusive flock naming its holder (see lockfile.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lockfile.h"

int lockfile_take(const char *path, int *fd, long *holder, struct s3gc_err *e)
{
	char pid[32];
	ssize_t n;
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	*fd = -1;
	*holder = 0;
	if (f < 0)
		return err_sys(e, S3GC_E_IO, errno, "cannot open the lock file '%s'", path);
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		int saved = errno;

		if (saved == EWOULDBLOCK) {
			n = pread(f, pid, sizeof pid - 1, 0);
			pid[n > 0 ? n : 0] = '\0';
			*holder = strtol(pid, NULL, 10);
			close(f);
			return 1;
		}
		close(f);
		return err_sys(e, S3GC_E_IO, saved, "cannot lock '%s'", path);
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(f, 0) < 0 || pwrite(f, pid, (size_t)n, 0) != n) {
		int saved = errno;

		close(f);
		return err_sys(e, S3GC_E_IO, saved, "cannot write the lock file '%s'", path);
	}
	*fd = f;
	return 0;
}

void lockfile_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
