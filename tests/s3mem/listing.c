/* listing.c - ListObjects (v1 and v2) and ListBuckets: page selection and S3's XML.
 * This is the benchmark hot path, so items point into the store instead of
 * being copied, and the XML writer avoids printf. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "codec.h"
#include "handlers.h"

#define MAX_KEYS 1000
#define ADDLIT(b, s) buf_add((b), (s), sizeof(s) - 1)
#define S3NS "http://s3.amazonaws.com/doc/2006-03-01/"

struct listq {
	const char *prefix, *delim, *start;
	size_t plen, dlen, slen;	/* dlen 0: no delimiter */
	int has_start, inclusive;	/* inclusive: continuation token */
	size_t max;
	int url;			/* encoding-type=url */
};

/* A page item: a key, or a common prefix (the first klen bytes of a key). */
struct item {
	const char *key;
	size_t klen;
	const struct obj *obj;	/* NULL for a common prefix */
};

struct page {
	struct item it[MAX_KEYS];
	size_t n;
	int truncated;
	const struct entry *next;	/* first entry of the next page */
};

static int has_prefix(const struct entry *e, const struct listq *q)
{
	return e->klen >= q->plen && !memcmp(e->key, q->prefix, q->plen);
}

/* The first entry after every key that starts with p[0..n). */
static struct entry *seek_past(struct bucket *b, const char *p, size_t n)
{
	while (n && (unsigned char)p[n - 1] == 0xFF)
		n--;
	if (!n)
		return NULL;
	char *tmp = malloc(n);
	if (!tmp)
		abort();
	memcpy(tmp, p, n);
	tmp[n - 1]++;
	struct entry *e = bucket_seek(b, tmp, n);
	free(tmp);
	return e;
}

/* Length of key's common prefix under q (prefix + up to the delimiter), or 0. */
static size_t common_prefix(const char *key, size_t klen, const struct listq *q)
{
	if (!q->dlen || klen < q->plen)
		return 0;
	const char *d = memmem(key + q->plen, klen - q->plen, q->delim, q->dlen);
	return d ? (size_t)(d - key) + q->dlen : 0;
}

static int bytecmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	return c ? c : (al > bl) - (al < bl);
}

static struct entry *first_entry(struct bucket *b, const struct listq *q)
{
	if (!q->has_start || bytecmp(q->start, q->slen, q->prefix, q->plen) < 0)
		return bucket_seek(b, q->prefix, q->plen);
	if (q->inclusive)
		return bucket_seek(b, q->start, q->slen);
	/* A start that is itself a common prefix (a v1 NextMarker) was
	 * returned whole: skip every key under it. */
	if (q->dlen && !memcmp(q->start, q->prefix, q->plen) &&
	    common_prefix(q->start, q->slen, q) == q->slen)
		return seek_past(b, q->start, q->slen);
	struct entry *e = bucket_seek(b, q->start, q->slen);
	if (e && e->klen == q->slen && !memcmp(e->key, q->start, q->slen))
		e = entry_next(e);
	return e;
}

static void collect(struct bucket *b, const struct listq *q, struct page *pg)
{
	pg->n = 0;
	pg->truncated = 0;
	pg->next = NULL;
	if (q->max == 0)
		return;	/* S3 answers max-keys=0 with an empty, untruncated page */
	struct entry *e = first_entry(b, q);
	while (e && has_prefix(e, q)) {
		if (pg->n == q->max) {
			pg->truncated = 1;
			pg->next = e;
			return;
		}
		size_t cp = common_prefix(e->key, e->klen, q);
		struct item *it = &pg->it[pg->n++];
		it->key = e->key;
		it->klen = cp ? cp : e->klen;
		it->obj = cp ? NULL : &e->obj;
		e = cp ? seek_past(b, e->key, cp) : entry_next(e);
	}
}

static void unsort(struct page *pg)
{
	struct item *first = NULL;
	for (size_t i = 0; i < pg->n; i++) {
		if (!pg->it[i].obj)
			continue;
		if (!first) {
			first = &pg->it[i];
			continue;
		}
		struct item t = *first;
		*first = pg->it[i];
		pg->it[i] = t;
		return;
	}
}

static void add_enc(struct buf *b, const char *p, size_t n, int url)
{
	if (url)
		buf_add_urlenc(b, p, n);
	else
		buf_add_xml(b, p, n);
}

