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
#include "s3obj.h"
#include "timefmt.h"
#include "vault_put.h"

struct vault_put {
	struct vault *v;
	const struct s3_client *c;
	struct http_xfer x;
	struct audit *audit;
	char op[ULID_LEN + 1];
	int level;
	struct blob_writer *w;  /* the blob being fetched */
	struct s3gc_err werr;   /* why the sink refused bytes */
	struct s3_objhead head;
	struct buf store;
	struct vault_put_stats st;
};

int vault_put_begin(struct vault_put **vpp, struct vault *v,
		    const struct s3_client *c, const char *op, const char *mode,
		    int level, struct s3gc_err *e)
{
	struct vault_put *vp = calloc(1, sizeof(*vp));
	struct buf path = BUF_INIT;
	struct vault_op o;
	int found;

	*vpp = NULL;
	if (!vp)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	vp->v = v;
	vp->c = c;
	vp->level = level;
	s3_objhead_init(&vp->head);
	buf_init(&vp->store, 0);
	if (ulid_parse(op, strlen(op), vp->op, e) < 0 ||
	    http_xfer_init(&vp->x, &c->policy, e) < 0)
		goto fail;
	if (vault_begin(v, 1, e) < 0)
		goto fail;
	if (vault_op_get(v, vp->op, &o, &found, e) < 0 ||
	    (!found && vault_op_new(v, vp->op, mode, NULL, e) < 0) ||
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
	vault_put_free(vp);
	return -1;
}

void vault_put_free(struct vault_put *vp)
{
	if (!vp)
		return;
	blob_abort(vp->w);
	audit_close(vp->audit);
	if (vp->x.easy)
		http_xfer_release(&vp->x);
	s3_objhead_release(&vp->head);
	buf_release(&vp->store);
	free(vp);
}

const struct vault_put_stats *vault_put_stats(const struct vault_put *vp)
{
	return &vp->st;
}

static int sink_write(void *arg, const char *p, size_t n)
{
	struct vault_put *vp = arg;

	return blob_write(vp->w, p, n, &vp->werr);
}

static int sink_restart(void *arg, struct s3gc_err *e)
{
	struct vault_put *vp = arg;

	blob_abort(vp->w);
	vp->w = NULL;
	return blob_begin(&vp->w, vault_dir(vp->v), vp->level, e);
}

/* Write one audit line now. */
static int audit_line(struct vault_put *vp, const struct obj *o,
		      const char *blob, const char *outcome, const char *error,
		      struct s3gc_err *e)
{
	struct audit_rec r = { 0, vp->op, "put", o->key, o->key_len,
			       o->has_meta ? (long long)o->size : -1,
			       o->etag[0] ? o->etag : NULL, blob, outcome, error };

	if (audit_add(vp->audit, &r, e) < 0)
		return -1;
	return audit_flush(vp->audit, e);
}

/* A failure: said in the audit trail too (that failing is said in e). */
static int failed(struct vault_put *vp, const struct obj *o, struct s3gc_err *e)
{
	struct s3gc_err ae;

	if (audit_line(vp, o, NULL, "failed", e->msg, &ae) < 0) {
		struct s3gc_err first = *e;

		err_set(e, first.cls, first.code, "%s; and the audit trail could not say so: %s",
			first.msg, ae.msg);
	}
	return -1;
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

/* The operation holds o already: check its blob, and take its facts. */
static int held(struct vault_put *vp, struct obj *o, struct vault_item *it,
		struct s3gc_err *e)
{
	struct blob_info bi;

	if (blob_read(vault_dir(vp->v), it->blob, NULL, NULL, &bi, e) < 0)
		return -1;
	o->has_meta = 1;
	o->size = it->size;
	o->mtime = (time_t)it->last_modified;
	snprintf(o->etag, sizeof o->etag, "%s", it->etag);
	return 0;
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

int vault_put_one(struct vault_put *vp, struct obj *o,
		  enum vault_put_result *res, struct s3gc_err *e)
{
	struct s3_sink sink = { sink_write, sink_restart, vp, &vp->werr };
	char md5hex[MD5_LEN * 2 + 1], repair[SHA256_HEX_LEN + 1] = "";
	struct vault_item it;
	struct blob_info bi;
	int found;

	err_clear(&vp->werr);
	/* A rerun: what the operation holds already is not fetched again. */
	if (vault_begin(vp->v, 0, e) < 0)
		return -1;
	if (vault_item_get(vp->v, vp->op, o->key, o->key_len, &it, &vp->store, &found, e) < 0) {
		vault_abort(vp->v);
		return -1;
	}
	if (found) {
		char blob[SHA256_HEX_LEN + 1];
		int rc = held(vp, o, &it, e);

		memcpy(blob, it.blob, sizeof blob);
		vault_abort(vp->v);
		if (rc < 0 && e->cls != S3GC_E_VAULT && e->cls != S3GC_E_NOINPUT)
			return failed(vp, o, e);
		if (rc < 0) {
			/* Its copy is damaged or gone: fetch that version again. */
			memcpy(repair, blob, sizeof repair);
			o->has_meta = 1;
			o->size = it.size;
			o->mtime = (time_t)it.last_modified;
			snprintf(o->etag, sizeof o->etag, "%s", it.etag);
		} else {
			/* Said again: a crash may have come before the first line. */
			if (audit_line(vp, o, blob, "held", NULL, e) < 0)
				return -1;
			vp->st.held++;
			*res = VP_HELD;
			return 0;
		}
	} else {
		vault_abort(vp->v);
	}

	if (blob_begin(&vp->w, vault_dir(vp->v), vp->level, e) < 0)
		return failed(vp, o, e);
	if (s3_get_object(vp->c, &vp->x, o->key, o->key_len,
			  o->has_meta ? o->etag : NULL, &sink, &vp->head, e) < 0) {
		blob_abort(vp->w);
		vp->w = NULL;
		if (e->cls == S3GC_E_S3 && (e->code == 412 || e->code == 404)) {
			struct s3gc_err ae;

			*res = e->code == 412 ? VP_CHANGED : VP_GONE;
			if (*res == VP_CHANGED)
				vp->st.changed++;
			else
				vp->st.gone++;
			if (audit_line(vp, o, NULL, e->code == 412 ? "changed" : "gone", NULL, &ae) < 0) {
				*e = ae;
				return -1;
			}
			return 0;
		}
		return failed(vp, o, e);
	}
	if (o->has_meta && o->size != vp->head.size) {
		blob_abort(vp->w);
		vp->w = NULL;
		err_set(e, S3GC_E_S3, 0, "'%.*s': the server sent %llu bytes; the record says %llu",
			(int)(o->key_len > 200 ? 200 : o->key_len), o->key,
			(unsigned long long)vp->head.size, o->size);
		return failed(vp, o, e);
	}
	if (blob_commit(vp->w, &bi, e) < 0) {
		vp->w = NULL;
		return failed(vp, o, e);
	}
	vp->w = NULL;
	hex_encode(bi.md5, MD5_LEN, md5hex);
	if (bi.size != vp->head.size ||
	    (etag_is_md5(&vp->head) && strcmp(md5hex, vp->head.etag) != 0)) {
		err_set(e, S3GC_E_S3, 0,
			"'%.*s': the bytes fetched (%llu, MD5 %s) do not match the object (%llu, ETag %s)",
			(int)(o->key_len > 200 ? 200 : o->key_len), o->key,
			(unsigned long long)bi.size, md5hex, (unsigned long long)vp->head.size,
			vp->head.etag);
		return failed(vp, o, e);
	}
	o->has_meta = 1;
	o->size = bi.size;
	if (vp->head.last_modified)
		o->mtime = (time_t)vp->head.last_modified;
	snprintf(o->etag, sizeof o->etag, "%s", vp->head.etag);
	if (repair[0]) {
		if (strcmp(bi.hex, repair) != 0) {
			err_set(e, S3GC_E_VAULT, 0,
				"'%.*s': its copy in the vault is damaged and the object now holds "
				"other bytes", (int)(o->key_len > 200 ? 200 : o->key_len), o->key);
			return failed(vp, o, e);
		}
		if (audit_line(vp, o, bi.hex, "repaired", NULL, e) < 0)
			return -1;
		vp->st.held++;
		*res = VP_HELD;
		return 0;
	}

	memset(&it, 0, sizeof it);
	it.key = o->key;
	it.keylen = o->key_len;
	it.size = bi.size;
	it.last_modified = (int64_t)o->mtime;
	it.etag = o->etag;
	item_headers(&it, &vp->head);
	memcpy(it.blob, bi.hex, sizeof it.blob);
	it.compressed = bi.compressed;
	it.stored = bi.stored;
	it.vaulted_ms = (int64_t)time_now_ms();
	if (vault_begin(vp->v, 1, e) < 0)
		return failed(vp, o, e);
	if (vault_item_put(vp->v, vp->op, &it, e) < 0 || vault_commit(vp->v, e) < 0) {
		vault_abort(vp->v);
		return failed(vp, o, e);
	}
	if (audit_line(vp, o, bi.hex, "vaulted", NULL, e) < 0)
		return -1;
	vp->st.vaulted++;
	vp->st.bytes += bi.size;
	vp->st.stored += bi.existed ? 0 : bi.stored;
	*res = VP_VAULTED;
	return 0;
}

int vault_put_end(struct vault_put *vp, struct s3gc_err *e)
{
	struct vault_op o;
	int found, rc = -1;

	if (vault_begin(vp->v, 1, e) < 0)
		goto out;
	if (vault_op_get(vp->v, vp->op, &o, &found, e) == 0 && found) {
		o.count[VC_VAULTED] += vp->st.vaulted;
		o.count[VC_SKIPPED] += vp->st.changed + vp->st.gone;
		o.count[VC_BYTES] += vp->st.bytes;
		o.count[VC_STORED] += vp->st.stored;
		if (vault_op_put(vp->v, &o, e) == 0 && vault_commit(vp->v, e) == 0)
			rc = 0;
	}
	if (rc < 0)
		vault_abort(vp->v);
out:
	vault_put_free(vp);
	return rc;
}
