/*
 * lines.h: the lines of a file descriptor, read in large blocks and
 * handed out in place, without a copy: for the stages that read millions
 * of records (s3gc-diff), where a system call or a copy per line would
 * cost more than the work. The messages match rec_read's.
 */
#ifndef S3GC_LINES_H
#define S3GC_LINES_H

#include <stddef.h>

#include "err.h"

struct lines {
	int fd;
	const char *name;          /* borrowed; "-" is standard input */
	size_t maxline;
	char *buf;
	size_t cap, pos, end;
	unsigned long long off;    /* bytes read before buf[0] */
	unsigned long lineno;      /* of the line last handed out */
	int eof;
};

/* Read fd from where it stands; maxline 0 means REC_MAXLINE. */
int lines_open(struct lines *l, int fd, const char *name, size_t maxline,
	       struct s3gc_err *e);

/*
 * The next line, without its LF (which follows it in memory), valid until
 * the next call: 1; 0 at a clean end; -1 with S3GC_E_DATA for a line over
 * maxline or a last line without its LF (an input cut short), S3GC_E_IO
 * for a read error, each naming "NAME:LINE".
 */
int lines_next(struct lines *l, const char **line, size_t *n, struct s3gc_err *e);

/* The bytes read and not yet handed out, without reading more: for a
 * caller that finds the line's end itself, then takes it with lines_skip. */
static inline size_t lines_peek(const struct lines *l, const char **p)
{
	*p = l->buf + l->pos;
	return l->end - l->pos;
}

/* Hand out the line of n bytes (its LF included) that lines_peek showed. */
static inline void lines_skip(struct lines *l, size_t n)
{
	l->pos += n;
	l->lineno++;
}

void lines_close(struct lines *l);

#endif
