/*
 * s3list.c: the listing engine. The key space is cut into ranges
 * (lo, hi]; each range is listed page by page with continuation tokens, up
 * to `jobs` requests in flight on the curl multi interface. A worker with
 * nothing to do splits the range with the most estimated work left.
 * Records go out in key order: the first unfinished range (the head)
 * writes straight through; later ranges hold theirs until they become the
 * head, and stop asking for pages while they hold too much.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"
#include "log.h"
#include "rec.h"
#include "s3list.h"
#include "timefmt.h"
#include "xml.h"

#define DEFAULT_BUFFER (32u << 20)

struct range {
	struct range *next;
	struct buf lo;          /* listed up to here; the next page starts after it */
	struct buf hi;          /* last key that belongs here, if has_hi */
	int has_hi;
	struct buf token;       /* continuation token; empty: start after lo */
	struct buf first, last; /* the last page's first and last keys */
	struct buf out;         /* records not yet written */
	int done, busy, nosplit;
	unsigned pages, gen;
};

struct slot {
	struct http_xfer x;     /* first: a transfer's address is its slot's */
	struct list_page pg;
	struct s3gc_err perr;   /* why the body was refused */
	struct range *r;
	int in_multi, waiting;
};
_Static_assert(offsetof(struct slot, x) == 0, "finish() casts a transfer to its slot");

struct lister {
	const struct s3_client *c;
	const struct s3list_opts *o;
	CURLM *multi;
	struct slot *slots;
	int nslots;
	struct range *head;
	struct ks_alpha alpha;  /* what keys look like, learnt from the pages */
	unsigned nranges;
	size_t buffered, buffer_max;
	s3list_out_fn out;
	void *arg;
	struct s3list_stats *st;
	struct buf what, url;
	struct s3gc_err fatal;
	int failed;
	long long idle_ms;      /* slot time spent with nothing to do (for -vv) */
	long long last_ms;
};

static struct range *range_new(void)
{
	return calloc(1, sizeof(struct range));
}

static void range_free(struct range *r)
{
	buf_release(&r->lo);
	buf_release(&r->hi);
	buf_release(&r->token);
	buf_release(&r->first);
	buf_release(&r->last);
	buf_release(&r->out);
	free(r);
}

static int set_buf(struct buf *b, const char *p, size_t n, struct s3gc_err *e)
{
	buf_reset(b);
	return buf_add(b, p, n, e);
}

static int on_body(void *arg, const char *p, size_t n)
{
	struct slot *s = arg;

	if (s->perr.cls != S3GC_OK)
		return -1;
	return list_page_feed(&s->pg, p, n, &s->perr);
}

static int start(struct lister *l, struct slot *s, struct s3gc_err *e)
{
	const struct s3list_opts *o = l->o;
	struct range *r = s->r;
	struct sigv4_param p[6];
	size_t np = 0;
	char mk[16];
	struct curl_slist *h = NULL;

#define PARAM(n, v, vl) p[np++] = (struct sigv4_param){ n, strlen(n), v, vl }
	PARAM("list-type", "2", 1);
	PARAM("encoding-type", "url", 3);
	if (o->max_keys > 0) {
		snprintf(mk, sizeof(mk), "%d", o->max_keys);
		PARAM("max-keys", mk, strlen(mk));
	}
	if (o->prefix && *o->prefix)
		PARAM("prefix", o->prefix, strlen(o->prefix));
	if (r->token.len)
		PARAM("continuation-token", r->token.data, r->token.len);
	else if (r->lo.len)
		PARAM("start-after", r->lo.data, r->lo.len);
#undef PARAM
	if (s3_build(l->c, "GET", NULL, 0, p, np, NULL, &l->url, &h, e) < 0)
		return -1;
	if (http_xfer_prepare(&s->x, "GET", l->url.data, h, on_body, s, e) < 0 ||
	    list_page_begin(&s->pg, e) < 0)
		return -1;
	err_clear(&s->perr);
	if (curl_multi_add_handle(l->multi, s->x.easy) != CURLM_OK)
		return err_set(e, S3GC_E_INTERNAL, 0, "cannot start a transfer");
	s->in_multi = 1;
	s->waiting = 0;
	s->x.attempt++;
	return 0;
}

