/*
 * t-s3: where requests go (virtual-hosted for AWS, path-style for dotted
 * buckets and custom endpoints), what s3_build puts in the URL and headers,
 * and how responses are judged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "tap.h"

static int has_header(const struct curl_slist *l, const char *prefix)
{
	for (; l; l = l->next)
		if (!strncmp(l->data, prefix, strlen(prefix)))
			return 1;
	return 0;
}

static void addressing(const char *bucket, const char *region, const char *endpoint,
		       const char *want_base, const char *want_host, const char *want_prefix)
{
	struct s3_client c;
	struct s3gc_err e;

	if (!tap_ok(s3_client_init(&c, bucket, region, endpoint, &e) == 0,
		    "client for '%s' at '%s'", bucket, endpoint ? endpoint : "AWS")) {
		tap_diag("%s", e.msg);
		return;
	}
	tap_is_str(c.base, want_base, "base URL for '%s'", bucket);
	tap_is_str(c.host, want_host, "Host for '%s'", bucket);
	tap_is_str(c.path_prefix, want_prefix, "path prefix for '%s'", bucket);
	s3_client_release(&c);
}

static void build(void)
{
	struct s3_client c;
	struct s3gc_err e;
	struct buf url = BUF_INIT;
	struct curl_slist *h = NULL;
	struct sigv4_param p[2] = { { "prefix", 6, "a b+c/", 6 }, { "start-after", 11, "x~y", 3 } };
	static const char key[] = "dir/a b+c%\t\xc3\xa9";

	if (s3_client_init(&c, "bkt", "us-east-1", "http://127.0.0.1:9000", &e) < 0) {
		tap_ok(0, "client: %s", e.msg);
		return;
	}
	tap_ok(s3_build(&c, "GET", key, sizeof(key) - 1, p, 2, NULL, &url, &h, &e) == 0,
	       "s3_build for an odd key");
	tap_is_str(buf_str(&url),
		   "http://127.0.0.1:9000/bkt/dir/a%20b%2Bc%25%09%C3%A9?prefix=a%20b%2Bc%2F&start-after=x~y",
		   "the key is encoded once, '/' kept; query components fully encoded");
	tap_ok(has_header(h, "Host: 127.0.0.1:9000"), "Host header as signed");
	tap_ok(has_header(h, "x-amz-content-sha256: e3b0c442"), "empty-body payload hash");
	tap_ok(has_header(h, "x-amz-date: "), "x-amz-date sent");
	tap_ok(has_header(h, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDT3ST/"),
	       "Authorization with the access key");
	tap_ok(has_header(h, "x-amz-security-token: tok3n"), "session token sent");
	tap_ok(has_header(h, "Expect:") && has_header(h, "Accept:"),
	       "curl's own Expect and Accept are switched off");
	for (struct curl_slist *l = h; l; l = l->next)
		if (strstr(l->data, "s3cr3t"))
			tap_ok(0, "the secret leaked into a header");
	curl_slist_free_all(h);
	buf_release(&url);
	s3_client_release(&c);
}

static void judge(void)
{
	struct s3gc_err e;

	tap_ok(s3_judge_code("SlowDown", "slow", "r1", 503, "list", &e) == S3_RETRY &&
	       e.cls == S3GC_E_TEMP, "503 SlowDown: retry, temporary");
	tap_ok(s3_judge_code("InternalError", "", "", 200, "list", &e) == S3_RETRY,
	       "an InternalError document with status 200: retry");
	tap_ok(s3_judge_code("RequestTimeout", "", "", 400, "list", &e) == S3_RETRY,
	       "400 RequestTimeout: retry");
	tap_ok(s3_judge_code("AccessDenied", "Access Denied", "r2", 403, "list", &e) == S3_FAIL &&
	       e.cls == S3GC_E_S3, "403 AccessDenied: fail, S3 error");
	tap_ok(strstr(e.msg, "AccessDenied") && strstr(e.msg, "'r2'"),
	       "the message names the code and request id ('%s')", e.msg);
	tap_ok(s3_judge_code("NoSuchBucket", "", "", 404, "list", &e) == S3_FAIL, "404: fail");
	tap_ok(s3_judge_code("", "", "", 502, "list", &e) == S3_RETRY, "502 without a body: retry");
}

int main(void)
{
	setenv("AWS_ACCESS_KEY_ID", "AKIDT3ST", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t", 1);
	setenv("AWS_SESSION_TOKEN", "tok3n", 1);
	addressing("photos", "eu-west-1", NULL, "https://photos.s3.eu-west-1.amazonaws.com",
		   "photos.s3.eu-west-1.amazonaws.com", "");
	addressing("my.photos", "us-east-2", NULL, "https://s3.us-east-2.amazonaws.com",
		   "s3.us-east-2.amazonaws.com", "/my.photos");
	addressing("photos", "us-east-1", "http://127.0.0.1:9000/", "http://127.0.0.1:9000",
		   "127.0.0.1:9000", "/photos");
	addressing("photos", "us-east-1", "https://s3.example.com", "https://s3.example.com",
		   "s3.example.com", "/photos");
	build();
	judge();
	return tap_done();
}
