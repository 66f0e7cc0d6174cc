/*
 * cdc_pg.h: the reference store kept from PostgreSQL (DESIGN.md section
 * 6): a snapshot of the configured columns read inside the snapshot a new
 * logical replication slot exports, then the slot's stream (pgoutput)
 * applied transaction by transaction, each batch of transactions and the
 * new position committed to the store together before the server hears
 * that they are flushed.
 *
 * Errors: S3GC_E_CONFIG for a configured table or column that does not
 * exist or is not of a text type (at snapshot time); S3GC_E_CDC, saying
 * what to do, for wal_level not logical, a role without REPLICATION or
 * SELECT, a slot missing, lost or in use, a table without a replica
 * identity, a watched table or column gone, a store without a completed
 * snapshot; S3GC_E_UNAVAIL and S3GC_E_DB as db_pg gives them.
 */
#ifndef S3GC_CDC_PG_H
#define S3GC_CDC_PG_H

#include <signal.h>
#include <stdint.h>

#include "cdc_apply.h"
#include "conf.h"
#include "err.h"
#include "normalise.h"
#include "refs.h"

#define CDC_PG_SLOT "s3gc"
#define CDC_PG_PUBLICATION "s3gc"

/* The row-map table under which s3gc-refs load keeps its references. */
#define CDC_LOAD_TABLE "-load"

struct cdc_pg_opts {
	const char *conninfo;    /* cdc_connection_url, or NULL: libpq's environment */
	const char *slot;        /* CDC_PG_SLOT */
	const char *publication; /* CDC_PG_PUBLICATION */
	/* Rows (snapshot) or changes (stream) per store transaction; 0: default. */
	unsigned long batch;
};

struct cdc_pg_stats {
	struct cdc_stats ch;     /* what cdc_apply did */
	unsigned long long rows; /* snapshot rows read */
	unsigned long long txns; /* transactions applied */
	unsigned long long commits; /* store commits */
	uint64_t start_lsn, end_lsn; /* position before and after */
};

/*
 * Rebuild the store r (opened for writing, no transaction open): check the
 * server and the configuration, create the publication if absent (adding
 * configured tables an existing one lacks), drop an inactive slot of the
 * same name and create it anew with an exported snapshot, COPY every
 * configured table's replica identity and watched columns inside that
 * snapshot, and load them. The store loses every reference but those of
 * CDC_LOAD_TABLE; the snapshot time and the position (the slot's
 * consistent point) are written last, so a store whose snapshot did not
 * finish says so.
 */
int cdc_pg_snapshot(const struct conf *c, const struct norm_ctx *n,
		    struct refs *r, const struct cdc_pg_opts *o,
		    struct cdc_pg_stats *st, struct s3gc_err *e);

/*
 * Apply the slot's changes from the store's position. follow == 0: up to
 * the server's WAL end when called, then return. follow != 0: until *stop
 * becomes non-zero (checked at least once a second). Returns 0, or -1 with
 * e set; what was committed to the store stays.
 */
int cdc_pg_stream(const struct conf *c, const struct norm_ctx *n,
		  struct refs *r, const struct cdc_pg_opts *o, int follow,
		  volatile sig_atomic_t *stop, struct cdc_pg_stats *st,
		  struct s3gc_err *e);

/* What the server says of the slot, for stat. */
struct cdc_pg_slot {
	int exists;
	int active;
	long active_pid;
	char wal_status[16]; /* reserved, extended, unreserved, lost, or "" */
	char database[64];
	char plugin[64];
	uint64_t confirmed_flush; /* 0: none */
	uint64_t current_lsn;     /* the server's WAL insert position */
	uint64_t lag;             /* current_lsn - confirmed_flush, bytes */
	long long safe_wal_size;  /* bytes before the slot is lost; -1: unlimited */
};

int cdc_pg_slot_info(const struct cdc_pg_opts *o, struct cdc_pg_slot *s,
		     struct s3gc_err *e);

/* The slot's state in a word: missing, lost, active (a reader holds it) or ok. */
const char *cdc_pg_slot_state(const struct cdc_pg_slot *s);

/*
 * What is wrong with slot (named slot), and what to do, in msg[0..n): 1
 * when it is missing, lost or about to be lost, else 0 (msg untouched).
 */
int cdc_pg_slot_trouble(const struct cdc_pg_slot *s, const char *slot, char *msg, size_t n);

/* Drop the slot (S3GC_E_CDC when it does not exist or is in use). */
int cdc_pg_drop_slot(const struct cdc_pg_opts *o, struct s3gc_err *e);

#endif
