/* db_pg.c: the PostgreSQL client layer over libpq (see db_pg.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "db_pg.h"
#include "pgoutput.h"
#include "timefmt.h"

/* libpq's multi-line messages on one line, without the trailing newline. */
static void one_line(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		char ch = (*r == '\n' || *r == '\t' || *r == '\r') ? ' ' : *r;

		if (ch == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = ch;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* Remove every occurrence of secret from s. */
static void scrub(char *s, const char *secret)
{
	size_t n;
	char *p;

	if (!secret || !*secret)
		return;
	n = strlen(secret);
	while ((p = strstr(s, secret)) != NULL) {
		memcpy(p, "***", 3);
		memmove(p + 3, p + n, strlen(p + n) + 1);
	}
}

/*
 * libpq's parse errors quote pieces of the connection string, which may
 * hold a password: replace whatever they quote.
 */
static void redact_quoted(char *s)
{
	char *w = s;
	int in = 0;

	for (char *r = s; *r; r++) {
		if (*r == '"') {
			if (!in) {
				memcpy(w, "\"...", 4);
				w += 4;
			} else {
				*w++ = '"';
			}
			in = !in;
		} else if (!in) {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static const char *password_of(PQconninfoOption *opts)
{
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0)
			return o->val;
	return NULL;
}

static int connect_failed(struct pgconn *c, const char **kw,
			  const char **val, const char *password,
			  struct s3gc_err *e)
{
	char msg[S3GC_ERR_MSGMAX];
	const char *host = PQhost(c->conn), *port = PQport(c->conn);
	enum s3gc_errclass cls = S3GC_E_DB;
	PGPing ping;

	snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->conn));
	one_line(msg);
	scrub(msg, password);
	/* Ask again without credentials mattering: is anyone there at all? */
	ping = PQpingParams(kw, val, 1);
	if (ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT)
		cls = S3GC_E_UNAVAIL;
	err_set(e, cls, 0, "cannot connect to PostgreSQL at %s:%s: %s",
		host && *host ? host : "(default)",
		port && *port ? port : "(default)", msg);
	PQfinish(c->conn);
	c->conn = NULL;
	return -1;
}

int db_pg_connect(struct pgconn *c, const char *conninfo, int replication,
		  struct s3gc_err *e)
{
	const char *kw[4], *val[4];
	PQconninfoOption *opts = NULL;
	char *perr = NULL;
	int n = 0, rc = 0;

	memset(c, 0, sizeof *c);
	if (conninfo && *conninfo) {
		opts = PQconninfoParse(conninfo, &perr);
		if (!opts) {
			char msg[S3GC_ERR_MSGMAX];

			snprintf(msg, sizeof msg, "%s",
				 perr ? perr : "out of memory");
			PQfreemem(perr);
			one_line(msg);
			redact_quoted(msg);
			return err_set(e, S3GC_E_DB, 0,
				       "invalid PostgreSQL connection string: %s",
				       msg);
		}
		kw[n] = "dbname";
		val[n++] = conninfo;
	}
	kw[n] = "application_name";
	val[n++] = "s3gc";
	if (replication) {
		kw[n] = "replication";
		val[n++] = "database";
	}
	kw[n] = NULL;
	val[n] = NULL;
	c->replication = replication;
	c->conn = PQconnectdbParams(kw, val, 1);
	if (!c->conn)
		rc = err_set(e, S3GC_E_SYS, ENOMEM,
			     "cannot connect to PostgreSQL: out of memory");
	else if (PQstatus(c->conn) != CONNECTION_OK)
		rc = connect_failed(c, kw, val, password_of(opts), e);
	PQconninfoFree(opts);
	return rc;
}

void db_pg_close(struct pgconn *c)
{
	if (c->rx)
		PQfreemem(c->rx);
	if (c->conn)
		PQfinish(c->conn);
	memset(c, 0, sizeof *c);
}

int db_pg_sqlstate(const char *state)
{
	int code = 0;

	for (int i = 0; i < 5 && state[i]; i++)
		code |= ((state[i] - '0') & 0x3f) << (6 * i);
	return code;
}

/* Fill e from a failed result (res may be NULL: then from the connection). */
static int result_error(struct pgconn *c, const PGresult *res, const char *what,
			struct s3gc_err *e)
{
	char msg[S3GC_ERR_MSGMAX];
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary =
		res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (primary)
		snprintf(msg, sizeof msg, "%s", primary);
	else if (res && *PQresultErrorMessage(res))
		snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(res));
	else
		snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->conn));
	one_line(msg);
	if (!*msg)
		snprintf(msg, sizeof msg, "unexpected result %s",
			 res ? PQresStatus(PQresultStatus(res)) : "(none)");
	if (state)
		return err_set(e, S3GC_E_DB, db_pg_sqlstate(state),
			       "%s failed: %s (SQLSTATE %s)", what, msg, state);
	return err_set(e, S3GC_E_DB, 0, "%s failed: %s", what, msg);
}

