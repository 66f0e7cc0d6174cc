/* http.c: libcurl transfers and the retry timing shared by the S3 calls. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "http.h"
#include "timefmt.h"

#define ERRBODY_MAX 65536

void http_policy_default(struct http_policy *p)
{
	p->max_attempts = 5;
	p->base_ms = 200;
	p->cap_ms = 20000;
	p->connect_timeout_s = 10;
	p->idle_timeout_s = 30;
}

int http_global_init(struct s3gc_err *e)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		return err_set(e, S3GC_E_SYS, (int)rc, "cannot initialise libcurl: %s",
			       curl_easy_strerror(rc));
	return 0;
}

static int header_is(const char *line, size_t n, const char *name,
		     const char **val, size_t *vlen)
{
	size_t k = strlen(name);

	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return 0;
	*val = line + k + 1;
	*vlen = n - k - 1;
	while (*vlen && (**val == ' ' || **val == '\t')) {
		(*val)++;
		(*vlen)--;
	}
	while (*vlen && strchr(" \t\r\n", (*val)[*vlen - 1]))
		(*vlen)--;
	return 1;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nitems, vlen;
	const char *v;
	char tmp[128];

	if (n >= 5 && !memcmp(line, "HTTP/", 5)) {
		const char *sp = memchr(line, ' ', n);

		/* A new status line (after 100 Continue): forget earlier headers. */
		x->status = sp && (size_t)(sp - line) + 4 <= n ? strtol(sp + 1, NULL, 10) : 0;
		x->date = 0;
		x->retry_after = -1;
		x->request_id[0] = '\0';
		if (x->on_hdr)
			x->on_hdr(x->hdr_arg, NULL, 0, NULL, 0);
		return n;
	}
	if (x->on_hdr) {
		const char *colon = memchr(line, ':', n);

		if (colon && colon > line) {
			const char *val = colon + 1;
			size_t vl = n - (size_t)(val - line);

			while (vl && (*val == ' ' || *val == '\t'))
				val++, vl--;
			while (vl && strchr(" \t\r\n", val[vl - 1]))
				vl--;
			x->on_hdr(x->hdr_arg, line, (size_t)(colon - line), val, vl);
		}
	}
	if (header_is(line, n, "date", &v, &vlen) && vlen < sizeof(tmp)) {
		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		if (time_parse_http(tmp, &x->date) < 0)
			x->date = 0;
	} else if (header_is(line, n, "retry-after", &v, &vlen) && vlen < 10 &&
		   vlen > 0 && strspn(v, "0123456789") >= vlen) {
		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		x->retry_after = atol(tmp);
	} else if (header_is(line, n, "x-amz-request-id", &v, &vlen) &&
		   vlen < sizeof(x->request_id)) {
		memcpy(x->request_id, v, vlen);
		x->request_id[vlen] = '\0';
	}
	return n;
}

static size_t on_write(char *p, size_t size, size_t nitems, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nitems;
	struct s3gc_err e;

	if (x->status >= 200 && x->status < 300 && x->on_body) {
		if (x->on_body(x->body_arg, p, n) < 0) {
			x->body_failed = 1;
			return 0; /* makes curl stop with CURLE_WRITE_ERROR */
		}
		return n;
	}
	if (x->errbody.len + n <= ERRBODY_MAX)
		buf_add(&x->errbody, p, n, &e);
	return n;
}

int http_xfer_init(struct http_xfer *x, const struct http_policy *p,
		   struct s3gc_err *e)
{
	memset(x, 0, sizeof(*x));
	x->easy = curl_easy_init();
	if (!x->easy)
		return err_set(e, S3GC_E_SYS, ENOMEM, "cannot create a curl handle");
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT, p->connect_timeout_s);
	/* A stalled response (less than 1 byte/s for idle_timeout_s) fails the try. */
	curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME, p->idle_timeout_s);
	curl_easy_setopt(x->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	/* A listing page is ~250 KB: fewer, larger reads cost less CPU. */
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	buf_init(&x->errbody, 0);
	return 0;
}

void http_xfer_release(struct http_xfer *x)
{
	if (x->easy)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	buf_release(&x->errbody);
	memset(x, 0, sizeof(*x));
}

int http_xfer_prepare(struct http_xfer *x, const char *method,
		      const char *url, struct curl_slist *hdrs,
		      http_body_fn on_body, void *body_arg, struct s3gc_err *e)
{
	curl_slist_free_all(x->hdrs);
	x->hdrs = hdrs;
	x->status = 0;
	x->date = 0;
	x->retry_after = -1;
	x->request_id[0] = '\0';
	x->errbuf[0] = '\0';
	x->body_failed = 0;
	x->on_body = on_body;
	x->body_arg = body_arg;
	x->on_hdr = NULL;
	x->hdr_arg = NULL;
	x->on_read = NULL;
	x->read_arg = NULL;
	x->mem = NULL;
	x->memlen = x->mempos = 0;
	buf_reset(&x->errbody);
	/* The handle is reused: undo what an earlier request's method set. */
	curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(x->easy, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, method);
	if (curl_easy_setopt(x->easy, CURLOPT_URL, url) != CURLE_OK)
		return err_set(e, S3GC_E_INTERNAL, 0, "bad URL");
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	return 0;
}

static unsigned long rand_below(unsigned long n)
{
	unsigned long r;

	if (n == 0)
		return 0;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned long)time_mono_ms() * 2654435761UL;
	return r % n;
}

long http_backoff_ms(const struct http_policy *p, int attempt,
		     long retry_after_s)
{
	long ceiling = p->base_ms;
	long wait;

	for (int i = 1; i < attempt && ceiling < p->cap_ms; i++)
		ceiling *= 2;
	if (ceiling > p->cap_ms)
		ceiling = p->cap_ms;
	wait = (long)rand_below((unsigned long)ceiling + 1);
	if (retry_after_s >= 0) {
		long ra = retry_after_s > p->cap_ms / 1000 ? p->cap_ms : retry_after_s * 1000;

		if (wait < ra)
			wait = ra;
	}
	return wait;
}

int http_curl_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_HOST:
		return 1;
	default:
		return 0;
	}
}

void http_xfer_headers(struct http_xfer *x, http_hdr_fn fn, void *arg)
{
	x->on_hdr = fn;
	x->hdr_arg = arg;
}

static size_t on_read(char *p, size_t size, size_t nitems, void *arg)
{
	struct http_xfer *x = arg;
	long got = x->on_read(x->read_arg, p, size * nitems);

	return got < 0 ? CURL_READFUNC_ABORT : (size_t)got;
}

void http_xfer_upload(struct http_xfer *x, http_read_fn fn, void *arg,
		      unsigned long long n)
{
	x->on_read = fn;
	x->read_arg = arg;
	/* CURLOPT_UPLOAD makes the method PUT unless prepare named one. */
	curl_easy_setopt(x->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(x->easy, CURLOPT_READDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)n);
}

static long read_mem(void *arg, char *p, size_t cap)
{
	struct http_xfer *x = arg;
	size_t n = x->memlen - x->mempos < cap ? x->memlen - x->mempos : cap;

	memcpy(p, x->mem + x->mempos, n);
	x->mempos += n;
	return (long)n;
}

void http_xfer_body(struct http_xfer *x, const char *p, size_t n)
{
	x->mem = p;
	x->memlen = n;
	x->mempos = 0;
	http_xfer_upload(x, read_mem, x, n);
}
