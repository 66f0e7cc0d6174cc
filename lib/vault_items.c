/* vault_items.c: the vault index's items, their versions, deletions and blobs. */
#include "config.h"

#include <string.h>

#include "vault_int.h"

/* LMDB keys: items op+kf, versions u16 n+kf+op, deleted u64 ms+op+kf. */
#define KEYBUF (8 + ULID_LEN + 2 + VAULT_KF_MAX)

static size_t item_key(const char *op, const unsigned char *kf, size_t kn,
		       unsigned char *out)
{
	memcpy(out, op, ULID_LEN);
	memcpy(out + ULID_LEN, kf, kn);
	return ULID_LEN + kn;
}

static size_t version_key(const char *op, const unsigned char *kf, size_t kn,
			  unsigned char *out)
{
	vault_put_be(out, kn, 2);
	memcpy(out + 2, kf, kn);
	memcpy(out + 2 + kn, op, ULID_LEN);
	return 2 + kn + ULID_LEN;
}

static size_t deleted_key(int64_t ms, const char *op, const unsigned char *kf,
			  size_t kn, unsigned char *out)
{
	vault_put_be(out, (uint64_t)ms, 8);
	memcpy(out + 8, op, ULID_LEN);
	memcpy(out + 8 + ULID_LEN, kf, kn);
	return 8 + ULID_LEN + kn;
}

static int hex_to_raw(const char *hex, unsigned char raw[SHA256_LEN])
{
	if (strlen(hex) != SHA256_HEX_LEN || strspn(hex, "0123456789abcdef") != SHA256_HEX_LEN)
		return -1;
	for (int i = 0; i < SHA256_LEN; i++) {
		int hi = hex[2 * i], lo = hex[2 * i + 1];

		raw[i] = (unsigned char)(((hi <= '9' ? hi - '0' : hi - 'a' + 10) << 4) |
					 (lo <= '9' ? lo - '0' : lo - 'a' + 10));
	}
	return 0;
}

static int add_opt(struct buf *b, char tag, const char *s, struct s3gc_err *e)
{
	return s ? vault_tlv(b, tag, s, strlen(s), e) : 0;
}

static int item_encode(const struct vault_item *it, struct buf *b,
		       struct s3gc_err *e)
{
	unsigned char raw[SHA256_LEN];

	buf_reset(b);
	if (hex_to_raw(it->blob, raw) < 0)
		return err_set(e, S3GC_E_INTERNAL, 0, "'%.70s' is not a blob name", it->blob);
	if (vault_tlv_u64(b, 's', it->size, e) < 0 ||
	    vault_tlv_u64(b, 'm', (uint64_t)it->last_modified, e) < 0 ||
	    add_opt(b, 'e', it->etag ? it->etag : "", e) < 0 ||
	    add_opt(b, 't', it->content_type, e) < 0 ||
	    add_opt(b, 'E', it->content_encoding, e) < 0 ||
	    add_opt(b, 'c', it->cache_control, e) < 0 ||
	    add_opt(b, 'd', it->content_disposition, e) < 0 ||
	    vault_tlv(b, 'b', raw, SHA256_LEN, e) < 0 ||
	    vault_tlv_u64(b, 'z', (uint64_t)it->compressed, e) < 0 ||
	    vault_tlv_u64(b, 'S', it->stored, e) < 0 ||
	    vault_tlv_u64(b, 'v', (uint64_t)it->vaulted_ms, e) < 0 ||
	    vault_tlv_u64(b, 'D', (uint64_t)it->deleted_ms, e) < 0 ||
	    vault_tlv_u64(b, 'R', (uint64_t)it->restored_ms, e) < 0)
		return -1;
	if (it->keylen > VAULT_KEY_MAX && vault_tlv(b, 'K', it->key, it->keylen, e) < 0)
		return -1;
	for (size_t i = 0; i < it->nmeta; i++) {
		size_t nl = strlen(it->meta[i].name), vl = strlen(it->meta[i].value);
		size_t at = b->len;

		/* name NUL value, as one field */
		if (vault_tlv(b, 'x', it->meta[i].name, nl + 1, e) < 0 ||
		    buf_add(b, it->meta[i].value, vl, e) < 0)
			return -1;
		vault_put_be((unsigned char *)b->data + at + 1, nl + 1 + vl, 4);
	}
	return 0;
}