static int need_conn(struct pgconn *c, struct s3gc_err *e)
{
	if (!c->conn)
		return err_set(e, S3GC_E_INTERNAL, 0, "not connected to PostgreSQL");
	return 0;
}

/* Run sql and expect status want; on success *out holds the result. */
static int run(struct pgconn *c, const char *sql, int nparams,
	       const char *const *params, ExecStatusType want, const char *what,
	       PGresult **out, struct s3gc_err *e)
{
	PGresult *res;

	if (need_conn(c, e) < 0)
		return -1;
	if (nparams > 0)
		res = PQexecParams(c->conn, sql, nparams, NULL, params, NULL,
				   NULL, 0);
	else
		res = PQexec(c->conn, sql);
	if (!res || PQresultStatus(res) != want) {
		result_error(c, res, what, e);
		PQclear(res);
		return -1;
	}
	*out = res;
	return 0;
}

int db_pg_query(struct pgconn *c, const char *sql, int nparams,
		const char *const *params, struct pg_result **out,
		struct s3gc_err *e)
{
	return run(c, sql, nparams, params, PGRES_TUPLES_OK, "query", out, e);
}

int db_pg_command(struct pgconn *c, const char *sql, int nparams,
		  const char *const *params, struct s3gc_err *e)
{
	PGresult *res;

	if (run(c, sql, nparams, params, PGRES_COMMAND_OK, "command", &res,
		e) < 0)
		return -1;
	PQclear(res);
	return 0;
}

static int add_escaped(struct pgconn *c, const char *s, size_t n, int ident,
		       struct buf *out, struct s3gc_err *e)
{
	char *q = ident ? PQescapeIdentifier(c->conn, s, n)
			: PQescapeLiteral(c->conn, s, n);
	int rc;

	if (!q) {
		char msg[S3GC_ERR_MSGMAX];

		snprintf(msg, sizeof msg, "%s", PQerrorMessage(c->conn));
		one_line(msg);
		return err_set(e, S3GC_E_DATA, 0, "cannot quote %s: %s",
			       ident ? "identifier" : "literal", msg);
	}
	rc = buf_adds(out, q, e);
	PQfreemem(q);
	return rc;
}

int db_pg_quote_ident(struct pgconn *c, const char *name, struct buf *out,
		      struct s3gc_err *e)
{
	const char *dot = strchr(name, '.');

	if (need_conn(c, e) < 0)
		return -1;
	if (!*name || dot == name || (dot && !dot[1]))
		return err_set(e, S3GC_E_DATA, 0,
			       "empty part in identifier '%s'", name);
	if (!dot)
		return add_escaped(c, name, strlen(name), 1, out, e);
	if (add_escaped(c, name, (size_t)(dot - name), 1, out, e) < 0 ||
	    buf_addc(out, '.', e) < 0)
		return -1;
	return add_escaped(c, dot + 1, strlen(dot + 1), 1, out, e);
}

