/* refs_clear.c: empty the reference store: every key, row and meta record. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "refs.h"
#include "refs_int.h"
#include "store.h"

/* Drop every key (both databases) and the row map. */
static int drop_all(struct refs *r, struct s3gc_err *e)
{
	int rc;

	if ((rc = mdb_drop(r->txn, r->refs, 0)) != 0 ||
	    (rc = mdb_drop(r->txn, r->longrefs, 0)) != 0 ||
	    (rc = mdb_drop(r->txn, r->rows, 0)) != 0)
		return store_err(&r->st, e, rc, "cannot empty the store");
	return 0;
}

/* Delete every meta record but the internal '.' ones. */
static int clear_meta(struct refs *r, struct s3gc_err *e)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(r->txn, r->meta, &c);
	if (rc)
		return store_err(&r->st, e, rc, "cannot read 'meta'");
	/* User names may sort on either side of the internal '.' ones. */
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size == 0 || ((char *)k.mv_data)[0] != '.')
			rc = mdb_cursor_del(c, 0);
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(&r->st, e, rc, "cannot empty 'meta'");
	return 0;
}

int refs_clear(struct refs *r, struct s3gc_err *e)
{
	if (refs_need_txn(r, 1, e) < 0 || drop_all(r, e) < 0)
		return -1;
	return clear_meta(r, e);
}
