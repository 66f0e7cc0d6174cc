/* digest.h - MD5 (EVP) for ETags and Content-MD5, and the checksums S3 clients may send. */
#ifndef S3MEM_DIGEST_H
#define S3MEM_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct md5 {
	void *ctx;	/* EVP_MD_CTX */
};

void md5_init(struct md5 *m);
void md5_update(struct md5 *m, const void *p, size_t n);
void md5_final(struct md5 *m, unsigned char out[16]);	/* also frees the context */
/* The digest of what was fed so far; m keeps running. */
void md5_peek(const struct md5 *m, unsigned char out[16]);
void md5_once(const void *p, size_t n, unsigned char out[16]);

/* Checks a base64 digest header value against body.  alg is "md5" (Content-MD5)
 * or an x-amz-checksum-ALG suffix: crc32, crc32c, sha1, sha256.
 * Returns 1 on match, 0 on mismatch or malformed value, -1 if alg is unknown
 * here (e.g. crc64nvme) and so cannot be checked. */
int digest_check_b64(const char *alg, const void *body, size_t n,
		     const char *b64, size_t b64len);

/* SHA-256 of body as lowercase hex (65 bytes with NUL). */
void sha256_hex(const void *body, size_t n, char out[65]);

#endif