static int emit(struct lister *l, struct range *r, struct s3gc_err *e)
{
	size_t n = r->out.len;

	if (n && l->out(l->arg, r->out.data, n, e) < 0)
		return -1;
	l->buffered -= n;
	buf_reset(&r->out);
	return 0;
}

/* Check the whole page first: nothing of a bad page is used. */
static int page_check(struct lister *l, const struct range *r,
		      const struct list_page *pg, struct s3gc_err *e)
{
	const char *prev = r->lo.data;
	size_t prevlen = r->lo.len;
	const char *pfx = l->o->prefix ? l->o->prefix : "";
	size_t pfxlen = strlen(pfx);

	for (size_t i = 0; i < pg->n; i++) {
		const char *k = list_page_key(pg, i);
		size_t kn = pg->ent[i].key_len;

		if (prev && ks_cmp(k, kn, prev, prevlen) <= 0)
			return err_set(e, S3GC_E_S3, 0,
				       "listing out of order at entry %zu of a page", i + 1);
		if (kn < pfxlen || memcmp(k, pfx, pfxlen) != 0)
			return err_set(e, S3GC_E_S3, 0,
				       "listing returned a key outside prefix '%s'", pfx);
		prev = k;
		prevlen = kn;
	}
	/* The same token back would list the same page forever. */
	if (pg->is_truncated && r->token.len && pg->next_token.len == r->token.len &&
	    !memcmp(pg->next_token.data, r->token.data, r->token.len))
		return err_set(e, S3GC_E_S3, 0, "listing returned the continuation token it was given");
	return 0;
}

static int page_commit(struct lister *l, struct range *r,
		       const struct list_page *pg, struct s3gc_err *e)
{
	size_t before = r->out.len, i;

	for (i = 0; i < pg->n; i++) {
		const struct list_entry *en = &pg->ent[i];
		struct obj o = { list_page_key(pg, i), en->key_len, 1, en->size,
				 en->mtime, "", NULL, 0 };

		if (r->has_hi && ks_cmp(o.key, o.key_len, r->hi.data, r->hi.len) > 0) {
			r->done = 1;
			break;
		}
		memcpy(o.etag, en->etag, sizeof(o.etag));
		if (en->storage_class[0]) {
			o.storage_class = en->storage_class;
			o.storage_class_len = strlen(en->storage_class);
		}
		if (obj_format(&r->out, &o, e) < 0)
			return -1;
		if (l->nslots > 1)
			ks_alpha_add(&l->alpha, o.key, o.key_len);
	}
	l->st->keys += i;
	l->st->pages++;
	l->buffered += r->out.len - before;
	if (i > 0 && set_buf(&r->lo, list_page_key(pg, i - 1), pg->ent[i - 1].key_len, e) < 0)
		return -1;
	if (pg->n >= 2) {
		if (set_buf(&r->first, list_page_key(pg, 0), pg->ent[0].key_len, e) < 0 ||
		    set_buf(&r->last, list_page_key(pg, pg->n - 1), pg->ent[pg->n - 1].key_len, e) < 0)
			return -1;
		r->nosplit = 0;
	}
	r->pages++;
	if (!pg->is_truncated)
		r->done = 1;
	if (set_buf(&r->token, pg->next_token.data, pg->next_token.len, e) < 0)
		return -1;
	return r == l->head ? emit(l, r, e) : 0;
}

static void fail(struct lister *l, const struct s3gc_err *e)
{
	if (!l->failed) {
		l->fatal = *e;
		l->failed = 1;
	}
}

