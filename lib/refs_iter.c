/* refs_iter.c: every referenced key in ks_cmp order, short and long keys merged. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"
#include "refs.h"
#include "refs_int.h"
#include "store.h"

/*
 * Each cursor remembers the LMDB key it last consumed, so that after the
 * read transaction is renewed it can seek just past it. Long keys are
 * read a group at a time (the entries sharing REFS_LONG_PREFIX bytes come
 * in hash order) and the group is sorted by the whole key.
 * CUR_ON: on `last`, consumed; CUR_SEEK: go past `last` (after a
 * renewal); CUR_AT: go to `last`, not yet consumed.
 */
enum cur_state { CUR_START, CUR_ON, CUR_SEEK, CUR_AT, CUR_END };

struct cur {
	MDB_cursor *c;
	enum cur_state state;
	struct buf last; /* the LMDB key last consumed */
};

struct long_ent {
	size_t off, n; /* the key in refs_iter.gkeys */
	const char *k; /* set once the group is complete */
	uint64_t count;
};

struct refs_iter {
	struct refs *r;
	MDB_txn *txn;
	unsigned since_renew;
	struct cur s, l;
	/* the smallest short key not yet returned */
	int shave, sneed; /* a head is held; it was returned, read the next */
	struct buf skey;
	uint64_t scount;
	/* the current long group, and the next entry of it to return */
	struct long_ent *g;
	size_t gn, gcap, gpos;
	struct buf gkeys;
};

/* Step c to its next entry, consuming it; MDB_NOTFOUND at the end. */
static int cur_next(struct refs_iter *it, struct cur *c, MDB_val *k,
		    MDB_val *v, struct s3gc_err *e)
{
	int rc;

	switch (c->state) {
	case CUR_END:
		return MDB_NOTFOUND;
	case CUR_START:
		rc = mdb_cursor_get(c->c, k, v, MDB_FIRST);
		break;
	case CUR_AT:
	case CUR_SEEK:
		k->mv_size = c->last.len;
		k->mv_data = c->last.data;
		rc = mdb_cursor_get(c->c, k, v, MDB_SET_RANGE);
		if (rc == 0 && c->state == CUR_SEEK && k->mv_size == c->last.len &&
		    memcmp(k->mv_data, c->last.data, c->last.len) == 0)
			rc = mdb_cursor_get(c->c, k, v, MDB_NEXT);
		break;
	default:
		rc = mdb_cursor_get(c->c, k, v, MDB_NEXT);
		break;
	}
	if (rc == MDB_NOTFOUND) {
		c->state = CUR_END;
		return rc;
	}
	if (rc)
		return store_err(&it->r->st, e, rc, "cannot read the reference store");
	c->state = CUR_ON;
	buf_reset(&c->last);
	if (buf_add(&c->last, k->mv_data, k->mv_size, e) < 0)
		return -1;
	return 0;
}

/* Load the next short key into the iterator's head. */
static int fill_short(struct refs_iter *it, struct s3gc_err *e)
{
	MDB_val k, v;
	int rc = cur_next(it, &it->s, &k, &v, e);

	it->shave = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return -1;
	if (v.mv_size != 8)
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in 'refs' in '%s'",
			       it->r->st.path);
	buf_reset(&it->skey);
	if (buf_add(&it->skey, k.mv_data, k.mv_size, e) < 0)
		return -1;
	it->scount = get_be(v.mv_data, 8);
	it->shave = 1;
	return 0;
}

static int group_add(struct refs_iter *it, const MDB_val *k, const MDB_val *v,
		     struct s3gc_err *e)
{
	struct long_ent *x;
	size_t n = v->mv_size - 8;

	if (k->mv_size != LONG_KEYLEN || v->mv_size <= 8 + REFS_SHORT_MAX ||
	    memcmp(k->mv_data, (char *)v->mv_data + 8, REFS_LONG_PREFIX) != 0)
		return err_set(e, S3GC_E_IO, 0,
			       "corrupt entry in 'longrefs' in '%s'", it->r->st.path);
	if (it->gn == it->gcap) {
		size_t cap = it->gcap ? 2 * it->gcap : 8;

		x = realloc(it->g, cap * sizeof(*x));
		if (!x)
			return err_sys(e, S3GC_E_SYS, errno, "cannot grow a key group");
		it->g = x;
		it->gcap = cap;
	}
	x = &it->g[it->gn++];
	x->off = it->gkeys.len;
	x->n = n;
	x->count = get_be(v->mv_data, 8);
	return buf_add(&it->gkeys, (char *)v->mv_data + 8, n, e);
}

