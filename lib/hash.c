/* hash.c: SHA-256, MD5 and HMAC-SHA256 over OpenSSL 3's EVP interface, hex and base64. */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hash.h"

struct hash_ctx {
	EVP_MD_CTX *md;
	enum hash_alg alg;
};

/* OpenSSL's own error queue is not ours to print; name the failing step. */
static int ossl_fail(struct s3gc_err *e, const char *what)
{
	return err_set(e, S3GC_E_INTERNAL, 0, "openssl: %s failed", what);
}

static const EVP_MD *alg_md(enum hash_alg alg)
{
	return alg == HASH_MD5 ? EVP_md5() : EVP_sha256();
}

/*
 * EVP_sha256() makes OpenSSL 3 look the algorithm up (under a lock) on
 * every use; the row map hashes millions of short keys, so fetch it once.
 * The fetched object lives as long as the process.
 */
static EVP_MD *sha256_fetched;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256_fetched ? sha256_fetched : EVP_sha256();
}

static int digest(const EVP_MD *md, const void *p, size_t n,
		  unsigned char *out, struct s3gc_err *e)
{
	/* EVP_Digest rejects a NULL pointer even when n == 0. */
	if (!p)
		p = "";
	if (EVP_Digest(p, n, out, NULL, md, NULL) != 1)
		return ossl_fail(e, "digest");
	return 0;
}

int hash_sha256(const void *p, size_t n, unsigned char out[SHA256_LEN],
		struct s3gc_err *e)
{
	return digest(sha256_md(), p, n, out, e);
}

int hash_md5(const void *p, size_t n, unsigned char out[MD5_LEN],
	     struct s3gc_err *e)
{
	return digest(EVP_md5(), p, n, out, e);
}

int hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
		unsigned char out[SHA256_LEN], struct s3gc_err *e)
{
	unsigned int len = SHA256_LEN;

	if (keylen > (size_t)INT_MAX)
		return err_set(e, S3GC_E_INTERNAL, 0, "hmac key too long");
	/* HMAC() is the one-shot call OpenSSL 3 keeps undeprecated. */
	if (!HMAC(EVP_sha256(), key ? key : "", (int)keylen,
		  msg ? msg : (const void *)"", msglen, out, &len) ||
	    len != SHA256_LEN)
		return ossl_fail(e, "hmac");
	return 0;
}

struct hash_ctx *hash_new(enum hash_alg alg, struct s3gc_err *e)
{
	struct hash_ctx *h = calloc(1, sizeof(*h));

	if (!h) {
		err_set(e, S3GC_E_SYS, 0, "cannot allocate a hash context");
		return NULL;
	}
	h->alg = alg;
	h->md = EVP_MD_CTX_new();
	if (!h->md || EVP_DigestInit_ex(h->md, alg_md(alg), NULL) != 1) {
		hash_free(h);
		ossl_fail(e, "digest init");
		return NULL;
	}
	return h;
}

int hash_update(struct hash_ctx *h, const void *p, size_t n, struct s3gc_err *e)
{
	if (n == 0)
		return 0;
	if (EVP_DigestUpdate(h->md, p, n) != 1)
		return ossl_fail(e, "digest update");
	return 0;
}

int hash_final(struct hash_ctx *h, unsigned char *out, struct s3gc_err *e)
{
	if (EVP_DigestFinal_ex(h->md, out, NULL) != 1)
		return ossl_fail(e, "digest final");
	return 0;
}

void hash_free(struct hash_ctx *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

void hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

size_t base64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 |
				  (unsigned long)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		unsigned long v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}
