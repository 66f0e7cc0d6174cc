/* handlers.h - what the S3 operation handlers share: the per-request context and their entry points. */
#ifndef S3MEM_HANDLERS_H
#define S3MEM_HANDLERS_H

#include "server.h"

struct ctx {
	struct server *srv;
	struct req *req;
	struct resp *resp;
	char *bucket;		/* decoded bucket name, "" for the service */
	struct bucket *b;	/* NULL if the bucket does not exist */
	char *key;		/* decoded key, "" for bucket requests */
	size_t klen;
	struct fault_plan plan;
};

/* Each handler fills c->resp; errors become S3 error documents. */
void h_list_buckets(struct ctx *c);
void h_list_objects(struct ctx *c, int v2);
void h_get_object(struct ctx *c);	/* GET and HEAD */
void h_put_object(struct ctx *c);
void h_delete_object(struct ctx *c);

/* PutObject's steps, which the multipart requests share (objects.c).
 * put_body: the request body, aws-chunked decoded (into dec, which the
 * caller frees), checked against Content-MD5, x-amz-checksum-* and
 * x-amz-content-sha256; 0, or -1 with the error answered.
 * put_conditions: If-None-Match: * and If-Match against the object e (NULL
 * if absent); 1 to go on, 0 with the error answered.
 * put_headers: the request's Content-Type and the other headers S3 keeps
 * with an object into o->ctype and o->hdrs. */
int put_body(struct ctx *c, struct buf *dec, const char **body, size_t *n);
int put_conditions(struct ctx *c, const struct entry *e);
void put_headers(struct obj *o, const struct req *rq);

/* Multipart uploads (multipart.c). */
void h_mpu_create(struct ctx *c);
void h_mpu_part(struct ctx *c);
void h_mpu_complete(struct ctx *c);
void h_mpu_abort(struct ctx *c);

/* A parsed DeleteObjects body.  All memory is owned by it: delete_body_free. */
struct delete_body {
	struct keyref *keys;	/* decoded keys, each separately allocated */
	char **etags;		/* per key, NULL when the entry has no ETag */
	size_t n;
	int quiet;
	int bad;		/* the body did not parse: MalformedXML */
};
void delete_body_parse(const char *xml, size_t n, struct delete_body *d);
void delete_body_free(struct delete_body *d);
void h_delete_objects(struct ctx *c, const struct delete_body *d);

void h_create_bucket(struct ctx *c);
void h_head_bucket(struct ctx *c);
void h_delete_bucket(struct ctx *c);
void h_bucket_location(struct ctx *c);

void control_handle(struct server *s, struct req *r, struct resp *resp);

/* Convenience error answers. */
void err_no_bucket(struct ctx *c);
void err_no_key(struct ctx *c);
void err_precondition(struct ctx *c);

/* ETag list match (If-Match / If-None-Match values: "*", quoted, comma lists). */
int etag_list_matches(const char *list, const char *etag);

#endif
