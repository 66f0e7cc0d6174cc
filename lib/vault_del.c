/* vault_del.c: deleting objects the vault holds (see vault_del.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "blob.h"
#include "s3del.h"
#include "s3obj.h"
#include "timefmt.h"
#include "vault_del.h"

#define TRANSIENT_ROUNDS 4 /* batches a key may be sent in when S3 says "later" */

struct key {
	char *key;
	size_t keylen;
	uint64_t size;
	int64_t mtime;
	char etag[ETAG_MAX + 1];
	char blob[SHA256_HEX_LEN + 1];
	int state;  /* 0 waiting, 1 deleted, 2 changed, 3 failed, 4 again */
	int rounds;
	int rechecked;
	char code[64];
};

struct vault_del {
	struct vault *v;
	const struct s3_client *c;
	struct http_xfer x;
	struct audit *audit;
	char op[ULID_LEN + 1];
	size_t batch;
	int head_first;
	int dry_run;
	vault_del_fn *fn;
	void *arg;
	struct key *q;        /* the batch */
	size_t n;
	struct key **sorted;  /* q by key, to find answers */
	struct buf store;
	struct s3_objhead head;
	struct vault_del_stats st;
};

int vault_del_begin(struct vault_del **vdp, struct vault *v,
		    const struct s3_client *c, const char *op,
		    const struct vault_del_opts *opt, vault_del_fn *fn, void *arg,
		    struct s3gc_err *e)
{
	size_t batch = opt->batch;
	struct vault_del *vd = calloc(1, sizeof(*vd));
	struct buf path = BUF_INIT;
	struct vault_op o;
	int found;

	*vdp = NULL;
	if (!vd)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	vd->v = v;
	vd->c = c;
	vd->batch = batch < 1 ? 1 : batch > S3DEL_MAX ? S3DEL_MAX : batch;
	vd->head_first = opt->head_first;
	vd->dry_run = opt->dry_run;
	vd->fn = fn;
	vd->arg = arg;
	buf_init(&vd->store, 0);
	s3_objhead_init(&vd->head);
	if (!(vd->q = calloc(vd->batch, sizeof(*vd->q))) ||
	    !(vd->sorted = calloc(vd->batch, sizeof(*vd->sorted)))) {
		err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		goto fail;
	}
	if (ulid_parse(op, strlen(op), vd->op, e) < 0 || http_xfer_init(&vd->x, &c->policy, e) < 0)
		goto fail;
	if (vault_begin(v, 0, e) < 0)
		goto fail;
	if (vault_op_get(v, vd->op, &o, &found, e) < 0) {
		vault_abort(v);
		goto fail;
	}
	vault_abort(v);
	if (!found) {
		err_set(e, S3GC_E_VAULT, 0, "no operation %s in the vault '%s': nothing of it "
			"can be deleted", vd->op, vault_dir(v));
		goto fail;
	}
	if (buf_addf(&path, e, "%s/audit.log", vault_dir(v)) < 0 ||
	    audit_open(&vd->audit, path.data, e) < 0)
		goto fail;
	buf_release(&path);
	*vdp = vd;
	return 0;
fail:
	buf_release(&path);
	vault_del_free(vd);
	return -1;
}

static void clear_batch(struct vault_del *vd)
{
	for (size_t i = 0; i < vd->n; i++)
		free(vd->q[i].key);
	vd->n = 0;
}

void vault_del_free(struct vault_del *vd)
{
	if (!vd)
		return;
	if (vd->q)
		clear_batch(vd);
	free(vd->q);
	free(vd->sorted);
	audit_close(vd->audit);
	if (vd->x.easy)
		http_xfer_release(&vd->x);
	buf_release(&vd->store);
	s3_objhead_release(&vd->head);
	free(vd);
}

