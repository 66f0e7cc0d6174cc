/*
 * vault_restore.h: putting vaulted objects back, with their headers. A
 * copy is read back and checked against its SHA-256 before it is sent,
 * and sent with that SHA-256 as the payload hash, so the server checks
 * the bytes too. By default an object that exists is not overwritten
 * (If-None-Match: *, or a HEAD first where the server ignores it: before
 * the first object, an empty probe object is put twice with the condition
 * under .s3gc-probe/ULID, and deleted).
 * Objects larger than the part size go up in a multipart upload, each
 * part with its own MD5 and SHA-256; the copy's SHA-256 is checked as it
 * is read, before the upload is completed, and a failed upload is
 * aborted.
 */
#ifndef S3GC_VAULT_RESTORE_H
#define S3GC_VAULT_RESTORE_H

#include <stdint.h>

#include "err.h"
#include "rec.h"
#include "s3.h"
#include "vault.h"

struct vault_restore_opts {
	int dry_run;    /* check, send nothing */
	int overwrite;  /* replace an object that exists */
	int head_first; /* HEAD first (servers that ignore If-None-Match) */
	uint64_t part_size; /* bytes; larger objects go up in parts (0: 16 MiB) */
};

#define VAULT_RESTORE_PART (16ULL << 20)

struct vault_restore_stats {
	unsigned long long restored, exists, failed, would, bytes;
	unsigned long long multipart; /* of the restored, those sent in parts */
	int ignores_conditions;       /* the server took a PUT If-None-Match: *
					 over an object: a HEAD came first */
	char probe_left[64];          /* the probe's key, if it could not be
					 deleted; "" */
};

/* Told of each object restored (or, in a dry run, that would be). */
typedef int vault_restore_fn(void *arg, const struct obj *o,
			     struct s3gc_err *e);

struct vault_restore;

int vault_restore_begin(struct vault_restore **vr, struct vault *v,
			const struct s3_client *c,
			const struct vault_restore_opts *o, vault_restore_fn *fn,
			void *arg, struct s3gc_err *e);

/*
 * Restore item it of operation op: 0 restored, or skipped because the
 * object exists. A copy that does not match its SHA-256 is not restored:
 * 1, with S3GC_E_RESTORE in e, counted and in the audit trail, so that
 * the others can go on. -1 when restoring cannot go on.
 */
int vault_restore_one(struct vault_restore *vr, const char *op,
		      const struct vault_item *it, struct s3gc_err *e);

/* Fill *st (may be NULL), free. */
void vault_restore_end(struct vault_restore *vr,
		       struct vault_restore_stats *st);

#endif