static void finish(struct lister *l, struct slot *s, CURLcode rc)
{
	struct s3gc_err e;
	enum s3_verdict v;

	curl_multi_remove_handle(l->multi, s->x.easy);
	s->in_multi = 0;
	if (rc == CURLE_OK && s->x.status / 100 == 2 && s->perr.cls == S3GC_OK)
		list_page_end(&s->pg, &s->perr);
	if (!l->st->server_date && s->x.date)
		l->st->server_date = s->x.date;
	v = s3_judge(&s->x, rc, s->perr.cls != S3GC_OK ? &s->perr : NULL,
		     l->what.data, &e);
	if (v == S3_DONE && s->pg.kind == XML_DOC_ERROR)
		v = s3_judge_code(s->pg.err_code, s->pg.err_msg, s->pg.err_request_id,
				  s->x.status, l->what.data, &e);
	if (v == S3_DONE && page_check(l, s->r, &s->pg, &e) < 0) {
		err_prefix(&e, "%s", l->what.data);
		v = S3_RETRY;
	}
	if (v == S3_DONE) {
		if (page_commit(l, s->r, &s->pg, &e) < 0)
			fail(l, &e);
		s->r->busy = 0;
		s->r = NULL;
		s->x.attempt = 0;
		return;
	}
	if (v == S3_RETRY && s->x.attempt < l->c->policy.max_attempts) {
		long ms = http_backoff_ms(&l->c->policy, s->x.attempt, s->x.retry_after);

		log_msg(LOG_INFO, "%s; trying again in %ld ms (%d of %d)", e.msg, ms,
			s->x.attempt + 1, l->c->policy.max_attempts);
		l->st->retries++;
		s->waiting = 1;
		s->x.not_before_ms = time_mono_ms() + ms;
		return;
	}
	if (v == S3_RETRY)
		err_prefix(&e, "giving up after %d tries", s->x.attempt);
	fail(l, &e);
}

/* Only the head may go on while the records held reach the cap. */
static int paused(const struct lister *l, const struct range *r)
{
	return r != l->head && l->buffered >= l->buffer_max;
}

static struct range *pick(struct lister *l)
{
	for (struct range *r = l->head; r; r = r->next)
		if (!r->done && !r->busy && !paused(l, r))
			return r;
	return NULL;
}

/* Split the range with the most work left; the new right part is returned. */
static struct range *split(struct lister *l, struct s3gc_err *e)
{
	struct range *best = NULL, *nr;
	double best_est = 1.5;
	struct buf b = BUF_INIT;
	int ok;

	unsigned live = 0;

	if (l->buffered >= l->buffer_max / 2)
		return NULL;
	for (struct range *r = l->head; r; r = r->next)
		live += !r->done;
	if (live >= 4 * (unsigned)l->nslots)
		return NULL;
	for (struct range *r = l->head; r; r = r->next) {
		double est;

		if (r->done || r->nosplit || !r->first.len)
			continue;
		est = ks_pages_between(&l->alpha, r->lo.data, r->lo.len, r->has_hi ? r->hi.data : NULL,
				       r->hi.len, r->first.data, r->first.len,
				       r->last.data, r->last.len) - (r->busy ? 1 : 0);
		if (est > best_est) {
			best = r;
			best_est = est;
		}
	}
	if (!best)
		return NULL;
	ok = ks_split(&l->alpha, best->lo.data ? best->lo.data : "", best->lo.len,
		      best->has_hi ? best->hi.data : NULL, best->hi.len,
		      best->first.data, best->first.len, best->last.data,
		      best->last.len, 1u << (best->gen < 20 ? best->gen + 1 : 20), &b, e);
	if (ok <= 0 || !(nr = range_new())) {
		log_msg(LOG_DEBUG, "cannot split after '%.*s' (%.0f pages estimated)",
			(int)best->lo.len, best->lo.data ? best->lo.data : "", best_est);
		best->nosplit = 1;
		buf_release(&b);
		return NULL;
	}
	nr->lo = b;
	if (best->has_hi && set_buf(&nr->hi, best->hi.data, best->hi.len, e) < 0)
		goto oom;
	nr->has_hi = best->has_hi;
	nr->gen = best->has_hi ? best->gen : best->gen + 1;
	best->gen = nr->gen;
	if (set_buf(&nr->first, best->first.data, best->first.len, e) < 0 ||
	    set_buf(&nr->last, best->last.data, best->last.len, e) < 0 ||
	    set_buf(&best->hi, b.data, b.len, e) < 0)
		goto oom;
	best->has_hi = 1;
	nr->next = best->next;
	best->next = nr;
	log_msg(LOG_DEBUG, "split at '%.*s' (%.0f pages estimated)", (int)b.len,
		b.data, best_est);
	l->nranges++;
	l->st->ranges++;
	return nr;
oom:
	range_free(nr);
	return NULL;
}

static int advance(struct lister *l, struct s3gc_err *e)
{
	while (l->head) {
		struct range *r = l->head;

		if (emit(l, r, e) < 0)
			return -1;
		if (!r->done)
			break;
		l->head = r->next;
		range_free(r);
		l->nranges--;
	}
	return 0;
}

