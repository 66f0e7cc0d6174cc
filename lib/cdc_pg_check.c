/*
 * cdc_pg_check.c: what cdc_pg checks before it reads: the server's
 * settings and the role's rights, the configured tables and columns in
 * the catalog, the publication, and the slot.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "cdc_pg_int.h"
#include "log.h"
#include "pgoutput.h"

static int nomem(struct s3gc_err *e)
{
	return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
}

void pgc_tables_release(struct pgc_tables *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		struct pgc_table *t = &ts->t[i];

		free(t->nsp);
		free(t->rel);
		free(t->qname);
		for (size_t k = 0; k < t->nkey; k++)
			free(t->keycols[k]);
		free(t->keycols);
	}
	free(ts->t);
	ts->t = NULL;
	ts->n = 0;
}

int pgc_advise(struct s3gc_err *e)
{
	if (e->cls != S3GC_E_DB)
		return -1;
	if (e->code == db_pg_sqlstate("42501"))
		err_prefix(e, "missing privilege (see 'SETTING UP POSTGRESQL' in s3gc-refs(1))");
	else if (e->code == db_pg_sqlstate("55006"))
		err_prefix(e, "the slot is in use: stop the other s3gc-refs follow, or use --slot");
	else if (e->code == db_pg_sqlstate("55000"))
		err_prefix(e, "the server is not set up for logical replication");
	else if (e->code == db_pg_sqlstate("53400"))
		err_prefix(e, "the server has no free replication slot or WAL sender: "
			      "raise max_replication_slots or max_wal_senders");
	else
		return -1;
	e->cls = S3GC_E_CDC;
	return -1;
}

/* One text value of a one-row query. */
static int query_one(struct pgconn *q, const char *sql, int np,
		     const char *const *p, char *out, size_t outlen,
		     struct s3gc_err *e)
{
	PGresult *res;

	if (db_pg_query(q, sql, np, p, &res, e) < 0)
		return -1;
	if (PQntuples(res) != 1 || PQnfields(res) < 1) {
		PQclear(res);
		return err_set(e, S3GC_E_DB, 0, "unexpected reply to '%.60s'", sql);
	}
	snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int pgc_connect(struct pgconn *q, const struct cdc_pg_opts *o,
		struct s3gc_err *e)
{
	char v[64];

