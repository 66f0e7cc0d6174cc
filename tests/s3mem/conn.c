/* conn.c - per-connection state machine on a non-blocking socket.
 * Delays (latency, stall) are deadlines checked by the event loop, never
 * sleeps, so one slow response does not hold up the other connections. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"

#define READ_CHUNK (64 * 1024)
#define WRITE_CHUNK (256 * 1024)
#define NEVER UINT64_MAX

struct conn *conn_new(int fd, const char *peer)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		abort();
	c->fd = fd;
	c->st = C_READ;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	resp_init(&c->resp);
	return c;
}

void conn_free(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	buf_free(&c->in);
	buf_free(&c->chunked);
	buf_free(&c->early);
	buf_free(&c->head);
	req_free(&c->req);
	resp_free(&c->resp);
	free(c);
}

short conn_events(const struct conn *c)
{
	switch (c->st) {
	case C_READ: return (short)(POLLIN | (c->early.len ? POLLOUT : 0));
	case C_WRITE: return POLLOUT;
	default: return 0;
	}
}

int64_t conn_deadline(const struct conn *c)
{
	return c->st == C_DELAY || c->st == C_PAUSE ? c->wake_at : -1;
}

/* Target with control bytes replaced, so a log line stays one line. */
static void log_request(const struct conn *c, const struct server *s, int64_t us)
{
	if (s->quiet)
		return;
	char target[300];
	snprintf(target, sizeof target, "%s", c->req.target ? c->req.target : "-");
	for (char *p = target; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "s3mem: %s %s %s %d %llu %lldus%s\n", c->peer,
		c->req.method ? c->req.method : "-", target, c->resp.status,
		(unsigned long long)c->resp.clen, (long long)us,
		c->resp.note.p ? c->resp.note.p : "");
}

/* Prepares the wire form and the byte positions where faults strike. */
static void start_response(struct conn *c)
{
	struct resp *r = &c->resp;
	c->head.len = 0;
	resp_head(r, &c->head);
	c->sent = 0;
	c->total = c->head.len + r->len;
	c->pause_at = r->pause_ms >= 0 ? c->head.len + r->len / 2 : NEVER;
	c->reset_at = r->reset_after >= 0 && (uint64_t)r->reset_after < c->total
			      ? (uint64_t)r->reset_after : (r->reset_after >= 0 ? c->total : NEVER);
	c->paused = 0;
	if (r->delay_ms > 0) {
		c->st = C_DELAY;
		c->wake_at = mono_ms() + r->delay_ms;
	} else {
		c->st = C_WRITE;
	}
}

static void dispatch(struct conn *c, struct server *s)
{
	int64_t t0 = mono_us();
	server_handle(s, &c->req, &c->resp);
	start_response(c);
	log_request(c, s, mono_us() - t0);
}

/* Answers a request that could not be parsed, then closes. */
static void fail_request(struct conn *c, struct server *s, int status, const char *why)
{
	snprintf(c->resp.reqid, sizeof c->resp.reqid, "%08X%08X", (unsigned)s->idbase,
		 (unsigned)++s->seq);
	resp_error(&c->resp, status, status == 431 ? "RequestHeaderSectionTooLarge" :
		   status == 413 ? "EntityTooLarge" : status == 501 ? "NotImplemented" :
		   "BadRequest", why, NULL, NULL, 0);
	c->resp.close = 1;
	resp_finish(&c->resp);
	start_response(c);
	if (!s->quiet)
		fprintf(stderr, "s3mem: %s unusable request: %d %s\n", c->peer, status, why);
}

static int parse_head(struct conn *c, struct server *s)
{
	if (!c->in.len)
		return 0;
	char *e = memmem(c->in.p + c->scan, c->in.len - c->scan, "\r\n\r\n", 4);
	if (!e) {
		c->scan = c->in.len > 3 ? c->in.len - 3 : 0;
		if (c->in.len > HTTP_MAX_HEAD)
			fail_request(c, s, 431, "request header block too large");
		return 0;
	}
	size_t hl = (size_t)(e + 4 - c->in.p);
	const char *why;
	int rc = http_parse_head(c->in.p, hl, &c->req, &why);
	if (rc) {
		fail_request(c, s, rc, why);
		return 0;
	}
	c->head_len = c->body_pos = hl;
	if (c->req.expect_continue && c->req.mode != BODY_NONE_MODE)
		buf_adds(&c->early, "HTTP/1.1 100 Continue\r\n\r\n");
	/* One allocation for the whole body rather than doubling up to it. */
	if (c->req.mode == BODY_LENGTH && hl + c->req.clen > c->in.len)
		buf_reserve(&c->in, hl + c->req.clen - c->in.len);
	return 1;
}

/* Is the body complete?  1 yes (req.body set), 0 not yet, -1 framing error. */
static int body_ready(struct conn *c)
{
	struct req *r = &c->req;
	if (r->mode == BODY_NONE_MODE) {
		c->req_end = c->head_len;
		return 1;
	}
	if (r->mode == BODY_LENGTH) {
		if (c->in.len - c->head_len < r->clen)
			return 0;
		r->body = c->in.p + c->head_len;
		r->blen = (size_t)r->clen;
		c->req_end = c->head_len + (size_t)r->clen;
		return 1;
	}
	int rc = chunked_step(c->in.p, c->in.len, &c->body_pos, &c->chunked);
	if (rc == 1) {
		buf_reserve(&c->chunked, 0);	/* non-NULL even when empty */
		r->body = c->chunked.p;
		r->blen = c->chunked.len;
		c->req_end = c->body_pos;
	}
	return rc;
}

