/* vault_restore.c: putting vaulted objects back (see vault_restore.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "blob.h"
#include "s3mpu.h"
#include "s3obj.h"
#include "timefmt.h"
#include "ulid.h"
#include "vault_restore.h"

struct vault_restore {
	struct vault *v;
	const struct s3_client *c;
	struct vault_restore_opts o;
	struct http_xfer x;
	struct audit *audit;
	struct s3_objhead head;
	struct blob_reader *rd;
	struct s3gc_err rerr; /* why the reader stopped */
	char *part;           /* a part's bytes */
	size_t partcap;
	int probed;           /* the server's If-None-Match was tried */
	vault_restore_fn *fn;
	void *arg;
	struct vault_restore_stats st;
};

int vault_restore_begin(struct vault_restore **vrp, struct vault *v,
			const struct s3_client *c,
			const struct vault_restore_opts *o, vault_restore_fn *fn,
			void *arg, struct s3gc_err *e)
{
	struct vault_restore *vr = calloc(1, sizeof(*vr));
	struct buf path = BUF_INIT;

	*vrp = NULL;
	if (!vr)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	vr->v = v;
	vr->c = c;
	vr->o = *o;
	if (!vr->o.part_size)
		vr->o.part_size = VAULT_RESTORE_PART;
	vr->fn = fn;
	vr->arg = arg;
	s3_objhead_init(&vr->head);
	if (http_xfer_init(&vr->x, &c->policy, e) < 0 ||
	    buf_addf(&path, e, "%s/audit.log", vault_dir(v)) < 0 ||
	    audit_open(&vr->audit, path.data, e) < 0) {
		buf_release(&path);
		vault_restore_end(vr, NULL);
		return -1;
	}
	buf_release(&path);
	*vrp = vr;
	return 0;
}

void vault_restore_end(struct vault_restore *vr, struct vault_restore_stats *st)
{
	if (!vr)
		return;
	if (st)
		*st = vr->st;
	blob_reader_close(vr->rd);
	free(vr->part);
	audit_close(vr->audit);
	if (vr->x.easy)
		http_xfer_release(&vr->x);
	s3_objhead_release(&vr->head);
	free(vr);
}

static long src_read(void *arg, char *p, size_t cap)
{
	struct vault_restore *vr = arg;

	return blob_reader_read(vr->rd, p, cap, &vr->rerr);
}

static int src_rewind(void *arg, struct s3gc_err *e)
{
	return blob_reader_rewind(((struct vault_restore *)arg)->rd, e);
}

static int audit_line(struct vault_restore *vr, const char *op,
		      const struct vault_item *it, const char *etag,
		      const char *outcome, const char *error, struct s3gc_err *e)
{
	struct audit_rec r = { 0, op, "restore", it->key, it->keylen, (long long)it->size,
			       etag && *etag ? etag : NULL, it->blob, outcome, error, NULL };

	if (audit_add(vr->audit, &r, e) < 0)
		return -1;
	return audit_flush(vr->audit, e);
}

static int report(struct vault_restore *vr, const struct vault_item *it,
		  const char *etag, struct s3gc_err *e)
{
	struct obj o;

	memset(&o, 0, sizeof o);
	o.key = it->key;
	o.key_len = it->keylen;
	o.has_meta = 1;
	o.size = it->size;
	o.mtime = vr->o.dry_run ? (time_t)it->last_modified : time(NULL);
	snprintf(o.etag, sizeof o.etag, "%s", etag);
	return vr->fn ? vr->fn(vr->arg, &o, e) : 0;
}

/* The headers the object had, to send with it. */
static size_t headers(const struct vault_item *it, struct sigv4_header *h,
		      size_t cap)
{
	size_t n = 0;

	if (it->content_type && n < cap)
		h[n++] = (struct sigv4_header){ "Content-Type", it->content_type };
	if (it->content_encoding && n < cap)
		h[n++] = (struct sigv4_header){ "Content-Encoding", it->content_encoding };
	if (it->cache_control && n < cap)
		h[n++] = (struct sigv4_header){ "Cache-Control", it->cache_control };
	if (it->content_disposition && n < cap)
		h[n++] = (struct sigv4_header){ "Content-Disposition", it->content_disposition };
	for (size_t i = 0; i < it->nmeta && n < cap; i++)
		h[n++] = (struct sigv4_header){ it->meta[i].name, it->meta[i].value };
	return n;
}

