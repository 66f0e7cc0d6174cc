/* t-keyspace: boundaries fall strictly inside ranges, where the keys are. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "keyspace.h"
#include "tap.h"

#define S(x) x, strlen(x)

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* ks_cmp against plain memcmp and length, on random keys that share long
 * prefixes and differ in any byte (high ones too), of 0 to 99 bytes. */
static void ks_cmp_random(void)
{
	static const char alpha[] = { 'a', 'b', '/', '0', '\x7f', '\x80', '\xff', '\0' };
	unsigned seed = 12345, bad = 0;
	char a[100], b[100];

	for (int round = 0; round < 200000; round++) {
		size_t an, bn, common;
		int want, got;

		seed = seed * 1103515245u + 12345u;
		an = (seed >> 8) % 100;
		seed = seed * 1103515245u + 12345u;
		bn = (seed >> 8) % 100;
		seed = seed * 1103515245u + 12345u;
		common = (seed >> 8) % 101;
		for (size_t i = 0; i < an; i++) {
			seed = seed * 1103515245u + 12345u;
			a[i] = alpha[(seed >> 16) % sizeof alpha];
		}
		for (size_t i = 0; i < bn; i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = i < common && i < an ? a[i] : alpha[(seed >> 16) % sizeof alpha];
		}
		want = memcmp(a, b, an < bn ? an : bn);
		want = want ? sign(want) : (an < bn ? -1 : an > bn);
		got = sign(ks_cmp(a, an, b, bn));
		if (got != want && bad++ < 5)
			tap_diag("round %d: %zu and %zu bytes, %zu in common: got %d, want %d",
				 round, an, bn, common, got, want);
	}
	tap_ok(bad == 0, "ks_cmp agrees with memcmp on 200,000 random pairs (%u differ)", bad);
}

static void learn(struct ks_alpha *a, const char *fmt, int from, int to)
{
	char k[64];

	for (int i = from; i < to; i++) {
		snprintf(k, sizeof(k), fmt, i);
		ks_alpha_add(a, k, strlen(k));
	}
}

int main(void)
{
	struct ks_alpha dec, hex;
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	double p;
	int r;

	tap_ok(ks_cmp(S("a"), S("b")) < 0 && ks_cmp(S("ab"), S("a")) > 0 &&
	       ks_cmp(S("a"), S("a")) == 0 && ks_cmp("\xc3\xa9", 2, S("z")) > 0,
	       "ks_cmp is memcmp order, shorter first");
	ks_cmp_random();

	ks_alpha_init(&dec);
	learn(&dec, "k/%06d", 0, 1000); /* one page's worth */

	r = ks_split(&dec, S("k/000999"), NULL, 0, S("k/000000"), S("k/000999"), 4, &b, &e);
	tap_ok(r == 1 && !strcmp(buf_str(&b), "k/004"), "open range: four pages on ('%s')", buf_str(&b));
	r = ks_split(&dec, S("k/006999"), NULL, 0, S("k/006000"), S("k/006999"), 8, &b, &e);
	tap_ok(r == 1 && !strcmp(buf_str(&b), "k/014"), "open range: decimal carry ('%s')", buf_str(&b));

	r = ks_split(&dec, S("k/000999"), S("k/199999"), S("k/000000"), S("k/000999"), 1, &b, &e);
	tap_ok(r == 1 && ks_cmp(b.data, b.len, S("k/09")) > 0 && ks_cmp(b.data, b.len, S("k/11")) < 0,
	       "closed range: boundary in the middle ('%s')", buf_str(&b));
	r = ks_split(&dec, S("k/010999"), S("k/02"), S("k/000000"), S("k/000999"), 1, &b, &e);
	tap_ok(r == 1 && ks_cmp(b.data, b.len, S("k/014")) > 0 && ks_cmp(b.data, b.len, S("k/016")) < 0,
	       "closed range below a short bound: middle of the keys, not of the bytes ('%s')",
	       buf_str(&b));

	tap_is_int(ks_split(&dec, S("k/000001"), S("k/000002"), S("k/000000"), S("k/000999"), 1, &b, &e),
		   0, "no key between adjacent keys: no split");
	tap_is_int(ks_split(&dec, S("k/5"), NULL, 0, S("k/5"), S("k/5"), 1, &b, &e), 0,
		   "no density (one key seen): no split");

	ks_alpha_init(&hex);
	for (int i = 0; i < 0x10000; i += 0x101)
		learn(&hex, "h/%04x", i, i + 1);
	r = ks_split(&hex, S("h/00ff"), S("h/ffff"), S("h/0000"), S("h/00ff"), 1, &b, &e);
	tap_ok(r == 1 && ks_cmp(b.data, b.len, S("h/6")) > 0 && ks_cmp(b.data, b.len, S("h/a")) < 0,
	       "hex keys seen all over: the middle is near h/8 ('%s')", buf_str(&b));

	ks_alpha_add(&dec, S("\xe6\x97\xa5/1"));
	r = ks_split(&dec, S("\xe6\x97\xa5/1"), S("\xe6\x97\xa5/9"), S("\xe6\x97\xa5/1"), S("\xe6\x97\xa5/2"),
		     1, &b, &e);
	tap_ok(r == 0 || (ks_cmp(b.data, b.len, S("\xe6\x97\xa5/1")) > 0 &&
			  ks_cmp(b.data, b.len, S("\xe6\x97\xa5/9")) < 0),
	       "non-ASCII prefix: any boundary is inside the range");

	tap_ok(ks_pages_between(&dec, S("k/000999"), NULL, 0, S("k/000000"), S("k/000999")) >= 1e17,
	       "open range: far");
	p = ks_pages_between(&dec, S("k/000999"), S("k/010999"), S("k/000000"), S("k/000999"));
	tap_ok(p == 10, "ten pages of decimal keys are ten (%.1f)", p);
	p = ks_pages_between(&dec, S("k/000999"), S("k/003999"), S("k/000000"), S("k/000999"));
	tap_ok(p == 3, "three pages are three (%.1f)", p);
	tap_ok(ks_pages_between(&dec, S("k/5"), S("k/4"), S("k/0"), S("k/1")) == 0,
	       "an empty range has no pages");
	tap_ok(ks_pages_between(&dec, S("k/000100"), S("k/000200"), S("k/000000"), S("k/000999")) < 1,
	       "inside one page: under a page");
	buf_release(&b);
	return tap_done();
}
