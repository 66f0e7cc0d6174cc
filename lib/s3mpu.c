/* s3mpu.c: multipart uploads (see s3mpu.h). */
#include "config.h"

#include <ctype.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "s3mpu.h"
#include "s3obj_int.h"

uint64_t s3mpu_part_size(uint64_t size, uint64_t want)
{
	const uint64_t mib = 1ULL << 20;
	uint64_t part = want < S3MPU_MIN_PART ? S3MPU_MIN_PART : want;

	if (part > S3MPU_MAX_PART)
		part = S3MPU_MAX_PART;
	if ((size + part - 1) / part > S3MPU_MAX_PARTS) {
		part = (size + S3MPU_MAX_PARTS - 1) / S3MPU_MAX_PARTS;
		part = (part + mib - 1) / mib * mib;
	}
	return part;
}

/* ---- answers: a root and the text of some of its children ---- */

struct parse {
	XML_Parser p;
	int depth;
	char *root;
	size_t rootcap;
	const char *const *names;
	char *const *vals;
	size_t n, cap;
	long cur;      /* the child being read, or -1 */
	size_t curlen;
};

/* "ns|local" or "local": the local name. */
static const char *local(const char *name)
{
	const char *bar = strrchr(name, '|');

	return bar ? bar + 1 : name;
}

static void XMLCALL on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct parse *ps = arg;

	(void)attrs;
	ps->depth++;
	if (ps->depth == 1) {
		snprintf(ps->root, ps->rootcap, "%s", local(name));
		return;
	}
	ps->cur = -1;
	if (ps->depth != 2)
		return;
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(local(name), ps->names[i])) {
			ps->cur = (long)i;
			ps->curlen = 0;
			ps->vals[i][0] = '\0';
		}
}

static void XMLCALL on_end(void *arg, const XML_Char *name)
{
	struct parse *ps = arg;

	(void)name;
	ps->depth--;
	ps->cur = -1;
}

static void XMLCALL on_text(void *arg, const XML_Char *s, int len)
{
	struct parse *ps = arg;
	char *v;

	if (ps->cur < 0 || ps->depth != 2)
		return;
	v = ps->vals[ps->cur];
	if (ps->curlen + (size_t)len >= ps->cap) /* cut: the caller sees it full */
		len = (int)(ps->cap - 1 - ps->curlen);
	memcpy(v + ps->curlen, s, (size_t)len);
	ps->curlen += (size_t)len;
	v[ps->curlen] = '\0';
}

int s3mpu_parse(const char *xml, size_t len, char *root, size_t rootcap,
		const char *const *names, char *const *vals, size_t n, size_t cap,
		struct s3gc_err *e)
{
	struct parse ps;
	int rc = 0;

	memset(&ps, 0, sizeof ps);
	ps.root = root;
	ps.rootcap = rootcap;
	ps.names = names;
	ps.vals = vals;
	ps.n = n;
	ps.cap = cap;
	ps.cur = -1;
	root[0] = '\0';
	for (size_t i = 0; i < n; i++)
		vals[i][0] = '\0';
	if (len > (size_t)0x7fffffff)
		return err_set(e, S3GC_E_S3, 0, "an answer of %zu bytes", len);
	if (!(ps.p = XML_ParserCreateNS("UTF-8", '|')))
		return err_set(e, S3GC_E_SYS, 0, "cannot create an XML parser");
	XML_SetUserData(ps.p, &ps);
	XML_SetElementHandler(ps.p, on_start, on_end);
	XML_SetCharacterDataHandler(ps.p, on_text);
	if (XML_Parse(ps.p, xml, (int)len, XML_TRUE) != XML_STATUS_OK || !root[0])
		rc = err_set(e, S3GC_E_S3, 0, "the answer is %s",
			     !len ? "empty" : "not well-formed XML");
	XML_ParserFree(ps.p);
	return rc;
}

/* ---- the requests ---- */

/* What a 2xx answer of root `want` says: its fields, or the error it
 * holds instead (retry: the error is a temporary one). */
