/* s3.c: S3 addressing, request signing, and judging responses. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "s3.h"
#include "uri.h"
#include "xml.h"

static char *xstrdup(const char *s, struct s3gc_err *e)
{
	char *p = strdup(s);

	if (!p)
		err_sys(e, S3GC_E_SYS, ENOMEM, "out of memory");
	return p;
}

/* Split "http://host:port/" into base and host; anything else is refused. */
static int parse_endpoint(struct s3_client *c, const char *ep,
			  struct s3gc_err *e)
{
	const char *auth, *end;
	size_t n;

	if (!strncmp(ep, "http://", 7))
		auth = ep + 7;
	else if (!strncmp(ep, "https://", 8))
		auth = ep + 8;
	else
		return err_set(e, S3GC_E_CONFIG, 0,
			       "bad endpoint '%s': must start with http:// or https://", ep);
	end = auth + strcspn(auth, "/?#");
	if (end == auth || (*end && strcmp(end, "/") != 0))
		return err_set(e, S3GC_E_CONFIG, 0,
			       "bad endpoint '%s': expected scheme://host[:port]", ep);
	n = (size_t)(end - ep);
	c->base = strndup(ep, n);
	c->host = strndup(auth, (size_t)(end - auth));
	if (!c->base || !c->host)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "out of memory");
	return 0;
}

static int aws_endpoint(struct s3_client *c, struct s3gc_err *e)
{
	struct buf b = BUF_INIT;
	int virt = strchr(c->bucket, '.') == NULL;

	if (virt ? buf_addf(&b, e, "%s.s3.%s.amazonaws.com", c->bucket, c->region)
		 : buf_addf(&b, e, "s3.%s.amazonaws.com", c->region))
		return -1;
	c->host = buf_detach(&b, NULL);
	if (buf_addf(&b, e, "https://%s", c->host) < 0)
		return -1;
	c->base = buf_detach(&b, NULL);
	if (virt) {
		c->path_prefix = xstrdup("", e);
		return c->path_prefix ? 0 : -1;
	}
	if (buf_addf(&b, e, "/%s", c->bucket) < 0)
		return -1;
	c->path_prefix = buf_detach(&b, NULL);
	return 0;
}

int s3_client_init(struct s3_client *c, const char *bucket, const char *region,
		   const char *endpoint, struct s3gc_err *e)
{
	struct buf b = BUF_INIT;

	memset(c, 0, sizeof(*c));
	http_policy_default(&c->policy);
	c->bucket = xstrdup(bucket, e);
	c->region = xstrdup(region ? region : "us-east-1", e);
	if (!c->bucket || !c->region)
		goto fail;
	if (!endpoint) {
		if (aws_endpoint(c, e) < 0)
			goto fail;
	} else {
		if (parse_endpoint(c, endpoint, e) < 0)
			goto fail;
		if (buf_add(&b, "/", 1, e) < 0 ||
		    uri_encode(&b, bucket, strlen(bucket), 0, e) < 0)
			goto fail;
		c->path_prefix = buf_detach(&b, NULL);
	}
	if (creds_load(&c->creds, e) < 0)
		goto fail;
	return 0;
fail:
	buf_release(&b);
	s3_client_release(c);
	return -1;
}

void s3_client_release(struct s3_client *c)
{
	free(c->bucket);
	free(c->region);
	free(c->base);
	free(c->host);
	free(c->path_prefix);
	creds_release(&c->creds);
	memset(c, 0, sizeof(*c));
}

static int add_header(struct curl_slist **l, struct buf *tmp, const char *name,
		      const char *value, struct s3gc_err *e)
{
	struct curl_slist *n;

	buf_reset(tmp);
	if (buf_addf(tmp, e, "%s: %s", name, value) < 0)
		return -1;
	n = curl_slist_append(*l, tmp->data);
	if (!n)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "out of memory");
	*l = n;
	return 0;
}

/* The path and query exactly as signed, so curl sends what was signed. */
static int build_url(const struct s3_client *c, const char *key, size_t keylen,
		     const struct sigv4_param *params, size_t nparams,
		     struct buf *path, struct buf *url, struct s3gc_err *e)
{
	buf_reset(path);
	if (buf_adds(path, c->path_prefix, e) < 0 || buf_addc(path, '/', e) < 0)
		return -1;
	if (key && uri_encode(path, key, keylen, 1, e) < 0)
		return -1;
	buf_reset(url);
	if (buf_adds(url, c->base, e) < 0 || buf_add(url, path->data, path->len, e) < 0)
		return -1;
	for (size_t i = 0; i < nparams; i++) {
		if (buf_addc(url, i ? '&' : '?', e) < 0 ||
		    uri_encode(url, params[i].name, params[i].name_len, 0, e) < 0 ||
		    buf_addc(url, '=', e) < 0 ||
		    uri_encode(url, params[i].value, params[i].value_len, 0, e) < 0)
			return -1;
	}
	return 0;
}

int s3_build(const struct s3_client *c, const char *method, const char *key,
	     size_t keylen, const struct sigv4_param *params, size_t nparams,
	     const char *payload_hash, struct buf *url, struct curl_slist **hdrs,
	     struct s3gc_err *e)
{
	return s3_build_hdrs(c, method, key, keylen, params, nparams, payload_hash,
			     NULL, 0, url, hdrs, e);
}

