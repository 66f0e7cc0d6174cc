/* server.c - request routing, statistics and fault application around the S3 handlers. */
#include "server.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "codec.h"
#include "handlers.h"

#define MAX_KEY 1024

enum route {
	R_LIST_BUCKETS, R_LOCATION, R_LIST_V1, R_LIST_V2, R_CREATE_BUCKET, R_HEAD_BUCKET,
	R_DELETE_BUCKET, R_DELOBJ, R_GET, R_HEAD, R_PUT, R_DELETE, R_MPU_CREATE, R_MPU_PART,
	R_MPU_COMPLETE, R_MPU_ABORT, R_NOT_IMPL, R_BAD_METHOD
};

static int is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* Multipart requests (?uploads, ?uploadId): 1 with *rt set, else 0.  The
 * four on an object are served; the rest (ListMultipartUploads, ListParts)
 * are R_NOT_IMPL. */
static int multipart_route(const struct ctx *c, enum route *rt)
{
	const char *m = c->req->method;
	int uploads = req_param(c->req, "uploads", NULL) != NULL;
	int id = req_param(c->req, "uploadId", NULL) != NULL;
	if (!uploads && !id)
		return 0;
	*rt = R_NOT_IMPL;
	if (!*c->bucket || !c->klen)
		return 1;
	if (uploads)
		*rt = is(m, "POST") ? R_MPU_CREATE : R_NOT_IMPL;
	else if (is(m, "PUT"))
		*rt = R_MPU_PART;
	else if (is(m, "POST"))
		*rt = R_MPU_COMPLETE;
	else if (is(m, "DELETE"))
		*rt = R_MPU_ABORT;
	return 1;
}

static enum route route_of(const struct ctx *c)
{
	const char *m = c->req->method;
	enum route rt;
	/* CopyObject and UploadPartCopy: answering 501 beats silently doing
	 * the wrong thing (storing the empty request body). */
	if (req_hdr(c->req, "x-amz-copy-source"))
		return R_NOT_IMPL;
	if (multipart_route(c, &rt))
		return rt;
	if (!*c->bucket)
		return is(m, "GET") ? R_LIST_BUCKETS : R_BAD_METHOD;
	if (!c->klen) {
		if (is(m, "GET")) {
			const char *lt = req_param(c->req, "list-type", NULL);
			if (req_param(c->req, "location", NULL))
				return R_LOCATION;
			return lt && is(lt, "2") ? R_LIST_V2 : R_LIST_V1;
		}
		if (is(m, "PUT"))
			return R_CREATE_BUCKET;
		if (is(m, "HEAD"))
			return R_HEAD_BUCKET;
		if (is(m, "DELETE"))
			return R_DELETE_BUCKET;
		if (is(m, "POST") && req_param(c->req, "delete", NULL))
			return R_DELOBJ;
		return R_BAD_METHOD;
	}
	if (is(m, "GET"))
		return R_GET;
	if (is(m, "HEAD"))
		return R_HEAD;
	if (is(m, "PUT"))
		return R_PUT;
	if (is(m, "DELETE"))
		return R_DELETE;
	return R_BAD_METHOD;
}

static unsigned op_of(enum route rt, struct stats *st)
{
	switch (rt) {
	case R_LIST_V1: case R_LIST_V2: st->list++; return OP_LIST;
	case R_GET: st->get++; return OP_GET;
	case R_HEAD: st->head++; return OP_HEAD;
	case R_PUT: st->put++; return OP_PUT;
	case R_DELETE: st->del++; return OP_DELETE;
	case R_DELOBJ: st->delobj++; return OP_DELOBJ;
	case R_MPU_CREATE: st->mpu_create++; return OP_UPLOADS;
	case R_MPU_PART: st->mpu_part++; return OP_PART;
	case R_MPU_COMPLETE: st->mpu_complete++; return OP_COMPLETE;
	case R_MPU_ABORT: st->mpu_abort++; return OP_ABORT;
	default: return OP_BUCKET;
	}
}

/* Splits "/bucket/key" and decodes both.  Returns 0, or -1 (bad escape). */
static int split_path(struct ctx *c, struct buf *bk, struct buf *key)
{
	const char *p = c->req->path + 1;
	const char *slash = strchr(p, '/');
	size_t blen = slash ? (size_t)(slash - p) : strlen(p);
	buf_reserve(bk, 1);
	buf_reserve(key, 1);
	if (url_decode(p, blen, bk, 0) < 0)
		return -1;
	if (slash && url_decode(slash + 1, strlen(slash + 1), key, 0) < 0)
		return -1;
	c->bucket = bk->p;
	c->key = key->p;
	c->klen = key->len;
	return 0;
}

