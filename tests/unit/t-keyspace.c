/* t-keyspace: boundaries fall strictly inside ranges and are printable. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "keyspace.h"
#include "tap.h"

static int printable(const struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || (unsigned char)b->data[i] > 0x7e)
			return 0;
	return 1;
}

#define S(x) x, strlen(x)

int main(void)
{
	struct buf b = BUF_INIT;
	struct s3gc_err e;
	int r;

	tap_ok(ks_cmp(S("a"), S("b")) < 0 && ks_cmp(S("ab"), S("a")) > 0 &&
	       ks_cmp(S("a"), S("a")) == 0 && ks_cmp("\xc3\xa9", 2, S("z")) > 0,
	       "ks_cmp is memcmp order, shorter first");

	r = ks_split(S("k/000999"), NULL, 0, S("k/000000"), S("k/000999"), 4, &b, &e);
	tap_ok(r == 1 && ks_cmp(b.data, b.len, S("k/000999")) > 0 && printable(&b),
	       "open range: a printable boundary past lo ('%s')", buf_str(&b));
	tap_ok(r == 1 && ks_cmp(b.data, b.len, S("k/01")) < 0,
	       "open range: four pages on is near, not at the end of the key space");

	r = ks_split(S("k/000999"), S("k/199999"), S("k/000000"), S("k/000999"), 1, &b, &e);
	tap_ok(r == 1 && ks_cmp(b.data, b.len, S("k/000999")) > 0 &&
	       ks_cmp(b.data, b.len, S("k/199999")) < 0 && printable(&b),
	       "closed range: boundary strictly inside ('%s')", buf_str(&b));
	tap_ok(r == 1 && ks_cmp(b.data, b.len, S("k/05")) > 0 && ks_cmp(b.data, b.len, S("k/15")) < 0,
	       "closed range: boundary near the middle");

	tap_is_int(ks_split(S("a"), S("a\x01"), S("a"), S("b"), 1, &b, &e), 0,
		   "no room between adjacent keys: no split");
	tap_is_int(ks_split(S("x"), NULL, 0, S("same"), S("same"), 1, &b, &e), 0,
		   "no density (one key seen): no split");

	r = ks_split(S("\xe6\x97\xa5/1"), S("\xe6\x97\xa5/9"), S("\xe6\x97\xa5/1"), S("\xe6\x97\xa5/2"), 1, &b, &e);
	tap_ok(r == 0 || (ks_cmp(b.data, b.len, S("\xe6\x97\xa5/1")) > 0 &&
			  ks_cmp(b.data, b.len, S("\xe6\x97\xa5/9")) < 0),
	       "non-ASCII prefix: any boundary is inside the range");

	tap_ok(ks_pages_between(S("k/000999"), NULL, 0, S("k/000000"), S("k/000999")) >= 1e17,
	       "open range: far");
	{
		double p = ks_pages_between(S("k/000999"), S("k/010999"), S("k/000000"), S("k/000999"));

		/* Rough by design: never below the truth, never "far". */
		tap_ok(p >= 10 && p < 1000, "ten pages' worth estimated as at least ten (%.1f)", p);
	}
	tap_ok(ks_pages_between(S("k/5"), S("k/4"), S("k/0"), S("k/1")) == 0,
	       "an empty range has no pages");
	{
		double p = ks_pages_between(S("k/000999"), S("k/003999"), S("k/000000"), S("k/000999"));

		tap_ok(p == 3, "three pages of decimal keys are three (%.1f)", p);
	}
	r = ks_split(S("k/~9"), NULL, 0, S("k/~0"), S("k/~9"), 4, &b, &e);
	tap_ok(r == 1 && !strcmp(buf_str(&b), "k0"), "a unit byte at the top carries ('%s')", buf_str(&b));
	r = ks_split(S("k/000999"), NULL, 0, S("k/000000"), S("k/000999"), 4, &b, &e);
	tap_ok(r == 1 && !strcmp(buf_str(&b), "k/004"), "four pages of decimal keys ahead ('%s')", buf_str(&b));
	buf_release(&b);
	return tap_done();
}
