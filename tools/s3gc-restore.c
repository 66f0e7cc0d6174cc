/*
 * s3gc-restore: put vaulted objects back: an operation's, everything
 * deleted since a time, or the keys read on stdin. See s3gc-restore(1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fe.h"
#include "http.h"
#include "log.h"
#include "rec.h"
#include "s3.h"
#include "timefmt.h"
#include "ulid.h"
#include "vault.h"
#include "vault_restore.h"

#define CHUNK 256 /* keys looked up at a time */

static void usage(int status)
{
	if (status)
		fe_try_help(status);
	printf("Usage: %s [-c FILE] [--vault DIR] [--bucket B] [--endpoint URL] [--region R]\n"
	       "       (--op OP | --as-of TIME | --keys) [--dry-run] [--overwrite]\n"
	       "       [--head-first] [--part-size MIB] [-v] [-q]\n"
	       "Put objects back from the vault, with their headers: every object of an\n"
	       "operation, everything deleted at or after a time (the newest copy of each\n"
	       "key), or the keys of the records on standard input. Write the record of\n"
	       "each object restored. An object that exists is not overwritten.\n"
	       "\n"
	       "  -c, --config FILE      read FILE instead of s3gc.conf\n"
	       "      --vault DIR        the vault (default: vault_path of the configuration)\n"
	       "      --bucket B         the bucket\n"
	       "      --endpoint URL     S3-compatible endpoint (path-style addressing)\n"
	       "      --region R         signing region (default us-east-1)\n"
	       "      --op OP            every object the operation vaulted\n"
	       "      --as-of TIME       everything deleted at or after TIME (2026-01-02T03:04:05Z)\n"
	       "      --keys             the keys of the records on standard input\n"
	       "      --dry-run          check the copies and say what would be restored\n"
	       "      --overwrite        replace objects that exist\n"
	       "      --head-first       HEAD each key first, for servers that ignore\n"
	       "                         If-None-Match\n"
	       "      --part-size MIB    objects larger than MIB MiB go up in parts of\n"
	       "                         that size (5 to 5120; 16)\n"
	       "  -v, --verbose          say more on stderr (repeatable)\n"
	       "  -q, --quiet            errors only\n"
	       "      --help             show this help\n"
	       "      --version          show the version\n"
	       "\n"
	       "Exit status: 0; 83 when a copy was damaged or a key is not in the vault\n"
	       "(the others are restored); 80 and 75 on S3 errors; 82 on a vault error;\n"
	       "see s3gc(7).\n",
	       fe_progname);
	exit(0);
}

enum { OPT_VAULT = 256, OPT_BUCKET, OPT_ENDPOINT, OPT_REGION, OPT_OP, OPT_AS_OF,
       OPT_KEYS, OPT_DRY_RUN, OPT_OVERWRITE, OPT_HEAD_FIRST, OPT_PART_SIZE, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "vault", required_argument, NULL, OPT_VAULT },
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "op", required_argument, NULL, OPT_OP },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "keys", no_argument, NULL, OPT_KEYS },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
	{ "head-first", no_argument, NULL, OPT_HEAD_FIRST },
	{ "part-size", required_argument, NULL, OPT_PART_SIZE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct flags {
	const char *config, *vault, *bucket, *endpoint, *region, *op, *as_of;
	int keys;
	struct vault_restore_opts ro;
};

static void parse_args(int argc, char **argv, struct flags *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "c:vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f->config = optarg; break;
		case OPT_VAULT: f->vault = optarg; break;
		case OPT_BUCKET: f->bucket = optarg; break;
		case OPT_ENDPOINT: f->endpoint = optarg; break;
		case OPT_REGION: f->region = optarg; break;
		case OPT_OP: f->op = optarg; break;
		case OPT_AS_OF: f->as_of = optarg; break;
		case OPT_KEYS: f->keys = 1; break;
		case OPT_DRY_RUN: f->ro.dry_run = 1; break;
		case OPT_OVERWRITE: f->ro.overwrite = 1; break;
		case OPT_HEAD_FIRST: f->ro.head_first = 1; break;
		case OPT_PART_SIZE:
			f->ro.part_size = (uint64_t)fe_int_arg("--part-size", optarg, 5, 5120) << 20;
			break;
		case 'v': fe_verbose(); break;
		case 'q': fe_quiet(); break;
		case OPT_HELP: usage(0); break;
		case OPT_VERSION: fe_version();
		default: usage(64);
		}
	}
	if (optind < argc)
		fe_usage_error("unexpected argument '%s'", argv[optind]);
	if (!!f->op + !!f->as_of + f->keys != 1)
		fe_usage_error("say what to restore: one of --op OP, --as-of TIME, --keys");
}