	if (db_pg_connect(q, o->conninfo, 0, e) < 0)
		return -1;
	if (query_one(q, "SELECT current_setting('wal_level')", 0, NULL, v,
		      sizeof v, e) < 0)
		goto fail;
	if (strcmp(v, "logical") != 0) {
		err_set(e, S3GC_E_CDC, 0,
			"the server's wal_level is '%s', not 'logical': set wal_level = logical "
			"in postgresql.conf and restart the server", v);
		goto fail;
	}
	if (query_one(q, "SELECT rolreplication OR rolsuper FROM pg_roles "
			 "WHERE rolname = current_user", 0, NULL, v, sizeof v, e) < 0)
		goto fail;
	if (strcmp(v, "t") != 0) {
		char who[128];

		if (query_one(q, "SELECT current_user", 0, NULL, who, sizeof who, e) < 0)
			goto fail;
		err_set(e, S3GC_E_CDC, 0,
			"role '%s' may not use replication: as a superuser, run "
			"ALTER ROLE \"%s\" REPLICATION", who, who);
		goto fail;
	}
	return 0;
fail:
	db_pg_close(q);
	return -1;
}

static int strdup_to(char **out, const char *s, struct s3gc_err *e)
{
	*out = strdup(s);
	return *out ? 0 : nomem(e);
}

/* Is a column of type category cat (element category ecat) right for kind? */
static const char *type_fits(enum conf_colkind kind, const char *type,
			     const char *cat, const char *ecat)
{
	switch (kind) {
	case CONF_COL_TEXT:
		return strcmp(cat, "S") == 0 ? NULL : "a text type (text, varchar, char)";
	case CONF_COL_ARRAY:
		return strcmp(cat, "A") == 0 && strcmp(ecat, "S") == 0
			       ? NULL : "an array of a text type (text[], varchar[])";
	case CONF_COL_JSON:
		return strcmp(cat, "S") == 0 || strcmp(type, "json") == 0 ||
				       strcmp(type, "jsonb") == 0
			       ? NULL : "json, jsonb or a text type";
	}
	return "a known kind";
}

static const char *const cols_sql =
	"SELECT a.attname, format_type(a.atttypid, NULL), t.typcategory, "
	"coalesce(et.typcategory, ''), a.attgenerated <> '' "
	"FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
	"LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A' "
	"WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped";

static int check_columns(struct pgconn *q, const char *oid,
			 const struct pgc_table *t, enum s3gc_errclass gone,
			 const char *where, struct s3gc_err *e)
{
	const char *p[1] = { oid };
	PGresult *res;
	int rc = 0;

	if (db_pg_query(q, cols_sql, 1, p, &res, e) < 0)
		return -1;
	for (size_t j = 0; j < t->ct->ncols && rc == 0; j++) {
		const struct conf_column *col = &t->ct->cols[j];
		const char *why;
		int i;

		for (i = 0; i < PQntuples(res); i++)
			if (strcmp(PQgetvalue(res, i, 0), col->name) == 0)
				break;
		if (i == PQntuples(res)) {
			rc = gone == S3GC_E_CDC
				? err_set(e, gone, 0,
					  "watched column '%s' of '%s' is gone (dropped or renamed): "
					  "update [tables] in %s and run 's3gc-refs snapshot'",
					  col->name, t->qname, where)
				: err_set(e, gone, 0, "%s: [tables]: table '%s' has no column '%s'",
					  where, t->qname, col->name);
			break;
		}
		if (strcmp(PQgetvalue(res, i, 4), "t") == 0) {
			rc = err_set(e, gone, 0,
				     "%s: [tables]: column '%s' of '%s' is a generated column, "
				     "which logical replication does not send", where,
				     col->name, t->qname);
			break;
		}
		why = type_fits(col->kind, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
				PQgetvalue(res, i, 3));
		if (why && gone == S3GC_E_CDC)
			rc = err_set(e, gone, 0,
				     "watched column '%s' of '%s' is now %s, not %s: update "
				     "[tables] in %s and run 's3gc-refs snapshot'", col->name,
				     t->qname, PQgetvalue(res, i, 1), why, where);
		else if (why)
			rc = err_set(e, gone, 0,
				     "%s: [tables]: column '%s' of '%s' is %s, not %s%s", where,
				     col->name, t->qname, PQgetvalue(res, i, 1), why,
				     col->kind == CONF_COL_TEXT
					     ? " (write 'column:array' or 'column:json' for lists)"
					     : "");
	}
	PQclear(res);
	return rc;
}

/* The replica identity's columns in column order (pgoutput's key columns). */
static const char *const key_sql =
	"SELECT a.attname FROM pg_attribute a "
	"WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
	"AND a.attgenerated = '' AND ($2 = 'f' OR a.attnum = ANY ("
	"SELECT unnest(i.indkey::int2[]) FROM pg_index i WHERE i.indrelid = $1::oid "
	"AND CASE WHEN $2 = 'i' THEN i.indisreplident ELSE i.indisprimary END)) "
	"ORDER BY a.attnum";

static int key_columns(struct pgconn *q, const char *oid, struct pgc_table *t,
		       struct s3gc_err *e)
{
	char ri[2] = { t->replident, 0 };
	const char *p[2] = { oid, ri };
	PGresult *res;
	int n;

	if (t->replident != 'n') {
		if (db_pg_query(q, key_sql, 2, p, &res, e) < 0)
			return -1;
		n = PQntuples(res);
		if (n > 0) {
			t->keycols = calloc((size_t)n, sizeof(char *));
			if (!t->keycols) {
				PQclear(res);
				return nomem(e);
			}
			for (int i = 0; i < n; i++, t->nkey++)
				if (strdup_to(&t->keycols[i], PQgetvalue(res, i, 0), e) < 0) {
					PQclear(res);
					return -1;
				}
		}
		PQclear(res);
		if (n > 0)
			return 0;
	}
	return err_set(e, S3GC_E_CDC, 0,
		       "table '%s' has no primary key: add one, or run "
		       "ALTER TABLE %s REPLICA IDENTITY FULL", t->qname, t->qname);
}

static const char *const table_sql =
	"SELECT c.oid, c.relkind, c.relreplident, "
	"has_table_privilege(c.oid, 'SELECT'), current_user "
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE n.nspname = $1 AND c.relname = $2";

static int describe_one(struct pgconn *q, const struct conf_table *ct,
			int streaming, const char *where, struct pgc_table *t,
			struct s3gc_err *e)
{
	enum s3gc_errclass cls = streaming ? S3GC_E_CDC : S3GC_E_CONFIG;
	const char *dot = strchr(ct->name, '.');
	const char *p[2];
	char oid[16];
	PGresult *res;
	int rc = -1;

