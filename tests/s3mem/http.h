/* http.h - HTTP/1.1 request parsing: request line, headers, query, body framing. */
#ifndef S3MEM_HTTP_H
#define S3MEM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define HTTP_MAX_HEAD (64 * 1024)
#define HTTP_MAX_HDRS 100
#define HTTP_MAX_PARAMS 32

struct hdr {
	const char *name, *val;	/* NUL-terminated, value trimmed */
};

struct param {
	char *name, *val;	/* decoded, NUL-terminated, owned */
	size_t vlen;
};

enum body_mode { BODY_NONE_MODE, BODY_LENGTH, BODY_CHUNKED };

/* A parsed request.  Strings point into head (a private copy of the header
 * block), so they stay valid while the connection's input buffer grows. */
struct req {
	struct buf head;
	char *method, *target;	/* target: raw request-target */
	const char *path;	/* raw path part of target (before '?'), NUL-terminated copy */
	char *query;		/* raw query (after '?'), "" if none */
	int minor;		/* HTTP/1.minor */
	int keepalive;
	int expect_continue;
	struct hdr hdrs[HTTP_MAX_HDRS];
	int nhdrs;
	struct param params[HTTP_MAX_PARAMS];
	int nparams;
	enum body_mode mode;
	uint64_t clen;		/* BODY_LENGTH */
	const char *body;	/* set once the body is complete */
	size_t blen;
};

/* Parses the header block p[0..n) (ending with CRLF CRLF) into r.
 * Returns 0, or an HTTP status to answer with (400, 411, 413, 414, 431, 501)
 * and *why set to a short reason. */
int http_parse_head(const char *p, size_t n, struct req *r, const char **why);
void req_free(struct req *r);

/* Header value by case-insensitive name, or NULL.  First occurrence. */
const char *req_hdr(const struct req *r, const char *name);
/* Query parameter by exact name: its value (decoded), or NULL if absent.
 * *len gets the value length when len is non-NULL. */
const char *req_param(const struct req *r, const char *name, size_t *len);

/* Incremental chunked-body decoder.  Consumes whole chunks from in[*pos..n)
 * into out and advances *pos; a chunk is consumed only once it has fully
 * arrived, so no state is needed besides *pos.  Returns 1 when the last
 * chunk and trailers have been read, 0 when more input is needed, -1 on a
 * framing error. */
int chunked_step(const char *in, size_t n, size_t *pos, struct buf *out);

#endif