static const char *default_message(const char *code)
{
	static const struct { const char *code, *msg; } m[] = {
		{ "SlowDown", "Please reduce your request rate." },
		{ "InternalError", "We encountered an internal error. Please try again." },
		{ "ServiceUnavailable", "Service is unable to handle request." },
		{ "AccessDenied", "Access Denied" },
		{ "NoSuchKey", "The specified key does not exist." },
		{ "PreconditionFailed", "At least one of the pre-conditions you specified did not hold" },
		{ "RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period." },
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (is(m[i].code, code))
			return m[i].msg;
	return "Fault injected by s3mem";
}

static void run_route(struct ctx *c, enum route rt, const struct delete_body *d)
{
	switch (rt) {
	case R_LIST_BUCKETS: h_list_buckets(c); break;
	case R_LOCATION: h_bucket_location(c); break;
	case R_LIST_V1: h_list_objects(c, 0); break;
	case R_LIST_V2: h_list_objects(c, 1); break;
	case R_CREATE_BUCKET: h_create_bucket(c); break;
	case R_HEAD_BUCKET: h_head_bucket(c); break;
	case R_DELETE_BUCKET: h_delete_bucket(c); break;
	case R_DELOBJ: h_delete_objects(c, d); break;
	case R_GET: case R_HEAD: h_get_object(c); break;
	case R_PUT: h_put_object(c); break;
	case R_DELETE: h_delete_object(c); break;
	case R_MPU_CREATE: h_mpu_create(c); break;
	case R_MPU_PART: h_mpu_part(c); break;
	case R_MPU_COMPLETE: h_mpu_complete(c); break;
	case R_MPU_ABORT: h_mpu_abort(c); break;
	case R_NOT_IMPL:
		resp_error(c->resp, 501, "NotImplemented",
			   "A header or query you provided implies functionality that s3mem does not implement (copy, ListParts, ListMultipartUploads).",
			   NULL, NULL, 0);
		break;
	case R_BAD_METHOD:
		resp_error(c->resp, 405, "MethodNotAllowed",
			   "The specified method is not allowed against this resource.", NULL, NULL, 0);
		break;
	}
}

/* Faults that replace the answer; returns 1 if one did. */
static int fault_answer(struct ctx *c)
{
	struct fault_plan *p = &c->plan;
	const char *key = c->klen ? c->key : NULL;
	if (p->status) {
		resp_error(c->resp, p->status, p->code,
			   p->message ? p->message : default_message(p->code), NULL, key, c->klen);
		if (p->retry_after >= 0)
			resp_hdr(c->resp, "Retry-After", "%ld", p->retry_after);
		return 1;
	}
	if (p->error200) {
		resp_error(c->resp, 200, "InternalError", default_message("InternalError"),
			   NULL, key, c->klen);
		return 1;
	}
	if (p->ifmatch_fail) {
		err_precondition(c);
		return 1;
	}
	return 0;
}

static void apply_delivery(struct server *s, struct ctx *c)
{
	struct resp *r = c->resp;
	struct fault_plan *p = &c->plan;
	if (p->truncate >= 0 && !r->head_only && r->len > (uint64_t)p->truncate)
		r->len = r->clen = (uint64_t)p->truncate;
	r->delay_ms = s->latency_ms + (p->stall_ms > 0 ? p->stall_ms : 0);
	r->pause_ms = p->stall_body_ms;
	r->reset_after = p->reset_after;
}

static void handle_s3(struct server *s, struct req *r, struct resp *resp)
{
	struct buf bk = BUF_INIT, key = BUF_INIT;
	struct delete_body d = { 0 };
	struct ctx c = { .srv = s, .req = r, .resp = resp };
	int64_t t0 = mono_us();
	fault_plan_init(&c.plan, &resp->note);
	s->st.requests++;
	if (split_path(&c, &bk, &key) < 0) {
		resp_error(resp, 400, "InvalidURI", "Couldn't parse the specified URI.", NULL, NULL, 0);
		goto out;
	}
	if (c.klen > MAX_KEY) {
		resp_error(resp, 400, "KeyTooLongError", "Your key is too long", NULL, NULL, 0);
		goto out;
	}
	c.b = store_bucket(&s->store, c.bucket);
	enum route rt = route_of(&c);
	unsigned op = op_of(rt, &s->st);
	struct keyref one = { c.key, c.klen };
	if (rt == R_LIST_V1 || rt == R_LIST_V2)
		one.p = req_param(r, "prefix", &one.n);
	if (rt == R_DELOBJ)
		delete_body_parse(r->body, r->blen, &d);
	s->st.faults_fired += faults_eval(&s->faults, op, rt == R_DELOBJ ? d.keys : &one,
					  rt == R_DELOBJ ? d.n : 1, &c.plan);
	if (!fault_answer(&c))
		run_route(&c, rt, &d);
out:
	resp_finish(resp);
	apply_delivery(s, &c);
	delete_body_free(&d);
	buf_free(&bk);
	buf_free(&key);
	s->st.busy_us += (uint64_t)(mono_us() - t0);
}

void server_handle(struct server *s, struct req *r, struct resp *resp)
{
	s->seq++;
	snprintf(resp->reqid, sizeof resp->reqid, "%08X%08X", (unsigned)s->idbase,
		 (unsigned)s->seq);
	resp->close = !r->keepalive;
	resp->head_only = is(r->method, "HEAD");
	/* Control requests bypass latency, faults and statistics: tests use
	 * them to set up the very conditions those would disturb. */
	if (!strncmp(r->path, "/_s3mem/", 8)) {
		control_handle(s, r, resp);
		resp_finish(resp);
	} else {
		handle_s3(s, r, resp);
	}
}

/* Shared by the handlers. */

void err_no_bucket(struct ctx *c)
{
	resp_error(c->resp, 404, "NoSuchBucket", "The specified bucket does not exist",
		   c->bucket, NULL, 0);
}

void err_no_key(struct ctx *c)
{
	resp_error(c->resp, 404, "NoSuchKey", "The specified key does not exist.", NULL,
		   c->key, c->klen);
}

void err_precondition(struct ctx *c)
{
	resp_error(c->resp, 412, "PreconditionFailed",
		   "At least one of the pre-conditions you specified did not hold", NULL, NULL, 0);
}

int etag_list_matches(const char *list, const char *etag)
{
	size_t el = strlen(etag);
	for (const char *p = list; *p; ) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		const char *e = p + strcspn(p, ",");
		const char *t = e;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if (t - p == 1 && *p == '*')
			return 1;
		if (t - p >= 2 && p[0] == 'W' && p[1] == '/')
			p += 2;
		if (t - p >= 2 && *p == '"' && t[-1] == '"') {
			p++;
			t--;
		}
		if ((size_t)(t - p) == el && !strncmp(p, etag, el))
			return 1;
		p = e;
	}
	return 0;
}