int db_pg_quote_name(struct pgconn *c, const char *name, struct buf *out,
		     struct s3gc_err *e)
{
	if (need_conn(c, e) < 0)
		return -1;
	if (!*name)
		return err_set(e, S3GC_E_DATA, 0, "empty identifier");
	return add_escaped(c, name, strlen(name), 1, out, e);
}

int db_pg_quote_literal(struct pgconn *c, const char *s, struct buf *out,
			struct s3gc_err *e)
{
	if (need_conn(c, e) < 0)
		return -1;
	return add_escaped(c, s, strlen(s), 0, out, e);
}

/* Abandon a COPY OUT in progress: cancel it and drain what is left. */
static void copy_abort(struct pgconn *c)
{
	PGcancel *cancel = PQgetCancel(c->conn);
	char errbuf[256];
	char *line;
	PGresult *res;

	if (cancel) {
		PQcancel(cancel, errbuf, sizeof errbuf);
		PQfreeCancel(cancel);
	}
	while (PQgetCopyData(c->conn, &line, 0) > 0)
		PQfreemem(line);
	while ((res = PQgetResult(c->conn)) != NULL)
		PQclear(res);
}

int db_pg_copy_out(struct pgconn *c, const char *sql, db_pg_row_fn row,
		   void *arg, struct s3gc_err *e)
{
	PGresult *res;
	char *line;
	int n, rc = 0;

	if (run(c, sql, 0, NULL, PGRES_COPY_OUT, "copy", &res, e) < 0)
		return -1;
	PQclear(res);
	while ((n = PQgetCopyData(c->conn, &line, 0)) > 0) {
		rc = row(arg, line, (size_t)n, e);
		PQfreemem(line);
		if (rc) {
			copy_abort(c);
			return rc;
		}
	}
	if (n == -2)
		rc = result_error(c, NULL, "copy", e);
	while ((res = PQgetResult(c->conn)) != NULL) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = result_error(c, res, "copy", e);
		PQclear(res);
	}
	return rc;
}

int db_pg_begin_snapshot(struct pgconn *c, const char *snapshot_name,
			 struct s3gc_err *e)
{
	struct buf sql = BUF_INIT;
	int rc;

	if (need_conn(c, e) < 0)
		return -1;
	rc = buf_adds(&sql, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
			    "SET TRANSACTION SNAPSHOT ", e);
	if (rc == 0)
		rc = db_pg_quote_literal(c, snapshot_name, &sql, e);
	if (rc == 0)
		rc = db_pg_command(c, buf_str(&sql), 0, NULL, e);
	buf_release(&sql);
	if (rc < 0)
		return err_prefix(e, "cannot import snapshot '%s'",
				  snapshot_name);
	return 0;
}

/* Replication commands. */

static int need_replication(struct pgconn *c, struct s3gc_err *e)
{
	if (need_conn(c, e) < 0)
		return -1;
	if (!c->replication)
		return err_set(e, S3GC_E_INTERNAL, 0,
			       "not a replication connection");
	return 0;
}

/*
 * Slot names are what PostgreSQL allows anyway (lower case letters,
 * digits, underscore, at most 63): checking spares quoting in a grammar
 * that is not SQL's.
 */
int db_pg_slot_name_ok(const char *slot, struct s3gc_err *e)
{
	size_t n = strspn(slot, "abcdefghijklmnopqrstuvwxyz0123456789_");

	if (n == 0 || slot[n] || n > 63)
		return err_set(e, S3GC_E_DATA, 0,
			       "invalid replication slot name '%s'", slot);
	return 0;
}

/*
 * A string literal for the walsender's grammar, which knows only '' for a
 * quote (no E'' strings, backslashes are plain).
 */
static int repl_literal(const char *s, struct buf *out, struct s3gc_err *e)
{
	if (buf_addc(out, '\'', e) < 0)
		return -1;
	for (; *s; s++)
		if ((*s == '\'' && buf_addc(out, '\'', e) < 0) ||
		    buf_addc(out, *s, e) < 0)
			return -1;
	return buf_addc(out, '\'', e);
}

