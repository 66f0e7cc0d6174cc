/* sigv4.c: AWS Signature Version 4 as a chain of small stages, for headers and presigned URLs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "sigv4.h"
#include "uri.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
/* AWS refuses presigned URLs valid for more than a week. */
#define MAX_EXPIRES (7L * 24 * 3600)

/* A header on its way into the canonical form; idx keeps duplicates in order. */
struct hdr {
	const char *name;
	size_t name_len;
	const char *value;
	size_t idx;
};

/* A query parameter, encoded; both strings are owned (malloc). */
struct qparam {
	char *name;
	char *value;
};

/* State shared by the stages of one signing; one cleanup in signer_release. */
struct signer {
	const struct sigv4_request *req;
	const struct sigv4_creds *cr;
	const struct sigv4_opts *opts;
	struct sigv4_result *out;
	struct s3gc_err *e;
	int presign;
	const char *token;          /* NULL when there is none */
	char date[9];               /* 20150830 */
	struct buf scope;           /* 20150830/us-east-1/service/aws4_request */
	struct buf headers;         /* canonical header lines, each ending "\n" */
	struct buf query;           /* canonical query string */
	const char *payload;
	unsigned char key[SHA256_LEN]; /* kSigning: secret-derived, wiped */
};

void sigv4_result_init(struct sigv4_result *r)
{
	memset(r->amz_date, 0, sizeof(r->amz_date));
	memset(r->signature, 0, sizeof(r->signature));
	buf_init(&r->canonical_request, 0);
	buf_init(&r->string_to_sign, 0);
	buf_init(&r->signed_headers, 0);
	buf_init(&r->authorization, 0);
	buf_init(&r->query, 0);
}

/* Secure release: the canonical request and query can hold the session token. */
void sigv4_result_release(struct sigv4_result *r)
{
	buf_release_secure(&r->canonical_request);
	buf_release_secure(&r->string_to_sign);
	buf_release_secure(&r->signed_headers);
	buf_release_secure(&r->authorization);
	buf_release_secure(&r->query);
	explicit_bzero(r->signature, sizeof(r->signature));
}

void sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		memcpy(out, "00000000T000000Z", 17);
}

