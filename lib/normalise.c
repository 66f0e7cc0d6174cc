/* normalise.c: turn column values (keys, s3:// and http(s) URLs, arrays) into keys. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalise.h"
#include "uri.h"
#include "utf8.h"

/* ---- small byte helpers (ASCII only: never the locale) ---- */

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

static int lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int is_alpha(unsigned char c)
{
	return lower(c) >= 'a' && lower(c) <= 'z';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
	return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* 1 if a[0..an) and b[0..bn) are equal ignoring ASCII case. */
static int eq_nocase(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int prefix_nocase(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);

	return n >= pn && eq_nocase(s, pn, p, pn);
}

static int suffix_nocase(const char *s, size_t n, const char *p)
{
	size_t pn = strlen(p);

	return n >= pn && eq_nocase(s + n - pn, pn, p, pn);
}

static int eq_exact(const char *a, size_t an, const char *b)
{
	return strlen(b) == an && memcmp(a, b, an) == 0;
}

/* 1 if every '%' in s[0..n) starts a %XX escape (uri_decode would accept it). */
static int escapes_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '%' && (i + 2 >= n || !is_hex((unsigned char)s[i + 1]) ||
				    !is_hex((unsigned char)s[i + 2])))
			return 0;
	return 1;
}

/* ---- keys ---- */

/* Set *res to NORM_KEY if out holds a key S3 could store, else empty out. */
static void key_check(struct buf *out, enum norm_result *res)
{
	if (out->len == 0 || out->len > NORM_KEY_MAX ||
	    !utf8_valid(out->data, out->len, NULL)) {
		buf_reset(out);
		*res = NORM_UNKNOWN;
		return;
	}
	*res = NORM_KEY;
}

static int key_raw(const char *k, size_t n, struct buf *out,
		   enum norm_result *res, struct s3gc_err *e)
{
	if (n == 0 || n > NORM_KEY_MAX) {
		*res = NORM_UNKNOWN;
		return 0;
	}
	if (buf_add(out, k, n, e) < 0)
		return -1;
	key_check(out, res);
	return 0;
}

static int key_decoded(const char *k, size_t n, struct buf *out,
		       enum norm_result *res, struct s3gc_err *e)
{
	/* Decoding shrinks by at most 3:1, so this bounds the work. */
	if (!escapes_ok(k, n) || n > 3 * (size_t)NORM_KEY_MAX) {
		*res = NORM_UNKNOWN;
		return 0;
	}
	if (uri_decode(out, k, n, 0, e) < 0)
		return -1;
	key_check(out, res);
	return 0;
}

/* ---- URLs ---- */

enum scheme { SCHEME_NONE, SCHEME_HTTP, SCHEME_HTTPS };

struct url {
	enum scheme scheme;
	const char *host;
	size_t hostn;
	unsigned port; /* the scheme's default filled in; 0: unknown (//host) */
	const char *path; /* up to '?' or '#'; empty or starting with '/' */
	size_t pathn;
};

