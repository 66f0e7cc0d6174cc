/* blob.c: the vault's content-addressed copies of objects (see blob.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "blob.h"
#include "fdio.h"

#define PROBE (128 * 1024)  /* bytes compressed first, to decide */
#define IO_BUF (128 * 1024)
/* Compress only when the first PROBE bytes shrink to this share or less. */
#define SHRINK_NUM 97
#define SHRINK_DEN 100

enum mode { UNDECIDED, RAW, ZSTD };

struct blob_writer {
	char *vault;
	struct buf tmp;     /* the temporary file's path */
	int fd;
	int level;
	enum mode mode;
	ZSTD_CCtx *cctx;
	char *probe;        /* the first bytes, until the mode is decided */
	size_t nprobe;
	char *out;          /* compressed bytes on their way to the file */
	size_t outcap;
	struct hash_ctx *sha, *md5;
	uint64_t size, stored;
};

static int vault_err(struct s3gc_err *e, int err, const char *what,
		     const char *path)
{
	return err_sys(e, S3GC_E_VAULT, err, "cannot %s '%s'", what, path);
}

static int nomem(struct s3gc_err *e)
{
	return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory for a blob");
}

static int fsync_dir(const char *dir, struct s3gc_err *e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return vault_err(e, errno, "open directory", dir);
	if (fsync(fd) < 0) {
		int err = errno;

		close(fd);
		return vault_err(e, err, "sync directory", dir);
	}
	close(fd);
	return 0;
}

/* dir/name as a directory, made (and its parent synced) if missing. */
static int subdir(const char *dir, const char *name, struct buf *out,
		  struct s3gc_err *e)
{
	buf_reset(out);
	if (buf_addf(out, e, "%s/%s", dir, name) < 0)
		return -1;
	if (mkdir(out->data, 0700) == 0)
		return fsync_dir(dir, e);
	if (errno != EEXIST)
		return vault_err(e, errno, "create directory", out->data);
	return 0;
}

int blob_path(const char *vault, const char *hex, int compressed,
	      struct buf *out, struct s3gc_err *e)
{
	buf_reset(out);
	return buf_addf(out, e, "%s/blobs/%.2s/%s%s", vault, hex, hex,
			compressed ? ".zst" : "");
}

static int write_all(int fd, const char *p, size_t n, const char *path,
		     struct s3gc_err *e)
{
	return fd_write_all(fd, p, n) < 0 ? vault_err(e, errno, "write", path) : 0;
}

int blob_begin(struct blob_writer **wp, const char *vault, int level,
	       struct s3gc_err *e)
{
	struct blob_writer *w = calloc(1, sizeof(*w));
	struct buf dir = BUF_INIT;

	*wp = NULL;
	if (!w)
		return nomem(e);
	w->fd = -1;
	w->level = level;
	buf_init(&w->tmp, 0);
	if (!(w->vault = strdup(vault)) || !(w->probe = malloc(PROBE)))
		goto nomem;
	if (subdir(vault, "blobs", &dir, e) < 0 || subdir(vault, "tmp", &dir, e) < 0 ||
	    buf_addf(&w->tmp, e, "%s/blob.XXXXXX", dir.data) < 0)
		goto fail;
	w->fd = mkstemp(w->tmp.data);
	if (w->fd < 0) {
		vault_err(e, errno, "create a temporary file in", dir.data);
		goto fail;
	}
	if (!(w->sha = hash_new(HASH_SHA256, e)) || !(w->md5 = hash_new(HASH_MD5, e)))
		goto fail;
	buf_release(&dir);
	*wp = w;
	return 0;
nomem:
	nomem(e);
fail:
	buf_release(&dir);
	blob_abort(w);
	return -1;
}

void blob_abort(struct blob_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->tmp.data);
	}
	ZSTD_freeCCtx(w->cctx);
	hash_free(w->sha);
	hash_free(w->md5);
	buf_release(&w->tmp);
	free(w->vault);
	free(w->probe);
	free(w->out);
	free(w);
}

/* Compress p[0..n) into the file; end finishes the frame. */
static int feed_zstd(struct blob_writer *w, const void *p, size_t n, int end,
		     struct s3gc_err *e)
{
	ZSTD_inBuffer in = { p, n, 0 };
	size_t left;

