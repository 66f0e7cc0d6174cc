/* multipart.c - multipart uploads: CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload (its XML body and S3's rules for the part list)
 * and AbortMultipartUpload.  The uploads themselves live in uploads.c. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "handlers.h"
#include "xmlbody.h"

#define S3NS "http://s3.amazonaws.com/doc/2006-03-01/"
#define MIN_PART_SIZE (5u << 20)	/* every part but the last */

static void add_elem(struct buf *b, const char *name, const char *v, size_t n)
{
	buf_printf(b, "<%s>", name);
	buf_add_xml(b, v, n);
	buf_printf(b, "</%s>", name);
}

static void err_no_upload(struct ctx *c)
{
	resp_error(c->resp, 404, "NoSuchUpload",
		   "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		   NULL, NULL, 0);
}

/* The upload the request names (uploadId) for its bucket and key; else
 * answers NoSuchBucket or NoSuchUpload and returns NULL. */
static struct upload *named_upload(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
		return NULL;
	}
	const char *id = req_param(c->req, "uploadId", NULL);
	struct upload *up = uploads_find(&c->srv->mpu, id ? id : "", c->bucket, c->key, c->klen);
	if (!up)
		err_no_upload(c);
	return up;
}

void h_mpu_create(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	struct upload *up = uploads_new(&c->srv->mpu, c->srv->idbase, c->bucket, c->key, c->klen);
	put_headers(&up->meta, c->req);
	struct buf *b = resp_xml(c->resp, 200);
	buf_adds(b, "<InitiateMultipartUploadResult xmlns=\"" S3NS "\">");
	add_elem(b, "Bucket", c->bucket, strlen(c->bucket));
	add_elem(b, "Key", c->key, c->klen);
	add_elem(b, "UploadId", up->id, strlen(up->id));
	buf_adds(b, "</InitiateMultipartUploadResult>");
}

/* A decimal number with nothing else; 0 if it is not one (or too big to matter). */
static unsigned long decimal(const char *s)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return 0;
	unsigned long v = strtoul(s, &end, 10);
	return *end || v > 1000000000ul ? 0 : v;
}

void h_mpu_part(struct ctx *c)
{
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	unsigned long num = decimal(req_param(c->req, "partNumber", NULL));
	if (num < 1 || num > UPLOAD_MAX_PART) {
		resp_error(c->resp, 400, "InvalidArgument",
			   "Part number must be an integer between 1 and 10000, inclusive", NULL, NULL, 0);
		return;
	}
	struct upload *up = named_upload(c);
	const char *body;
	size_t n;
	struct buf dec = BUF_INIT;
	if (up && put_body(c, &dec, &body, &n) == 0) {
		const struct part *p = upload_put_part(up, (unsigned)num, body, n);
		resp_hdr(c->resp, "ETag", "\"%s\"", p->etag);
	}
	buf_free(&dec);
}

void h_mpu_abort(struct ctx *c)
{
	struct upload *up = named_upload(c);
	if (up) {
		uploads_remove(&c->srv->mpu, up);
		c->resp->status = 204;
	}
}

/* A CompleteMultipartUpload body: <CompleteMultipartUpload><Part>
 * <PartNumber>N</PartNumber><ETag>"e"</ETag></Part>...; checksum elements
 * newer SDKs add are ignored. */
struct listed {
	unsigned long num;	/* 0 until read */
	char *etag;		/* unescaped, quotes and all; NULL until read */
};

struct complete_body {
	struct listed *v;
	size_t n;
};

static char *trimmed_text(const struct xml_walk *x)
{
	char *t = xml_text(x, NULL);
	if (!t)
		return NULL;
	char *s = t + strspn(t, " \t\r\n"), *e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		e--;
	*e = 0;
	memmove(t, s, (size_t)(e - s) + 1);
	return t;
}

static int open_elem(const struct xml_walk *x, void *arg)
{
	struct complete_body *cb = arg;
	if (x->depth == 1 && !xml_at(x, "CompleteMultipartUpload", NULL, NULL))
		return -1;	/* the root must be CompleteMultipartUpload */
	if (!xml_at(x, "CompleteMultipartUpload", "Part", NULL))
		return 0;
	if (cb->n == UPLOAD_MAX_PART)
		return -1;
	struct listed *v = realloc(cb->v, (cb->n + 1) * sizeof *v);
	if (!v)
		abort();
	cb->v = v;
	cb->v[cb->n].num = 0;
	cb->v[cb->n++].etag = NULL;
	return 0;
}