/* ---- what to restore: (operation, key) pairs, a chunk at a time ---- */

struct pick {
	char op[ULID_LEN + 1];
	char *key;
	size_t keylen;
	int64_t deleted_ms;
};

struct chunk {
	struct pick p[CHUNK];
	size_t n;
};

static void chunk_clear(struct chunk *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->p[i].key);
	c->n = 0;
}

static int take(void *arg, const char *op, const struct vault_item *it,
		struct s3gc_err *e)
{
	struct chunk *c = arg;
	struct pick *p = &c->p[c->n];

	memcpy(p->op, op, ULID_LEN + 1);
	if (!(p->key = malloc(it->keylen + 1)))
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	memcpy(p->key, it->key, it->keylen);
	p->key[it->keylen] = '\0';
	p->keylen = it->keylen;
	p->deleted_ms = it->deleted_ms;
	return ++c->n == CHUNK ? 1 : 0;
}

/* The newest operation holding key: its id into op ("" if none). */
static int newest(void *arg, const char *op, const struct vault_item *it,
		  struct s3gc_err *e)
{
	(void)it;
	(void)e;
	memcpy(arg, op, ULID_LEN + 1);
	return 0;
}

struct run {
	struct vault *v;
	struct vault_restore *vr;
	struct buf store, line;
	int dry_run;
	unsigned long long missing;
	struct s3gc_err first; /* of the objects that failed */
};

/* Restore key as held by op ("" or NULL: its newest copy). */
static int restore_key(struct run *r, const char *op, const char *key, size_t keylen,
		       struct s3gc_err *e)
{
	char use[ULID_LEN + 1] = "";
	struct vault_item it;
	int found = 0, rc;

	if (vault_begin(r->v, 0, e) < 0)
		return -1;
	if (op && *op)
		memcpy(use, op, sizeof use);
	else if (vault_versions(r->v, key, keylen, newest, use, e) < 0)
		goto fail;
	if (use[0] && vault_item_get(r->v, use, key, keylen, &it, &r->store, &found, e) < 0)
		goto fail;
	vault_abort(r->v);
	if (!found) {
		r->missing++;
		fe_warn("'%.*s' is not in the vault", (int)keylen, key);
		return 0;
	}
	rc = vault_restore_one(r->vr, use, &it, e);
	if (rc == 1) {
		fe_warn("%s", e->msg);
		if (!r->first.cls)
			r->first = *e;
		return 0;
	}
	return rc;
fail:
	vault_abort(r->v);
	return -1;
}

static int restore_chunk(struct run *r, struct chunk *c, int newest_copy,
			 struct s3gc_err *e)
{
	for (size_t i = 0; i < c->n; i++)
		if (restore_key(r, newest_copy ? NULL : c->p[i].op, c->p[i].key,
				c->p[i].keylen, e) < 0)
			return -1;
	return 0;
}

/* --op and --as-of: walk the index a chunk at a time. */
static int restore_walk(struct run *r, const char *op, int64_t since,
			struct s3gc_err *e)
{
	struct chunk *c = calloc(1, sizeof(*c));
	struct pick last = { "", NULL, 0, 0 };
	int rc = -1;

	if (!c)
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
	for (;;) {
		int w;

		if (vault_begin(r->v, 0, e) < 0)
			break;
		if (op)
			w = last.key ? vault_items_after(r->v, op, last.key, last.keylen, take, c, e)
				     : vault_items(r->v, op, take, c, e);
		else
			w = last.key ? vault_deleted_after(r->v, last.deleted_ms, last.op, last.key,
							   last.keylen, take, c, e)
				     : vault_deleted_since(r->v, since, take, c, e);
		vault_abort(r->v);
		if (w < 0)
			break;
		if (c->n == 0) {
			rc = 0;
			break;
		}
		if (restore_chunk(r, c, !op, e) < 0)
			break;
		free(last.key);
		last = c->p[c->n - 1];
		last.key = strdup(last.key);
		if (!last.key) {
			err_sys(e, S3GC_E_SYS, ENOMEM, "cannot allocate memory");
			break;
		}
		chunk_clear(c);
	}
	chunk_clear(c);
	free(c);
	free(last.key);
	return rc;
}

