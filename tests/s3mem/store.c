/* store.c - buckets as skip lists of objects, in memcmp order of keys, plus
 * synthetic content.  A skip list gives O(log n) insert, delete and seek,
 * and a listing page is a seek followed by a walk along level 0. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define MAX_LEVEL STORE_MAX_LEVEL

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("s3mem: out of memory\n", stderr);
		abort();
	}
	return p;
}

struct blob *blob_new(const void *p, size_t len)
{
	struct blob *b = xmalloc(sizeof *b + len);
	b->refs = 1;
	b->len = len;
	if (len && p)
		memcpy(b->data, p, len);
	return b;
}

struct blob *blob_ref(struct blob *b)
{
	b->refs++;
	return b;
}

void blob_unref(struct blob *b)
{
	if (b && --b->refs == 0)
		free(b);
}

void obj_clear(struct obj *o)
{
	blob_unref(o->data);
	free(o->ctype);
	free(o->hdrs);
	memset(o, 0, sizeof *o);
}

static int keycmp(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);
	if (c)
		return c;
	return al < bl ? -1 : al > bl;
}

static unsigned random_level(void)
{
	/* xorshift: deterministic runs make benchmark numbers comparable. */
	static uint64_t x = 0x9E3779B97F4A7C15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	unsigned lvl = 1;
	uint64_t r = x;
	while (lvl < MAX_LEVEL && (r & 3) == 0) {	/* p = 1/4 */
		lvl++;
		r >>= 2;
	}
	return lvl;
}

/* Walks down to the last entry < key on every level (stored in upd, if
 * given) and returns the first entry >= key. */
static struct entry *find_ge(struct bucket *b, const char *key, size_t klen,
			     struct entry **upd)
{
	struct entry *x = b->head;
	for (int i = (int)b->level - 1; i >= 0; i--) {
		struct entry *n;
		while ((n = x->next[i]) && keycmp(n->key, n->klen, key, klen) < 0)
			x = n;
		if (upd)
			upd[i] = x;
	}
	return x->next[0];
}

static struct bucket *bucket_new(const char *name, time_t now)
{
	struct bucket *b = xmalloc(sizeof *b);
	b->name = strdup(name);
	b->created = now;
	b->count = 0;
	b->level = 1;
	b->head = xmalloc(sizeof *b->head + MAX_LEVEL * sizeof(struct entry *));
	memset(b->head, 0, sizeof *b->head + MAX_LEVEL * sizeof(struct entry *));
	b->head->key = "";
	b->head->level = MAX_LEVEL;
	for (unsigned i = 0; i < MAX_LEVEL; i++)
		b->tail[i] = b->head;
	if (!b->name) {
		fputs("s3mem: out of memory\n", stderr);
		abort();
	}
	return b;
}

static void bucket_free(struct bucket *b)
{
	struct entry *e = b->head->next[0];
	while (e) {
		struct entry *n = e->next[0];
		obj_clear(&e->obj);
		free(e);
		e = n;
	}
	free(b->head);
	free(b->name);
	free(b);
}

struct entry *bucket_get(struct bucket *b, const char *key, size_t klen)
{
	struct entry *e = find_ge(b, key, klen, NULL);
	return e && keycmp(e->key, e->klen, key, klen) == 0 ? e : NULL;
}

struct entry *bucket_seek(struct bucket *b, const char *key, size_t klen)
{
	return find_ge(b, key ? key : "", key ? klen : 0, NULL);
}

struct entry *bucket_put(struct bucket *b, const char *key, size_t klen, int *created)
{
	struct entry *upd[MAX_LEVEL], *e, *last = b->tail[0];
	if (last != b->head && keycmp(key, klen, last->key, last->klen) > 0) {
		memcpy(upd, b->tail, sizeof upd);	/* appending */
	} else {
		e = find_ge(b, key, klen, upd);
		if (e && keycmp(e->key, e->klen, key, klen) == 0) {
			*created = 0;
			return e;
		}
	}
	unsigned lvl = random_level();
	for (unsigned i = b->level; i < lvl; i++)
		upd[i] = b->head;
	if (lvl > b->level)
		b->level = lvl;
	size_t ptrs = lvl * sizeof(struct entry *);
	e = xmalloc(sizeof *e + ptrs + klen + 1);
	memset(e, 0, sizeof *e);
	char *k = (char *)e->next + ptrs;
	memcpy(k, key, klen);
	k[klen] = 0;
	e->key = k;
	e->klen = klen;
	e->level = lvl;
	for (unsigned i = 0; i < lvl; i++) {
		e->next[i] = upd[i]->next[i];
		upd[i]->next[i] = e;
		if (!e->next[i])
			b->tail[i] = e;
	}
	b->count++;
	*created = 1;
	return e;
}

