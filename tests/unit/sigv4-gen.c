/*
 * sigv4-gen.c: write N random S3 requests as JSON Lines, each signed by our
 * signer, for tests/cli/sigv4-diff.sh to re-sign with the AWS SDK's.
 *
 * usage: sigv4-gen N SEED
 *
 * One object per line: id, method, host, path (already encoded), query
 * (decoded [name, value] pairs), headers ([name, value] pairs, host and
 * x-amz-content-sha256 included), payload_hash, access_key, secret_key,
 * session_token (absent when none), region, service, time, signature.
 * The same SEED always gives the same lines.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "sigv4.h"
#include "uri.h"

#define MAXQ 5
#define MAXH 8
#define KEY_MAX 1024

static uint64_t rng;

/* splitmix64: tiny, and the same sequence on every platform. */
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static const char *pick(const char *const *v, size_t n)
{
	return v[below((uint32_t)n)];
}

#define PICK(v) pick(v, sizeof(v) / sizeof(v[0]))

static void die(const char *what)
{
	fprintf(stderr, "sigv4-gen: %s\n", what);
	exit(1);
}

static void add(struct buf *b, const void *p, size_t n)
{
	struct s3gc_err e;

	if (buf_add(b, p, n, &e) < 0)
		die(e.msg);
}

/* Code point cp as UTF-8 into o; returns the length. */
static size_t utf8(uint32_t cp, unsigned char *o)
{
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * One random character from a byte class S3 allows in a key: printable
 * ASCII (the URL-special ones often), tab/LF/CR, other controls, and valid
 * UTF-8 of 2, 3 and 4 bytes (no surrogates). Fits in room bytes (>= 1).
 */
static size_t rand_char(unsigned char *o, size_t room)
{
	static const char special[] = " +%~&=?#/:;@!$'()*,[]\"\\^`{|}<>";
	uint32_t k = below(100), cp;

	if (k < 40 || room < 2) {
		o[0] = (unsigned char)(0x20 + below(95));
	} else if (k < 55) {
		o[0] = (unsigned char)special[below(sizeof(special) - 1)];
	} else if (k < 62) {
		o[0] = (unsigned char)"\t\n\r"[below(3)];
	} else if (k < 67) {
		cp = below(33);
		o[0] = (unsigned char)(cp == 32 ? 0x7F : cp);
	} else if (k < 78) {
		return utf8(0x80 + below(0x800 - 0x80), o);
	} else if (k < 89 || room < 4) {
		if (room < 3)
			return utf8(0x80 + below(0x800 - 0x80), o);
		do
			cp = 0x800 + below(0x10000 - 0x800);
		while (cp >= 0xD800 && cp <= 0xDFFF);
		return utf8(cp, o);
	} else {
		return utf8(0x10000 + below(0x110000 - 0x10000), o);
	}
	return 1;
}

/* Random text of exactly len bytes (multi-byte characters made to fit). */
static void rand_text(struct buf *b, size_t len)
{
	unsigned char c[4];
	size_t n = 0;

	while (n < len) {
		size_t k = rand_char(c, len - n);
		add(b, c, k);
		n += k;
	}
}

/* Key lengths: mostly short, many long, some at the 1,024-byte limit. */
static size_t key_len(void)
{
	uint32_t k = below(10);

	if (k < 5)
		return 1 + below(32);
	if (k < 9)
		return 1 + below(KEY_MAX);
	return KEY_MAX - below(16);
}

/* Headers the SDK never signs, or that the signer sets itself. */
static int refused_header(const char *name)
{
	static const char *const refused[] = {
		"authorization", "cache-control", "connection", "expect", "from",
		"keep-alive", "max-forwards", "pragma", "referer", "te", "trailer",
		"transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
		"x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
		"host", "date",
	};

	if (!strncasecmp(name, "proxy-", 6) || !strncasecmp(name, "sec-", 4))
		return 1;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!strcasecmp(name, refused[i]))
			return 1;
	return 0;
}

/* Everything one request holds; strings in bufs so they can hold any byte. */
struct req {
	const char *method, *host, *region, *payload;
	char access_key[21], secret_key[41];
	struct buf token, path;
	struct buf qname[MAXQ], qvalue[MAXQ];
	size_t nq;
	struct buf hname[MAXH], hvalue[MAXH];
	size_t nh;
	char payload_hex[65];
	time_t now;
};

