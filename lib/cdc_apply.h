/*
 * cdc_apply.h: applying decoded pgoutput changes (and snapshot rows) of the
 * configured tables to the reference store (DESIGN.md sections 4 and 6).
 *
 * The row map holds, per (table, column, primary key), the column's raw
 * value text; keys are always derived from it with the normaliser (text:
 * norm_value; array: norm_pg_array then norm_value on each element; JSON:
 * norm_json_array then norm_value on each). The table name in the row map
 * is the schema-qualified "schema.table" (unqualified configured names mean
 * "public"). The primary-key text is the key columns' values, each
 * rec_encode'd, joined with TAB; a NULL value is written "%00" (a NUL byte
 * cannot occur in PostgreSQL text, so this cannot collide). A value that
 * does not parse as an array or JSON list counts as NORM_UNKNOWN.
 */
#ifndef S3GC_CDC_APPLY_H
#define S3GC_CDC_APPLY_H

#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "normalise.h"
#include "pgoutput.h"
#include "refs.h"

struct cdc_apply; /* relation cache + config view; opaque */

/*
 * Counters, added to (never reset) by the calls. unknown and foreign count
 * values on the adding side only (inserts, and new values of updates).
 * A delete is counted only when it removed something.
 */
struct cdc_stats {
	unsigned long long inserts, updates, deletes, truncates, keys_added,
		keys_removed, unknown, foreign;
};

/* c and n are borrowed and must outlive *a; *a is the caller's (cdc_apply_free). */
int cdc_apply_new(struct cdc_apply **a, const struct conf *c,
		  const struct norm_ctx *n, struct s3gc_err *e);
void cdc_apply_free(struct cdc_apply *a);

/*
 * Apply one decoded message inside the caller's open write transaction on
 * r. B/C/O/Y/M are no-ops here (the caller handles transaction boundaries
 * and LSNs). Errors: S3GC_E_CDC (saying what to do) for a watched column
 * gone, a configured table without a primary key or REPLICA IDENTITY FULL,
 * or a change for a relation never described; store errors as they come.
 * On error the caller aborts the transaction.
 */
int cdc_apply_msg(struct cdc_apply *a, struct refs *r, const struct pgo_msg *m,
		  struct cdc_stats *st, struct s3gc_err *e);

/*
 * The snapshot side: one row of a configured table (table as configured,
 * or schema-qualified) as COPY gives it (values already de-escaped), same
 * effect as an insert. pk: the key column values (pk[i] == NULL: SQL
 * NULL); vals in the order of the table's configured columns, vals[i] ==
 * NULL: SQL NULL. An unconfigured table is S3GC_E_INTERNAL.
 */
int cdc_apply_row(struct cdc_apply *a, struct refs *r, const char *table,
		  const char *const *pk, const size_t *pklen, size_t npk,
		  const char *const *vals, const size_t *vallen,
		  struct cdc_stats *st, struct s3gc_err *e);

/*
 * The primary key the row map files a row under, from its key column
 * values (as cdc_apply_row takes them), into out: bytes that sort as the
 * values do, integers by number, so that a table read in primary-key
 * order gives cells in the row map's order.
 */
int cdc_apply_pk(struct buf *out, const char *const *pk, const size_t *pklen,
		 size_t npk, struct s3gc_err *e);

#endif
