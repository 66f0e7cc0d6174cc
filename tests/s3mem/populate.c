/* populate.c - bulk-load objects with synthetic content from a "key<TAB>size<TAB>age" file.
 * ETags are real MD5s of the synthetic content.  Hashing each object on
 * its own costs the sum of all sizes (20 GB for 200,000 objects of up to
 * 200 kB), so objects are grouped by content stream (seed) and each
 * stream is hashed once, taking a snapshot of the MD5 state at every
 * object size along the way: at most 256 x the largest size. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include "populate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "codec.h"
#include "digest.h"

#define MAX_KEY 1024
#define CHUNK (64 * 1024)

/* An object whose ETag is still to be computed. */
struct pending {
	struct entry *e;
	uint64_t size;
	uint8_t seed;
};

struct pending_list {
	struct pending *v;
	size_t n, cap;
};

static void pending_add(struct pending_list *l, struct entry *e)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 4096;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v)
			abort();
	}
	l->v[l->n].e = e;
	l->v[l->n].size = e->obj.size;
	l->v[l->n++].seed = e->obj.seed;
}

static int pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	if (x->seed != y->seed)
		return x->seed < y->seed ? -1 : 1;
	return (x->size > y->size) - (x->size < y->size);
}

/* Hashes one seed's stream up to the largest size in v[i..], handing out
 * ETags on the way.  Returns the index after the group. */
static size_t etag_group(struct pending *v, size_t i, size_t n)
{
	static unsigned char chunk[CHUNK + 256];
	uint8_t seed = v[i].seed;
	unsigned char d[16];
	uint64_t pos = 0;
	struct md5 m;
	synth_fill(seed, 0, chunk, sizeof chunk);
	md5_init(&m);
	for (; i < n && v[i].seed == seed; i++) {
		while (pos < v[i].size) {
			/* Content has period 256, so chunk + pos%256 continues the stream. */
			size_t k = v[i].size - pos < CHUNK ? (size_t)(v[i].size - pos) : CHUNK;
			md5_update(&m, chunk + (pos & 255), k);
			pos += k;
		}
		struct obj *o = &v[i].e->obj;
		/* A key listed twice keeps its last size: skip stale entries. */
		if (o->size == v[i].size && o->seed == seed && !o->data) {
			md5_peek(&m, d);
			hex_lower(d, 16, o->etag);
		}
	}
	md5_final(&m, d);
	return i;
}

static void compute_etags(struct pending_list *l)
{
	qsort(l->v, l->n, sizeof *l->v, pending_cmp);
	for (size_t i = 0; i < l->n; )
		i = etag_group(l->v, i, l->n);
}

static int parse_int(const char *s, size_t n, int allow_neg, long long *out)
{
	char tmp[32];
	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *end;
	if (!((tmp[0] >= '0' && tmp[0] <= '9') || (allow_neg && tmp[0] == '-')))
		return -1;
	long long v = strtoll(tmp, &end, 10);
	if (*end || (!allow_neg && v < 0))
		return -1;
	*out = v;
	return 0;
}

/* Loads one line (without its newline).  Returns 0 or -1 with *why set. */
static int load_line(struct bucket *b, char *line, size_t len, time_t now, struct buf *key,
		     struct pending_list *todo, const char **why)
{
	char *f[4];
	size_t fl[4], nf = 0;
	for (char *p = line, *end = line + len; nf < 4; ) {
		char *tab = memchr(p, '\t', (size_t)(end - p));
		f[nf] = p;
		fl[nf++] = (size_t)((tab ? tab : end) - p);
		if (!tab)
			break;
		p = tab + 1;
	}
	long long size = 0, age = 0;
	key->len = 0;
	*why = "too many fields";
	if (nf > 3)
		return -1;
	*why = "bad escape in key";
	if (rec_decode(f[0], fl[0], key) < 0)
		return -1;
	*why = "key is empty or longer than 1024 bytes";
	if (key->len == 0 || key->len > MAX_KEY)
		return -1;
	*why = "bad size";
	if (nf > 1 && parse_int(f[1], fl[1], 0, &size) < 0)
		return -1;
	*why = "bad age";
	if (nf > 2 && parse_int(f[2], fl[2], 1, &age) < 0)
		return -1;
	int created;
	struct entry *e = bucket_put(b, key->p, key->len, &created);
	obj_clear(&e->obj);
	e->obj.size = (uint64_t)size;
	e->obj.mtime = now - (time_t)age;
	e->obj.seed = synth_seed(key->p, key->len);
	pending_add(todo, e);
	return 0;
}

int populate_file(struct bucket *b, const char *path, struct buf *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		buf_printf(err, "cannot open '%s'", path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int rc = 0;
	time_t now = server_now();
	struct buf key = BUF_INIT;
	struct pending_list todo = { NULL, 0, 0 };
	buf_reserve(&key, MAX_KEY * 3);
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		/* A raw CR cannot be part of a record (it would be %0D): drop CRLF. */
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		const char *why;
		if (n == 0)
			continue;
		if (load_line(b, line, (size_t)n, now, &key, &todo, &why) < 0) {
			buf_printf(err, "%s:%ld: %s", path, lineno, why);
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		buf_printf(err, "cannot read '%s'", path);
		rc = -1;
	}
	if (rc == 0) {
		compute_etags(&todo);
		bucket_compact(b);
	}
	free(todo.v);
	free(line);
	buf_free(&key);
	fclose(f);
	return rc;
}
