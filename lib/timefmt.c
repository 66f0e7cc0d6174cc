/* timefmt.c: UTC times in RFC 3339, S3's ISO 8601 and HTTP forms, without TZ or locale. */
#include "config.h"

#include <string.h>

#include "timefmt.h"

#define YEAR_MIN 1970
#define YEAR_MAX 9999
/* 9999-12-31T23:59:59Z, the last second the formats can hold. */
#define TIME_MAX_SECS 253402300799LL

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, and back, after
 * Howard Hinnant's chrono-compatible low-level date algorithms: eras of
 * 400 years, years starting in March so the leap day comes last.
 */
static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, long long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30,
				       31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

time_t time_from_utc(int year, int mon, int mday, int hour, int min, int sec)
{
	long long y = year, m0 = (long long)mon - 1, days;

	/* Normalise the month like timegm does; the other fields add linearly. */
	y += m0 >= 0 ? m0 / 12 : -((11 - m0) / 12);
	m0 -= (y - year) * 12;
	days = days_from_civil(y, (int)m0 + 1, 1) + (mday - 1);
	return (time_t)(days * 86400 + (long long)hour * 3600 +
			(long long)min * 60 + sec);
}

/*
 * Times before the epoch or after 9999 cannot be written in 20 bytes; S3
 * has neither, so clamp rather than overflow the caller's buffer.
 */
void time_format_rfc3339(time_t t, char out[RFC3339_LEN + 1])
{
	long long s = (long long)t, days, rem, y;
	int m, d;

	if (s < 0)
		s = 0;
	if (s > TIME_MAX_SECS)
		s = TIME_MAX_SECS;
	days = s / 86400;
	rem = s % 86400;
	civil_from_days(days, &y, &m, &d);
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = 'T';
	out[11] = (char)('0' + rem / 36000);
	out[12] = (char)('0' + rem / 3600 % 10);
	out[13] = ':';
	out[14] = (char)('0' + rem % 3600 / 600);
	out[15] = (char)('0' + rem % 3600 / 60 % 10);
	out[16] = ':';
	out[17] = (char)('0' + rem % 60 / 10);
	out[18] = (char)('0' + rem % 10);
	out[19] = 'Z';
	out[20] = '\0';
}

/* n ASCII digits at s as a number, or -1. */
static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Range-check the fields and convert; 0 or -1. */
static int make_time(int y, int mo, int d, int h, int mi, int s, time_t *t)
{
	if (y < YEAR_MIN || y > YEAR_MAX || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 59)
		return -1;
	*t = time_from_utc(y, mo, d, h, mi, s);
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS", the 19 bytes the ISO forms share. */
static int parse_datetime(const char *s, time_t *t)
{
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	return make_time(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2),
			 digits(s + 11, 2), digits(s + 14, 2), digits(s + 17, 2),
			 t);
}

int time_parse_rfc3339(const char *s, size_t n, time_t *t)
{
	if (n != RFC3339_LEN || s[19] != 'Z')
		return -1;
	return parse_datetime(s, t);
}

int time_parse_iso8601(const char *s, size_t n, time_t *t)
{
	size_t i = 19;

	if (n < RFC3339_LEN || s[n - 1] != 'Z')
		return -1;
	if (s[i] == '.') {
		/* A fraction has at least one digit; it is dropped. */
		if (++i == n - 1)
			return -1;
		while (i < n - 1 && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i != n - 1)
		return -1;
	return parse_datetime(s, t);
}

static int name_index(const char *s, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (memcmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

/*
 * IMF-fixdate only (RFC 7231 7.1.1.1), the form every current server
 * sends; trailing whitespace and CR LF are allowed, for header lines
 * taken as they come. The day name must be a day name but is not checked
 * against the date: the date is what counts.
 */
int time_parse_http(const char *s, time_t *t)
{
	static const char *const wdays[] = { "Mon", "Tue", "Wed", "Thu",
					     "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
					      "May", "Jun", "Jul", "Aug",
					      "Sep", "Oct", "Nov", "Dec" };
	size_t n = strlen(s);
	int mon;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
			 s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	if (n != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    memcmp(s + 25, " GMT", 4) != 0)
		return -1;
	if (name_index(s, wdays, 7) < 0)
		return -1;
	mon = name_index(s + 8, months, 12);
	if (mon < 0)
		return -1;
	return make_time(digits(s + 12, 4), mon + 1, digits(s + 5, 2),
			 digits(s + 17, 2), digits(s + 20, 2), digits(s + 23, 2),
			 t);
}

static long long clock_ms(clockid_t which)
{
	struct timespec ts;

	clock_gettime(which, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long time_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

long long time_now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}
