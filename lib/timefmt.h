/* timefmt.h: the time formats s3gc reads and writes, all in UTC. */
#ifndef S3GC_TIMEFMT_H
#define S3GC_TIMEFMT_H

#include <stddef.h>
#include <time.h>

#define RFC3339_LEN 20 /* "2026-01-02T03:04:05Z" */

/* Milliseconds of a monotonic clock (for timeouts and intervals only). */
long long time_mono_ms(void);

/* The time now, in milliseconds since the Unix epoch (records, ids). */
long long time_now_ms(void);

/* Write t as 2026-01-02T03:04:05Z into out[RFC3339_LEN + 1]. */
void time_format_rfc3339(time_t t, char out[RFC3339_LEN + 1]);

/*
 * Parse the record form, exactly "YYYY-MM-DDTHH:MM:SSZ" (n bytes; no
 * fraction, no offset; fields range-checked, days per month, leap years).
 * 0 and *t on success, -1 on any other text.
 */
int time_parse_rfc3339(const char *s, size_t n, time_t *t);

/*
 * Parse S3's XML timestamps: "2026-01-02T03:04:05.000Z", with an optional
 * fraction of any length (dropped) and 'Z'. 0 or -1.
 */
int time_parse_iso8601(const char *s, size_t n, time_t *t);

/* Parse an HTTP date (RFC 7231 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"). 0 or -1. */
int time_parse_http(const char *s, time_t *t);

/* timegm without relying on the TZ environment. */
time_t time_from_utc(int year, int mon, int mday, int hour, int min, int sec);

#endif
