/*
 * s3.h: an S3 client: where requests go (endpoint, addressing), signed
 * request construction, and how a response is judged (done, retry, fail).
 */
#ifndef S3GC_S3_H
#define S3GC_S3_H

#include <curl/curl.h>

#include "buf.h"
#include "creds.h"
#include "err.h"
#include "http.h"
#include "sigv4.h"

/* Strings are heap memory owned by the client (s3_client_release). */
struct s3_client {
	char *bucket;
	char *region;
	char *base;        /* scheme://authority, no trailing slash */
	char *host;        /* the Host header value */
	char *path_prefix; /* "/bucket" (path-style) or "" (virtual-hosted) */
	struct creds creds;
	struct http_policy policy;
};

/*
 * endpoint NULL: AWS, virtual-hosted (path-style when the bucket name has
 * a dot); otherwise path-style on that endpoint (http:// or https://).
 * Loads credentials (creds_load): none found is S3GC_E_CONFIG.
 */
int s3_client_init(struct s3_client *c, const char *bucket, const char *region,
		   const char *endpoint, struct s3gc_err *e);
void s3_client_release(struct s3_client *c);

/*
 * Build a request signed now: the URL into url, the headers (Host,
 * x-amz-date, x-amz-content-sha256, Authorization, any extra ones) into
 * *hdrs (caller frees, or hands to http_xfer_prepare). key NULL addresses
 * the bucket. payload_hash NULL means an empty body.
 */
int s3_build(const struct s3_client *c, const char *method, const char *key,
	     size_t keylen, const struct sigv4_param *params, size_t nparams,
	     const char *payload_hash, struct buf *url, struct curl_slist **hdrs,
	     struct s3gc_err *e);

#define S3_MAX_EXTRA 80 /* extra headers of one request */

/* s3_build with extra headers, signed and sent (Content-MD5, If-Match,
 * x-amz-meta-*, ...): at most S3_MAX_EXTRA. */
int s3_build_hdrs(const struct s3_client *c, const char *method, const char *key,
		  size_t keylen, const struct sigv4_param *params, size_t nparams,
		  const char *payload_hash, const struct sigv4_header *extra,
		  size_t nextra, struct buf *url, struct curl_slist **hdrs,
		  struct s3gc_err *e);

enum s3_verdict { S3_DONE, S3_RETRY, S3_FAIL };

/*
 * Judge a finished try from curl's result and the response. what names the
 * request in messages ("list 's3://b/'"). When the body of a 2xx was parsed
 * and rejected, pass that error in body_err (else NULL). On S3_RETRY and
 * S3_FAIL, e says why; a retry that runs out keeps that message.
 */
enum s3_verdict s3_judge(const struct http_xfer *x, CURLcode rc,
			 const struct s3gc_err *body_err, const char *what,
			 struct s3gc_err *e);

/* Judge an S3 error document that came with a 2xx status. */
enum s3_verdict s3_judge_code(const char *code, const char *msg,
			      const char *request_id, long status,
			      const char *what, struct s3gc_err *e);

#endif
