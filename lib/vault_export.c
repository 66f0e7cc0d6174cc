/* vault_export.c: an operation's copies as a pax archive (see vault_export.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "blob.h"
#include "hash.h"
#include "jsonw.h"
#include "timefmt.h"
#include "vault_export.h"

#define CHUNK 256

struct exp {
	struct vault *v;
	const char *op;
	struct archive *a;
	int man;              /* the manifest, in a temporary file */
	char manpath[4096];
	struct buf line, path;
	unsigned long long n;
	char *keys[CHUNK];    /* the chunk of keys being exported */
	size_t klen[CHUNK], nk;
};

static int arc_err(struct exp *x, struct s3gc_err *e, const char *what)
{
	return err_set(e, S3GC_E_IO, archive_errno(x->a), "cannot %s the archive: %s", what,
		       archive_error_string(x->a) ? archive_error_string(x->a) : "unknown error");
}

#define SEGMENT_MAX 255 /* NAME_MAX of most file systems */

/* Whether key can be a path under objects/: no empty, '.' or '..'
 * segment, none longer than a file name may be. */
static int path_ok(const char *k, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && k[i] != '/')
			continue;
		if (i == start || i - start > SEGMENT_MAX || (i - start == 1 && k[start] == '.') ||
		    (i - start == 2 && k[start] == '.' && k[start + 1] == '.'))
			return 0;
		start = i + 1;
	}
	return memchr(k, '\0', n) == NULL;
}

static int entry_path(struct exp *x, const struct vault_item *it, struct s3gc_err *e)
{
	buf_reset(&x->path);
	if (path_ok(it->key, it->keylen))
		return buf_addf(&x->path, e, "%s/objects/", x->op) < 0 ||
		       buf_add(&x->path, it->key, it->keylen, e) < 0 ? -1 : 0;
	{
		unsigned char d[SHA256_LEN];
		char hex[SHA256_HEX_LEN + 1];

		if (hash_sha256(it->key, it->keylen, d, e) < 0)
			return -1;
		hex_encode(d, SHA256_LEN, hex);
		return buf_addf(&x->path, e, "%s/by-hash/%s", x->op, hex);
	}
}

static int write_file(struct exp *x, const char *path, uint64_t size, time_t mtime,
		      struct s3gc_err *e)
{
	struct archive_entry *en = archive_entry_new();
	int rc;

	if (!en)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	/* Keys are UTF-8; written as such where the locale is (see vault_export.h). */
	archive_entry_copy_pathname(en, path);
	archive_entry_set_size(en, (la_int64_t)size);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_mtime(en, mtime, 0);
	rc = archive_write_header(x->a, en);
	archive_entry_free(en);
	/* ARCHIVE_WARN: the path went out as its bytes (hdrcharset=BINARY). */
	return rc == ARCHIVE_OK || rc == ARCHIVE_WARN ? 0 : arc_err(x, e, "write a header to");
}

static int manifest_line(struct exp *x, const struct vault_item *it, struct s3gc_err *e)
{
	char when[RFC3339_LEN + 1];
	struct buf *b = &x->line;

	time_format_rfc3339((time_t)it->last_modified, when);
	buf_reset(b);
	if (buf_addc(b, '{', e) < 0 || jsonw_field_str(b, "key", it->key, it->keylen, 1, e) < 0 ||
	    jsonw_field_str(b, "path", x->path.data, x->path.len, 0, e) < 0 ||
	    buf_addf(b, e, ",\"size\":%llu", (unsigned long long)it->size) < 0 ||
	    jsonw_field_str(b, "etag", it->etag, strlen(it->etag), 0, e) < 0 ||
	    jsonw_field_str(b, "sha256", it->blob, strlen(it->blob), 0, e) < 0 ||
	    jsonw_field_str(b, "last_modified", when, strlen(when), 0, e) < 0 ||
	    (it->content_type && jsonw_field_str(b, "content_type", it->content_type,
						 strlen(it->content_type), 0, e) < 0) ||
	    buf_adds(b, ",\"headers\":{", e) < 0)
		return -1;
	{
		const char *names[3] = { "content-encoding", "cache-control", "content-disposition" };
		const char *vals[3] = { it->content_encoding, it->cache_control,
					it->content_disposition };
		int first = 1;

		for (size_t i = 0; i < 3; i++)
			if (vals[i]) {
				if (jsonw_field_str(b, names[i], vals[i], strlen(vals[i]), first, e) < 0)
					return -1;
				first = 0;
			}
		for (size_t i = 0; i < it->nmeta; i++) {
			if (jsonw_field_str(b, it->meta[i].name, it->meta[i].value,
					    strlen(it->meta[i].value), first, e) < 0)
				return -1;
			first = 0;
		}
	}
	if (buf_adds(b, "}}\n", e) < 0)
		return -1;
	if (write(x->man, b->data, b->len) != (ssize_t)b->len)
		return err_sys(e, S3GC_E_VAULT, errno, "cannot write '%s'", x->manpath);
	return 0;
}

