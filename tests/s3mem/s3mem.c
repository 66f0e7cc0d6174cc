/* s3mem.c - in-memory S3 server for tests and benchmarks: options, listening socket, poll loop. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* POSIX and GNU declarations (strdup, memmem...) under -std=c11 */
#endif
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "populate.h"
#include "server.h"

static volatile sig_atomic_t stop_requested;

struct options {
	int port;
	const char *port_file, *populate, *faults;
	const char *first_bucket;
	long clock_offset;
};

static void usage(int status)
{
	if (status) {
		fputs("Try 's3mem --help' for more information.\n", stderr);
		exit(status);
	}
	fputs("Usage: s3mem [--port N] [--port-file FILE] [--bucket NAME]... [--latency-ms N]\n"
	      "             [--populate FILE] [--clock-offset SECONDS] [--faults FILE] [-q]\n"
	      "In-memory S3 server on 127.0.0.1 with scriptable faults (see tests/s3mem/README).\n"
	      "\n"
	      "  --port N              port to listen on; 0 (default) picks a free one\n"
	      "  --port-file FILE      write the port there once ready (atomically)\n"
	      "  --bucket NAME         create an empty bucket (repeatable)\n"
	      "  --latency-ms N        delay every response by N ms\n"
	      "  --populate FILE       load key<TAB>size<TAB>age lines into the first bucket\n"
	      "  --clock-offset S      shift the server clock by S seconds\n"
	      "  --faults FILE         initial fault rules\n"
	      "  -q, --quiet           do not log requests to stderr\n"
	      "  -h, --help            show this help\n", stdout);
	exit(0);
}

static long num_arg(const char *s, const char *opt, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "s3mem: invalid value '%s' for %s\n", s, opt);
		usage(64);
	}
	return v;
}

static void parse_options(int argc, char **argv, struct options *o, struct server *s)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "port-file", required_argument, NULL, 'P' },
		{ "bucket", required_argument, NULL, 'b' },
		{ "latency-ms", required_argument, NULL, 'l' },
		{ "populate", required_argument, NULL, 'f' },
		{ "clock-offset", required_argument, NULL, 'c' },
		{ "faults", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': o->port = (int)num_arg(optarg, "--port", 0, 65535); break;
		case 'P': o->port_file = optarg; break;
		case 'b':
			if (!o->first_bucket)
				o->first_bucket = optarg;
			store_add_bucket(&s->store, optarg, server_now());
			break;
		case 'l': s->latency_ms = num_arg(optarg, "--latency-ms", 0, 3600000); break;
		case 'f': o->populate = optarg; break;
		case 'c':
			o->clock_offset = num_arg(optarg, "--clock-offset", -4000000000L, 4000000000L);
			clock_set_offset(o->clock_offset);
			break;
		case 'F': o->faults = optarg; break;
		case 'q': s->quiet = 1; break;
		case 'h': usage(0); break;
		default: usage(64);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "s3mem: unexpected argument '%s'\n", argv[optind]);
		usage(64);
	}
}

static int load_faults(struct server *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "s3mem: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	struct buf text = BUF_INIT, err = BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(&text, chunk, n);
	fclose(f);
	int rc = faults_parse(text.p ? text.p : "", text.len, &s->faults, &err);
	if (rc < 0)
		fprintf(stderr, "s3mem: %s: %s", path, err.p);
	buf_free(&text);
	buf_free(&err);
	return rc;
}

static int open_listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)*port) };
	socklen_t alen = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		fprintf(stderr, "s3mem: cannot listen on 127.0.0.1:%d: %s\n", *port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Written under a temporary name and renamed, so a waiting script never reads half a number. */
static int write_port_file(const char *path, int port)
{
	char tmp[4096];
	struct stat st;

	/* Renaming over a device (--port-file /dev/null) would replace it. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		snprintf(tmp, sizeof tmp, "%s", path);
	else
		snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 ||
	    (strcmp(tmp, path) != 0 && rename(tmp, path) < 0)) {
		fprintf(stderr, "s3mem: cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll must return EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct loop {
	int lfd;
	struct conn **c;
	size_t n, cap;
	struct pollfd *pfd;
	int64_t accept_paused_until;
};

static void accept_all(struct loop *L)
{
	for (;;) {
		struct sockaddr_in a;
		socklen_t alen = sizeof a;
		int fd = accept4(L->lfd, (struct sockaddr *)&a, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Out of descriptors: stop polling the listener for a moment
				 * instead of spinning on it. */
				L->accept_paused_until = mono_ms() + 100;
				fprintf(stderr, "s3mem: accept: %s\n", strerror(errno));
			}
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (L->n == L->cap) {
			L->cap = L->cap ? 2 * L->cap : 64;
			L->c = realloc(L->c, L->cap * sizeof *L->c);
			L->pfd = realloc(L->pfd, (L->cap + 1) * sizeof *L->pfd);
			if (!L->c || !L->pfd)
				abort();
		}
		char peer[48];
		snprintf(peer, sizeof peer, "%s:%d", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
		L->c[L->n++] = conn_new(fd, peer);
	}
}

