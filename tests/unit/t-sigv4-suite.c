/*
 * t-sigv4-suite.c: run the AWS SigV4 test suite (v4 layout) found in the
 * directory given as argument, checking each stage of both signing modes.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "json.h"
#include "sigv4.h"
#include "tap.h"
#include "testutil.h"
#include "uri.h"

#define MAXITEMS 128

/* One case's context.json, borrowed from the parsed JSON. */
struct ctx {
	const char *ak, *sk, *token, *region, *service;
	time_t now;
	int normalize, omit_token, sign_body;
	long expires;
};

/* request.txt, parsed in place: names and values point into the text. */
struct httpreq {
	char *method, *path, *query;
	struct sigv4_header headers[MAXITEMS];
	size_t nheaders;
	struct sigv4_param params[MAXITEMS];
	struct buf pbufs[2 * MAXITEMS];
	size_t nparams;
	const char *body;
	size_t body_len;
};

static int slurp2(const char *dir, const char *name, const char *file, struct buf *b)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, file);
	return tu_slurp(path, b);
}

/* "2015-08-30T12:36:00Z" or "20150830T123600Z". */
static int json_flag(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	return v && v->type == JSON_BOOL && v->boolean;
}

static int read_ctx(const struct json *j, struct ctx *c)
{
	const struct json *cr = json_get(j, "credentials");
	const struct json *exp = json_get(j, "expiration_in_seconds");
	const char *ts = json_str(j, "timestamp");

	c->ak = json_str(cr, "access_key_id");
	c->sk = json_str(cr, "secret_access_key");
	c->token = json_str(cr, "token");
	c->region = json_str(j, "region");
	c->service = json_str(j, "service");
	c->normalize = json_flag(j, "normalize");
	c->omit_token = json_flag(j, "omit_session_token");
	c->sign_body = json_flag(j, "sign_body");
	c->expires = exp && exp->type == JSON_NUMBER ? (long)exp->number : 3600;
	if (!c->ak || !c->sk || !c->region || !c->service || !ts)
		return -1;
	return tu_parse_time(ts, &c->now);
}

/* Split off the next line (LF or CRLF); NULL at the end of the text. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	*p = nl ? nl + 1 : end;
	if (!nl)
		nl = end;
	if (nl > line && nl[-1] == '\r')
		nl--;
	*nl = '\0';
	return line;
}

static int add_param(struct httpreq *r, const char *comp, struct s3gc_err *e)
{
	const char *eq = strchr(comp, '=');
	size_t nlen = eq ? (size_t)(eq - comp) : strlen(comp);
	struct buf *nb = &r->pbufs[2 * r->nparams], *vb = nb + 1;

	if (r->nparams == MAXITEMS)
		return err_set(e, S3GC_E_DATA, 0, "too many parameters");
	if (uri_decode(nb, comp, nlen, 0, e) < 0 ||
	    (eq && uri_decode(vb, eq + 1, strlen(eq + 1), 0, e) < 0))
		return -1;
	r->params[r->nparams++] = (struct sigv4_param){ buf_str(nb), nb->len,
							buf_str(vb), vb->len };
	return 0;
}

static int parse_query(struct httpreq *r, struct s3gc_err *e)
{
	char *save = NULL;

	for (char *c = strtok_r(r->query, "&", &save); c; c = strtok_r(NULL, "&", &save))
		if (add_param(r, c, e) < 0)
			return -1;
	return 0;
}

/* "METHOD TARGET HTTP/1.1": the target may hold spaces (get-space-*). */
static int parse_request_line(struct httpreq *r, char *line, struct s3gc_err *e)
{
	char *sp = strchr(line, ' '), *ver = NULL, *q;

	for (char *p = line; (p = strstr(p, " HTTP/")); p++)
		ver = p;
	if (!sp || !ver || ver <= sp)
		return err_set(e, S3GC_E_DATA, 0, "bad request line");
	*sp = *ver = '\0';
	r->method = line;
	r->path = sp + 1;
	q = strchr(r->path, '?');
	r->query = q ? q + 1 : NULL;
	if (q)
		*q = '\0';
	return r->query ? parse_query(r, e) : 0;
}

