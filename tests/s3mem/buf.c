/* buf.c - growable byte buffer and escaping appenders (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789ABCDEF";

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void buf_reserve(struct buf *b, size_t extra)
{
	if (b->cap - b->len > extra)	/* strictly: keep room for the NUL */
		return;
	if (extra > SIZE_MAX / 4) {
		fputs("s3mem: buffer size overflow\n", stderr);
		abort();
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= extra)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		fputs("s3mem: out of memory\n", stderr);
		abort();
	}
	b->p = p;
	b->cap = cap;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

void buf_addu(struct buf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, tmp + i, sizeof tmp - (size_t)i);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {	/* the common case: one pass */
		buf_add(b, tmp, (size_t)n);
		return;
	}
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p)
		b->p[b->len] = 0;
}

/* Index into xml_ent for bytes that need an entity, 0 for literal bytes. */
static const unsigned char xml_cls[256] = {
	['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5, ['\r'] = 6,
};
static const char *const xml_ent[] = {
	"", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#13;",
};

void buf_add_xml(struct buf *b, const char *p, size_t n)
{
	/* Copy literal runs in one go: listings are mostly plain keys. */
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && !xml_cls[(unsigned char)p[j]])
			j++;
		buf_add(b, p + i, j - i);
		if (j < n)
			buf_adds(b, xml_ent[xml_cls[(unsigned char)p[j++]]]);
		i = j;
	}
}

/* 1 for the bytes S3's URL encoding leaves alone: A-Za-z0-9 - _ . ~ / */
static const unsigned char url_plain[256] = {
	['-'] = 1, ['.'] = 1, ['/'] = 1, ['_'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
	['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

void buf_add_urlenc(struct buf *b, const char *p, size_t n)
{
	buf_reserve(b, 3 * n);
	char *o = b->p + b->len;
	for (size_t i = 0; i < n; ) {
		size_t j = i;
		while (j < n && url_plain[(unsigned char)p[j]])
			j++;
		memcpy(o, p + i, j - i);	/* keys are mostly plain: copy runs */
		o += j - i;
		if (j == n)
			break;
		unsigned char c = (unsigned char)p[j];
		if (c == ' ') {
			*o++ = '+';
		} else {
			*o++ = '%';
			*o++ = hexdig[c >> 4];
			*o++ = hexdig[c & 15];
		}
		i = j + 1;
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
}
