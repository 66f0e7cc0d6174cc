/*
 * db_pg.h: the PostgreSQL client layer over libpq: connections, queries,
 * COPY OUT streaming, identifier quoting, and the logical replication
 * commands (slots, START_REPLICATION, CopyData in and status updates out).
 */
#ifndef S3GC_DB_PG_H
#define S3GC_DB_PG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* libpq's own types, so users need not include libpq-fe.h. */
struct pg_conn;
struct pg_result;

/*
 * One connection. conn is libpq's (NULL when closed); rx holds the last
 * CopyData message db_pg_recv returned. Zero it (or use PGCONN_INIT)
 * before db_pg_connect; db_pg_close releases everything.
 */
struct pgconn {
	struct pg_conn *conn;
	char *rx;
	int replication;
	int copying;       /* in CopyBoth after START_REPLICATION */
};

#define PGCONN_INIT { NULL, NULL, 0, 0 }

/*
 * Connect. conninfo is a URL, "key=value ..." or NULL (libpq's
 * environment defaults: PGHOST, PGPORT, PGUSER, ...). replication adds
 * replication=database (a walsender connection bound to the database).
 * application_name is s3gc. On failure: S3GC_E_UNAVAIL when the server
 * cannot be reached, S3GC_E_DB otherwise (authentication, no such
 * database, ...); the message names host and port and libpq's reason and
 * never repeats conninfo, so a password in it does not leak.
 */
int db_pg_connect(struct pgconn *c, const char *conninfo, int replication,
		  struct s3gc_err *e);

/* Close the connection and free what it holds; safe to call twice. */
void db_pg_close(struct pgconn *c);

/*
 * Run sql with nparams text parameters ($1, $2, ...; NULL entries are SQL
 * NULL). db_pg_query wants rows back and hands the result to the caller
 * (PQclear it); db_pg_command wants none. Errors: S3GC_E_DB naming the
 * SQLSTATE and the server's primary message; e->code is the SQLSTATE
 * (db_pg_sqlstate).
 */
int db_pg_query(struct pgconn *c, const char *sql, int nparams,
		const char *const *params, struct pg_result **out,
		struct s3gc_err *e);
int db_pg_command(struct pgconn *c, const char *sql, int nparams,
		  const char *const *params, struct s3gc_err *e);

/*
 * The SQLSTATE of a server error as an int (PostgreSQL's MAKE_SQLSTATE
 * packing): db_pg_query and the other calls put it in e->code when the
 * server named one, so callers can compare with
 * db_pg_sqlstate("42501") (0 for no SQLSTATE).
 */
int db_pg_sqlstate(const char *state);

/*
 * Append name to out as a quoted identifier; "schema.table" becomes
 * "schema"."table" (split at the first dot). A name with an empty part
 * is S3GC_E_DATA.
 */
int db_pg_quote_ident(struct pgconn *c, const char *name, struct buf *out,
		      struct s3gc_err *e);

/* Append name to out as one quoted identifier, dots and all (a column). */
int db_pg_quote_name(struct pgconn *c, const char *name, struct buf *out,
		     struct s3gc_err *e);

/* Append s to out as a quoted string literal. */
int db_pg_quote_literal(struct pgconn *c, const char *s, struct buf *out,
			struct s3gc_err *e);

/*
 * Run sql, a "COPY ... TO STDOUT", and call row for each row as it
 * arrives: line is one row in COPY's format with its newline, n bytes,
 * valid only during the call. A non-zero return from row stops the copy
 * (the connection is then reset to idle) and is returned; its error
 * stays in e.
 */
typedef int (*db_pg_row_fn)(void *arg, const char *line, size_t n,
			    struct s3gc_err *e);
int db_pg_copy_out(struct pgconn *c, const char *sql, db_pg_row_fn row,
		   void *arg, struct s3gc_err *e);

/*
 * BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY and import the snapshot
 * exported by a replication slot. The caller ends it with COMMIT.
 */
int db_pg_begin_snapshot(struct pgconn *c, const char *snapshot_name,
			 struct s3gc_err *e);

/* Replication: only on a connection made with replication set. */

struct pg_system {
	uint64_t systemid;
	uint32_t timeline;
	uint64_t xlogpos;
	char dbname[64];
};

/*
 * A slot name PostgreSQL allows (lower-case letters, digits, '_'; 1 to 63
 * bytes): 0, or S3GC_E_DATA naming it. The slot calls check it themselves.
 */
int db_pg_slot_name_ok(const char *slot, struct s3gc_err *e);

int db_pg_identify(struct pgconn *c, struct pg_system *out,
		   struct s3gc_err *e);

/*
 * CREATE_REPLICATION_SLOT slot LOGICAL pgoutput, exporting a snapshot or
 * not. consistent_lsn gets the point the stream starts from;
 * snapshot_name (may be NULL) gets the exported snapshot's name, which
 * stays valid until the next command on this connection.
 */
int db_pg_create_slot(struct pgconn *c, const char *slot, int export_snapshot,
		      uint64_t *consistent_lsn, struct buf *snapshot_name,
		      struct s3gc_err *e);

int db_pg_drop_slot(struct pgconn *c, const char *slot, struct s3gc_err *e);

/* START_REPLICATION SLOT slot LOGICAL start_lsn, pgoutput version 1. */
int db_pg_start_replication(struct pgconn *c, const char *slot,
			    uint64_t start_lsn, const char *publication,
			    struct s3gc_err *e);

/*
 * Wait up to timeout_ms (-1: forever) for one CopyData message of the
 * stream. 1 with *data and *n set (owned by the connection until the next
 * call), 0 on timeout, -1 on error (S3GC_E_CDC when the server ends the
 * stream, S3GC_E_DB for its errors, S3GC_E_SYS for poll).
 */
int db_pg_recv(struct pgconn *c, int timeout_ms, const char **data, size_t *n,
	       struct s3gc_err *e);

/* Send a standby status update ('r') stamped with the current time. */
int db_pg_send_status(struct pgconn *c, uint64_t written, uint64_t flushed,
		      uint64_t applied, int reply, struct s3gc_err *e);

#endif
