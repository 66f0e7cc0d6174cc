/* clock.c - server clock with --clock-offset and allocation-free date formatting.
 * Formatting is hand-rolled because a listing page formats 1000 dates and
 * gmtime_r+snprintf would be a visible share of the page time. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include "clock.h"

#include <string.h>

static long clock_offset;

void clock_set_offset(long seconds)
{
	clock_offset = seconds;
}

time_t server_now(void)
{
	return time(NULL) + clock_offset;
}

int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t mono_ms(void)
{
	return mono_us() / 1000;
}

struct civil {
	int64_t year;
	unsigned mon, day, hour, min, sec, wday;
};

/* Days since 1970-01-01 to a Gregorian date (H. Hinnant's algorithm). */
static void to_civil(time_t t, struct civil *c)
{
	int64_t s = (int64_t)t, days = s / 86400, rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	c->hour = (unsigned)(rem / 3600);
	c->min = (unsigned)(rem / 60 % 60);
	c->sec = (unsigned)(rem % 60);
	c->wday = (unsigned)(((days % 7) + 11) % 7);	/* 1970-01-01 was a Thursday */
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	unsigned doe = (unsigned)(days - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	c->day = doy - (153 * mp + 2) / 5 + 1;
	c->mon = mp < 10 ? mp + 3 : mp - 9;
	c->year = (int64_t)yoe + era * 400 + (c->mon <= 2);
}

static char *put2(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

static char *put4(char *o, int64_t y)
{
	unsigned v = (y < 0 || y > 9999) ? 0 : (unsigned)y;
	o = put2(o, v / 100);
	return put2(o, v % 100);
}

void fmt_http_date(time_t t, char out[30])
{
	static const char wd[] = "SunMonTueWedThuFriSat";
	static const char mn[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct civil c;
	to_civil(t, &c);
	char *o = out;
	memcpy(o, wd + 3 * c.wday, 3);
	o += 3;
	*o++ = ',';
	*o++ = ' ';
	o = put2(o, c.day);
	*o++ = ' ';
	memcpy(o, mn + 3 * (c.mon - 1), 3);
	o += 3;
	*o++ = ' ';
	o = put4(o, c.year);
	*o++ = ' ';
	o = put2(o, c.hour);
	*o++ = ':';
	o = put2(o, c.min);
	*o++ = ':';
	o = put2(o, c.sec);
	memcpy(o, " GMT", 5);
}

void fmt_iso8601(time_t t, char out[25])
{
	struct civil c;
	to_civil(t, &c);
	char *o = put4(out, c.year);
	*o++ = '-';
	o = put2(o, c.mon);
	*o++ = '-';
	o = put2(o, c.day);
	*o++ = 'T';
	o = put2(o, c.hour);
	*o++ = ':';
	o = put2(o, c.min);
	*o++ = ':';
	o = put2(o, c.sec);
	memcpy(o, ".000Z", 6);
}