static void rand_alnum(char *o, size_t n, const char *set)
{
	size_t k = strlen(set);

	for (size_t i = 0; i < n; i++)
		o[i] = set[below((uint32_t)k)];
	o[n] = '\0';
}

#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

static void gen_creds(struct req *r)
{
	memcpy(r->access_key, below(2) ? "AKIA" : "ASIA", 4);
	rand_alnum(r->access_key + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
	rand_alnum(r->secret_key, 40, B64);
	if (below(2)) {
		char tok[700];
		size_t n = 16 + below(600);
		rand_alnum(tok, n, B64 "=");
		add(&r->token, tok, n);
	}
}

static void gen_path(struct req *r)
{
	static const char *const buckets[] = { "bucket", "my-bucket", "b.example", "s3gc-test" };
	struct buf key = BUF_INIT;
	struct s3gc_err e;

	rand_text(&key, key_len());
	add(&r->path, "/", 1);
	buf_adds(&r->path, PICK(buckets), &e);
	add(&r->path, "/", 1);
	if (uri_encode(&r->path, key.data, key.len, 1, &e) < 0)
		die(e.msg);
	buf_release(&key);
}

/* The SDK drops X-Amz-Signature from what it signs; a JS object can't hold __proto__. */
static int bad_param_name(const struct buf *b)
{
	return (b->len == 15 && !strncasecmp(b->data, "x-amz-signature", 15)) ||
	       (b->len == 9 && !memcmp(b->data, "__proto__", 9));
}

static void gen_query(struct req *r)
{
	r->nq = below(MAXQ + 1);
	for (size_t i = 0; i < r->nq; i++) {
		/* Repeated names are legal and sorted by value. */
		if (i && below(4) == 0) {
			add(&r->qname[i], r->qname[i - 1].data, r->qname[i - 1].len);
		} else {
			do {
				buf_reset(&r->qname[i]);
				rand_text(&r->qname[i], 1 + below(24));
			} while (bad_param_name(&r->qname[i]));
		}
		if (below(5))
			rand_text(&r->qvalue[i], 1 + below(64));
		else
			add(&r->qvalue[i], "", 0);
	}
}

static int header_taken(const struct req *r, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(buf_str(&r->hname[i]), name))
			return 1;
	return 0;
}

/* A name of [a-z0-9-] in mixed case, not refused, not already present. */
static void gen_header_name(struct req *r, size_t i)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789-";

	do {
		size_t n = 1 + below(24);
		buf_reset(&r->hname[i]);
		for (size_t k = 0; k < n; k++) {
			char c = set[below(sizeof(set) - 1)];
			if (c >= 'a' && c <= 'z' && below(3) == 0)
				c = (char)(c - 32);
			add(&r->hname[i], &c, 1);
		}
	} while (refused_header(buf_str(&r->hname[i])) || header_taken(r, i, buf_str(&r->hname[i])));
}

/* Printable ASCII with runs of spaces, often leading or trailing. */
static void gen_header_value(struct buf *b)
{
	size_t n = below(60);

	for (size_t k = 0; k < n; k++) {
		char c = below(4) == 0 ? ' ' : (char)(0x21 + below(94));
		add(b, &c, 1);
	}
}

static void gen_headers(struct req *r)
{
	static const char *const hosts[] = { "bucket.s3.amazonaws.com", "s3.us-west-2.amazonaws.com",
					     "127.0.0.1:4568", "localhost:9000", "s3.example.org" };

	r->host = PICK(hosts);
	r->payload = below(2) ? "UNSIGNED-PAYLOAD" : r->payload_hex;
	rand_alnum(r->payload_hex, 64, "0123456789abcdef");
	add(&r->hname[0], below(2) ? "host" : "Host", 4);
	add(&r->hvalue[0], r->host, strlen(r->host));
	add(&r->hname[1], "x-amz-content-sha256", 20);
	add(&r->hvalue[1], r->payload, strlen(r->payload));
	r->nh = 2 + 1 + below(5);
	for (size_t i = 2; i < r->nh; i++) {
		gen_header_name(r, i);
		gen_header_value(&r->hvalue[i]);
	}
}