static void add_elem(struct buf *b, const char *tag, const char *p, size_t n, int url)
{
	size_t tl = strlen(tag);
	buf_addc(b, '<');
	buf_add(b, tag, tl);
	buf_addc(b, '>');
	add_enc(b, p, n, url);
	buf_add(b, "</", 2);
	buf_add(b, tag, tl);
	buf_addc(b, '>');
}

static void add_contents(struct buf *b, const struct item *it, int url)
{
	static time_t last_t = -1;
	static char last_s[25];
	if (it->obj->mtime != last_t) {
		fmt_iso8601(it->obj->mtime, last_s);
		last_t = it->obj->mtime;
	}
	ADDLIT(b, "<Contents><Key>");
	add_enc(b, it->key, it->klen, url);
	ADDLIT(b, "</Key><LastModified>");
	buf_add(b, last_s, 24);
	ADDLIT(b, "</LastModified><ETag>&quot;");
	buf_adds(b, it->obj->etag);
	ADDLIT(b, "&quot;</ETag><Size>");
	buf_addu(b, it->obj->size);
	ADDLIT(b, "</Size><StorageClass>STANDARD</StorageClass></Contents>");
}

static void add_items(struct buf *b, const struct page *pg, int url)
{
	for (size_t i = 0; i < pg->n; i++)
		if (pg->it[i].obj)
			add_contents(b, &pg->it[i], url);
	for (size_t i = 0; i < pg->n; i++)
		if (!pg->it[i].obj) {
			ADDLIT(b, "<CommonPrefixes>");
			add_elem(b, "Prefix", pg->it[i].key, pg->it[i].klen, url);
			ADDLIT(b, "</CommonPrefixes>");
		}
}

static void add_bool(struct buf *b, const char *tag, int v)
{
	buf_printf(b, "<%s>%s</%s>", tag, v ? "true" : "false", tag);
}

static void add_num(struct buf *b, const char *tag, uint64_t v)
{
	buf_printf(b, "<%s>", tag);
	buf_addu(b, v);
	buf_printf(b, "</%s>", tag);
}

/* The elements both versions start with. */
static struct buf *begin_result(struct ctx *c, const struct listq *q, const struct page *pg)
{
	struct buf *b = resp_xml(c->resp, 200);
	buf_reserve(b, 512 + pg->n * (q->url ? 3 : 1) * 200);
	ADDLIT(b, "<ListBucketResult xmlns=\"" S3NS "\">");
	add_elem(b, "Name", c->bucket, strlen(c->bucket), 0);
	add_elem(b, "Prefix", q->prefix, q->plen, q->url);
	return b;
}

static void add_tail_params(struct buf *b, const struct listq *q, const struct page *pg)
{
	if (q->dlen)
		add_elem(b, "Delimiter", q->delim, q->dlen, q->url);
	if (q->url)
		ADDLIT(b, "<EncodingType>url</EncodingType>");
	add_bool(b, "IsTruncated", pg->truncated);
}

static void write_v2(struct ctx *c, const struct listq *q, const struct page *pg)
{
	size_t sa_len, tok_len;
	const char *sa = req_param(c->req, "start-after", &sa_len);
	const char *tok = req_param(c->req, "continuation-token", &tok_len);
	struct buf *b = begin_result(c, q, pg);
	if (sa)
		add_elem(b, "StartAfter", sa, sa_len, q->url);
	add_num(b, "KeyCount", pg->n);
	add_num(b, "MaxKeys", q->max);
	add_tail_params(b, q, pg);
	if (tok)
		add_elem(b, "ContinuationToken", tok, tok_len, 0);
	if (pg->truncated && c->plan.same_token && tok) {
		/* Fault: hand back the token we were given, as a buggy server might. */
		add_elem(b, "NextContinuationToken", tok, tok_len, 0);
	} else if (pg->truncated) {
		/* The token is the first key of the next page, so a page that
		 * ends on a common prefix resumes after all of it. */
		struct buf t = BUF_INIT;
		buf_addc(&t, 1);
		buf_add(&t, pg->next->key, pg->next->klen);
		ADDLIT(b, "<NextContinuationToken>");
		base64_encode(t.p, t.len, b);
		ADDLIT(b, "</NextContinuationToken>");
		buf_free(&t);
	}
	add_items(b, pg, q->url);
	ADDLIT(b, "</ListBucketResult>");
}