static int is_tchar(unsigned char c)
{
	/* RFC 9110 token characters: what a method or header name may hold. */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int name_is(const char *name, size_t n, const char *lc)
{
	size_t i = 0;

	for (; i < n && lc[i]; i++)
		if (lower((unsigned char)name[i]) != (unsigned char)lc[i])
			return 0;
	return i == n && !lc[i];
}

/* ---- stage: check the inputs and the time ---- */

static int check_time(struct signer *s)
{
	struct tm tm;

	/* The scope needs a four-digit year. */
	if (!gmtime_r(&s->opts->now, &tm) || tm.tm_year < 0 ||
	    tm.tm_year > 9999 - 1900)
		return err_set(s->e, S3GC_E_INTERNAL, 0,
			       "signing time out of range");
	sigv4_amz_date(s->opts->now, s->out->amz_date);
	memcpy(s->date, s->out->amz_date, 8);
	s->date[8] = '\0';
	return 0;
}

static int check_inputs(struct signer *s)
{
	const struct sigv4_request *rq = s->req;

	if (!rq->method || !is_token(rq->method))
		return err_set(s->e, S3GC_E_INTERNAL, 0, "bad request method");
	if (!rq->path || (rq->nparams && !rq->params) ||
	    (rq->nheaders && !rq->headers))
		return err_set(s->e, S3GC_E_INTERNAL, 0, "incomplete request");
	if (!s->cr->access_key || !*s->cr->access_key || !s->cr->secret_key)
		return err_set(s->e, S3GC_E_CONFIG, 0, "incomplete credentials");
	if (!s->opts->region || !*s->opts->region || !s->opts->service ||
	    !*s->opts->service)
		return err_set(s->e, S3GC_E_INTERNAL, 0,
			       "signing needs a region and a service");
	if (s->presign && (s->opts->expires < 1 || s->opts->expires > MAX_EXPIRES))
		return err_set(s->e, S3GC_E_USAGE, 0,
			       "presigned URL expiry must be 1 to %ld seconds",
			       MAX_EXPIRES);
	s->token = s->cr->session_token && *s->cr->session_token ?
			   s->cr->session_token : NULL;
	return check_time(s);
}

/* ---- stage: credential scope ---- */

static int stage_scope(struct signer *s)
{
	return buf_addf(&s->scope, s->e, "%s/%s/%s/aws4_request", s->date,
			s->opts->region, s->opts->service);
}

/* ---- stage: canonical headers and signed headers ---- */

/* Header names compare case-insensitively, as their lowercase forms. */
static int hdr_name_cmp(const struct hdr *x, const struct hdr *y)
{
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;

	for (size_t i = 0; i < n; i++) {
		unsigned char cx = lower((unsigned char)x->name[i]);
		unsigned char cy = lower((unsigned char)y->name[i]);
		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return 0;
}

static int hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = hdr_name_cmp(x, y);

	if (c)
		return c;
	/* qsort is not stable; the index keeps repeated names in order. */
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Trim, and collapse inner runs of spaces and tabs to one space. */
static int add_value(struct buf *b, const char *v, struct s3gc_err *e)
{
	int space = 0;

	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if ((space && buf_addc(b, ' ', e) < 0) || buf_addc(b, *v, e) < 0)
			return -1;
		space = 0;
	}
	return 0;
}

/*
 * x-amz-date and x-amz-security-token belong to the signer. A caller's copy
 * equal to ours is dropped (so a request can be re-signed); a different one
 * would be signed twice with two values, so it is refused.
 */
static int signer_owned(struct signer *s, const struct sigv4_header *h, int *skip)
{
	const char *ours = NULL;
	size_t n = strlen(h->name);

	*skip = 0;
	if (name_is(h->name, n, "x-amz-date"))
		ours = s->out->amz_date;
	else if (name_is(h->name, n, "x-amz-security-token"))
		ours = s->token ? s->token : "";
	else
		return 0;
	if (strcmp(h->value, ours) != 0)
		return err_set(s->e, S3GC_E_INTERNAL, 0,
			       "header '%s' conflicts with the signer's own", h->name);
	*skip = 1;
	return 0;
}

static int check_header(struct signer *s, const struct sigv4_header *h)
{
	if (!h->name || !h->value || !is_token(h->name))
		return err_set(s->e, S3GC_E_INTERNAL, 0, "bad header name '%s'",
			       h->name ? h->name : "(null)");
	/* A line break would let a value forge further headers. */
	if (strpbrk(h->value, "\r\n"))
		return err_set(s->e, S3GC_E_DATA, 0,
			       "header '%s' has a line break in its value", h->name);
	return 0;
}

static void hdr_push(struct hdr *v, size_t *n, const char *name, const char *value)
{
	v[*n].name = name;
	v[*n].name_len = strlen(name);
	v[*n].value = value;
	v[*n].idx = *n;
	(*n)++;
}

/* Gather the caller's headers plus the signer's own into v (room for nheaders + 2). */
static int collect_headers(struct signer *s, struct hdr *v, size_t *n)
{
	int skip, host = 0;

	*n = 0;
	for (size_t i = 0; i < s->req->nheaders; i++) {
		const struct sigv4_header *h = &s->req->headers[i];

		if (check_header(s, h) < 0 || signer_owned(s, h, &skip) < 0)
			return -1;
		if (skip)
			continue;
		host |= name_is(h->name, strlen(h->name), "host");
		hdr_push(v, n, h->name, h->value);
	}
	if (!host)
		return err_set(s->e, S3GC_E_INTERNAL, 0, "request has no 'host' header");
	if (!s->presign)
		hdr_push(v, n, "x-amz-date", s->out->amz_date);
	if (!s->presign && s->token && !s->opts->token_unsigned)
		hdr_push(v, n, "x-amz-security-token", s->token);
	return 0;
}

static int add_lower(struct buf *b, const char *p, size_t n, struct s3gc_err *e)
{
	for (size_t i = 0; i < n; i++)
		if (buf_addc(b, (char)lower((unsigned char)p[i]), e) < 0)
			return -1;
	return 0;
}

/* Write the sorted headers: one line per name, repeated values joined by ','. */
static int emit_headers(struct signer *s, const struct hdr *v, size_t n)
{
	struct buf *sh = &s->out->signed_headers;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && hdr_name_cmp(&v[i - 1], &v[i]) == 0) {
			if (buf_addc(&s->headers, ',', s->e) < 0)
				return -1;
		} else {
			if ((i > 0 && (buf_addc(&s->headers, '\n', s->e) < 0 ||
				       buf_addc(sh, ';', s->e) < 0)) ||
			    add_lower(sh, v[i].name, v[i].name_len, s->e) < 0 ||
			    add_lower(&s->headers, v[i].name, v[i].name_len, s->e) < 0 ||
			    buf_addc(&s->headers, ':', s->e) < 0)
				return -1;
		}
		if (add_value(&s->headers, v[i].value, s->e) < 0)
			return -1;
	}
	return buf_addc(&s->headers, '\n', s->e);
}

