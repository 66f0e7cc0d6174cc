/* t-normalise: column values to keys, and the PostgreSQL and JSON array parsers. */
#include "config.h"

#include <string.h>

#include "normalise.h"
#include "tap.h"
#include "utf8.h"

#define N NORM_NONE
#define K NORM_KEY
#define F NORM_FOREIGN
#define U NORM_UNKNOWN

/* name with control bytes (and all of a non-UTF-8 name's high bytes) escaped, for one TAP line. */
static const char *show(const char *name)
{
	static char out[2][4200];
	static int which;
	char *o = out[which ^= 1];
	size_t j = 0;
	int raw8 = utf8_valid(name, strlen(name), NULL);

	for (size_t i = 0; name[i] && j + 5 < sizeof(out[0]); i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !raw8))
			j += (size_t)snprintf(o + j, sizeof(out[0]) - j, "\\x%02x", c);
		else
			o[j++] = (char)c;
	}
	o[j] = '\0';
	return o;
}

struct vcase {
	const char *in;
	enum norm_result want;
	const char *key; /* for K */
};

static const struct vcase vcases[] = {
	/* empty and whitespace */
	{ "", N, NULL },
	{ " ", N, NULL },
	{ " \t\r\n\v\f", N, NULL },
	/* bare keys */
	{ "avatars/u1.jpg", K, "avatars/u1.jpg" },
	{ "/avatars/u1.jpg", K, "avatars/u1.jpg" },
	{ "a%20b+c", K, "a%20b+c" },
	{ "trailing space ", K, "trailing space " },
	{ " leading", K, " leading" },
	{ "日本/😀.png", K, "日本/😀.png" },
	{ "/", U, NULL },
	{ "a\xff", U, NULL },
	{ "http:/not-a-url", K, "http:/not-a-url" },
	{ "gs://bkt/k", U, NULL },
	{ "ftp://host/k", U, NULL },
	{ "//cdn.example.com/k", U, NULL },
	{ "//bkt.s3.amazonaws.com/k", K, "k" },
	{ "///k", U, NULL },
	/* s3:// */
	{ "s3://bkt/a/b.jpg", K, "a/b.jpg" },
	{ "S3://bkt/a", K, "a" },
	{ "s3://bkt/a%20b?x#y", K, "a%20b?x#y" },
	{ "s3://bkt/ends with space ", K, "ends with space " },
	{ "s3://bkt//x", K, "/x" },
	{ "s3://bkt", N, NULL },
	{ "s3://bkt/", N, NULL },
	{ "s3://other/a", F, NULL },
	{ "s3://other", F, NULL },
	{ "s3://BKT/a", F, NULL },
	{ "s3://", U, NULL },
	{ "s3:///a", U, NULL },
	{ "s3://bkt/\xc3\x28", U, NULL },
	/* virtual-hosted */
	{ "https://bkt.s3.amazonaws.com/a/b.jpg", K, "a/b.jpg" },
	{ "http://bkt.s3.amazonaws.com/a/b.jpg", K, "a/b.jpg" },
	{ "https://bkt.s3.eu-west-1.amazonaws.com/a", K, "a" },
	{ "https://bkt.s3-eu-west-1.amazonaws.com/a", K, "a" },
	{ "https://bkt.s3.dualstack.us-east-1.amazonaws.com/a", K, "a" },
	{ "https://bkt.s3.cn-north-1.amazonaws.com.cn/a", K, "a" },
	{ "https://bkt.s3-accelerate.amazonaws.com/a", K, "a" },
	{ "https://BKT.S3.AMAZONAWS.COM/a", K, "a" },
	{ "HTTPS://bkt.s3.amazonaws.com/a", K, "a" },
	{ "https://bkt.s3.amazonaws.com:443/a", K, "a" },
	{ "https://bkt.s3.amazonaws.com./a", K, "a" },
	{ "https://bkt.s3.amazonaws.com/a?X-Amz-Signature=abc&X-Amz-Date=1", K, "a" },
	{ "https://bkt.s3.amazonaws.com/a#frag", K, "a" },
	{ "https://bkt.s3.amazonaws.com/a%20b.jpg", K, "a b.jpg" },
	{ "https://bkt.s3.amazonaws.com/a+b%2Bc", K, "a+b+c" },
	{ "https://bkt.s3.amazonaws.com/%E6%97%A5%F0%9F%98%80", K, "日😀" },
	{ "https://bkt.s3.amazonaws.com/dir/", K, "dir/" },
	{ "https://bkt.s3.amazonaws.com/sp%20", K, "sp " },
	{ "https://bkt.s3.amazonaws.com/", N, NULL },
	{ "https://bkt.s3.amazonaws.com", N, NULL },
	{ "https://bkt.s3.amazonaws.com?list-type=2", N, NULL },
	{ "https://other.s3.amazonaws.com/a", F, NULL },
	{ "https://other.s3.eu-west-1.amazonaws.com/a", F, NULL },
	{ "https://other.s3-eu-west-1.amazonaws.com/a", F, NULL },
	{ "https://other.s3.dualstack.us-east-1.amazonaws.com/a", F, NULL },
	{ "https://bkt.other.s3.amazonaws.com/a", F, NULL },
	{ "https://bkt.s3.amazonaws.com/a%zz", U, NULL },
	{ "https://bkt.s3.amazonaws.com/a%2", U, NULL },
	{ "https://bkt.s3.amazonaws.com/a%FF", U, NULL },
	{ "https://bkt.s3.amazonaws.com/%C0%AF", U, NULL },
	{ "https://user@bkt.s3.amazonaws.com/a", U, NULL },
	{ "https://bkt.s3.amazonaws.com:x/a", U, NULL },
	{ "https://bkt.s3.amazonaws.com:99999/a", U, NULL },
	{ "https://.s3.amazonaws.com/a", U, NULL },
	{ "https://bkt.s3.us-east-1.vpce.amazonaws.com/a", U, NULL },
	{ "https://abc.execute-api.us-east-1.amazonaws.com/a", U, NULL },
	/* path-style */
	{ "https://s3.amazonaws.com/bkt/a/b.jpg", K, "a/b.jpg" },
	{ "http://s3.amazonaws.com/bkt/a", K, "a" },
	{ "https://s3.eu-west-1.amazonaws.com/bkt/a", K, "a" },
	{ "https://s3-eu-west-1.amazonaws.com/bkt/a", K, "a" },
	{ "https://s3.dualstack.eu-west-1.amazonaws.com/bkt/a", K, "a" },
	{ "https://S3.AMAZONAWS.COM:443/bkt/a?versionId=1#x", K, "a" },
	{ "https://s3.amazonaws.com/bkt/a%20b%2Bc+d", K, "a b+c+d" },
	{ "https://s3.amazonaws.com/%62kt/a", K, "a" },
	{ "https://s3.amazonaws.com/bkt", N, NULL },
	{ "https://s3.amazonaws.com/bkt/", N, NULL },
	{ "https://s3.amazonaws.com/", N, NULL },
	{ "https://s3.amazonaws.com/other/a", F, NULL },
	{ "https://s3.eu-west-1.amazonaws.com/other/a", F, NULL },
	{ "https://s3-eu-west-1.amazonaws.com/other/a", F, NULL },
	{ "https://s3.amazonaws.com/BKT/a", F, NULL },
	{ "https://s3.amazonaws.com/bkt/a%g0", U, NULL },
	/* the configured endpoint */
	{ "http://127.0.0.1:9000/bkt/a/b.jpg", K, "a/b.jpg" },
	{ "http://127.0.0.1:9000/bkt/a%20b?X-Amz-Expires=60", K, "a b" },
	{ "HTTP://127.0.0.1:9000/bkt/a", K, "a" },
	{ "http://127.0.0.1:9000/other/a", F, NULL },
	{ "http://127.0.0.1:9000/bkt", N, NULL },
	{ "https://127.0.0.1:9000/bkt/a", U, NULL },
	{ "http://127.0.0.1:9001/bkt/a", U, NULL },
	{ "http://127.0.0.1/bkt/a", U, NULL },
	{ "//127.0.0.1:9000/bkt/a", K, "a" },
	/* other hosts */
	{ "https://cdn.example.com/a/b.jpg", U, NULL },
	{ "https://d111111abcdef8.cloudfront.net/a", U, NULL },
	{ "https://bkt.s3.amazonaws.com.evil.example/a", U, NULL },
	{ "https://storage.googleapis.com/bkt/a", U, NULL },
};

