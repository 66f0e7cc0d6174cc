/* vault_put.c: backing objects up into the vault (see vault_put.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "blob.h"
#include "hash.h"
#include "pool.h"
#include "s3obj.h"
#include "timefmt.h"
#include "vault_put.h"

/* What a worker fetches with: its own transfer and blob. */
struct fetcher {
	struct vault_put *vp;
	struct http_xfer x;
	struct blob_writer *w;  /* the blob being fetched */
	struct s3gc_err werr;   /* why the sink refused bytes */
};

/* One object on its way: given, looked up, fetched, settled in order. */
struct job {
	struct obj o;                          /* its key is `key` */
	char *key;
	int check;                             /* held: read the copy back */
	char blob[SHA256_HEX_LEN + 1];         /* the copy held, if any */
	char repair[SHA256_HEX_LEN + 1];       /* fetching again to mend it */
	int fetched;                           /* res and, if so, bi and head */
	enum vault_put_result res;
	struct blob_info bi;
	struct s3_objhead head;
	struct s3gc_err err;
};

struct vault_put {
	struct vault *v;
	const struct s3_client *c;
	struct audit *audit;
	char op[ULID_LEN + 1];
	int level;
	vault_put_fn *fn;
	void *arg;
	struct pool *pool;
	size_t nf;
	struct fetcher *f;
	struct buf store;
	struct vault_put_stats st;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	s3_objhead_release(&j->head);
	free(j->key);
	free(j);
}

static void put_free(struct vault_put *vp)
{
	if (!vp)
		return;
	if (vp->pool) {
		pool_cancel(vp->pool);
		for (struct job *j; (j = pool_next(vp->pool));)
			job_free(j);
		pool_free(vp->pool);
	}
	for (size_t i = 0; i < vp->nf; i++)
		if (vp->f[i].x.easy)
			http_xfer_release(&vp->f[i].x);
	free(vp->f);
	audit_close(vp->audit);
	buf_release(&vp->store);
	free(vp);
}

static void fetch(void *worker, void *task);

int vault_put_begin(struct vault_put **vpp, struct vault *v,
		    const struct s3_client *c, const char *op,
		    const struct vault_put_opts *opt, vault_put_fn *fn, void *arg,
		    struct s3gc_err *e)
{
	struct vault_put *vp = calloc(1, sizeof(*vp));
	size_t jobs = opt->jobs < 1 ? 1 : opt->jobs;
	void *ws[POOL_MAX_WORKERS];
	struct buf path = BUF_INIT;
	struct vault_op o;
	int found;

	*vpp = NULL;
	if (!vp)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	vp->v = v;
	vp->c = c;
	vp->level = opt->level;
	vp->fn = fn;
	vp->arg = arg;
	buf_init(&vp->store, 0);
	if (jobs > POOL_MAX_WORKERS) {
		err_set(e, S3GC_E_USAGE, 0, "at most %d jobs, not %zu", POOL_MAX_WORKERS, jobs);
		goto fail;
	}
	if (ulid_parse(op, strlen(op), vp->op, e) < 0)
		goto fail;
	if (!(vp->f = calloc(jobs, sizeof(*vp->f)))) {
		err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		goto fail;
	}
	for (; vp->nf < jobs; vp->nf++) {
		vp->f[vp->nf].vp = vp;
		if (http_xfer_init(&vp->f[vp->nf].x, &c->policy, e) < 0)
			goto fail;
		ws[vp->nf] = &vp->f[vp->nf];
	}
	/* One job: fetched in vault_put_add itself, as it comes. */
	if (pool_new(&vp->pool, jobs > 1 ? jobs : 0, ws, jobs > 1 ? 2 * jobs : 1, fetch, e) < 0)
		goto fail;
	if (vault_begin(v, 1, e) < 0)
		goto fail;
	if (vault_op_get(v, vp->op, &o, &found, e) < 0 ||
	    (!found && vault_op_new(v, vp->op, opt->mode, NULL, e) < 0) ||
	    vault_commit(v, e) < 0) {
		vault_abort(v);
		goto fail;
	}
	if (buf_addf(&path, e, "%s/audit.log", vault_dir(v)) < 0 ||
	    audit_open(&vp->audit, path.data, e) < 0)
		goto fail;
	buf_release(&path);
	*vpp = vp;
	return 0;
fail:
	buf_release(&path);
	put_free(vp);
	return -1;
}