static int parse_lsn(const char *s, uint64_t *lsn, const char *what,
		     struct s3gc_err *e)
{
	if (pg_lsn_parse(s, lsn) < 0)
		return err_set(e, S3GC_E_DB, 0, "bad %s '%s' from the server",
			       what, s);
	return 0;
}

int db_pg_identify(struct pgconn *c, struct pg_system *out, struct s3gc_err *e)
{
	PGresult *res;
	char *end;
	int rc = 0;

	if (need_replication(c, e) < 0 ||
	    run(c, "IDENTIFY_SYSTEM", 0, NULL, PGRES_TUPLES_OK,
		"IDENTIFY_SYSTEM", &res, e) < 0)
		return -1;
	memset(out, 0, sizeof *out);
	if (PQntuples(res) != 1 || PQnfields(res) < 4) {
		PQclear(res);
		return err_set(e, S3GC_E_DB, 0,
			       "unexpected IDENTIFY_SYSTEM reply");
	}
	errno = 0;
	out->systemid = strtoull(PQgetvalue(res, 0, 0), &end, 10);
	if (errno || *end)
		rc = err_set(e, S3GC_E_DB, 0, "bad system id '%s'",
			     PQgetvalue(res, 0, 0));
	out->timeline = (uint32_t)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	if (rc == 0)
		rc = parse_lsn(PQgetvalue(res, 0, 2), &out->xlogpos,
			       "xlogpos", e);
	snprintf(out->dbname, sizeof out->dbname, "%s", PQgetvalue(res, 0, 3));
	PQclear(res);
	return rc;
}

int db_pg_create_slot(struct pgconn *c, const char *slot, int export_snapshot,
		      uint64_t *consistent_lsn, struct buf *snapshot_name,
		      struct s3gc_err *e)
{
	struct buf sql = BUF_INIT;
	PGresult *res;
	int rc;

	if (need_replication(c, e) < 0 || db_pg_slot_name_ok(slot, e) < 0)
		return -1;
	if (buf_addf(&sql, e, "CREATE_REPLICATION_SLOT %s LOGICAL pgoutput %s",
		     slot, export_snapshot ? "EXPORT_SNAPSHOT"
					   : "NOEXPORT_SNAPSHOT") < 0)
		return -1;
	rc = run(c, buf_str(&sql), 0, NULL, PGRES_TUPLES_OK,
		 "CREATE_REPLICATION_SLOT", &res, e);
	buf_release(&sql);
	if (rc < 0)
		return err_prefix(e, "cannot create slot '%s'", slot);
	if (PQntuples(res) != 1 || PQnfields(res) < 3) {
		PQclear(res);
		return err_set(e, S3GC_E_DB, 0,
			       "unexpected CREATE_REPLICATION_SLOT reply");
	}
	rc = parse_lsn(PQgetvalue(res, 0, 1), consistent_lsn,
		       "consistent point", e);
	if (rc == 0 && snapshot_name) {
		buf_reset(snapshot_name);
		if (!PQgetisnull(res, 0, 2))
			rc = buf_adds(snapshot_name, PQgetvalue(res, 0, 2), e);
	}
	PQclear(res);
	return rc;
}

int db_pg_drop_slot(struct pgconn *c, const char *slot, struct s3gc_err *e)
{
	struct buf sql = BUF_INIT;
	int rc;

	if (need_replication(c, e) < 0 || db_pg_slot_name_ok(slot, e) < 0 ||
	    buf_addf(&sql, e, "DROP_REPLICATION_SLOT %s", slot) < 0)
		return -1;
	rc = db_pg_command(c, buf_str(&sql), 0, NULL, e);
	buf_release(&sql);
	if (rc < 0)
		return err_prefix(e, "cannot drop slot '%s'", slot);
	return 0;
}

int db_pg_start_replication(struct pgconn *c, const char *slot,
			    uint64_t start_lsn, const char *publication,
			    struct s3gc_err *e)
{
	struct buf sql = BUF_INIT, pub = BUF_INIT;
	char lsn[PG_LSN_MAX];
	PGresult *res;
	int rc;