	t->ct = ct;
	if (dot) {
		t->nsp = strndup(ct->name, (size_t)(dot - ct->name));
		t->rel = strdup(dot + 1);
	} else {
		t->nsp = strdup("public");
		t->rel = strdup(ct->name);
	}
	if (!t->nsp || !t->rel ||
	    asprintf(&t->qname, "%s.%s", t->nsp, t->rel) < 0) {
		t->qname = NULL;
		return nomem(e);
	}
	p[0] = t->nsp;
	p[1] = t->rel;
	if (db_pg_query(q, table_sql, 2, p, &res, e) < 0)
		return -1;
	if (PQntuples(res) != 1) {
		if (streaming)
			err_set(e, cls, 0,
				"watched table '%s' is gone (dropped or renamed): update [tables] "
				"in %s and run 's3gc-refs snapshot'", t->qname, where);
		else
			err_set(e, cls, 0, "%s: [tables]: no table '%s' in the database "
				"(names are case-sensitive; unqualified means schema public)",
				where, t->qname);
		goto out;
	}
	t->relkind = PQgetvalue(res, 0, 1)[0];
	t->replident = PQgetvalue(res, 0, 2)[0];
	if (t->relkind != 'r' && t->relkind != 'p') {
		err_set(e, cls, 0, "%s: [tables]: '%s' is not a table", where, t->qname);
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, 3), "t") != 0) {
		err_set(e, S3GC_E_CDC, 0,
			"role '%s' may not read '%s': GRANT SELECT ON %s TO \"%s\"",
			PQgetvalue(res, 0, 4), t->qname, t->qname, PQgetvalue(res, 0, 4));
		goto out;
	}
	snprintf(oid, sizeof oid, "%s", PQgetvalue(res, 0, 0));
	rc = check_columns(q, oid, t, cls, where, e);
	if (rc == 0)
		rc = key_columns(q, oid, t, e);
out:
	PQclear(res);
	return rc;
}

int pgc_describe(struct pgconn *q, const struct conf *c, int streaming,
		 struct pgc_tables *out, struct s3gc_err *e)
{
	const char *where = c->path ? c->path : "the configuration";

	out->n = 0;
	if (c->ntables == 0)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "%s: no [tables] section: name the columns that hold keys, "
			       "as 'users = avatar_url'", where);
	out->t = calloc(c->ntables, sizeof(*out->t));
	if (!out->t)
		return nomem(e);
	for (size_t i = 0; i < c->ntables; i++) {
		out->n++;
		if (describe_one(q, &c->tables[i], streaming, where, &out->t[i], e) < 0) {
			pgc_tables_release(out);
			return -1;
		}
	}
	return 0;
}

static const char *const pub_sql =
	"SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate, pubviaroot, "
	"puballtables FROM pg_publication WHERE pubname = $1";

/* Append "nsp"."rel" of every table in ts (when only != NULL, those with only[i]). */
static int table_list(struct pgconn *q, const struct pgc_tables *ts,
		      const char *const *only, struct buf *sql, size_t *count,
		      struct s3gc_err *e)
{
	*count = 0;
	for (size_t i = 0; i < ts->n; i++) {
		if (only && !only[i])
			continue;
		if ((*count && buf_adds(sql, ", ", e) < 0) ||
		    db_pg_quote_ident(q, ts->t[i].qname, sql, e) < 0)
			return -1;
		++*count;
	}
	return 0;
}

static int create_publication(struct pgconn *q, const struct pgc_tables *ts,
			      const char *pub, struct s3gc_err *e)
{
	struct buf sql = BUF_INIT;
	size_t count;
	int rc;

	rc = buf_adds(&sql, "CREATE PUBLICATION ", e);
	if (rc == 0)
		rc = db_pg_quote_ident(q, pub, &sql, e);
	if (rc == 0)
		rc = buf_adds(&sql, " FOR TABLE ", e);
	if (rc == 0)
		rc = table_list(q, ts, NULL, &sql, &count, e);
	if (rc == 0)
		rc = buf_adds(&sql, " WITH (publish_via_partition_root = true)", e);
	if (rc == 0)
		rc = db_pg_command(q, buf_str(&sql), 0, NULL, e);
	if (rc == 0)
		log_msg(LOG_INFO, "created publication '%s' for %zu table(s)", pub, count);
	else if (e->cls == S3GC_E_DB && e->code == db_pg_sqlstate("42501"))
		err_set(e, S3GC_E_CDC, e->code,
			"cannot create publication '%s' (only the tables' owner may): "
			"as the owner, run %s", pub, buf_str(&sql));
	buf_release(&sql);
	return rc;
}

