/*
 * verify_pg.h: candidates checked against the live PostgreSQL database
 * itself, not the reference store (DESIGN.md section 5, invariant 2).
 * Every value of the watched columns is read, in one REPEATABLE READ
 * transaction, and normalised as the snapshot does (text, array, JSON;
 * bare keys, URLs, s3:// names): a candidate that any value refers to is
 * marked in the set. So a reference in any form the normaliser reads is
 * found, however the value spells it, and a row written after the listing
 * counts too.
 */
#ifndef S3GC_VERIFY_PG_H
#define S3GC_VERIFY_PG_H

#include "conf.h"
#include "err.h"
#include "keyset.h"
#include "normalise.h"

struct verify_stats {
	unsigned long long rows;     /* rows read */
	unsigned long long values;   /* non-NULL values */
	unsigned long long marked;   /* candidates found referenced */
	unsigned long long unknown;  /* values that are no key we can read */
};

/*
 * Mark (cands->mark[i] = 1) each candidate that a value of c's tables
 * refers to, reading through c->cdc_url. Adds to *st. Errors: those of
 * db_pg (S3GC_E_UNAVAIL when the server cannot be reached, S3GC_E_DB);
 * the caller must then treat no candidate as verified.
 */
int verify_pg(const struct conf *c, const struct norm_ctx *nc, struct keyset *cands,
	      struct verify_stats *st, struct s3gc_err *e);

#endif
