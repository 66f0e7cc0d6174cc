/*
 * vault_export.h: an operation's copies as a pax archive, for handing to
 * someone else:
 *
 *   OP/objects/KEY           each object's bytes (its key as the path)
 *   OP/by-hash/HEX           ... for a key that is no good as a path (one
 *                            ending in '/', with an empty, '.' or '..'
 *                            segment, or one over 255 bytes): HEX is the
 *                            SHA-256 of the key
 *   OP/manifest.jsonl        last: one JSON object per object: key, path,
 *                            size, etag, sha256, last_modified and headers
 *
 * Each copy is checked against its SHA-256 as it is read: a damaged one
 * stops the export (S3GC_E_VAULT), and the archive is then incomplete.
 * Paths are the keys' bytes; libarchive writes them as UTF-8 when the
 * process's LC_CTYPE is a UTF-8 one (the caller sets it), else as bytes
 * (hdrcharset=BINARY).
 */
#ifndef S3GC_VAULT_EXPORT_H
#define S3GC_VAULT_EXPORT_H

#include "err.h"
#include "vault.h"

/* Write the archive of op to fd; *n (may be NULL): objects written. */
int vault_export(struct vault *v, const char *op, int fd,
		 unsigned long long *n, struct s3gc_err *e);

#endif