static int audit_key(struct vault_del *vd, const char *key, size_t keylen,
		     long long size, const char *etag, const char *blob,
		     const char *outcome, const char *error, struct s3gc_err *e)
{
	struct audit_rec r = { 0, vd->op, "delete", key, keylen, size,
			       etag && *etag ? etag : NULL, blob, outcome, error };

	return audit_add(vd->audit, &r, e);
}

static void obj_of(const struct key *k, struct obj *o)
{
	memset(o, 0, sizeof(*o));
	o->key = k->key;
	o->key_len = k->keylen;
	o->has_meta = 1;
	o->size = k->size;
	o->mtime = (time_t)k->mtime;
	snprintf(o->etag, sizeof o->etag, "%s", k->etag);
}

int vault_del_add(struct vault_del *vd, const char *key, size_t keylen,
		  struct s3gc_err *e)
{
	struct vault_item it;
	struct blob_info bi;
	struct s3gc_err be;
	struct key *k;
	int found;

	for (size_t i = 0; i < vd->n; i++)
		if (vd->q[i].keylen == keylen && !memcmp(vd->q[i].key, key, keylen))
			return 0; /* the same key twice in a batch: once is enough */
	if (vault_begin(vd->v, 0, e) < 0)
		return -1;
	if (vault_item_get(vd->v, vd->op, key, keylen, &it, &vd->store, &found, e) < 0) {
		vault_abort(vd->v);
		return -1;
	}
	vault_abort(vd->v);
	if (!found) {
		vd->st.refused++;
		if (vd->dry_run)
			return 0;
		return audit_key(vd, key, keylen, -1, NULL, NULL, "refused",
				 "not vaulted in this operation", e) < 0 ||
		       audit_flush(vd->audit, e) < 0 ? -1 : 0;
	}
	/* Deleted before, and not restored since: nothing to send. */
	if (it.deleted_ms && it.deleted_ms >= it.restored_ms) {
		struct key done = { (char *)key, keylen, it.size, it.last_modified, "", "", 1, 0, 0, "" };
		struct obj o;

		snprintf(done.etag, sizeof done.etag, "%s", it.etag);
		vd->st.already++;
		obj_of(&done, &o);
		return vd->fn ? vd->fn(vd->arg, &o, e) : 0;
	}
	/* The copy must be whole now, not only when it was made. */
	err_clear(&be);
	memset(&bi, 0, sizeof bi);
	if (blob_read(vault_dir(vd->v), it.blob, NULL, NULL, &bi, &be) < 0 || bi.size != it.size) {
		vd->st.refused++;
		if (be.cls == S3GC_OK) /* read back whole, but not the size vaulted */
			snprintf(be.msg, sizeof be.msg, "its copy holds %llu bytes, not %llu",
				 (unsigned long long)bi.size, (unsigned long long)it.size);
		if (vd->dry_run)
			return 0;
		return audit_key(vd, key, keylen, (long long)it.size, it.etag, it.blob, "refused",
				 be.msg, e) < 0 || audit_flush(vd->audit, e) < 0 ? -1 : 0;
	}
	k = &vd->q[vd->n];
	memset(k, 0, sizeof(*k));
	if (!(k->key = malloc(keylen + 1)))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	memcpy(k->key, key, keylen);
	k->key[keylen] = '\0';
	k->keylen = keylen;
	k->size = it.size;
	k->mtime = it.last_modified;
	snprintf(k->etag, sizeof k->etag, "%s", it.etag);
	memcpy(k->blob, it.blob, sizeof k->blob);
	vd->n++;
	return vd->n >= vd->batch ? vault_del_flush(vd, e) : 0;
}