/* One object: its entry, then its bytes from the blob, checked. */
static int one(struct exp *x, const struct vault_item *it, struct s3gc_err *e)
{
	struct blob_reader *rd;
	char chunk[65536];
	long n;

	if (entry_path(x, it, e) < 0 ||
	    write_file(x, x->path.data, it->size, (time_t)it->last_modified, e) < 0 ||
	    blob_reader_open(&rd, vault_dir(x->v), it->blob, e) < 0)
		return -1;
	while ((n = blob_reader_read(rd, chunk, sizeof chunk, e)) > 0)
		if (archive_write_data(x->a, chunk, (size_t)n) != n) {
			blob_reader_close(rd);
			return arc_err(x, e, "write data to");
		}
	blob_reader_close(rd);
	if (n < 0)
		return -1;
	x->n++;
	return manifest_line(x, it, e);
}

static int take(void *arg, const char *op, const struct vault_item *it,
		struct s3gc_err *e)
{
	struct exp *x = arg;

	(void)op;
	if (!(x->keys[x->nk] = malloc(it->keylen + 1)))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	memcpy(x->keys[x->nk], it->key, it->keylen);
	x->klen[x->nk] = it->keylen;
	return ++x->nk == CHUNK ? 1 : 0;
}

static void drop_keys(struct exp *x)
{
	for (size_t i = 0; i < x->nk; i++)
		free(x->keys[i]);
	x->nk = 0;
}

/* Every item, a chunk of keys at a time, no transaction held while writing. */
static int objects(struct exp *x, struct s3gc_err *e)
{
	struct buf store = BUF_INIT, last = BUF_INIT;
	struct vault_item it;
	int found, rc = -1;

	for (;;) {
		int w;

		if (vault_begin(x->v, 0, e) < 0)
			break;
		w = last.len ? vault_items_after(x->v, x->op, last.data, last.len, take, x, e)
			     : vault_items(x->v, x->op, take, x, e);
		vault_abort(x->v);
		if (w < 0)
			break;
		if (x->nk == 0) {
			rc = 0;
			break;
		}
		for (size_t i = 0; i < x->nk; i++) {
			if (vault_begin(x->v, 0, e) < 0)
				goto out;
			w = vault_item_get(x->v, x->op, x->keys[i], x->klen[i], &it, &store, &found, e);
			vault_abort(x->v);
			if (w < 0 || (found && one(x, &it, e) < 0))
				goto out;
		}
		buf_reset(&last);
		if (buf_add(&last, x->keys[x->nk - 1], x->klen[x->nk - 1], e) < 0)
			break;
		drop_keys(x);
	}
out:
	drop_keys(x);
	buf_release(&store);
	buf_release(&last);
	return rc;
}

/* The manifest, from its temporary file, as the last entry. */
static int manifest(struct exp *x, struct s3gc_err *e)
{
	char chunk[65536];
	off_t size = lseek(x->man, 0, SEEK_END);
	ssize_t n;

	buf_reset(&x->path);
	if (size < 0 || lseek(x->man, 0, SEEK_SET) < 0)
		return err_sys(e, S3GC_E_VAULT, errno, "cannot read '%s'", x->manpath);
	if (buf_addf(&x->path, e, "%s/manifest.jsonl", x->op) < 0 ||
	    write_file(x, x->path.data, (uint64_t)size, time(NULL), e) < 0)
		return -1;
	while ((n = read(x->man, chunk, sizeof chunk)) > 0)
		if (archive_write_data(x->a, chunk, (size_t)n) != n)
			return arc_err(x, e, "write data to");
	return n < 0 ? err_sys(e, S3GC_E_VAULT, errno, "cannot read '%s'", x->manpath) : 0;
}

int vault_export(struct vault *v, const char *op, int fd, unsigned long long *n,
		 struct s3gc_err *e)
{
	struct exp x;
	int rc = -1;

	memset(&x, 0, sizeof x);
	x.v = v;
	x.op = op;
	x.man = -1;
	buf_init(&x.line, 0);
	buf_init(&x.path, 0);
	snprintf(x.manpath, sizeof x.manpath, "%s/tmp/manifest.XXXXXX", vault_dir(v));
	if ((x.man = mkstemp(x.manpath)) < 0) {
		err_sys(e, S3GC_E_VAULT, errno, "cannot create '%s'", x.manpath);
		goto out;
	}
	unlink(x.manpath);
	if (!(x.a = archive_write_new())) {
		err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		goto out;
	}
	if (archive_write_set_format_pax_restricted(x.a) != ARCHIVE_OK ||
	    archive_write_open_fd(x.a, fd) != ARCHIVE_OK) {
		arc_err(&x, e, "start");
		goto out;
	}
	if (objects(&x, e) < 0 || manifest(&x, e) < 0)
		goto out;
	if (archive_write_close(x.a) != ARCHIVE_OK) {
		arc_err(&x, e, "finish");
		goto out;
	}
	rc = 0;
out:
	if (x.a)
		archive_write_free(x.a);
	if (x.man >= 0)
		close(x.man);
	buf_release(&x.line);
	buf_release(&x.path);
	if (n)
		*n = x.n;
	return rc;
}