/* ---- in a worker: fetch and store ---- */

static int sink_write(void *arg, const char *p, size_t n)
{
	struct fetcher *f = arg;

	return blob_write(f->w, p, n, &f->werr);
}

static int sink_restart(void *arg, struct s3gc_err *e)
{
	struct fetcher *f = arg;

	blob_abort(f->w);
	f->w = NULL;
	return blob_begin(&f->w, vault_dir(f->vp->v), f->vp->level, e);
}

static int plain_md5(const char *etag)
{
	return strlen(etag) == 32 && strspn(etag, "0123456789abcdef") == 32;
}

/* Whether the object's ETag is the MD5 of its bytes: a single-part
 * upload's is, but not under SSE-KMS (or SSE-C, which needs keys anyway). */
static int etag_is_md5(const struct s3_objhead *h)
{
	return plain_md5(h->etag) && strncmp(h->sse, "aws:kms", 7) != 0;
}

#define KEYQ(o) (int)((o)->key_len > 200 ? 200 : (o)->key_len), (o)->key

/* GET the object into a new blob; j->res, j->bi, j->head, or -1. */
static int get_and_store(struct fetcher *f, struct job *j)
{
	struct s3_sink sink = { sink_write, sink_restart, f, &f->werr };
	struct s3gc_err *e = &j->err;
	struct obj *o = &j->o;
	char md5hex[MD5_LEN * 2 + 1];

	err_clear(&f->werr);
	if (blob_begin(&f->w, vault_dir(f->vp->v), f->vp->level, e) < 0)
		return -1;
	if (s3_get_object(f->vp->c, &f->x, o->key, o->key_len, o->has_meta ? o->etag : NULL,
			  &sink, &j->head, e) < 0) {
		blob_abort(f->w);
		f->w = NULL;
		if (e->cls == S3GC_E_S3 && (e->code == 412 || e->code == 404)) {
			j->res = e->code == 412 ? VP_CHANGED : VP_GONE;
			err_clear(e);
			return 0;
		}
		return -1;
	}
	if (o->has_meta && o->size != j->head.size) {
		blob_abort(f->w);
		f->w = NULL;
		return err_set(e, S3GC_E_S3, 0, "'%.*s': the server sent %llu bytes; the record "
			       "says %llu", KEYQ(o), (unsigned long long)j->head.size, o->size);
	}
	if (blob_commit(f->w, &j->bi, e) < 0) {
		f->w = NULL;
		return -1;
	}
	f->w = NULL;
	hex_encode(j->bi.md5, MD5_LEN, md5hex);
	if (j->bi.size != j->head.size ||
	    (etag_is_md5(&j->head) && strcmp(md5hex, j->head.etag) != 0))
		return err_set(e, S3GC_E_S3, 0, "'%.*s': the bytes fetched (%llu, MD5 %s) do not "
			       "match the object (%llu, ETag %s)", KEYQ(o),
			       (unsigned long long)j->bi.size, md5hex,
			       (unsigned long long)j->head.size, j->head.etag);
	if (j->repair[0] && strcmp(j->bi.hex, j->repair) != 0)
		return err_set(e, S3GC_E_VAULT, 0, "'%.*s': its copy in the vault is damaged and "
			       "the object now holds other bytes", KEYQ(o));
	j->fetched = 1;
	j->res = j->repair[0] ? VP_HELD : VP_VAULTED;
	return 0;
}

static void fetch(void *worker, void *task)
{
	struct fetcher *f = worker;
	struct job *j = task;

	if (j->res == VP_FAILED)
		return; /* failed before it came here */
	if (j->check) {
		struct blob_info bi;

		if (blob_read(vault_dir(f->vp->v), j->blob, NULL, NULL, &bi, &j->err) == 0) {
			j->res = VP_HELD;
			return;
		}
		if (j->err.cls != S3GC_E_VAULT && j->err.cls != S3GC_E_NOINPUT) {
			j->res = VP_FAILED;
			return;
		}
		/* Its copy is damaged or gone: fetch that version again. */
		memcpy(j->repair, j->blob, sizeof j->repair);
		err_clear(&j->err);
	}
	if (get_and_store(f, j) < 0)
		j->res = VP_FAILED;
}