	do {
		ZSTD_outBuffer out = { w->out, w->outcap, 0 };

		left = ZSTD_compressStream2(w->cctx, &out, &in,
					    end ? ZSTD_e_end : ZSTD_e_continue);
		if (ZSTD_isError(left))
			return err_set(e, S3GC_E_VAULT, 0, "cannot compress into '%s': %s",
				       w->tmp.data, ZSTD_getErrorName(left));
		if (out.pos && write_all(w->fd, w->out, out.pos, w->tmp.data, e) < 0)
			return -1;
		w->stored += out.pos;
	} while (end ? left != 0 : in.pos < in.size);
	return 0;
}

static int feed(struct blob_writer *w, const void *p, size_t n,
		struct s3gc_err *e)
{
	if (w->mode == ZSTD)
		return feed_zstd(w, p, n, 0, e);
	if (write_all(w->fd, p, n, w->tmp.data, e) < 0)
		return -1;
	w->stored += n;
	return 0;
}

/* Choose from the first bytes whether compressing pays, then write them. */
static int decide(struct blob_writer *w, struct s3gc_err *e)
{
	w->mode = RAW;
	if (w->level > 0 && w->nprobe > 0) {
		size_t cap = ZSTD_compressBound(w->nprobe), got;
		char *tryout = malloc(cap);

		if (!tryout)
			return nomem(e);
		got = ZSTD_compress(tryout, cap, w->probe, w->nprobe, w->level);
		free(tryout);
		if (!ZSTD_isError(got) &&
		    got * SHRINK_DEN <= w->nprobe * SHRINK_NUM)
			w->mode = ZSTD;
	}
	if (w->mode == ZSTD) {
		w->outcap = ZSTD_CStreamOutSize();
		w->cctx = ZSTD_createCCtx();
		if (!w->cctx || !(w->out = malloc(w->outcap)))
			return nomem(e);
		if (ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel,
							 w->level)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1)))
			return err_set(e, S3GC_E_VAULT, 0, "cannot set up zstd level %d",
				       w->level);
	}
	return w->nprobe ? feed(w, w->probe, w->nprobe, e) : 0;
}

int blob_write(struct blob_writer *w, const void *p, size_t n,
	       struct s3gc_err *e)
{
	if (hash_update(w->sha, p, n, e) < 0 || hash_update(w->md5, p, n, e) < 0)
		return -1;
	w->size += n;
	while (w->mode == UNDECIDED && n) {
		size_t take = PROBE - w->nprobe < n ? PROBE - w->nprobe : n;

		memcpy(w->probe + w->nprobe, p, take);
		w->nprobe += take;
		p = (const char *)p + take;
		n -= take;
		if (w->nprobe == PROBE && decide(w, e) < 0)
			return -1;
	}
	return n ? feed(w, p, n, e) : 0;
}

/* Read the file at path (a zstd frame if compressed), hashing what it holds. */
static int read_file(const char *path, int compressed, blob_fn *fn, void *arg,
		     char hex[SHA256_HEX_LEN + 1], uint64_t *size,
		     uint64_t *stored, struct s3gc_err *e)
{
	unsigned char d[SHA256_LEN];
	char *in = malloc(IO_BUF), *out = NULL;
	size_t outcap = ZSTD_DStreamOutSize(), last = 0;
	struct hash_ctx *sha = NULL;
	ZSTD_DCtx *dctx = NULL;
	int fd = -1, ret = -1;
	ssize_t r;

	*size = *stored = 0;
	if (!in || (compressed && (!(out = malloc(outcap)) || !(dctx = ZSTD_createDCtx())))) {
		nomem(e);
		goto out;
	}
	if (!(sha = hash_new(HASH_SHA256, e)))
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_sys(e, errno == ENOENT ? S3GC_E_NOINPUT : S3GC_E_VAULT, errno,
			"cannot open blob '%s'", path);
		goto out;
	}
	while ((r = read(fd, in, IO_BUF)) != 0) {
		ZSTD_inBuffer zin = { in, (size_t)(r > 0 ? r : 0), 0 };

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			vault_err(e, errno, "read blob", path);
			goto out;
		}
		*stored += (uint64_t)r;
		if (!compressed) {
			*size += (uint64_t)r;
			if (hash_update(sha, in, (size_t)r, e) < 0 ||
			    (fn && fn(arg, in, (size_t)r, e) < 0))
				goto out;
			continue;
		}
		while (zin.pos < zin.size) {
			ZSTD_outBuffer zout = { out, outcap, 0 };

			last = ZSTD_decompressStream(dctx, &zout, &zin);
			if (ZSTD_isError(last)) {
				err_set(e, S3GC_E_VAULT, 0, "blob '%s' is damaged: %s", path,
					ZSTD_getErrorName(last));
				goto out;
			}
			*size += zout.pos;
			if (zout.pos && (hash_update(sha, out, zout.pos, e) < 0 ||
					 (fn && fn(arg, out, zout.pos, e) < 0)))
				goto out;
		}
	}
	if (compressed && (last != 0 || *stored == 0)) {
		err_set(e, S3GC_E_VAULT, 0, "blob '%s' is damaged: it ends in the middle", path);
		goto out;
	}
	if (hash_final(sha, d, e) < 0)
		goto out;
	hex_encode(d, SHA256_LEN, hex);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	hash_free(sha);
	ZSTD_freeDCtx(dctx);
	free(in);
	free(out);
	return ret;
}