static int stage_headers(struct signer *s)
{
	struct hdr *v = calloc(s->req->nheaders + 2, sizeof(*v));
	size_t n;
	int rc = -1;

	if (!v)
		return err_set(s->e, S3GC_E_SYS, 0, "cannot allocate headers");
	if (collect_headers(s, v, &n) == 0) {
		qsort(v, n, sizeof(*v), hdr_cmp);
		rc = emit_headers(s, v, n);
	}
	free(v);
	return rc;
}

/* ---- stage: canonical query ---- */

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

static char *encode_dup(const char *p, size_t n, struct s3gc_err *e)
{
	struct buf b = BUF_INIT;

	if (uri_encode(&b, p, n, 0, e) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int qparam_add(struct qparam *v, size_t *n, const char *name, size_t nlen,
		      const char *value, size_t vlen, struct s3gc_err *e)
{
	v[*n].name = encode_dup(name, nlen, e);
	v[*n].value = v[*n].name ? encode_dup(value, vlen, e) : NULL;
	if (!v[*n].value) {
		free(v[*n].name);
		return -1;
	}
	(*n)++;
	return 0;
}

#define QADD(name, value) \
	qparam_add(v, n, name, strlen(name), value, strlen(value), s->e)

/* The X-Amz-* parameters a presigned URL signs. */
static int presign_params(struct signer *s, struct qparam *v, size_t *n)
{
	struct buf cred = BUF_INIT;
	char expires[24];
	int rc;

	snprintf(expires, sizeof(expires), "%ld", s->opts->expires);
	rc = buf_addf(&cred, s->e, "%s/%s", s->cr->access_key, buf_str(&s->scope));
	if (rc == 0)
		rc = QADD("X-Amz-Algorithm", ALGORITHM) < 0 ||
		     QADD("X-Amz-Credential", buf_str(&cred)) < 0 ||
		     QADD("X-Amz-Date", s->out->amz_date) < 0 ||
		     QADD("X-Amz-Expires", expires) < 0 ||
		     QADD("X-Amz-SignedHeaders", buf_str(&s->out->signed_headers)) < 0 ||
		     (s->token && !s->opts->token_unsigned &&
		      QADD("X-Amz-Security-Token", s->token) < 0) ? -1 : 0;
	buf_release(&cred);
	return rc;
}

static int collect_params(struct signer *s, struct qparam *v, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < s->req->nparams; i++) {
		const struct sigv4_param *p = &s->req->params[i];

		if ((p->name_len && !p->name) || (p->value_len && !p->value))
			return err_set(s->e, S3GC_E_INTERNAL, 0, "bad query parameter");
		if (qparam_add(v, n, p->name ? p->name : "", p->name_len,
			       p->value ? p->value : "", p->value_len, s->e) < 0)
			return -1;
	}
	return s->presign ? presign_params(s, v, n) : 0;
}

static int emit_params(struct signer *s, const struct qparam *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((i > 0 && buf_addc(&s->query, '&', s->e) < 0) ||
		    buf_addf(&s->query, s->e, "%s=%s", v[i].name, v[i].value) < 0)
			return -1;
	return 0;
}

static int stage_query(struct signer *s)
{
	struct qparam *v = calloc(s->req->nparams + 6, sizeof(*v));
	size_t n = 0;
	int rc = -1;

	if (!v)
		return err_set(s->e, S3GC_E_SYS, 0, "cannot allocate parameters");
	if (collect_params(s, v, &n) == 0) {
		qsort(v, n, sizeof(*v), qparam_cmp);
		rc = emit_params(s, v, n);
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		explicit_bzero(v[i].value, strlen(v[i].value));
		free(v[i].value);
	}
	free(v);
	return rc;
}

/* ---- stage: canonical URI ---- */

/* S3 signs the path as sent; refuse bytes that can't be on the wire unencoded. */
static int uri_s3(struct signer *s, const char *p)
{
	for (size_t i = 0; p[i]; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= ' ' || c >= 0x7f || c == '?' || c == '#')
			return err_set(s->e, S3GC_E_DATA, 0,
				       "path byte at offset %zu must be percent-encoded", i);
	}
	return buf_adds(&s->out->canonical_request, *p ? p : "/", s->e);
}