/* Parses and dispatches while in C_READ and a full request is buffered. */
static void advance(struct conn *c, struct server *s)
{
	if (c->st != C_READ)
		return;
	if (!c->head_len && !parse_head(c, s))
		return;
	int rc = body_ready(c);
	if (rc < 0)
		fail_request(c, s, 400, "malformed chunked body");
	else if (rc == 1)
		dispatch(c, s);
}

/* Resets for the next request on the connection.  -1 if it must close. */
static int finish_response(struct conn *c)
{
	int close_it = c->resp.close;
	size_t used = c->req_end;
	req_free(&c->req);
	resp_free(&c->resp);
	resp_init(&c->resp);
	buf_free(&c->chunked);
	buf_free(&c->head);
	if (close_it)
		return -1;
	buf_consume(&c->in, used);
	c->head_len = c->scan = c->body_pos = c->req_end = 0;
	c->st = C_READ;
	return 0;
}

static void abort_connection(struct conn *c)
{
	/* Linger 0 turns close() into an RST: the client sees a reset, not EOF. */
	struct linger l = { 1, 0 };
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(c->fd);
	c->fd = -1;
}

/* Points iov at body bytes [from, from+n), generating synthetic content. */
static size_t body_iov(struct conn *c, uint64_t from, uint64_t n, struct iovec *iov)
{
	static unsigned char scratch[WRITE_CHUNK];
	const struct resp *r = &c->resp;
	if (n > WRITE_CHUNK)
		n = WRITE_CHUNK;
	if (r->kind == BODY_MEM) {
		iov->iov_base = r->mem.p + from;
	} else if (r->kind == BODY_BLOB) {
		iov->iov_base = r->blob->data + r->off + from;
	} else {
		synth_fill(r->seed, r->off + from, scratch, (size_t)n);
		iov->iov_base = scratch;
	}
	iov->iov_len = (size_t)n;
	return (size_t)n;
}

static int flush_early(struct conn *c)
{
	while (c->early.len) {
		ssize_t w = send(c->fd, c->early.p, c->early.len, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		buf_consume(&c->early, (size_t)w);
	}
	return 1;
}

/* Where the current write must stop: the end, a pause, or a reset. */
static uint64_t write_limit(const struct conn *c)
{
	uint64_t limit = c->total;
	if (c->reset_at < limit)
		limit = c->reset_at;
	if (!c->paused && c->pause_at < limit)
		limit = c->pause_at;
	return limit;
}

/* 1 response done, 0 waiting (socket full or paused), -1 connection gone. */
static int write_response(struct conn *c)
{
	for (;;) {
		uint64_t limit = write_limit(c);
		if (c->sent >= limit) {
			if (c->sent >= c->reset_at) {
				abort_connection(c);
				return -1;
			}
			if (!c->paused && c->sent >= c->pause_at) {
				c->paused = 1;
				c->st = C_PAUSE;
				c->wake_at = mono_ms() + c->resp.pause_ms;
				return 0;
			}
			return 1;
		}
		struct iovec iov[2];
		int n = 0;
		if (c->sent < c->head.len) {
			iov[n].iov_base = c->head.p + c->sent;
			iov[n++].iov_len = (size_t)((limit < c->head.len ? limit : c->head.len) - c->sent);
		}
		uint64_t bfrom = c->sent > c->head.len ? c->sent - c->head.len : 0;
		if (limit > c->head.len && limit - c->head.len > bfrom)
			body_iov(c, bfrom, limit - c->head.len - bfrom, &iov[n++]);
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		c->sent += (uint64_t)w;
	}
}

/* Drives the state machine as far as it can go without waiting. */
static int pump(struct conn *c, struct server *s)
{
	for (;;) {
		advance(c, s);
		if (flush_early(c) < 0)
			return -1;
		if (c->st != C_WRITE || c->early.len)
			return 0;
		int rc = write_response(c);
		if (rc <= 0)
			return rc;
		if (finish_response(c) < 0)
			return -1;
	}
}

/* Reads what is available.  -1 on EOF or error. */
static int read_some(struct conn *c)
{
	for (int i = 0; i < 16; i++) {	/* bounded, so one upload cannot starve others */
		buf_reserve(&c->in, READ_CHUNK);
		ssize_t r = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1, 0);
		if (r == 0)
			return -1;
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		c->in.len += (size_t)r;
		c->in.p[c->in.len] = 0;
	}
	return 0;
}

int conn_io(struct conn *c, struct server *s, short revents)
{
	if (revents & (POLLERR | POLLNVAL))
		return -1;
	if ((revents & (POLLIN | POLLHUP)) && c->st == C_READ && read_some(c) < 0)
		return -1;
	return pump(c, s);
}

int conn_timer(struct conn *c, struct server *s)
{
	if (conn_deadline(c) < 0 || conn_deadline(c) > mono_ms())
		return 0;
	c->st = C_WRITE;
	return pump(c, s);
}
