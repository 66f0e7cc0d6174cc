/*
 * vault_int.h: what the vault index's files share: the handle, the LMDB
 * key forms and the tagged-field encoding of records. Private to
 * lib/vault*.c; vault.h is the API.
 */
#ifndef S3GC_VAULT_INT_H
#define S3GC_VAULT_INT_H

#include <stdint.h>

#include <lmdb.h>

#include "store.h"
#include "vault.h"

struct vault {
	struct store st;
	char *dir;
	MDB_dbi ops, items, versions, deleted, blobs, meta;
	MDB_txn *txn;
	int write;
};

/* The largest LMDB key: u64 time + operation id + key form. */
#define VAULT_KF_MAX (VAULT_KEY_MAX + 1)

/* The key's form in LMDB keys into kf; returns its length. */
size_t vault_kform(const char *key, size_t keylen, unsigned char kf[VAULT_KF_MAX]);

/* Check that a transaction of the needed kind is open. */
int vault_need_txn(struct vault *v, int write, struct s3gc_err *e);

/* An LMDB failure as S3GC_E_VAULT naming what and the index. */
int vault_db_err(struct vault *v, int rc, const char *what, struct s3gc_err *e);

/*
 * Records are a run of fields: a tag byte, a u32 big-endian length, the
 * bytes. Unknown tags are skipped when read, so that fields can be added.
 */
int vault_tlv(struct buf *b, char tag, const void *p, size_t n,
	      struct s3gc_err *e);
int vault_tlv_u64(struct buf *b, char tag, uint64_t v, struct s3gc_err *e);

/* The next field of p[0..n) from *pos: 1 with tag, value and length, 0 at
 * the end, -1 if the record is cut short. */
int vault_tlv_next(const unsigned char *p, size_t n, size_t *pos, char *tag,
		   const unsigned char **val, size_t *len);
uint64_t vault_u64(const unsigned char *p, size_t n);

static inline void vault_put_be(unsigned char *p, uint64_t v, int len)
{
	for (int i = len - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

#endif
