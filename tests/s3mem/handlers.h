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
