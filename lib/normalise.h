/* normalise.h: database column values to S3 keys of our bucket (DESIGN 6). */
#ifndef S3GC_NORMALISE_H
#define S3GC_NORMALISE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * What a value refers to. NORM_FOREIGN is an object of another bucket: not
 * a reference to ours. NORM_UNKNOWN is a value we cannot read as a key (a
 * CDN URL, another scheme, a bad escape, a key that S3 could not hold); the
 * caller must warn about it, because taking it for "no reference" could
 * delete an object that is still referenced.
 */
enum norm_result { NORM_NONE = 0, NORM_KEY, NORM_FOREIGN, NORM_UNKNOWN };

/*
 * What "our bucket" is. All strings are borrowed for the call; bucket must
 * not be NULL. endpoint may be NULL (AWS only); otherwise it is a URL such
 * as "http://127.0.0.1:9000" (an optional path prefix such as "http://h/s3"
 * is honoured; an endpoint that does not parse matches nothing). region is not
 * compared with the region in a URL: bucket names are unique within a
 * partition, and a false "foreign" could delete a referenced object, so a
 * URL naming our bucket in any region (or in aws-cn) counts as ours.
 */
struct norm_ctx {
	const char *bucket;
	const char *region;
	const char *endpoint;
};

/*
 * Normalise the value v[0..n) (not NUL-terminated; SQL NULL is the caller's
 * business). out is reset first; on NORM_KEY it holds the key, otherwise it
 * is left empty. The rules, in order:
 *
 * - Empty, or only ASCII whitespace (space, \t \n \v \f \r): NORM_NONE.
 *   Nothing is trimmed otherwise: S3 keys may begin or end with spaces.
 * - "s3://BUCKET/KEY" (scheme in any case): KEY exactly as written, not
 *   percent-decoded and with '?' and '#' kept, as the AWS CLI writes them.
 *   BUCKET is compared exactly. Another bucket: NORM_FOREIGN (even without a
 *   key). "s3://BUCKET" or "s3://BUCKET/": NORM_NONE. "s3://" or
 *   "s3:///KEY": NORM_UNKNOWN.
 * - "http://" and "https://" URLs (scheme and host in any case, an optional
 *   port, one trailing dot on the host allowed, no user info): the query
 *   ("?...") and fragment ("#...") are dropped (presigned URLs carry
 *   X-Amz-* queries) and the path is percent-decoded with '+' kept as a
 *   plus. Recognised:
 *     the configured endpoint, path-style: ENDPOINT/BUCKET/KEY (scheme,
 *       host and port must match; a missing port is the scheme's default);
 *     AWS virtual-hosted: BUCKET.s3.amazonaws.com, BUCKET.s3.REGION...,
 *       BUCKET.s3-REGION..., BUCKET.s3.dualstack.REGION..., and any other
 *       "s3-*" label (s3-accelerate, s3-website-REGION, s3-external-1);
 *       the bucket, taken from the host, is compared without case;
 *     AWS path-style: s3.amazonaws.com/BUCKET/KEY, s3.REGION..., s3-REGION...,
 *       s3.dualstack.REGION...; the bucket (decoded) is compared exactly;
 *   all under .amazonaws.com or .amazonaws.com.cn. Another bucket:
 *   NORM_FOREIGN. Our bucket with an empty key, or a path-style URL with
 *   no bucket at all: NORM_NONE. Any other host (other AWS services,
 *   PrivateLink "vpce" names included),
 *   a malformed authority or a bad %-escape: NORM_UNKNOWN.
 * - "//HOST/PATH" (scheme-relative) is read like an http(s) URL, matching
 *   the endpoint by host and port only; if it is none of the above it is
 *   NORM_UNKNOWN, not a bare key.
 * - Any other "scheme://..." (gs://, ftp://, ...): NORM_UNKNOWN.
 * - Anything else is a bare key: the value as is, except that one leading
 *   '/' is removed; it is not percent-decoded (a key may hold '%').
 *
 * A key must be non-empty, at most 1,024 bytes and valid UTF-8; a key that
 * is not (so also a bare "/") gives NORM_UNKNOWN, not an error.
 * Returns 0 with *res set, or -1 only when memory runs out (S3GC_E_SYS, or
 * whatever out's own size cap reports).
 */
int norm_value(const struct norm_ctx *c, const char *v, size_t n,
	       struct buf *out, enum norm_result *res, struct s3gc_err *e);

/* The longest key S3 accepts, in bytes. */
#define NORM_KEY_MAX 1024

/*
 * A list of byte strings: element i is arena.data[off[i] .. off[i]+len[i]),
 * followed by a NUL so it may also be used as a C string (it may hold NULs
 * itself). The list owns all its memory; pointers into the arena are valid
 * until the next append, reset or release.
 */
struct norm_list {
	struct buf arena;
	size_t *off, *len;
	size_t n, cap;
};

void norm_list_init(struct norm_list *l);
/* Free everything; the list is then empty and may be used again. */
void norm_list_release(struct norm_list *l);
/* Drop the elements, keeping the memory. */
void norm_list_reset(struct norm_list *l);
/* Element i (i < n) and its length (if len is non-NULL); owned by the list. */
const char *norm_list_at(const struct norm_list *l, size_t i, size_t *len);

/*
 * Append the elements of a PostgreSQL array in its text output form,
 * v[0..n): "{a,b,\"c d\",\"e\\\"f\",NULL}". As PostgreSQL's array_in reads
 * it: whitespace around elements is ignored; a backslash takes the next
 * byte literally, inside quotes or not; an unquoted NULL (any case) is a
 * null element and is skipped, a quoted "NULL" is the string; an unquoted
 * empty element is an error; nested arrays are flattened (each level
 * holding only arrays or only elements); a leading dimension decoration
 * ("[0:1]={...}") is skipped. Returns 0, or -1 with S3GC_E_DATA on
 * malformed input (the message names the offset) or S3GC_E_SYS; on
 * failure the list is as it was before the call.
 */
int norm_pg_array(const char *v, size_t n, struct norm_list *out,
		  struct s3gc_err *e);

/*
 * Append the strings of a JSON text v[0..n) (RFC 8259): an array of
 * strings and nulls (nulls skipped), a single string (one element), or
 * null (no element). Any other value or element type (numbers, objects,
 * nested arrays), trailing commas, or anything after the value is an error.
 * String escapes are decoded in full, \uXXXX surrogate pairs to one UTF-8
 * sequence; a lone surrogate, a raw control character or bytes that are
 * not UTF-8 are errors. Returns 0, or -1 with S3GC_E_DATA (the message
 * names the offset) or S3GC_E_SYS; on failure the list is as it was.
 */
int norm_json_array(const char *v, size_t n, struct norm_list *out,
		    struct s3gc_err *e);

#endif