/* Fill the part buffer from the copy: n bytes, or fewer at its end. */
static int read_part(struct vault_restore *vr, size_t want, size_t *got, struct s3gc_err *e)
{
	*got = 0;
	while (*got < want) {
		long r = blob_reader_read(vr->rd, vr->part + *got, want - *got, e);

		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/*
 * Send the copy (its reader open) in parts; the new ETag into etag. The
 * copy's end, and so its SHA-256, is read before the upload is completed;
 * any failure aborts the upload.
 */
static int put_parts(struct vault_restore *vr, const struct vault_item *it,
		     const struct sigv4_header *h, size_t nh, char etag[ETAG_MAX + 1],
		     struct s3gc_err *e)
{
	uint64_t psize = s3mpu_part_size(it->size, vr->o.part_size);
	size_t np = (size_t)((it->size + psize - 1) / psize), got = 0;
	struct s3mpu_part *parts = NULL;
	char id[S3MPU_MAX_ID + 1];
	struct s3gc_err ae;
	int rc = -1;

	if (psize > vr->partcap) {
		free(vr->part);
		vr->partcap = 0;
		if (!(vr->part = malloc((size_t)psize)))
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate %llu bytes for a part",
				       (unsigned long long)psize);
		vr->partcap = (size_t)psize;
	}
	if (!(parts = calloc(np, sizeof(*parts))))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	if (s3mpu_create(vr->c, &vr->x, it->key, it->keylen, h, nh, id, e) < 0)
		goto out;
	for (size_t i = 0; i < np; i++) {
		uint64_t left = it->size - (uint64_t)i * psize;
		size_t want = (size_t)(left < psize ? left : psize);

		if (read_part(vr, want, &got, e) < 0)
			goto abort;
		if (got != want) {
			err_set(e, S3GC_E_VAULT, 0, "its copy ends after %llu bytes, not %llu",
				(unsigned long long)((uint64_t)i * psize + got),
				(unsigned long long)it->size);
			goto abort;
		}
		parts[i].number = (unsigned)(i + 1);
		if (s3mpu_part(vr->c, &vr->x, it->key, it->keylen, id, parts[i].number, vr->part,
			       got, parts[i].etag, e) < 0)
			goto abort;
	}
	/* The end of the copy: its SHA-256 is checked there. */
	if (read_part(vr, 1, &got, e) < 0)
		goto abort;
	if (got) {
		err_set(e, S3GC_E_VAULT, 0, "its copy holds more than %llu bytes",
			(unsigned long long)it->size);
		goto abort;
	}
	if (s3mpu_complete(vr->c, &vr->x, it->key, it->keylen, id, parts, np,
			   !vr->o.overwrite && !vr->o.head_first, etag, e) == 0) {
		rc = 0;
		goto out;
	}
abort:
	/* Best effort: a server that keeps the parts keeps them for nothing. */
	s3mpu_abort(vr->c, &vr->x, it->key, it->keylen, id, &ae);
out:
	free(parts);
	return rc;
}

static long no_bytes(void *arg, char *p, size_t cap)
{
	(void)arg;
	(void)p;
	(void)cap;
	return 0;
}

/*
 * Whether the server honours If-None-Match: * on PUT: put an empty object
 * under a new key (.s3gc-probe/ULID) twice with it, then delete it. A
 * server that honours it refuses the second PUT with 412; one that takes
 * it, or refuses the header itself (400, 501), gets a HEAD before each
 * object instead. A probe that cannot be deleted is said in the stats.
 */
static int probe(struct vault_restore *vr, struct s3gc_err *e)
{
	static const char empty[] =
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	struct s3_source none = { no_bytes, NULL, NULL, 0, empty };
	char key[64], id[ULID_LEN + 1];
	struct s3gc_err pe, de;
	size_t n;
	int rc;

	vr->probed = 1;
	if (vr->o.dry_run || vr->o.overwrite || vr->o.head_first)
		return 0;
	if (ulid_new(id, e) < 0)
		return -1;
	n = (size_t)snprintf(key, sizeof key, ".s3gc-probe/%s", id);
	if (s3_put_object(vr->c, &vr->x, key, n, &none, NULL, 0, 1, NULL, &pe) < 0) {
		if (pe.cls != S3GC_E_S3 || (pe.code != 400 && pe.code != 501)) {
			*e = pe;
			return -1;
		}
		vr->o.head_first = 1; /* the header itself is refused */
		vr->st.ignores_conditions = 1;
		return 0;
	}
	rc = s3_put_object(vr->c, &vr->x, key, n, &none, NULL, 0, 1, NULL, &pe);
	if (rc == 0) {
		vr->o.head_first = 1;
		vr->st.ignores_conditions = 1;
	}
	if (s3_delete_object(vr->c, &vr->x, key, n, NULL, &de) < 0)
		snprintf(vr->st.probe_left, sizeof vr->st.probe_left, "%s", key);
	if (rc < 0 && !(pe.cls == S3GC_E_S3 && pe.code == 412)) {
		*e = pe;
		return -1;
	}
	return 0;
}

int vault_restore_one(struct vault_restore *vr, const char *op,
		      const struct vault_item *it, struct s3gc_err *e)
{
	struct sigv4_header h[S3_MAX_EXTRA - 1];
	struct s3_source src = { src_read, src_rewind, vr, it->size, it->blob };
	char etag[ETAG_MAX + 1] = "";
	struct blob_info bi;
	struct s3gc_err be;
	int rc, multipart;

	/* The copy first: a damaged one is never sent. */
	err_clear(&be);
	memset(&bi, 0, sizeof bi);
	if (blob_read(vault_dir(vr->v), it->blob, NULL, NULL, &bi, &be) < 0 ||
	    bi.size != it->size) {
		if (be.cls == S3GC_OK) /* read back whole, but not the size vaulted */
			snprintf(be.msg, sizeof be.msg, "its copy holds %llu bytes, not %llu",
				 (unsigned long long)bi.size, (unsigned long long)it->size);
		vr->st.failed++;
		if (!vr->o.dry_run && audit_line(vr, op, it, NULL, "failed", be.msg, e) < 0)
			return -1;
		err_set(e, S3GC_E_RESTORE, 0, "'%.*s' (operation %s) is not restored: %s",
			(int)(it->keylen > 200 ? 200 : it->keylen), it->key, op, be.msg);
		return 1;
	}
	if (!vr->probed && probe(vr, e) < 0)
		return -1;
	if (vr->o.head_first && !vr->o.overwrite) {
		if (s3_head_object(vr->c, &vr->x, it->key, it->keylen, &vr->head, e) < 0)
			return -1;
		if (vr->head.found)
			goto exists;
	}
	if (vr->o.dry_run) {
		vr->st.would++;
		return report(vr, it, it->etag, e);
	}
	if (blob_reader_open(&vr->rd, vault_dir(vr->v), it->blob, e) < 0)
		return -1;
	err_clear(&vr->rerr);
	multipart = it->size > vr->o.part_size;
	if (multipart)
		rc = put_parts(vr, it, h, headers(it, h, sizeof h / sizeof h[0]), etag, e);
	else
		rc = s3_put_object(vr->c, &vr->x, it->key, it->keylen, &src, h,
				   headers(it, h, sizeof h / sizeof h[0]),
				   !vr->o.overwrite && !vr->o.head_first, etag, e);
	blob_reader_close(vr->rd);
	vr->rd = NULL;
	if (rc < 0) {
		if (e->cls == S3GC_E_S3 && e->code == 412)
			goto exists;
		if (vr->rerr.cls)
			*e = vr->rerr;
		return -1;
	}
	if (vault_begin(vr->v, 1, e) < 0)
		return -1;
	if (vault_item_restored(vr->v, op, it->key, it->keylen, (int64_t)time_now_ms(), e) < 0 ||
	    vault_commit(vr->v, e) < 0) {
		vault_abort(vr->v);
		return -1;
	}
	if (audit_line(vr, op, it, etag, "restored", NULL, e) < 0)
		return -1;
	vr->st.restored++;
	vr->st.multipart += multipart;
	vr->st.bytes += it->size;
	return report(vr, it, etag, e);
exists:
	vr->st.exists++;
	if (!vr->o.dry_run && audit_line(vr, op, it, NULL, "exists", NULL, e) < 0)
		return -1;
	return 0;
}