static const struct norm_ctx ctx = { "bkt", "us-east-1", "http://127.0.0.1:9000" };

static void check_value(const struct norm_ctx *c, const char *in, size_t n,
			enum norm_result want, const char *key, const char *name);

/* A NUL-terminated value, named by itself or by name. */
static void check_str(const struct norm_ctx *c, const char *in,
		      enum norm_result want, const char *key, const char *name)
{
	check_value(c, in, strlen(in), want, key, name);
}

static void check_value(const struct norm_ctx *c, const char *in, size_t n,
			enum norm_result want, const char *key, const char *name)
{
	static const char *names[] = { "NONE", "KEY", "FOREIGN", "UNKNOWN" };
	struct buf out = BUF_INIT;
	enum norm_result res = NORM_NONE;
	struct s3gc_err e;
	int rc = norm_value(c, in, n, &out, &res, &e);
	int ok = rc == 0 && res == want &&
		 (want == K ? strlen(key) == out.len && !memcmp(out.data, key, out.len)
			    : out.len == 0);

	if (!tap_ok(ok, "'%s' is %s%s%s", show(name), names[want], key ? " " : "",
		    !key ? "" : strlen(key) > 60 ? "(long)" : show(key)))
		tap_diag("rc %d, got %s '%s'", rc, names[res], buf_str(&out));
	buf_release(&out);
}