static int port_parse(const char *s, size_t n, unsigned *port)
{
	unsigned long v = 0;

	if (n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (n && (v == 0 || v > 65535))
		return -1;
	if (n)
		*port = (unsigned)v;
	return 0;
}

/* Split the authority a[0..n) into host and port; -1 if malformed. */
static int authority_parse(const char *a, size_t n, struct url *u)
{
	size_t hn;

	if (memchr(a, '@', n))
		return -1; /* user info: not how anyone stores an S3 URL */
	if (n && a[0] == '[') {
		const char *rb = memchr(a, ']', n);

		if (!rb)
			return -1;
		hn = (size_t)(rb - a) + 1;
		if (hn < n && a[hn] != ':')
			return -1;
	} else {
		const char *colon = memchr(a, ':', n);

		hn = colon ? (size_t)(colon - a) : n;
	}
	if (hn < n && port_parse(a + hn + 1, n - hn - 1, &u->port) < 0)
		return -1;
	if (hn > 1 && a[hn - 1] == '.')
		hn--; /* a fully qualified name */
	if (hn == 0)
		return -1;
	u->host = a;
	u->hostn = hn;
	return 0;
}

/*
 * Parse "http://", "https://" or (allow_relative) "//" URLs; -1 if s is not
 * one of these or its authority is malformed.
 */
static int url_parse(const char *s, size_t n, int allow_relative, struct url *u)
{
	size_t i, a;

	memset(u, 0, sizeof(*u));
	if (prefix_nocase(s, n, "http://")) {
		u->scheme = SCHEME_HTTP;
		u->port = 80;
		i = 7;
	} else if (prefix_nocase(s, n, "https://")) {
		u->scheme = SCHEME_HTTPS;
		u->port = 443;
		i = 8;
	} else if (allow_relative && n >= 2 && s[0] == '/' && s[1] == '/') {
		i = 2;
	} else {
		return -1;
	}
	for (a = i; a < n && s[a] != '/' && s[a] != '?' && s[a] != '#'; a++)
		;
	if (authority_parse(s + i, a - i, u) < 0)
		return -1;
	u->path = s + a;
	for (i = a; i < n && s[i] != '?' && s[i] != '#'; i++)
		;
	u->pathn = i - a;
	return 0;
}

/* 1 if label l[0..n) is non-empty and all letters, digits and '-'. */
static int label_ok(const char *l, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alpha((unsigned char)l[i]) && !is_digit((unsigned char)l[i]) &&
		    l[i] != '-')
			return 0;
	return 1;
}

static int s3_label(const char *l, size_t n)
{
	return eq_nocase(l, n, "s3", 2) || prefix_nocase(l, n, "s3-");
}

/*
 * Is host h[0..n) an S3 endpoint of AWS? If so return 1 and set *bkt and *bktn
 * to the bucket of a virtual-hosted name (bktn 0: path-style). The rightmost
 * "s3" or "s3-*" label marks the service, since a bucket name may contain
 * dots and even an "s3" label; after it may come "dualstack" and a region.
 */
static int aws_host(const char *h, size_t n, const char **bkt, size_t *bktn)
{
	size_t rest, end, start, after = 0;
	const char *lab[2] = { NULL, NULL };
	size_t labn[2] = { 0, 0 };

	if (suffix_nocase(h, n, ".amazonaws.com"))
		rest = n - strlen(".amazonaws.com");
	else if (suffix_nocase(h, n, ".amazonaws.com.cn"))
		rest = n - strlen(".amazonaws.com.cn");
	else
		return 0;
	for (end = rest;; end = start - 1) {
		for (start = end; start > 0 && h[start - 1] != '.'; start--)
			;
		if (s3_label(h + start, end - start))
			break;
		if (after == 2 || start == 0 || !label_ok(h + start, end - start))
			return 0;
		lab[1] = lab[0], labn[1] = labn[0];
		lab[0] = h + start, labn[0] = end - start;
		after++;
	}
	if (after == 2 && !eq_nocase(lab[0], labn[0], "dualstack", 9))
		return 0;
	if (start == 0) {
		*bkt = NULL;
		*bktn = 0;
		return 1;
	}
	/* The bucket: everything before ".s3"; no empty labels. */
	if (start < 2 || h[0] == '.' || h[start - 2] == '.')
		return 0;
	for (size_t i = 1; i + 1 < start; i++)
		if (h[i] == '.' && h[i - 1] == '.')
			return 0;
	*bkt = h;
	*bktn = start - 1;
	return 1;
}

/* p[0..n) is "/BUCKET/KEY", "/BUCKET" or empty: path-style. */
static int path_style(const struct norm_ctx *c, const char *p, size_t n,
		      struct buf *out, enum norm_result *res, struct s3gc_err *e)
{
	const char *slash;
	size_t bn;

	if (n <= 1) {
		*res = NORM_NONE; /* the service root: no bucket, no key */
		return 0;
	}
	p++, n--;
	slash = memchr(p, '/', n);
	bn = slash ? (size_t)(slash - p) : n;
	if (!escapes_ok(p, bn)) {
		*res = NORM_UNKNOWN;
		return 0;
	}
	if (uri_decode(out, p, bn, 0, e) < 0)
		return -1;
	if (!eq_exact(out->data, out->len, c->bucket)) {
		buf_reset(out);
		*res = NORM_FOREIGN;
		return 0;
	}
	buf_reset(out);
	if (!slash || bn + 1 == n) {
		*res = NORM_NONE;
		return 0;
	}
	return key_decoded(slash + 1, n - bn - 1, out, res, e);
}