static int parse_header(struct httpreq *r, char *line, struct s3gc_err *e)
{
	char *colon = strchr(line, ':');

	if (r->nheaders == MAXITEMS)
		return err_set(e, S3GC_E_DATA, 0, "too many headers");
	/* A folded continuation line: another value of the header before. */
	if ((*line == ' ' || *line == '\t') && r->nheaders) {
		r->headers[r->nheaders] = r->headers[r->nheaders - 1];
		r->headers[r->nheaders++].value = line;
		return 0;
	}
	if (!colon)
		return err_set(e, S3GC_E_DATA, 0, "header line without ':'");
	*colon = '\0';
	r->headers[r->nheaders++] = (struct sigv4_header){ line, colon + 1 };
	return 0;
}

static int parse_request(struct buf *text, struct httpreq *r, struct s3gc_err *e)
{
	char *p = text->data, *end = p + text->len, *line;

	line = next_line(&p, end);
	if (!line || parse_request_line(r, line, e) < 0)
		return line ? -1 : err_set(e, S3GC_E_DATA, 0, "empty request");
	while ((line = next_line(&p, end)) && *line)
		if (parse_header(r, line, e) < 0)
			return -1;
	r->body = p;
	r->body_len = (size_t)(end - p);
	return 0;
}

static void httpreq_release(struct httpreq *r)
{
	for (size_t i = 0; i < 2 * MAXITEMS; i++)
		buf_release(&r->pbufs[i]);
}