static void check_long_keys(void)
{
	char v[40 + NORM_KEY_MAX + 2];
	char want[NORM_KEY_MAX + 2];

	memset(want, 'k', sizeof(want));
	want[NORM_KEY_MAX] = '\0';
	check_value(&ctx, want, NORM_KEY_MAX, K, want, "a 1,024-byte bare key");
	want[NORM_KEY_MAX] = 'k';
	want[NORM_KEY_MAX + 1] = '\0';
	check_value(&ctx, want, NORM_KEY_MAX + 1, U, NULL, "a 1,025-byte bare key");
	snprintf(v, sizeof(v), "s3://bkt/%s", want);
	check_value(&ctx, v, strlen(v), U, NULL, "s3:// with a 1,025-byte key");
	want[NORM_KEY_MAX] = '\0';
	snprintf(v, sizeof(v), "s3://bkt/%s", want);
	check_value(&ctx, v, strlen(v), K, want, "s3:// with a 1,024-byte key");
}

static void check_buffer(void)
{
	struct buf out = BUF_INIT, small;
	enum norm_result res = NORM_KEY;
	struct s3gc_err e;
	int rc;

	buf_adds(&out, "junk", &e);
	rc = norm_value(&ctx, "s3://other/a", 12, &out, &res, &e);
	tap_ok(rc == 0 && res == NORM_FOREIGN && out.len == 0,
	       "out is emptied when the result is not a key");
	rc = norm_value(&ctx, "/a", 2, &out, &res, &e);
	tap_ok(rc == 0 && res == NORM_KEY && !strcmp(buf_str(&out), "a"),
	       "out holds only the key after reuse");
	buf_release(&out);
	buf_init(&small, 4);
	rc = norm_value(&ctx, "abcdefgh", 8, &small, &res, &e);
	tap_ok(rc < 0 && e.cls == S3GC_E_DATA, "the caller's size cap is an error");
	buf_release(&small);
}