int bucket_del(struct bucket *b, const char *key, size_t klen)
{
	struct entry *upd[MAX_LEVEL];
	struct entry *e = find_ge(b, key, klen, upd);
	if (!e || keycmp(e->key, e->klen, key, klen) != 0)
		return 0;
	for (unsigned i = 0; i < e->level; i++) {
		if (upd[i]->next[i] == e)
			upd[i]->next[i] = e->next[i];
		if (b->tail[i] == e)
			b->tail[i] = upd[i];
	}
	while (b->level > 1 && !b->head->next[b->level - 1])
		b->level--;
	obj_clear(&e->obj);
	free(e);
	b->count--;
	return 1;
}

/* A copy of e (owning e's content) with the same level, unlinked. */
static struct entry *entry_move(struct entry *e)
{
	size_t ptrs = e->level * sizeof(struct entry *);
	struct entry *n = xmalloc(sizeof *n + ptrs + e->klen + 1);
	*n = *e;
	char *k = (char *)n->next + ptrs;
	memcpy(k, e->key, e->klen + 1);
	n->key = k;
	return n;
}

/* Are neighbours in key order mostly neighbours in memory already (a
 * sorted load, give or take the odd recycled chunk)?  Then copying would
 * only cost memory. */
static int mostly_local(const struct bucket *b)
{
	size_t far = 0;
	for (const struct entry *e = b->head->next[0]; e && e->next[0]; e = e->next[0]) {
		uintptr_t a = (uintptr_t)e, n = (uintptr_t)e->next[0];
		far += (n > a ? n - a : a - n) > 1024;
	}
	return far <= b->count / 100;
}

void bucket_compact(struct bucket *b)
{
	struct entry *last[MAX_LEVEL], *old = b->head->next[0];
	if (mostly_local(b))
		return;
	for (unsigned i = 0; i < MAX_LEVEL; i++)
		last[i] = b->head;
	/* Allocate every copy before freeing any original, so malloc hands
	 * out fresh, ascending memory instead of recycling scattered holes. */
	for (struct entry *e = old; e; e = e->next[0]) {
		struct entry *n = entry_move(e);
		for (unsigned i = 0; i < n->level; i++) {
			last[i]->next[i] = n;
			last[i] = n;
		}
	}
	for (unsigned i = 0; i < MAX_LEVEL; i++) {
		last[i]->next[i] = NULL;
		b->tail[i] = last[i];
	}
	while (old) {
		struct entry *next = old->next[0];
		free(old);	/* its content now belongs to the copy */
		old = next;
	}
}

void store_free(struct store *s)
{
	for (size_t i = 0; i < s->n; i++)
		bucket_free(s->b[i]);
	free(s->b);
	s->b = NULL;
	s->n = 0;
}

struct bucket *store_bucket(struct store *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->b[i]->name, name))
			return s->b[i];
	return NULL;
}

struct bucket *store_add_bucket(struct store *s, const char *name, time_t now)
{
	struct bucket *b = store_bucket(s, name);
	if (b)
		return b;
	struct bucket **nb = realloc(s->b, (s->n + 1) * sizeof *nb);
	if (!nb) {
		fputs("s3mem: out of memory\n", stderr);
		abort();
	}
	s->b = nb;
	/* Kept sorted by name: ListBuckets returns them that way. */
	size_t i = s->n;
	while (i > 0 && strcmp(s->b[i - 1]->name, name) > 0) {
		s->b[i] = s->b[i - 1];
		i--;
	}
	s->b[i] = b = bucket_new(name, now);
	s->n++;
	return b;
}

int store_del_bucket(struct store *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->b[i]->name, name)) {
			bucket_free(s->b[i]);
			memmove(s->b + i, s->b + i + 1, (s->n - i - 1) * sizeof *s->b);
			s->n--;
			return 0;
		}
	return -1;
}

size_t store_objects(const struct store *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += s->b[i]->count;
	return n;
}

uint8_t synth_seed(const char *key, size_t klen)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < klen; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return (uint8_t)(h ^ h >> 8 ^ h >> 16 ^ h >> 24);
}

void synth_fill(uint8_t seed, uint64_t off, unsigned char *out, size_t n)
{
	unsigned char c = (unsigned char)(off * 31 + seed);
	for (size_t i = 0; i < n; i++, c += 31)
		out[i] = c;
}
