/* digest.c - MD5 through OpenSSL EVP, CRC32/CRC32C in software, digest header checks. */
#include "digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "codec.h"

static void die_crypto(void)
{
	fputs("s3mem: OpenSSL digest failure\n", stderr);
	abort();
}

void md5_init(struct md5 *m)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, EVP_md5(), NULL))
		die_crypto();
	m->ctx = c;
}

void md5_update(struct md5 *m, const void *p, size_t n)
{
	if (n && !EVP_DigestUpdate(m->ctx, p, n))
		die_crypto();
}

void md5_final(struct md5 *m, unsigned char out[16])
{
	unsigned len = 16;
	if (!EVP_DigestFinal_ex(m->ctx, out, &len))
		die_crypto();
	EVP_MD_CTX_free(m->ctx);
	m->ctx = NULL;
}

void md5_peek(const struct md5 *m, unsigned char out[16])
{
	struct md5 copy;
	copy.ctx = EVP_MD_CTX_new();
	if (!copy.ctx || !EVP_MD_CTX_copy_ex(copy.ctx, m->ctx))
		die_crypto();
	md5_final(&copy, out);
}

void md5_once(const void *p, size_t n, unsigned char out[16])
{
	struct md5 m;
	md5_init(&m);
	md5_update(&m, p, n);
	md5_final(&m, out);
}

static void evp_digest(const EVP_MD *md, const void *p, size_t n, unsigned char *out)
{
	unsigned len;
	if (!EVP_Digest(p, n, out, &len, md, NULL))
		die_crypto();
}

void sha256_hex(const void *body, size_t n, char out[65])
{
	unsigned char d[32];
	evp_digest(EVP_sha256(), body, n, d);
	hex_lower(d, 32, out);
}

/* Reflected CRC with the given polynomial; tables built on first use. */
static uint32_t crc_reflected(uint32_t poly, uint32_t table[256], int *ready,
			      const unsigned char *p, size_t n)
{
	if (!*ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? poly ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		*ready = 1;
	}
	uint32_t c = 0xFFFFFFFFu;
	while (n--)
		c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static uint32_t crc32_ieee(const void *p, size_t n)
{
	static uint32_t t[256];
	static int ready;
	return crc_reflected(0xEDB88320u, t, &ready, p, n);
}

static uint32_t crc32_castagnoli(const void *p, size_t n)
{
	static uint32_t t[256];
	static int ready;
	return crc_reflected(0x82F63B78u, t, &ready, p, n);
}

static void be32(uint32_t v, unsigned char out[4])
{
	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

int digest_check_b64(const char *alg, const void *body, size_t n,
		     const char *b64, size_t b64len)
{
	unsigned char want[64];
	size_t wlen;
	if (!strcmp(alg, "md5")) {
		md5_once(body, n, want);
		wlen = 16;
	} else if (!strcmp(alg, "sha1")) {
		evp_digest(EVP_sha1(), body, n, want);
		wlen = 20;
	} else if (!strcmp(alg, "sha256")) {
		evp_digest(EVP_sha256(), body, n, want);
		wlen = 32;
	} else if (!strcmp(alg, "crc32")) {
		be32(crc32_ieee(body, n), want);
		wlen = 4;
	} else if (!strcmp(alg, "crc32c")) {
		be32(crc32_castagnoli(body, n), want);
		wlen = 4;
	} else {
		return -1;
	}
	struct buf got = BUF_INIT;
	int ok = base64_decode(b64, b64len, &got) == 0 && got.len == wlen &&
		 !memcmp(got.p, want, wlen);
	buf_free(&got);
	return ok;
}
