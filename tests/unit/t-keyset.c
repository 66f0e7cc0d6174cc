/* t-keyset.c: a set of keys in memory, and reading flat JSON objects. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "jsonr.h"
#include "keyset.h"
#include "tap.h"

static int get(const char *json, const char *name, const char *want)
{
	struct buf out = BUF_INIT;
	struct s3gc_err e;
	int found, ok;

	ok = jsonr_get(json, strlen(json), name, &out, &found, &e) == 0 &&
	     (want ? found && out.len == strlen(want) && !memcmp(out.data, want, out.len) : !found);
	if (!ok)
		tap_diag("%s: got '%.*s' (%s)", name, (int)out.len, out.data ? out.data : "", e.msg);
	buf_release(&out);
	return ok;
}

int main(void)
{
	struct keyset s;
	struct s3gc_err e;
	char k[32];
	size_t i, fails = 0;
	static const char doc[] =
		" {\"complete\": true, \"keys\":12345, \"n\":{\"a\":[1,{\"b\":\"}\"}]},"
		" \"server_time\":\"2026-12-04T10:00:00Z\", \"s\":\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\","
		" \"neg\":-1.5e3, \"nul\":null} ";
	struct buf out = BUF_INIT;
	int found;

	keyset_init(&s);
	for (int n = 0; n < 100000; n++) {
		snprintf(k, sizeof k, "key/%d", n);
		fails += keyset_add(&s, k, strlen(k), &i, &e) < 0 || i != (size_t)n;
	}
	tap_ok(!fails && s.n == 100000, "100,000 keys added, each its own index");
	tap_ok(keyset_add(&s, "key/77", 6, &i, &e) == 0 && i == 77 && s.n == 100000,
	       "a key added twice is there once");
	for (int n = 0; n < 100000; n += 7) {
		snprintf(k, sizeof k, "key/%d", n);
		fails += keyset_find(&s, k, strlen(k)) != n;
	}
	tap_ok(!fails, "every key is found at its index");
	tap_ok(keyset_find(&s, "key/100000", 10) == -1 && keyset_find(&s, "key/", 4) == -1 &&
	       keyset_find(&s, "", 0) == -1, "keys not added are not found");
	tap_ok(keyset_add(&s, "a\0b", 3, &i, &e) == 0 && keyset_find(&s, "a\0b", 3) == (long)i &&
	       keyset_find(&s, "a", 1) == -1, "keys may hold NUL bytes");
	keyset_reset(&s);
	tap_ok(s.n == 0 && keyset_find(&s, "key/1", 5) == -1, "reset: empty");
	tap_ok(keyset_add(&s, "key/1", 5, &i, &e) == 0 && i == 0 && keyset_find(&s, "key/1", 5) == 0,
	       "and usable again");
	keyset_release(&s);

	tap_ok(get(doc, "complete", "true"), "a boolean, as written");
	tap_ok(get(doc, "keys", "12345"), "a number");
	tap_ok(get(doc, "server_time", "2026-12-04T10:00:00Z"), "a string");
	tap_ok(get(doc, "s", "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80"), "escapes and \\u pairs decoded");
	tap_ok(get(doc, "neg", "-1.5e3"), "a negative number");
	tap_ok(get(doc, "nul", "null"), "null");
	tap_ok(get(doc, "b", NULL), "a nested member is not a member");
	tap_ok(get(doc, "missing", NULL), "a missing member");
	tap_ok(jsonr_get("{\"a\":1", 6, "a", &out, &found, &e) < 0 && e.cls == S3GC_E_DATA,
	       "cut short: %s", e.msg);
	tap_ok(jsonr_get("{\"a\":1} x", 9, "a", &out, &found, &e) < 0 && strstr(e.msg, "after"),
	       "text after it: %s", e.msg);
	tap_ok(jsonr_get("[1]", 3, "a", &out, &found, &e) < 0, "not an object: %s", e.msg);
	tap_ok(jsonr_get("{\"a\":\"x\ny\"}", 10, "a", &out, &found, &e) < 0,
	       "a raw newline in a string: %s", e.msg);
	buf_release(&out);
	return tap_done();
}
