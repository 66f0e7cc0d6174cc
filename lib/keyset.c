/* keyset.c: a set of byte strings in memory (see keyset.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

void keyset_init(struct keyset *s)
{
	memset(s, 0, sizeof(*s));
	buf_init(&s->arena, 0);
}

void keyset_release(struct keyset *s)
{
	buf_release(&s->arena);
	free(s->off);
	free(s->len);
	free(s->mark);
	free(s->slot);
	keyset_init(s);
}

void keyset_reset(struct keyset *s)
{
	buf_reset(&s->arena);
	s->n = 0;
	if (s->slot)
		memset(s->slot, 0, s->nslot * sizeof(*s->slot));
}

static uint64_t hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static size_t probe(const struct keyset *s, const char *k, size_t n, int *found)
{
	size_t m = s->nslot - 1, i = (size_t)hash(k, n) & m;

	for (;; i = (i + 1) & m) {
		uint32_t x = s->slot[i];

		if (!x) {
			*found = 0;
			return i;
		}
		if (s->len[x - 1] == n && !memcmp(s->arena.data + s->off[x - 1], k, n)) {
			*found = 1;
			return i;
		}
	}
}

static int grow_slots(struct keyset *s, struct s3gc_err *e)
{
	size_t nslot = s->nslot ? s->nslot * 2 : 1024;
	uint32_t *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	free(s->slot);
	s->slot = slot;
	s->nslot = nslot;
	for (size_t i = 0; i < s->n; i++) {
		int found;
		size_t j = probe(s, s->arena.data + s->off[i], s->len[i], &found);

		s->slot[j] = (uint32_t)(i + 1);
	}
	return 0;
}

static int grow_keys(struct keyset *s, struct s3gc_err *e)
{
	size_t cap = s->cap ? s->cap * 2 : 256;
	size_t *off, *len;
	unsigned char *mark;

	if (!(off = realloc(s->off, cap * sizeof(*off))))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	s->off = off;
	if (!(len = realloc(s->len, cap * sizeof(*len))))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	s->len = len;
	if (!(mark = realloc(s->mark, cap)))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	s->mark = mark;
	s->cap = cap;
	return 0;
}

int keyset_add(struct keyset *s, const char *k, size_t n, size_t *ip, struct s3gc_err *e)
{
	size_t j;
	int found;

	if (s->n >= UINT32_MAX - 1)
		return err_set(e, S3GC_E_INTERNAL, 0, "too many keys in one set");
	if ((s->n + 1) * 2 > s->nslot && grow_slots(s, e) < 0)
		return -1;
	j = probe(s, k, n, &found);
	if (found) {
		if (ip)
			*ip = s->slot[j] - 1;
		return 0;
	}
	if (s->n == s->cap && grow_keys(s, e) < 0)
		return -1;
	s->off[s->n] = s->arena.len;
	s->len[s->n] = n;
	s->mark[s->n] = 0;
	/* buf_add may move the arena: the slot table holds indices only. */
	if (buf_add(&s->arena, k, n, e) < 0)
		return -1;
	s->slot[j] = (uint32_t)(s->n + 1);
	if (ip)
		*ip = s->n;
	s->n++;
	return 0;
}

long keyset_find(const struct keyset *s, const char *k, size_t n)
{
	int found;
	size_t j;

	if (!s->nslot)
		return -1;
	j = probe(s, k, n, &found);
	return found ? (long)s->slot[j] - 1 : -1;
}

size_t keyset_bytes(const struct keyset *s)
{
	return s->arena.len + s->cap * (2 * sizeof(size_t) + 1) + s->nslot * sizeof(uint32_t);
}
