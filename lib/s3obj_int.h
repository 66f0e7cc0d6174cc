/*
 * s3obj_int.h: the request loop behind s3obj.h, for the files that add
 * requests of their own (s3mpu.c). Not part of the library's interface.
 */
#ifndef S3GC_S3OBJ_INT_H
#define S3GC_S3OBJ_INT_H

#include "s3obj.h"

/* One request: what is signed and sent, and where the answer goes. */
struct s3obj_call_spec {
	const char *method;
	const char *key;
	size_t keylen;
	const struct sigv4_param *params;
	size_t nparams;
	const char *payload_hash;
	const struct sigv4_header *hdrs;
	size_t nhdrs;
	const char *body;          /* in memory */
	size_t bodylen;
	const struct s3_source *src;
	const struct s3_sink *sink;
	http_body_fn on_body;      /* when there is no sink */
	void *body_arg;
	struct s3_objhead *head;
	long answer;               /* a status that is an answer (404 for HEAD), or 0 */
	const char *what;
};

/* Send rq, signed anew and retried per c's policy. 0: 2xx; 1: the status
 * rq->answer; -1: failed (e). */
int s3obj_call(const struct s3_client *c, struct http_xfer *x,
	       const struct s3obj_call_spec *rq, struct s3gc_err *e);

/* A request on key, named in messages as "VERB 'key'", with If-Match
 * if_match when given; the strings live in the struct. */
struct s3obj_req {
	struct s3obj_call_spec rq;
	struct sigv4_header im;
	char what[256], quoted[ETAG_MAX + 3];
};

void s3obj_key_req(struct s3obj_req *k, const char *method, const char *key,
		   size_t keylen, const char *if_match);

/* An http_body_fn appending to the struct buf at arg. */
int s3obj_collect(void *arg, const char *p, size_t n);

void s3obj_sleep_ms(long ms);

#endif