struct seg {
	const char *p;
	size_t n;
};

/*
 * RFC 3986 5.2.4 on the '/'-separated segments, with empty segments merged
 * away; *trailing says the result ends in '/' (an empty, "." or ".." last
 * segment).
 */
static size_t remove_dots(const char *p, struct seg *v, int *trailing)
{
	size_t n = 0;

	for (;;) {
		size_t len = strcspn(p, "/");
		int dot = len == 1 && p[0] == '.';
		int dotdot = len == 2 && p[0] == '.' && p[1] == '.';

		if (dotdot && n)
			n--;
		else if (len && !dot && !dotdot)
			v[n++] = (struct seg){ p, len };
		*trailing = len == 0 || dot || dotdot;
		if (!p[len])
			return n;
		p += len + 1;
	}
}

static int uri_normalized(struct signer *s, const char *p)
{
	struct buf *o = &s->out->canonical_request;
	size_t cap = 1, n;
	struct seg *v;
	int trailing, rc = 0;

	for (const char *q = p; *q; q++)
		cap += *q == '/';
	v = calloc(cap, sizeof(*v));
	if (!v)
		return err_set(s->e, S3GC_E_SYS, 0, "cannot allocate path segments");
	n = remove_dots(p, v, &trailing);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = buf_addc(o, '/', s->e) < 0 ||
		     uri_encode(o, v[i].p, v[i].n, 0, s->e) < 0 ? -1 : 0;
	if (rc == 0 && (n == 0 || trailing))
		rc = buf_addc(o, '/', s->e);
	free(v);
	return rc;
}

/*
 * Other services sign the path encoded once more than it is sent ("double
 * encoding"): the wire form given here goes through UriEncode again. The
 * suite's get-space-normalized sends a raw space and expects %20.
 */
static int stage_uri(struct signer *s)
{
	const char *p = s->req->path;

	if (s->opts->s3_path)
		return uri_s3(s, p);
	if (!*p)
		return buf_addc(&s->out->canonical_request, '/', s->e);
	if (s->opts->normalize)
		return uri_normalized(s, p);
	return uri_encode(&s->out->canonical_request, p, strlen(p), 1, s->e);
}

/* ---- stage: payload hash, then the canonical request ---- */

static void stage_payload(struct signer *s)
{
	if (s->req->payload_hash)
		s->payload = s->req->payload_hash;
	else if (s->presign && s->opts->s3_path)
		s->payload = UNSIGNED_PAYLOAD;
	else
		s->payload = SHA256_EMPTY_HEX;
}

static int stage_canonical_request(struct signer *s)
{
	struct buf *cr = &s->out->canonical_request;

	if (buf_adds(cr, s->req->method, s->e) < 0 || buf_addc(cr, '\n', s->e) < 0 ||
	    stage_uri(s) < 0 || buf_addc(cr, '\n', s->e) < 0 ||
	    stage_query(s) < 0)
		return -1;
	return buf_addf(cr, s->e, "%s\n%s\n%s\n%s", buf_str(&s->query),
			buf_str(&s->headers), buf_str(&s->out->signed_headers),
			s->payload);
}

/* ---- stage: string to sign, signing key, signature ---- */

static int stage_string_to_sign(struct signer *s)
{
	const struct buf *cr = &s->out->canonical_request;
	unsigned char md[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];

	if (hash_sha256(cr->data, cr->len, md, s->e) < 0)
		return -1;
	hex_encode(md, sizeof(md), hex);
	return buf_addf(&s->out->string_to_sign, s->e, "%s\n%s\n%s\n%s", ALGORITHM,
			s->out->amz_date, buf_str(&s->scope), hex);
}

