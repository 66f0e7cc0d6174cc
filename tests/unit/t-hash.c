/* t-hash.c: known-answer tests for SHA-256, MD5, HMAC-SHA256, hex and base64. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "tap.h"

static void hexof(const unsigned char *md, size_t n, char *out)
{
	hex_encode(md, n, out);
}

static void test_sha256(void)
{
	struct s3gc_err e;
	unsigned char md[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	tap_ok(hash_sha256("", 0, md, &e) == 0, "sha256 of '' succeeds");
	hexof(md, sizeof(md), hex);
	tap_is_str(hex, SHA256_EMPTY_HEX, "sha256 of ''");
	hash_sha256(NULL, 0, md, &e);
	hexof(md, sizeof(md), hex);
	tap_is_str(hex, SHA256_EMPTY_HEX, "sha256 of NULL, 0");
	hash_sha256("abc", 3, md, &e);
	hexof(md, sizeof(md), hex);
	tap_is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "sha256 of 'abc'");
}

static void test_md5(void)
{
	struct s3gc_err e;
	unsigned char md[MD5_LEN];
	char hex[2 * MD5_LEN + 1];

	tap_ok(hash_md5("", 0, md, &e) == 0, "md5 of '' succeeds");
	hexof(md, sizeof(md), hex);
	tap_is_str(hex, "d41d8cd98f00b204e9800998ecf8427e", "md5 of ''");
	hash_md5("abc", 3, md, &e);
	hexof(md, sizeof(md), hex);
	tap_is_str(hex, "900150983cd24fb0d6963f7d28e17f72", "md5 of 'abc'");
}

/* RFC 4231 test cases 1 and 2. */
static void test_hmac(void)
{
	struct s3gc_err e;
	unsigned char key1[20], md[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	memset(key1, 0x0b, sizeof(key1));
	tap_ok(hmac_sha256(key1, sizeof(key1), "Hi There", 8, md, &e) == 0,
	       "hmac rfc4231 case 1 succeeds");
	hexof(md, sizeof(md), hex);
	tap_is_str(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		   "hmac-sha256 rfc4231 case 1");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md, &e);
	hexof(md, sizeof(md), hex);
	tap_is_str(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		   "hmac-sha256 rfc4231 case 2");
}

static int stream_equals_oneshot(enum hash_alg alg, const unsigned char *data,
				 size_t n, unsigned seed)
{
	struct s3gc_err e;
	unsigned char one[SHA256_LEN], two[SHA256_LEN];
	size_t len = alg == HASH_MD5 ? MD5_LEN : SHA256_LEN, off = 0;
	struct hash_ctx *h = hash_new(alg, &e);
	int ok;

	if (!h)
		return 0;
	srand(seed);
	while (off < n) {
		size_t k = (size_t)rand() % 300;
		if (k > n - off)
			k = n - off;
		if (hash_update(h, data + off, k, &e) < 0)
			break;
		off += k;
	}
	ok = off == n && hash_final(h, two, &e) == 0;
	hash_free(h);
	if (alg == HASH_MD5)
		hash_md5(data, n, one, &e);
	else
		hash_sha256(data, n, one, &e);
	return ok && memcmp(one, two, len) == 0;
}

static void test_streaming(void)
{
	unsigned char data[5000];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131 + 7);
	for (unsigned seed = 1; seed <= 5; seed++) {
		size_t n = seed == 1 ? 0 : sizeof(data) / seed;
		tap_ok(stream_equals_oneshot(HASH_SHA256, data, n, seed),
		       "streaming sha256 equals one-shot, %zu bytes, split seed %u", n, seed);
		tap_ok(stream_equals_oneshot(HASH_MD5, data, n, seed),
		       "streaming md5 equals one-shot, %zu bytes, split seed %u", n, seed);
	}
}

/* RFC 4648 section 10. */
static void test_base64(void)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
					    "Zm9vYmE=", "Zm9vYmFy" };
	char out[16];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t n = base64_encode((const unsigned char *)in[i], strlen(in[i]), out);
		tap_is_str(out, want[i], "base64 of '%s'", in[i]);
		tap_is_int(n, strlen(want[i]), "base64 length of '%s'", in[i]);
	}
}

static void test_hex(void)
{
	const unsigned char in[] = { 0x00, 0x0f, 0xa5, 0xff };
	char out[9];

	hex_encode(in, sizeof(in), out);
	tap_is_str(out, "000fa5ff", "hex is lowercase, two digits a byte");
	hex_encode(in, 0, out);
	tap_is_str(out, "", "hex of nothing is empty");
}

int main(void)
{
	test_sha256();
	test_md5();
	test_hmac();
	test_streaming();
	test_base64();
	test_hex();
	return tap_done();
}