int blob_read(const char *vault, const char *hex, blob_fn *fn, void *arg,
	      struct blob_info *out, struct s3gc_err *e)
{
	char got[SHA256_HEX_LEN + 1];
	struct buf path = BUF_INIT;
	struct stat st;
	int compressed, ret = -1;

	memset(out, 0, sizeof(*out));
	if (strlen(hex) != SHA256_HEX_LEN || strspn(hex, "0123456789abcdef") != SHA256_HEX_LEN)
		return err_set(e, S3GC_E_INTERNAL, 0, "'%.80s' is not a blob name", hex);
	/* The compressed form first: most blobs are. */
	for (compressed = 1; compressed >= 0; compressed--) {
		if (blob_path(vault, hex, compressed, &path, e) < 0)
			goto out;
		if (stat(path.data, &st) == 0)
			break;
		if (errno != ENOENT) {
			vault_err(e, errno, "look at blob", path.data);
			goto out;
		}
	}
	if (compressed < 0) {
		err_set(e, S3GC_E_NOINPUT, ENOENT, "no blob %s in '%s/blobs'", hex, vault);
		goto out;
	}
	if (read_file(path.data, compressed, fn, arg, got, &out->size, &out->stored, e) < 0)
		goto out;
	if (strcmp(got, hex) != 0) {
		err_set(e, S3GC_E_VAULT, 0,
			"blob '%s' does not match its name: its bytes hash to %s", path.data, got);
		goto out;
	}
	memcpy(out->hex, hex, sizeof(out->hex));
	out->compressed = compressed;
	out->existed = 1;
	ret = 0;
out:
	buf_release(&path);
	return ret;
}

