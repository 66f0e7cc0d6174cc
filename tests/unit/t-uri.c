/* t-uri.c: UriEncode of every byte value, decoding round trips, and strict escapes. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "uri.h"

static int unreserved(int c)
{
	return strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789-._~", c) != NULL && c != 0;
}

/* What UriEncode must give for one byte, written independently of uri.c. */
static void expect_byte(int c, int keep_slash, char *out)
{
	if (unreserved(c) || (keep_slash && c == '/'))
		snprintf(out, 4, "%c", c);
	else
		snprintf(out, 4, "%%%02X", c);
}

static void test_encode_bytes(int keep_slash)
{
	struct s3gc_err e;
	struct buf b = BUF_INIT;
	int bad = 0;

	for (int c = 0; c < 256; c++) {
		char want[4], ch = (char)c;

		buf_reset(&b);
		expect_byte(c, keep_slash, want);
		if (uri_encode(&b, &ch, 1, keep_slash, &e) < 0 ||
		    strcmp(buf_str(&b), want) != 0) {
			tap_diag("byte 0x%02X: got '%s', want '%s'", c, buf_str(&b), want);
			bad++;
		}
	}
	tap_ok(bad == 0, "uri_encode of each byte 0..255, keep_slash=%d", keep_slash);
	buf_release(&b);
}

static void test_encode_all(void)
{
	struct s3gc_err e;
	struct buf b = BUF_INIT, want = BUF_INIT;
	char all[256];

	for (int c = 0; c < 256; c++) {
		char one[4];
		all[c] = (char)c;
		expect_byte(c, 1, one);
		buf_adds(&want, one, &e);
	}
	tap_ok(uri_encode(&b, all, sizeof(all), 1, &e) == 0, "encode 256 bytes in one call");
	tap_is_str(buf_str(&b), buf_str(&want), "one-call encoding equals per-byte");
	tap_ok(uri_encode(&b, "x", 0, 0, &e) == 0 && b.len == want.len,
	       "encoding nothing appends nothing");
	buf_release(&b);
	buf_release(&want);
}

static void test_decode_roundtrip(void)
{
	struct s3gc_err e;
	struct buf enc = BUF_INIT, dec = BUF_INIT;
	char all[256];
	int bad = 0;

	for (int c = 0; c < 256; c++)
		all[c] = (char)c;
	uri_encode(&enc, all, sizeof(all), 0, &e);
	tap_ok(uri_decode(&dec, enc.data, enc.len, 0, &e) == 0, "decode the encoding of 0..255");
	tap_ok(dec.len == 256 && memcmp(dec.data, all, 256) == 0,
	       "decode(encode(x)) == x over every byte value");
	for (int c = 0; c < 256; c++) {
		char esc[4];
		snprintf(esc, sizeof(esc), "%%%02x", c);
		buf_reset(&dec);
		if (uri_decode(&dec, esc, 3, 0, &e) < 0 || dec.len != 1 ||
		    (unsigned char)dec.data[0] != c)
			bad++;
	}
	tap_ok(bad == 0, "lowercase escapes %%00..%%ff decode too");
	buf_release(&enc);
	buf_release(&dec);
}

static void test_plus(void)
{
	struct s3gc_err e;
	struct buf b = BUF_INIT;

	uri_decode(&b, "a+b%2Bc", 7, 1, &e);
	tap_is_str(buf_str(&b), "a b+c", "'+' is a space when plus_is_space, %%2B a plus");
	buf_reset(&b);
	uri_decode(&b, "a+b%2Bc", 7, 0, &e);
	tap_is_str(buf_str(&b), "a+b+c", "'+' stays '+' otherwise");
	buf_reset(&b);
	uri_encode(&b, "a+b c", 5, 0, &e);
	tap_is_str(buf_str(&b), "a%2Bb%20c", "encoding writes '+' as %%2B and space as %%20");
	buf_release(&b);
}

static void test_malformed(void)
{
	static const struct {
		const char *in;
		const char *offset;
	} cases[] = {
		{ "%", "offset 0" },   { "%4", "offset 0" },     { "%G1", "offset 0" },
		{ "%%", "offset 0" },  { "ab%", "offset 2" },    { "a%4", "offset 1" },
		{ "%41%G1", "offset 3" }, { "x%1g", "offset 1" },
	};
	struct s3gc_err e;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		err_clear(&e);
		buf_reset(&b);
		buf_adds(&b, "keep", &e);
		rc = uri_decode(&b, cases[i].in, strlen(cases[i].in), 0, &e);
		tap_ok(rc == -1 && e.cls == S3GC_E_DATA, "'%s' is rejected", cases[i].in);
		if (!tap_ok(strstr(e.msg, cases[i].offset) != NULL,
			    "'%s' error names %s", cases[i].in, cases[i].offset))
			tap_diag("message: %s", e.msg);
		tap_is_str(buf_str(&b), "keep", "'%s' leaves the buffer as it was", cases[i].in);
	}
	buf_release(&b);
}

int main(void)
{
	test_encode_bytes(0);
	test_encode_bytes(1);
	test_encode_all();
	test_decode_roundtrip();
	test_plus();
	test_malformed();
	return tap_done();
}