/* Fills the pollfd array and returns the poll timeout for the nearest
 * timer; counts the responses held back at once (peak_delayed). */
static int prepare_poll(struct loop *L, struct server *s, int64_t now)
{
	int timeout = -1;
	uint64_t delayed = 0;
	L->pfd[0].fd = now >= L->accept_paused_until ? L->lfd : -1;
	L->pfd[0].events = POLLIN;
	L->pfd[0].revents = 0;
	if (L->accept_paused_until > now)
		timeout = (int)(L->accept_paused_until - now);
	for (size_t i = 0; i < L->n; i++) {
		short ev = conn_events(L->c[i]);
		/* fd -1 while waiting on a timer: otherwise a peer's hangup would
		 * make poll return at once, over and over. */
		L->pfd[i + 1].fd = ev ? L->c[i]->fd : -1;
		L->pfd[i + 1].events = ev;
		L->pfd[i + 1].revents = 0;
		int64_t dl = conn_deadline(L->c[i]);
		if (dl >= 0) {
			int t = dl > now ? (int)(dl - now) : 0;
			delayed++;
			if (timeout < 0 || t < timeout)
				timeout = t;
		}
	}
	if (delayed > s->st.peak_delayed)
		s->st.peak_delayed = delayed;
	return timeout;
}

static void service(struct loop *L, struct server *s)
{
	for (size_t i = 0; i < L->n; i++) {
		struct conn *c = L->c[i];
		short rev = L->pfd[i + 1].revents;
		if ((rev && conn_io(c, s, rev) < 0) || conn_timer(c, s) < 0) {
			conn_free(c);
			L->c[i] = NULL;
		}
	}
	size_t j = 0;
	for (size_t i = 0; i < L->n; i++)
		if (L->c[i])
			L->c[j++] = L->c[i];
	L->n = j;
}

static void run(struct loop *L, struct server *s)
{
	L->cap = 64;
	L->c = malloc(L->cap * sizeof *L->c);
	L->pfd = malloc((L->cap + 1) * sizeof *L->pfd);
	if (!L->c || !L->pfd)
		abort();
	while (!stop_requested) {
		int timeout = prepare_poll(L, s, mono_ms());
		if (poll(L->pfd, L->n + 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			perror("s3mem: poll");
			break;
		}
		service(L, s);
		if (L->pfd[0].revents & POLLIN)
			accept_all(L);
	}
	for (size_t i = 0; i < L->n; i++)
		conn_free(L->c[i]);
	free(L->c);
	free(L->pfd);
}

static int setup(struct options *o, struct server *s)
{
	if (o->populate) {
		struct buf err = BUF_INIT;
		if (!o->first_bucket) {
			fputs("s3mem: --populate needs a --bucket to load into\n", stderr);
			return -1;
		}
		int rc = populate_file(store_bucket(&s->store, o->first_bucket), o->populate, &err);
		if (rc < 0)
			fprintf(stderr, "s3mem: %s\n", err.p);
		buf_free(&err);
		if (rc < 0)
			return -1;
	}
	if (o->faults && load_faults(s, o->faults) < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct server s = { 0 };
	struct options o = { 0 };
	struct loop L = { .lfd = -1 };
	int rc = 1;
	s.idbase = (uint32_t)(time(NULL) ^ ((uint32_t)getpid() << 16));
	parse_options(argc, argv, &o, &s);
	install_signals();
	if (setup(&o, &s) < 0 || (L.lfd = open_listener(&o.port)) < 0)
		goto out;
	if (o.port_file && write_port_file(o.port_file, o.port) < 0)
		goto out;
	if (!s.quiet)
		fprintf(stderr, "s3mem: listening on 127.0.0.1:%d, %zu buckets, %zu objects\n",
			o.port, s.store.n, store_objects(&s.store));
	run(&L, &s);
	rc = 0;
out:
	if (L.lfd >= 0)
		close(L.lfd);
	store_free(&s.store);
	uploads_free(&s.mpu);
	faults_free(&s.faults);
	return rc;
}
