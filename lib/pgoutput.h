/*
 * pgoutput.h: decoding of PostgreSQL logical replication (pgoutput,
 * protocol version 1) messages, the walsender's CopyData frames around
 * them, and the standby status update we send back. Pure functions of
 * bytes: no I/O.
 */
#ifndef S3GC_PGOUTPUT_H
#define S3GC_PGOUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum pgo_kind {
	PGO_BEGIN = 'B', PGO_COMMIT = 'C', PGO_ORIGIN = 'O', PGO_RELATION = 'R',
	PGO_TYPE = 'Y', PGO_INSERT = 'I', PGO_UPDATE = 'U', PGO_DELETE = 'D',
	PGO_TRUNCATE = 'T', PGO_MESSAGE = 'M',
};

struct pgo_col {
	const char *name; /* NUL-terminated, in the input */
	uint32_t type;    /* type OID */
	int32_t typmod;
	int key;          /* part of the replica identity */
};

/* A column value: 'n' NULL, 'u' unchanged TOASTed value, 't' text. */
struct pgo_datum {
	char kind;
	const char *p; /* in the input, for 't'; not NUL-terminated */
	uint32_t len;
};

struct pgo_tuple {
	uint16_t n;
	struct pgo_datum *d; /* n entries, owned by the message */
};

/*
 * One decoded message. Strings and datum bytes point into the input and
 * live as long as it does; the arrays (cols, tuples' datums, truncated
 * relation ids) are owned by the message, reused by the next pgo_parse,
 * and freed by pgo_msg_release.
 */
struct pgo_msg {
	char kind;
	uint64_t lsn;      /* B: final LSN; C: commit LSN; O, M: their LSN */
	uint64_t end_lsn;  /* C: end of the transaction */
	int64_t time;      /* B, C: commit time, microseconds since 2000-01-01 */
	uint32_t xid;      /* B */
	uint32_t relid;    /* R, Y (type OID), I, U, D */
	const char *nspname, *relname; /* R, Y; O: origin name; M: prefix */
	char replident;    /* R: 'd' default, 'n' nothing, 'f' full, 'i' index */
	uint16_t ncols;    /* R */
	struct pgo_col *cols;
	char old_kind;     /* U, D: 'K' (key columns), 'O' (whole old row) or 0 */
	struct pgo_tuple old, new;
	uint32_t ntrunc;   /* T */
	uint32_t *trunc;   /* T: relation ids */
	uint8_t flags;     /* T: 1 cascade, 2 restart identity; M: 1 transactional */
	const char *content; /* M */
	uint32_t content_len;
	size_t cols_cap, old_cap, new_cap, trunc_cap;
};

void pgo_msg_init(struct pgo_msg *m);
void pgo_msg_release(struct pgo_msg *m);

/*
 * Decode one message of n bytes. -1 with S3GC_E_CDC when it is cut short,
 * has bytes left over, or is of a kind or form we do not know, naming the
 * kind and the offset.
 */
int pgo_parse(const char *p, size_t n, struct pgo_msg *m, struct s3gc_err *e);

/* A CopyData frame of the replication stream: 'w' (XLogData) or 'k' (keepalive). */
struct pgrepl_frame {
	char kind;
	uint64_t wal_start;   /* w */
	uint64_t wal_end;     /* w, k: the server's WAL end */
	int64_t send_time;    /* microseconds since 2000-01-01 */
	int reply_requested;  /* k */
	const char *data;     /* w: the pgoutput message, in the input */
	size_t len;
};

int pgrepl_parse(const char *p, size_t n, struct pgrepl_frame *f,
		 struct s3gc_err *e);

#define PGREPL_STATUS_LEN 34

/* The standby status update ('r'): written, flushed and applied LSNs. */
void pgrepl_status(char out[PGREPL_STATUS_LEN], uint64_t written,
		   uint64_t flushed, uint64_t applied, int64_t now, int reply);

/* LSNs as PostgreSQL writes them, "16/B374D848". */
#define PG_LSN_MAX 18
int pg_lsn_parse(const char *s, uint64_t *lsn);
void pg_lsn_format(uint64_t lsn, char out[PG_LSN_MAX]);

/* Between Unix seconds and PostgreSQL's microseconds since 2000-01-01. */
#define PG_EPOCH_UNIX 946684800LL
int64_t pg_time_from_unix(double t);
double pg_time_to_unix(int64_t pg);

#endif
