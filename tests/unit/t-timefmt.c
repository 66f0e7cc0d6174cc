/* t-timefmt.c: RFC 3339, S3 ISO 8601 and HTTP dates, independent of TZ. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "timefmt.h"

struct good {
	const char *text;
	long long t;
};

/* Epoch seconds computed independently (date -u -d ... +%s). */
static const struct good good3339[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:01Z", 1 },
	{ "1999-12-31T23:59:59Z", 946684799 },
	{ "2000-02-29T00:00:00Z", 951782400 },
	{ "2000-03-01T00:00:00Z", 951868800 },
	{ "2024-02-29T12:34:56Z", 1709210096 },
	{ "2026-01-02T03:04:05Z", 1767323045 },
	{ "2038-01-19T03:14:08Z", 2147483648LL },
	{ "2100-03-01T00:00:00Z", 4107542400LL },
	{ "2400-02-29T00:00:00Z", 13574563200LL },
	{ "9999-12-31T23:59:59Z", 253402300799LL },
};

static const char *const bad3339[] = {
	"2100-02-29T00:00:00Z",     /* 2100 is not a leap year */
	"2023-02-29T00:00:00Z",     /* nor is 2023 */
	"1900-02-28T00:00:00Z",     /* before the epoch: not representable */
	"1969-12-31T23:59:59Z",     /* before the epoch */
	"2026-02-30T00:00:00Z",     /* Feb 30 */
	"2026-04-31T00:00:00Z",     /* Apr 31 */
	"2026-13-01T00:00:00Z",     /* month 13 */
	"2026-00-01T00:00:00Z",     /* month 0 */
	"2026-01-00T00:00:00Z",     /* day 0 */
	"2026-01-02T24:00:00Z",     /* 24:00:00 */
	"2026-01-02T23:60:00Z",     /* minute 60 */
	"2026-01-02T23:59:60Z",     /* leap second: S3 never sends one */
	"2026-01-02T03:04:05",      /* missing Z */
	"2026-01-02T03:04:05z",     /* lowercase z */
	"2026-01-02T03:04:05.000Z", /* fraction: not the record form */
	"2026-01-02T03:04:05+00:00",/* offset */
	"2026-01-02 03:04:05Z",     /* space for T */
	"2026-01-02t03:04:05Z",     /* lowercase t */
	"2026-1-02T03:04:05Z",      /* one-digit month */
	"+026-01-02T03:04:05Z",     /* sign */
	"2026-01-02T03:04:5Z",      /* short */
	"2026-01-02T03:04:0xZ",     /* non-digit */
	"10000-01-01T00:00:00Z",    /* five-digit year */
	"",
};

static const struct good goodiso[] = {
	{ "2026-01-02T03:04:05.000Z", 1767323045 },
	{ "2026-01-02T03:04:05Z", 1767323045 },
	{ "2026-01-02T03:04:05.5Z", 1767323045 },
	{ "2026-01-02T03:04:05.123456789Z", 1767323045 },
	{ "2000-02-29T00:00:00.999Z", 951782400 },
};

static const char *const badiso[] = {
	"2026-01-02T03:04:05.Z",
	"2026-01-02T03:04:05.000",
	"2026-01-02T03:04:05.00aZ",
	"2026-01-02T03:04:05,000Z",
	"2026-02-30T03:04:05.000Z",
	"2026-01-02T03:04:05.000+01:00",
	"2026-01-02",
};

static const struct good goodhttp[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
	{ "Fri, 02 Jan 2026 03:04:05 GMT", 1767323045 },
	{ "Tue, 29 Feb 2000 00:00:00 GMT", 951782400 },
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
	{ "Fri, 02 Jan 2026 03:04:05 GMT\r\n", 1767323045 },
};

static const char *const badhttp[] = {
	"Sunday, 06-Nov-94 08:49:37 GMT", /* RFC 850: obsolete */
	"Sun Nov  6 08:49:37 1994",       /* asctime: obsolete */
	"Sun, 06 Nov 1994 08:49:37 UTC",
	"Sun, 06 Nov 1994 08:49:37 +0000",
	"Sun, 6 Nov 1994 08:49:37 GMT",
	"Xyz, 06 Nov 1994 08:49:37 GMT",
	"Sun, 06 Foo 1994 08:49:37 GMT",
	"Sun, 31 Apr 1994 08:49:37 GMT",
	"Sun, 06 Nov 1994 24:00:00 GMT",
	"",
};

