/* s3obj.c: object requests with retries (see s3obj.h). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hash.h"
#include "s3obj.h"
#include "s3obj_int.h"
#include "timefmt.h"

void s3_objhead_init(struct s3_objhead *h)
{
	memset(h, 0, sizeof(*h));
	buf_init(&h->meta, 0);
}

void s3_objhead_release(struct s3_objhead *h)
{
	buf_release(&h->meta);
	memset(h, 0, sizeof(*h));
}

static void head_reset(struct s3_objhead *h)
{
	h->found = 0;
	h->size = 0;
	h->last_modified = 0;
	h->etag[0] = '\0';
	h->sse[0] = '\0';
	buf_reset(&h->meta);
	h->nmeta = 0;
}

void s3_objhead_meta(const struct s3_objhead *h, size_t i, const char **name,
		     const char **value)
{
	const char *p = h->meta.data;

	for (size_t k = 0; k < 2 * i; k++)
		p += strlen(p) + 1;
	*name = p;
	*value = p + strlen(p) + 1;
}

static int kept(const char *name, size_t n)
{
	static const char *const keep[] = { "content-type", "content-encoding",
					    "cache-control", "content-disposition",
					    "content-language", "expires" };

	if (n > 11 && !strncasecmp(name, "x-amz-meta-", 11))
		return 1;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (strlen(keep[i]) == n && !strncasecmp(name, keep[i], n))
			return 1;
	return 0;
}

/* An ETag as S3 sends it ("..." or W/"...") into lowercase, no quotes. */
static void etag_of(const char *v, size_t n, char out[ETAG_MAX + 1])
{
	size_t j = 0;

	if (n >= 2 && v[0] == 'W' && v[1] == '/')
		v += 2, n -= 2;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		v++, n -= 2;
	for (size_t i = 0; i < n && j < ETAG_MAX; i++)
		out[j++] = (char)tolower((unsigned char)v[i]);
	out[j] = '\0';
}

static void on_hdr(void *arg, const char *name, size_t nlen, const char *v,
		   size_t vlen)
{
	struct s3_objhead *h = arg;
	struct s3gc_err e;
	char tmp[128];

	if (!name) {
		head_reset(h);
		return;
	}
	if (nlen == 14 && !strncasecmp(name, "content-length", 14) && vlen < 21) {
		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		h->size = strtoull(tmp, NULL, 10);
	} else if (nlen == 4 && !strncasecmp(name, "etag", 4)) {
		etag_of(v, vlen, h->etag);
	} else if (nlen == 13 && !strncasecmp(name, "last-modified", 13) && vlen < sizeof tmp) {
		time_t t;

		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		if (time_parse_http(tmp, &t) == 0)
			h->last_modified = (int64_t)t;
	} else if (nlen == 28 && !strncasecmp(name, "x-amz-server-side-encryption", 28)) {
		snprintf(h->sse, sizeof h->sse, "%.*s", (int)vlen, v);
	} else if (kept(name, nlen)) {
		for (size_t i = 0; i < nlen; i++)
			if (buf_addc(&h->meta, (char)tolower((unsigned char)name[i]), &e) < 0)
				return;
		if (buf_addc(&h->meta, '\0', &e) < 0 || buf_add(&h->meta, v, vlen, &e) < 0 ||
		    buf_addc(&h->meta, '\0', &e) < 0)
			return;
		h->nmeta++;
	}
}

/* ---- one request, retried ---- */

void s3obj_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

