/*
 * s3gc: the driver: one garbage-collection cycle from the configuration
 * (the stage programs in turn), its status and metrics, a restore, a
 * commented configuration, and a daemon that keeps the store current and
 * runs a cycle a day. See s3gc(1).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drv.h"
#include "fe.h"
#include "log.h"
#include "child.h"

volatile sig_atomic_t drv_stop;
static volatile pid_t child; /* the stage running, 0 if none */

static void usage(int status)
{
	if (status)
		fe_try_help(status);
	printf("Usage: %s [-c FILE] [-v] [-q] COMMAND [ARGS]\n"
	       "Find the objects of the bucket that no database row refers to, back them up\n"
	       "into the vault and delete them, by running the stage programs in turn.\n"
	       "\n"
	       "Commands:\n"
	       "  run [--execute] [--force] [--json]\n"
	       "                      one cycle: sync the references, list, diff and\n"
	       "                      verify, and with --execute (or mode = execute) vault\n"
	       "                      and delete; say what it did\n"
	       "  status [--json]     the last operations, the reference store, the vault\n"
	       "  metrics [--format prometheus|json]\n"
	       "                      counts for monitoring (Prometheus text by default)\n"
	       "  restore OP [--dry-run] [--overwrite]\n"
	       "                      put operation OP's objects back (as s3gc-restore does)\n"
	       "  init [FILE]         write a commented s3gc.conf with every key (stdout)\n"
	       "  daemon              follow the database and run a cycle a day at the\n"
	       "                      configured schedule, until SIGTERM\n"
	       "\n"
	       "  -c, --config FILE   read FILE instead of s3gc.conf\n"
	       "      --execute       run: delete (the default is a dry run)\n"
	       "      --force         run: lift the safety brakes of s3gc-diff (never its checks)\n"
	       "      --json          run, status: one JSON object\n"
	       "      --format F      metrics: prometheus or json\n"
	       "      --dry-run       restore: say what would be restored\n"
	       "      --overwrite     restore: replace objects that exist\n"
	       "  -v, --verbose       say more on stderr (repeatable; passed to the stages)\n"
	       "  -q, --quiet         errors only\n"
	       "      --help          show this help\n"
	       "      --version       show the version\n"
	       "\n"
	       "Exit status: 0; the status of the stage that stopped a cycle (85 when a\n"
	       "safety brake refused, 80 for S3, 81 for the database, ...); 75 when\n"
	       "another cycle is running; 78 on a configuration error; see s3gc(7).\n",
	       fe_progname);
	exit(0);
}

enum { OPT_EXECUTE = 256, OPT_FORCE, OPT_JSON, OPT_FORMAT, OPT_DRY_RUN, OPT_OVERWRITE,
       OPT_HELP, OPT_VERSION };

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "execute", no_argument, NULL, OPT_EXECUTE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Which command may take which option. */
static const struct {
	const char *cmd;
	int min, max;           /* operands */
	const char *opts;       /* the options it takes, by name, space-separated */
} commands[] = {
	{ "run", 0, 0, " execute force json " },
	{ "status", 0, 0, " json " },
	{ "metrics", 0, 0, " format " },
	{ "restore", 1, 1, " dry-run overwrite " },
	{ "init", 0, 1, " " },
	{ "daemon", 0, 0, " force " },
};

static void parse_args(int argc, char **argv, struct drv *d, const char **cmd)
{
	char given[256] = " ";
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "c:vq", longopts, NULL)) != -1) {
		const char *name = NULL;

		switch (c) {
		case 'c': d->config = optarg; break;
		case 'v': d->verbose++; fe_verbose(); break;
		case 'q': d->quiet = 1; fe_quiet(); break;
		case OPT_EXECUTE: d->execute = 1; name = "execute"; break;
		case OPT_FORCE: d->force = 1; name = "force"; break;
		case OPT_JSON: d->json = 1; name = "json"; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "prometheus") && strcmp(optarg, "json"))
				fe_usage_error("--format: prometheus or json, not '%s'", optarg);
			d->format = optarg;
			name = "format";
			break;
		case OPT_DRY_RUN: d->dry_run = 1; name = "dry-run"; break;
		case OPT_OVERWRITE: d->overwrite = 1; name = "overwrite"; break;
		case OPT_HELP: usage(0); break;
		case OPT_VERSION: fe_version();
		default: usage(64);
		}
		if (name && strlen(given) + strlen(name) + 2 < sizeof given) {
			strcat(given, name);
			strcat(given, " ");
		}
	}
	if (optind >= argc)
		fe_usage_error("say what to do: run, status, metrics, restore, init or daemon");
	*cmd = argv[optind++];
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(*cmd, commands[i].cmd))
			break;
	if (i == sizeof commands / sizeof commands[0])
		fe_usage_error("no command '%s' (run, status, metrics, restore, init or daemon)", *cmd);
	d->args = argv + optind;
	d->nargs = argc - optind;
	if (d->nargs < commands[i].min)
		fe_usage_error("%s: an operand is missing", *cmd);
	if (d->nargs > commands[i].max)
		fe_usage_error("%s: unexpected operand '%s'", *cmd, argv[optind + commands[i].max]);
	/* An option another command takes is a mistake here, not nothing. */
	for (char *p = strtok(given, " "); p; p = strtok(NULL, " ")) {
		char want[64];

		snprintf(want, sizeof want, " %s ", p);
		if (!strstr(commands[i].opts, want))
			fe_usage_error("%s does not take --%s", *cmd, p);
	}
}

/* The stage programs are beside this one when they are there (a build
 * tree, an install); else PATH finds them. */