static int assign(struct lister *l, struct s3gc_err *e)
{
	for (int i = 0; i < l->nslots; i++) {
		struct slot *s = &l->slots[i];

		if (s->r)
			continue;
		s->r = pick(l);
		if (!s->r)
			s->r = split(l, e);
		if (!s->r)
			return 0;
		s->r->busy = 1;
		s->x.attempt = 0;
		if (start(l, s, e) < 0)
			return -1;
	}
	return 0;
}

/* Start the retries that are due; the time to wait for the next one. */
static long due(struct lister *l, struct s3gc_err *e)
{
	long long now = time_mono_ms();
	long wait = 1000;

	for (int i = 0; i < l->nslots; i++) {
		struct slot *s = &l->slots[i];

		if (!s->waiting)
			continue;
		if (s->x.not_before_ms <= now) {
			if (start(l, s, e) < 0)
				return -1;
		} else if (s->x.not_before_ms - now < wait) {
			wait = (long)(s->x.not_before_ms - now);
		}
	}
	return wait;
}

static int loop(struct lister *l, struct s3gc_err *e)
{
	int running;
	long wait;
	CURLMsg *m;

	while (!l->failed) {
		if (advance(l, e) < 0)
			return -1;
		if (!l->head) {
			log_msg(LOG_DEBUG, "slots were idle for %lld ms in all", l->idle_ms);
			return 0;
		}
		if (assign(l, e) < 0 || (wait = due(l, e)) < 0)
			return -1;
		if (log_enabled(LOG_DEBUG)) {
			long long now = time_mono_ms();

			for (int i = 0; i < l->nslots; i++)
				l->idle_ms += l->slots[i].r ? 0 : now - l->last_ms;
			l->last_ms = now;
		}
		if (curl_multi_poll(l->multi, NULL, 0, (int)wait, NULL) != CURLM_OK ||
		    curl_multi_perform(l->multi, &running) != CURLM_OK)
			return err_set(e, S3GC_E_INTERNAL, 0, "curl multi interface failed");
		while ((m = curl_multi_info_read(l->multi, &running))) {
			struct http_xfer *x;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			finish(l, (struct slot *)x, m->data.result);
		}
	}
	*e = l->fatal;
	return -1;
}

static int setup(struct lister *l, struct s3gc_err *e)
{
	const struct s3list_opts *o = l->o;

	l->nslots = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs;
	l->buffer_max = o->buffer_max ? o->buffer_max : DEFAULT_BUFFER;
	l->multi = curl_multi_init();
	l->slots = calloc((size_t)l->nslots, sizeof(*l->slots));
	l->head = range_new();
	if (!l->multi || !l->slots || !l->head)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot set up the listing");
	l->nranges = 1;
	l->st->ranges = 1;
	l->last_ms = time_mono_ms();
	curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)l->nslots);
	for (int i = 0; i < l->nslots; i++) {
		if (http_xfer_init(&l->slots[i].x, &l->c->policy, e) < 0 ||
		    list_page_init(&l->slots[i].pg, e) < 0)
			return -1;
	}
	if (o->start_after && set_buf(&l->head->lo, o->start_after, strlen(o->start_after), e) < 0)
		return -1;
	return buf_addf(&l->what, e, "list 's3://%s/%s'", l->c->bucket,
			o->prefix ? o->prefix : "");
}

int s3list_run(const struct s3_client *c, const struct s3list_opts *o,
	       s3list_out_fn out, void *arg, struct s3list_stats *st,
	       struct s3gc_err *e)
{
	struct lister l;
	int rc;

	memset(&l, 0, sizeof(l));
	memset(st, 0, sizeof(*st));
	ks_alpha_init(&l.alpha);
	l.c = c;
	l.o = o;
	l.out = out;
	l.arg = arg;
	l.st = st;
	rc = setup(&l, e);
	if (rc == 0)
		rc = loop(&l, e);
	for (int i = 0; l.slots && i < l.nslots; i++) {
		if (l.slots[i].in_multi)
			curl_multi_remove_handle(l.multi, l.slots[i].x.easy);
		http_xfer_release(&l.slots[i].x);
		list_page_release(&l.slots[i].pg);
	}
	while (l.head) {
		struct range *r = l.head;

		l.head = r->next;
		range_free(r);
	}
	free(l.slots);
	if (l.multi)
		curl_multi_cleanup(l.multi);
	buf_release(&l.what);
	buf_release(&l.url);
	return rc;
}
