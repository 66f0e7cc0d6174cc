/*
 * pg-probe: a test helper driving lib/db_pg against a real PostgreSQL.
 *
 *   pg-probe [-d CONNINFO] connect
 *   pg-probe [-d CONNINFO] query SQL          rows, fields tab-separated
 *   pg-probe [-d CONNINFO] copy SQL           raw COPY lines
 *   pg-probe [-d CONNINFO] copy-head SQL N    the first N, then "select 1"
 *   pg-probe [-d CONNINFO] quote NAME         the quoted identifier
 *   pg-probe [-d CONNINFO] identify
 *   pg-probe [-d CONNINFO] drop-slot SLOT
 *   pg-probe [-d CONNINFO] snapshot-stream SLOT PUB TABLE N TIMEOUT_MS GOFILE
 *
 * snapshot-stream creates SLOT with an exported snapshot and prints
 * "consistent LSN", waits for GOFILE to exist, prints the rows of TABLE
 * read in that snapshot ("row LINE"), prints "streaming", then streams
 * from the consistent point until N row changes arrived or TIMEOUT_MS
 * passed without any, printing each decoded message, confirming each
 * commit, and finally "flushed LSN". Errors go to stderr as
 * "pg-probe: MESSAGE"; the exit status is s3gc(7)'s for the error's class.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db_pg.h"
#include "pgoutput.h"

static const char *conninfo;

static int fail(const struct s3gc_err *e)
{
	fprintf(stderr, "pg-probe: %s\n", e->msg);
	return err_exit_code(e->cls);
}

static int print_row(void *arg, const char *line, size_t n,
		     struct s3gc_err *e)
{
	const char *prefix = arg;

	(void)e;
	fputs(prefix, stdout);
	fwrite(line, 1, n, stdout);
	return 0;
}

struct head {
	int left;
};

/* Stop after a number of rows: the copy is abandoned mid-stream. */
static int print_head(void *arg, const char *line, size_t n,
		      struct s3gc_err *e)
{
	struct head *h = arg;

	fwrite(line, 1, n, stdout);
	if (--h->left > 0)
		return 0;
	err_set(e, S3GC_E_DATA, 0, "enough rows");
	return -1;
}

static int cmd_query(struct pgconn *c, const char *sql, struct s3gc_err *e)
{
	PGresult *res;

	if (db_pg_query(c, sql, 0, NULL, &res, e) < 0)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		for (int j = 0; j < PQnfields(res); j++)
			printf("%s%c", PQgetvalue(res, i, j),
			       j + 1 < PQnfields(res) ? '\t' : '\n');
	PQclear(res);
	return 0;
}

static int cmd_quote(struct pgconn *c, const char *name, struct s3gc_err *e)
{
	struct buf b = BUF_INIT;

	if (db_pg_quote_ident(c, name, &b, e) < 0)
		return -1;
	puts(buf_str(&b));
	buf_release(&b);
	return 0;
}

static int cmd_identify(struct pgconn *c, struct s3gc_err *e)
{
	struct pg_system s;
	char lsn[PG_LSN_MAX];

	if (db_pg_identify(c, &s, e) < 0)
		return -1;
	pg_lsn_format(s.xlogpos, lsn);
	printf("%llu %u %s %s\n", (unsigned long long)s.systemid, s.timeline,
	       lsn, s.dbname);
	return 0;
}

static void print_tuple(const char *tag, const struct pgo_tuple *t)
{
	printf(" %s(", tag);
	for (uint16_t i = 0; i < t->n; i++) {
		const struct pgo_datum *d = &t->d[i];

		if (i)
			putchar(',');
		if (d->kind == 't')
			printf("%.*s", (int)d->len, d->p);
		else
			printf("<%c>", d->kind);
	}
	putchar(')');
}

/* Print one message; returns 1 for a row change. */
static int print_msg(const struct pgo_msg *m)
{
	int change = 0;

	putchar(m->kind);
	switch (m->kind) {
	case PGO_RELATION:
		printf(" %s.%s", m->nspname, m->relname);
		break;
	case PGO_INSERT:
		print_tuple("new", &m->new);
		change = 1;
		break;
	case PGO_UPDATE:
	case PGO_DELETE:
		if (m->old_kind)
			print_tuple(m->old_kind == 'K' ? "key" : "old", &m->old);
		if (m->kind == PGO_UPDATE)
			print_tuple("new", &m->new);
		change = 1;
		break;
	default:
		break;
	}
	putchar('\n');
	fflush(stdout);
	return change;
}

/* Stream until want changes or timeout_ms of silence; *flushed is confirmed. */
static int stream(struct pgconn *r, int want, int timeout_ms,
		  uint64_t *flushed, struct s3gc_err *e)
{
	struct pgo_msg m;
	int got = 0, rc = 0;

	pgo_msg_init(&m);
	while (got < want) {
		struct pgrepl_frame f;
		const char *data;
		size_t n;
		int k = db_pg_recv(r, timeout_ms, &data, &n, e);

		if (k <= 0) {
			rc = k;
			break;
		}
		if ((rc = pgrepl_parse(data, n, &f, e)) < 0)
			break;
		if (f.kind == 'k') {
			if (f.reply_requested &&
			    (rc = db_pg_send_status(r, *flushed, *flushed,
						    *flushed, 0, e)) < 0)
				break;
			continue;
		}
		if ((rc = pgo_parse(f.data, f.len, &m, e)) < 0)
			break;
		got += print_msg(&m);
		if (m.kind == PGO_COMMIT) {
			/* Here the real program would commit to LMDB first. */
			*flushed = m.end_lsn;
			if ((rc = db_pg_send_status(r, *flushed, *flushed,
						    *flushed, 0, e)) < 0)
				break;
		}
	}
	pgo_msg_release(&m);
	return rc;
}

