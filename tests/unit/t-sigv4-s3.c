/*
 * t-sigv4-s3.c: S3's own worked SigV4 examples (s3-sigv4-examples.json, path
 * given as argument), signed with S3 rules: the path as sent, no normalising.
 */
#include "config.h"

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

#define MAXITEMS 64

/* The file's shared fields. */
struct top {
	const char *ak, *sk, *region, *service;
	time_t now;
};

/* One case turned into a request; strings borrowed from the JSON or pbufs. */
struct s3case {
	const char *name;
	struct buf path;
	struct sigv4_header headers[MAXITEMS];
	size_t nheaders;
	struct sigv4_param params[MAXITEMS];
	struct buf pbufs[2 * MAXITEMS];
	size_t nparams;
	long expires;
	int presign;
};

static int read_top(const struct json *j, struct top *t)
{
	const struct json *cr = json_get(j, "credentials");
	const char *ts = json_str(j, "timestamp");

	t->ak = json_str(cr, "access_key_id");
	t->sk = json_str(cr, "secret_access_key");
	t->region = json_str(j, "region");
	t->service = json_str(j, "service");
	if (!t->ak || !t->sk || !t->region || !t->service || !ts)
		return -1;
	return tu_parse_time(ts, &t->now);
}

/* One "name=value" of a canonical query, decoded; presign's X-Amz-* kept aside. */
static int add_param(struct s3case *c, const char *comp, struct s3gc_err *e)
{
	const char *eq = strchr(comp, '=');
	size_t nlen = eq ? (size_t)(eq - comp) : strlen(comp);
	struct buf *nb = &c->pbufs[2 * c->nparams], *vb = nb + 1;

	if (c->nparams == MAXITEMS)
		return err_set(e, S3GC_E_DATA, 0, "too many parameters");
	if (uri_decode(nb, comp, nlen, 0, e) < 0 ||
	    (eq && uri_decode(vb, eq + 1, strlen(eq + 1), 0, e) < 0))
		return -1;
	if (strcmp(buf_str(nb), "X-Amz-Expires") == 0)
		c->expires = strtol(buf_str(vb), NULL, 10);
	if (strncmp(buf_str(nb), "X-Amz-", 6) == 0) {
		buf_reset(nb);
		buf_reset(vb);
		return 0;
	}
	c->params[c->nparams++] = (struct sigv4_param){ buf_str(nb), nb->len,
							buf_str(vb), vb->len };
	return 0;
}

static int read_params(struct s3case *c, const char *query, struct s3gc_err *e)
{
	char *q = strdup(query), *save = NULL;
	int rc = 0;

	for (char *p = strtok_r(q, "&", &save); p && rc == 0; p = strtok_r(NULL, "&", &save))
		rc = add_param(c, p, e);
	free(q);
	return rc;
}

/* The request of one case: path from the key (encoded once) or canonical_uri. */
static int read_case(const struct json *j, struct s3case *c, struct s3gc_err *e)
{
	const struct json *h = json_get(j, "headers");
	const char *key = json_str(j, "key"), *query = json_str(j, "canonical_query");

	c->name = json_str(j, "name");
	if (!c->name || !json_str(j, "method") || !json_str(j, "canonical_uri") ||
	    !query || !h || h->type != JSON_OBJECT || h->n > MAXITEMS)
		return err_set(e, S3GC_E_DATA, 0, "case lacks fields");
	if (key ? buf_addc(&c->path, '/', e) < 0 ||
			  uri_encode(&c->path, key, strlen(key), 1, e) < 0
		: buf_adds(&c->path, json_str(j, "canonical_uri"), e) < 0)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		if (h->items[i]->type != JSON_STRING)
			return err_set(e, S3GC_E_DATA, 0, "header value not a string");
		c->headers[c->nheaders++] = (struct sigv4_header){ h->keys[i],
								   h->items[i]->str };
	}
	c->presign = strstr(query, "X-Amz-Algorithm=") != NULL;
	return read_params(c, query, e);
}

static void case_release(struct s3case *c)
{
	buf_release(&c->path);
	for (size_t i = 0; i < 2 * MAXITEMS; i++)
		buf_release(&c->pbufs[i]);
}

