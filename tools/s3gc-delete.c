/*
 * s3gc-delete: delete the objects of the records on stdin that the vault
 * holds for an operation, each only while it is the version vaulted. See
 * s3gc-delete(1).
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
#include "pool.h"
#include "rec.h"
#include "s3.h"
#include "ulid.h"
#include "vault.h"
#include "vault_del.h"

static void usage(int status)
{
	if (status)
		fe_try_help(status);
	printf("Usage: %s [-c FILE] [--vault DIR] [--bucket B] [--endpoint URL]\n"
	       "       [--region R] --op OP [--execute] [--batch N] [--jobs N] [--head-first]\n"
	       "       [-v] [-q]\n"
	       "Delete the objects of the records on standard input that the vault holds,\n"
	       "verified, for operation OP, each only while its ETag is the one vaulted;\n"
	       "write the record of each object deleted. Without --execute (or mode =\n"
	       "execute in the configuration) nothing is deleted: it says what would be.\n"
	       "\n"
	       "  -c, --config FILE      read FILE instead of s3gc.conf\n"
	       "      --vault DIR        the vault (default: vault_path of the configuration)\n"
	       "      --bucket B         the bucket\n"
	       "      --endpoint URL     S3-compatible endpoint (path-style addressing)\n"
	       "      --region R         signing region (default us-east-1)\n"
	       "      --op OP            the operation whose copies allow the deletions\n"
	       "      --execute          delete (the default is a dry run)\n"
	       "      --batch N          keys per DeleteObjects request (1 to 1000; 1000)\n"
	       "  -j, --jobs N           batches checked and sent at once (1 to 64; 4)\n"
	       "      --head-first       HEAD each key first, for servers that ignore\n"
	       "                         conditional deletes\n"
	       "  -v, --verbose          say more on stderr (repeatable)\n"
	       "  -q, --quiet            errors only\n"
	       "      --help             show this help\n"
	       "      --version          show the version\n"
	       "\n"
	       "Exit status: 0; 80 when S3 refused a key (it is not deleted) or failed;\n"
	       "75 when it kept failing temporarily; 82 on a vault error; 65 on a bad\n"
	       "record; see s3gc(7).\n",
	       fe_progname);
	exit(0);
}

enum { OPT_VAULT = 256, OPT_BUCKET, OPT_ENDPOINT, OPT_REGION, OPT_OP, OPT_EXECUTE,
       OPT_BATCH, OPT_HEAD_FIRST, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "vault", required_argument, NULL, OPT_VAULT },
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "op", required_argument, NULL, OPT_OP },
	{ "execute", no_argument, NULL, OPT_EXECUTE },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "jobs", required_argument, NULL, 'j' },
	{ "head-first", no_argument, NULL, OPT_HEAD_FIRST },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct flags {
	const char *config, *vault, *bucket, *endpoint, *region, *op;
	int execute;
	struct vault_del_opts del;
};

static void parse_args(int argc, char **argv, struct flags *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "c:j:vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f->config = optarg; break;
		case OPT_VAULT: f->vault = optarg; break;
		case OPT_BUCKET: f->bucket = optarg; break;
		case OPT_ENDPOINT: f->endpoint = optarg; break;
		case OPT_REGION: f->region = optarg; break;
		case OPT_OP: f->op = optarg; break;
		case OPT_EXECUTE: f->execute = 1; break;
		case OPT_BATCH: f->del.batch = (size_t)fe_int_arg("--batch", optarg, 1, 1000); break;
		case 'j': f->del.jobs = (unsigned)fe_int_arg("--jobs", optarg, 1, POOL_MAX_WORKERS); break;
		case OPT_HEAD_FIRST: f->del.head_first = 1; break;
		case 'v': fe_verbose(); break;
		case 'q': fe_quiet(); break;
		case OPT_HELP: usage(0); break;
		case OPT_VERSION: fe_version();
		default: usage(64);
		}
	}
	if (optind < argc)
		fe_usage_error("unexpected argument '%s'", argv[optind]);
	if (!f->op)
		fe_usage_error("--op OP is needed: the operation whose copies allow the deletions");
}

struct out {
	struct buf line;
	int dry_run;
};

static int on_deleted(void *arg, const struct obj *o, struct s3gc_err *e)
{
	struct out *out = arg;

	if (out->dry_run) {
		log_msg(LOG_WARN, "would delete '%.*s'", (int)o->key_len, o->key);
		return 0;
	}
	return fe_write_obj(&out->line, o, e);
}

int main(int argc, char **argv)
{
	struct flags f = { 0 };
	struct out out = { BUF_INIT, 0 };
	struct s3_client client;
	struct vault_del *vd;
	struct rec_reader rd;
	struct vault *v;
	struct conf conf;
	struct s3gc_err e;
	struct rec r;
	struct obj o;
	char op[ULID_LEN + 1];
	int rc;

	fe_init(argv[0]);
	f.del.batch = 1000;
	f.del.jobs = 4;
	parse_args(argc, argv, &f);
	if (ulid_parse(f.op, strlen(f.op), op, &e) < 0)
		fe_usage_error("--op: %s", e.msg);
	fe_conf_load(&conf, f.config);
	fe_conf_s3(&conf, f.bucket, f.endpoint, f.region);
	if (conf_check(&conf, 1, &e) < 0)
		fe_die(&e);
	f.del.dry_run = out.dry_run = !(f.execute || conf.mode == CONF_EXECUTE);
	if (vault_open(&v, f.vault ? f.vault : conf.vault_path, 0, &e) < 0) {
		conf_release(&conf);
		fe_die(&e);
	}
	if (http_global_init(&e) < 0 ||
	    s3_client_init(&client, conf.bucket, conf.region, conf.endpoint, &e) < 0) {
		vault_close(v);
		conf_release(&conf);
		fe_die(&e);
	}
	if (vault_del_begin(&vd, v, &client, op, &f.del, on_deleted, &out, &e) < 0) {
		s3_client_release(&client);
		vault_close(v);
		conf_release(&conf);
		curl_global_cleanup();
		fe_die(&e);
	}
	rec_reader_init(&rd, stdin, "-", 0);
	while ((rc = rec_read(&rd, &r, &e)) == 1)
		if (obj_from_rec(&rd, &r, &o, &e) < 0 ||
		    vault_del_add(vd, o.key, o.key_len, &e) < 0) {
			rc = -1;
			break;
		}
	{
		struct vault_del_stats st;
		struct s3gc_err ee;
		/* After a bad record, the keys queued before it are not sent either. */
		int end = vault_del_end(vd, rc >= 0, &st, &ee);

		if (end < 0 && rc >= 0) {
			e = ee;
			rc = -1;
		}
		if (out.dry_run)
			log_msg(LOG_WARN, "dry run: %llu objects would be deleted, nothing was; "
				"%llu refused (no verified copy in operation %s); run with --execute "
				"to delete", st.would, st.refused, op);
		else
			log_msg(LOG_INFO, "operation %s: %llu deleted, %llu deleted before, %llu refused "
				"(no verified copy), %llu changed since vaulted, %llu refused by S3",
				op, st.deleted, st.already, st.refused, st.changed, st.failed);
		if (st.ignores_conditions)
			fe_warn("the server ignores the ETag condition of DeleteObjects: each key was "
				"looked at (HEAD) before it was sent, as with --head-first");
		if (rc >= 0 && st.refused)
			fe_warn("%llu objects were not deleted: the vault holds no verified copy of "
				"them in operation %s", st.refused, op);
		if (rc >= 0 && st.failed) {
			err_set(&e, S3GC_E_S3, 0, "%llu objects were not deleted: S3 refused them "
				"(see the audit trail)", st.failed);
			rc = -1;
		}
	}
	rec_reader_release(&rd);
	s3_client_release(&client);
	vault_close(v);
	conf_release(&conf);
	buf_release(&out.line);
	curl_global_cleanup();
	if (rc < 0)
		fe_die(&e);
	return 0;
}