/* Does u fall under the configured endpoint? Then set *rest to the path past its prefix. */
static int endpoint_match(const struct norm_ctx *c, const struct url *u,
			  const char **rest, size_t *restn)
{
	struct url ep;
	size_t pn;

	if (!c->endpoint ||
	    url_parse(c->endpoint, strlen(c->endpoint), 0, &ep) < 0)
		return 0;
	if (u->scheme != SCHEME_NONE && u->scheme != ep.scheme)
		return 0;
	if (u->port != ep.port &&
	    !(u->scheme == SCHEME_NONE && u->port == 0))
		return 0;
	if (!eq_nocase(u->host, u->hostn, ep.host, ep.hostn))
		return 0;
	pn = ep.pathn;
	while (pn && ep.path[pn - 1] == '/')
		pn--;
	if (u->pathn < pn || memcmp(u->path, ep.path, pn) != 0 ||
	    (u->pathn > pn && u->path[pn] != '/'))
		return 0;
	*rest = u->path + pn;
	*restn = u->pathn - pn;
	return 1;
}

static int norm_url(const struct norm_ctx *c, const struct url *u,
		    struct buf *out, enum norm_result *res, struct s3gc_err *e)
{
	const char *p, *bkt;
	size_t pn, bn;

	if (endpoint_match(c, u, &p, &pn))
		return path_style(c, p, pn, out, res, e);
	if (!aws_host(u->host, u->hostn, &bkt, &bn)) {
		*res = NORM_UNKNOWN;
		return 0;
	}
	if (bn == 0)
		return path_style(c, u->path, u->pathn, out, res, e);
	if (!eq_nocase(bkt, bn, c->bucket, strlen(c->bucket))) {
		*res = NORM_FOREIGN;
		return 0;
	}
	if (u->pathn <= 1) {
		*res = NORM_NONE;
		return 0;
	}
	return key_decoded(u->path + 1, u->pathn - 1, out, res, e);
}

static int norm_s3(const struct norm_ctx *c, const char *v, size_t n,
		   struct buf *out, enum norm_result *res, struct s3gc_err *e)
{
	const char *slash;
	size_t bn;

	v += 5, n -= 5;
	slash = memchr(v, '/', n);
	bn = slash ? (size_t)(slash - v) : n;
	if (bn == 0) {
		*res = NORM_UNKNOWN;
		return 0;
	}
	if (!eq_exact(v, bn, c->bucket)) {
		*res = NORM_FOREIGN;
		return 0;
	}
	if (!slash || bn + 1 == n) {
		*res = NORM_NONE;
		return 0;
	}
	return key_raw(slash + 1, n - bn - 1, out, res, e);
}

/* 1 if v starts with "scheme://" (RFC 3986 scheme syntax). */
static int has_scheme(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || !is_alpha((unsigned char)v[0]))
		return 0;
	for (i = 1; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (!is_alpha(ch) && !is_digit(ch) && ch != '+' && ch != '-' &&
		    ch != '.')
			break;
	}
	return n - i >= 3 && memcmp(v + i, "://", 3) == 0;
}

int norm_value(const struct norm_ctx *c, const char *v, size_t n,
	       struct buf *out, enum norm_result *res, struct s3gc_err *e)
{
	struct url u;
	size_t i;

	buf_reset(out);
	for (i = 0; i < n && is_ws((unsigned char)v[i]); i++)
		;
	if (i == n) {
		*res = NORM_NONE;
		return 0;
	}
	if (prefix_nocase(v, n, "s3://"))
		return norm_s3(c, v, n, out, res, e);
	if (url_parse(v, n, 1, &u) == 0)
		return norm_url(c, &u, out, res, e);
	if (has_scheme(v, n) || (n >= 2 && v[0] == '/' && v[1] == '/')) {
		*res = NORM_UNKNOWN;
		return 0;
	}
	if (v[0] == '/')
		v++, n--;
	return key_raw(v, n, out, res, e);
}