static int long_cmp(const void *a, const void *b)
{
	const struct long_ent *x = a, *y = b;

	return ks_cmp(x->k, x->n, y->k, y->n);
}

/* Read the next group of long keys (same prefix) and sort it. */
static int fill_long(struct refs_iter *it, struct s3gc_err *e)
{
	char prefix[REFS_LONG_PREFIX];
	MDB_val k, v;
	int rc;

	it->gn = it->gpos = 0;
	buf_reset(&it->gkeys);
	rc = cur_next(it, &it->l, &k, &v, e);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc || group_add(it, &k, &v, e) < 0)
		return -1;
	memcpy(prefix, k.mv_data, REFS_LONG_PREFIX);
	while ((rc = cur_next(it, &it->l, &k, &v, e)) == 0) {
		if (k.mv_size == LONG_KEYLEN &&
		    memcmp(k.mv_data, prefix, REFS_LONG_PREFIX) != 0) {
			/* The next group's first: read it again next time. */
			it->l.state = CUR_AT;
			break;
		}
		if (group_add(it, &k, &v, e) < 0)
			return -1;
	}
	if (rc == -1)
		return -1;
	for (size_t i = 0; i < it->gn; i++)
		it->g[i].k = it->gkeys.data + it->g[i].off;
	qsort(it->g, it->gn, sizeof(*it->g), long_cmp);
	return 0;
}

/* Renew the read transaction now and then: no long-lived reader. */
static int maybe_renew(struct refs_iter *it, struct s3gc_err *e)
{
	int rc;

	if (++it->since_renew < REFS_ITER_BATCH)
		return 0;
	it->since_renew = 0;
	mdb_txn_reset(it->txn);
	rc = mdb_txn_renew(it->txn);
	if (!rc)
		rc = mdb_cursor_renew(it->txn, it->s.c);
	if (!rc)
		rc = mdb_cursor_renew(it->txn, it->l.c);
	if (rc)
		return store_err(&it->r->st, e, rc, "cannot renew a read transaction");
	if (it->s.state == CUR_ON)
		it->s.state = CUR_SEEK;
	if (it->l.state == CUR_ON)
		it->l.state = CUR_SEEK;
	return 0;
}

int refs_iter_open(struct refs *r, struct refs_iter **itp, struct s3gc_err *e)
{
	struct refs_iter *it = calloc(1, sizeof(*it));
	int rc;

	*itp = NULL;
	if (!it)
		return err_sys(e, S3GC_E_SYS, errno, "cannot iterate");
	it->r = r;
	buf_init(&it->s.last, 0);
	buf_init(&it->l.last, 0);
	buf_init(&it->skey, 0);
	buf_init(&it->gkeys, 0);
	if (store_begin(&r->st, 0, &it->txn, e) < 0)
		goto fail;
	rc = mdb_cursor_open(it->txn, r->refs, &it->s.c);
	if (!rc)
		rc = mdb_cursor_open(it->txn, r->longrefs, &it->l.c);
	if (rc) {
		store_err(&r->st, e, rc, "cannot read the reference store");
		goto fail;
	}
	it->sneed = 1;
	*itp = it;
	return 0;
fail:
	refs_iter_close(it);
	return -1;
}

int refs_iter_next(struct refs_iter *it, const char **key, size_t *n,
		   unsigned long long *count, struct s3gc_err *e)
{
	struct long_ent *x;

	/* Refill only now: the key returned last time lived in the heads. */
	if (maybe_renew(it, e) < 0 || (it->sneed && fill_short(it, e) < 0))
		return -1;
	it->sneed = 0;
	if (it->gpos == it->gn && it->l.state != CUR_END && fill_long(it, e) < 0)
		return -1;
	x = it->gpos < it->gn ? &it->g[it->gpos] : NULL;
	if (it->shave && (!x || ks_cmp(it->skey.data, it->skey.len, x->k, x->n) < 0)) {
		*key = it->skey.data;
		*n = it->skey.len;
		if (count)
			*count = it->scount;
		it->sneed = 1;
		return 1;
	}
	if (!x)
		return 0;
	*key = x->k;
	*n = x->n;
	if (count)
		*count = x->count;
	it->gpos++;
	return 1;
}

void refs_iter_close(struct refs_iter *it)
{
	if (!it)
		return;
	if (it->s.c)
		mdb_cursor_close(it->s.c);
	if (it->l.c)
		mdb_cursor_close(it->l.c);
	store_abort(it->txn);
	buf_release(&it->s.last);
	buf_release(&it->l.last);
	buf_release(&it->skey);
	buf_release(&it->gkeys);
	free(it->g);
	free(it);
}
