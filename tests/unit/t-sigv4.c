/* t-sigv4.c: the signer's own rules and refusals, beyond what the suites cover. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "sigv4.h"
#include "tap.h"

/* 2015-08-30T12:36:00Z, the AWS suite's time. */
#define SUITE_TIME 1440938160
#define AK "AKIDEXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "AQoDYXdzEPT//////////wEXAMPLE+tok=="

static const struct sigv4_header host[] = { { "Host", "example.amazonaws.com" } };
static const struct sigv4_creds creds = { AK, SK, NULL };
static const struct sigv4_creds creds_token = { AK, SK, TOKEN };

static struct sigv4_opts generic(void)
{
	return (struct sigv4_opts){ "us-east-1", "service", SUITE_TIME, 0, 1, 0, 3600 };
}

static struct sigv4_opts s3(void)
{
	return (struct sigv4_opts){ "us-east-1", "s3", SUITE_TIME, 1, 0, 0, 3600 };
}

/* Line k (0-based) of a canonical request, in a static buffer. */
static const char *line(const struct sigv4_result *r, int k)
{
	static char out[4096];
	const char *p = buf_str(&r->canonical_request);

	for (; k > 0 && p; k--)
		if ((p = strchr(p, '\n')))
			p++;
	snprintf(out, sizeof(out), "%.*s", p ? (int)strcspn(p, "\n") : 0, p ? p : "");
	return out;
}

/* The last line: the payload hash. */
static const char *last_line(const struct sigv4_result *r)
{
	const char *p = strrchr(buf_str(&r->canonical_request), '\n');

	return p ? p + 1 : "";
}

static int sign_path(const char *path, struct sigv4_opts o, struct sigv4_result *r,
		     struct s3gc_err *e)
{
	struct sigv4_request rq = { "GET", path, NULL, 0, host, 1, NULL };

	return sigv4_sign(&rq, &creds, &o, r, e);
}

static void test_vanilla(void)
{
	struct sigv4_request rq = { "GET", "/", NULL, 0, host, 1, NULL };
	struct sigv4_opts o = generic();
	struct sigv4_result r;
	struct s3gc_err e;
	char first[65];

	sigv4_result_init(&r);
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == 0, "get-vanilla signs");
	tap_is_str(buf_str(&r.authorization),
		   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
		   "aws4_request, SignedHeaders=host;x-amz-date, Signature="
		   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		   "get-vanilla authorization header");
	tap_is_str(r.amz_date, "20150830T123600Z", "amz_date");
	tap_is_str(buf_str(&r.signed_headers), "host;x-amz-date", "signed headers");
	memcpy(first, r.signature, sizeof(first));
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == 0 && strcmp(first, r.signature) == 0 &&
	       strcmp(buf_str(&r.signed_headers), "host;x-amz-date") == 0,
	       "signing again into the same result gives the same, not appended, output");
	sigv4_result_release(&r);
}

static void test_own_headers(void)
{
	struct sigv4_header h[] = { { "Host", "example.amazonaws.com" },
				    { "X-Amz-Date", "20150830T123600Z" } };
	struct sigv4_request rq = { "GET", "/", NULL, 0, h, 2, NULL };
	struct sigv4_opts o = generic();
	struct sigv4_result r;
	struct s3gc_err e;

	sigv4_result_init(&r);
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == 0 &&
	       strcmp(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31") == 0,
	       "a caller's x-amz-date equal to the signing time is taken once");
	h[1].value = "20150830T123601Z";
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == -1, "a different x-amz-date is refused");
	tap_diag("%s", e.msg);
	rq.headers = h + 1;
	rq.nheaders = 1;
	h[1].value = "20150830T123600Z";
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == -1 && strstr(e.msg, "host"),
	       "a request without host is refused");
	sigv4_result_release(&r);
}

static void test_header_rules(void)
{
	const struct sigv4_header h[] = {
		{ "host", "h" }, { "Zed", "  a \t\t b  " }, { "ZED", "second" },
		{ "a-b", "" }, { "My-Header", "\tx   y\t" },
	};
	struct sigv4_request rq = { "PUT", "/", NULL, 0, h, 5, NULL };
	struct sigv4_opts o = s3();
	struct sigv4_result r;
	struct s3gc_err e;

	sigv4_result_init(&r);
	tap_ok(sigv4_sign(&rq, &creds_token, &o, &r, &e) == 0, "headers sign");
	tap_is_str(buf_str(&r.signed_headers),
		   "a-b;host;my-header;x-amz-date;x-amz-security-token;zed",
		   "names lowercased and sorted, token signed");
	tap_is_str(line(&r, 3), "a-b:", "empty value kept as 'name:'");
	tap_is_str(line(&r, 5), "my-header:x y", "tabs trimmed, runs collapsed");
	tap_is_str(line(&r, 8), "zed:a b,second", "duplicates joined in the order given");
	o.token_unsigned = 1;
	sigv4_sign(&rq, &creds_token, &o, &r, &e);
	tap_is_str(buf_str(&r.signed_headers), "a-b;host;my-header;x-amz-date;zed",
		   "token_unsigned leaves the token out");
	rq.headers = (const struct sigv4_header[]){ { "host", "h" }, { "x-evil", "a\r\nb: c" } };
	rq.nheaders = 2;
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == -1 && e.cls == S3GC_E_DATA,
	       "a line break in a value is refused");
	rq.headers = (const struct sigv4_header[]){ { "host", "h" }, { "bad name", "v" } };
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == -1, "a name with a space is refused");
	sigv4_result_release(&r);
}

