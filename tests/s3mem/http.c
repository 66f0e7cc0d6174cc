/* http.c - HTTP/1.1 request parsing (see http.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include "http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"

#define MAX_BODY (5ull << 30)	/* S3's single-PUT limit */

static char *trim(char *s, char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = 0;
	return s;
}

static int has_token(const char *v, const char *tok)
{
	size_t tl = strlen(tok);
	for (const char *p = v; *p; ) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ',' && *e != ';')
			e++;
		const char *t = e;
		while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		if ((size_t)(t - p) == tl && !strncasecmp(p, tok, tl))
			return 1;
		while (*e && *e != ',')
			e++;
		p = e;
	}
	return 0;
}

static int parse_request_line(char *line, struct req *r)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1 == line || sp2 == sp1 + 1)
		return -1;
	*sp1 = *sp2 = 0;
	r->method = line;
	r->target = sp1 + 1;
	const char *ver = sp2 + 1;
	if (strncmp(ver, "HTTP/1.", 7) || !isdigit((unsigned char)ver[7]) || ver[8])
		return -1;
	r->minor = ver[7] - '0';
	return 0;
}

static int parse_params(struct req *r)
{
	char *q = r->query;
	while (*q) {
		char *amp = strchr(q, '&');
		char *end = amp ? amp : q + strlen(q);
		char *eq = memchr(q, '=', (size_t)(end - q));
		if (end > q) {
			if (r->nparams == HTTP_MAX_PARAMS)
				return -1;
			struct buf n = BUF_INIT, v = BUF_INIT;
			char *ne = eq ? eq : end;
			buf_reserve(&n, 1);
			buf_reserve(&v, 1);
			int bad = url_decode(q, (size_t)(ne - q), &n, 1) ||
				  (eq && url_decode(eq + 1, (size_t)(end - eq - 1), &v, 1));
			struct param *pp = &r->params[r->nparams++];
			pp->name = n.p;
			pp->val = v.p;
			pp->vlen = v.len;
			if (bad)
				return -1;
		}
		q = amp ? amp + 1 : end;
	}
	return 0;
}

/* Splits target into path and query, dropping an absolute-form prefix. */
static int split_target(struct req *r)
{
	char *t = r->target;
	if (!strncasecmp(t, "http://", 7)) {
		t = strchr(t + 7, '/');
		if (!t)
			return -1;
	}
	if (*t != '/')
		return -1;
	char *qm = strchr(t, '?');
	size_t plen = qm ? (size_t)(qm - t) : strlen(t);
	char *copy = malloc(plen + 1 + (qm ? strlen(qm) : 1));
	if (!copy)
		return -1;
	memcpy(copy, t, plen);
	copy[plen] = 0;
	r->path = copy;
	r->query = copy + plen + 1;
	strcpy(r->query, qm ? qm + 1 : "");
	return 0;
}

static int parse_headers(char *p, char *end, struct req *r)
{
	while (p < end) {
		char *eol = strstr(p, "\r\n");
		if (!eol || eol > end)
			eol = end;
		if (eol == p)
			break;
		char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p || r->nhdrs == HTTP_MAX_HDRS)
			return -1;
		for (char *c = p; c < colon; c++)
			if (*c == ' ' || *c == '\t')
				return -1;	/* whitespace before ':' is forbidden */
		*colon = 0;
		struct hdr *h = &r->hdrs[r->nhdrs++];
		h->name = p;
		h->val = trim(colon + 1, eol);
		p = eol + 2;
	}
	return 0;
}

static int body_framing(struct req *r, const char **why)
{
	const char *te = req_hdr(r, "Transfer-Encoding");
	const char *cl = req_hdr(r, "Content-Length");
	if (te) {
		if (!has_token(te, "chunked")) {
			*why = "unsupported transfer-coding";
			return 501;
		}
		r->mode = BODY_CHUNKED;
		r->keepalive &= !cl;	/* both framings: answer, then close */
		return 0;
	}
	if (cl) {
		char *end;
		if (!isdigit((unsigned char)*cl))
			goto bad;
		unsigned long long v = strtoull(cl, &end, 10);
		if (*end)
			goto bad;
		if (v > MAX_BODY) {
			*why = "body too large";
			return 413;
		}
		r->mode = v ? BODY_LENGTH : BODY_NONE_MODE;
		r->clen = v;
	}
	return 0;
bad:
	*why = "bad Content-Length";
	return 400;
}

int http_parse_head(const char *p, size_t n, struct req *r, const char **why)
{
	memset(r, 0, sizeof *r);
	buf_add(&r->head, p, n);
	char *s = r->head.p, *end = s + n;
	char *eol = strstr(s, "\r\n");
	*why = "malformed request";
	if (!eol)
		return 400;
	*eol = 0;
	if (parse_request_line(s, r) < 0 || split_target(r) < 0)
		return 400;
	if (parse_headers(eol + 2, end, r) < 0)
		return 400;
	if (parse_params(r) < 0) {
		*why = "malformed query string";
		return 400;
	}
	const char *conn = req_hdr(r, "Connection");
	r->keepalive = r->minor >= 1 ? !(conn && has_token(conn, "close"))
				     : (conn && has_token(conn, "keep-alive"));
	const char *exp = req_hdr(r, "Expect");
	r->expect_continue = exp && !strcasecmp(exp, "100-continue");
	return body_framing(r, why);
}

void req_free(struct req *r)
{
	for (int i = 0; i < r->nparams; i++) {
		free(r->params[i].name);
		free(r->params[i].val);
	}
	free((char *)r->path);
	buf_free(&r->head);
	memset(r, 0, sizeof *r);
}

const char *req_hdr(const struct req *r, const char *name)
{
	for (int i = 0; i < r->nhdrs; i++)
		if (!strcasecmp(r->hdrs[i].name, name))
			return r->hdrs[i].val;
	return NULL;
}

const char *req_param(const struct req *r, const char *name, size_t *len)
{
	for (int i = 0; i < r->nparams; i++)
		if (!strcmp(r->params[i].name, name)) {
			if (len)
				*len = r->params[i].vlen;
			return r->params[i].val;
		}
	return NULL;
}

/* Finds CRLF at or after in+from; returns its offset or -1. */
static long find_crlf(const char *in, size_t n, size_t from)
{
	for (size_t i = from; i + 1 < n; i++)
		if (in[i] == '\r' && in[i + 1] == '\n')
			return (long)i;
	return -1;
}

int chunked_step(const char *in, size_t n, size_t *pos, struct buf *out)
{
	for (;;) {
		size_t p = *pos;
		long eol = find_crlf(in, n, p);
		if (eol < 0)
			return n - p > 4096 ? -1 : 0;
		char *end;
		if (!isxdigit((unsigned char)in[p]))
			return -1;
		unsigned long long sz = strtoull(in + p, &end, 16);	/* ";ext" ignored */
		if (end > in + eol || sz > MAX_BODY || out->len + sz > MAX_BODY)
			return -1;
		size_t data = (size_t)eol + 2;
		if (sz == 0) {
			/* Trailer fields, then an empty line. */
			for (size_t t = data;; ) {
				long te = find_crlf(in, n, t);
				if (te < 0)
					return 0;
				if ((size_t)te == t) {
					*pos = t + 2;
					return 1;
				}
				t = (size_t)te + 2;
			}
		}
		if (n - data < sz + 2)
			return 0;
		if (in[data + sz] != '\r' || in[data + sz + 1] != '\n')
			return -1;
		buf_add(out, in + data, (size_t)sz);
		*pos = data + (size_t)sz + 2;
	}
}
