/* control.c - the /_s3mem/ endpoints tests use to read statistics and script faults and latency. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

static void stats_json(struct server *s, struct resp *resp)
{
	const struct stats *st = &s->st;
	struct buf b = BUF_INIT;
	buf_printf(&b, "{\"requests\":%llu,\"list\":%llu,\"get\":%llu,\"head\":%llu,"
		   "\"put\":%llu,\"delete\":%llu,\"deleteobjects\":%llu,\"objects\":%zu,"
		   "\"faults_fired\":%llu,\"busy_us\":%llu,\"peak_delayed\":%llu,"
		   "\"mpu_create\":%llu,\"mpu_part\":%llu,\"mpu_complete\":%llu,"
		   "\"mpu_abort\":%llu,\"open_uploads\":%zu}\n",
		   (unsigned long long)st->requests, (unsigned long long)st->list,
		   (unsigned long long)st->get, (unsigned long long)st->head,
		   (unsigned long long)st->put, (unsigned long long)st->del,
		   (unsigned long long)st->delobj, store_objects(&s->store),
		   (unsigned long long)st->faults_fired, (unsigned long long)st->busy_us,
		   (unsigned long long)st->peak_delayed, (unsigned long long)st->mpu_create,
		   (unsigned long long)st->mpu_part, (unsigned long long)st->mpu_complete,
		   (unsigned long long)st->mpu_abort, s->mpu.n);
	resp_text(resp, 200, "application/json", b.p);
	buf_free(&b);
}

static void set_faults(struct server *s, struct req *r, struct resp *resp)
{
	struct buf err = BUF_INIT;
	if (faults_parse(r->body ? r->body : "", r->blen, &s->faults, &err) < 0) {
		resp_text(resp, 400, "text/plain", err.p);
	} else {
		buf_printf(&err, "ok %zu rules\n", s->faults.n);
		resp_text(resp, 200, "text/plain", err.p);
	}
	buf_free(&err);
}

static void set_latency(struct server *s, struct req *r, struct resp *resp)
{
	const char *ms = req_param(r, "ms", NULL);
	char *end = "";
	long v = ms && *ms >= '0' && *ms <= '9' ? strtol(ms, &end, 10) : -1;
	if (v < 0 || *end) {
		resp_text(resp, 400, "text/plain", "latency needs ms=N\n");
		return;
	}
	s->latency_ms = v;
	resp_text(resp, 200, "text/plain", "ok\n");
}

void control_handle(struct server *s, struct req *r, struct resp *resp)
{
	const char *what = r->path + strlen("/_s3mem/");
	int get = !strcmp(r->method, "GET"), post = !strcmp(r->method, "POST") ||
						     !strcmp(r->method, "PUT");
	if (get && !strcmp(what, "stats")) {
		stats_json(s, resp);
	} else if (get && !strcmp(what, "faults")) {
		struct buf b = BUF_INIT;
		buf_adds(&b, "");	/* so an empty rule set is "" rather than NULL */
		faults_describe(&s->faults, &b);
		resp_text(resp, 200, "text/plain", b.p);
		buf_free(&b);
	} else if (post && !strcmp(what, "faults")) {
		set_faults(s, r, resp);
	} else if (post && !strcmp(what, "reset-stats")) {
		memset(&s->st, 0, sizeof s->st);
		resp_text(resp, 200, "text/plain", "ok\n");
	} else if (post && !strcmp(what, "latency")) {
		set_latency(s, r, resp);
	} else {
		resp_text(resp, 404, "text/plain",
			  "unknown control endpoint; try GET stats, GET/POST faults, "
			  "POST reset-stats, POST latency?ms=N\n");
	}
}