/* Tables of ts the publication lacks: missing[i] non-NULL. */
static int pub_missing(struct pgconn *q, const struct pgc_tables *ts,
		       const char *pub, const char **missing, size_t *nmissing,
		       struct s3gc_err *e)
{
	const char *p[1] = { pub };
	PGresult *res;

	if (db_pg_query(q, "SELECT schemaname, tablename FROM pg_publication_tables "
			   "WHERE pubname = $1", 1, p, &res, e) < 0)
		return -1;
	*nmissing = 0;
	for (size_t i = 0; i < ts->n; i++) {
		int found = 0;

		for (int k = 0; k < PQntuples(res) && !found; k++)
			found = !strcmp(PQgetvalue(res, k, 0), ts->t[i].nsp) &&
				!strcmp(PQgetvalue(res, k, 1), ts->t[i].rel);
		missing[i] = found ? NULL : ts->t[i].qname;
		*nmissing += !found;
	}
	PQclear(res);
	return 0;
}

int pgc_publication(struct pgconn *q, const struct pgc_tables *ts,
		    const char *pub, int create, struct s3gc_err *e)
{
	const char *p[1] = { pub };
	const char **missing = NULL;
	struct buf sql = BUF_INIT;
	PGresult *res;
	size_t nmissing, count;
	int all, viaroot, rc = -1;

	if (db_pg_query(q, pub_sql, 1, p, &res, e) < 0)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		if (create)
			return create_publication(q, ts, pub, e);
		return err_set(e, S3GC_E_CDC, 0,
			       "publication '%s' is gone: run 's3gc-refs snapshot' to "
			       "create it and rebuild the store", pub);
	}
	all = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	viaroot = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	if (!all)
		return err_set(e, S3GC_E_CDC, 0,
			       "publication '%s' does not publish every kind of change: run "
			       "ALTER PUBLICATION %s SET (publish = 'insert, update, delete, truncate')",
			       pub, pub);
	for (size_t i = 0; i < ts->n; i++)
		if (ts->t[i].relkind == 'p' && !viaroot)
			return err_set(e, S3GC_E_CDC, 0,
				       "'%s' is partitioned and publication '%s' publishes its "
				       "partitions under their own names: run ALTER PUBLICATION %s "
				       "SET (publish_via_partition_root = true)",
				       ts->t[i].qname, pub, pub);
	missing = calloc(ts->n ? ts->n : 1, sizeof(*missing));
	if (!missing)
		return nomem(e);
	if (pub_missing(q, ts, pub, missing, &nmissing, e) < 0)
		goto out;
	if (nmissing == 0) {
		rc = 0;
		goto out;
	}
	if (!create) {
		for (size_t i = 0; i < ts->n; i++)
			if (missing[i]) {
				err_set(e, S3GC_E_CDC, 0,
					"publication '%s' does not cover '%s': run 's3gc-refs "
					"snapshot' to add it and rebuild the store", pub, missing[i]);
				break;
			}
		goto out;
	}
	rc = buf_adds(&sql, "ALTER PUBLICATION ", e);
	if (rc == 0)
		rc = db_pg_quote_ident(q, pub, &sql, e);
	if (rc == 0)
		rc = buf_adds(&sql, " ADD TABLE ", e);
	if (rc == 0)
		rc = table_list(q, ts, missing, &sql, &count, e);
	if (rc == 0)
		rc = db_pg_command(q, buf_str(&sql), 0, NULL, e);
	if (rc == 0)
		log_msg(LOG_INFO, "added %zu table(s) to publication '%s'", count, pub);
	else if (e->cls == S3GC_E_DB && e->code == db_pg_sqlstate("42501"))
		err_set(e, S3GC_E_CDC, e->code,
			"cannot add tables to publication '%s' (only its owner may): "
			"as the owner, run %s", pub, buf_str(&sql));
out:
	buf_release(&sql);
	free(missing);
	return rc;
}

static const char *const slot_sql =
	"SELECT s.active, coalesce(s.active_pid, 0), coalesce(s.wal_status, ''), "
	"coalesce(s.database, ''), coalesce(s.plugin, ''), "
	"coalesce(s.confirmed_flush_lsn::text, ''), pg_current_wal_lsn()::text, "
	"coalesce(s.safe_wal_size, -1) "
	"FROM pg_replication_slots s WHERE s.slot_name = $1";