int s3obj_call(const struct s3_client *c, struct http_xfer *x,
		const struct s3obj_call_spec *rq, struct s3gc_err *e)
{
	struct buf url = BUF_INIT;
	int ret = -1;

	for (int attempt = 1;; attempt++) {
		struct curl_slist *hdrs = NULL;
		enum s3_verdict v;
		CURLcode rc;

		if (s3_build_hdrs(c, rq->method, rq->key, rq->keylen, rq->params, rq->nparams,
				  rq->payload_hash, rq->hdrs, rq->nhdrs, &url, &hdrs, e) < 0)
			break;
		if (http_xfer_prepare(x, rq->method, url.data, hdrs,
				      rq->sink ? rq->sink->write : rq->on_body,
				      rq->sink ? rq->sink->arg : rq->body_arg, e) < 0)
			break;
		if (rq->head) {
			head_reset(rq->head);
			http_xfer_headers(x, on_hdr, rq->head);
		}
		if (rq->body)
			http_xfer_body(x, rq->body, rq->bodylen);
		else if (rq->src)
			http_xfer_upload(x, rq->src->read, rq->src->arg, rq->src->size);
		rc = curl_easy_perform(x->easy);
		x->attempt = attempt;
		if (x->body_failed && rq->sink && rq->sink->errp && rq->sink->errp->cls) {
			*e = *rq->sink->errp; /* the sink's own failure: not the server's */
			break;
		}
		if (rc == CURLE_OK && rq->answer && x->status == rq->answer) {
			ret = 1;
			break;
		}
		v = s3_judge(x, rc, NULL, rq->what, e);
		if (v == S3_DONE) {
			ret = 0;
			break;
		}
		if (v == S3_FAIL || attempt >= c->policy.max_attempts)
			break;
		if ((rq->sink && rq->sink->restart && rq->sink->restart(rq->sink->arg, e) < 0) ||
		    (rq->src && rq->src->rewind && rq->src->rewind(rq->src->arg, e) < 0))
			break;
		s3obj_sleep_ms(http_backoff_ms(&c->policy, attempt, x->retry_after));
	}
	buf_release(&url);
	return ret;
}

static void what_of(char *what, size_t cap, const char *verb, const char *key,
		    size_t keylen)
{
	snprintf(what, cap, "%s '%.*s'", verb, (int)(keylen > 200 ? 200 : keylen), key);
}

void s3obj_key_req(struct s3obj_req *k, const char *method, const char *key,
		    size_t keylen, const char *if_match)
{
	memset(k, 0, sizeof(*k));
	what_of(k->what, sizeof k->what, method, key, keylen);
	k->rq.method = method;
	k->rq.key = key;
	k->rq.keylen = keylen;
	k->rq.what = k->what;
	if (if_match) {
		snprintf(k->quoted, sizeof k->quoted, "\"%s\"", if_match);
		k->im = (struct sigv4_header){ "If-Match", k->quoted };
		k->rq.hdrs = &k->im;
		k->rq.nhdrs = 1;
	}
}

int s3_head_object(const struct s3_client *c, struct http_xfer *x,
		   const char *key, size_t keylen, struct s3_objhead *h,
		   struct s3gc_err *e)
{
	struct s3obj_req k;
	int rc;

	s3obj_key_req(&k, "HEAD", key, keylen, NULL);
	k.rq.head = h;
	k.rq.answer = 404;
	rc = s3obj_call(c, x, &k.rq, e);
	if (rc < 0)
		return -1;
	if (rc == 1)
		head_reset(h);
	else
		h->found = 1;
	return 0;
}

int s3_get_object(const struct s3_client *c, struct http_xfer *x,
		  const char *key, size_t keylen, const char *if_match,
		  const struct s3_sink *sink, struct s3_objhead *h,
		  struct s3gc_err *e)
{
	struct s3obj_req k;

	s3obj_key_req(&k, "GET", key, keylen, if_match);
	k.rq.sink = sink;
	k.rq.head = h;
	if (s3obj_call(c, x, &k.rq, e) < 0)
		return -1;
	h->found = 1;
	if (if_match && strcmp(h->etag, if_match) != 0)
		return err_set(e, S3GC_E_S3, 412, "%s: the server sent ETag '%s', not '%s'",
			       k.what, h->etag, if_match);
	return 0;
}

