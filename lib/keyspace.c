/* keyspace.c: mixed-radix arithmetic on keys (see keyspace.h). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "keyspace.h"
#include "utf8.h"

#define FAR 1e18
#define SPAN_MAX ((uint64_t)1 << 62)

int ks_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen, i = 0;
	int c;

	/* Keys are short and compared by the million: eight bytes at a time
	 * (as big-endian numbers, so that the first difference decides). */
	for (; i + 8 <= n && n < 64; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			x = __builtin_bswap64(x);
			y = __builtin_bswap64(y);
#endif
			return x < y ? -1 : 1;
		}
	}
	if (n - i < 8) {
		for (; i < n; i++)
			if (a[i] != b[i])
				return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
	} else if ((c = memcmp(a + i, b + i, n - i)) != 0) {
		return c;
	}
	return alen < blen ? -1 : alen > blen;
}

static size_t common_prefix(const char *a, size_t alen, const char *b,
			    size_t blen)
{
	size_t i = 0;

	while (i < alen && i < blen && a[i] == b[i])
		i++;
	return i;
}

void ks_alpha_init(struct ks_alpha *a)
{
	memset(a, 0, sizeof(*a));
}

static void set_bit(uint64_t *s, unsigned c)
{
	s[c >> 6] |= (uint64_t)1 << (c & 63);
}

static int has_bit(const uint64_t *s, unsigned c)
{
	return (s[c >> 6] >> (c & 63)) & 1;
}

static void set_range(uint64_t *s, unsigned from, unsigned to)
{
	for (unsigned c = from; c <= to; c++)
		set_bit(s, c);
}

void ks_alpha_add(struct ks_alpha *a, const char *k, size_t n)
{
	for (size_t i = 0; i < n && i < KS_POS; i++) {
		unsigned c = (unsigned char)k[i];
		uint64_t *s = a->set[i];

		if (has_bit(s, c))
			continue;
		if (c >= '0' && c <= '9')
			set_range(s, '0', '9');
		else if (c >= 'a' && c <= 'z')
			set_range(s, 'a', 'z');
		else if (c >= 'A' && c <= 'Z')
			set_range(s, 'A', 'Z');
		else
			set_bit(s, c);
	}
	if (n > a->npos)
		a->npos = n < KS_POS ? n : KS_POS;
}

static unsigned radix(const struct ks_alpha *a, size_t i)
{
	unsigned r = 0;

	if (i >= KS_POS)
		return 1;
	for (int w = 0; w < 4; w++)
		r += (unsigned)__builtin_popcountll(a->set[i][w]);
	return r ? r : 1;
}

/* The digit of byte c at position i: how many possible bytes lie below it. */
static unsigned digit(const struct ks_alpha *a, size_t i, const char *k,
		      size_t n)
{
	unsigned c, d = 0;

	if (i >= n || i >= KS_POS)
		return 0;
	c = (unsigned char)k[i];
	for (unsigned b = 0; b < c; b++)
		d += has_bit(a->set[i], b);
	return d >= radix(a, i) ? radix(a, i) - 1 : d;
}

/* The byte that is digit d at position i. */
static unsigned char symbol(const struct ks_alpha *a, size_t i, unsigned d)
{
	for (unsigned c = 0; c < 256; c++)
		if (has_bit(a->set[i], c) && d-- == 0)
			return (unsigned char)c;
	return 0x7e;
}

/* Positions from..to-1 of k as a number; 0 past the span limit. */
static uint64_t value(const struct ks_alpha *a, const char *k, size_t n,
		      size_t from, size_t to)
{
	uint64_t v = 0;

	for (size_t i = from; i < to; i++)
		v = v * radix(a, i) + digit(a, i, k, n);
	return v;
}

/* How far from position `from` we can count without overflowing. */
static size_t span_end(const struct ks_alpha *a, size_t from, size_t min_to)
{
	uint64_t span = 1;
	size_t to = from;

	while (to < KS_POS && (to < min_to || to < a->npos) &&
	       span * radix(a, to) < SPAN_MAX) {
		span *= radix(a, to);
		to++;
	}
	return to;
}

/* Write prefix then v as digits of positions from..to-1, trailing zeros cut. */
static int compose(const struct ks_alpha *a, const char *prefix, size_t from,
		   size_t to, uint64_t v, struct buf *out, struct s3gc_err *e)
{
	unsigned char d[KS_POS];
	size_t end = to;

	for (size_t i = to; i-- > from;) {
		d[i] = symbol(a, i, (unsigned)(v % radix(a, i)));
		v /= radix(a, i);
	}
	while (end > from + 1 && d[end - 1] == symbol(a, end - 1, 0))
		end--;
	buf_reset(out);
	if (buf_add(out, prefix, from, e) < 0)
		return -1;
	return buf_add(out, d + from, end - from, e) < 0 ? -1 : 1;
}

static int usable(const struct buf *b, const char *lo, size_t lolen,
		  const char *hi, size_t hilen)
{
	if (ks_cmp(b->data, b->len, lo, lolen) <= 0)
		return 0;
	if (hi && ks_cmp(b->data, b->len, hi, hilen) >= 0)
		return 0;
	return utf8_valid(b->data, b->len, NULL);
}

int ks_split(const struct ks_alpha *a, const char *lo, size_t lolen,
	     const char *hi, size_t hilen, const char *first, size_t firstlen,
	     const char *last, size_t lastlen, unsigned pages,
	     struct buf *out, struct s3gc_err *e)
{
	size_t f, to, unit;
	uint64_t v, w;
	int r;

	if (hi) {
		f = common_prefix(lo, lolen, hi, hilen);
		if (f >= KS_POS)
			return 0;
		to = span_end(a, f, f + 1);
		v = value(a, lo, lolen, f, to);
		w = value(a, hi, hilen, f, to);
		if (w <= v + 1)
			return 0;
		r = compose(a, lo, f, to, v + (w - v) / 2, out, e);
	} else {
		unit = common_prefix(first, firstlen, last, lastlen);
		/* The unit is a position in the keys' format, so it applies to lo too. */
		if (unit == 0 || unit > KS_POS || ks_cmp(first, firstlen, last, lastlen) == 0)
			return 0;
		/* Count from far enough up that carries have room. */
		for (f = unit - 1; f > 0 && span_end(a, f - 1, unit) >= unit; f--)
			;
		v = value(a, lo, lolen, f, unit) + (pages ? pages : 1);
		w = 1;
		for (size_t i = f; i < unit; i++)
			w *= radix(a, i);
		if (v >= w)
			return 0;
		r = compose(a, lo, f, unit, v, out, e);
	}
	if (r <= 0)
		return r;
	return usable(out, lo, lolen, hi, hilen);
}

double ks_pages_between(const struct ks_alpha *a, const char *lo,
			size_t lolen, const char *hi, size_t hilen,
			const char *first, size_t firstlen, const char *last,
			size_t lastlen)
{
	size_t unit, f;
	double n = 0;

	if (!hi)
		return FAR;
	if (ks_cmp(hi, hilen, lo, lolen) <= 0)
		return 0;
	unit = common_prefix(first, firstlen, last, lastlen);
	f = common_prefix(lo, lolen, hi, hilen);
	if (unit == 0)
		return FAR;
	if (f >= unit)
		return 0.5; /* inside one step of the unit: under a page */
	for (size_t i = f; i < unit; i++) {
		n = n * radix(a, i) + (double)digit(a, i, hi, hilen) -
		    (double)digit(a, i, lo, lolen);
		if (n > FAR)
			return FAR;
	}
	return n < 0 ? 0 : n;
}