/* ---- lists ---- */

void norm_list_init(struct norm_list *l)
{
	buf_init(&l->arena, 0);
	l->off = l->len = NULL;
	l->n = l->cap = 0;
}

void norm_list_release(struct norm_list *l)
{
	buf_release(&l->arena);
	free(l->off);
	free(l->len);
	norm_list_init(l);
}

void norm_list_reset(struct norm_list *l)
{
	buf_reset(&l->arena);
	l->n = 0;
}

const char *norm_list_at(const struct norm_list *l, size_t i, size_t *len)
{
	if (len)
		*len = l->len[i];
	return l->arena.data + l->off[i];
}

/* Start an element at the end of the arena: make room in off/len. */
static int list_begin(struct norm_list *l, struct s3gc_err *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		size_t *off, *len;

		if (cap > SIZE_MAX / sizeof(size_t))
			return err_set(e, S3GC_E_SYS, ENOMEM, "list too long");
		off = realloc(l->off, cap * sizeof(size_t));
		if (!off)
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		l->off = off;
		len = realloc(l->len, cap * sizeof(size_t));
		if (!len)
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		l->len = len;
		l->cap = cap;
	}
	l->off[l->n] = l->arena.len;
	return 0;
}

/* Close the element begun by list_begin: its bytes are the arena's tail. */
static int list_end(struct norm_list *l, struct s3gc_err *e)
{
	l->len[l->n] = l->arena.len - l->off[l->n];
	if (buf_addc(&l->arena, '\0', e) < 0)
		return -1;
	l->n++;
	return 0;
}

/* Undo everything appended since the list had n elements and alen arena bytes. */
static void list_rollback(struct norm_list *l, size_t n, size_t alen)
{
	l->n = n;
	if (l->arena.data) {
		l->arena.len = alen;
		l->arena.data[alen] = '\0';
	}
}

/* ---- PostgreSQL arrays ---- */

struct pg {
	const char *v;
	size_t n, i;
	struct norm_list *out;
	struct s3gc_err *e;
};

static int pg_bad(struct pg *p, const char *what)
{
	return err_set(p->e, S3GC_E_DATA, 0,
		       "malformed array literal: %s at offset %zu", what, p->i);
}

static void pg_skip_ws(struct pg *p)
{
	while (p->i < p->n && is_ws((unsigned char)p->v[p->i]))
		p->i++;
}

/* A quoted element: p->i is at the opening quote. */
static int pg_quoted(struct pg *p)
{
	if (list_begin(p->out, p->e) < 0)
		return -1;
	for (p->i++; p->i < p->n; p->i++) {
		char ch = p->v[p->i];

		if (ch == '"') {
			p->i++;
			return list_end(p->out, p->e);
		}
		if (ch == '\\' && ++p->i == p->n)
			break;
		if (buf_addc(&p->out->arena, p->v[p->i], p->e) < 0)
			return -1;
	}
	return pg_bad(p, "unterminated quoted element");
}

/* An unquoted element: up to ',' or '}', trailing unescaped whitespace dropped. */
static int pg_unquoted(struct pg *p)
{
	struct buf *a = &p->out->arena;
	size_t off = a->len, keep = a->len;
	int escaped = 0;

	if (list_begin(p->out, p->e) < 0)
		return -1;
	for (; p->i < p->n; p->i++) {
		char ch = p->v[p->i];

		if (ch == ',' || ch == '}')
			break;
		if (ch == '{' || ch == '"')
			return pg_bad(p, "unexpected character in element");
		if (ch == '\\') {
			if (++p->i == p->n)
				break;
			escaped = 1;
		}
		if (buf_addc(a, p->v[p->i], p->e) < 0)
			return -1;
		if (ch == '\\' || !is_ws((unsigned char)ch))
			keep = a->len;
	}
	if (p->i == p->n)
		return pg_bad(p, "unterminated array");
	if (keep == off)
		return pg_bad(p, "empty element");
	if (!escaped && eq_nocase(a->data + off, keep - off, "NULL", 4))
		keep = off; /* a null element: skipped */
	a->len = keep;
	a->data[keep] = '\0';
	return keep == off ? 0 : list_end(p->out, p->e);
}

