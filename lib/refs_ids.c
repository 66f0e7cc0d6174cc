/* refs_ids.c: the ids of the row map's table and column names, kept in meta. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refs_int.h"

/* ---- the cache ---- */

static uint32_t name_hash(char kind, const char *name, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	h = (h ^ (unsigned char)kind) * 16777619u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

static struct refs_idslot *cache_find(struct refs_idcache *c, char kind,
				      const char *name, size_t n, uint32_t h)
{
	for (uint32_t i = h;; i++) {
		struct refs_idslot *s = &c->slot[i & (REFS_IDCACHE_SLOTS - 1)];

		if (!s->name)
			return NULL;
		if (s->hash == h && s->kind == kind && s->len == n &&
		    memcmp(s->name, name, n) == 0)
			return s;
	}
}

void refs_ids_free(struct refs *r)
{
	struct refs_idcache *c = &r->ids;

	for (unsigned i = 0; i < REFS_IDCACHE_SLOTS; i++)
		free(c->slot[i].name);
	memset(c, 0, sizeof(*c));
}

/* Remember an id; a failure to allocate only means it is not cached. */
static void cache_add(struct refs *r, char kind, const char *name, size_t n,
		      uint32_t h, uint32_t id)
{
	struct refs_idcache *c = &r->ids;
	struct refs_idslot *s;
	uint32_t i;

	/* Full enough that probes grow long: start again (ids are few). */
	if (c->used >= REFS_IDCACHE_SLOTS / 4 * 3)
		refs_ids_free(r);
	for (i = h; c->slot[i & (REFS_IDCACHE_SLOTS - 1)].name; i++)
		;
	s = &c->slot[i & (REFS_IDCACHE_SLOTS - 1)];
	s->name = malloc(n + 1);
	if (!s->name)
		return;
	memcpy(s->name, name, n);
	s->name[n] = '\0';
	s->len = n;
	s->hash = h;
	s->kind = kind;
	s->id = id;
	/* Found or assigned in a write transaction, it may be uncommitted. */
	s->fresh = r->txn && r->write;
	c->nfresh += s->fresh;
	c->used++;
}

/*
 * An abort forgets every entry made in the transaction. Open addressing
 * cannot drop single entries without breaking probe chains, and aborts
 * are rare: the whole cache goes.
 */
void refs_ids_end(struct refs *r, int committed)
{
	struct refs_idcache *c = &r->ids;

	if (!c->nfresh)
		return;
	if (!committed) {
		refs_ids_free(r);
		return;
	}
	for (unsigned i = 0; i < REFS_IDCACHE_SLOTS; i++)
		c->slot[i].fresh = 0;
	c->nfresh = 0;
}

/* ---- the records ---- */

/*
 * Stored as ".t.NAME" / ".c.NAME" -> id; a new one comes from the counter
 * ".n.t" / ".n.c", and a column also gets the reverse record ".r." + id.
 */
int refs_name_id(struct refs *r, char kind, const char *name, int assign,
		 uint32_t *id, struct s3gc_err *e)
{
	size_t n = strlen(name), w = kind == 't' ? 4 : 2;
	char mk[3 + NAME_MAX_ID], nk[4] = { '.', 'n', '.', kind };
	unsigned char idb[4];
	uint64_t next = 1;
	struct refs_idslot *s;
	MDB_val v;
	uint32_t h;
	int found;

	*id = 0;
	if (n == 0 || n > NAME_MAX_ID)
		return err_set(e, S3GC_E_DATA, 0, "bad %s name '%.64s'",
			       kind == 't' ? "table" : "column", name);
	h = name_hash(kind, name, n);
	if ((s = cache_find(&r->ids, kind, name, n, h)) != NULL) {
		*id = s->id;
		return 0;
	}
	mk[0] = '.', mk[1] = kind, mk[2] = '.';
	memcpy(mk + 3, name, n);
	if (refs_meta_find(r, mk, 3 + n, &v, &found, e) < 0)
		return -1;
	if (found) {
		if (v.mv_size != w)
			return err_set(e, S3GC_E_IO, 0, "corrupt %s id in '%s'",
				       kind == 't' ? "table" : "column", r->st.path);
		*id = (uint32_t)get_be(v.mv_data, (int)w);
		cache_add(r, kind, name, n, h, *id);
		return 0;
	}
	if (!assign)
		return 0;
	if (refs_meta_find(r, nk, 4, &v, &found, e) < 0)
		return -1;
	if (found)
		next = get_be(v.mv_data, 4);
	if (next >= ((uint64_t)1 << (8 * w)))
		return err_set(e, S3GC_E_INTERNAL, 0, "too many %s names",
			       kind == 't' ? "table" : "column");
	put_be(idb, next + 1, 4);
	if (refs_meta_store(r, nk, 4, idb, 4, e) < 0)
		return -1;
	put_be(idb, next, (int)w);
	if (refs_meta_store(r, mk, 3 + n, idb, w, e) < 0)
		return -1;
	if (kind == 'c') {
		char rk[5] = { '.', 'r', '.', (char)idb[0], (char)idb[1] };

		if (refs_meta_store(r, rk, 5, name, n, e) < 0)
			return -1;
	}
	*id = (uint32_t)next;
	cache_add(r, kind, name, n, h, *id);
	return 0;
}