/* Line k (0-based) of a canonical request, into out. */
static void creq_line(const char *creq, int k, struct buf *out)
{
	struct s3gc_err e;

	for (; k > 0 && creq; k--) {
		creq = strchr(creq, '\n');
		creq = creq ? creq + 1 : NULL;
	}
	if (creq)
		buf_add(out, creq, strcspn(creq, "\n"), &e);
}

static void check_body(const struct json *j, const char *name)
{
	const char *body = json_str(j, "body"), *want = json_str(j, "payload_sha256");
	unsigned char md[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	struct s3gc_err e;

	if (!body)
		return;
	hash_sha256(body, strlen(body), md, &e);
	hex_encode(md, sizeof(md), hex);
	tap_is_str(hex, want, "%s: payload_sha256 is the SHA-256 of the body", name);
}

static void check_result(const struct json *j, const struct s3case *c,
			 const struct sigv4_result *res)
{
	struct buf line = BUF_INIT, tail = BUF_INIT;
	struct s3gc_err e;

	tap_is_str(res->signature, json_str(j, "signature"), "%s: signature", c->name);
	creq_line(buf_str(&res->canonical_request), 1, &line);
	tap_is_str(buf_str(&line), json_str(j, "canonical_uri"), "%s: canonical URI", c->name);
	buf_reset(&line);
	creq_line(buf_str(&res->canonical_request), 2, &line);
	tap_is_str(buf_str(&line), json_str(j, "canonical_query"), "%s: canonical query",
		   c->name);
	if (c->presign) {
		buf_addf(&tail, &e, "%s&X-Amz-Signature=%s", json_str(j, "canonical_query"),
			 json_str(j, "signature"));
		tap_is_str(buf_str(&res->query), buf_str(&tail), "%s: presigned query string",
			   c->name);
	}
	buf_release(&line);
	buf_release(&tail);
}

static void run_case(const struct json *j, const struct top *t)
{
	struct s3case *c = calloc(1, sizeof(*c));
	struct sigv4_creds cr = { t->ak, t->sk, NULL };
	struct sigv4_result res;
	struct s3gc_err e;

	sigv4_result_init(&res);
	if (read_case(j, c, &e) < 0) {
		tap_ok(0, "%s: %s", c->name ? c->name : "(unnamed case)", e.msg);
	} else {
		struct sigv4_request rq = { json_str(j, "method"), buf_str(&c->path),
					    c->params, c->nparams, c->headers,
					    c->nheaders, json_str(j, "payload_sha256") };
		struct sigv4_opts o = { t->region, t->service, t->now, 1, 0, 0,
					c->expires };

		if ((c->presign ? sigv4_presign : sigv4_sign)(&rq, &cr, &o, &res, &e) < 0)
			tap_ok(0, "%s: signing failed: %s", c->name, e.msg);
		else
			check_result(j, c, &res);
		check_body(j, c->name);
	}
	sigv4_result_release(&res);
	case_release(c);
	free(c);
}

/* The rule the dollar-key example rests on, independent of the data file. */
static void check_dollar_key(void)
{
	struct buf b = BUF_INIT;
	struct s3gc_err e;

	buf_addc(&b, '/', &e);
	uri_encode(&b, "test$file.text", 14, 1, &e);
	tap_is_str(buf_str(&b), "/test%24file.text", "key 'test$file.text' encodes to "
		   "'/test%%24file.text'");
	buf_release(&b);
}

int main(int argc, char **argv)
{
	struct buf text = BUF_INIT;
	struct json *j;
	const struct json *cases;
	struct top t = { 0 };
	char err[256] = "cannot read it";

	if (argc != 2) {
		fprintf(stderr, "usage: t-sigv4-s3 S3-SIGV4-EXAMPLES.json\n");
		return 2;
	}
	check_dollar_key();
	j = tu_slurp(argv[1], &text) < 0 ? NULL : json_parse(buf_str(&text), text.len, err, sizeof(err));
	cases = json_get(j, "cases");
	if (!tap_ok(j && read_top(j, &t) == 0 && cases && cases->type == JSON_ARRAY &&
		    cases->n > 0, "'%s' holds S3 examples", argv[1])) {
		tap_diag("%s", j ? "missing fields" : err);
	} else {
		for (size_t i = 0; i < cases->n; i++)
			run_case(cases->items[i], &t);
	}
	json_free(j);
	buf_release(&text);
	return tap_done();
}