int s3_put_object(const struct s3_client *c, struct http_xfer *x,
		  const char *key, size_t keylen, const struct s3_source *src,
		  const struct sigv4_header *hdrs, size_t n, int if_none_match,
		  char etag[ETAG_MAX + 1], struct s3gc_err *e)
{
	struct sigv4_header all[S3_MAX_EXTRA];
	struct s3_objhead h;
	struct s3obj_req k;
	size_t na = 0;
	int rc;

	if (n + 1 > S3_MAX_EXTRA)
		return err_set(e, S3GC_E_INTERNAL, 0, "%zu headers for one PUT", n);
	for (size_t i = 0; i < n; i++)
		all[na++] = hdrs[i];
	if (if_none_match)
		all[na++] = (struct sigv4_header){ "If-None-Match", "*" };
	s3_objhead_init(&h);
	s3obj_key_req(&k, "PUT", key, keylen, NULL);
	k.rq.payload_hash = src->sha256 ? src->sha256 : "UNSIGNED-PAYLOAD";
	k.rq.hdrs = all;
	k.rq.nhdrs = na;
	k.rq.src = src;
	k.rq.head = &h;
	rc = s3obj_call(c, x, &k.rq, e);
	if (rc == 0 && etag)
		memcpy(etag, h.etag, sizeof h.etag);
	s3_objhead_release(&h);
	return rc < 0 ? -1 : 0;
}

int s3_delete_object(const struct s3_client *c, struct http_xfer *x,
		     const char *key, size_t keylen, const char *if_match,
		     struct s3gc_err *e)
{
	struct s3obj_req k;

	s3obj_key_req(&k, "DELETE", key, keylen, if_match);
	return s3obj_call(c, x, &k.rq, e) < 0 ? -1 : 0;
}

/* Hands DeleteResult entries on, noting that some were. */
struct relay {
	s3del_fn *fn;
	void *arg;
	int called;
};

static int relay(void *arg, const char *key, size_t keylen, const char *code,
		 const char *msg, struct s3gc_err *e)
{
	struct relay *r = arg;

	r->called = 1;
	return r->fn(r->arg, key, keylen, code, msg, e);
}

int s3obj_collect(void *arg, const char *p, size_t n)
{
	struct buf *b = arg;
	struct s3gc_err e;

	return buf_add(b, p, n, &e);
}

int s3_delete_objects(const struct s3_client *c, struct http_xfer *x,
		      const struct s3del_obj *objs, size_t n, s3del_fn *fn,
		      void *arg, struct s3gc_err *e)
{
	static const struct sigv4_param del = { "delete", 6, "", 0 };
	char md5[S3DEL_MD5_B64_LEN + 1], sha[SHA256_HEX_LEN + 1];
	struct buf body = BUF_INIT, answer = BUF_INIT;
	unsigned char d[SHA256_LEN];
	struct sigv4_header h[2] = { { "Content-MD5", md5 },
				     { "Content-Type", "application/xml" } };
	struct relay rl = { fn, arg, 0 };
	struct s3obj_call_spec rq;
	int ret = -1;

	if (s3del_body(objs, n, 0, &body, md5, e) < 0 ||
	    hash_sha256(body.data, body.len, d, e) < 0)
		goto out;
	hex_encode(d, SHA256_LEN, sha);
	memset(&rq, 0, sizeof rq);
	rq.method = "POST";
	rq.params = &del;
	rq.nparams = 1;
	rq.payload_hash = sha;
	rq.hdrs = h;
	rq.nhdrs = 2;
	rq.body = body.data;
	rq.bodylen = body.len;
	rq.on_body = s3obj_collect;
	rq.body_arg = &answer;
	rq.what = "DeleteObjects";
	for (int tries = 0;; tries++) {
		buf_reset(&answer);
		if (s3obj_call(c, x, &rq, e) < 0)
			goto out;
		/* A 200 whose answer is cut short or an error: try again, as for a 503. */
		if (s3del_parse(answer.data ? answer.data : "", answer.len, relay, &rl, e) == 0)
			break;
		/* Entries handed on stay handed on: only an unread answer is retried. */
		if (rl.called || e->cls != S3GC_E_S3 || tries + 1 >= c->policy.max_attempts)
			goto out;
		s3obj_sleep_ms(http_backoff_ms(&c->policy, tries + 1, -1));
	}
	ret = 0;
out:
	buf_release(&body);
	buf_release(&answer);
	return ret;
}