int blob_commit(struct blob_writer *w, struct blob_info *out,
		struct s3gc_err *e)
{
	char got[SHA256_HEX_LEN + 1];
	unsigned char d[SHA256_LEN];
	struct buf path = BUF_INIT, dir = BUF_INIT;
	struct blob_info old;
	struct s3gc_err oe;
	uint64_t size, stored;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if ((w->mode == UNDECIDED && decide(w, e) < 0) ||
	    (w->mode == ZSTD && feed_zstd(w, NULL, 0, 1, e) < 0))
		goto out;
	if (fsync(w->fd) < 0) {
		vault_err(e, errno, "sync", w->tmp.data);
		goto out;
	}
	if (hash_final(w->sha, d, e) < 0 || hash_final(w->md5, out->md5, e) < 0)
		goto out;
	hash_free(w->sha);
	hash_free(w->md5);
	w->sha = w->md5 = NULL;
	hex_encode(d, SHA256_LEN, out->hex);
	out->size = w->size;
	out->stored = w->stored;
	out->compressed = w->mode == ZSTD;
	/* What is on disk must read back as what came in. */
	if (read_file(w->tmp.data, out->compressed, NULL, NULL, got, &size, &stored, e) < 0)
		goto out;
	if (strcmp(got, out->hex) != 0 || size != out->size) {
		err_set(e, S3GC_E_VAULT, 0,
			"blob '%s' reads back as other bytes than were written (%s)",
			w->tmp.data, got);
		goto out;
	}
	if (blob_read(w->vault, out->hex, NULL, NULL, &old, &oe) == 0) {
		out->compressed = old.compressed;
		out->stored = old.stored;
		out->existed = 1;
		ret = 0;
		goto out; /* the temporary file goes */
	}
	if (oe.cls != S3GC_E_NOINPUT && oe.cls != S3GC_E_VAULT) {
		*e = oe;
		goto out;
	}
	/* None, or a damaged one: this one takes its place. */
	buf_reset(&dir);
	if (buf_addf(&dir, e, "%s/blobs", w->vault) < 0)
		goto out;
	{
		char xx[3] = { out->hex[0], out->hex[1], '\0' };
		struct buf sub = BUF_INIT;
		int rc = subdir(dir.data, xx, &sub, e);

		buf_release(&dir);
		dir = sub;
		if (rc < 0)
			goto out;
	}
	if (oe.cls == S3GC_E_VAULT) {
		/* Remove the damaged one whatever its form: it must not be found first. */
		for (int c = 0; c < 2; c++)
			if (blob_path(w->vault, out->hex, c, &path, e) == 0)
				(void)unlink(path.data);
	}
	if (blob_path(w->vault, out->hex, out->compressed, &path, e) < 0)
		goto out;
	if (rename(w->tmp.data, path.data) < 0) {
		vault_err(e, errno, "move a blob into", path.data);
		goto out;
	}
	close(w->fd);
	w->fd = -1; /* renamed: nothing to remove */
	if (fsync_dir(dir.data, e) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&path);
	buf_release(&dir);
	blob_abort(w);
	return ret;
}

/* ---- reading a piece at a time ---- */

struct blob_reader {
	char hex[SHA256_HEX_LEN + 1];
	struct buf path;
	int fd, compressed, eof;
	int file_end, started; /* read() said 0; some input was given to zstd */
	int frame_done;        /* the last call that did something ended a frame */
	ZSTD_DCtx *dctx;
	char *in;            /* compressed bytes read, in[ipos..ilen) not yet used */
	size_t ipos, ilen;
	struct hash_ctx *sha;
};

void blob_reader_close(struct blob_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	hash_free(r->sha);
	buf_release(&r->path);
	free(r->in);
	free(r);
}

int blob_reader_rewind(struct blob_reader *r, struct s3gc_err *e)
{
	hash_free(r->sha);
	if (!(r->sha = hash_new(HASH_SHA256, e)))
		return -1;
	if (lseek(r->fd, 0, SEEK_SET) < 0)
		return vault_err(e, errno, "read blob", r->path.data);
	if (r->dctx)
		ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
	r->ipos = r->ilen = 0;
	r->eof = r->file_end = r->started = r->frame_done = 0;
	return 0;
}

int blob_reader_open(struct blob_reader **rp, const char *vault, const char *hex,
		     struct s3gc_err *e)
{
	struct blob_reader *r = calloc(1, sizeof(*r));

	*rp = NULL;
	if (!r)
		return nomem(e);
	r->fd = -1;
	buf_init(&r->path, 0);
	snprintf(r->hex, sizeof r->hex, "%s", hex);
	for (r->compressed = 1; r->compressed >= 0; r->compressed--) {
		if (blob_path(vault, hex, r->compressed, &r->path, e) < 0)
			goto fail;
		r->fd = open(r->path.data, O_RDONLY | O_CLOEXEC);
		if (r->fd >= 0)
			break;
		if (errno != ENOENT) {
			vault_err(e, errno, "open blob", r->path.data);
			goto fail;
		}
	}
	if (r->fd < 0) {
		err_set(e, S3GC_E_NOINPUT, ENOENT, "no blob %s in '%s/blobs'", hex, vault);
		goto fail;
	}
	if (r->compressed && (!(r->dctx = ZSTD_createDCtx()) || !(r->in = malloc(IO_BUF)))) {
		nomem(e);
		goto fail;
	}
	if (blob_reader_rewind(r, e) < 0)
		goto fail;
	*rp = r;
	return 0;
fail:
	blob_reader_close(r);
	return -1;
}

