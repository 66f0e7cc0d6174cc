/* vault_del.c: deleting objects the vault holds (see vault_del.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "blob.h"
#include "pool.h"
#include "s3del.h"
#include "s3obj.h"
#include "timefmt.h"
#include "vault_del.h"

#define TRANSIENT_ROUNDS 4 /* batches a key may be sent in when S3 says "later" */

enum { K_WAITING, K_DELETED, K_CHANGED, K_FAILED, K_AGAIN, K_REFUSED, K_ALREADY };

struct key {
	char *key;
	size_t keylen;
	uint64_t size;
	int64_t mtime;
	char etag[ETAG_MAX + 1];
	char blob[SHA256_HEX_LEN + 1];
	int state;
	int rounds;
	int rechecked;
	char code[64];
	char *why;  /* K_REFUSED: why */
};

/* A batch: checked and sent by a worker, recorded in this thread. */
struct batch {
	struct key *q;
	size_t n;
	struct key **sorted;  /* q by key, to find answers */
	int ran, rc;
	struct s3gc_err err;
};

/* What a worker sends with. */
struct sender {
	struct vault_del *vd;
	struct http_xfer x;
	struct s3_objhead head;
};

struct vault_del {
	struct vault *v;
	const struct s3_client *c;
	struct audit *audit;
	char op[ULID_LEN + 1];
	size_t batch;
	int head_first;
	int dry_run;
	vault_del_fn *fn;
	void *arg;
	struct batch *b;      /* being filled */
	struct pool *pool;
	size_t ns;
	struct sender *s;
	struct buf store;
	struct vault_del_stats st;
	int failed;            /* deleting cannot go on: ferr says why */
	struct s3gc_err ferr;
	int probed;            /* the server's conditions were tried */
};

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->q[i].key);
		free(b->q[i].why);
	}
	free(b->q);
	free(b->sorted);
	free(b);
}

static struct batch *batch_new(size_t n, struct s3gc_err *e)
{
	struct batch *b = calloc(1, sizeof(*b));

	if (!b || !(b->q = calloc(n, sizeof(*b->q))) || !(b->sorted = calloc(n, sizeof(*b->sorted)))) {
		batch_free(b);
		err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		return NULL;
	}
	return b;
}

static void run_batch(void *worker, void *task);