/*
 * Decode value d of the item whose key form is kf into *it; strings are
 * copied into store. key/keylen: the key as known to the caller (NULL:
 * take it from kf, or from the record for a long one).
 */
static int item_decode(struct vault *v, const unsigned char *kf, size_t kn,
		       const MDB_val *d, struct vault_item *it, struct buf *store,
		       struct s3gc_err *e)
{
	/* Offsets into store first: it may move while it grows. */
	size_t off[5], metaoff[VAULT_MAX_HDRS][2], keyoff = 0, pos = 0, len;
	int have[5] = { 0 };
	const unsigned char *val;
	char tag;
	int rc;

	memset(it, 0, sizeof(*it));
	buf_reset(store);
	if (kn <= VAULT_KEY_MAX) {
		if (buf_add(store, kf, kn, e) < 0 || buf_addc(store, '\0', e) < 0)
			return -1;
		it->keylen = kn;
	}
	while ((rc = vault_tlv_next(d->mv_data, d->mv_size, &pos, &tag, &val, &len)) > 0) {
		int slot = -1;

		switch (tag) {
		case 's': it->size = vault_u64(val, len); break;
		case 'm': it->last_modified = (int64_t)vault_u64(val, len); break;
		case 'z': it->compressed = (int)vault_u64(val, len); break;
		case 'S': it->stored = vault_u64(val, len); break;
		case 'v': it->vaulted_ms = (int64_t)vault_u64(val, len); break;
		case 'D': it->deleted_ms = (int64_t)vault_u64(val, len); break;
		case 'R': it->restored_ms = (int64_t)vault_u64(val, len); break;
		case 'b':
			if (len == SHA256_LEN)
				hex_encode(val, SHA256_LEN, it->blob);
			break;
		case 'e': slot = 0; break;
		case 't': slot = 1; break;
		case 'E': slot = 2; break;
		case 'c': slot = 3; break;
		case 'd': slot = 4; break;
		case 'K':
			keyoff = store->len;
			it->keylen = len;
			if (buf_add(store, val, len, e) < 0 || buf_addc(store, '\0', e) < 0)
				return -1;
			break;
		case 'x':
			if (it->nmeta < VAULT_MAX_HDRS && memchr(val, '\0', len)) {
				metaoff[it->nmeta][0] = store->len;
				metaoff[it->nmeta][1] = store->len + strlen((const char *)val) + 1;
				if (buf_add(store, val, len, e) < 0 || buf_addc(store, '\0', e) < 0)
					return -1;
				it->nmeta++;
			}
			break;
		default: break;
		}
		if (slot >= 0) {
			off[slot] = store->len;
			have[slot] = 1;
			if (buf_add(store, val, len, e) < 0 || buf_addc(store, '\0', e) < 0)
				return -1;
		}
	}
	if (rc < 0 || !it->blob[0] || (kn > VAULT_KEY_MAX && !keyoff))
		return err_set(e, S3GC_E_VAULT, 0, "corrupt item in vault index '%s/index'",
			       v->dir);
	it->key = store->data + keyoff;
	it->etag = have[0] ? store->data + off[0] : "";
	it->content_type = have[1] ? store->data + off[1] : NULL;
	it->content_encoding = have[2] ? store->data + off[2] : NULL;
	it->cache_control = have[3] ? store->data + off[3] : NULL;
	it->content_disposition = have[4] ? store->data + off[4] : NULL;
	for (size_t i = 0; i < it->nmeta; i++) {
		it->meta[i].name = store->data + metaoff[i][0];
		it->meta[i].value = store->data + metaoff[i][1];
	}
	return 0;
}

static int db_get(struct vault *v, MDB_dbi dbi, const void *k, size_t kn,
		  MDB_val *d, int *found, struct s3gc_err *e)
{
	MDB_val key = { kn, (void *)k };
	int rc = mdb_get(v->txn, dbi, &key, d);

	*found = rc == 0;
	if (rc && rc != MDB_NOTFOUND)
		return vault_db_err(v, rc, "read", e);
	return 0;
}

static int db_put(struct vault *v, MDB_dbi dbi, const void *k, size_t kn,
		  const void *p, size_t n, unsigned flags, struct s3gc_err *e)
{
	MDB_val key = { kn, (void *)k }, d = { n, (void *)p };
	int rc = mdb_put(v->txn, dbi, &key, &d, flags);

	return rc ? vault_db_err(v, rc, "write", e) : 0;
}