static void check_context(void)
{
	const struct norm_ctx noep = { "bkt", "us-east-1", NULL };
	const struct norm_ctx pfx = { "bkt", NULL, "https://Minio.Example:8443/s3/" };

	check_str(&noep, "http://127.0.0.1:9000/bkt/a", U, NULL,
		    "endpoint URL without an endpoint configured");
	check_str(&pfx, "https://minio.example:8443/s3/bkt/a", K, "a",
		    "endpoint with a path prefix, host case differs");
	check_str(&pfx, "https://minio.example:8443/bkt/a", U, NULL,
		    "endpoint prefix missing");
	check_str(&pfx, "https://minio.example:8443/s3x/bkt/a", U, NULL,
		    "endpoint prefix only as a string prefix");
}

/* Expect the list to hold exactly the strings of want (NULL-terminated). */
static void check_list(int rc, const struct norm_list *l, const char *const *want,
		       const char *what, const char *in, const struct s3gc_err *e)
{
	size_t i, len;
	int ok = rc == 0;

	for (i = 0; ok && want[i]; i++) {
		const char *s = i < l->n ? norm_list_at(l, i, &len) : NULL;

		ok = s && len == strlen(want[i]) && !memcmp(s, want[i], len);
	}
	ok = ok && i == l->n;
	if (!tap_ok(ok, "%s %s", what, show(in))) {
		if (rc < 0)
			tap_diag("error: %s", e->msg);
		for (i = 0; rc == 0 && i < l->n; i++)
			tap_diag("element %zu: '%s'", i, norm_list_at(l, i, NULL));
	}
}

typedef int (*parser)(const char *, size_t, struct norm_list *, struct s3gc_err *);

static void list_ok(parser fn, const char *what, const char *in,
		    const char *const *want)
{
	struct norm_list l;
	struct s3gc_err e;

	norm_list_init(&l);
	check_list(fn(in, strlen(in), &l, &e), &l, want, what, in, &e);
	norm_list_release(&l);
}