int pgc_slot(struct pgconn *q, const char *slot, struct cdc_pg_slot *s,
	     struct s3gc_err *e)
{
	const char *p[1] = { slot };
	PGresult *res;

	memset(s, 0, sizeof *s);
	s->safe_wal_size = -1;
	if (db_pg_query(q, slot_sql, 1, p, &res, e) < 0)
		return -1;
	if (PQntuples(res) == 1) {
		s->exists = 1;
		s->active = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		s->active_pid = strtol(PQgetvalue(res, 0, 1), NULL, 10);
		snprintf(s->wal_status, sizeof s->wal_status, "%s", PQgetvalue(res, 0, 2));
		snprintf(s->database, sizeof s->database, "%s", PQgetvalue(res, 0, 3));
		snprintf(s->plugin, sizeof s->plugin, "%s", PQgetvalue(res, 0, 4));
		if (*PQgetvalue(res, 0, 5))
			pg_lsn_parse(PQgetvalue(res, 0, 5), &s->confirmed_flush);
		pg_lsn_parse(PQgetvalue(res, 0, 6), &s->current_lsn);
		s->safe_wal_size = strtoll(PQgetvalue(res, 0, 7), NULL, 10);
		if (s->confirmed_flush && s->current_lsn > s->confirmed_flush)
			s->lag = s->current_lsn - s->confirmed_flush;
	}
	PQclear(res);
	return 0;
}

int pgc_slot_in_use(const char *slot, const struct cdc_pg_slot *s,
		    struct s3gc_err *e)
{
	return err_set(e, S3GC_E_CDC, 0,
		       "slot '%s' is in use by server process %ld: stop the s3gc-refs "
		       "follow that holds it, or use --slot", slot, s->active_pid);
}

#define SETTLE_TRIES 50 /* of 200 ms */

int pgc_slot_settled(struct pgconn *q, const char *slot, struct cdc_pg_slot *s,
		     struct s3gc_err *e)
{
	for (int tries = 0;; tries++) {
		struct timespec ts = { 0, 200 * 1000000L };

		if (pgc_slot(q, slot, s, e) < 0)
			return -1;
		if (!s->active || tries == SETTLE_TRIES)
			return 0;
		nanosleep(&ts, NULL);
	}
}

int cdc_pg_slot_info(const struct cdc_pg_opts *o, struct cdc_pg_slot *s,
		     struct s3gc_err *e)
{
	struct pgconn q = PGCONN_INIT;
	int rc;

	memset(s, 0, sizeof *s);
	if (db_pg_connect(&q, o->conninfo, 0, e) < 0)
		return -1;
	rc = pgc_slot(&q, o->slot, s, e);
	db_pg_close(&q);
	return rc;
}

const char *cdc_pg_slot_state(const struct cdc_pg_slot *s)
{
	return !s->exists ? "missing" : !strcmp(s->wal_status, "lost") ? "lost" :
	       s->active ? "active" : "ok";
}

int cdc_pg_slot_trouble(const struct cdc_pg_slot *s, const char *slot, char *msg, size_t n)
{
	if (!s->exists)
		snprintf(msg, n, "replication slot '%s' does not exist: run 's3gc-refs snapshot'",
			 slot);
	else if (!strcmp(s->wal_status, "lost"))
		snprintf(msg, n, "replication slot '%s' is lost: run 's3gc-refs snapshot'", slot);
	else if (!strcmp(s->wal_status, "unreserved"))
		snprintf(msg, n, "replication slot '%s' is about to be lost (wal_status = "
			 "unreserved): run 's3gc-refs sync' now", slot);
	else
		return 0;
	return 1;
}

int cdc_pg_drop_slot(const struct cdc_pg_opts *o, struct s3gc_err *e)
{
	struct pgconn q = PGCONN_INIT, r = PGCONN_INIT;
	struct cdc_pg_slot s;
	int rc = -1;

	if (db_pg_connect(&q, o->conninfo, 0, e) < 0)
		return -1;
	if (pgc_slot_settled(&q, o->slot, &s, e) < 0)
		goto out;
	if (!s.exists) {
		err_set(e, S3GC_E_CDC, 0, "there is no replication slot '%s'", o->slot);
		goto out;
	}
	if (s.active) {
		pgc_slot_in_use(o->slot, &s, e);
		goto out;
	}
	if (db_pg_connect(&r, o->conninfo, 1, e) < 0)
		goto out;
	rc = db_pg_drop_slot(&r, o->slot, e);
	if (rc < 0)
		pgc_advise(e);
out:
	db_pg_close(&r);
	db_pg_close(&q);
	return rc;
}