/* One more item uses the blob. */
static int blob_ref(struct vault *v, const struct vault_item *it,
		    struct s3gc_err *e)
{
	unsigned char raw[SHA256_LEN], rec[25];
	uint64_t refs = 0;
	MDB_val d;
	int found;

	if (hex_to_raw(it->blob, raw) < 0)
		return err_set(e, S3GC_E_INTERNAL, 0, "'%.70s' is not a blob name", it->blob);
	if (db_get(v, v->blobs, raw, SHA256_LEN, &d, &found, e) < 0)
		return -1;
	if (found && d.mv_size == sizeof rec)
		refs = vault_u64(d.mv_data, 8);
	vault_put_be(rec, refs + 1, 8);
	vault_put_be(rec + 8, it->size, 8);
	vault_put_be(rec + 16, it->stored, 8);
	rec[24] = (unsigned char)(it->compressed != 0);
	return db_put(v, v->blobs, raw, SHA256_LEN, rec, sizeof rec, 0, e);
}

int vault_blob_refs(struct vault *v, const char *hex, uint64_t *refs,
		    struct s3gc_err *e)
{
	unsigned char raw[SHA256_LEN];
	MDB_val d;
	int found;

	*refs = 0;
	if (vault_need_txn(v, 0, e) < 0)
		return -1;
	if (hex_to_raw(hex, raw) < 0)
		return err_set(e, S3GC_E_INTERNAL, 0, "'%.70s' is not a blob name", hex);
	if (db_get(v, v->blobs, raw, SHA256_LEN, &d, &found, e) < 0)
		return -1;
	if (found && d.mv_size >= 8)
		*refs = vault_u64(d.mv_data, 8);
	return 0;
}

static int need_op(struct vault *v, const char *op, struct s3gc_err *e)
{
	struct vault_op o;
	int found;

	if (ulid_parse(op, strlen(op), NULL, e) < 0 || vault_op_get(v, op, &o, &found, e) < 0)
		return -1;
	if (!found)
		return err_set(e, S3GC_E_VAULT, 0, "no operation %s in the vault", op);
	return 0;
}

int vault_item_put(struct vault *v, const char *op, const struct vault_item *it,
		   struct s3gc_err *e)
{
	unsigned char kf[VAULT_KF_MAX], k[KEYBUF];
	struct buf b = BUF_INIT;
	size_t kn, n;
	int rc = -1;