static void check_uri(const char *path, struct sigv4_opts o, const char *want)
{
	struct sigv4_result r;
	struct s3gc_err e;

	sigv4_result_init(&r);
	if (sign_path(path, o, &r, &e) < 0)
		tap_ok(0, "'%s' signs: %s", path, e.msg);
	else
		tap_is_str(line(&r, 1), want, "%s '%s' -> '%s'",
			   o.s3_path ? "s3" : o.normalize ? "normalised" : "unnormalised",
			   path, want);
	sigv4_result_release(&r);
}

static void test_uri(void)
{
	struct sigv4_opts g = generic(), raw = generic(), s = s3();
	struct sigv4_result r;
	struct s3gc_err e;

	raw.normalize = 0;
	check_uri("/a/b/..", g, "/a/");
	check_uri("/a/b/.", g, "/a/b/");
	check_uri("/a/./b//c", g, "/a/b/c");
	check_uri("/../../a", g, "/a");
	check_uri("", g, "/");
	check_uri("/a%20b/", g, "/a%2520b/");
	check_uri("/a%20b/..//", raw, "/a%2520b/..//");
	check_uri("", s, "/");
	check_uri("/b/a%2Fb/./c%24", s, "/b/a%2Fb/./c%24");
	sigv4_result_init(&r);
	tap_ok(sign_path("/a b", s, &r, &e) == -1 && e.cls == S3GC_E_DATA,
	       "s3: a raw space in the path is refused");
	tap_ok(sign_path("/caf\xc3\xa9", s, &r, &e) == -1, "s3: a raw non-ASCII byte is refused");
	sigv4_result_release(&r);
}

static void test_query(void)
{
	const struct sigv4_param p[] = {
		{ "b", 1, "2", 1 }, { "a", 1, "z", 1 }, { "b", 1, "1", 1 },
		{ "e", 1, "", 0 }, { "\0x", 2, "a b+/", 5 }, { "A", 1, "~", 1 },
	};
	struct sigv4_request rq = { "GET", "/", p, 6, host, 1, NULL };
	struct sigv4_opts o = s3();
	struct sigv4_result r;
	struct s3gc_err e;

	sigv4_result_init(&r);
	tap_ok(sigv4_sign(&rq, &creds, &o, &r, &e) == 0, "query signs");
	tap_is_str(line(&r, 2), "%00x=a%20b%2B%2F&A=~&a=z&b=1&b=2&e=",
		   "query encoded, sorted by name then value, empty value kept");
	tap_is_str(last_line(&r), SHA256_EMPTY_HEX, "no payload hash: the empty body's");
	sigv4_result_release(&r);
}

static void test_presign(void)
{
	struct sigv4_request rq = { "GET", "/k", NULL, 0, host, 1, NULL };
	struct sigv4_opts o = s3();
	struct sigv4_result r;
	struct s3gc_err e;
	char want[512];

	sigv4_result_init(&r);
	tap_ok(sigv4_presign(&rq, &creds_token, &o, &r, &e) == 0, "presign with a token");
	tap_ok(strstr(line(&r, 2), "&X-Amz-Security-Token=AQoDYXdzEPT%2F%2F") != NULL,
	       "token signed in the query");
	tap_is_str(last_line(&r), "UNSIGNED-PAYLOAD", "s3 presign: UNSIGNED-PAYLOAD");
	tap_is_str(buf_str(&r.signed_headers), "host", "presign signs host only");
	tap_ok(buf_str(&r.authorization)[0] == '\0', "no authorization when presigning");
	o.token_unsigned = 1;
	sigv4_presign(&rq, &creds_token, &o, &r, &e);
	snprintf(want, sizeof(want), "%s&X-Amz-Signature=%s&X-Amz-Security-Token=%s",
		 line(&r, 2), r.signature, "AQoDYXdzEPT%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEXAMPLE%2Btok%3D%3D");
	tap_ok(!strstr(line(&r, 2), "Security-Token"), "token_unsigned: not in the canonical query");
	tap_is_str(buf_str(&r.query), want, "token_unsigned: appended after the signature");
	o = generic();
	sigv4_presign(&rq, &creds, &o, &r, &e);
	tap_is_str(last_line(&r), SHA256_EMPTY_HEX, "generic presign: the empty body's hash");
	o.expires = 0;
	tap_ok(sigv4_presign(&rq, &creds, &o, &r, &e) == -1, "expiry 0 refused");
	o.expires = 7 * 24 * 3600 + 1;
	tap_ok(sigv4_presign(&rq, &creds, &o, &r, &e) == -1, "expiry over a week refused");
	sigv4_result_release(&r);
}

static void test_time(void)
{
	char d[17];
	struct sigv4_opts o = generic();
	struct sigv4_result r;
	struct s3gc_err e;

	sigv4_amz_date(0, d);
	tap_is_str(d, "19700101T000000Z", "amz date of the epoch");
	sigv4_amz_date(2145916799, d);
	tap_is_str(d, "20371231T235959Z", "amz date at the end of 2037");
	sigv4_amz_date(4102444800, d);
	tap_is_str(d, "21000101T000000Z", "amz date past 2038");
	o.now = (time_t)253402300800LL; /* year 10000 */
	sigv4_result_init(&r);
	tap_ok(sign_path("/", o, &r, &e) == -1, "a five-digit year is refused");
	sigv4_result_release(&r);
}

int main(void)
{
	test_vanilla();
	test_own_headers();
	test_header_rules();
	test_uri();
	test_query();
	test_presign();
	test_time();
	return tap_done();
}