static int hmac_str(const unsigned char *key, size_t keylen, const char *msg,
		    unsigned char out[SHA256_LEN], struct s3gc_err *e)
{
	return hmac_sha256(key, keylen, msg, strlen(msg), out, e);
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request") */
static int stage_signing_key(struct signer *s)
{
	struct buf secret = BUF_INIT;
	unsigned char k_date[SHA256_LEN], k_region[SHA256_LEN], k_service[SHA256_LEN];
	int rc = -1;

	/* Sized up front so no realloc leaves a copy of the secret behind. */
	if (buf_grow(&secret, 4 + strlen(s->cr->secret_key), s->e) == 0 &&
	    buf_adds(&secret, "AWS4", s->e) == 0 &&
	    buf_adds(&secret, s->cr->secret_key, s->e) == 0 &&
	    hmac_str((unsigned char *)secret.data, secret.len, s->date, k_date, s->e) == 0 &&
	    hmac_str(k_date, SHA256_LEN, s->opts->region, k_region, s->e) == 0 &&
	    hmac_str(k_region, SHA256_LEN, s->opts->service, k_service, s->e) == 0 &&
	    hmac_str(k_service, SHA256_LEN, "aws4_request", s->key, s->e) == 0)
		rc = 0;
	buf_release_secure(&secret);
	explicit_bzero(k_date, sizeof(k_date));
	explicit_bzero(k_region, sizeof(k_region));
	explicit_bzero(k_service, sizeof(k_service));
	return rc;
}

static int stage_signature(struct signer *s)
{
	const struct buf *sts = &s->out->string_to_sign;
	unsigned char md[SHA256_LEN];

	if (hmac_sha256(s->key, sizeof(s->key), sts->data, sts->len, md, s->e) < 0)
		return -1;
	hex_encode(md, sizeof(md), s->out->signature);
	return 0;
}

/* ---- stage: what the caller sends ---- */

static int stage_output(struct signer *s)
{
	struct sigv4_result *o = s->out;

	if (!s->presign)
		return buf_addf(&o->authorization, s->e,
				"%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
				ALGORITHM, s->cr->access_key, buf_str(&s->scope),
				buf_str(&o->signed_headers), o->signature);
	if (buf_addf(&o->query, s->e, "%s&X-Amz-Signature=%s", buf_str(&s->query),
		     o->signature) < 0)
		return -1;
	/* Services that take the token unsigned still need it in the URL. */
	if (s->token && s->opts->token_unsigned &&
	    (buf_adds(&o->query, "&X-Amz-Security-Token=", s->e) < 0 ||
	     uri_encode(&o->query, s->token, strlen(s->token), 0, s->e) < 0))
		return -1;
	return 0;
}

static void result_reset(struct sigv4_result *r)
{
	buf_reset(&r->canonical_request);
	buf_reset(&r->string_to_sign);
	buf_reset(&r->signed_headers);
	buf_reset(&r->authorization);
	buf_reset(&r->query);
	r->signature[0] = '\0';
}

static void signer_release(struct signer *s)
{
	buf_release(&s->scope);
	buf_release_secure(&s->headers);
	buf_release_secure(&s->query);
	explicit_bzero(s->key, sizeof(s->key));
}

static int sign(const struct sigv4_request *req, const struct sigv4_creds *cr,
		const struct sigv4_opts *opts, struct sigv4_result *out,
		struct s3gc_err *e, int presign)
{
	struct signer s = { .req = req, .cr = cr, .opts = opts, .out = out,
			    .e = e, .presign = presign };
	int rc;

	buf_init(&s.scope, 0);
	buf_init(&s.headers, 0);
	buf_init(&s.query, 0);
	result_reset(out);
	stage_payload(&s);
	rc = check_inputs(&s) < 0 || stage_scope(&s) < 0 ||
	     stage_headers(&s) < 0 || stage_canonical_request(&s) < 0 ||
	     stage_string_to_sign(&s) < 0 || stage_signing_key(&s) < 0 ||
	     stage_signature(&s) < 0 || stage_output(&s) < 0 ? -1 : 0;
	signer_release(&s);
	if (rc < 0)
		result_reset(out);
	return rc;
}

int sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *cr,
	       const struct sigv4_opts *opts, struct sigv4_result *out,
	       struct s3gc_err *e)
{
	return sign(req, cr, opts, out, e, 0);
}

int sigv4_presign(const struct sigv4_request *req, const struct sigv4_creds *cr,
		  const struct sigv4_opts *opts, struct sigv4_result *out,
		  struct s3gc_err *e)
{
	return sign(req, cr, opts, out, e, 1);
}
