/* t-vault.c: the vault index: operations, items, versions, deletions, blobs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "vault.h"

#define BLOB_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BLOB_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct seen {
	char ops[16][ULID_LEN + 1];
	char keys[16][1100];
	size_t n;
};

static int see(void *arg, const char *op, const struct vault_item *it, struct s3gc_err *e)
{
	struct seen *s = arg;

	(void)e;
	if (s->n < 16) {
		memcpy(s->ops[s->n], op, ULID_LEN + 1);
		memcpy(s->keys[s->n], it->key, it->keylen);
		s->keys[s->n][it->keylen] = '\0';
	}
	s->n++;
	return 0;
}

static int see_one(void *arg, const char *op, const struct vault_item *it,
		   struct s3gc_err *e)
{
	see(arg, op, it, e);
	return 1;
}

static int see_op(void *arg, const struct vault_op *op, struct s3gc_err *e)
{
	struct seen *s = arg;

	(void)e;
	if (s->n < 16)
		memcpy(s->ops[s->n], op->id, ULID_LEN + 1);
	s->n++;
	return 0;
}

static struct vault_item item(const char *key, size_t keylen, const char *blob)
{
	struct vault_item it;

	memset(&it, 0, sizeof it);
	it.key = key;
	it.keylen = keylen;
	it.size = 1234;
	it.last_modified = 1700000000;
	it.etag = "d41d8cd98f00b204e9800998ecf8427e";
	memcpy(it.blob, blob, SHA256_HEX_LEN + 1);
	it.compressed = 1;
	it.stored = 99;
	it.vaulted_ms = 1700000000123;
	return it;
}

int main(void)
{
	char dir[] = "/tmp/t-vault.XXXXXX", path[128], op1[ULID_LEN + 1], op2[ULID_LEN + 1],
	     op3[ULID_LEN + 1], longa[1025], longb[1025], cmd[160];
	struct buf store = BUF_INIT;
	struct vault_item it, got;
	struct vault_op op;
	struct vault *v;
	struct s3gc_err e;
	struct seen s;
	uint64_t refs;
	int found;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/vault", dir);
	tap_ok(vault_open(&v, path, 1, &e) < 0 && e.cls == S3GC_E_NOINPUT,
	       "read-only, missing: %s", e.msg);
	tap_ok(vault_open(&v, path, 0, &e) == 0, "made");
	ulid_new(op1, &e);
	ulid_new(op2, &e);
	ulid_new(op3, &e);

	tap_ok(vault_begin(v, 1, &e) == 0 && vault_op_new(v, op1, "execute", "abc", &e) == 0 &&
	       vault_op_new(v, op2, "dry_run", NULL, &e) == 0 && vault_commit(v, &e) == 0,
	       "two operations");
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_op_new(v, op1, "execute", NULL, &e) < 0 &&
	       e.cls == S3GC_E_VAULT && strstr(e.msg, "already"), "one again: %s", e.msg);
	vault_abort(v);
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_op_new(v, "not-an-id", "execute", NULL, &e) < 0 &&
	       e.cls == S3GC_E_DATA, "a bad id: %s", e.msg);
	vault_abort(v);

	vault_begin(v, 0, &e);
	tap_ok(vault_op_get(v, op1, &op, &found, &e) == 0 && found && !strcmp(op.id, op1) &&
	       !strcmp(op.mode, "execute") && !strcmp(op.state, "running") &&
	       !strcmp(op.digest, "abc") && op.started_ms > 1700000000000 && op.finished_ms == 0,
	       "read back: %s %s %s", op.id, op.mode, op.state);
	vault_abort(v);
	op.count[VC_DELETED] = 7;
	op.count[VC_BYTES] = 1ULL << 40;
	op.finished_ms = op.started_ms + 5;
	strcpy(op.state, "done");
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_op_put(v, &op, &e) == 0 &&
	       vault_op_new(v, op3, "execute", NULL, &e) == 0 && vault_commit(v, &e) == 0,
	       "updated, and a third");
	vault_begin(v, 0, &e);
	tap_ok(vault_op_get(v, op1, &op, &found, &e) == 0 && op.count[VC_DELETED] == 7 &&
	       op.count[VC_BYTES] == 1ULL << 40 && !strcmp(op.state, "done") &&
	       op.finished_ms == op.started_ms + 5, "counts, state and finish time kept");
	memset(&s, 0, sizeof s);
	tap_ok(vault_ops(v, see_op, &s, &e) == 0 && s.n == 3 && !strcmp(s.ops[0], op1) &&
	       !strcmp(s.ops[2], op3), "listed in time order");
	vault_abort(v);

	/* Items. */
	it = item("photos/a.jpg", 12, BLOB_A);
	it.content_type = "image/jpeg";
	it.cache_control = "max-age=60";
	it.meta[0].name = "x-amz-meta-owner";
	it.meta[0].value = "u1";
	it.meta[1].name = "x-amz-meta-empty";
	it.meta[1].value = "";
	it.nmeta = 2;
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_item_put(v, op1, &it, &e) == 0 &&
	       vault_commit(v, &e) == 0, "an item");
	vault_begin(v, 0, &e);
	tap_ok(vault_item_get(v, op1, "photos/a.jpg", 12, &got, &store, &found, &e) == 0 && found &&
	       got.keylen == 12 && !memcmp(got.key, "photos/a.jpg", 12) && got.size == 1234 &&
	       got.last_modified == 1700000000 && !strcmp(got.etag, it.etag) &&
	       !strcmp(got.blob, BLOB_A) && got.compressed == 1 && got.stored == 99 &&
	       got.vaulted_ms == 1700000000123 && got.deleted_ms == 0 &&
	       !strcmp(got.content_type, "image/jpeg") && !strcmp(got.cache_control, "max-age=60") &&
	       !got.content_encoding && !got.content_disposition && got.nmeta == 2 &&
	       !strcmp(got.meta[0].name, "x-amz-meta-owner") && !strcmp(got.meta[0].value, "u1") &&
	       !strcmp(got.meta[1].value, ""), "read back whole");
	tap_ok(vault_item_get(v, op2, "photos/a.jpg", 12, &got, &store, &found, &e) == 0 && !found,
	       "not in another operation");
	vault_abort(v);
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_item_put(v, op1, &it, &e) < 0 &&
	       strstr(e.msg, "already in operation"), "twice in one operation: %s", e.msg);
	vault_abort(v);
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_item_put(v, "01ARYZ6S41TSV4RRFFQ69G5FAV", &it, &e) < 0 &&
	       strstr(e.msg, "no operation"), "in an operation that does not exist: %s", e.msg);
	vault_abort(v);

	/* Versions: the key in two operations; a longer key sharing its start is another. */
	it = item("photos/a.jpg", 12, BLOB_A);
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_item_put(v, op2, &it, &e) == 0 &&
	       (it = item("photos/a.jpgx", 13, BLOB_B), vault_item_put(v, op2, &it, &e)) == 0 &&
	       (it = item("photos/a.jp", 11, BLOB_B), vault_item_put(v, op3, &it, &e)) == 0 &&
	       vault_commit(v, &e) == 0, "more items");
	vault_begin(v, 0, &e);
	memset(&s, 0, sizeof s);
	tap_ok(vault_versions(v, "photos/a.jpg", 12, see, &s, &e) == 0 && s.n == 2 &&
	       !strcmp(s.ops[0], op1) && !strcmp(s.ops[1], op2) && !strcmp(s.keys[1], "photos/a.jpg"),
	       "versions of a key: its two, oldest first (%zu)", s.n);
	memset(&s, 0, sizeof s);
	tap_ok(vault_items(v, op2, see, &s, &e) == 0 && s.n == 2 &&
	       !strcmp(s.keys[0], "photos/a.jpg") && !strcmp(s.keys[1], "photos/a.jpgx"),
	       "items of an operation, in key order");
	tap_ok(vault_blob_refs(v, BLOB_A, &refs, &e) == 0 && refs == 2 &&
	       vault_blob_refs(v, BLOB_B, &refs, &e) == 0 && refs == 2,
	       "each blob used twice");
	vault_abort(v);

	/* Deletions, for --as-of. */
	tap_ok(vault_begin(v, 1, &e) == 0 &&
	       vault_item_deleted(v, op1, "photos/a.jpg", 12, 5000, &e) == 0 &&
	       vault_item_deleted(v, op2, "photos/a.jpgx", 13, 6000, &e) == 0 &&
	       vault_item_deleted(v, op3, "photos/a.jp", 11, 7000, &e) == 0 &&
	       vault_commit(v, &e) == 0, "three deletions");
	vault_begin(v, 0, &e);
	memset(&s, 0, sizeof s);
	tap_ok(vault_deleted_since(v, 5500, see, &s, &e) == 0 && s.n == 2 &&
	       !strcmp(s.keys[0], "photos/a.jpgx") && !strcmp(s.keys[1], "photos/a.jp"),
	       "deleted since a time: in deletion order");
	vault_abort(v);
	tap_ok(vault_begin(v, 1, &e) == 0 &&
	       vault_item_deleted(v, op2, "photos/a.jpgx", 13, 4000, &e) == 0 &&
	       vault_item_restored(v, op2, "photos/a.jpgx", 13, 8000, &e) == 0 &&
	       vault_item_deleted(v, op2, "nothere", 7, 1, &e) < 0 && strstr(e.msg, "not in operation"),
	       "deletion time changed, restore time set; a missing item: %s", e.msg);
	vault_commit(v, &e);
	vault_begin(v, 0, &e);
	memset(&s, 0, sizeof s);
	tap_ok(vault_deleted_since(v, 5500, see, &s, &e) == 0 && s.n == 1 &&
	       !strcmp(s.keys[0], "photos/a.jp"), "the old deletion time is gone from the index");
	tap_ok(vault_item_get(v, op2, "photos/a.jpgx", 13, &got, &store, &found, &e) == 0 &&
	       got.deleted_ms == 4000 && got.restored_ms == 8000 && !strcmp(got.blob, BLOB_B),
	       "and the item has both times");
	vault_abort(v);

	/* Keys longer than LMDB's keys. */
	memset(longa, 'k', 1024);
	memcpy(longb, longa, 1024);
	longb[1023] = 'j';
	longa[1024] = longb[1024] = '\0';
	tap_ok(vault_begin(v, 1, &e) == 0 &&
	       (it = item(longa, 1024, BLOB_A), vault_item_put(v, op3, &it, &e)) == 0 &&
	       (it = item(longb, 1024, BLOB_B), vault_item_put(v, op3, &it, &e)) == 0 &&
	       vault_item_deleted(v, op3, longb, 1024, 9000, &e) == 0 && vault_commit(v, &e) == 0,
	       "two 1,024-byte keys that differ in the last byte");
	vault_begin(v, 0, &e);
	tap_ok(vault_item_get(v, op3, longb, 1024, &got, &store, &found, &e) == 0 && found &&
	       got.keylen == 1024 && !memcmp(got.key, longb, 1024) && !strcmp(got.blob, BLOB_B),
	       "each reads back whole, as itself");
	memset(&s, 0, sizeof s);
	tap_ok(vault_deleted_since(v, 8500, see, &s, &e) == 0 && s.n == 1 &&
	       !strcmp(s.keys[0], longb), "found by deletion time");
	memset(&s, 0, sizeof s);
	tap_ok(vault_versions(v, longa, 1024, see, &s, &e) == 0 && s.n == 1 &&
	       !strcmp(s.keys[0], longa), "versions of a long key");
	vault_abort(v);

	/* Going on after a key or a deletion, and stopping early. */
	vault_begin(v, 0, &e);
	memset(&s, 0, sizeof s);
	tap_ok(vault_items_after(v, op2, "photos/a.jpg", 12, see, &s, &e) == 0 && s.n == 1 &&
	       !strcmp(s.keys[0], "photos/a.jpgx"), "items after a key");
	memset(&s, 0, sizeof s);
	tap_ok(vault_deleted_after(v, 5000, op1, "photos/a.jpg", 12, see, &s, &e) == 0 &&
	       s.n == 2 && !strcmp(s.keys[0], "photos/a.jp") && !strcmp(s.keys[1], longb),
	       "deletions after one");
	memset(&s, 0, sizeof s);
	tap_ok(vault_deleted_since(v, 0, see_one, &s, &e) == 0 && s.n == 1,
	       "a walk stops when told to, without an error");
	vault_abort(v);

	/* An aborted transaction leaves nothing; a reopened vault has everything. */
	it = item("gone", 4, BLOB_A);
	tap_ok(vault_begin(v, 1, &e) == 0 && vault_item_put(v, op1, &it, &e) == 0 &&
	       (vault_abort(v), vault_begin(v, 0, &e)) == 0 &&
	       vault_item_get(v, op1, "gone", 4, &got, &store, &found, &e) == 0 && !found,
	       "aborted: not there");
	vault_abort(v);
	vault_close(v);
	tap_ok(vault_open(&v, path, 1, &e) == 0 && vault_begin(v, 0, &e) == 0 &&
	       vault_item_get(v, op1, "photos/a.jpg", 12, &got, &store, &found, &e) == 0 && found &&
	       got.deleted_ms == 5000, "reopened read-only: kept");
	vault_abort(v);
	vault_close(v);

	buf_release(&store);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