static int close_elem(const struct xml_walk *x, void *arg)
{
	struct complete_body *cb = arg;
	struct listed *l = cb->n ? &cb->v[cb->n - 1] : NULL;
	if (xml_at(x, "CompleteMultipartUpload", "Part", "PartNumber")) {
		char *t = trimmed_text(x);
		l->num = decimal(t);
		free(t);
		return l->num ? 0 : -1;
	}
	if (xml_at(x, "CompleteMultipartUpload", "Part", "ETag")) {
		free(l->etag);
		l->etag = trimmed_text(x);
		return l->etag ? 0 : -1;
	}
	if (xml_at(x, "CompleteMultipartUpload", "Part", NULL))
		return l->num && l->etag ? 0 : -1;	/* a Part needs both */
	return 0;
}

static void complete_body_free(struct complete_body *cb)
{
	for (size_t i = 0; i < cb->n; i++)
		free(cb->v[i].etag);
	free(cb->v);
}

/* Listed ETag (quoted or not) against a part's. */
static int etag_is(const char *listed, const char *etag)
{
	size_t n = strlen(listed);
	if (n >= 2 && listed[0] == '"' && listed[n - 1] == '"') {
		listed++;
		n -= 2;
	}
	return n == strlen(etag) && !strncasecmp(listed, etag, n);
}

static void err_400(struct ctx *c, const char *code, const char *msg)
{
	resp_error(c->resp, 400, code, msg, NULL, NULL, 0);
}

/* S3's rules for the list; fills use[] with the parts.  0, or -1 answered. */
static int check_parts(struct ctx *c, struct upload *up, const struct complete_body *cb,
		       struct part **use)
{
	if (!cb->n) {
		err_400(c, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema");
		return -1;
	}
	for (size_t i = 1; i < cb->n; i++)
		if (cb->v[i].num <= cb->v[i - 1].num) {
			err_400(c, "InvalidPartOrder",
				"The list of parts was not in ascending order. The parts list must be specified in order by part number.");
			return -1;
		}
	for (size_t i = 0; i < cb->n; i++) {
		use[i] = cb->v[i].num <= UPLOAD_MAX_PART ? upload_part(up, (unsigned)cb->v[i].num) : NULL;
		if (!use[i] || !etag_is(cb->v[i].etag, use[i]->etag)) {
			err_400(c, "InvalidPart",
				"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
			return -1;
		}
	}
	for (size_t i = 0; i + 1 < cb->n; i++)
		if (use[i]->data->len < MIN_PART_SIZE) {
			err_400(c, "EntityTooSmall",
				"Your proposed upload is smaller than the minimum allowed object size.");
			return -1;
		}
	return 0;
}

/* Location: the object's URL, path-style, the key percent-encoded. */
static void add_location(struct ctx *c, struct buf *b)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *host = req_hdr(c->req, "Host");
	struct buf u = BUF_INIT;
	buf_printf(&u, "http://%s/%s/", host ? host : "127.0.0.1", c->bucket);
	for (size_t i = 0; i < c->klen; i++) {
		unsigned char ch = (unsigned char)c->key[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-_.~/", ch)) {
			buf_addc(&u, (char)ch);
		} else {
			buf_addc(&u, '%');
			buf_addc(&u, hex[ch >> 4]);
			buf_addc(&u, hex[ch & 15]);
		}
	}
	add_elem(b, "Location", u.p, u.len);
	buf_free(&u);
}

static void complete(struct ctx *c, struct upload *up, struct part **use, size_t n)
{
	int created;
	struct entry *e = bucket_put(c->b, c->key, c->klen, &created);
	struct obj *o = &e->obj;
	obj_clear(o);
	upload_assemble(up, use, n, o);
	o->mtime = server_now();
	uploads_remove(&c->srv->mpu, up);	/* the parts not listed go with it */
	struct buf *b = resp_xml(c->resp, 200);
	buf_adds(b, "<CompleteMultipartUploadResult xmlns=\"" S3NS "\">");
	add_location(c, b);
	add_elem(b, "Bucket", c->bucket, strlen(c->bucket));
	add_elem(b, "Key", c->key, c->klen);
	buf_printf(b, "<ETag>\"%s\"</ETag></CompleteMultipartUploadResult>", o->etag);
}

void h_mpu_complete(struct ctx *c)
{
	struct upload *up = named_upload(c);
	if (!up)
		return;
	struct complete_body cb = { NULL, 0 };
	struct xml_handler h = { open_elem, close_elem, &cb };
	struct part **use = NULL;
	if (xml_walk(c->req->body, c->req->blen, &h) < 0) {
		err_400(c, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema");
		goto out;
	}
	use = calloc(cb.n ? cb.n : 1, sizeof *use);
	if (!use)
		abort();
	if (check_parts(c, up, &cb, use) == 0 &&
	    put_conditions(c, bucket_get(c->b, c->key, c->klen)))
		complete(c, up, use, cb.n);
out:
	free(use);
	complete_body_free(&cb);
}
