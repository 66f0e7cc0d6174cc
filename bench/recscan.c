/*
 * bench/recscan: the floor under s3gc-diff's time. Maps a listing (object
 * records, as s3gc-list writes them) and checks each record with the fast
 * path s3gc-diff uses (obj_scan), on one thread, doing nothing else: no
 * store, no join, no output. Prints "MAP SCAN RECORDS": the seconds to map
 * the file, the seconds to check its records, and their count. Built and
 * run by bench/diff; exits 1 on a record the fast path does not take.
 *
 *   cc -O2 -Ilib -I_build/plain bench/recscan.c _build/plain/lib/libs3gc.a
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rec.h"

/* What the loop reads from each record goes here, so that it is not
 * optimised away. */
static volatile unsigned long long sink;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long long nrec = 0;
	double t0, t1, t2;
	const char *m;
	struct stat sb;
	struct obj o;
	size_t off = 0, n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: recscan LISTING\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &sb) < 0 || sb.st_size == 0) {
		fprintf(stderr, "recscan: cannot open '%s' (or it is empty)\n", argv[1]);
		return 2;
	}
	t0 = now();
	m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "recscan: cannot map '%s'\n", argv[1]);
		return 2;
	}
	t1 = now();
	while (off < (size_t)sb.st_size) {
		if (!obj_scan(m + off, (size_t)sb.st_size - off, &o, &n)) {
			fprintf(stderr, "recscan: '%s': record %llu is not a plain one\n", argv[1],
				nrec + 1);
			return 1;
		}
		sink += (unsigned long long)o.mtime + o.size;
		off += n + 1;
		nrec++;
	}
	t2 = now();
	printf("%.3f %.3f %llu\n", t1 - t0, t2 - t1, nrec);
	munmap((void *)m, (size_t)sb.st_size);
	close(fd);
	return 0;
}