static void gen(struct req *r)
{
	static const char *const methods[] = { "GET", "PUT", "POST", "DELETE", "HEAD" };
	static const char *const regions[] = { "us-east-1", "us-west-2", "eu-west-1",
					       "eu-central-1", "ap-southeast-2", "sa-east-1" };
	/* 2000-01-01T00:00:00Z to 2037-12-31T23:59:59Z */
	const uint64_t t0 = 946684800, t1 = 2145916799;

	r->method = PICK(methods);
	r->region = PICK(regions);
	r->now = (time_t)(t0 + rnd() % (t1 - t0 + 1));
	gen_creds(r);
	gen_path(r);
	gen_query(r);
	gen_headers(r);
}

static void req_release(struct req *r)
{
	buf_release(&r->token);
	buf_release(&r->path);
	for (size_t i = 0; i < MAXQ; i++) {
		buf_release(&r->qname[i]);
		buf_release(&r->qvalue[i]);
	}
	for (size_t i = 0; i < MAXH; i++) {
		buf_release(&r->hname[i]);
		buf_release(&r->hvalue[i]);
	}
}

static void sign(const struct req *r, char sig[65])
{
	struct sigv4_param q[MAXQ];
	struct sigv4_header h[MAXH];
	struct sigv4_request rq = { r->method, buf_str(&r->path), q, r->nq, h, r->nh, r->payload };
	struct sigv4_creds cr = { r->access_key, r->secret_key, buf_str(&r->token) };
	struct sigv4_opts o = { r->region, "s3", r->now, 1, 0, 0, 0 };
	struct sigv4_result res;
	struct s3gc_err e;

	for (size_t i = 0; i < r->nq; i++)
		q[i] = (struct sigv4_param){ buf_str(&r->qname[i]), r->qname[i].len,
					     buf_str(&r->qvalue[i]), r->qvalue[i].len };
	for (size_t i = 0; i < r->nh; i++)
		h[i] = (struct sigv4_header){ buf_str(&r->hname[i]), buf_str(&r->hvalue[i]) };
	sigv4_result_init(&res);
	if (sigv4_sign(&rq, &cr, &o, &res, &e) < 0)
		die(e.msg);
	memcpy(sig, res.signature, 65);
	sigv4_result_release(&res);
}

/* A JSON string: '"', '\\' and control bytes escaped; UTF-8 as it is. */
static void put_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void put_field(const char *name, const char *value)
{
	printf(",\"%s\":", name);
	put_str(value, strlen(value));
}

static void put_pairs(const char *name, const struct buf *k, const struct buf *v, size_t n)
{
	printf(",\"%s\":[", name);
	for (size_t i = 0; i < n; i++) {
		printf(i ? ",[" : "[");
		put_str(buf_str(&k[i]), k[i].len);
		putchar(',');
		put_str(buf_str(&v[i]), v[i].len);
		putchar(']');
	}
	putchar(']');
}

static void put_req(unsigned long id, const struct req *r, const char *sig)
{
	char amz[17];

	sigv4_amz_date(r->now, amz);
	printf("{\"id\":%lu", id);
	put_field("method", r->method);
	put_field("host", r->host);
	put_field("path", buf_str(&r->path));
	put_pairs("query", r->qname, r->qvalue, r->nq);
	put_pairs("headers", r->hname, r->hvalue, r->nh);
	put_field("payload_hash", r->payload);
	put_field("access_key", r->access_key);
	put_field("secret_key", r->secret_key);
	if (r->token.len)
		put_field("session_token", buf_str(&r->token));
	put_field("region", r->region);
	put_field("service", "s3");
	put_field("time", amz);
	put_field("signature", sig);
	fputs("}\n", stdout);
}

int main(int argc, char **argv)
{
	unsigned long n;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "usage: sigv4-gen N SEED\n");
		return 64;
	}
	n = strtoul(argv[1], &end, 10);
	if (*end || !*argv[1])
		die("N must be a number");
	rng = strtoull(argv[2], &end, 10);
	if (*end || !*argv[2])
		die("SEED must be a number");
	for (unsigned long i = 0; i < n; i++) {
		struct req r;
		char sig[65];

		memset(&r, 0, sizeof(r));
		gen(&r);
		sign(&r, sig);
		put_req(i, &r, sig);
		req_release(&r);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		die("write error on stdout");
	return 0;
}
