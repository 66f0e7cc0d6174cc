/* resp.h - a response being built by a handler and then sent by the connection. */
#ifndef S3MEM_RESP_H
#define S3MEM_RESP_H

#include <stdint.h>

#include "buf.h"
#include "store.h"

enum body_kind { BODY_NONE, BODY_MEM, BODY_BLOB, BODY_SYNTH };

struct resp {
	int status;
	struct buf hdrs;	/* extra header lines, each "Name: value\r\n" */
	enum body_kind kind;
	struct buf mem;		/* BODY_MEM */
	struct blob *blob;	/* BODY_BLOB: one reference held */
	uint8_t seed;		/* BODY_SYNTH */
	uint64_t off, len;	/* slice of the content to send (MEM: off 0, len mem.len) */
	uint64_t clen;		/* Content-Length; set by resp_finish */
	int head_only;		/* HEAD: announce clen, send no body */

	/* How the connection delivers it (set from latency and faults). */
	long delay_ms;		/* before the first byte */
	long pause_ms;		/* stall-body: pause after the headers and half the body */
	long long reset_after;	/* RST after this many bytes; -1: never */
	int close;		/* close after sending */

	char reqid[17];
	struct buf note;	/* faults fired, for the log line */
};

void resp_init(struct resp *r);
void resp_free(struct resp *r);
/* Drops headers and body so an error can replace a half-built answer. */
void resp_reset(struct resp *r);
void resp_hdr(struct resp *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Starts an XML (application/xml) body with the XML declaration line. */
struct buf *resp_xml(struct resp *r, int status);
/* Replaces the response with an S3 error document.  bucket and key may be NULL. */
void resp_error(struct resp *r, int status, const char *code, const char *msg,
		const char *bucket, const char *key, size_t klen);
/* Plain-text or JSON body for the control endpoints. */
void resp_text(struct resp *r, int status, const char *ctype, const char *text);
/* Fixes Content-Length from the body; call once the body is final. */
void resp_finish(struct resp *r);

/* The status line and all headers, ending with the blank line. */
void resp_head(const struct resp *r, struct buf *out);
const char *status_text(int status);

#endif
