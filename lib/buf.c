/* buf.c: growable byte buffers. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

int buf_grow(struct buf *b, size_t n, struct s3gc_err *e)
{
	size_t want, cap;
	char *p;

	if (n > (size_t)-1 - b->len - 1)
		return err_set(e, S3GC_E_SYS, ENOMEM, "buffer size overflow");
	want = b->len + n + 1;
	if (b->max && want - 1 > b->max)
		return err_set(e, S3GC_E_DATA, E2BIG,
			       "data exceeds the limit of %zu bytes", b->max);
	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > (size_t)-1 / 2 ? want : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n, struct s3gc_err *e)
{
	if (buf_grow(b, n, e) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s, struct s3gc_err *e)
{
	return buf_add(b, s, strlen(s), e);
}

int buf_addc(struct buf *b, char c, struct s3gc_err *e)
{
	return buf_add(b, &c, 1, e);
}

int buf_addf(struct buf *b, struct s3gc_err *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(e, S3GC_E_INTERNAL, 0, "bad format '%s'", fmt);
	if (buf_grow(b, (size_t)n, e) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_release_secure(struct buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	buf_release(b);
}
