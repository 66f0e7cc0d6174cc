/* delete.c - DeleteObjects: the request XML into keys and ETags, and the per-key results. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "handlers.h"
#include "xmlbody.h"

#define MAX_OBJECTS 1000
#define S3NS "http://s3.amazonaws.com/doc/2006-03-01/"

static int add_object(struct delete_body *d)
{
	if (d->n == MAX_OBJECTS + 1)
		return -1;	/* too many; counted once more so the caller can tell */
	struct keyref *k = realloc(d->keys, (d->n + 1) * sizeof *k);
	char **e = realloc(d->etags, (d->n + 1) * sizeof *e);
	if (k)
		d->keys = k;
	if (e)
		d->etags = e;
	if (!k || !e)
		abort();
	d->keys[d->n].p = NULL;
	d->keys[d->n].n = 0;
	d->etags[d->n] = NULL;
	d->n++;
	return 0;
}

/* Stores the text of a just-closed Key, ETag or Quiet element. */
static int take_text(const struct xml_walk *x, struct delete_body *d)
{
	size_t len;
	char *v = xml_text(x, &len);
	if (!v)
		return -1;
	if (xml_at(x, "Delete", "Quiet", NULL)) {
		d->quiet = !strcmp(v, "true");
	} else if (xml_at(x, "Delete", "Object", "Key") && d->n && len) {
		free((char *)d->keys[d->n - 1].p);
		d->keys[d->n - 1].p = v;
		d->keys[d->n - 1].n = len;
		return 0;
	} else if (xml_at(x, "Delete", "Object", "ETag") && d->n) {
		free(d->etags[d->n - 1]);
		d->etags[d->n - 1] = v;
		return 0;
	}	/* else VersionId and newer fields: ignored */
	free(v);
	return 0;
}

static int open_elem(const struct xml_walk *x, void *arg)
{
	if (x->depth == 1 && !xml_at(x, "Delete", NULL, NULL))
		return -1;	/* the root must be Delete */
	return xml_at(x, "Delete", "Object", NULL) ? add_object(arg) : 0;
}

static int close_elem(const struct xml_walk *x, void *arg)
{
	struct delete_body *d = arg;
	if (take_text(x, d) < 0)
		return -1;
	if (xml_at(x, "Delete", "Object", NULL) && !d->keys[d->n - 1].p)
		return -1;	/* an Object without a Key */
	return 0;
}

void delete_body_parse(const char *xml, size_t n, struct delete_body *d)
{
	struct xml_handler h = { open_elem, close_elem, d };
	memset(d, 0, sizeof *d);
	d->bad = xml_walk(xml, n, &h) < 0 || d->n == 0 || d->n > MAX_OBJECTS;
}

void delete_body_free(struct delete_body *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free((char *)d->keys[i].p);
		free(d->etags[i]);
	}
	free(d->keys);
	free(d->etags);
	memset(d, 0, sizeof *d);
}

/* Content-MD5 or, from newer SDKs, an x-amz-checksum-* header must cover the body. */
static int check_body_digest(struct ctx *c)
{
	const struct req *rq = c->req;
	const char *body = rq->body ? rq->body : "";
	const char *md5 = req_hdr(rq, "Content-MD5");
	int verdict = -2;	/* no digest header */
	if (md5)
		verdict = digest_check_b64("md5", body, rq->blen, md5, strlen(md5));
	for (int i = 0; i < rq->nhdrs && verdict == -2; i++) {
		const char *name = rq->hdrs[i].name;
		static const char *const algs[] = { "crc32", "crc32c", "sha1", "sha256", "crc64nvme" };
		for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++)
			if (!strncasecmp(name, "x-amz-checksum-", 15) && !strcasecmp(name + 15, algs[a]))
				verdict = digest_check_b64(algs[a], body, rq->blen, rq->hdrs[i].val,
							   strlen(rq->hdrs[i].val));
	}
	if (verdict == -2) {
		resp_error(c->resp, 400, "InvalidRequest",
			   "Missing required header for this request: Content-MD5", NULL, NULL, 0);
		return -1;
	}
	if (verdict == 0) {	/* -1: an algorithm we cannot check; accepted */
		resp_error(c->resp, 400, "BadDigest",
			   "The Content-MD5 you specified did not match what we received.", NULL, NULL, 0);
		return -1;
	}
	return 0;
}

static void add_key(struct buf *b, const struct keyref *k)
{
	buf_adds(b, "<Key>");
	buf_add_xml(b, k->p, k->n);
	buf_adds(b, "</Key>");
}

static void add_error(struct buf *b, const struct keyref *k, const char *code, const char *msg)
{
	buf_adds(b, "<Error>");
	add_key(b, k);
	buf_adds(b, "<Code>");
	buf_add_xml(b, code, strlen(code));
	buf_adds(b, "</Code><Message>");
	buf_add_xml(b, msg, strlen(msg));
	buf_adds(b, "</Message></Error>");
}

static void delete_one(struct ctx *c, struct buf *b, const struct delete_body *d, size_t i)
{
	const struct keyref *k = &d->keys[i];
	const char *fault = plan_delete_error(&c->plan, k->p, k->n);
	if (fault) {
		add_error(b, k, fault, "Fault injected by s3mem");
		return;
	}
	if (d->etags[i] && !c->plan.ignore_conditions) {
		const struct entry *e = bucket_get(c->b, k->p, k->n);
		if (!e || !etag_list_matches(d->etags[i], e->obj.etag)) {
			add_error(b, k, "PreconditionFailed",
				  "At least one of the pre-conditions you specified did not hold");
			return;
		}
	}
	bucket_del(c->b, k->p, k->n);
	if (!d->quiet) {
		buf_adds(b, "<Deleted>");
		add_key(b, k);
		buf_adds(b, "</Deleted>");
	}
}

void h_delete_objects(struct ctx *c, const struct delete_body *d)
{
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	if (check_body_digest(c) < 0)
		return;
	if (d->bad) {
		resp_error(c->resp, 400, "MalformedXML",
			   "The XML you provided was not well-formed or did not validate against our published schema",
			   NULL, NULL, 0);
		return;
	}
	struct buf *b = resp_xml(c->resp, 200);
	buf_adds(b, "<DeleteResult xmlns=\"" S3NS "\">");
	for (size_t i = 0; i < d->n; i++)
		delete_one(c, b, d, i);
	buf_adds(b, "</DeleteResult>");
}