static void write_v1(struct ctx *c, const struct listq *q, const struct page *pg)
{
	struct buf *b = begin_result(c, q, pg);
	add_elem(b, "Marker", q->has_start ? q->start : "", q->has_start ? q->slen : 0, q->url);
	add_num(b, "MaxKeys", q->max);
	add_tail_params(b, q, pg);
	/* Like S3, NextMarker only with a delimiter: without one the client
	 * continues from its last key. */
	if (pg->truncated && q->dlen && pg->n)
		add_elem(b, "NextMarker", pg->it[pg->n - 1].key, pg->it[pg->n - 1].klen, q->url);
	add_items(b, pg, q->url);
	ADDLIT(b, "</ListBucketResult>");
}

static int bad_arg(struct ctx *c, const char *msg)
{
	resp_error(c->resp, 400, "InvalidArgument", msg, NULL, NULL, 0);
	return -1;
}

static int parse_max_keys(struct ctx *c, struct listq *q)
{
	const char *mk = req_param(c->req, "max-keys", NULL);
	q->max = MAX_KEYS;
	if (!mk)
		return 0;
	char *end;
	if (*mk < '0' || *mk > '9')
		return bad_arg(c, "Provided max-keys not an integer or within integer range");
	unsigned long long v = strtoull(mk, &end, 10);
	if (*end)
		return bad_arg(c, "Provided max-keys not an integer or within integer range");
	q->max = v > MAX_KEYS ? MAX_KEYS : (size_t)v;
	return 0;
}

/* Where the page starts: the token (v2), start-after (v2) or marker (v1).
 * tok receives the decoded token so q->start can point into it. */
static int parse_start(struct ctx *c, struct listq *q, int v2, struct buf *tok)
{
	size_t n;
	const char *t = v2 ? req_param(c->req, "continuation-token", &n) : NULL;
	if (t) {
		if (base64_decode(t, n, tok) < 0 || tok->len < 1 || tok->p[0] != 1)
			return bad_arg(c, "The continuation token provided is incorrect");
		q->start = tok->p + 1;
		q->slen = tok->len - 1;
		q->has_start = q->inclusive = 1;
		return 0;
	}
	q->start = req_param(c->req, v2 ? "start-after" : "marker", &q->slen);
	q->has_start = q->start != NULL;
	return 0;
}

static int parse_query(struct ctx *c, struct listq *q, int v2, struct buf *tok)
{
	memset(q, 0, sizeof *q);
	q->prefix = req_param(c->req, "prefix", &q->plen);
	if (!q->prefix)
		q->prefix = "";
	q->delim = req_param(c->req, "delimiter", &q->dlen);
	const char *enc = req_param(c->req, "encoding-type", NULL);
	if (enc && strcmp(enc, "url"))
		return bad_arg(c, "Invalid Encoding Method specified in Request");
	q->url = enc != NULL;
	if (parse_max_keys(c, q) < 0)
		return -1;
	return parse_start(c, q, v2, tok);
}

void h_list_objects(struct ctx *c, int v2)
{
	struct listq q;
	struct buf tok = BUF_INIT;
	if (!c->b) {
		err_no_bucket(c);
		return;
	}
	if (parse_query(c, &q, v2, &tok) == 0) {
		struct page *pg = malloc(sizeof *pg);
		if (!pg)
			abort();
		collect(c->b, &q, pg);
		if (c->plan.unsorted)
			unsort(pg);
		if (v2)
			write_v2(c, &q, pg);
		else
			write_v1(c, &q, pg);
		free(pg);
	}
	buf_free(&tok);
}

void h_list_buckets(struct ctx *c)
{
	struct buf *b = resp_xml(c->resp, 200);
	ADDLIT(b, "<ListAllMyBucketsResult xmlns=\"" S3NS "\"><Owner><ID>s3mem</ID>"
		  "<DisplayName>s3mem</DisplayName></Owner><Buckets>");
	for (size_t i = 0; i < c->srv->store.n; i++) {
		const struct bucket *bk = c->srv->store.b[i];
		char date[25];
		fmt_iso8601(bk->created, date);
		ADDLIT(b, "<Bucket>");
		add_elem(b, "Name", bk->name, strlen(bk->name), 0);
		add_elem(b, "CreationDate", date, 24, 0);
		ADDLIT(b, "</Bucket>");
	}
	ADDLIT(b, "</Buckets></ListAllMyBucketsResult>");
}