/* At the end: the bytes must hash to the name. */
static long reader_end(struct blob_reader *r, struct s3gc_err *e)
{
	unsigned char d[SHA256_LEN];
	char got[SHA256_HEX_LEN + 1];

	if (hash_final(r->sha, d, e) < 0)
		return -1;
	hash_free(r->sha);
	r->sha = NULL;
	hex_encode(d, SHA256_LEN, got);
	if (strcmp(got, r->hex) != 0)
		return err_set(e, S3GC_E_VAULT, 0,
			       "blob '%s' does not match its name: its bytes hash to %s",
			       r->path.data, got);
	r->eof = 1;
	return 0;
}

static ssize_t read_some(int fd, char *p, size_t cap)
{
	ssize_t n;

	while ((n = read(fd, p, cap)) < 0 && errno == EINTR)
		;
	return n;
}

long blob_reader_read(struct blob_reader *r, char *p, size_t cap,
		      struct s3gc_err *e)
{
	ssize_t n;

	if (r->eof || cap == 0)
		return 0;
	if (!r->compressed) {
		n = read_some(r->fd, p, cap > LONG_MAX ? LONG_MAX : cap);
		if (n < 0)
			return vault_err(e, errno, "read blob", r->path.data);
		if (n == 0)
			return reader_end(r, e);
		return hash_update(r->sha, p, (size_t)n, e) < 0 ? -1 : (long)n;
	}
	for (;;) {
		ZSTD_outBuffer out = { p, cap, 0 };
		ZSTD_inBuffer in;
		size_t left;

		if (r->ipos == r->ilen && !r->file_end) {
			n = read_some(r->fd, r->in, IO_BUF);
			if (n < 0)
				return vault_err(e, errno, "read blob", r->path.data);
			r->ipos = 0;
			r->ilen = (size_t)n;
			r->file_end = n == 0;
			r->started |= n > 0;
		}
		in.src = r->in;
		in.size = r->ilen;
		in.pos = r->ipos;
		/* At the file's end, calls with no input flush what zstd holds. */
		left = ZSTD_decompressStream(r->dctx, &out, &in);
		if (ZSTD_isError(left))
			return err_set(e, S3GC_E_VAULT, 0, "blob '%s' is damaged: %s",
				       r->path.data, ZSTD_getErrorName(left));
		/* 0 when a call ends a frame; later calls give the next frame's needs. */
		if (in.pos != r->ipos || out.pos)
			r->frame_done = left == 0;
		r->ipos = in.pos;
		if (out.pos)
			return hash_update(r->sha, p, out.pos, e) < 0 ? -1 : (long)out.pos;
		if (r->file_end && r->ipos == r->ilen) {
			if (!r->frame_done || !r->started)
				return err_set(e, S3GC_E_VAULT, 0,
					       "blob '%s' is damaged: it ends in the middle",
					       r->path.data);
			return reader_end(r, e);
		}
	}
}

int blob_clean_tmp(const char *vault, long older_s, int dry_run, unsigned long long *n,
		   unsigned long long *bytes, struct s3gc_err *e)
{
	struct buf dir = BUF_INIT, path = BUF_INIT;
	time_t now = time(NULL);
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	*n = *bytes = 0;
	if (buf_addf(&dir, e, "%s/tmp", vault) < 0)
		return -1;
	if (!(dp = opendir(dir.data))) {
		rc = errno == ENOENT ? 0 : vault_err(e, errno, "open", dir.data);
		buf_release(&dir);
		return rc;
	}
	while ((d = readdir(dp))) {
		struct stat st;

		if (strncmp(d->d_name, "blob.", 5) != 0)
			continue;
		buf_reset(&path);
		if (buf_addf(&path, e, "%s/%s", dir.data, d->d_name) < 0) {
			rc = -1;
			break;
		}
		if (lstat(path.data, &st) < 0 || !S_ISREG(st.st_mode) ||
		    now - st.st_mtime < older_s)
			continue; /* gone meanwhile, not ours, or a writer's still */
		if (!dry_run && unlink(path.data) < 0 && errno != ENOENT) {
			rc = vault_err(e, errno, "remove", path.data);
			break;
		}
		(*n)++;
		*bytes += (unsigned long long)st.st_size;
	}
	closedir(dp);
	buf_release(&dir);
	buf_release(&path);
	return rc;
}