/* ---- in this thread: look up, then settle in order ---- */

/* Write one audit line now. */
static int audit_line(struct vault_put *vp, const struct obj *o, const char *blob,
		      const char *outcome, const char *error, struct s3gc_err *e)
{
	struct audit_rec r = { 0, vp->op, "put", o->key, o->key_len,
			       o->has_meta ? (long long)o->size : -1,
			       o->etag[0] ? o->etag : NULL, blob, outcome, error, NULL };

	if (audit_add(vp->audit, &r, e) < 0)
		return -1;
	return audit_flush(vp->audit, e);
}

static void item_headers(struct vault_item *it, const struct s3_objhead *h)
{
	for (size_t i = 0; i < h->nmeta; i++) {
		const char *name, *value;

		s3_objhead_meta(h, i, &name, &value);
		if (!strcmp(name, "content-type"))
			it->content_type = value;
		else if (!strcmp(name, "content-encoding"))
			it->content_encoding = value;
		else if (!strcmp(name, "cache-control"))
			it->cache_control = value;
		else if (!strcmp(name, "content-disposition"))
			it->content_disposition = value;
		else if (it->nmeta < VAULT_MAX_HDRS) {
			it->meta[it->nmeta].name = name;
			it->meta[it->nmeta++].value = value;
		}
	}
}

/* The object's facts are those of the copy fetched. */
static void take_head(struct job *j)
{
	struct obj *o = &j->o;

	o->has_meta = 1;
	o->size = j->bi.size;
	if (j->head.last_modified)
		o->mtime = (time_t)j->head.last_modified;
	snprintf(o->etag, sizeof o->etag, "%s", j->head.etag);
}

/* Index the copy fetched. */
static int index_item(struct vault_put *vp, struct job *j, struct s3gc_err *e)
{
	struct vault_item it;

	memset(&it, 0, sizeof it);
	it.key = j->o.key;
	it.keylen = j->o.key_len;
	it.size = j->bi.size;
	it.last_modified = (int64_t)j->o.mtime;
	it.etag = j->o.etag;
	item_headers(&it, &j->head);
	memcpy(it.blob, j->bi.hex, sizeof it.blob);
	it.compressed = j->bi.compressed;
	it.stored = j->bi.stored;
	it.vaulted_ms = (int64_t)time_now_ms();
	if (vault_begin(vp->v, 1, e) < 0)
		return -1;
	if (vault_item_put(vp->v, vp->op, &it, e) < 0 || vault_commit(vp->v, e) < 0) {
		vault_abort(vp->v);
		return -1;
	}
	return 0;
}

/* Whether a failure stops everything: the vault itself failing, not one
 * object. */
static int fatal(const struct s3gc_err *e)
{
	return e->cls == S3GC_E_VAULT || e->cls == S3GC_E_IO || e->cls == S3GC_E_SYS;
}

/* The job is done: index, audit trail, the caller. */
static int settle(struct vault_put *vp, struct job *j, struct s3gc_err *e)
{
	static const char *const outcome[] = { "vaulted", "held", "changed", "gone", "failed" };
	const char *blob = NULL;

	if (j->fetched) {
		take_head(j);
		blob = j->bi.hex;
	} else if (j->res == VP_HELD) {
		blob = j->blob;
	}
	if (j->res == VP_VAULTED && index_item(vp, j, &j->err) < 0) {
		j->res = VP_FAILED;
		blob = NULL;
	}
	if (audit_line(vp, &j->o, blob, j->res == VP_HELD && j->repair[0] ? "repaired" :
		       outcome[j->res], j->res == VP_FAILED ? j->err.msg : NULL, e) < 0) {
		if (j->res == VP_FAILED) {
			struct s3gc_err ae = *e;

			err_set(e, ae.cls, ae.code, "%s; and the audit trail could not say so: %s",
				j->err.msg, ae.msg);
		}
		return -1;
	}
	switch (j->res) {
	case VP_VAULTED:
		vp->st.vaulted++;
		vp->st.bytes += j->bi.size;
		vp->st.stored += j->bi.existed ? 0 : j->bi.stored;
		break;
	case VP_HELD: vp->st.held++; break;
	case VP_CHANGED: vp->st.changed++; break;
	case VP_GONE: vp->st.gone++; break;
	case VP_FAILED:
		vp->st.failed++;
		if (fatal(&j->err)) {
			*e = j->err;
			return -1;
		}
		break;
	}
	return vp->fn ? vp->fn(vp->arg, &j->o, j->res, j->res == VP_FAILED ? &j->err : NULL, e) : 0;
}

