/* pgcopy.c: decoding rows of COPY's text format. */
#include "config.h"

#include <string.h>

#include "pgcopy.h"
#include "uri.h"

/* The byte an escape stands for; *i is past the backslash and moves on. */
static char unescape(const char *p, size_t n, size_t *i)
{
	char x = p[(*i)++];
	int v, d;

	switch (x) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'v': return '\v';
	case 'x':
		v = 0;
		for (d = 0; d < 2 && *i < n && uri_hexval((unsigned char)p[*i]) >= 0; d++)
			v = v * 16 + uri_hexval((unsigned char)p[(*i)++]);
		return d ? (char)v : 'x';
	default:
		if (x < '0' || x > '7')
			return x;
		v = x - '0';
		for (d = 1; d < 3 && *i < n && p[*i] >= '0' && p[*i] <= '7'; d++)
			v = v * 8 + (p[(*i)++] - '0');
		return (char)v;
	}
}

/* A row without a backslash: no escapes and no NULL; fields are copied as
 * they are, each TAB becoming the previous field's NUL. */
static int split_plain(const char *p, size_t n, size_t nf, struct buf *arena,
		       size_t *off, const char **f, size_t *len,
		       struct s3gc_err *e)
{
	char *a = arena->data, *end = a + n, *q = a;
	size_t k = 0;

	memcpy(a, p, n);
	*end = '\0';
	arena->len = n + 1;
	for (;;) {
		char *tab = memchr(q, '\t', (size_t)(end - q));

		if (k == nf)
			return err_set(e, S3GC_E_DB, 0,
				       "COPY row with more than %zu fields", nf);
		off[k] = (size_t)(q - a);
		f[k] = q;
		len[k] = (size_t)((tab ? tab : end) - q);
		k++;
		if (!tab)
			break;
		*tab = '\0';
		q = tab + 1;
	}
	if (k != nf)
		return err_set(e, S3GC_E_DB, 0, "COPY row with %zu fields, not %zu",
			       k, nf);
	return 0;
}

int pgcopy_split(const char *p, size_t n, size_t nf, struct buf *arena,
		 size_t *off, const char **f, size_t *len, struct s3gc_err *e)
{
	size_t k = 0, i = 0;

	if (n && p[n - 1] == '\n')
		n--;
	buf_reset(arena);
	/* Decoded, the row is no longer than it was, plus a NUL per field. */
	if (buf_grow(arena, n + nf + 1, e) < 0)
		return -1;
	if (!memchr(p, '\\', n))
		return split_plain(p, n, nf, arena, off, f, len, e);
	for (;;) {
		size_t start = arena->len;
		int null = 0;

		if (k == nf)
			return err_set(e, S3GC_E_DB, 0,
				       "COPY row with more than %zu fields", nf);
		if (n - i >= 2 && p[i] == '\\' && p[i + 1] == 'N' &&
		    (i + 2 == n || p[i + 2] == '\t')) {
			null = 1;
			i += 2;
		}
		while (!null && i < n && p[i] != '\t') {
			size_t j = i;
			char c;

			/* A run of plain bytes at once, then one escape. */
			while (j < n && p[j] != '\t' && p[j] != '\\')
				j++;
			if (j > i && buf_add(arena, p + i, j - i, e) < 0)
				return -1;
			i = j;
			if (i == n || p[i] == '\t')
				break;
			i++;
			c = i < n ? unescape(p, n, &i) : '\\';
			if (buf_addc(arena, c, e) < 0)
				return -1;
		}
		off[k] = null ? (size_t)-1 : start;
		len[k] = arena->len - start;
		if (buf_addc(arena, '\0', e) < 0)
			return -1;
		k++;
		if (i == n)
			break;
		i++; /* the TAB */
	}
	if (k != nf)
		return err_set(e, S3GC_E_DB, 0, "COPY row with %zu fields, not %zu",
			       k, nf);
	for (k = 0; k < nf; k++)
		f[k] = off[k] == (size_t)-1 ? NULL : arena->data + off[k];
	return 0;
}