static int answer(const struct buf *body, const char *want, const char *what,
		  const char *const *names, char *const *vals, size_t n, size_t cap,
		  int *retry, struct s3gc_err *e)
{
	char root[64], code[256], msg[256], rid[256];
	const char *const enames[] = { "Code", "Message", "RequestId" };
	char *const evals[] = { code, msg, rid };
	struct s3gc_err pe;

	*retry = 0;
	if (s3mpu_parse(body->data ? body->data : "", body->len, root, sizeof root, names, vals,
			n, cap, &pe) < 0) {
		*retry = 1; /* cut short, most likely */
		return err_set(e, S3GC_E_S3, 0, "%s: %s", what, pe.msg);
	}
	if (!strcmp(root, "Error")) {
		if (s3mpu_parse(body->data, body->len, root, sizeof root, enames, evals, 3,
				sizeof code, &pe) < 0)
			return err_set(e, S3GC_E_S3, 0, "%s: %s", what, pe.msg);
		*retry = s3_judge_code(code, msg, rid, 200, what, e) == S3_RETRY;
		return -1;
	}
	if (strcmp(root, want) != 0)
		return err_set(e, S3GC_E_S3, 0, "%s: the answer is <%s>, not <%s>", what, root, want);
	return 0;
}

/* Send rq (its body collected), and read its answer; retried when the
 * answer is cut short or a temporary error in a 200. */
static int ask(const struct s3_client *c, struct http_xfer *x, struct s3obj_call_spec *rq,
	       const char *want, const char *const *names, char *const *vals, size_t n,
	       size_t cap, struct s3gc_err *e)
{
	struct buf body = BUF_INIT;
	int rc = -1, retry;

	rq->on_body = s3obj_collect;
	rq->body_arg = &body;
	for (int tries = 1;; tries++) {
		buf_reset(&body);
		if (s3obj_call(c, x, rq, e) < 0)
			break;
		if (answer(&body, want, rq->what, names, vals, n, cap, &retry, e) == 0) {
			rc = 0;
			break;
		}
		if (!retry || tries >= c->policy.max_attempts)
			break;
		s3obj_sleep_ms(http_backoff_ms(&c->policy, tries, -1));
	}
	buf_release(&body);
	return rc;
}

static void etag_clean(const char *v, char out[ETAG_MAX + 1])
{
	size_t n = strlen(v), j = 0;

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
		v++, n -= 2;
	for (size_t i = 0; i < n && j < ETAG_MAX; i++)
		out[j++] = (char)tolower((unsigned char)v[i]);
	out[j] = '\0';
}

int s3mpu_create(const struct s3_client *c, struct http_xfer *x, const char *key,
		 size_t keylen, const struct sigv4_header *hdrs, size_t n,
		 char id[S3MPU_MAX_ID + 1], struct s3gc_err *e)
{
	static const struct sigv4_param uploads = { "uploads", 7, "", 0 };
	const char *const names[] = { "UploadId" };
	char *const vals[] = { id };
	struct s3obj_req k;

	s3obj_key_req(&k, "POST", key, keylen, NULL);
	snprintf(k.what, sizeof k.what, "CreateMultipartUpload '%.*s'",
		 (int)(keylen > 200 ? 200 : keylen), key);
	k.rq.params = &uploads;
	k.rq.nparams = 1;
	k.rq.hdrs = hdrs;
	k.rq.nhdrs = n;
	if (ask(c, x, &k.rq, "InitiateMultipartUploadResult", names, vals, 1, S3MPU_MAX_ID + 1,
		e) < 0)
		return -1;
	if (!id[0] || strlen(id) >= S3MPU_MAX_ID)
		return err_set(e, S3GC_E_S3, 0, "%s: the answer has %s UploadId", k.what,
			       id[0] ? "too long an" : "no");
	return 0;
}

/* The query of a request on upload id (and part number, if not 0). */
static size_t upload_params(struct sigv4_param *p, const char *id, unsigned number,
			    char *num, size_t numcap)
{
	size_t n = 0;

	if (number) {
		snprintf(num, numcap, "%u", number);
		p[n++] = (struct sigv4_param){ "partNumber", 10, num, strlen(num) };
	}
	p[n++] = (struct sigv4_param){ "uploadId", 8, id, strlen(id) };
	return n;
}

