/*
 * s3mpu.h: multipart uploads (CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload, AbortMultipartUpload), each request signed
 * anew and retried as the client's policy says (s3obj.h).
 */
#ifndef S3GC_S3MPU_H
#define S3GC_S3MPU_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"
#include "rec.h"
#include "s3.h"

#define S3MPU_MIN_PART (5ULL << 20)      /* every part but the last */
#define S3MPU_MAX_PART (5ULL << 30)
#define S3MPU_MAX_PARTS 10000
#define S3MPU_MAX_ID 1024                 /* an upload id is shorter */

struct s3mpu_part {
	unsigned number;                  /* 1..S3MPU_MAX_PARTS, ascending */
	char etag[ETAG_MAX + 1];          /* lowercase, no quotes */
};

/*
 * The part size for an object of size bytes: want (at least
 * S3MPU_MIN_PART), raised so that the parts are at most S3MPU_MAX_PARTS,
 * in whole MiB.
 */
uint64_t s3mpu_part_size(uint64_t size, uint64_t want);

/* Start an upload of key with the object headers hdrs[0..n); its id into
 * id. */
int s3mpu_create(const struct s3_client *c, struct http_xfer *x, const char *key,
		 size_t keylen, const struct sigv4_header *hdrs, size_t n,
		 char id[S3MPU_MAX_ID + 1], struct s3gc_err *e);

/*
 * Send part `number`: p[0..n), with its MD5 (Content-MD5) and SHA-256
 * (the payload hash) so that the server checks the bytes. The part's
 * ETag into etag; one that is not the MD5 of the bytes is an error unless
 * the upload is encrypted with SSE-KMS (the ETag is then no MD5).
 */
int s3mpu_part(const struct s3_client *c, struct http_xfer *x, const char *key,
	       size_t keylen, const char *id, unsigned number, const char *p, size_t n,
	       char etag[ETAG_MAX + 1], struct s3gc_err *e);

/*
 * Join the parts parts[0..n) into the object. if_none_match: only if no
 * object has the key (S3GC_E_S3 with code 412 otherwise). The object's
 * ETag into etag (may be NULL). A 200 whose body is an error is an error
 * (retried when it says so).
 */
int s3mpu_complete(const struct s3_client *c, struct http_xfer *x, const char *key,
		   size_t keylen, const char *id, const struct s3mpu_part *parts,
		   size_t n, int if_none_match, char etag[ETAG_MAX + 1],
		   struct s3gc_err *e);

/* Give the upload up: the server drops its parts. */
int s3mpu_abort(const struct s3_client *c, struct http_xfer *x, const char *key,
		size_t keylen, const char *id, struct s3gc_err *e);

/*
 * Read an answer: its root element into root (cap bytes) and the text of
 * the root's children named in names[0..n) into vals[i] (cap bytes each,
 * "" when absent, cut to cap - 1 bytes when longer). For tests, and for
 * the requests above.
 */
int s3mpu_parse(const char *xml, size_t len, char *root, size_t rootcap,
		const char *const *names, char *const *vals, size_t n, size_t cap,
		struct s3gc_err *e);

#endif