/* An array: p->i is at '{'. depth bounds recursion on hostile input. */
static int pg_array(struct pg *p, int depth)
{
	int kind = 0; /* 1: holds arrays, 2: holds elements */

	if (depth > 6) /* PostgreSQL's MAXDIM */
		return pg_bad(p, "too many dimensions");
	p->i++;
	pg_skip_ws(p);
	if (p->i < p->n && p->v[p->i] == '}') {
		p->i++;
		return 0;
	}
	for (;;) {
		int k, rc;

		pg_skip_ws(p);
		if (p->i == p->n)
			return pg_bad(p, "unterminated array");
		k = p->v[p->i] == '{' ? 1 : 2;
		if (kind && k != kind)
			return pg_bad(p, "arrays and elements mixed");
		kind = k;
		if (k == 1)
			rc = pg_array(p, depth + 1);
		else if (p->v[p->i] == '"')
			rc = pg_quoted(p);
		else
			rc = pg_unquoted(p);
		if (rc < 0)
			return -1;
		pg_skip_ws(p);
		if (p->i == p->n)
			return pg_bad(p, "unterminated array");
		if (p->v[p->i] == '}') {
			p->i++;
			return 0;
		}
		if (p->v[p->i] != ',')
			return pg_bad(p, "expected ',' or '}'");
		p->i++;
	}
}

/* Skip "[lo:hi][lo:hi]=" if present. */
static int pg_dims(struct pg *p)
{
	if (p->i == p->n || p->v[p->i] != '[')
		return 0;
	while (p->i < p->n && p->v[p->i] == '[') {
		for (p->i++; p->i < p->n && p->v[p->i] != ']'; p->i++)
			if (!is_digit((unsigned char)p->v[p->i]) &&
			    p->v[p->i] != ':' && p->v[p->i] != '-')
				return pg_bad(p, "bad dimension");
		if (p->i == p->n)
			return pg_bad(p, "bad dimension");
		p->i++;
	}
	if (p->i == p->n || p->v[p->i] != '=')
		return pg_bad(p, "expected '=' after dimensions");
	p->i++;
	return 0;
}

int norm_pg_array(const char *v, size_t n, struct norm_list *out,
		  struct s3gc_err *e)
{
	struct pg p = { v, n, 0, out, e };
	size_t n0 = out->n, a0 = out->arena.len;

	pg_skip_ws(&p);
	if (pg_dims(&p) < 0)
		goto fail;
	pg_skip_ws(&p);
	if (p.i == p.n || v[p.i] != '{') {
		pg_bad(&p, "expected '{'");
		goto fail;
	}
	if (pg_array(&p, 1) < 0)
		goto fail;
	pg_skip_ws(&p);
	if (p.i != p.n) {
		pg_bad(&p, "junk after the array");
		goto fail;
	}
	return 0;
fail:
	list_rollback(out, n0, a0);
	return -1;
}

/* ---- JSON ---- */

struct js {
	const char *v;
	size_t n, i;
	struct norm_list *out;
	struct s3gc_err *e;
};

static int js_bad(struct js *j, const char *what)
{
	return err_set(j->e, S3GC_E_DATA, 0, "malformed JSON: %s at offset %zu",
		       what, j->i);
}

static void js_skip_ws(struct js *j)
{
	while (j->i < j->n && (j->v[j->i] == ' ' || j->v[j->i] == '\t' ||
			       j->v[j->i] == '\n' || j->v[j->i] == '\r'))
		j->i++;
}

static int js_literal(struct js *j, const char *lit)
{
	size_t ln = strlen(lit);

	if (j->n - j->i < ln || memcmp(j->v + j->i, lit, ln) != 0)
		return 0;
	j->i += ln;
	return 1;
}

/* Four hex digits at j->i; -1 if not. */
static long js_hex4(struct js *j)
{
	long cp = 0;

	if (j->n - j->i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		unsigned char ch = (unsigned char)j->v[j->i + (size_t)k];

		if (!is_hex(ch))
			return -1;
		cp = cp * 16 + (is_digit(ch) ? ch - '0' : lower(ch) - 'a' + 10);
	}
	j->i += 4;
	return cp;
}

