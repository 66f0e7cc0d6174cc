/* clock.h - the server's (offsettable) wall clock, a monotonic clock for timers, and date formats. */
#ifndef S3MEM_CLOCK_H
#define S3MEM_CLOCK_H

#include <stdint.h>
#include <time.h>

void clock_set_offset(long seconds);	/* --clock-offset */
time_t server_now(void);		/* wall clock + offset */
int64_t mono_ms(void);			/* CLOCK_MONOTONIC in milliseconds */
int64_t mono_us(void);

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 7231); out gets 29 chars + NUL. */
void fmt_http_date(time_t t, char out[30]);
/* "2026-01-02T03:04:05.000Z" as in S3 listings; out gets 24 chars + NUL. */
void fmt_iso8601(time_t t, char out[25]);

#endif
