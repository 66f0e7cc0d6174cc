/* objects.c - single-object operations: GET/HEAD (ranges, conditions), PUT (digests, conditions), DELETE.
 * The PUT steps are shared with the multipart upload requests (multipart.c). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "codec.h"
#include "digest.h"
#include "handlers.h"

static const char *cond_hdr(struct ctx *c, const char *name)
{
	/* ignore-conditions simulates a server without conditional requests. */
	return c->plan.ignore_conditions ? NULL : req_hdr(c->req, name);
}

static void object_headers(struct ctx *c, const struct obj *o)
{
	char date[30];
	fmt_http_date(o->mtime, date);
	resp_hdr(c->resp, "Last-Modified", "%s", date);
	resp_hdr(c->resp, "ETag", "\"%s\"", o->etag);
}

/* If-Match / If-None-Match for GET and HEAD.  Returns 1 to go on serving. */
static int read_conditions(struct ctx *c, const struct entry *e)
{
	const char *im = cond_hdr(c, "If-Match");
	const char *inm = cond_hdr(c, "If-None-Match");
	if (im && (!e || !etag_list_matches(im, e->obj.etag))) {
		err_precondition(c);
		return 0;
	}
	if (!e) {
		err_no_key(c);
		return 0;
	}
	if (inm && etag_list_matches(inm, e->obj.etag)) {
		resp_reset(c->resp);
		c->resp->status = 304;
		object_headers(c, &e->obj);
		return 0;
	}
	return 1;
}

/* Parses "bytes=a-b", "bytes=a-", "bytes=-n".  Returns 1 with the range
 * set, 0 to ignore the header (absent, malformed, multi-range: RFC 9110
 * says serve the whole object), -1 when it cannot be satisfied. */
static int parse_range(const char *h, uint64_t size, uint64_t *a, uint64_t *b)
{
	if (!h || strncmp(h, "bytes=", 6) || strchr(h, ','))
		return 0;
	const char *p = h + 6, *dash = strchr(p, '-');
	if (!dash)
		return 0;
	char *end;
	if (p == dash) {	/* suffix range */
		if (!isdigit((unsigned char)dash[1]))
			return 0;
		uint64_t n = strtoull(dash + 1, &end, 10);
		if (*end)
			return 0;
		if (n == 0 || size == 0)
			return -1;
		*a = n >= size ? 0 : size - n;
		*b = size - 1;
		return 1;
	}
	if (!isdigit((unsigned char)*p))
		return 0;
	*a = strtoull(p, &end, 10);
	if (end != dash)
		return 0;
	*b = UINT64_MAX;
	if (dash[1]) {
		if (!isdigit((unsigned char)dash[1]))
			return 0;
		*b = strtoull(dash + 1, &end, 10);
		if (*end || *b < *a)
			return 0;
	}
	if (*a >= size)
		return -1;
	if (*b >= size)
		*b = size - 1;
	return 1;
}

static void set_body(struct resp *r, const struct obj *o, uint64_t off, uint64_t len)
{
	r->off = off;
	r->len = len;
	if (o->data) {
		r->kind = BODY_BLOB;
		r->blob = blob_ref(o->data);
	} else {
		r->kind = BODY_SYNTH;
		r->seed = o->seed;
	}
}

void h_get_object(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	struct entry *e = bucket_get(c->b, c->key, c->klen);
	if (!read_conditions(c, e))
		return;
	const struct obj *o = &e->obj;
	uint64_t a = 0, b = 0;
	int rg = parse_range(req_hdr(c->req, "Range"), o->size, &a, &b);
	if (rg < 0) {
		resp_error(c->resp, 416, "InvalidRange", "The requested range is not satisfiable",
			   NULL, NULL, 0);
		resp_hdr(c->resp, "Content-Range", "bytes */%llu", (unsigned long long)o->size);
		return;
	}
	struct resp *r = c->resp;
	r->status = rg ? 206 : 200;
	object_headers(c, o);
	resp_hdr(r, "Content-Type", "%s", o->ctype ? o->ctype : "binary/octet-stream");
	resp_hdr(r, "Accept-Ranges", "bytes");
	if (o->hdrs)
		buf_adds(&r->hdrs, o->hdrs);
	if (rg) {
		resp_hdr(r, "Content-Range", "bytes %llu-%llu/%llu", (unsigned long long)a,
			 (unsigned long long)b, (unsigned long long)o->size);
		set_body(r, o, a, b - a + 1);
	} else {
		set_body(r, o, 0, o->size);
	}
}

/* Headers S3 stores with an object and returns on GET and HEAD. */
static char *stored_headers(const struct req *rq)
{
	static const char *const keep[] = {
		"Cache-Control", "Content-Disposition", "Content-Language", "Expires",
	};
	struct buf b = BUF_INIT;
	for (int i = 0; i < rq->nhdrs; i++) {
		const struct hdr *h = &rq->hdrs[i];
		for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
			if (!strcasecmp(h->name, keep[k]))
				buf_printf(&b, "%s: %s\r\n", keep[k], h->val);
		if (!strncasecmp(h->name, "x-amz-meta-", 11)) {
			for (const char *n = h->name; *n; n++)
				buf_addc(&b, (char)tolower((unsigned char)*n));
			buf_printf(&b, ": %s\r\n", h->val);
		}
	}
	/* aws-chunked is a transfer detail, not part of the object. */
	const char *ce = req_hdr(rq, "Content-Encoding");
	if (ce && strcasecmp(ce, "aws-chunked")) {
		struct buf v = BUF_INIT;
		for (const char *p = ce; *p; ) {
			size_t n = strcspn(p, ",");
			const char *s = p, *e = p + n;
			while (s < e && *s == ' ')
				s++;
			if ((size_t)(e - s) != 11 || strncasecmp(s, "aws-chunked", 11)) {
				if (v.len)
					buf_add(&v, ",", 1);
				buf_add(&v, s, (size_t)(e - s));
			}
			p = e + (*e == ',');
		}
		if (v.len)
			buf_printf(&b, "Content-Encoding: %s\r\n", v.p);
		buf_free(&v);
	}
	return b.p;	/* NULL when nothing is stored */
}