	if (need_replication(c, e) < 0 || db_pg_slot_name_ok(slot, e) < 0)
		return -1;
	pg_lsn_format(start_lsn, lsn);
	/* publication_names is a list of identifiers inside a literal. */
	rc = add_escaped(c, publication, strlen(publication), 1, &pub, e);
	if (rc == 0)
		rc = buf_addf(&sql, e,
			      "START_REPLICATION SLOT %s LOGICAL %s "
			      "(proto_version '1', publication_names ",
			      slot, lsn);
	if (rc == 0)
		rc = repl_literal(buf_str(&pub), &sql, e);
	if (rc == 0)
		rc = buf_addc(&sql, ')', e);
	buf_release(&pub);
	if (rc == 0)
		rc = run(c, buf_str(&sql), 0, NULL, PGRES_COPY_BOTH,
			 "START_REPLICATION", &res, e);
	buf_release(&sql);
	if (rc < 0)
		return err_prefix(e, "cannot stream from slot '%s'", slot);
	PQclear(res);
	c->copying = 1;
	return 0;
}

/* The server ended the COPY: report why. */
static int stream_ended(struct pgconn *c, struct s3gc_err *e)
{
	PGresult *res = PQgetResult(c->conn);
	int rc;

	c->copying = 0;
	if (res && PQresultStatus(res) == PGRES_FATAL_ERROR) {
		result_error(c, res, "replication stream", e);
		e->cls = S3GC_E_CDC;
		rc = -1;
	} else {
		rc = err_set(e, S3GC_E_CDC, 0,
			     "the server ended the replication stream");
	}
	PQclear(res);
	while ((res = PQgetResult(c->conn)) != NULL)
		PQclear(res);
	return rc;
}

int db_pg_recv(struct pgconn *c, int timeout_ms, const char **data, size_t *n,
	       struct s3gc_err *e)
{
	long long deadline = time_mono_ms() + timeout_ms;

	if (need_replication(c, e) < 0)
		return -1;
	if (!c->copying)
		return err_set(e, S3GC_E_INTERNAL, 0, "not streaming");
	if (c->rx) {
		PQfreemem(c->rx);
		c->rx = NULL;
	}
	for (;;) {
		struct pollfd pfd = { PQsocket(c->conn), POLLIN, 0 };
		int r = PQgetCopyData(c->conn, &c->rx, 1), wait;

		if (r > 0) {
			*data = c->rx;
			*n = (size_t)r;
			return 1;
		}
		if (r == -1)
			return stream_ended(c, e);
		if (r == -2)
			return result_error(c, NULL, "replication stream", e);
		wait = timeout_ms < 0 ? -1 : (int)(deadline - time_mono_ms());
		if (timeout_ms >= 0 && wait <= 0)
			return 0;
		r = poll(&pfd, 1, wait);
		if (r < 0 && errno != EINTR)
			return err_sys(e, S3GC_E_SYS, errno,
				       "cannot wait for PostgreSQL");
		if (r > 0 && !PQconsumeInput(c->conn))
			return result_error(c, NULL, "replication stream", e);
	}
}

int db_pg_send_status(struct pgconn *c, uint64_t written, uint64_t flushed,
		      uint64_t applied, int reply, struct s3gc_err *e)
{
	char msg[PGREPL_STATUS_LEN];
	struct timespec ts;
	int64_t now;

	if (need_replication(c, e) < 0)
		return -1;
	if (!c->copying)
		return err_set(e, S3GC_E_INTERNAL, 0, "not streaming");
	clock_gettime(CLOCK_REALTIME, &ts);
	now = ((int64_t)ts.tv_sec - PG_EPOCH_UNIX) * 1000000 +
	      ts.tv_nsec / 1000;
	pgrepl_status(msg, written, flushed, applied, now, reply);
	if (PQputCopyData(c->conn, msg, (int)sizeof msg) != 1 ||
	    PQflush(c->conn) != 0)
		return result_error(c, NULL, "sending status update", e);
	return 0;
}
