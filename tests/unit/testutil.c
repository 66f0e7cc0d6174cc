/* testutil.c: small helpers shared by the unit tests' data-driven runners. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "testutil.h"

int tu_slurp(const char *path, struct buf *b)
{
	struct s3gc_err e;
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(b, chunk, n, &e) < 0)
			break;
	n = (size_t)ferror(f);
	fclose(f);
	return n ? -1 : 0;
}

/* "20130524T000000Z" or "2013-05-24T00:00:00Z". */
int tu_parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	char z = 0;

	if (sscanf(s, "%4d%2d%2dT%2d%2d%2d%c", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 &&
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7)
		return -1;
	if (z != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

void tu_be(struct buf *b, uint64_t v, int k)
{
	struct s3gc_err e;

	for (int i = k - 1; i >= 0; i--)
		buf_addc(b, (char)(v >> (8 * i)), &e);
}

void tu_str(struct buf *b, const char *s)
{
	struct s3gc_err e;

	buf_add(b, s, strlen(s) + 1, &e);
}

void tu_rm_store(const char *dir)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/data.mdb", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", dir);
	unlink(p);
	rmdir(dir);
}
