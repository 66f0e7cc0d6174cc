/* s3gc-list: write one object record per object of a bucket, in key order. */
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
#include "s3.h"
#include "s3list.h"
#include "timefmt.h"

static void usage(int status)
{
	if (status)
		fe_try_help(status);
	printf("Usage: %s [-c FILE] [--bucket B] [--endpoint URL] [--region R]\n"
	       "       [--prefix P] [--start-after K] [--jobs N] [--retries N]\n"
	       "       [--timeout SECONDS] [--max-keys N] [--stats FILE] [-v] [-q]\n"
	       "Write one object record (key, size, last_modified, etag, storage class)\n"
	       "per object of the bucket to standard output, in key order.\n"
	       "\n"
	       "  -c, --config FILE      read FILE instead of s3gc.conf\n"
	       "      --bucket B         list bucket B\n"
	       "      --endpoint URL     S3-compatible endpoint (path-style addressing)\n"
	       "      --region R         signing region (default us-east-1)\n"
	       "      --prefix P         only keys that start with P\n"
	       "      --start-after K    only keys after K\n"
	       "  -j, --jobs N           list N key ranges at once (default 1)\n"
	       "      --retries N        tries per request (default 5)\n"
	       "      --timeout SECONDS  give up a try after this long without data (30)\n"
	       "      --max-keys N       ask for pages of at most N keys (1 to 1000)\n"
	       "      --stats FILE       write the listing's facts as JSON to FILE: complete,\n"
	       "                         keys, started, server_time (for s3gc-diff)\n"
	       "  -v, --verbose          say more on stderr (repeatable)\n"
	       "  -q, --quiet            errors only\n"
	       "      --help             show this help\n"
	       "      --version          show the version\n"
	       "\n"
	       "Exit status: 0 when the listing is complete, 75 when S3 kept failing\n"
	       "temporarily, 80 on an S3 error, 78 on a configuration error; see s3gc(7).\n",
	       fe_progname);
	exit(0);
}

enum { OPT_BUCKET = 256, OPT_ENDPOINT, OPT_REGION, OPT_PREFIX, OPT_START_AFTER,
       OPT_RETRIES, OPT_TIMEOUT, OPT_MAX_KEYS, OPT_STATS, OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "start-after", required_argument, NULL, OPT_START_AFTER },
	{ "jobs", required_argument, NULL, 'j' },
	{ "retries", required_argument, NULL, OPT_RETRIES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-keys", required_argument, NULL, OPT_MAX_KEYS },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

struct flags {
	const char *config, *bucket, *endpoint, *region, *stats;
	struct s3list_opts list;
	int retries, timeout;
};

static void parse_args(int argc, char **argv, struct flags *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "c:j:vq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': f->config = optarg; break;
		case OPT_BUCKET: f->bucket = optarg; break;
		case OPT_ENDPOINT: f->endpoint = optarg; break;
		case OPT_REGION: f->region = optarg; break;
		case OPT_PREFIX: f->list.prefix = optarg; break;
		case OPT_START_AFTER: f->list.start_after = optarg; break;
		case 'j': f->list.jobs = fe_int_arg("--jobs", optarg, 1, 64); break;
		case OPT_RETRIES: f->retries = fe_int_arg("--retries", optarg, 1, 100); break;
		case OPT_TIMEOUT: f->timeout = fe_int_arg("--timeout", optarg, 1, 3600); break;
		case OPT_MAX_KEYS: f->list.max_keys = fe_int_arg("--max-keys", optarg, 1, 1000); break;
		case OPT_STATS: f->stats = optarg; break;
		case 'v': fe_verbose(); break;
		case 'q': fe_quiet(); break;
		case OPT_HELP: usage(0); break;
		case OPT_VERSION: fe_version();
		default: usage(64);
		}
	}
	if (optind < argc)
		fe_usage_error("unexpected argument '%s'", argv[optind]);
}

static int write_out(void *arg, const char *p, size_t n, struct s3gc_err *e)
{
	(void)arg;
	if (fwrite(p, 1, n, stdout) != n)
		return err_sys(e, S3GC_E_IO, errno, "cannot write to standard output");
	return 0;
}

/* The listing's facts, for s3gc-diff: whether it is whole, and the clocks. */
static int write_stats(const char *path, int complete, const struct s3list_stats *st,
		       time_t started, struct s3gc_err *e)
{
	char t0[RFC3339_LEN + 1], ts[RFC3339_LEN + 1];
	struct buf b = BUF_INIT;
	int rc;

	time_format_rfc3339(started, t0);
	if (st->server_date)
		time_format_rfc3339(st->server_date, ts);
	rc = buf_addf(&b, e, "{\"complete\":%s,\"keys\":%llu,\"pages\":%llu,\"retries\":%llu,"
		      "\"started\":\"%s\"", complete ? "true" : "false", st->keys, st->pages,
		      st->retries, t0);
	if (rc == 0 && st->server_date)
		rc = buf_addf(&b, e, ",\"server_time\":\"%s\",\"clock_skew_s\":%lld", ts,
			      (long long)(st->server_date - started));
	if (rc == 0)
		rc = buf_adds(&b, "}\n", e);
	if (rc == 0)
		rc = fe_write_file(path, b.data, b.len, e);
	buf_release(&b);
	return rc;
}

int main(int argc, char **argv)
{
	struct flags f = { 0 };
	struct conf conf;
	struct s3_client client;
	struct s3list_stats st;
	struct s3gc_err e;
	static char outbuf[1 << 16];
	time_t started;
	int rc;

	fe_init(argv[0]);
	f.list.jobs = 1;
	parse_args(argc, argv, &f);
	fe_conf_load(&conf, f.config);
	fe_conf_s3(&conf, f.bucket, f.endpoint, f.region);
	if (conf_check(&conf, 1, &e) < 0)
		fe_die(&e);
	if (http_global_init(&e) < 0 ||
	    s3_client_init(&client, conf.bucket, conf.region, conf.endpoint, &e) < 0)
		fe_die(&e);
	if (f.retries)
		client.policy.max_attempts = f.retries;
	if (f.timeout)
		client.policy.idle_timeout_s = f.timeout;
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	started = time(NULL);
	rc = s3list_run(&client, &f.list, write_out, NULL, &st, &e);
	log_msg(LOG_INFO, "%llu objects in %llu pages, %llu retries, %lu ranges",
		st.keys, st.pages, st.retries, st.ranges);
	if (st.server_date) {
		char when[RFC3339_LEN + 1];

		time_format_rfc3339(st.server_date, when);
		log_msg(LOG_INFO, "server clock %s, %+lld s from the local clock", when,
			(long long)(st.server_date - started));
	}
	if (f.stats) {
		struct s3gc_err se;

		if (write_stats(f.stats, rc == 0, &st, started, &se) < 0 && rc == 0) {
			e = se;
			rc = -1;
		}
	}
	s3_client_release(&client);
	conf_release(&conf);
	curl_global_cleanup();
	if (rc < 0)
		fe_die(&e);
	return 0;
}
