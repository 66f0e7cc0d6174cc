/*
 * http.h: one libcurl easy handle per worker (so its connection is reused),
 * the response facts S3 clients need, and the retry policy: exponential
 * backoff with full jitter, Retry-After honoured, a bounded number of tries.
 */
#ifndef S3GC_HTTP_H
#define S3GC_HTTP_H

#include <curl/curl.h>
#include <time.h>

#include "buf.h"
#include "err.h"

struct http_policy {
	int max_attempts;        /* tries per request, first included (5) */
	long base_ms;            /* first backoff ceiling (200) */
	long cap_ms;             /* largest backoff (20000) */
	long connect_timeout_s;  /* 10 */
	long idle_timeout_s;     /* no byte for this long: fail the try (30) */
};

void http_policy_default(struct http_policy *p);

/* Called with body bytes of 2xx responses; return -1 to abort the transfer. */
typedef int (*http_body_fn)(void *arg, const char *p, size_t n);

/*
 * Called with each response header, name and value trimmed (not
 * NUL-terminated); name NULL when a new response begins (after a 100
 * Continue), whose headers replace the earlier ones.
 */
typedef void (*http_hdr_fn)(void *arg, const char *name, size_t nlen,
			    const char *value, size_t vlen);

/* Fill p with up to cap bytes of the request body; the count, 0 at the
 * end, -1 to abort the transfer. */
typedef long (*http_read_fn)(void *arg, char *p, size_t cap);

/* All memory is owned by the transfer (http_xfer_release). */
struct http_xfer {
	CURL *easy;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	long status;             /* 0 until a status line arrived */
	time_t date;             /* the server's Date, 0 if none */
	long retry_after;        /* seconds, -1 if none */
	char request_id[128];
	http_body_fn on_body;
	void *body_arg;
	int body_failed;         /* on_body refused data */
	struct buf errbody;      /* body of a non-2xx response, capped */
	http_hdr_fn on_hdr;      /* http_xfer_headers */
	void *hdr_arg;
	http_read_fn on_read;    /* http_xfer_upload / http_xfer_body */
	void *read_arg;
	const char *mem;         /* http_xfer_body's bytes */
	size_t memlen, mempos;
	int attempt;             /* tries made so far */
	long long not_before_ms; /* retry timer (time_mono_ms clock) */
};

int http_global_init(struct s3gc_err *e);

int http_xfer_init(struct http_xfer *x, const struct http_policy *p,
		   struct s3gc_err *e);
void http_xfer_release(struct http_xfer *x);

/*
 * Set up the next try: method, full URL, and the request headers, which
 * the transfer takes over (freed on the next prepare or release).
 */
int http_xfer_prepare(struct http_xfer *x, const char *method,
		      const char *url, struct curl_slist *hdrs,
		      http_body_fn on_body, void *body_arg, struct s3gc_err *e);

/* After prepare: hand every response header of this try to fn. */
void http_xfer_headers(struct http_xfer *x, http_hdr_fn fn, void *arg);

/*
 * After prepare: send a request body of n bytes, read with fn as it goes
 * (the method stays what prepare set: PUT, POST, ...).
 */
void http_xfer_upload(struct http_xfer *x, http_read_fn fn, void *arg,
		      unsigned long long n);

/* After prepare: send p[0..n) as the request body (kept by the caller
 * until the try ends). */
void http_xfer_body(struct http_xfer *x, const char *p, size_t n);

/* Milliseconds on a monotonic clock. */

/*
 * The wait before try number attempt+1 (attempt >= 1): uniform in
 * [0, min(cap, base * 2^(attempt-1))], but at least Retry-After when the
 * server sent one (capped at cap).
 */
long http_backoff_ms(const struct http_policy *p, int attempt,
		     long retry_after_s);

/* True for curl results that are worth another try (resets, timeouts, ...). */
int http_curl_transient(CURLcode rc);

#endif