static void find_bindir(struct drv *d)
{
	char self[PATH_MAX], probe[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash;

	if (n <= 0)
		return;
	self[n] = '\0';
	if (!(slash = strrchr(self, '/')))
		return;
	*slash = '\0';
	snprintf(probe, sizeof probe, "%s/s3gc-list", self);
	if (access(probe, X_OK) == 0)
		d->bindir = strdup(self);
}

static void on_signal(int sig)
{
	drv_stop = sig;
	if (child > 0)
		kill(child, sig);
}

void drv_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Wait for a stage, saying on the terminal how long it has run and how
 * many records it has written so far (the lines of its output file).
 */
static int watch(struct drv *d, const char *name, pid_t pid, const char *out, int *status,
		 struct s3gc_err *e)
{
	unsigned long long lines = 0;
	struct timespec t0, now;
	char buf[65536];
	int rfd = out ? open(out, O_RDONLY | O_CLOEXEC) : -1, rc;

	(void)d;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rc = child_poll(pid, status, e)) == 0) {
		ssize_t n;

		while (rfd >= 0 && (n = read(rfd, buf, sizeof buf)) > 0)
			for (ssize_t i = 0; i < n; i++)
				lines += buf[i] == '\n';
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (rfd >= 0)
			fprintf(stderr, "\r\033[K%s: %s: %llu records, %ld s", fe_progname, name, lines,
				(long)(now.tv_sec - t0.tv_sec));
		else
			fprintf(stderr, "\r\033[K%s: %s: %ld s", fe_progname, name,
				(long)(now.tv_sec - t0.tv_sec));
		usleep(250000);
	}
	fprintf(stderr, "\r\033[K");
	if (rfd >= 0)
		close(rfd);
	return rc < 0 ? -1 : 0;
}

int drv_argv(const struct drv *d, const char *name, const char *const *args,
	     const char *argv[DRV_ARGV_MAX], char path[DRV_PATH_MAX])
{
	int n = 0;

	if (d->bindir)
		snprintf(path, DRV_PATH_MAX, "%s/%s", d->bindir, name);
	else
		snprintf(path, DRV_PATH_MAX, "%s", name);
	argv[n++] = path;
	if (d->conf.path) {
		argv[n++] = "-c";
		argv[n++] = d->conf.path;
	}
	if (d->quiet)
		argv[n++] = "-q";
	for (int v = 0; v < d->verbose && v < 3; v++)
		argv[n++] = "-v";
	for (; *args && n < DRV_ARGV_MAX - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return n;
}

int drv_stage(struct drv *d, const char *name, const char *const *args, const char *in,
	      const char *out, struct s3gc_err *e)
{
	const char *argv[DRV_ARGV_MAX];
	char path[DRV_PATH_MAX];
	int inf = -1, outf = -1, status = -1;
	pid_t pid;

	drv_argv(d, name, args, argv, path);
	if (in && (inf = open(in, O_RDONLY | O_CLOEXEC)) < 0)
		return err_sys(e, S3GC_E_IO, errno, "cannot open '%s'", in);
	if (out && (outf = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		err_sys(e, S3GC_E_IO, errno, "cannot make '%s'", out);
		goto done;
	}
	log_msg(LOG_INFO, "running %s", name);
	if (drv_stop) {
		err_set(e, S3GC_E_TEMP, 0, "stopped by signal %d before %s", (int)drv_stop, name);
		goto done;
	}
	if (child_start(&pid, (char *const *)argv, inf, outf, 0, e) < 0)
		goto done;
	child = pid;
	if (drv_stop) /* a signal came while it started */
		kill(pid, drv_stop);
	if ((d->progress ? watch(d, name, pid, out, &status, e) : child_wait(pid, &status, e)) < 0)
		status = -1;
	child = 0;
done:
	if (inf >= 0)
		close(inf);
	if (outf >= 0 && close(outf) < 0 && status == 0) {
		err_sys(e, S3GC_E_IO, errno, "cannot write '%s'", out);
		status = -1;
	}
	return status;
}

char *drv_path(const struct drv *d, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", d->conf.vault_path, name) < 0) {
		fe_warn("out of memory");
		exit(71);
	}
	return p;
}

int main(int argc, char **argv)
{
	struct drv d;
	const char *cmd;
	struct s3gc_err e;
	int rc;

	memset(&d, 0, sizeof d);
	fe_init(argv[0]);
	parse_args(argc, argv, &d, &cmd);
	/* Long stages say how far they are, on a terminal only. */
	d.progress = !d.quiet && isatty(2);
	if (!strcmp(cmd, "init"))
		return drv_init(&d);
	fe_conf_load(&d.conf, d.config);
	find_bindir(&d);
	if (strcmp(cmd, "status") && strcmp(cmd, "metrics") && conf_check(&d.conf, 1, &e) < 0)
		fe_die(&e);
	if (!strcmp(cmd, "run"))
		rc = drv_run(&d);
	else if (!strcmp(cmd, "status"))
		rc = drv_status(&d);
	else if (!strcmp(cmd, "metrics"))
		rc = drv_metrics(&d);
	else if (!strcmp(cmd, "daemon"))
		rc = drv_daemon(&d);
	else {
		const char *args[] = { "--op", d.args[0], d.dry_run ? "--dry-run" : NULL, NULL, NULL };
		int k = d.dry_run ? 3 : 2;

		if (d.overwrite)
			args[k] = "--overwrite";
		drv_signals();
		rc = drv_stage(&d, "s3gc-restore", args, NULL, NULL, &e);
		if (rc < 0)
			fe_die(&e);
	}
	free(d.bindir);
	conf_release(&d.conf);
	return rc;
}