static int wait_for(const char *path)
{
	for (int i = 0; i < 600; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(50000);
	}
	return -1;
}

static int cmd_snapshot_stream(char **argv, struct s3gc_err *e)
{
	const char *slot = argv[0], *pub = argv[1], *table = argv[2];
	int want = atoi(argv[3]), timeout_ms = atoi(argv[4]);
	struct pgconn r = PGCONN_INIT, q = PGCONN_INIT;
	struct buf snap = BUF_INIT, sql = BUF_INIT;
	uint64_t lsn, flushed;
	char text[PG_LSN_MAX];
	int rc = -1;

	if (db_pg_connect(&r, conninfo, 1, e) < 0)
		return -1;
	if (db_pg_create_slot(&r, slot, 1, &lsn, &snap, e) < 0)
		goto out;
	pg_lsn_format(lsn, text);
	printf("consistent %s\n", text);
	fflush(stdout);
	if (wait_for(argv[5]) < 0) {
		err_set(e, S3GC_E_INTERNAL, 0, "no '%s'", argv[5]);
		goto out;
	}
	if (db_pg_connect(&q, conninfo, 0, e) < 0 ||
	    db_pg_begin_snapshot(&q, buf_str(&snap), e) < 0 ||
	    buf_adds(&sql, "COPY ", e) < 0 ||
	    db_pg_quote_ident(&q, table, &sql, e) < 0 ||
	    buf_adds(&sql, " TO STDOUT", e) < 0 ||
	    db_pg_copy_out(&q, buf_str(&sql), print_row, "row ", e) < 0 ||
	    db_pg_command(&q, "COMMIT", 0, NULL, e) < 0)
		goto out;
	if (db_pg_start_replication(&r, slot, lsn, pub, e) < 0)
		goto out;
	puts("streaming");
	fflush(stdout);
	flushed = lsn;
	if (stream(&r, want, timeout_ms, &flushed, e) < 0 ||
	    db_pg_send_status(&r, flushed, flushed, flushed, 1, e) < 0)
		goto out;
	pg_lsn_format(flushed, text);
	printf("flushed %s\n", text);
	rc = 0;
out:
	buf_release(&snap);
	buf_release(&sql);
	db_pg_close(&q);
	db_pg_close(&r);
	return rc;
}

static int usage(void)
{
	fputs("usage: pg-probe [-d CONNINFO] connect|query SQL|copy SQL|"
	      "copy-head SQL N|quote NAME|identify|drop-slot SLOT|"
	      "snapshot-stream SLOT PUB TABLE N TIMEOUT_MS GOFILE\n", stderr);
	return 64;
}

int main(int argc, char **argv)
{
	struct pgconn c = PGCONN_INIT;
	struct s3gc_err e;
	const char *cmd;
	int rc, repl, nargs;

	err_clear(&e);
	argv++;
	argc--;
	if (argc >= 2 && strcmp(argv[0], "-d") == 0) {
		conninfo = argv[1];
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		return usage();
	cmd = *argv++;
	argc--;
	if (strcmp(cmd, "snapshot-stream") == 0) {
		if (argc != 6)
			return usage();
		rc = cmd_snapshot_stream(argv, &e);
		goto done;
	}
	if (strcmp(cmd, "copy-head") == 0) {
		struct head h = { argc == 2 ? atoi(argv[1]) : 0 };

		if (h.left <= 0)
			return usage();
		if (db_pg_connect(&c, conninfo, 0, &e) < 0)
			return fail(&e);
		/* The connection must be usable again after the abandoned copy. */
		rc = db_pg_copy_out(&c, argv[0], print_head, &h, &e);
		if (rc < 0 && e.cls == S3GC_E_DATA && h.left == 0)
			rc = cmd_query(&c, "select 1", &e);
		db_pg_close(&c);
		goto done;
	}
	nargs = strcmp(cmd, "connect") == 0 || strcmp(cmd, "identify") == 0
			? 0 : 1;
	if (argc != nargs)
		return usage();
	repl = strcmp(cmd, "identify") == 0 || strcmp(cmd, "drop-slot") == 0;
	if (db_pg_connect(&c, conninfo, repl, &e) < 0)
		return fail(&e);
	if (strcmp(cmd, "connect") == 0)
		rc = puts("connected") < 0 ? -1 : 0;
	else if (strcmp(cmd, "query") == 0)
		rc = cmd_query(&c, argv[0], &e);
	else if (strcmp(cmd, "copy") == 0)
		rc = db_pg_copy_out(&c, argv[0], print_row, "", &e);
	else if (strcmp(cmd, "quote") == 0)
		rc = cmd_quote(&c, argv[0], &e);
	else if (strcmp(cmd, "identify") == 0)
		rc = cmd_identify(&c, &e);
	else if (strcmp(cmd, "drop-slot") == 0)
		rc = db_pg_drop_slot(&c, argv[0], &e);
	else {
		db_pg_close(&c);
		return usage();
	}
	db_pg_close(&c);
done:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("pg-probe: stdout");
		return 74;
	}
	return rc < 0 ? fail(&e) : 0;
}