#define N(a) (sizeof(a) / sizeof(a[0]))

static void test_rfc3339(void)
{
	char out[RFC3339_LEN + 1];
	time_t t;

	for (size_t i = 0; i < N(good3339); i++) {
		const char *s = good3339[i].text;

		t = -1;
		tap_ok(time_parse_rfc3339(s, strlen(s), &t) == 0 &&
			       (long long)t == good3339[i].t,
		       "rfc3339 parses %s", s);
		time_format_rfc3339((time_t)good3339[i].t, out);
		tap_is_str(out, s, "rfc3339 formats %lld", good3339[i].t);
	}
	for (size_t i = 0; i < N(bad3339); i++)
		tap_ok(time_parse_rfc3339(bad3339[i], strlen(bad3339[i]), &t) < 0,
		       "rfc3339 rejects '%s'", bad3339[i]);
	tap_ok(time_parse_rfc3339("2026-01-02T03:04:05Zjunk", 20, &t) == 0,
	       "rfc3339 reads exactly n bytes");
	time_format_rfc3339((time_t)-1, out);
	tap_is_str(out, "1970-01-01T00:00:00Z", "before the epoch clamps");
	time_format_rfc3339((time_t)253402300800LL, out);
	tap_is_str(out, "9999-12-31T23:59:59Z", "after 9999 clamps");
}

static void test_iso_http(void)
{
	time_t t;

	for (size_t i = 0; i < N(goodiso); i++) {
		const char *s = goodiso[i].text;

		t = -1;
		tap_ok(time_parse_iso8601(s, strlen(s), &t) == 0 &&
			       (long long)t == goodiso[i].t,
		       "iso8601 parses %s", s);
	}
	for (size_t i = 0; i < N(badiso); i++)
		tap_ok(time_parse_iso8601(badiso[i], strlen(badiso[i]), &t) < 0,
		       "iso8601 rejects '%s'", badiso[i]);
	for (size_t i = 0; i < N(goodhttp); i++) {
		t = -1;
		tap_ok(time_parse_http(goodhttp[i].text, &t) == 0 &&
			       (long long)t == goodhttp[i].t,
		       "http date parses #%zu", i);
	}
	for (size_t i = 0; i < N(badhttp); i++)
		tap_ok(time_parse_http(badhttp[i], &t) < 0,
		       "http date rejects '%s'", badhttp[i]);
}

static void test_from_utc(void)
{
	char out[RFC3339_LEN + 1];
	time_t t;
	int ok = 1;

	tap_is_int(time_from_utc(1970, 1, 1, 0, 0, 0), 0, "epoch");
	tap_is_int(time_from_utc(2026, 13, 1, 0, 0, 0),
		   time_from_utc(2027, 1, 1, 0, 0, 0), "month 13 normalises");
	tap_is_int(time_from_utc(2026, 0, 1, 0, 0, 0),
		   time_from_utc(2025, 12, 1, 0, 0, 0), "month 0 normalises");
	tap_is_int(time_from_utc(2026, 1, 32, 0, 0, 0),
		   time_from_utc(2026, 2, 1, 0, 0, 0), "day 32 normalises");
	/* Every day from 1970 to 2100 round-trips, one sample second each. */
	for (long long d = 0; d < 47482 && ok; d++) {
		time_t s = (time_t)(d * 86400 + d % 86400);

		time_format_rfc3339(s, out);
		ok = time_parse_rfc3339(out, RFC3339_LEN, &t) == 0 && t == s;
		if (!ok)
			tap_diag("day %lld: %s", d, out);
	}
	tap_ok(ok, "format and parse agree on every day 1970-2100");
	/* The result must not depend on TZ. */
	setenv("TZ", "Pacific/Chatham", 1);
	tzset();
	tap_ok(time_parse_rfc3339("2026-01-02T03:04:05Z", 20, &t) == 0 &&
		       t == 1767323045,
	       "TZ does not change parsing");
	time_format_rfc3339(1767323045, out);
	tap_is_str(out, "2026-01-02T03:04:05Z", "TZ does not change formatting");
}

int main(void)
{
	test_rfc3339();
	test_iso_http();
	test_from_utc();
	return tap_done();
}
