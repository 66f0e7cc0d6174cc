/* resp.c - building responses: headers, S3 error documents, the header block. */
#include "resp.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

void resp_init(struct resp *r)
{
	memset(r, 0, sizeof *r);
	r->status = 200;
	r->reset_after = -1;
	r->pause_ms = -1;
}

void resp_reset(struct resp *r)
{
	r->hdrs.len = 0;
	if (r->hdrs.p)
		r->hdrs.p[0] = 0;
	buf_free(&r->mem);
	blob_unref(r->blob);
	r->blob = NULL;
	r->kind = BODY_NONE;
	r->off = r->len = r->clen = 0;
}

void resp_free(struct resp *r)
{
	resp_reset(r);
	buf_free(&r->hdrs);
	buf_free(&r->note);
}

void resp_hdr(struct resp *r, const char *name, const char *fmt, ...)
{
	va_list ap;
	char val[2048];
	va_start(ap, fmt);
	vsnprintf(val, sizeof val, fmt, ap);
	va_end(ap);
	buf_adds(&r->hdrs, name);
	buf_add(&r->hdrs, ": ", 2);
	buf_adds(&r->hdrs, val);
	buf_add(&r->hdrs, "\r\n", 2);
}

struct buf *resp_xml(struct resp *r, int status)
{
	resp_reset(r);
	r->status = status;
	r->kind = BODY_MEM;
	resp_hdr(r, "Content-Type", "application/xml");
	buf_adds(&r->mem, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	return &r->mem;
}

void resp_error(struct resp *r, int status, const char *code, const char *msg,
		const char *bucket, const char *key, size_t klen)
{
	struct buf *b = resp_xml(r, status);
	buf_adds(b, "<Error><Code>");
	buf_add_xml(b, code, strlen(code));
	buf_adds(b, "</Code><Message>");
	buf_add_xml(b, msg, strlen(msg));
	buf_adds(b, "</Message>");
	if (key) {
		buf_adds(b, "<Key>");
		buf_add_xml(b, key, klen);
		buf_adds(b, "</Key>");
	}
	if (bucket) {
		buf_adds(b, "<BucketName>");
		buf_add_xml(b, bucket, strlen(bucket));
		buf_adds(b, "</BucketName>");
	}
	buf_adds(b, "<RequestId>");
	buf_adds(b, r->reqid);
	buf_adds(b, "</RequestId><HostId>s3mem</HostId></Error>");
}

void resp_text(struct resp *r, int status, const char *ctype, const char *text)
{
	resp_reset(r);
	r->status = status;
	r->kind = BODY_MEM;
	resp_hdr(r, "Content-Type", "%s", ctype);
	buf_adds(&r->mem, text);
}

void resp_finish(struct resp *r)
{
	if (r->kind == BODY_MEM) {
		r->off = 0;
		r->len = r->mem.len;
	} else if (r->kind == BODY_NONE) {
		r->len = 0;
	}
	r->clen = r->len;
	if (r->head_only)
		r->len = 0;
}

const char *status_text(int s)
{
	switch (s) {
	case 100: return "Continue";
	case 200: return "OK";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

void resp_head(const struct resp *r, struct buf *out)
{
	static time_t cached_t = -1;
	static char date[30];
	time_t now = server_now();
	if (now != cached_t) {
		fmt_http_date(now, date);
		cached_t = now;
	}
	buf_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: s3mem\r\n"
		   "x-amz-request-id: %s\r\nx-amz-id-2: s3mem/%s\r\n",
		   r->status, status_text(r->status), date, r->reqid, r->reqid);
	/* RFC 9110 forbids Content-Length on 204; S3 leaves it out too. */
	if (r->status != 204) {
		buf_adds(out, "Content-Length: ");
		buf_addu(out, r->clen);
		buf_add(out, "\r\n", 2);
	}
	if (r->close)
		buf_adds(out, "Connection: close\r\n");
	buf_add(out, r->hdrs.p ? r->hdrs.p : "", r->hdrs.len);
	buf_add(out, "\r\n", 2);
}