/* After "\u": one code point, a surrogate pair joined; -1 (set in *cp) if bad. */
static int js_unicode(struct js *j, unsigned long *cp)
{
	long hi = js_hex4(j), lo;

	if (hi < 0)
		return js_bad(j, "bad \\u escape");
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return js_bad(j, "lone low surrogate");
	if (hi < 0xD800 || hi > 0xDBFF) {
		*cp = (unsigned long)hi;
		return 0;
	}
	if (!js_literal(j, "\\u") || (lo = js_hex4(j)) < 0xDC00 || lo > 0xDFFF)
		return js_bad(j, "lone high surrogate");
	*cp = 0x10000 + (((unsigned long)hi - 0xD800) << 10) +
	      ((unsigned long)lo - 0xDC00);
	return 0;
}

static int js_escape(struct js *j, struct buf *a)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	unsigned long cp = 0;

	if (j->i == j->n)
		return js_bad(j, "unterminated string");
	if (j->v[j->i] == 'u') {
		j->i++;
		if (js_unicode(j, &cp) < 0)
			return -1;
		return utf8_put(a, cp, j->e);
	}
	hit = j->v[j->i] ? strchr(from, j->v[j->i]) : NULL;
	if (!hit)
		return js_bad(j, "bad escape");
	j->i++;
	return buf_addc(a, to[hit - from], j->e);
}

/* A string: j->i is at the opening quote; appended as one element. */
static int js_string(struct js *j)
{
	struct buf *a = &j->out->arena;
	size_t start, bad;

	if (list_begin(j->out, j->e) < 0)
		return -1;
	for (j->i++;;) {
		start = j->i;
		while (j->i < j->n && j->v[j->i] != '"' && j->v[j->i] != '\\' &&
		       (unsigned char)j->v[j->i] >= 0x20)
			j->i++;
		if (buf_add(a, j->v + start, j->i - start, j->e) < 0)
			return -1;
		if (j->i == j->n)
			return js_bad(j, "unterminated string");
		if (j->v[j->i] == '"')
			break;
		if (j->v[j->i] != '\\')
			return js_bad(j, "control character in string");
		j->i++;
		if (js_escape(j, a) < 0)
			return -1;
	}
	start = j->out->off[j->out->n];
	if (!utf8_valid(a->data + start, a->len - start, &bad))
		return js_bad(j, "string is not UTF-8");
	j->i++;
	return list_end(j->out, j->e);
}

static int js_array(struct js *j)
{
	j->i++;
	js_skip_ws(j);
	if (j->i < j->n && j->v[j->i] == ']') {
		j->i++;
		return 0;
	}
	for (;;) {
		js_skip_ws(j);
		if (j->i < j->n && j->v[j->i] == '"') {
			if (js_string(j) < 0)
				return -1;
		} else if (!js_literal(j, "null")) {
			return js_bad(j, "expected a string or null");
		}
		js_skip_ws(j);
		if (j->i == j->n)
			return js_bad(j, "unterminated array");
		if (j->v[j->i] == ']') {
			j->i++;
			return 0;
		}
		if (j->v[j->i] != ',')
			return js_bad(j, "expected ',' or ']'");
		j->i++;
	}
}

int norm_json_array(const char *v, size_t n, struct norm_list *out,
		    struct s3gc_err *e)
{
	struct js j = { v, n, 0, out, e };
	size_t n0 = out->n, a0 = out->arena.len;
	int rc;

	js_skip_ws(&j);
	if (j.i < n && v[j.i] == '[')
		rc = js_array(&j);
	else if (j.i < n && v[j.i] == '"')
		rc = js_string(&j);
	else if (js_literal(&j, "null"))
		rc = 0;
	else
		rc = js_bad(&j, "expected an array, a string or null");
	if (rc == 0) {
		js_skip_ws(&j);
		if (j.i != n)
			rc = js_bad(&j, "junk after the value");
	}
	if (rc < 0)
		list_rollback(out, n0, a0);
	return rc;
}
