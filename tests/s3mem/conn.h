/* conn.h - one client connection: reading requests, delaying and writing responses, faults on the wire. */
#ifndef S3MEM_CONN_H
#define S3MEM_CONN_H

#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "resp.h"
#include "server.h"

enum conn_state {
	C_READ,		/* reading a request */
	C_DELAY,	/* response ready, waiting out latency or a stall */
	C_WRITE,	/* sending the response */
	C_PAUSE		/* stall-body: paused in the middle of the body */
};

struct conn {
	int fd;
	enum conn_state st;
	char peer[48];

	struct buf in;		/* bytes received and not yet consumed */
	size_t scan;		/* where the search for the header end resumes */
	size_t head_len;	/* header block length, 0 until parsed */
	size_t body_pos;	/* chunked decoding position in `in` */
	size_t req_end;		/* end of the current request in `in` */
	struct buf chunked;	/* decoded chunked body */
	struct req req;

	struct buf early;	/* "100 Continue", sent ahead of the response */
	struct resp resp;
	struct buf head;	/* status line and headers */
	uint64_t sent, total, pause_at, reset_at;
	int paused;
	int64_t wake_at;	/* C_DELAY / C_PAUSE deadline, mono_ms */
};

struct conn *conn_new(int fd, const char *peer);
void conn_free(struct conn *c);	/* closes the socket if still open */
/* poll events the connection waits for; 0 means none (timer or idle). */
short conn_events(const struct conn *c);
/* mono_ms deadline of a pending timer, or -1. */
int64_t conn_deadline(const struct conn *c);
/* React to poll revents / an expired timer.  Return -1 when the connection
 * is finished and must be freed. */
int conn_io(struct conn *c, struct server *s, short revents);
int conn_timer(struct conn *c, struct server *s);

#endif