static int is_aws_chunked(const struct req *rq)
{
	const char *ce = req_hdr(rq, "Content-Encoding");
	const char *sha = req_hdr(rq, "x-amz-content-sha256");
	if (sha && !strncmp(sha, "STREAMING-", 10))
		return 1;
	for (const char *p = ce; p && *p; p++)
		if (!strncasecmp(p, "aws-chunked", 11))
			return 1;
	return 0;
}

static int bad_digest(struct ctx *c, const char *msg)
{
	resp_error(c->resp, 400, "BadDigest", msg, NULL, NULL, 0);
	return -1;
}

/* Content-MD5, x-amz-checksum-* and x-amz-content-sha256 against the body.
 * Returns 0, or -1 with the error answered. */
static int check_digests(struct ctx *c, const char *body, size_t n)
{
	const struct req *rq = c->req;
	const char *md5 = req_hdr(rq, "Content-MD5");
	if (md5 && !digest_check_b64("md5", body, n, md5, strlen(md5)))
		return bad_digest(c, "The Content-MD5 you specified did not match what we received.");
	for (int i = 0; i < rq->nhdrs; i++) {
		const char *name = rq->hdrs[i].name;
		if (strncasecmp(name, "x-amz-checksum-", 15) || !strcasecmp(name + 15, "algorithm") ||
		    !strcasecmp(name + 15, "type"))
			continue;
		char alg[16];
		snprintf(alg, sizeof alg, "%s", name + 15);
		for (char *p = alg; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *v = rq->hdrs[i].val;
		if (digest_check_b64(alg, body, n, v, strlen(v)) == 0)
			return bad_digest(c, "The checksum you specified did not match the calculated checksum.");
	}
	const char *sha = req_hdr(rq, "x-amz-content-sha256");
	if (sha && strlen(sha) == 64) {
		char got[65];
		sha256_hex(body, n, got);
		if (strcasecmp(got, sha)) {
			resp_error(c->resp, 400, "XAmzContentSHA256Mismatch",
				   "The provided 'x-amz-content-sha256' header does not match what was computed.",
				   NULL, NULL, 0);
			return -1;
		}
	}
	return 0;
}

/* If-None-Match: * and If-Match for PUT and CompleteMultipartUpload.  Returns 1 to go on. */
int put_conditions(struct ctx *c, const struct entry *e)
{
	const char *im = cond_hdr(c, "If-Match");
	const char *inm = cond_hdr(c, "If-None-Match");
	if (inm && strcmp(inm, "*")) {
		resp_error(c->resp, 501, "NotImplemented",
			   "A header you provided implies functionality that is not implemented",
			   NULL, NULL, 0);
		return 0;
	}
	if ((inm && e) || (im && (!e || !etag_list_matches(im, e->obj.etag)))) {
		err_precondition(c);
		return 0;
	}
	return 1;
}

/* What PUT (and CreateMultipartUpload) keeps of the request headers. */
void put_headers(struct obj *o, const struct req *rq)
{
	const char *ct = req_hdr(rq, "Content-Type");
	o->ctype = ct ? strdup(ct) : NULL;
	o->hdrs = stored_headers(rq);
}

/* The body of a PUT or an UploadPart, decoded and checked (see handlers.h). */
int put_body(struct ctx *c, struct buf *dec, const char **body, size_t *n)
{
	*body = c->req->body ? c->req->body : "";
	*n = c->req->blen;
	if (is_aws_chunked(c->req)) {
		size_t pos = 0;
		buf_reserve(dec, *n);
		if (chunked_step(*body, *n, &pos, dec) != 1) {
			resp_error(c->resp, 400, "IncompleteBody",
				   "The request body terminated unexpectedly", NULL, NULL, 0);
			return -1;
		}
		*body = dec->p;
		*n = dec->len;
	}
	return check_digests(c, *body, *n);
}

static void store_object(struct ctx *c, const char *body, size_t n)
{
	int created;
	struct entry *e = bucket_put(c->b, c->key, c->klen, &created);
	struct obj *o = &e->obj;
	unsigned char d[16];
	obj_clear(o);
	o->size = n;
	o->mtime = server_now();
	o->data = blob_new(body, n);
	md5_once(body, n, d);
	hex_lower(d, 16, o->etag);
	put_headers(o, c->req);
	resp_hdr(c->resp, "ETag", "\"%s\"", o->etag);
}

void h_put_object(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	const char *body;
	size_t n;
	struct buf dec = BUF_INIT;
	if (put_body(c, &dec, &body, &n) == 0 &&
	    put_conditions(c, bucket_get(c->b, c->key, c->klen)))
		store_object(c, body, n);
	buf_free(&dec);
}

void h_delete_object(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	const char *im = cond_hdr(c, "If-Match");
	if (im) {
		const struct entry *e = bucket_get(c->b, c->key, c->klen);
		if (!e || !etag_list_matches(im, e->obj.etag)) {
			err_precondition(c);
			return;
		}
	}
	bucket_del(c->b, c->key, c->klen);
	c->resp->status = 204;
}