static int keycmp(const void *a, const void *b)
{
	const struct key *x = *(struct key *const *)a, *y = *(struct key *const *)b;
	int c = memcmp(x->key, y->key, x->keylen < y->keylen ? x->keylen : y->keylen);

	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

static struct key *find(struct vault_del *vd, const char *key, size_t keylen)
{
	struct key probe = { (char *)key, keylen, 0, 0, "", "", 0, 0, 0, "" }, *pp = &probe, **hit;

	hit = bsearch(&pp, vd->sorted, vd->n, sizeof(*vd->sorted), keycmp);
	return hit ? *hit : NULL;
}

static int transient(const char *code)
{
	return !strcmp(code, "InternalError") || !strcmp(code, "SlowDown") ||
	       !strcmp(code, "ServiceUnavailable") || !strcmp(code, "RequestTimeout");
}

/* A DeleteResult entry: note what became of the key. */
static int on_result(void *arg, const char *key, size_t keylen,
		     const char *code, const char *msg, struct s3gc_err *e)
{
	struct vault_del *vd = arg;
	struct key *k = find(vd, key, keylen);

	(void)msg;
	(void)e;
	if (!k || k->state != 0)
		return 0; /* not one we asked for, or answered twice: ignored */
	if (!code)
		k->state = 1;
	else if (!strcmp(code, "PreconditionFailed"))
		k->state = 2;
	else if (transient(code) && ++k->rounds < TRANSIENT_ROUNDS)
		k->state = 4;
	else
		k->state = 3;
	if (code)
		snprintf(k->code, sizeof k->code, "%s", code);
	return 0;
}

/*
 * Look at a key with HEAD: gone, it counts as deleted (by us before a
 * crash, or by someone); there with another ETag, it changed; there
 * unchanged, it takes state `same`.
 */
static int look(struct vault_del *vd, struct key *k, int same, struct s3gc_err *e)
{
	if (s3_head_object(vd->c, &vd->x, k->key, k->keylen, &vd->head, e) < 0)
		return -1;
	k->state = !vd->head.found ? 1 : strcmp(vd->head.etag, k->etag) != 0 ? 2 : same;
	return 0;
}

/* HEAD first, for servers that ignore conditions: only unchanged keys go. */
static int head_first(struct vault_del *vd, struct s3gc_err *e)
{
	for (size_t i = 0; i < vd->n; i++)
		if (vd->q[i].state == 0 && look(vd, &vd->q[i], 0, e) < 0)
			return -1;
	return 0;
}

/* Send the waiting keys: DeleteObjects, or DELETE one by one for keys XML
 * cannot carry. */
static int send_batch(struct vault_del *vd, struct s3gc_err *e)
{
	struct s3del_obj *objs = calloc(vd->n ? vd->n : 1, sizeof(*objs));
	size_t m = 0;
	int rc = 0;

	if (!objs)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	for (size_t i = 0; i < vd->n && rc == 0; i++) {
		struct key *k = &vd->q[i];

		if (k->state != 0)
			continue;
		if (!s3del_xml_ok(k->key, k->keylen)) {
			struct s3gc_err de;

			if (s3_delete_object(vd->c, &vd->x, k->key, k->keylen,
					     vd->head_first ? NULL : k->etag, &de) == 0)
				k->state = 1;
			else if (de.cls == S3GC_E_S3 && de.code == 412)
				k->state = 2;
			else if (de.cls == S3GC_E_S3) {
				k->state = 3;
				snprintf(k->code, sizeof k->code, "%d", de.code);
			} else {
				*e = de;
				rc = -1;
			}
			continue;
		}
		objs[m].key = k->key;
		objs[m].keylen = k->keylen;
		objs[m].etag = vd->head_first ? NULL : k->etag;
		m++;
	}
	if (rc == 0 && m)
		rc = s3_delete_objects(vd->c, &vd->x, objs, m, on_result, vd, e);
	free(objs);
	if (rc < 0)
		return -1;
	/* Keys the answer left out were not deleted. */
	for (size_t i = 0; i < vd->n; i++)
		if (vd->q[i].state == 0 && s3del_xml_ok(vd->q[i].key, vd->q[i].keylen)) {
			vd->q[i].state = 3;
			snprintf(vd->q[i].code, sizeof vd->q[i].code, "no answer");
		}
	return 0;
}

/* Record the batch's outcome: index, then audit trail, then the caller. */
static int record(struct vault_del *vd, struct s3gc_err *e)
{
	int64_t when = (int64_t)time_now_ms();
	struct obj o;

	if (vault_begin(vd->v, 1, e) < 0)
		return -1;
	for (size_t i = 0; i < vd->n; i++)
		if (vd->q[i].state == 1 &&
		    vault_item_deleted(vd->v, vd->op, vd->q[i].key, vd->q[i].keylen, when, e) < 0) {
			vault_abort(vd->v);
			return -1;
		}
	if (vault_commit(vd->v, e) < 0)
		return -1;
	for (size_t i = 0; i < vd->n; i++) {
		const struct key *k = &vd->q[i];
		static const char *const outcome[] = { "", "deleted", "changed", "failed" };

		if (audit_key(vd, k->key, k->keylen, (long long)k->size, k->etag, k->blob,
			      outcome[k->state], k->state == 3 ? k->code : NULL, e) < 0)
			return -1;
		vd->st.deleted += k->state == 1;
		vd->st.changed += k->state == 2;
		vd->st.failed += k->state == 3;
	}
	if (audit_flush(vd->audit, e) < 0)
		return -1;
	for (size_t i = 0; i < vd->n && vd->fn; i++)
		if (vd->q[i].state == 1) {
			obj_of(&vd->q[i], &o);
			if (vd->fn(vd->arg, &o, e) < 0)
				return -1;
		}
	return 0;
}

int vault_del_flush(struct vault_del *vd, struct s3gc_err *e)
{
	int again;

	if (vd->n == 0)
		return 0;
	if (vd->dry_run) {
		for (size_t i = 0; i < vd->n; i++) {
			struct obj o;

			vd->st.would++;
			obj_of(&vd->q[i], &o);
			if (vd->fn && vd->fn(vd->arg, &o, e) < 0)
				return -1;
		}
		clear_batch(vd);
		return 0;
	}
	for (size_t i = 0; i < vd->n; i++)
		vd->sorted[i] = &vd->q[i];
	qsort(vd->sorted, vd->n, sizeof(*vd->sorted), keycmp);
	if (vd->head_first && head_first(vd, e) < 0)
		return -1;
	do {
		if (send_batch(vd, e) < 0)
			return -1;
		again = 0;
		for (size_t i = 0; i < vd->n; i++) {
			struct key *k = &vd->q[i];

			/* Refused for its ETag: gone, changed, or refused all the same (3). */
			if (k->state == 2 && !vd->head_first && !k->rechecked) {
				k->rechecked = 1;
				if (look(vd, k, 3, e) < 0)
					return -1;
			}
			if (k->state == 4) {
				k->state = 0;
				again = 1;
			}
		}
	} while (again);
	if (record(vd, e) < 0)
		return -1;
	clear_batch(vd);
	return 0;
}

int vault_del_end(struct vault_del *vd, int flush, struct vault_del_stats *st,
		  struct s3gc_err *e)
{
	struct vault_op o;
	int found, rc;

	if (!flush)
		clear_batch(vd);
	rc = vault_del_flush(vd, e);
	if (st)
		*st = vd->st;

	if (rc == 0 && !vd->dry_run && vault_begin(vd->v, 1, e) == 0) {
		rc = -1;
		if (vault_op_get(vd->v, vd->op, &o, &found, e) == 0 && found) {
			o.count[VC_DELETED] += vd->st.deleted;
			o.count[VC_REFUSED] += vd->st.refused + vd->st.changed;
			o.count[VC_ERRORS] += vd->st.failed;
			if (vault_op_put(vd->v, &o, e) == 0 && vault_commit(vd->v, e) == 0)
				rc = 0;
		}
		if (rc < 0)
			vault_abort(vd->v);
	}
	vault_del_free(vd);
	return rc;
}
