/* t-lines.c: lines read in blocks: across block edges, their numbers, the limits. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "tap.h"

/* A temporary file holding in[0..n), positioned at its start. */
static int file_of(const char *in, size_t n)
{
	FILE *fp = tmpfile();
	int fd;

	if (!fp || fwrite(in, 1, n, fp) != n || fflush(fp) != 0)
		return -1;
	fd = dup(fileno(fp));
	fclose(fp);
	return fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 ? fd : -1;
}

/* Three megabytes of lines of 0 to 3,000 bytes: each comes back whole. */
static void test_blocks(void)
{
	size_t cap = 4u << 20, n = 0, lines = 0;
	char *in = malloc(cap);
	unsigned seed = 7;
	struct lines l;
	struct s3gc_err e;
	const char *p;
	size_t len, at = 0;
	unsigned long got = 0;
	int rc, fd, bad = 0;

	while (n < (3u << 20)) {
		size_t k;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % 3001;
		for (size_t i = 0; i < k; i++)
			in[n + i] = (char)('a' + (lines + i) % 26);
		n += k;
		in[n++] = '\n';
		lines++;
	}
	fd = file_of(in, n);
	tap_ok(fd >= 0 && lines_open(&l, fd, "f", 4000, &e) == 0, "lines_open");
	while ((rc = lines_next(&l, &p, &len, &e)) == 1) {
		const char *lf = memchr(in + at, '\n', n - at);

		if ((size_t)(lf - (in + at)) != len || memcmp(p, in + at, len) != 0 || p[len] != '\n')
			bad++;
		at += len + 1;
		got++;
	}
	tap_ok(rc == 0 && got == lines && l.lineno == lines && at == n,
	       "%zu lines over %zu bytes, counted (%lu)", lines, n, got);
	tap_is_int(bad, 0, "each the same bytes, its LF after it");
	tap_ok(lines_next(&l, &p, &len, &e) == 0, "the end stays the end");
	lines_close(&l);
	close(fd);
	free(in);
}

/* Peeking at a line and taking it. */
static void test_peek(void)
{
	static const char in[] = "ab\ncd\n";
	struct lines l;
	struct s3gc_err e;
	const char *p;
	size_t n;
	int fd = file_of(in, sizeof in - 1);

	lines_open(&l, fd, "-", 0, &e);
	tap_ok(lines_peek(&l, &p) == 0, "nothing to peek at before a read");
	tap_ok(lines_next(&l, &p, &n, &e) == 1 && n == 2 && !memcmp(p, "ab", 2) && l.lineno == 1,
	       "the first line");
	tap_ok(lines_peek(&l, &p) == 3 && !memcmp(p, "cd\n", 3), "the rest, peeked at");
	lines_skip(&l, 3);
	tap_ok(l.lineno == 2 && lines_next(&l, &p, &n, &e) == 0, "taken: the end, after line 2");
	lines_close(&l);
	close(fd);
}

static void bad(const char *in, size_t n, size_t maxline, int good, const char *want)
{
	struct lines l;
	struct s3gc_err e;
	const char *p;
	size_t len;
	int fd = file_of(in, n), rc, got = 0;

	err_clear(&e);
	lines_open(&l, fd, "-", maxline, &e);
	while ((rc = lines_next(&l, &p, &len, &e)) == 1)
		got++;
	if (!tap_ok(rc < 0 && got == good && strcmp(e.msg, want) == 0, "refused: %s", want))
		tap_diag("got %d lines, then '%s'", got, e.msg);
	lines_close(&l);
	close(fd);
}

int main(void)
{
	char big[40];

	test_blocks();
	test_peek();
	bad("a\nbc", 4, 0, 1, "stdin:2: input ends in the middle of line 2");
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	bad(big, sizeof big, 20, 0, "stdin:1: line longer than 20 bytes");
	bad(big, sizeof big - 1, 20, 0, "stdin:1: line longer than 20 bytes");
	big[10] = '\n';
	bad(big, sizeof big, 20, 1, "stdin:2: line longer than 20 bytes");
	return tap_done();
}
