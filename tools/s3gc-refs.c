/* s3gc-refs: keep the set of S3 keys the database refers to. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cdc_pg.h"
#include "conf.h"
#include "db_pg.h"
#include "fe.h"
#include "log.h"
#include "pgoutput.h"
#include "rec.h"
#include "refs.h"

#define DEFAULT_MAX_LAG (1ULL << 30)

static void usage(int status)
{
	if (status)
		fe_try_help(status);
	printf("Usage: %s [-c FILE] [--refs DIR] [--slot NAME] [--publication NAME]\n"
	       "       [--bucket B] [--endpoint URL] [--region R] [-v] [-q] COMMAND\n"
	       "Keep the set of S3 keys the database refers to (the reference store), from a\n"
	       "snapshot of the configured columns and PostgreSQL logical replication.\n"
	       "\n"
	       "Commands:\n"
	       "  snapshot   rebuild the store from the configured [tables] columns\n"
	       "  sync       apply the changes made since, up to now, and exit\n"
	       "  follow     apply changes as they happen, until SIGTERM or SIGINT\n"
	       "  dump       write the referenced keys as records, in key order\n"
	       "  stat       show counts, position, slot state and lag\n"
	       "  check      copy the records on stdin whose key is referenced\n"
	       "  load       add references for the keys of the records on stdin\n"
	       "  unload     remove references added by load\n"
	       "  drop-slot  drop the replication slot (when retiring s3gc)\n"
	       "\n"
	       "  -c, --config FILE      read FILE instead of s3gc.conf\n"
	       "      --refs DIR         the reference store (default VAULT_PATH/refs)\n"
	       "      --slot NAME        replication slot (default s3gc)\n"
	       "      --publication NAME publication (default s3gc)\n"
	       "      --bucket B         the bucket whose keys count as references\n"
	       "      --endpoint URL     S3-compatible endpoint (for URL-form values)\n"
	       "      --region R         region (default us-east-1)\n"
	       "      --counts           dump: add each key's reference count\n"
	       "      --invert           check: copy the records whose key is not referenced\n"
	       "      --max-lag BYTES    stat: warn when the slot is further behind (1 GiB)\n"
	       "  -v, --verbose          say more on stderr (repeatable)\n"
	       "  -q, --quiet            errors only\n"
	       "      --help             show this help\n"
	       "      --version          show the version\n"
	       "\n"
	       "Exit status: 0 on success, 1 when check copied nothing, 65 on a bad record,\n"
	       "66 when the store does not exist, 69 or 81 when the database is unreachable\n"
	       "or fails, 78 on a configuration error, 84 on a replication error; see s3gc(7).\n",
	       fe_progname);
	exit(0);
}

enum { OPT_REFS = 256, OPT_SLOT, OPT_PUB, OPT_BUCKET, OPT_ENDPOINT, OPT_REGION,
       OPT_COUNTS, OPT_INVERT, OPT_MAX_LAG, OPT_BATCH, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "refs", required_argument, NULL, OPT_REFS },
	{ "slot", required_argument, NULL, OPT_SLOT },
	{ "publication", required_argument, NULL, OPT_PUB },
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "counts", no_argument, NULL, OPT_COUNTS },
	{ "invert", no_argument, NULL, OPT_INVERT },
	{ "max-lag", required_argument, NULL, OPT_MAX_LAG },
	{ "batch", required_argument, NULL, OPT_BATCH }, /* tests and benchmarks */
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct flags {
	const char *config, *refs, *bucket, *endpoint, *region, *cmd;
	int (*run)(const struct flags *f, const struct conf *c);
	struct cdc_pg_opts pg;
	int counts, invert, max_lag_set;
	unsigned long long max_lag;
};

static unsigned long long ull_arg(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		fe_usage_error("%s: '%s' is not a number of bytes", opt, s);
	return v;
}

typedef int cmd_fn(const struct flags *f, const struct conf *c);
static cmd_fn cmd_replicate, cmd_dump, cmd_stat, cmd_check, cmd_load, cmd_drop_slot;

static const struct command {
	const char *name;
	cmd_fn *run;
} commands[] = {
	{ "snapshot", cmd_replicate }, { "sync", cmd_replicate },
	{ "follow", cmd_replicate },   { "dump", cmd_dump },
	{ "stat", cmd_stat },          { "check", cmd_check },
	{ "load", cmd_load },          { "unload", cmd_load },
	{ "drop-slot", cmd_drop_slot },
};

static cmd_fn *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run;
	return NULL;
}