static int restore_stdin(struct run *r, struct s3gc_err *e)
{
	struct rec_reader rd;
	struct rec rec;
	struct obj o;
	int rc;

	rec_reader_init(&rd, stdin, "-", 0);
	while ((rc = rec_read(&rd, &rec, e)) == 1)
		if (obj_from_rec(&rd, &rec, &o, e) < 0 ||
		    restore_key(r, NULL, o.key, o.key_len, e) < 0) {
			rc = -1;
			break;
		}
	rec_reader_release(&rd);
	return rc;
}

static int on_restored(void *arg, const struct obj *o, struct s3gc_err *e)
{
	struct run *r = arg;

	if (r->dry_run) {
		log_msg(LOG_WARN, "would restore '%.*s'", (int)o->key_len, o->key);
		return 0;
	}
	return fe_write_obj(&r->line, o, e);
}

int main(int argc, char **argv)
{
	struct flags f = { 0 };
	struct run r = { NULL, NULL, BUF_INIT, BUF_INIT, 0, 0, { 0, 0, "" } };
	struct vault_restore_stats st;
	struct s3_client client;
	struct conf conf;
	struct s3gc_err e;
	char op[ULID_LEN + 1];
	time_t since = 0;
	int rc;

	fe_init(argv[0]);
	parse_args(argc, argv, &f);
	if (f.op && ulid_parse(f.op, strlen(f.op), op, &e) < 0)
		fe_usage_error("--op: %s", e.msg);
	if (f.as_of && time_parse_rfc3339(f.as_of, strlen(f.as_of), &since) < 0)
		fe_usage_error("--as-of: '%s' is not a time like 2026-01-02T03:04:05Z", f.as_of);
	fe_conf_load(&conf, f.config);
	fe_conf_s3(&conf, f.bucket, f.endpoint, f.region);
	if (conf_check(&conf, 1, &e) < 0)
		fe_die(&e);
	r.dry_run = f.ro.dry_run;
	if (vault_open(&r.v, f.vault ? f.vault : conf.vault_path, f.ro.dry_run, &e) < 0) {
		conf_release(&conf);
		fe_die(&e);
	}
	if (http_global_init(&e) < 0 ||
	    s3_client_init(&client, conf.bucket, conf.region, conf.endpoint, &e) < 0) {
		vault_close(r.v);
		conf_release(&conf);
		fe_die(&e);
	}
	if (vault_restore_begin(&r.vr, r.v, &client, &f.ro, on_restored, &r, &e) < 0) {
		rc = -1;
	} else {
		if (f.keys)
			rc = restore_stdin(&r, &e);
		else
			rc = restore_walk(&r, f.op ? op : NULL, (int64_t)since * 1000, &e);
		vault_restore_end(r.vr, &st);
		if (st.ignores_conditions)
			fe_warn("the server does not honour If-None-Match on PUT: each key was "
				"looked at (HEAD) before it was sent, as with --head-first");
		if (st.probe_left[0])
			fe_warn("the empty object '%s' this run put to try the server could not be "
				"deleted; delete it", st.probe_left);
		if (f.ro.dry_run)
			log_msg(LOG_WARN, "dry run: %llu objects would be restored, %llu exist; "
				"nothing was sent", st.would, st.exists);
		else
			log_msg(LOG_INFO, "%llu restored (%llu bytes, %llu in parts), %llu exist and "
				"were left, %llu damaged copies, %llu keys not in the vault",
				st.restored, st.bytes, st.multipart, st.exists, st.failed, r.missing);
	}
	s3_client_release(&client);
	vault_close(r.v);
	conf_release(&conf);
	buf_release(&r.store);
	buf_release(&r.line);
	curl_global_cleanup();
	if (rc < 0)
		fe_die(&e);
	if (r.missing && !r.first.cls)
		err_set(&r.first, S3GC_E_RESTORE, 0, "%llu keys are not in the vault", r.missing);
	if (r.first.cls) {
		if (st.failed || r.missing)
			fe_warn("not everything was restored: %llu damaged copies, %llu keys not "
				"in the vault", st.failed, r.missing);
		return err_exit_code(r.first.cls);
	}
	return 0;
}
