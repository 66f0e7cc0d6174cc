/* t-utf8.c: strict UTF-8 validation against well-formed and ill-formed vectors. */
#include "config.h"

#include "tap.h"
#include "utf8.h"

struct vec {
	const char *name;
	const char *s;
	size_t n;
	int valid;
	size_t bad; /* offset of the first bad sequence when !valid */
};

#define V(name, lit, valid, bad) { name, lit, sizeof(lit) - 1, valid, bad }

static const struct vec vecs[] = {
	V("empty", "", 1, 0),
	V("ASCII", "photos/2026/a b+c%.jpg", 1, 0),
	V("NUL and controls are well-formed UTF-8", "a\0b\t\n\x7f", 1, 0),
	V("2-byte U+0080", "\xC2\x80", 1, 0),
	V("2-byte U+00E9", "caf\xC3\xA9", 1, 0),
	V("2-byte U+07FF", "\xDF\xBF", 1, 0),
	V("3-byte U+0800", "\xE0\xA0\x80", 1, 0),
	V("3-byte U+20AC euro", "\xE2\x82\xAC", 1, 0),
	V("3-byte U+D7FF (last before surrogates)", "\xED\x9F\xBF", 1, 0),
	V("3-byte U+E000 (first after surrogates)", "\xEE\x80\x80", 1, 0),
	V("3-byte U+FFFF", "\xEF\xBF\xBF", 1, 0),
	V("4-byte U+10000", "\xF0\x90\x80\x80", 1, 0),
	V("4-byte U+1F600", "\xF0\x9F\x98\x80", 1, 0),
	V("4-byte U+10FFFF", "\xF4\x8F\xBF\xBF", 1, 0),
	V("overlong C0 80 (NUL)", "\xC0\x80", 0, 0),
	V("overlong C1 BF", "\xC1\xBF", 0, 0),
	V("overlong E0 80 80", "\xE0\x80\x80", 0, 0),
	V("overlong E0 9F BF", "\xE0\x9F\xBF", 0, 0),
	V("overlong F0 80 80 80", "\xF0\x80\x80\x80", 0, 0),
	V("overlong F0 8F BF BF", "\xF0\x8F\xBF\xBF", 0, 0),
	V("surrogate ED A0 80 (U+D800)", "\xED\xA0\x80", 0, 0),
	V("surrogate ED BF BF (U+DFFF)", "\xED\xBF\xBF", 0, 0),
	V("above U+10FFFF: F4 90 80 80", "\xF4\x90\x80\x80", 0, 0),
	V("F5 lead byte", "\xF5\x80\x80\x80", 0, 0),
	V("FF byte", "ab\xFF", 0, 2),
	V("FE byte", "\xFE", 0, 0),
	V("lone continuation byte", "a\x80", 0, 1),
	V("truncated 2-byte", "x\xC3", 0, 1),
	V("truncated 3-byte (1 of 2)", "\xE2\x82", 0, 0),
	V("truncated 3-byte (0 of 2)", "ok\xE2", 0, 2),
	V("truncated 4-byte", "\xF0\x9F\x98", 0, 0),
	V("truncated 4-byte then ASCII", "\xF0\x9F\x98z", 0, 0),
	V("2-byte with ASCII continuation", "\xC3(", 0, 0),
	V("3-byte with bad last byte", "\xE2\x82\x28", 0, 0),
	V("4-byte with bad third byte", "\xF0\x9F\x28\x80", 0, 0),
	V("bad after good 4-byte", "\xF0\x9F\x98\x80\xC0\x80", 0, 4),
	V("5-byte form F8", "\xF8\x88\x80\x80\x80", 0, 0),
	V("long ASCII", "abcdefghijklmnopqrstuvwxyz0123456789", 1, 0),
	V("bad byte after 17 ASCII", "abcdefghijklmnopq\xFFrstuvwxyz", 0, 17),
	V("bad byte at 8", "01234567\x80", 0, 8),
	V("ASCII, 2-byte, ASCII, bad", "abcdefgh\xC3\xA9ijklmnopqr\xED\xA0\x80", 0, 20),
};

int main(void)
{
	size_t nv = sizeof(vecs) / sizeof(vecs[0]);

	tap_plan((int)(nv * 2 + 1));
	for (size_t i = 0; i < nv; i++) {
		const struct vec *v = &vecs[i];
		size_t bad = (size_t)-1;
		int got = utf8_valid(v->s, v->n, &bad);

		tap_is_int(got, v->valid, "%s: %s", v->name,
			   v->valid ? "valid" : "invalid");
		if (v->valid)
			tap_is_int(bad, (size_t)-1, "%s: bad offset untouched",
				   v->name);
		else
			tap_is_int(bad, v->bad, "%s: bad offset", v->name);
	}
	tap_is_int(utf8_valid("\xC0", 1, NULL), 0, "bad may be NULL");
	return tap_exit();
}
