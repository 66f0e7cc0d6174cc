/* hash.h: SHA-256, MD5 and HMAC-SHA256 over OpenSSL, with hex and base64. */
#ifndef S3GC_HASH_H
#define S3GC_HASH_H

#include <stddef.h>

#include "err.h"

#define SHA256_LEN 32
#define MD5_LEN 16
#define SHA256_HEX_LEN 64

/* One-shot digests; -1 with S3GC_E_INTERNAL only if OpenSSL fails. */
int hash_sha256(const void *p, size_t n, unsigned char out[SHA256_LEN],
		struct s3gc_err *e);
int hash_md5(const void *p, size_t n, unsigned char out[MD5_LEN],
	     struct s3gc_err *e);
int hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
		unsigned char out[SHA256_LEN], struct s3gc_err *e);

/* Streaming digest (for object bodies); the context is opaque. */
struct hash_ctx;
enum hash_alg { HASH_SHA256, HASH_MD5 };
/* Returns a context owned by the caller (hash_free), or NULL with e set. */
struct hash_ctx *hash_new(enum hash_alg alg, struct s3gc_err *e);
int hash_update(struct hash_ctx *h, const void *p, size_t n, struct s3gc_err *e);
/* Writes the digest (32 or 16 bytes) into out; the context can't be reused. */
int hash_final(struct hash_ctx *h, unsigned char *out, struct s3gc_err *e);
void hash_free(struct hash_ctx *h);

/* Lowercase hex; out must hold 2n+1 bytes. */
void hex_encode(const unsigned char *in, size_t n, char *out);
/* Standard base64 with padding; out must hold 4*((n+2)/3)+1 bytes; returns length. */
size_t base64_encode(const unsigned char *in, size_t n, char *out);

/* Hex SHA-256 of the empty string, the payload hash of bodiless requests. */
#define SHA256_EMPTY_HEX \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#endif
