/* lines.c: the lines of a file descriptor, in large blocks (see lines.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "rec.h"

#define BLOCK (1u << 20) /* read at a time: few system calls */

static const char *shown(const struct lines *l)
{
	return !l->name || strcmp(l->name, "-") == 0 ? "stdin" : l->name;
}

int lines_open(struct lines *l, int fd, const char *name, size_t maxline,
	       struct s3gc_err *e)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->name = name;
	l->maxline = maxline ? maxline : REC_MAXLINE;
	/* Room for the longest line, its LF, and a block more. */
	l->cap = l->maxline + 1 + BLOCK;
	if (!(l->buf = malloc(l->cap)))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	return 0;
}

void lines_close(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* Keep the unread tail, read more after it: 0, or -1. */
static int refill(struct lines *l, struct s3gc_err *e)
{
	ssize_t got;

	if (l->pos) {
		memmove(l->buf, l->buf + l->pos, l->end - l->pos);
		l->off += l->pos;
		l->end -= l->pos;
		l->pos = 0;
	}
	do
		got = read(l->fd, l->buf + l->end, l->cap - l->end);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return err_sys(e, S3GC_E_IO, errno, "%s:%lu: cannot read", shown(l), l->lineno + 1);
	if (got == 0)
		l->eof = 1;
	l->end += (size_t)got;
	return 0;
}

int lines_next(struct lines *l, const char **line, size_t *n, struct s3gc_err *e)
{
	size_t scanned = 0; /* bytes of the current line known to hold no LF */

	for (;;) {
		char *p = l->buf + l->pos, *lf = memchr(p + scanned, '\n',
							l->end - l->pos - scanned);

		if (lf) {
			*line = p;
			*n = (size_t)(lf - p);
			l->pos += *n + 1;
			l->lineno++;
			if (*n > l->maxline)
				return err_set(e, S3GC_E_DATA, E2BIG, "%s:%lu: line longer than %zu "
					       "bytes", shown(l), l->lineno, l->maxline);
			return 1;
		}
		scanned = l->end - l->pos;
		if (scanned > l->maxline)
			return err_set(e, S3GC_E_DATA, E2BIG, "%s:%lu: line longer than %zu bytes",
				       shown(l), l->lineno + 1, l->maxline);
		if (l->eof) {
			if (!scanned)
				return 0;
			return err_set(e, S3GC_E_DATA, 0, "%s:%lu: input ends in the middle of line %lu",
				       shown(l), l->lineno + 1, l->lineno + 1);
		}
		if (refill(l, e) < 0)
			return -1;
	}
}
