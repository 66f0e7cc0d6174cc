/* t-json.c: the test-only JSON reader accepts what RFC 8259 allows and nothing else. */
#include "config.h"

#include <string.h>

#include "json.h"
#include "tap.h"

static struct json *parse(const char *s)
{
	char err[128];

	return json_parse(s, strlen(s), err, sizeof(err));
}

static void good_string(const char *in, const char *want, size_t wantlen)
{
	struct json *j = parse(in);

	tap_ok(j && j->type == JSON_STRING && j->len == wantlen &&
	       memcmp(j->str, want, wantlen) == 0, "string %s", in);
	json_free(j);
}

static void bad(const char *in, const char *why)
{
	char err[128];
	struct json *j = json_parse(in, strlen(in), err, sizeof(err));

	if (!tap_ok(j == NULL && err[0], "rejected: %s", why))
		json_free(j);
	else
		tap_diag("%s", err);
}

static void test_values(void)
{
	struct json *j = parse(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"d\"},"
			       " \"a\": 0} ");
	const struct json *a;

	tap_ok(j && j->type == JSON_OBJECT && j->n == 3, "object with three members");
	a = j ? j->items[0] : NULL;
	tap_ok(a && a->type == JSON_ARRAY && a->n == 5 && a->items[0]->number == 1 &&
	       a->items[1]->number == -2500 && a->items[2]->boolean &&
	       a->items[3]->type == JSON_BOOL && !a->items[3]->boolean &&
	       a->items[4]->type == JSON_NULL, "array of number, bool and null");
	tap_is_str(json_str(json_get(j, "b"), "c"), "d", "nested lookup");
	tap_ok(json_get(j, "a") && json_get(j, "a")->type == JSON_NUMBER,
	       "the last duplicate key wins");
	tap_ok(json_get(j, "zz") == NULL && json_str(j, "a") == NULL, "absent or non-string");
	json_free(j);
}

static void test_strings(void)
{
	good_string("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
	good_string("\"\\u0000x\"", "\0x", 2);
	good_string("\"\\u00e9\\u20AC\"", "\xc3\xa9\xe2\x82\xac", 5);
	good_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
	good_string("\"\xf0\x9f\x98\x80 raw\"", "\xf0\x9f\x98\x80 raw", 8);
}

static void test_bad(void)
{
	bad("", "empty input");
	bad("[1,]", "trailing comma");
	bad("{\"a\" 1}", "missing colon");
	bad("01", "leading zero");
	bad("1.", "bare decimal point");
	bad("\"a\nb\"", "raw control character");
	bad("\"\\x\"", "unknown escape");
	bad("\"\\ud83d\"", "lone high surrogate");
	bad("\"\\ude00\"", "lone low surrogate");
	bad("\"\xc0\xaf\"", "overlong UTF-8");
	bad("\"\xed\xa0\x80\"", "UTF-8 surrogate");
	bad("\"abc", "unterminated string");
	bad("[1] 2", "trailing data");
	bad("tru", "truncated literal");
	bad("{'a': 1}", "single quotes");
}

int main(void)
{
	test_values();
	test_strings();
	test_bad();
	return tap_done();
}