int s3mpu_part(const struct s3_client *c, struct http_xfer *x, const char *key,
	       size_t keylen, const char *id, unsigned number, const char *p, size_t n,
	       char etag[ETAG_MAX + 1], struct s3gc_err *e)
{
	unsigned char sha[SHA256_LEN], md5[MD5_LEN];
	char shahex[SHA256_HEX_LEN + 1], md5hex[MD5_LEN * 2 + 1], md5b64[32], num[16];
	struct sigv4_header h[1] = { { "Content-MD5", md5b64 } };
	struct sigv4_param params[2];
	struct s3_objhead head;
	struct s3obj_req k;
	int rc;

	if (hash_sha256(p, n, sha, e) < 0 || hash_md5(p, n, md5, e) < 0)
		return -1;
	hex_encode(sha, SHA256_LEN, shahex);
	hex_encode(md5, MD5_LEN, md5hex);
	base64_encode(md5, MD5_LEN, md5b64);
	s3obj_key_req(&k, "PUT", key, keylen, NULL);
	snprintf(k.what, sizeof k.what, "UploadPart %u of '%.*s'", number,
		 (int)(keylen > 200 ? 200 : keylen), key);
	k.rq.params = params;
	k.rq.nparams = upload_params(params, id, number, num, sizeof num);
	k.rq.payload_hash = shahex;
	k.rq.hdrs = h;
	k.rq.nhdrs = 1;
	k.rq.body = p;
	k.rq.bodylen = n;
	s3_objhead_init(&head);
	k.rq.head = &head;
	rc = s3obj_call(c, x, &k.rq, e) < 0 ? -1 : 0;
	if (rc == 0 && strcmp(head.etag, md5hex) != 0 && strncmp(head.sse, "aws:kms", 7) != 0)
		rc = err_set(e, S3GC_E_S3, 0, "%s: the server's ETag '%s' is not the part's MD5 %s",
			     k.what, head.etag, md5hex);
	if (rc == 0)
		memcpy(etag, head.etag, ETAG_MAX + 1);
	s3_objhead_release(&head);
	return rc;
}

/* XML text: the ETags the server gave, escaped. */
static int add_text(struct buf *b, const char *s, struct s3gc_err *e)
{
	for (; *s; s++) {
		int rc = *s == '&' ? buf_adds(b, "&amp;", e) : *s == '<' ? buf_adds(b, "&lt;", e) :
			 *s == '>' ? buf_adds(b, "&gt;", e) : buf_addc(b, *s, e);

		if (rc < 0)
			return -1;
	}
	return 0;
}

int s3mpu_complete(const struct s3_client *c, struct http_xfer *x, const char *key,
		   size_t keylen, const char *id, const struct s3mpu_part *parts,
		   size_t n, int if_none_match, char etag[ETAG_MAX + 1],
		   struct s3gc_err *e)
{
	struct sigv4_header h[2] = { { "Content-Type", "application/xml" },
				     { "If-None-Match", "*" } };
	unsigned char d[SHA256_LEN];
	char sha[SHA256_HEX_LEN + 1], got[ETAG_MAX + 3], num[16];
	const char *const names[] = { "ETag" };
	char *const vals[] = { got };
	struct sigv4_param params[1];
	struct buf body = BUF_INIT;
	struct s3obj_req k;
	int rc = -1;

	if (buf_adds(&body, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/"
		     "2006-03-01/\">", e) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (buf_addf(&body, e, "<Part><PartNumber>%u</PartNumber><ETag>\"",
			     parts[i].number) < 0 || add_text(&body, parts[i].etag, e) < 0 ||
		    buf_adds(&body, "\"</ETag></Part>", e) < 0)
			goto out;
	if (buf_adds(&body, "</CompleteMultipartUpload>", e) < 0 ||
	    hash_sha256(body.data, body.len, d, e) < 0)
		goto out;
	hex_encode(d, SHA256_LEN, sha);
	s3obj_key_req(&k, "POST", key, keylen, NULL);
	snprintf(k.what, sizeof k.what, "CompleteMultipartUpload '%.*s'",
		 (int)(keylen > 200 ? 200 : keylen), key);
	k.rq.params = params;
	k.rq.nparams = upload_params(params, id, 0, num, sizeof num);
	k.rq.payload_hash = sha;
	k.rq.hdrs = h;
	k.rq.nhdrs = if_none_match ? 2 : 1;
	k.rq.body = body.data;
	k.rq.bodylen = body.len;
	if (ask(c, x, &k.rq, "CompleteMultipartUploadResult", names, vals, 1, sizeof got, e) < 0)
		goto out;
	if (etag)
		etag_clean(got, etag);
	rc = 0;
out:
	buf_release(&body);
	return rc;
}

int s3mpu_abort(const struct s3_client *c, struct http_xfer *x, const char *key,
		size_t keylen, const char *id, struct s3gc_err *e)
{
	struct sigv4_param params[1];
	struct s3obj_req k;
	char num[16];

	s3obj_key_req(&k, "DELETE", key, keylen, NULL);
	snprintf(k.what, sizeof k.what, "AbortMultipartUpload '%.*s'",
		 (int)(keylen > 200 ? 200 : keylen), key);
	k.rq.params = params;
	k.rq.nparams = upload_params(params, id, 0, num, sizeof num);
	return s3obj_call(c, x, &k.rq, e) < 0 ? -1 : 0;
}