	if (vault_need_txn(v, 1, e) < 0 || need_op(v, op, e) < 0)
		return -1;
	if (it->keylen == 0)
		return err_set(e, S3GC_E_DATA, 0, "empty key");
	kn = vault_kform(it->key, it->keylen, kf);
	if (item_encode(it, &b, e) < 0)
		goto out;
	n = item_key(op, kf, kn, k);
	{
		MDB_val key = { n, k }, d = { b.len, b.data };
		int r = mdb_put(v->txn, v->items, &key, &d, MDB_NOOVERWRITE);

		if (r == MDB_KEYEXIST) {
			err_set(e, S3GC_E_VAULT, 0, "key '%.*s' is already in operation %s",
				(int)(it->keylen > 200 ? 200 : it->keylen), it->key, op);
			goto out;
		}
		if (r) {
			vault_db_err(v, r, "write an item", e);
			goto out;
		}
	}
	n = version_key(op, kf, kn, k);
	if (db_put(v, v->versions, k, n, "", 0, 0, e) < 0 || blob_ref(v, it, e) < 0)
		goto out;
	if (it->deleted_ms) {
		n = deleted_key(it->deleted_ms, op, kf, kn, k);
		if (db_put(v, v->deleted, k, n, "", 0, 0, e) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_release(&b);
	return rc;
}

static int get_by_kf(struct vault *v, const char *op, const unsigned char *kf,
		     size_t kn, struct vault_item *it, struct buf *store,
		     int *found, struct s3gc_err *e)
{
	unsigned char k[KEYBUF];
	size_t n = item_key(op, kf, kn, k);
	MDB_val d;

	if (db_get(v, v->items, k, n, &d, found, e) < 0)
		return -1;
	return *found ? item_decode(v, kf, kn, &d, it, store, e) : 0;
}

int vault_item_get(struct vault *v, const char *op, const char *key,
		   size_t keylen, struct vault_item *it, struct buf *store,
		   int *found, struct s3gc_err *e)
{
	unsigned char kf[VAULT_KF_MAX];

	*found = 0;
	if (vault_need_txn(v, 0, e) < 0)
		return -1;
	if (strlen(op) != ULID_LEN || keylen == 0)
		return 0;
	return get_by_kf(v, op, kf, vault_kform(key, keylen, kf), it, store, found, e);
}

/* Set the deletion (which 'D') or restore ('R') time of an item. */
static int mark(struct vault *v, const char *op, const char *key, size_t keylen,
		char which, int64_t ms, struct s3gc_err *e)
{
	unsigned char kf[VAULT_KF_MAX], k[KEYBUF];
	struct buf store = BUF_INIT, b = BUF_INIT;
	struct vault_item it;
	size_t kn, n;
	int found, rc = -1;

	if (vault_need_txn(v, 1, e) < 0)
		return -1;
	kn = vault_kform(key, keylen, kf);
	if (strlen(op) != ULID_LEN || get_by_kf(v, op, kf, kn, &it, &store, &found, e) < 0)
		goto out;
	if (!found) {
		err_set(e, S3GC_E_VAULT, 0, "key '%.*s' is not in operation %s",
			(int)(keylen > 200 ? 200 : keylen), key, op);
		goto out;
	}
	if (which == 'D' && it.deleted_ms) {
		MDB_val old = { deleted_key(it.deleted_ms, op, kf, kn, k), k };
		int r = mdb_del(v->txn, v->deleted, &old, NULL);

		if (r && r != MDB_NOTFOUND) {
			vault_db_err(v, r, "update a deletion", e);
			goto out;
		}
	}
	if (which == 'D')
		it.deleted_ms = ms;
	else
		it.restored_ms = ms;
	if (item_encode(&it, &b, e) < 0)
		goto out;
	n = item_key(op, kf, kn, k);
	if (db_put(v, v->items, k, n, b.data, b.len, 0, e) < 0)
		goto out;
	if (which == 'D' && ms) {
		n = deleted_key(ms, op, kf, kn, k);
		if (db_put(v, v->deleted, k, n, "", 0, 0, e) < 0)
			goto out;
	}
	rc = 0;
out:
	buf_release(&store);
	buf_release(&b);
	return rc;
}

int vault_item_deleted(struct vault *v, const char *op, const char *key,
		       size_t keylen, int64_t ms, struct s3gc_err *e)
{
	return mark(v, op, key, keylen, 'D', ms, e);
}

int vault_item_restored(struct vault *v, const char *op, const char *key,
			size_t keylen, int64_t ms, struct s3gc_err *e)
{
	return mark(v, op, key, keylen, 'R', ms, e);
}

/*
 * Walk dbi from the LMDB key `from` while keys start with its first
 * `prefix` bytes; for each, split (op, kf) out of it and hand the item
 * to fn.
 */
enum layout { L_ITEMS, L_VERSIONS, L_DELETED };

static int walk(struct vault *v, MDB_dbi dbi, enum layout lay,
		const unsigned char *from, size_t fromlen, size_t prefix,
		size_t want_len, int exclusive, vault_item_fn *fn, void *arg,
		struct s3gc_err *e)
{
	struct buf store = BUF_INIT;
	struct vault_item it;
	MDB_cursor *c;
	MDB_val k = { fromlen, (void *)from }, d;
	int rc, ret = 0;

	if (vault_need_txn(v, 0, e) < 0)
		return -1;
	if ((rc = mdb_cursor_open(v->txn, dbi, &c)) != 0)
		return vault_db_err(v, rc, "read", e);
	for (rc = mdb_cursor_get(c, &k, &d, fromlen ? MDB_SET_RANGE : MDB_FIRST);
	     rc == 0 && ret == 0; rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		const unsigned char *p = k.mv_data, *kf;
		char op[ULID_LEN + 1];
		size_t kn;
		int found;

		if (k.mv_size < prefix || memcmp(p, from, prefix) != 0)
			break;
		if (exclusive && k.mv_size == fromlen && memcmp(p, from, fromlen) == 0)
			continue;
		if (want_len && k.mv_size != want_len)
			continue;
		if (lay == L_ITEMS) {
			memcpy(op, p, ULID_LEN);
			kf = p + ULID_LEN;
			kn = k.mv_size - ULID_LEN;
		} else if (lay == L_VERSIONS) {
			kn = k.mv_size - 2 - ULID_LEN;
			kf = p + 2;
			memcpy(op, p + 2 + kn, ULID_LEN);
		} else {
			if (k.mv_size < 8 + ULID_LEN + 1)
				continue;
			memcpy(op, p + 8, ULID_LEN);
			kf = p + 8 + ULID_LEN;
			kn = k.mv_size - 8 - ULID_LEN;
		}
		op[ULID_LEN] = '\0';
		if (lay == L_ITEMS)
			ret = item_decode(v, kf, kn, &d, &it, &store, e);
		else if (get_by_kf(v, op, kf, kn, &it, &store, &found, e) < 0)
			ret = -1;
		else if (!found)
			ret = err_set(e, S3GC_E_VAULT, 0,
				      "vault index '%s/index' names an item that is not there "
				      "(operation %s)", v->dir, op);
		if (ret == 0) {
			int r = fn(arg, op, &it, e);

			if (r < 0)
				ret = -1;
			else if (r > 0)
				break; /* the caller has enough */
		}
	}
	mdb_cursor_close(c);
	buf_release(&store);
	if (ret == 0 && rc && rc != MDB_NOTFOUND)
		return vault_db_err(v, rc, "read", e);
	return ret;
}

int vault_items(struct vault *v, const char *op, vault_item_fn *fn, void *arg,
		struct s3gc_err *e)
{
	if (strlen(op) != ULID_LEN)
		return 0;
	return walk(v, v->items, L_ITEMS, (const unsigned char *)op, ULID_LEN,
		    ULID_LEN, 0, 0, fn, arg, e);
}

int vault_items_after(struct vault *v, const char *op, const char *after,
		      size_t afterlen, vault_item_fn *fn, void *arg,
		      struct s3gc_err *e)
{
	unsigned char kf[VAULT_KF_MAX], k[KEYBUF];
	size_t n;

	if (strlen(op) != ULID_LEN)
		return 0;
	if (afterlen == 0)
		return vault_items(v, op, fn, arg, e);
	n = item_key(op, kf, vault_kform(after, afterlen, kf), k);
	return walk(v, v->items, L_ITEMS, k, n, ULID_LEN, 0, 1, fn, arg, e);
}

int vault_versions(struct vault *v, const char *key, size_t keylen,
		   vault_item_fn *fn, void *arg, struct s3gc_err *e)
{
	unsigned char kf[VAULT_KF_MAX], k[KEYBUF];
	size_t kn, n;

	if (keylen == 0)
		return 0;
	kn = vault_kform(key, keylen, kf);
	vault_put_be(k, kn, 2);
	memcpy(k + 2, kf, kn);
	n = 2 + kn;
	return walk(v, v->versions, L_VERSIONS, k, n, n, n + ULID_LEN, 0, fn, arg, e);
}

int vault_deleted_since(struct vault *v, int64_t since_ms, vault_item_fn *fn,
			void *arg, struct s3gc_err *e)
{
	unsigned char k[8];

	vault_put_be(k, (uint64_t)(since_ms < 0 ? 0 : since_ms), 8);
	return walk(v, v->deleted, L_DELETED, k, 8, 0, 0, 0, fn, arg, e);
}

int vault_deleted_after(struct vault *v, int64_t ms, const char *op,
			const char *key, size_t keylen, vault_item_fn *fn,
			void *arg, struct s3gc_err *e)
{
	unsigned char kf[VAULT_KF_MAX], k[KEYBUF];
	size_t n;

	if (strlen(op) != ULID_LEN || keylen == 0)
		return err_set(e, S3GC_E_INTERNAL, 0, "no deletion to go on after");
	n = deleted_key(ms, op, kf, vault_kform(key, keylen, kf), k);
	return walk(v, v->deleted, L_DELETED, k, n, 0, 0, 1, fn, arg, e);
}

/* ---- dropping an operation; blobs ---- */

/* One use fewer of blob raw; *gone = 1 when it was the last. */
static int blob_unref(struct vault *v, const unsigned char raw[SHA256_LEN],
		      int *gone, struct s3gc_err *e)
{
	unsigned char rec[25];
	uint64_t refs;
	MDB_val key = { SHA256_LEN, (void *)raw }, d;
	int found, rc;

	*gone = 0;
	if (db_get(v, v->blobs, raw, SHA256_LEN, &d, &found, e) < 0)
		return -1;
	if (!found || d.mv_size != sizeof rec)
		return 0; /* nothing counted: nothing to give back */
	memcpy(rec, d.mv_data, sizeof rec);
	refs = vault_u64(rec, 8);
	if (refs <= 1) {
		*gone = 1;
		rc = mdb_del(v->txn, v->blobs, &key, NULL);
		return rc ? vault_db_err(v, rc, "drop a blob", e) : 0;
	}
	vault_put_be(rec, refs - 1, 8);
	return db_put(v, v->blobs, raw, SHA256_LEN, rec, sizeof rec, 0, e);
}

int vault_op_drop(struct vault *v, const char *op, vault_blob_gone_fn *gone_fn,
		  void *arg, struct s3gc_err *e)
{
	struct buf store = BUF_INIT;
	MDB_cursor *c;
	int rc, ret = -1;

	if (vault_need_txn(v, 1, e) < 0)
		return -1;
	if (strlen(op) != ULID_LEN)
		return err_set(e, S3GC_E_INTERNAL, 0, "'%s' is not an operation id", op);
	if ((rc = mdb_cursor_open(v->txn, v->items, &c)) != 0)
		return vault_db_err(v, rc, "read", e);
	for (;;) {
		MDB_val k = { ULID_LEN, (void *)op }, d;
		unsigned char kf[VAULT_KF_MAX], lk[KEYBUF], raw[SHA256_LEN];
		struct vault_item it;
		size_t kn, n;
		int gone;

		rc = mdb_cursor_get(c, &k, &d, MDB_SET_RANGE);
		if (rc == MDB_NOTFOUND || (rc == 0 && (k.mv_size < ULID_LEN ||
						       memcmp(k.mv_data, op, ULID_LEN) != 0)))
			break;
		if (rc) {
			vault_db_err(v, rc, "read", e);
			goto out;
		}
		kn = k.mv_size - ULID_LEN;
		memcpy(kf, (const unsigned char *)k.mv_data + ULID_LEN, kn);
		if (item_decode(v, kf, kn, &d, &it, &store, e) < 0 || hex_to_raw(it.blob, raw) < 0)
			goto out;
		n = version_key(op, kf, kn, lk);
		{
			MDB_val vk = { n, lk };

			rc = mdb_del(v->txn, v->versions, &vk, NULL);
		}
		if (rc == 0 && it.deleted_ms) {
			MDB_val dk = { deleted_key(it.deleted_ms, op, kf, kn, lk), lk };

			rc = mdb_del(v->txn, v->deleted, &dk, NULL);
		}
		if (rc && rc != MDB_NOTFOUND) {
			vault_db_err(v, rc, "drop an item", e);
			goto out;
		}
		if ((rc = mdb_cursor_del(c, 0)) != 0) {
			vault_db_err(v, rc, "drop an item", e);
			goto out;
		}
		if (blob_unref(v, raw, &gone, e) < 0 ||
		    (gone && gone_fn && gone_fn(arg, it.blob, e) < 0))
			goto out;
	}
	{
		MDB_val k = { ULID_LEN, (void *)op };

		rc = mdb_del(v->txn, v->ops, &k, NULL);
		if (rc && rc != MDB_NOTFOUND) {
			vault_db_err(v, rc, "drop an operation", e);
			goto out;
		}
	}
	ret = 0;
out:
	mdb_cursor_close(c);
	buf_release(&store);
	return ret;
}

int vault_blobs(struct vault *v, vault_blob_fn *fn, void *arg,
		struct s3gc_err *e)
{
	MDB_cursor *c;
	MDB_val k, d;
	int rc, ret = 0;

	if (vault_need_txn(v, 0, e) < 0)
		return -1;
	if ((rc = mdb_cursor_open(v->txn, v->blobs, &c)) != 0)
		return vault_db_err(v, rc, "read", e);
	for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0 && ret == 0;
	     rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
		struct vault_blob b;
		const unsigned char *p = d.mv_data;

		if (k.mv_size != SHA256_LEN || d.mv_size != 25) {
			ret = err_set(e, S3GC_E_VAULT, 0, "corrupt blob record in vault index '%s/index'",
				      v->dir);
			break;
		}
		hex_encode(k.mv_data, SHA256_LEN, b.hex);
		b.refs = vault_u64(p, 8);
		b.size = vault_u64(p + 8, 8);
		b.stored = vault_u64(p + 16, 8);
		b.compressed = p[24];
		if (fn(arg, &b, e) < 0)
			ret = -1;
	}
	mdb_cursor_close(c);
	if (ret == 0 && rc && rc != MDB_NOTFOUND)
		return vault_db_err(v, rc, "read", e);
	return ret;
}
