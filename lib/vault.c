/*
 * vault.c: the vault index's handle, transactions, record fields and
 * operations. Items and their indexes are in vault_items.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "timefmt.h"
#include "vault_int.h"

#define FORMAT "1"

size_t vault_kform(const char *key, size_t keylen, unsigned char kf[VAULT_KF_MAX])
{
	struct s3gc_err ignored;

	if (keylen <= VAULT_KEY_MAX) {
		memcpy(kf, key, keylen);
		return keylen;
	}
	memcpy(kf, key, VAULT_KEY_LONG);
	/* SHA-256 fails only if OpenSSL is broken; the form stays distinct by length. */
	if (hash_sha256(key, keylen, kf + VAULT_KEY_LONG, &ignored) < 0)
		memset(kf + VAULT_KEY_LONG, 0, SHA256_LEN);
	return VAULT_KF_MAX;
}

int vault_db_err(struct vault *v, int rc, const char *what, struct s3gc_err *e)
{
	return err_set(e, S3GC_E_VAULT, rc, "cannot %s in vault index '%s/index': %s",
		       what, v->dir, mdb_strerror(rc));
}

int vault_need_txn(struct vault *v, int write, struct s3gc_err *e)
{
	if (!v->txn)
		return err_set(e, S3GC_E_INTERNAL, 0, "vault used outside a transaction");
	if (write && !v->write)
		return err_set(e, S3GC_E_INTERNAL, 0, "vault changed in a read transaction");
	return 0;
}

int vault_tlv(struct buf *b, char tag, const void *p, size_t n,
	      struct s3gc_err *e)
{
	unsigned char h[5];

	if (n > UINT32_MAX)
		return err_set(e, S3GC_E_INTERNAL, 0, "vault field too long");
	h[0] = (unsigned char)tag;
	vault_put_be(h + 1, n, 4);
	if (buf_add(b, h, 5, e) < 0)
		return -1;
	return n ? buf_add(b, p, n, e) : 0;
}

int vault_tlv_u64(struct buf *b, char tag, uint64_t v, struct s3gc_err *e)
{
	unsigned char x[8];

	vault_put_be(x, v, 8);
	return vault_tlv(b, tag, x, 8, e);
}

