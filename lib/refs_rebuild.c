/*
 * refs_rebuild.c: a snapshot builds a new store beside the old one
 * (DIR.new) and swaps it in at the end. Emptying the old store in place
 * would read every branch page of it (LMDB frees pages by walking the
 * tree), so memory and time grew with the old store; a new one is only
 * appended to, and until the swap the old one is untouched.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refs.h"
#include "refs_int.h"
#include "store.h"

/* Remove a store's directory: its two LMDB files, then itself. */
static int remove_store(const char *dir, struct s3gc_err *e)
{
	struct s3gc_err ignored;
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	char p[4096];

	if (!e)
		e = &ignored;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, files[i]) >= sizeof(p))
			return err_set(e, S3GC_E_IO, 0, "path too long: '%.64s...'", dir);
		if (unlink(p) < 0 && errno != ENOENT)
			return err_sys(e, S3GC_E_IO, errno, "cannot remove '%s'", p);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return err_sys(e, S3GC_E_IO, errno, "cannot remove '%s'", dir);
	return 0;
}

/* Copy one row of the kept table from `from` to `to`, counting its key. */
static int copy_row(struct refs *from, struct refs *to, const char *table,
		    const MDB_val *k, const MDB_val *v, struct buf *col,
		    struct buf *val, struct s3gc_err *e)
{
	unsigned char nk[ROW_KEY_MAX];
	MDB_val key = { k->mv_size, nk }, data;
	uint32_t tid, cid;

	if (!row_keylen_ok(k->mv_size))
		return err_set(e, S3GC_E_IO, 0, "corrupt entry in 'rows' in '%s'",
			       from->st.path);
	if (refs_column_name(from, row_key_cid(k->mv_data, k->mv_size), col, e) < 0 ||
	    refs_row_val_key(from, v, val, e) < 0 ||
	    refs_name_id(to, 't', table, 1, &tid, e) < 0 ||
	    refs_name_id(to, 'c', buf_str(col), 1, &cid, e) < 0)
		return -1;
	/* The same primary key under the new store's ids. */
	memcpy(nk, k->mv_data, k->mv_size);
	put_be(nk, tid, 4);
	put_be(nk + k->mv_size - 2, cid, 2);
	data.mv_size = val->len;
	data.mv_data = val->data;
	if (refs_db_put(to, to->rows, &key, &data, 0, "rows", e) < 0)
		return -1;
	return refs_incr(to, val->data, val->len, 1, NULL, e);
}

/* Copy the rows of table `keep` (and count their keys) from `from` to `to`. */
static int copy_kept(struct refs *from, struct refs *to, const char *keep,
		     struct s3gc_err *e)
{
	struct buf col = BUF_INIT, val = BUF_INIT;
	unsigned char tk[4];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	uint32_t tid;
	int rc, ret = -1;

	if (refs_begin(from, 0, e) < 0)
		return -1;
	if (refs_name_id(from, 't', keep, 0, &tid, e) < 0)
		goto out;
	if (!tid) {
		ret = 0;
		goto out;
	}
	put_be(tk, tid, 4);
	rc = mdb_cursor_open(from->txn, from->rows, &c);
	if (rc) {
		store_err(&from->st, e, rc, "cannot read 'rows'");
		goto out;
	}
	k.mv_size = 4;
	k.mv_data = tk;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 4 || memcmp(k.mv_data, tk, 4) != 0)
			break;
		if (copy_row(from, to, keep, &k, &v, &col, &val, e) < 0)
			goto out;
	}
	if (rc && rc != MDB_NOTFOUND)
		store_err(&from->st, e, rc, "cannot read 'rows'");
	else
		ret = 0;
out:
	if (c)
		mdb_cursor_close(c);
	refs_abort(from);
	buf_release(&col);
	buf_release(&val);
	return ret;
}

static void swap(struct refs *a, struct refs *b)
{
	struct refs t = *a;

	*a = *b;
	*b = t;
}

int refs_rebuild_begin(struct refs *r, const char *keep_table,
		       struct s3gc_err *e)
{
	struct refs *n = NULL;
	char *home = NULL, *next = NULL;
	size_t len;

	if (r->txn || r->prev)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "rebuild begun with a transaction or a rebuild open");
	if (r->st.readonly)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "reference store '%s' opened read-only", r->st.path);
	len = strlen(r->st.path);
	home = strdup(r->st.path);
	next = malloc(len + 5);
	if (!home || !next) {
		free(home);
		free(next);
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	}
	memcpy(next, r->st.path, len);
	memcpy(next + len, ".new", 5);
	/* What a crash left of an earlier rebuild goes first. */
	if (remove_store(next, e) < 0 || refs_open(&n, next, 0, e) < 0)
		goto fail;
	if (refs_begin(n, 1, e) < 0 || copy_kept(r, n, keep_table, e) < 0) {
		refs_close(n);
		remove_store(next, NULL);
		goto fail;
	}
	free(next);
	/* From here on the handle works on the new store. */
	swap(r, n);
	r->prev = n;
	r->home = home;
	return 0;
fail:
	free(home);
	free(next);
	return -1;
}

/* Put directory `next` where `home` is; `home`'s store ends up at `next`. */
static int exchange(const char *home, const char *next, struct s3gc_err *e)
{
#ifdef HAVE_RENAMEAT2
	if (renameat2(AT_FDCWD, next, AT_FDCWD, home, RENAME_EXCHANGE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return err_sys(e, S3GC_E_IO, errno, "cannot put '%s' in place of '%s'",
			       next, home);
#endif
	{
		/* No atomic exchange here: move the old one aside, then the new in. */
		size_t len = strlen(next);
		char *aside = malloc(len + 5);
		int rc;

		if (!aside)
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		memcpy(aside, next, len);
		memcpy(aside + len, ".old", 5);
		rc = remove_store(aside, e);
		if (rc == 0 && rename(home, aside) < 0)
			rc = err_sys(e, S3GC_E_IO, errno, "cannot move '%s' aside", home);
		if (rc == 0 && rename(next, home) < 0) {
			rc = err_sys(e, S3GC_E_IO, errno, "cannot put '%s' in place of '%s'",
				     next, home);
			rename(aside, home);
		}
		if (rc == 0 && rename(aside, next) < 0)
			rc = err_sys(e, S3GC_E_IO, errno, "cannot move '%s' to '%s'",
				     aside, next);
		free(aside);
		return rc;
	}
}

int refs_rebuild_commit(struct refs *r, struct s3gc_err *e)
{
	struct refs *old = r->prev;
	char *next;

	if (!old)
		return err_set(e, S3GC_E_INTERNAL, 0, "no rebuild begun");
	if (r->txn)
		return err_set(e, S3GC_E_INTERNAL, 0, "rebuild committed inside a transaction");
	next = r->st.path;
	if (exchange(r->home, next, e) < 0)
		return -1;
	/* The handle's store is now at home; the old one, closed, at next. */
	r->st.path = r->home;
	r->home = NULL;
	r->prev = NULL;
	refs_close(old);
	remove_store(next, NULL);
	free(next);
	return 0;
}

void refs_rebuild_abort(struct refs *r)
{
	struct refs *built = r->prev;
	char *home = r->home;

	if (!built)
		return;
	refs_abort(r);
	r->prev = NULL;
	r->home = NULL;
	/* The handle gets its old store back; the new one goes. */
	swap(r, built);
	refs_close(built);
	{
		size_t len = strlen(home);
		char *next = malloc(len + 5);

		if (next) {
			memcpy(next, home, len);
			memcpy(next + len, ".new", 5);
			remove_store(next, NULL);
			free(next);
		}
	}
	free(home);
}
