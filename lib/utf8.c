/* utf8.c: strict UTF-8 validation (RFC 3629, Unicode table 3-7). */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

/*
 * The length of the sequence starting at p[0..n) if it is well-formed, else
 * 0. The second byte's range depends on the first (table 3-7 of the
 * Unicode standard): that is what excludes overlong forms (C0, C1, E0 80,
 * F0 80), surrogates (ED A0-BF) and code points past U+10FFFF (F4 90, F5+).
 */
static size_t seq_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		len = 3;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xE0)
		lo = 0xA0;
	else if (p[0] == 0xED)
		hi = 0x9F;
	else if (p[0] == 0xF0)
		lo = 0x90;
	else if (p[0] == 0xF4)
		hi = 0x8F;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

int utf8_valid(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n) {
		if (p[i] < 0x80) {
			uint64_t w;

			/* Keys are mostly ASCII: skip it eight bytes at a time. */
			while (n - i >= 8) {
				memcpy(&w, p + i, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				i += 8;
			}
			while (i < n && p[i] < 0x80)
				i++;
			continue;
		}
		len = seq_len(p + i, n - i);
		if (!len) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += len;
	}
	return 1;
}

int utf8_put(struct buf *b, unsigned long cp, struct s3gc_err *e)
{
	char s[4];
	size_t len;

	if (cp < 0x80) {
		s[0] = (char)cp, len = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | cp >> 6), len = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | cp >> 12), len = 3;
	} else {
		s[0] = (char)(0xF0 | cp >> 18), len = 4;
	}
	for (size_t k = 1; k < len; k++)
		s[k] = (char)(0x80 | ((cp >> (6 * (len - 1 - k))) & 0x3F));
	return buf_add(b, s, len, e);
}
