/* memuse.c: resident memory from /proc/self/statm (Linux). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "memuse.h"

int memuse_now(size_t *anon, size_t *file)
{
	unsigned long size, res, shared;
	long page = sysconf(_SC_PAGESIZE);
	char text[128];
	ssize_t n;
	int fd;

	*anon = *file = 0;
	fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0 || page <= 0)
		return -1;
	text[n] = '\0';
	/* size resident shared text lib data dt, in pages */
	if (sscanf(text, "%lu %lu %lu", &size, &res, &shared) != 3 || shared > res)
		return -1;
	*anon = (size_t)(res - shared) * (size_t)page;
	*file = (size_t)shared * (size_t)page;
	return 0;
}