uint64_t vault_u64(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

int vault_tlv_next(const unsigned char *p, size_t n, size_t *pos, char *tag,
		   const unsigned char **val, size_t *len)
{
	size_t at = *pos;

	if (at == n)
		return 0;
	if (n - at < 5)
		return -1;
	*tag = (char)p[at];
	*len = (size_t)vault_u64(p + at + 1, 4);
	if (*len > n - at - 5)
		return -1;
	*val = p + at + 5;
	*pos = at + 5 + *len;
	return 1;
}

/* ---- the handle ---- */

static int open_dbs(struct vault *v, int create, struct s3gc_err *e)
{
	static const char *names[] = { "ops", "items", "versions", "deleted", "blobs", "meta" };
	MDB_dbi *dbi[] = { &v->ops, &v->items, &v->versions, &v->deleted, &v->blobs, &v->meta };
	MDB_val k = { 7, (char *)".format" }, d;
	int rc;

	if (vault_begin(v, create, e) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (store_dbi(&v->st, v->txn, names[i], create, dbi[i], e) < 0) {
			e->cls = S3GC_E_VAULT;
			goto fail;
		}
	rc = mdb_get(v->txn, v->meta, &k, &d);
	if (rc == 0 && (d.mv_size != 1 || memcmp(d.mv_data, FORMAT, 1) != 0)) {
		err_set(e, S3GC_E_VAULT, 0,
			"vault index '%s/index' is of another version's format", v->dir);
		goto fail;
	}
	if (rc == MDB_NOTFOUND && create) {
		d.mv_size = 1;
		d.mv_data = (char *)FORMAT;
		rc = mdb_put(v->txn, v->meta, &k, &d, 0);
	}
	if (rc) {
		vault_db_err(v, rc, "read the format", e);
		goto fail;
	}
	return vault_commit(v, e);
fail:
	vault_abort(v);
	return -1;
}

static int mkdir_vault(const char *path, struct s3gc_err *e)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return err_sys(e, S3GC_E_VAULT, errno, "cannot create vault '%s'", path);
	return 0;
}

int vault_open(struct vault **vp, const char *path, int readonly,
	       struct s3gc_err *e)
{
	struct vault *v = calloc(1, sizeof(*v));
	struct buf idx = BUF_INIT;

	*vp = NULL;
	if (!v || !(v->dir = strdup(path))) {
		free(v);
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot open vault '%s'", path);
	}
	if (!readonly && mkdir_vault(path, e) < 0)
		goto fail;
	if (buf_addf(&idx, e, "%s/index", path) < 0)
		goto fail;
	if (store_open(&v->st, idx.data, 0, 8, readonly, e) < 0) {
		if (e->cls != S3GC_E_NOINPUT)
			e->cls = S3GC_E_VAULT;
		goto fail;
	}
	if (open_dbs(v, !readonly, e) < 0)
		goto fail;
	buf_release(&idx);
	*vp = v;
	return 0;
fail:
	buf_release(&idx);
	vault_close(v);
	return -1;
}

void vault_close(struct vault *v)
{
	if (!v)
		return;
	vault_abort(v);
	store_close(&v->st);
	free(v->dir);
	free(v);
}

const char *vault_dir(const struct vault *v)
{
	return v->dir;
}

int vault_begin(struct vault *v, int write, struct s3gc_err *e)
{
	if (v->txn)
		return err_set(e, S3GC_E_INTERNAL, 0, "vault transaction already open");
	if (store_begin(&v->st, write, &v->txn, e) < 0) {
		e->cls = S3GC_E_VAULT;
		return -1;
	}
	v->write = write;
	return 0;
}

int vault_commit(struct vault *v, struct s3gc_err *e)
{
	MDB_txn *t = v->txn;

	if (!t)
		return err_set(e, S3GC_E_INTERNAL, 0, "vault commit without a transaction");
	v->txn = NULL;
	if (store_commit(&v->st, t, e) < 0) {
		e->cls = S3GC_E_VAULT;
		return -1;
	}
	return 0;
}

void vault_abort(struct vault *v)
{
	store_abort(v->txn);
	v->txn = NULL;
}

/* ---- operations ---- */

static int op_encode(const struct vault_op *op, struct buf *b, struct s3gc_err *e)
{
	unsigned char c[8 * VC_N];

	for (int i = 0; i < VC_N; i++)
		vault_put_be(c + 8 * i, op->count[i], 8);
	buf_reset(b);
	return vault_tlv_u64(b, 's', (uint64_t)op->started_ms, e) < 0 ||
	       vault_tlv_u64(b, 'f', (uint64_t)op->finished_ms, e) < 0 ||
	       vault_tlv(b, 'm', op->mode, strlen(op->mode), e) < 0 ||
	       vault_tlv(b, 't', op->state, strlen(op->state), e) < 0 ||
	       vault_tlv(b, 'g', op->digest, strlen(op->digest), e) < 0 ||
	       vault_tlv(b, 'c', c, sizeof c, e) < 0 ? -1 : 0;
}

static void copy_str(char *dst, size_t cap, const unsigned char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static int op_decode(struct vault *v, const MDB_val *k, const MDB_val *d,
		     struct vault_op *op, struct s3gc_err *e)
{
	const unsigned char *val;
	size_t pos = 0, len;
	char tag;
	int rc;

	memset(op, 0, sizeof(*op));
	copy_str(op->id, sizeof op->id, k->mv_data, k->mv_size);
	while ((rc = vault_tlv_next(d->mv_data, d->mv_size, &pos, &tag, &val, &len)) > 0) {
		switch (tag) {
		case 's': op->started_ms = (int64_t)vault_u64(val, len); break;
		case 'f': op->finished_ms = (int64_t)vault_u64(val, len); break;
		case 'm': copy_str(op->mode, sizeof op->mode, val, len); break;
		case 't': copy_str(op->state, sizeof op->state, val, len); break;
		case 'g': copy_str(op->digest, sizeof op->digest, val, len); break;
		case 'c':
			for (size_t i = 0; i < VC_N && 8 * i + 8 <= len; i++)
				op->count[i] = vault_u64(val + 8 * i, 8);
			break;
		default: break;
		}
	}
	if (rc < 0)
		return err_set(e, S3GC_E_VAULT, 0, "corrupt operation %s in vault index '%s/index'",
			       op->id, v->dir);
	return 0;
}

static int op_write(struct vault *v, const struct vault_op *op, unsigned flags,
		    struct s3gc_err *e)
{
	struct buf b = BUF_INIT;
	MDB_val k = { ULID_LEN, (char *)op->id }, d;
	int rc;

	if (vault_need_txn(v, 1, e) < 0)
		return -1;
	if (ulid_parse(op->id, strlen(op->id), NULL, e) < 0)
		return -1;
	if (op_encode(op, &b, e) < 0) {
		buf_release(&b);
		return -1;
	}
	d.mv_size = b.len;
	d.mv_data = b.data;
	rc = mdb_put(v->txn, v->ops, &k, &d, flags);
	buf_release(&b);
	if (rc == MDB_KEYEXIST)
		return err_set(e, S3GC_E_VAULT, 0, "operation %s is already in the vault", op->id);
	return rc ? vault_db_err(v, rc, "write an operation", e) : 0;
}

int vault_op_new(struct vault *v, const char *id, const char *mode,
		 const char *digest, struct s3gc_err *e)
{
	struct vault_op op;

	memset(&op, 0, sizeof op);
	copy_str(op.id, sizeof op.id, (const unsigned char *)id, strlen(id));
	copy_str(op.mode, sizeof op.mode, (const unsigned char *)mode, strlen(mode));
	copy_str(op.state, sizeof op.state, (const unsigned char *)"running", 7);
	if (digest)
		copy_str(op.digest, sizeof op.digest, (const unsigned char *)digest,
			 strlen(digest));
	op.started_ms = (int64_t)time_now_ms();
	return op_write(v, &op, MDB_NOOVERWRITE, e);
}

int vault_op_put(struct vault *v, const struct vault_op *op, struct s3gc_err *e)
{
	return op_write(v, op, 0, e);
}

int vault_op_get(struct vault *v, const char *id, struct vault_op *op,
		 int *found, struct s3gc_err *e)
{
	MDB_val k = { strlen(id), (char *)id }, d;
	int rc;

	*found = 0;
	if (vault_need_txn(v, 0, e) < 0)
		return -1;
	rc = mdb_get(v->txn, v->ops, &k, &d);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return vault_db_err(v, rc, "read an operation", e);
	*found = 1;
	return op_decode(v, &k, &d, op, e);
}

int vault_op_add(struct vault *v, const char *id, const uint64_t add[VC_N],
		 struct s3gc_err *e)
{
	struct vault_op op;
	int found;

	if (vault_begin(v, 1, e) < 0)
		return -1;
	if (vault_op_get(v, id, &op, &found, e) < 0)
		goto fail;
	if (!found) {
		err_set(e, S3GC_E_VAULT, 0, "operation %s is no longer in the vault '%s'", id,
			v->dir);
		goto fail;
	}
	for (int i = 0; i < VC_N; i++)
		op.count[i] += add[i];
	if (vault_op_put(v, &op, e) < 0 || vault_commit(v, e) < 0)
		goto fail;
	return 0;
fail:
	vault_abort(v);
	return -1;
}

int vault_ops(struct vault *v, vault_op_fn *fn, void *arg, struct s3gc_err *e)
{
	struct vault_op op;
	MDB_cursor *c;
	MDB_val k, d;
	int rc, ret = 0;

	if (vault_need_txn(v, 0, e) < 0)
		return -1;
	if ((rc = mdb_cursor_open(v->txn, v->ops, &c)) != 0)
		return vault_db_err(v, rc, "read operations", e);
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0 && ret == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT))
		if (op_decode(v, &k, &d, &op, e) < 0 || fn(arg, &op, e) < 0)
			ret = -1;
	mdb_cursor_close(c);
	if (ret == 0 && rc != MDB_NOTFOUND)
		return vault_db_err(v, rc, "read operations", e);
	return ret;
}