int vault_del_begin(struct vault_del **vdp, struct vault *v,
		    const struct s3_client *c, const char *op,
		    const struct vault_del_opts *opt, vault_del_fn *fn, void *arg,
		    struct s3gc_err *e)
{
	size_t batch = opt->batch, jobs = opt->jobs < 1 ? 1 : opt->jobs;
	struct vault_del *vd = calloc(1, sizeof(*vd));
	void *ws[POOL_MAX_WORKERS];
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
	if (jobs > POOL_MAX_WORKERS) {
		err_set(e, S3GC_E_USAGE, 0, "at most %d jobs, not %zu", POOL_MAX_WORKERS, jobs);
		goto fail;
	}
	if (ulid_parse(op, strlen(op), vd->op, e) < 0)
		goto fail;
	if (!(vd->s = calloc(jobs, sizeof(*vd->s)))) {
		err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		goto fail;
	}
	for (; vd->ns < jobs; vd->ns++) {
		struct sender *sd = &vd->s[vd->ns];

		sd->vd = vd;
		s3_objhead_init(&sd->head);
		if (http_xfer_init(&sd->x, &c->policy, e) < 0) {
			s3_objhead_release(&sd->head);
			goto fail;
		}
		ws[vd->ns] = sd;
	}
	/* One job: each batch is sent when it is full, as it comes. */
	if (pool_new(&vd->pool, jobs > 1 ? jobs : 0, ws, jobs > 1 ? 2 * jobs : 1, run_batch, e) < 0)
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

void vault_del_free(struct vault_del *vd)
{
	if (!vd)
		return;
	if (vd->pool) {
		pool_cancel(vd->pool);
		for (struct batch *b; (b = pool_next(vd->pool));)
			batch_free(b);
		pool_free(vd->pool);
	}
	batch_free(vd->b);
	for (size_t i = 0; i < vd->ns; i++) {
		http_xfer_release(&vd->s[i].x);
		s3_objhead_release(&vd->s[i].head);
	}
	free(vd->s);
	audit_close(vd->audit);
	buf_release(&vd->store);
	free(vd);
}

static int audit_key(struct vault_del *vd, const char *key, size_t keylen,
		     long long size, const char *etag, const char *blob,
		     const char *outcome, const char *error, struct s3gc_err *e)
{
	struct audit_rec r = { 0, vd->op, "delete", key, keylen, size,
			       etag && *etag ? etag : NULL, blob, outcome, error, NULL };

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

static int submit(struct vault_del *vd, struct s3gc_err *e);

int vault_del_add(struct vault_del *vd, const char *key, size_t keylen,
		  struct s3gc_err *e)
{
	struct vault_item it;
	struct key *k;
	int found;

	if (vd->failed) {
		*e = vd->ferr;
		return -1;
	}
	if (!vd->b && !(vd->b = batch_new(vd->batch, e)))
		return -1;
	for (size_t i = 0; i < vd->b->n; i++)
		if (vd->b->q[i].keylen == keylen && !memcmp(vd->b->q[i].key, key, keylen))
			return 0; /* the same key twice in a batch: once is enough */
	if (vault_begin(vd->v, 0, e) < 0)
		return -1;
	if (vault_item_get(vd->v, vd->op, key, keylen, &it, &vd->store, &found, e) < 0) {
		vault_abort(vd->v);
		return -1;
	}
	vault_abort(vd->v);
	k = &vd->b->q[vd->b->n];
	memset(k, 0, sizeof(*k));
	if (!(k->key = malloc(keylen + 1)))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	memcpy(k->key, key, keylen);
	k->key[keylen] = '\0';
	k->keylen = keylen;
	vd->b->n++;
	if (!found) {
		k->state = K_REFUSED;
		if (!(k->why = strdup("not vaulted in this operation")))
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	} else {
		k->size = it.size;
		k->mtime = it.last_modified;
		snprintf(k->etag, sizeof k->etag, "%s", it.etag);
		memcpy(k->blob, it.blob, sizeof k->blob);
		/* Deleted before, and not restored since: nothing to send. */
		k->state = it.deleted_ms && it.deleted_ms >= it.restored_ms ? K_ALREADY : K_WAITING;
	}
	return vd->b->n >= vd->batch ? submit(vd, e) : 0;
}

/* ---- in a worker: check the copies, send the batch ---- */

static int keycmp(const void *a, const void *b)
{
	const struct key *x = *(struct key *const *)a, *y = *(struct key *const *)b;
	int c = memcmp(x->key, y->key, x->keylen < y->keylen ? x->keylen : y->keylen);

	return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

static struct key *find(struct batch *b, const char *key, size_t keylen)
{
	struct key probe, *pp = &probe, **hit;

	probe.key = (char *)key;
	probe.keylen = keylen;
	hit = bsearch(&pp, b->sorted, b->n, sizeof(*b->sorted), keycmp);
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
	struct key *k = find(arg, key, keylen);

	(void)msg;
	(void)e;
	if (!k || k->state != K_WAITING)
		return 0; /* not one we asked for, or answered twice: ignored */
	if (!code)
		k->state = K_DELETED;
	else if (!strcmp(code, "PreconditionFailed"))
		k->state = K_CHANGED;
	else if (transient(code) && ++k->rounds < TRANSIENT_ROUNDS)
		k->state = K_AGAIN;
	else
		k->state = K_FAILED;
	if (code)
		snprintf(k->code, sizeof k->code, "%s", code);
	return 0;
}

/*
 * Look at a key with HEAD: gone, it counts as deleted (by us before a
 * crash, or by someone); there with another ETag, it changed; there
 * unchanged, it takes state `same`.
 */
static int look(struct sender *sd, struct key *k, int same, struct s3gc_err *e)
{
	if (s3_head_object(sd->vd->c, &sd->x, k->key, k->keylen, &sd->head, e) < 0)
		return -1;
	k->state = !sd->head.found ? K_DELETED : strcmp(sd->head.etag, k->etag) != 0 ? K_CHANGED :
		   same;
	return 0;
}

/* The copy must be whole now, not only when it was made. */
static int check_copies(struct sender *sd, struct batch *b, struct s3gc_err *e)
{
	for (size_t i = 0; i < b->n; i++) {
		struct key *k = &b->q[i];
		struct blob_info bi;
		struct s3gc_err be;

		if (k->state != K_WAITING)
			continue;
		err_clear(&be);
		memset(&bi, 0, sizeof bi);
		if (blob_read(vault_dir(sd->vd->v), k->blob, NULL, NULL, &bi, &be) == 0 &&
		    bi.size == k->size)
			continue;
		if (be.cls == S3GC_OK) /* read back whole, but not the size vaulted */
			snprintf(be.msg, sizeof be.msg, "its copy holds %llu bytes, not %llu",
				 (unsigned long long)bi.size, (unsigned long long)k->size);
		k->state = K_REFUSED;
		if (!(k->why = strdup(be.msg)))
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	}
	return 0;
}

/* Send the waiting keys: DeleteObjects, or DELETE one by one for keys XML
 * cannot carry. */
static int send_batch(struct sender *sd, struct batch *b, struct s3gc_err *e)
{
	struct s3del_obj *objs = calloc(b->n ? b->n : 1, sizeof(*objs));
	int head_first = sd->vd->head_first;
	size_t m = 0;
	int rc = 0;

	if (!objs)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	for (size_t i = 0; i < b->n && rc == 0; i++) {
		struct key *k = &b->q[i];

		if (k->state != K_WAITING)
			continue;
		if (!s3del_xml_ok(k->key, k->keylen)) {
			struct s3gc_err de;

			if (s3_delete_object(sd->vd->c, &sd->x, k->key, k->keylen,
					     head_first ? NULL : k->etag, &de) == 0)
				k->state = K_DELETED;
			else if (de.cls == S3GC_E_S3 && de.code == 412)
				k->state = K_CHANGED;
			else if (de.cls == S3GC_E_S3) {
				k->state = K_FAILED;
				snprintf(k->code, sizeof k->code, "%d", de.code);
			} else {
				*e = de;
				rc = -1;
			}
			continue;
		}
		objs[m].key = k->key;
		objs[m].keylen = k->keylen;
		objs[m].etag = head_first ? NULL : k->etag;
		m++;
	}
	if (rc == 0 && m)
		rc = s3_delete_objects(sd->vd->c, &sd->x, objs, m, on_result, b, e);
	free(objs);
	if (rc < 0)
		return -1;
	/* Keys the answer left out were not deleted. */
	for (size_t i = 0; i < b->n; i++)
		if (b->q[i].state == K_WAITING && s3del_xml_ok(b->q[i].key, b->q[i].keylen)) {
			b->q[i].state = K_FAILED;
			snprintf(b->q[i].code, sizeof b->q[i].code, "no answer");
		}
	return 0;
}

static int delete_batch(struct sender *sd, struct batch *b, struct s3gc_err *e)
{
	int again;

	if (check_copies(sd, b, e) < 0)
		return -1;
	if (sd->vd->dry_run)
		return 0;
	for (size_t i = 0; i < b->n; i++)
		b->sorted[i] = &b->q[i];
	qsort(b->sorted, b->n, sizeof(*b->sorted), keycmp);
	/* HEAD first, for servers that ignore conditions: only unchanged keys go. */
	for (size_t i = 0; i < b->n && sd->vd->head_first; i++)
		if (b->q[i].state == K_WAITING && look(sd, &b->q[i], K_WAITING, e) < 0)
			return -1;
	do {
		if (send_batch(sd, b, e) < 0)
			return -1;
		again = 0;
		for (size_t i = 0; i < b->n; i++) {
			struct key *k = &b->q[i];

			/* Refused for its ETag: gone, changed, or refused all the same. */
			if (k->state == K_CHANGED && !sd->vd->head_first && !k->rechecked) {
				k->rechecked = 1;
				if (look(sd, k, K_FAILED, e) < 0)
					return -1;
			}
			if (k->state == K_AGAIN) {
				k->state = K_WAITING;
				again = 1;
			}
		}
	} while (again);
	return 0;
}

static void run_batch(void *worker, void *task)
{
	struct batch *b = task;

	b->rc = delete_batch(worker, b, &b->err);
	b->ran = 1;
}

/* ---- in this thread: record, in order ---- */

/* Record the batch's outcome: index, then audit trail, then the caller. */
static int record(struct vault_del *vd, struct batch *b, struct s3gc_err *e)
{
	static const char *const outcome[] = { "", "deleted", "changed", "failed", "", "refused", "" };
	int64_t when = (int64_t)time_now_ms();
	struct obj o;
	int audited = 0;

	if (vd->dry_run) {
		for (size_t i = 0; i < b->n; i++) {
			const struct key *k = &b->q[i];

			vd->st.would += k->state == K_WAITING;
			vd->st.refused += k->state == K_REFUSED;
			vd->st.already += k->state == K_ALREADY;
			if (k->state == K_WAITING && vd->fn) {
				obj_of(k, &o);
				if (vd->fn(vd->arg, &o, e) < 0)
					return -1;
			}
		}
		return 0;
	}
	if (vault_begin(vd->v, 1, e) < 0)
		return -1;
	for (size_t i = 0; i < b->n; i++)
		if (b->q[i].state == K_DELETED &&
		    vault_item_deleted(vd->v, vd->op, b->q[i].key, b->q[i].keylen, when, e) < 0) {
			vault_abort(vd->v);
			return -1;
		}
	if (vault_commit(vd->v, e) < 0)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		const struct key *k = &b->q[i];

		if (k->state == K_ALREADY) {
			vd->st.already++;
			continue;
		}
		if (audit_key(vd, k->key, k->keylen, k->state == K_REFUSED && !k->etag[0] ? -1 :
			      (long long)k->size, k->etag, k->blob[0] ? k->blob : NULL,
			      outcome[k->state], k->state == K_FAILED ? k->code :
			      k->state == K_REFUSED ? k->why : NULL, e) < 0)
			return -1;
		audited = 1;
		vd->st.deleted += k->state == K_DELETED;
		vd->st.changed += k->state == K_CHANGED;
		vd->st.failed += k->state == K_FAILED;
		vd->st.refused += k->state == K_REFUSED;
	}
	if (audited && audit_flush(vd->audit, e) < 0)
		return -1;
	for (size_t i = 0; i < b->n && vd->fn; i++)
		if (b->q[i].state == K_DELETED || b->q[i].state == K_ALREADY) {
			obj_of(&b->q[i], &o);
			if (vd->fn(vd->arg, &o, e) < 0)
				return -1;
		}
	return 0;
}

/*
 * Record the oldest batch given. The first failure stops the batches not
 * yet started; the ones that ran are still recorded (their deletions
 * happened), and the first failure is what the caller hears.
 */
static int record_next(struct vault_del *vd)
{
	struct batch *b = pool_next(vd->pool);
	struct s3gc_err mine;
	int rc = 0;

	if (!b)
		return 0;
	if (b->ran && b->rc < 0) {
		mine = b->err;
		rc = -1;
	} else if (b->ran && record(vd, b, &mine) < 0) {
		rc = -1;
	}
	batch_free(b);
	if (rc < 0 && !vd->failed) {
		vd->failed = 1;
		vd->ferr = mine;
		pool_cancel(vd->pool);
	}
	return rc;
}

static int on_probe(void *arg, const char *key, size_t keylen, const char *code,
		    const char *msg, struct s3gc_err *e)
{
	(void)key;
	(void)keylen;
	(void)msg;
	(void)e;
	if (!code)
		*(int *)arg = 1;
	return 0;
}

/*
 * Whether the server honours the ETag condition of DeleteObjects: ask it
 * to delete a key that does not exist, only if its ETag is one no object
 * has. A server that honours it refuses (PreconditionFailed, NoSuchKey);
 * one that answers "deleted" ignored the condition, and every key is then
 * looked at (HEAD) before it is sent, as with head_first. Run before the
 * first batch goes to the workers: the first one's transfer is free.
 */
static int probe(struct vault_del *vd, struct s3gc_err *e)
{
	char key[64], id[ULID_LEN + 1];
	struct s3del_obj o = { key, 0, "00000000000000000000000000000000" };
	int deleted = 0;

	vd->probed = 1;
	if (vd->dry_run || vd->head_first)
		return 0;
	if (ulid_new(id, e) < 0)
		return -1;
	o.keylen = (size_t)snprintf(key, sizeof key, ".s3gc-probe/%s", id);
	if (s3_delete_objects(vd->c, &vd->s[0].x, &o, 1, on_probe, &deleted, e) < 0)
		return -1;
	if (deleted) {
		vd->head_first = 1;
		vd->st.ignores_conditions = 1;
	}
	return 0;
}

static int submit(struct vault_del *vd, struct s3gc_err *e)
{
	if (!vd->probed && probe(vd, &vd->ferr) < 0)
		vd->failed = 1;
	while (!vd->failed && pool_full(vd->pool))
		record_next(vd);
	if (!vd->failed) {
		pool_submit(vd->pool, vd->b);
		vd->b = NULL;
		while (!vd->failed && pool_full(vd->pool))
			record_next(vd);
	}
	if (vd->failed) {
		*e = vd->ferr;
		return -1;
	}
	return 0;
}

int vault_del_flush(struct vault_del *vd, struct s3gc_err *e)
{
	if (!vd->failed && vd->b && vd->b->n)
		submit(vd, e);
	while (pool_pending(vd->pool))
		record_next(vd);
	if (vd->failed) {
		*e = vd->ferr;
		return -1;
	}
	return 0;
}

int vault_del_end(struct vault_del *vd, int flush, struct vault_del_stats *st,
		  struct s3gc_err *e)
{
	uint64_t add[VC_N] = { 0 };
	struct s3gc_err ce;
	int rc;

	if (!flush) {
		batch_free(vd->b);
		vd->b = NULL;
	}
	rc = vault_del_flush(vd, e);
	if (st)
		*st = vd->st;
	add[VC_DELETED] = vd->st.deleted;
	add[VC_REFUSED] = vd->st.refused + vd->st.changed;
	add[VC_ERRORS] = vd->st.failed;
	if (!vd->dry_run && vault_op_add(vd->v, vd->op, add, &ce) < 0 && rc == 0) {
		*e = ce;
		rc = -1;
	}
	vault_del_free(vd);
	return rc;
}