/* A new job for o: what the operation holds already is not fetched again. */
static struct job *job_new(struct vault_put *vp, const struct obj *o, struct s3gc_err *e)
{
	struct job *j = calloc(1, sizeof(*j));
	struct vault_item it;
	int found;

	size_t sc = o->storage_class ? o->storage_class_len : 0;

	/* The key and the storage class, copied: the record goes. */
	if (!j || !(j->key = malloc(o->key_len + sc + 2))) {
		free(j);
		err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		return NULL;
	}
	j->o = *o;
	memcpy(j->key, o->key, o->key_len);
	j->key[o->key_len] = '\0';
	j->o.key = j->key;
	if (o->storage_class) {
		memcpy(j->key + o->key_len + 1, o->storage_class, sc);
		j->key[o->key_len + 1 + sc] = '\0';
		j->o.storage_class = j->key + o->key_len + 1;
	}
	j->res = VP_VAULTED;
	s3_objhead_init(&j->head);
	if (vault_begin(vp->v, 0, &j->err) < 0) {
		j->res = VP_FAILED;
		return j;
	}
	if (vault_item_get(vp->v, vp->op, o->key, o->key_len, &it, &vp->store, &found,
			   &j->err) < 0) {
		vault_abort(vp->v);
		j->res = VP_FAILED;
		return j;
	}
	if (found) {
		/* Its facts are the copy's, whether it is whole or fetched again. */
		j->check = 1;
		memcpy(j->blob, it.blob, sizeof j->blob);
		j->o.has_meta = 1;
		j->o.size = it.size;
		j->o.mtime = (time_t)it.last_modified;
		snprintf(j->o.etag, sizeof j->o.etag, "%s", it.etag);
	}
	vault_abort(vp->v);
	return j;
}

/* Settle the oldest job; -1 when backing up cannot go on. */
static int settle_next(struct vault_put *vp, struct s3gc_err *e)
{
	struct job *j = pool_next(vp->pool);
	int rc = j ? settle(vp, j, e) : 0;

	job_free(j);
	return rc;
}

int vault_put_add(struct vault_put *vp, const struct obj *o, struct s3gc_err *e)
{
	struct job *j;

	while (pool_full(vp->pool))
		if (settle_next(vp, e) < 0)
			return -1;
	if (!(j = job_new(vp, o, e)))
		return -1;
	pool_submit(vp->pool, j);
	/* With no workers it has run: settle it now, as it came. */
	while (pool_full(vp->pool))
		if (settle_next(vp, e) < 0)
			return -1;
	return 0;
}

int vault_put_end(struct vault_put *vp, int finish, struct vault_put_stats *st,
		  struct s3gc_err *e)
{
	uint64_t add[VC_N] = { 0 };
	struct s3gc_err ce;
	int rc = 0;

	if (!finish)
		pool_cancel(vp->pool);
	while (rc == 0 && pool_pending(vp->pool))
		if (finish)
			rc = settle_next(vp, e);
		else
			job_free(pool_next(vp->pool));
	if (st)
		*st = vp->st;
	/* The counts of what was settled go in, whatever stopped the rest. */
	add[VC_VAULTED] = vp->st.vaulted;
	add[VC_SKIPPED] = vp->st.changed + vp->st.gone;
	add[VC_ERRORS] = vp->st.failed;
	add[VC_BYTES] = vp->st.bytes;
	add[VC_STORED] = vp->st.stored;
	if (vault_op_add(vp->v, vp->op, add, &ce) < 0 && rc == 0) {
		*e = ce;
		rc = -1;
	}
	put_free(vp);
	return rc;
}