static void parse_args(int argc, char **argv, struct flags *f)
{
	struct s3gc_err e;
	int c;

	while ((c = getopt_long(argc, argv, "c:vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f->config = optarg; break;
		case OPT_REFS: f->refs = optarg; break;
		case OPT_SLOT: f->pg.slot = optarg; break;
		case OPT_PUB: f->pg.publication = optarg; break;
		case OPT_BUCKET: f->bucket = optarg; break;
		case OPT_ENDPOINT: f->endpoint = optarg; break;
		case OPT_REGION: f->region = optarg; break;
		case OPT_COUNTS: f->counts = 1; break;
		case OPT_INVERT: f->invert = 1; break;
		case OPT_MAX_LAG:
			f->max_lag = ull_arg("--max-lag", optarg);
			f->max_lag_set = 1;
			break;
		case OPT_BATCH:
			f->pg.batch = (unsigned long)fe_int_arg("--batch", optarg, 1, 10000000);
			break;
		case 'v': fe_verbose(); break;
		case 'q': fe_quiet(); break;
		case OPT_HELP: usage(0); break;
		case OPT_VERSION: fe_version();
		default: usage(64);
		}
	}
	if (optind == argc)
		fe_usage_error("no command given");
	f->cmd = argv[optind++];
	if (!(f->run = find_command(f->cmd)))
		fe_usage_error("unknown command '%s'", f->cmd);
	if (f->counts && strcmp(f->cmd, "dump"))
		fe_usage_error("--counts is an option of dump, not of %s", f->cmd);
	if (f->invert && strcmp(f->cmd, "check"))
		fe_usage_error("--invert is an option of check, not of %s", f->cmd);
	if (f->max_lag_set && strcmp(f->cmd, "stat"))
		fe_usage_error("--max-lag is an option of stat, not of %s", f->cmd);
	if (optind < argc)
		fe_usage_error("unexpected argument '%s'", argv[optind]);
	if (db_pg_slot_name_ok(f->pg.slot, &e) < 0)
		fe_usage_error("--slot: %s (lower-case letters, digits and '_', at most 63)",
			       e.msg);
	if (!*f->pg.publication)
		fe_usage_error("--publication: empty name");
}

/* The store's directory: --refs, or VAULT_PATH/refs (VAULT_PATH made if missing). */
static char *store_dir(const struct flags *f, const struct conf *c, int create)
{
	char *dir;

	if (f->refs)
		return strdup(f->refs);
	if (create && mkdir(c->vault_path, 0700) < 0 && errno != EEXIST) {
		struct s3gc_err e;

		err_sys(&e, S3GC_E_IO, errno, "cannot create vault directory '%s'",
			c->vault_path);
		fe_die(&e);
	}
	if (asprintf(&dir, "%s/refs", c->vault_path) < 0)
		return NULL;
	return dir;
}

static struct refs *open_store(const struct flags *f, const struct conf *c,
			       int write)
{
	struct refs *r;
	struct s3gc_err e;
	char *dir = store_dir(f, c, write);

	if (!dir) {
		err_sys(&e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
		fe_die(&e);
	}
	if (refs_open(&r, dir, !write, &e) < 0) {
		free(dir);
		fe_die(&e);
	}
	log_msg(LOG_DEBUG, "reference store '%s'", dir);
	free(dir);
	return r;
}

static void need_postgres(const struct conf *c)
{
	struct s3gc_err e;
	const char *where = c->path ? c->path : "the configuration";

	if (c->cdc_backend == CONF_CDC_POSTGRES)
		return;
	if (c->cdc_backend == CONF_CDC_NONE)
		err_set(&e, S3GC_E_CONFIG, 0,
			"%s: cdc_backend is not set: set 'cdc_backend = postgres'", where);
	else
		err_set(&e, S3GC_E_CONFIG, 0,
			"%s: cdc_backend 'mysql' is not supported by this s3gc-refs yet", where);
	fe_die(&e);
}

static void die_closing(struct refs *r, const struct s3gc_err *e)
{
	refs_close(r);
	fe_die(e);
}

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void report(const char *what, const struct cdc_pg_stats *st)
{
	char a[PG_LSN_MAX], b[PG_LSN_MAX];

	pg_lsn_format(st->start_lsn, a);
	pg_lsn_format(st->end_lsn, b);
	log_msg(LOG_INFO,
		"%s: %llu rows, %llu transactions (%llu inserts, %llu updates, %llu deletes, "
		"%llu truncates), %llu references added, %llu removed, %llu unreadable values, "
		"%llu of other buckets; position %s -> %s",
		what, st->rows, st->txns, st->ch.inserts, st->ch.updates, st->ch.deletes,
		st->ch.truncates, st->ch.keys_added, st->ch.keys_removed, st->ch.unknown,
		st->ch.foreign, a, b);
}

static int cmd_replicate(const struct flags *f, const struct conf *c)
{
	struct norm_ctx n = { c->bucket, c->region, c->endpoint };
	struct cdc_pg_stats st;
	struct s3gc_err e;
	struct refs *r;
	int rc;

	need_postgres(c);
	if (conf_check(c, 1, &e) < 0)
		fe_die(&e);
	r = open_store(f, c, 1);
	if (!strcmp(f->cmd, "snapshot")) {
		rc = cdc_pg_snapshot(c, &n, r, &f->pg, &st, &e);
	} else {
		int follow = !strcmp(f->cmd, "follow");

		if (follow)
			catch_signals();
		rc = cdc_pg_stream(c, &n, r, &f->pg, follow, &stopping, &st, &e);
	}
	report(f->cmd, &st);
	if (rc < 0)
		die_closing(r, &e);
	refs_close(r);
	return 0;
}

static int cmd_dump(const struct flags *f, const struct conf *c)
{
	struct refs *r = open_store(f, c, 0);
	struct refs_iter *it;
	struct buf line = BUF_INIT;
	struct s3gc_err e;
	const char *key;
	size_t n;
	unsigned long long count;
	int k;

	if (refs_iter_open(r, &it, &e) < 0)
		die_closing(r, &e);
	while ((k = refs_iter_next(it, &key, &n, &count, &e)) > 0) {
		buf_reset(&line);
		if (rec_encode(&line, key, n, &e) < 0 ||
		    (f->counts && buf_addf(&line, &e, "\t%llu", count) < 0) ||
		    buf_addc(&line, '\n', &e) < 0) {
			k = -1;
			break;
		}
		if (fwrite(line.data, 1, line.len, stdout) != line.len) {
			k = err_sys(&e, S3GC_E_IO, errno, "cannot write to standard output");
			break;
		}
	}
	refs_iter_close(it);
	buf_release(&line);
	if (k < 0)
		die_closing(r, &e);
	refs_close(r);
	return 0;
}

#define CHECK_BATCH 1024 /* lookups per read transaction */

static int cmd_check(const struct flags *f, const struct conf *c)
{
	struct refs *r = open_store(f, c, 0);
	struct rec_reader rd;
	struct rec rec;
	struct obj o;
	struct buf line = BUF_INIT;
	struct s3gc_err e;
	unsigned long long count, copied = 0, inbatch = 0;
	int k, open = 0;

	rec_reader_init(&rd, stdin, "-", 0);
	while ((k = rec_read(&rd, &rec, &e)) > 0) {
		if (obj_from_rec(&rd, &rec, &o, &e) < 0) {
			k = -1;
			break;
		}
		if (!open && (k = refs_begin(r, 0, &e)) < 0)
			break;
		open = 1;
		if ((k = refs_count(r, o.key, o.key_len, &count, &e)) < 0)
			break;
		if (++inbatch == CHECK_BATCH) {
			refs_abort(r);
			open = 0;
			inbatch = 0;
		}
		if ((count > 0) == f->invert)
			continue;
		buf_reset(&line);
		if ((k = rec_format(&line, rec.field, rec.len, rec.nfields, &e)) < 0)
			break;
		if (fwrite(line.data, 1, line.len, stdout) != line.len) {
			k = err_sys(&e, S3GC_E_IO, errno, "cannot write to standard output");
			break;
		}
		copied++;
	}
	if (open)
		refs_abort(r);
	rec_reader_release(&rd);
	buf_release(&line);
	if (k < 0)
		die_closing(r, &e);
	refs_close(r);
	return copied ? 0 : 1;
}

/*
 * load and unload: references kept in the row map under CDC_LOAD_TABLE, one
 * per key (the key is its own row), so loading twice holds one reference
 * and a snapshot keeps them. All or nothing: one transaction.
 */
static int cmd_load(const struct flags *f, const struct conf *c)
{
	int add = !strcmp(f->cmd, "load");
	struct refs *r = open_store(f, c, 1);
	struct rec_reader rd;
	struct rec rec;
	struct obj o;
	struct buf old = BUF_INIT;
	struct s3gc_err e;
	unsigned long long changed = 0, seen = 0;
	int k, had;

	rec_reader_init(&rd, stdin, "-", 0);
	if (refs_begin(r, 1, &e) < 0)
		die_closing(r, &e);
	while ((k = rec_read(&rd, &rec, &e)) > 0) {
		if ((k = obj_from_rec(&rd, &rec, &o, &e)) < 0)
			break;
		seen++;
		if (add)
			k = refs_row_put(r, CDC_LOAD_TABLE, "key", o.key, o.key_len, o.key,
					 o.key_len, &old, &had, &e);
		else
			k = refs_row_del(r, CDC_LOAD_TABLE, "key", o.key, o.key_len, &old,
					 &had, &e);
		if (k < 0)
			break;
		if (add == !had) {
			if ((k = refs_incr(r, o.key, o.key_len, add ? 1 : -1, NULL, &e)) < 0)
				break;
			changed++;
		}
	}
	rec_reader_release(&rd);
	buf_release(&old);
	if (k < 0) {
		refs_abort(r);
		die_closing(r, &e);
	}
	if (refs_commit(r, &e) < 0)
		die_closing(r, &e);
	log_msg(LOG_INFO, "%s: %llu keys read, %llu %s", f->cmd, seen, changed,
		add ? "added" : "removed");
	refs_close(r);
	return 0;
}

static void stat_meta(struct refs *r, const char *name, const char *label,
		      struct buf *v)
{
	struct s3gc_err e;
	int found;

	if (refs_meta_get(r, name, v, &found, &e) < 0)
		die_closing(r, &e);
	printf("%s\t%s\n", label, found ? buf_str(v) : "-");
	if (!found)
		buf_reset(v);
}

static void warn_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn_line(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("warning\t%s\n", msg);
	fe_warn("warning: %s", msg);
}

static void stat_slot(const struct flags *f, const struct conf *c,
		      uint64_t pos, int have_pos)
{
	struct cdc_pg_slot s;
	struct s3gc_err e;
	char msg[512];

	if (c->cdc_backend != CONF_CDC_POSTGRES) {
		printf("slot_status\t-\nslot_lag_bytes\t-\n");
		return;
	}
	if (cdc_pg_slot_info(&f->pg, &s, &e) < 0) {
		printf("slot_status\tunknown\nslot_lag_bytes\t-\n");
		warn_line("cannot ask the server about slot '%s': %s", f->pg.slot, e.msg);
		return;
	}
	printf("slot_status\t%s\n", cdc_pg_slot_state(&s));
	if (s.exists)
		printf("slot_lag_bytes\t%llu\n", (unsigned long long)s.lag);
	else
		printf("slot_lag_bytes\t-\n");
	if (cdc_pg_slot_trouble(&s, f->pg.slot, msg, sizeof msg))
		warn_line("%s", msg);
	if (s.exists && s.lag > f->max_lag)
		warn_line("slot '%s' is %llu bytes behind, more than %llu: the server keeps "
			  "that much WAL for it; run 's3gc-refs sync' more often", f->pg.slot,
			  (unsigned long long)s.lag, f->max_lag);
	if (s.exists && have_pos && s.confirmed_flush > pos)
		warn_line("slot '%s' is past the store's position: run 's3gc-refs snapshot'",
			  f->pg.slot);
}

static int cmd_stat(const struct flags *f, const struct conf *c)
{
	struct refs *r = open_store(f, c, 0);
	struct buf v = BUF_INIT;
	struct s3gc_err e;
	unsigned long long nkeys, nrows;
	uint64_t pos = 0;
	int have_pos, snap;
	char *dir = store_dir(f, c, 0);

	printf("store\t%s\n", dir ? dir : "?");
	free(dir);
	if (refs_begin(r, 0, &e) < 0 || refs_nkeys(r, &nkeys, &nrows, &e) < 0)
		die_closing(r, &e);
	printf("keys\t%llu\nrows\t%llu\n", nkeys, nrows);
	stat_meta(r, REFS_META_SNAPSHOT, "snapshot_completed", &v);
	snap = v.len > 0;
	stat_meta(r, REFS_META_POSITION, "position", &v);
	have_pos = v.len > 0 && pg_lsn_parse(buf_str(&v), &pos) == 0;
	stat_meta(r, REFS_META_CHANGED, "last_change_time", &v);
	stat_meta(r, REFS_META_CAUGHT_UP, "caught_up", &v);
	stat_meta(r, REFS_META_SLOT, "slot", &v);
	refs_abort(r);
	refs_close(r);
	buf_release(&v);
	stat_slot(f, c, pos, have_pos);
	if (!snap)
		warn_line("the store has no completed snapshot: run 's3gc-refs snapshot'");
	return 0;
}

static int cmd_drop_slot(const struct flags *f, const struct conf *c)
{
	struct s3gc_err e;

	need_postgres(c);
	if (cdc_pg_drop_slot(&f->pg, &e) < 0)
		fe_die(&e);
	log_msg(LOG_INFO, "dropped slot '%s'", f->pg.slot);
	return 0;
}

int main(int argc, char **argv)
{
	struct flags f = { 0 };
	struct conf conf;
	static char outbuf[1 << 16];
	int rc;

	fe_init(argv[0]);
	f.pg.slot = CDC_PG_SLOT;
	f.pg.publication = CDC_PG_PUBLICATION;
	f.max_lag = DEFAULT_MAX_LAG;
	parse_args(argc, argv, &f);
	fe_conf_load(&conf, f.config);
	fe_conf_s3(&conf, f.bucket, f.endpoint, f.region);
	f.pg.conninfo = conf.cdc_url;
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rc = f.run(&f, &conf);
	conf_release(&conf);
	return rc;
}