int s3_build_hdrs(const struct s3_client *c, const char *method, const char *key,
		  size_t keylen, const struct sigv4_param *params, size_t nparams,
		  const char *payload_hash, const struct sigv4_header *extra,
		  size_t nextra, struct buf *url, struct curl_slist **hdrs,
		  struct s3gc_err *e)
{
	struct buf path = BUF_INIT, tmp = BUF_INIT;
	const char *ph = payload_hash ? payload_hash : SHA256_EMPTY_HEX;
	struct sigv4_header sh[2 + S3_MAX_EXTRA] = { { "host", c->host },
						     { "x-amz-content-sha256", ph } };
	struct sigv4_creds cr = { c->creds.access_key, c->creds.secret_key,
				  c->creds.session_token };
	struct sigv4_opts o = { c->region, "s3", time(NULL), 1, 0, 0, 0 };
	struct sigv4_request rq = { method, NULL, params, nparams, sh, 2 + nextra, ph };
	struct sigv4_result r;
	struct curl_slist *l = NULL;
	int rc = -1;

	sigv4_result_init(&r);
	if (nextra > S3_MAX_EXTRA)
		return err_set(e, S3GC_E_INTERNAL, 0, "%zu headers for one request", nextra);
	for (size_t i = 0; i < nextra; i++)
		sh[2 + i] = extra[i];
	if (build_url(c, key, keylen, params, nparams, &path, url, e) < 0)
		goto out;
	rq.path = path.data;
	if (sigv4_sign(&rq, &cr, &o, &r, e) < 0)
		goto out;
	if (add_header(&l, &tmp, "Host", c->host, e) < 0 ||
	    add_header(&l, &tmp, "x-amz-date", r.amz_date, e) < 0 ||
	    add_header(&l, &tmp, "x-amz-content-sha256", ph, e) < 0 ||
	    (cr.session_token && *cr.session_token &&
	     add_header(&l, &tmp, "x-amz-security-token", cr.session_token, e) < 0) ||
	    add_header(&l, &tmp, "Authorization", buf_str(&r.authorization), e) < 0)
		goto out;
	for (size_t i = 0; i < nextra; i++)
		if (add_header(&l, &tmp, extra[i].name, extra[i].value, e) < 0)
			goto out;
	/* "Name:" alone stops curl adding its own (Accept, Expect: 100-continue). */
	for (const char *const *h = (const char *const[]){ "Accept:", "Expect:", NULL }; *h; h++) {
		struct curl_slist *n = curl_slist_append(l, *h);

		if (!n) {
			err_sys(e, S3GC_E_SYS, ENOMEM, "out of memory");
			goto out;
		}
		l = n;
	}
	*hdrs = l;
	l = NULL;
	rc = 0;
out:
	curl_slist_free_all(l);
	buf_release(&path);
	buf_release_secure(&tmp);
	sigv4_result_release(&r);
	return rc;
}

static int code_is_transient(const char *code)
{
	static const char *const t[] = { "SlowDown", "RequestTimeout", "InternalError",
					 "ServiceUnavailable", "Throttling",
					 "ThrottlingException", "RequestLimitExceeded" };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(code, t[i]))
			return 1;
	return 0;
}

enum s3_verdict s3_judge_code(const char *code, const char *msg,
			      const char *request_id, long status,
			      const char *what, struct s3gc_err *e)
{
	int transient = code_is_transient(code) || status == 500 || status == 502 ||
			status == 503 || status == 504 || status == 429 || status == 408;

	err_set(e, transient ? S3GC_E_TEMP : S3GC_E_S3, (int)status,
		"%s: %ld %s%s%s (request id '%s')", what, status,
		*code ? code : "error", *msg ? ": " : "", msg,
		*request_id ? request_id : "none");
	return transient ? S3_RETRY : S3_FAIL;
}

static enum s3_verdict judge_status(const struct http_xfer *x, const char *what,
				    struct s3gc_err *e)
{
	struct list_page pg;
	struct s3gc_err pe;
	const char *code = "", *msg = "", *rid = x->request_id;
	enum s3_verdict v;

	if (list_page_init(&pg, &pe) < 0)
		return err_set(e, pe.cls, pe.code, "%s", pe.msg), S3_FAIL;
	if (x->errbody.len && list_page_feed(&pg, x->errbody.data, x->errbody.len, &pe) == 0 &&
	    list_page_end(&pg, &pe) == 0 && pg.kind == XML_DOC_ERROR) {
		code = pg.err_code;
		msg = pg.err_msg;
		if (pg.err_request_id[0])
			rid = pg.err_request_id;
	}
	v = s3_judge_code(code, msg, rid, x->status, what, e);
	list_page_release(&pg);
	return v;
}

enum s3_verdict s3_judge(const struct http_xfer *x, CURLcode rc,
			 const struct s3gc_err *body_err, const char *what,
			 struct s3gc_err *e)
{
	if (body_err && body_err->cls != S3GC_OK) {
		/* A body we could not use: truncated, malformed, out of order. */
		err_set(e, S3GC_E_S3, 0, "%s: %s", what, body_err->msg);
		return S3_RETRY;
	}
	if (rc != CURLE_OK) {
		const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);

		if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
			err_set(e, S3GC_E_UNAVAIL, (int)rc, "%s: cannot connect: %s", what, why);
			return S3_RETRY;
		}
		err_set(e, http_curl_transient(rc) ? S3GC_E_TEMP : S3GC_E_UNAVAIL,
			(int)rc, "%s: %s", what, why);
		return http_curl_transient(rc) ? S3_RETRY : S3_FAIL;
	}
	if (x->status >= 200 && x->status < 300)
		return S3_DONE;
	return judge_status(x, what, e);
}