static void diag_text(const char *label, const char *text)
{
	const char *p = text;

	tap_diag("%s:", label);
	while (*p) {
		size_t n = strcspn(p, "\n");
		tap_diag("  %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

/* Compare with an expected file, one TAP line; both texts shown on mismatch. */
static void check_stage(const char *dir, const char *name, const char *file,
			const char *got)
{
	struct buf want = BUF_INIT;
	int ok;

	if (slurp2(dir, name, file, &want) < 0) {
		tap_ok(0, "%s: %s (cannot read it)", name, file);
		return;
	}
	/* The suite's files have no final newline; tolerate one anyway. */
	while (want.len && (want.data[want.len - 1] == '\n' || want.data[want.len - 1] == '\r'))
		want.data[--want.len] = '\0';
	ok = strcmp(buf_str(&want), got) == 0;
	if (!tap_ok(ok, "%s: %s", name, file)) {
		diag_text("want", buf_str(&want));
		diag_text("got", got);
	}
	buf_release(&want);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A query string's parameters, sorted, so that their order doesn't matter. */
static void sorted_query(char *q, struct buf *out)
{
	char *v[MAXITEMS], *save = NULL;
	size_t n = 0;
	struct s3gc_err e;

	for (char *c = strtok_r(q, "&", &save); c && n < MAXITEMS; c = strtok_r(NULL, "&", &save))
		v[n++] = c;
	qsort(v, n, sizeof(v[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		buf_addf(out, &e, "%s%s", i ? "&" : "", v[i]);
}

/* The presigned URL's parameters against those in query-signed-request.txt. */
static void check_presigned_url(const char *dir, const char *name, const char *got)
{
	struct buf text = BUF_INIT, want = BUF_INIT, mine = BUF_INIT, g = BUF_INIT;
	struct s3gc_err e;
	char *q, *sp;

	if (slurp2(dir, name, "query-signed-request.txt", &text) < 0) {
		tap_ok(1, "%s: presigned URL # SKIP no query-signed-request.txt", name);
		return;
	}
	q = strchr(buf_str(&text), '?');
	sp = q ? strchr(q, ' ') : NULL;
	if (sp)
		*sp = '\0';
	buf_adds(&g, got, &e);
	sorted_query(q ? q + 1 : (char *)"", &want);
	sorted_query(g.data ? g.data : (char *)"", &mine);
	if (!tap_ok(strcmp(buf_str(&want), buf_str(&mine)) == 0,
		    "%s: presigned URL parameters", name)) {
		diag_text("want", buf_str(&want));
		diag_text("got", buf_str(&mine));
	}
	buf_release(&text);
	buf_release(&want);
	buf_release(&mine);
	buf_release(&g);
}

/* The Authorization header against the one in header-signed-request.txt. */
static void check_authorization(const char *dir, const char *name, const char *got)
{
	struct buf text = BUF_INIT, line = BUF_INIT;
	struct s3gc_err e;

	if (slurp2(dir, name, "header-signed-request.txt", &text) < 0) {
		tap_ok(1, "%s: authorization # SKIP no header-signed-request.txt", name);
		return;
	}
	buf_addf(&line, &e, "\nAuthorization:%s\n", got);
	if (!tap_ok(strstr(buf_str(&text), buf_str(&line)) != NULL,
		    "%s: authorization header", name)) {
		diag_text("want in", buf_str(&text));
		diag_text("got", got);
	}
	buf_release(&text);
	buf_release(&line);
}

static void fail_mode(const char *name, const char *mode, const char *why)
{
	tap_ok(0, "%s: %s signing failed: %s", name, mode, why);
}

static void run_mode(const char *dir, const char *name, const struct ctx *c,
		     const struct httpreq *r, int presign)
{
	char hash[SHA256_HEX_LEN + 1];
	unsigned char md[SHA256_LEN];
	struct sigv4_header hs[MAXITEMS + 1];
	struct sigv4_request rq = { r->method, r->path, r->params, r->nparams,
				    hs, r->nheaders, hash };
	struct sigv4_creds cr = { c->ak, c->sk, c->token };
	struct sigv4_opts o = { c->region, c->service, c->now, 0, c->normalize,
				c->omit_token, c->expires };
	struct sigv4_result res;
	struct s3gc_err e;
	const char *mode = presign ? "query" : "header";
	char file[64];

	hash_sha256(r->body, r->body_len, md, &e);
	hex_encode(md, sizeof(md), hash);
	memcpy(hs, r->headers, r->nheaders * sizeof(hs[0]));
	/* aws-c-auth's sign_body adds the payload hash as a signed header. */
	if (c->sign_body && !presign)
		hs[rq.nheaders++] = (struct sigv4_header){ "X-Amz-Content-Sha256", hash };
	sigv4_result_init(&res);
	if ((presign ? sigv4_presign : sigv4_sign)(&rq, &cr, &o, &res, &e) < 0) {
		fail_mode(name, mode, e.msg);
		sigv4_result_release(&res);
		return;
	}
	snprintf(file, sizeof(file), "%s-canonical-request.txt", mode);
	check_stage(dir, name, file, buf_str(&res.canonical_request));
	snprintf(file, sizeof(file), "%s-string-to-sign.txt", mode);
	check_stage(dir, name, file, buf_str(&res.string_to_sign));
	snprintf(file, sizeof(file), "%s-signature.txt", mode);
	check_stage(dir, name, file, res.signature);
	if (presign)
		check_presigned_url(dir, name, buf_str(&res.query));
	else
		check_authorization(dir, name, buf_str(&res.authorization));
	sigv4_result_release(&res);
}

static void run_case(const char *dir, const char *name)
{
	struct buf js = BUF_INIT, text = BUF_INIT;
	struct httpreq *r = calloc(1, sizeof(*r));
	struct json *j = NULL;
	struct ctx c = { 0 };
	struct s3gc_err e;
	char err[256] = "cannot read context.json";

	if (slurp2(dir, name, "context.json", &js) < 0 ||
	    !(j = json_parse(buf_str(&js), js.len, err, sizeof(err))) ||
	    read_ctx(j, &c) < 0) {
		tap_ok(0, "%s: context.json: %s", name, j ? "missing fields" : err);
	} else if (slurp2(dir, name, "request.txt", &text) < 0 ||
		   parse_request(&text, r, &e) < 0) {
		tap_ok(0, "%s: request.txt: %s", name, text.data ? e.msg : "cannot read it");
	} else {
		run_mode(dir, name, &c, r, 0);
		run_mode(dir, name, &c, r, 1);
	}
	json_free(j);
	httpreq_release(r);
	free(r);
	buf_release(&js);
	buf_release(&text);
}

/* The case folders: subdirectories holding a context.json, in name order. */
static size_t list_cases(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, path[4096];
	size_t n = 0;
	FILE *f;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/context.json", dir, de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		fclose(f);
		v = realloc(v, (n + 1) * sizeof(*v));
		v[n++] = strdup(de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

int main(int argc, char **argv)
{
	char **cases;
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: t-sigv4-suite SUITE-DIR\n");
		return 2;
	}
	n = list_cases(argv[1], &cases);
	tap_diag("sigv4 suite: %zu cases in '%s'", n, argv[1]);
	if (!tap_ok(n > 0, "suite directory '%s' has cases", argv[1]))
		return tap_done();
	for (size_t i = 0; i < n; i++) {
		run_case(argv[1], cases[i]);
		free(cases[i]);
	}
	free(cases);
	return tap_done();
}