/* Rejected with S3GC_E_DATA, and the list left as it was (one element "x"). */
static void list_bad(parser fn, const char *what, const char *in)
{
	struct norm_list l;
	struct s3gc_err e;
	int rc;

	norm_list_init(&l);
	if (fn == norm_json_array)
		rc = norm_json_array("[\"x\"]", 5, &l, &e);
	else
		rc = norm_pg_array("{x}", 3, &l, &e);
	if (rc < 0)
		tap_diag("cannot seed the list: %s", e.msg);
	rc = fn(in, strlen(in), &l, &e);
	if (!tap_ok(rc < 0 && e.cls == S3GC_E_DATA && l.n == 1 &&
		    !strcmp(norm_list_at(&l, 0, NULL), "x") && l.arena.len == 2,
		    "%s rejects %s", what, show(in)))
		tap_diag("rc %d, n %zu: %s", rc, l.n, rc < 0 ? e.msg : "");
	norm_list_release(&l);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define L0 ((const char *const[]){ NULL })

static void check_pg(void)
{
	const char *pg = "pg array";

	list_ok(norm_pg_array, pg, "{}", L0);
	list_ok(norm_pg_array, pg, " { } ", L0);
	list_ok(norm_pg_array, pg, "{a}", L("a"));
	list_ok(norm_pg_array, pg, "{a,b}", L("a", "b"));
	list_ok(norm_pg_array, pg, "{\"a,b\",\"c\\\"d\",NULL,\"NULL\"}", L("a,b", "c\"d", "NULL"));
	list_ok(norm_pg_array, pg, "{null,Null,\\NULL}", L("NULL"));
	list_ok(norm_pg_array, pg, "{\"c d\",\"e\\\\f\",\"\"}", L("c d", "e\\f", ""));
	list_ok(norm_pg_array, pg, "{ a b , c\\ }", L("a b", "c "));
	list_ok(norm_pg_array, pg, "{{a,b},{c}}", L("a", "b", "c"));
	list_ok(norm_pg_array, pg, "{{{a}},{{\"b}\"}}}", L("a", "b}"));
	list_ok(norm_pg_array, pg, "[0:1]={a,b}", L("a", "b"));
	list_ok(norm_pg_array, pg, "{/x/é.jpg,s3://bkt/k}", L("/x/é.jpg", "s3://bkt/k"));
	list_bad(norm_pg_array, pg, "{a");
	list_bad(norm_pg_array, pg, "a}");
	list_bad(norm_pg_array, pg, "{\"a}");
	list_bad(norm_pg_array, pg, "");
	list_bad(norm_pg_array, pg, "{a,}");
	list_bad(norm_pg_array, pg, "{,a}");
	list_bad(norm_pg_array, pg, "{a,,b}");
	list_bad(norm_pg_array, pg, "{a}x");
	list_bad(norm_pg_array, pg, "{\"a\"b}");
	list_bad(norm_pg_array, pg, "{a,{b}}");
	list_bad(norm_pg_array, pg, "{{a},b}");
	list_bad(norm_pg_array, pg, "{a\\");
	list_bad(norm_pg_array, pg, "{{{{{{{a}}}}}}}");
	list_bad(norm_pg_array, pg, "[0:1]{a}");
}

static void check_json(void)
{
	const char *js = "JSON";

	list_ok(norm_json_array, js, "[]", L0);
	list_ok(norm_json_array, js, " [ ] \n", L0);
	list_ok(norm_json_array, js, "[\"a\",\"b\"]", L("a", "b"));
	list_ok(norm_json_array, js, "[\"\\u00e9\\ud83d\\ude00\", null]", L("é😀"));
	list_ok(norm_json_array, js, "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", L("\"\\/\b\f\n\r\t"));
	list_ok(norm_json_array, js, "\t[ \"a b\" ,\r\n\"日本\" ]", L("a b", "日本"));
	list_ok(norm_json_array, js, "\"single\"", L("single"));
	list_ok(norm_json_array, js, "null", L0);
	list_ok(norm_json_array, js, "[null,null]", L0);
	list_bad(norm_json_array, js, "[1]");
	list_bad(norm_json_array, js, "[\"a\",]");
	list_bad(norm_json_array, js, "[");
	list_bad(norm_json_array, js, "");
	list_bad(norm_json_array, js, "[\"a\"");
	list_bad(norm_json_array, js, "[\"a]");
	list_bad(norm_json_array, js, "[[\"a\"]]");
	list_bad(norm_json_array, js, "[{}]");
	list_bad(norm_json_array, js, "[true]");
	list_bad(norm_json_array, js, "[\"a\"] x");
	list_bad(norm_json_array, js, "[\"a\" \"b\"]");
	list_bad(norm_json_array, js, "[\"\\x\"]");
	list_bad(norm_json_array, js, "[\"\\u12\"]");
	list_bad(norm_json_array, js, "[\"\\ud83d\"]");
	list_bad(norm_json_array, js, "[\"\\ude00\"]");
	list_bad(norm_json_array, js, "[\"\\ud83d\\u0041\"]");
	list_bad(norm_json_array, js, "[\"a\tb\"]");
	list_bad(norm_json_array, js, "[\"\xff\"]");
	list_bad(norm_json_array, js, "Null");
	list_bad(norm_json_array, js, "[\v\"a\"]");
}

int main(void)
{
	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++)
		check_value(&ctx, vcases[i].in, strlen(vcases[i].in), vcases[i].want,
			    vcases[i].key, vcases[i].in);
	check_long_keys();
	check_context();
	check_buffer();
	check_pg();
	check_json();
	return tap_done();
}
