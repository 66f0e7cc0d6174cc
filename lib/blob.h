/*
 * blob.h: the vault's copies of objects, by content. A blob is named by
 * the SHA-256 of the object's bytes, HEX, and lives in
 * VAULT/blobs/XX/HEX.zst (one zstd frame: `zstd -d` reads it) or, when
 * compressing does not make it smaller, VAULT/blobs/XX/HEX as it is; XX
 * is HEX's first two digits. A blob is written to VAULT/tmp, fsync'd,
 * read back and its SHA-256 recomputed, renamed into place, and its
 * directory fsync'd: once blob_commit returns, the copy is durable and
 * verified. The same content is stored once.
 */
#ifndef S3GC_BLOB_H
#define S3GC_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "hash.h"

struct blob_info {
	char hex[SHA256_HEX_LEN + 1]; /* SHA-256 of the object */
	unsigned char md5[MD5_LEN];    /* MD5 of the object (for plain ETags) */
	uint64_t size;                 /* the object's bytes */
	uint64_t stored;               /* the blob file's bytes */
	int compressed;                /* HEX.zst, not HEX */
	int existed;                   /* the content was there already */
};

struct blob_writer;

/*
 * Begin a blob in vault (its blobs/ and tmp/ are made if missing). level
 * is zstd's compression level, 0 never to compress. Errors are
 * S3GC_E_VAULT naming the path.
 */
int blob_begin(struct blob_writer **w, const char *vault, int level,
	       struct s3gc_err *e);

/* The object's next n bytes. */
int blob_write(struct blob_writer *w, const void *p, size_t n,
	       struct s3gc_err *e);

/*
 * Finish: make the blob durable and verified (see above) and fill *out.
 * When the same content is already stored, that blob is read and checked
 * and kept (replaced by this one if it no longer matches its name). The
 * writer is freed either way.
 */
int blob_commit(struct blob_writer *w, struct blob_info *out,
		struct s3gc_err *e);

/* Give up: the temporary file goes; the writer is freed. NULL is fine. */
void blob_abort(struct blob_writer *w);

/* Called with the object's bytes, in order; a return < 0 stops the read. */
typedef int blob_fn(void *arg, const void *p, size_t n, struct s3gc_err *e);

/*
 * Read the blob of SHA-256 hex back, handing its bytes to fn (may be
 * NULL: only check), and check that they hash to hex. Returns 0 with
 * *out filled (existed = 1); S3GC_E_NOINPUT when there is no such blob;
 * S3GC_E_VAULT when it cannot be read or does not match its name.
 */
int blob_read(const char *vault, const char *hex, blob_fn *fn, void *arg,
	      struct blob_info *out, struct s3gc_err *e);

/*
 * Reading a blob a piece at a time (for an upload): blob_reader_open
 * finds it (S3GC_E_NOINPUT if missing); blob_reader_read fills p with up
 * to cap bytes of the object, 0 at the end, -1 (e set) on an error;
 * reaching the end checks the bytes against the name (S3GC_E_VAULT if
 * they differ). blob_reader_rewind starts again.
 */
struct blob_reader;
int blob_reader_open(struct blob_reader **r, const char *vault, const char *hex,
		     struct s3gc_err *e);
long blob_reader_read(struct blob_reader *r, char *p, size_t cap,
		      struct s3gc_err *e);
int blob_reader_rewind(struct blob_reader *r, struct s3gc_err *e);
void blob_reader_close(struct blob_reader *r);

/*
 * Remove the temporary files of writers that stopped (killed, or their
 * machine down) without removing them: those in VAULT/tmp not written to
 * for older_s seconds. Their count and bytes into *n and *bytes; with
 * dry_run, only counted.
 */
int blob_clean_tmp(const char *vault, long older_s, int dry_run, unsigned long long *n,
		   unsigned long long *bytes, struct s3gc_err *e);

/* The path of blob hex, compressed or not, into out. */
int blob_path(const char *vault, const char *hex, int compressed,
	      struct buf *out, struct s3gc_err *e);

#endif
