/*
 * s3obj.h: object requests (HEAD, GET, PUT, DELETE, DeleteObjects), each
 * signed anew and retried as the client's policy says (503, SlowDown,
 * resets, timeouts; Retry-After honoured). One request at a time on the
 * transfer given; use one transfer per thread.
 */
#ifndef S3GC_S3OBJ_H
#define S3GC_S3OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "http.h"
#include "rec.h"
#include "s3.h"
#include "s3del.h"

/* What a HEAD or GET said of an object. */
struct s3_objhead {
	int found;
	uint64_t size;
	int64_t last_modified;   /* Unix seconds, 0 if not sent */
	char etag[ETAG_MAX + 1]; /* lowercase, no quotes; "" if not sent */
	/*
	 * The headers worth keeping with a copy: content-type,
	 * content-encoding, cache-control, content-disposition,
	 * content-language, expires and x-amz-meta-*, as "name\0value\0"
	 * pairs, names lower case.
	 */
	struct buf meta;
	size_t nmeta;
	char sse[32];            /* x-amz-server-side-encryption, "" if none */
};

void s3_objhead_init(struct s3_objhead *h);
void s3_objhead_release(struct s3_objhead *h);

/* The i-th kept header, into *name and *value (in h->meta). */
void s3_objhead_meta(const struct s3_objhead *h, size_t i, const char **name,
		     const char **value);

/*
 * Where a GET's body goes; restart (may be NULL) empties it before a
 * retry. When write refuses bytes (returns -1) it leaves why in *errp,
 * and that is the GET's error (not retried).
 */
struct s3_sink {
	http_body_fn write;
	int (*restart)(void *arg, struct s3gc_err *e);
	void *arg;
	const struct s3gc_err *errp;
};

/* Where a PUT's body comes from: size bytes; rewind before a retry. */
struct s3_source {
	http_read_fn read;
	int (*rewind)(void *arg, struct s3gc_err *e);
	void *arg;
	uint64_t size;
	const char *sha256; /* hex SHA-256 of the bytes, NULL: UNSIGNED-PAYLOAD */
};

/* HEAD: h->found = 0 (and 0 returned) when there is no such object. */
int s3_head_object(const struct s3_client *c, struct http_xfer *x,
		   const char *key, size_t keylen, struct s3_objhead *h,
		   struct s3gc_err *e);

/*
 * GET, the body to sink. With if_match (an ETag), an object whose ETag
 * is no longer that is S3GC_E_S3 with code 412. A missing object is
 * S3GC_E_S3 with code 404. A body shorter than its Content-Length is
 * retried.
 */
int s3_get_object(const struct s3_client *c, struct http_xfer *x,
		  const char *key, size_t keylen, const char *if_match,
		  const struct s3_sink *sink, struct s3_objhead *h,
		  struct s3gc_err *e);

/*
 * PUT from src with the headers hdrs[0..n) (Content-Type, x-amz-meta-*,
 * ...). if_none_match: only if no object has the key (412 otherwise,
 * S3GC_E_S3 with code 412). The new ETag into etag (may be NULL).
 */
int s3_put_object(const struct s3_client *c, struct http_xfer *x,
		  const char *key, size_t keylen, const struct s3_source *src,
		  const struct sigv4_header *hdrs, size_t n, int if_none_match,
		  char etag[ETAG_MAX + 1], struct s3gc_err *e);

/* DELETE, only while the ETag is if_match (if given: 412 otherwise). */
int s3_delete_object(const struct s3_client *c, struct http_xfer *x,
		     const char *key, size_t keylen, const char *if_match,
		     struct s3gc_err *e);

/*
 * DeleteObjects of objs[0..n) (see s3del.h), not quiet: fn hears of each
 * key deleted or refused. 0 only when the whole answer was read.
 */
int s3_delete_objects(const struct s3_client *c, struct http_xfer *x,
		      const struct s3del_obj *objs, size_t n, s3del_fn *fn,
		      void *arg, struct s3gc_err *e);

#endif
