/*
 * cdc_pg_int.h: what the parts of cdc_pg share: the checks of the server,
 * the configured tables as the catalog describes them, the publication and
 * the slot. Not a public interface.
 */
#ifndef S3GC_CDC_PG_INT_H
#define S3GC_CDC_PG_INT_H

#include <stddef.h>

#include "cdc_pg.h"
#include "conf.h"
#include "db_pg.h"
#include "err.h"

/* A configured table as the catalog has it. */
struct pgc_table {
	const struct conf_table *ct;
	char *nsp, *rel;   /* catalog names */
	char *qname;       /* "nsp.rel", as cdc_apply names it */
	char relkind;      /* 'r' table, 'p' partitioned table */
	char replident;    /* 'd', 'f', 'i' */
	char **keycols;    /* the replica identity's columns, in column order */
	size_t nkey;
};

struct pgc_tables {
	struct pgc_table *t;
	size_t n;
};

void pgc_tables_release(struct pgc_tables *ts);

/*
 * Connect (not for replication) and check what every command needs:
 * wal_level = logical and a role that may replicate.
 */
int pgc_connect(struct pgconn *q, const struct cdc_pg_opts *o,
		struct s3gc_err *e);

/*
 * Describe the configured tables. A table or column that is missing is
 * S3GC_E_CONFIG at snapshot time (streaming == 0) and S3GC_E_CDC while
 * streaming (it was there at the snapshot: dropped or renamed since); a
 * column of another type than the config says is the same. A table
 * without a replica identity, or one the role may not read, is S3GC_E_CDC.
 */
int pgc_describe(struct pgconn *q, const struct conf *c, int streaming,
		 struct pgc_tables *out, struct s3gc_err *e);

/*
 * Make sure the publication covers the tables and publishes every kind of
 * change. create: create it if absent and add missing tables; otherwise
 * either is S3GC_E_CDC.
 */
int pgc_publication(struct pgconn *q, const struct pgc_tables *ts,
		    const char *pub, int create, struct s3gc_err *e);

/* The slot as pg_replication_slots shows it. */
int pgc_slot(struct pgconn *q, const char *slot, struct cdc_pg_slot *s,
	     struct s3gc_err *e);

/*
 * pgc_slot, but when the slot is in use, ask again for a while (10 s): a
 * client killed a moment ago holds it until the server notices.
 */
int pgc_slot_settled(struct pgconn *q, const char *slot, struct cdc_pg_slot *s,
		     struct s3gc_err *e);

/* The error for a slot another process streams from (S3GC_E_CDC). */
int pgc_slot_in_use(const char *slot, const struct cdc_pg_slot *s,
		    struct s3gc_err *e);

/* Turn a server error into S3GC_E_CDC with advice, when it is one we know. */
int pgc_advise(struct s3gc_err *e);

#endif
