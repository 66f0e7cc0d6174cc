/*
 * s3obj-probe: a test helper that makes one object request with lib/s3obj
 * and prints what came back.
 *
 *   s3obj-probe ENDPOINT BUCKET head KEY      "found SIZE ETAG LASTMOD" and
 *                                             "name: value" lines, or "missing"
 *   s3obj-probe ENDPOINT BUCKET get KEY [ETAG]  the body on stdout
 *   s3obj-probe ENDPOINT BUCKET put KEY [--if-none-match] [--unsigned]
 *               ["Name: value"]...           stdin as the body; prints the ETag
 *   s3obj-probe ENDPOINT BUCKET delete KEY [ETAG]
 *   s3obj-probe ENDPOINT BUCKET delete-objects   lines "KEY[<TAB>ETAG]" on
 *               stdin; prints "deleted<TAB>KEY" or "error<TAB>KEY<TAB>CODE"
 *
 * Exit status: 0, or the s3gc(7) status of the error, with a message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "s3obj.h"

static int out_body(void *arg, const char *p, size_t n)
{
	(void)arg;
	return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

/* Before a retry: stdout (a file) starts over. */
static int out_restart(void *arg, struct s3gc_err *e)
{
	(void)arg;
	fflush(stdout);
	if (ftruncate(fileno(stdout), 0) < 0 || fseek(stdout, 0, SEEK_SET) < 0)
		return err_set(e, S3GC_E_IO, 0, "cannot start stdout over (not a file?)");
	return 0;
}

struct mem {
	struct buf b;
	size_t pos;
};

static long mem_read(void *arg, char *p, size_t cap)
{
	struct mem *m = arg;
	size_t n = m->b.len - m->pos < cap ? m->b.len - m->pos : cap;

	memcpy(p, m->b.data + m->pos, n);
	m->pos += n;
	return (long)n;
}

static int mem_rewind(void *arg, struct s3gc_err *e)
{
	(void)e;
	((struct mem *)arg)->pos = 0;
	return 0;
}

static int print_result(void *arg, const char *key, size_t keylen,
			const char *code, const char *msg, struct s3gc_err *e)
{
	(void)arg;
	(void)msg;
	(void)e;
	if (code)
		printf("error\t%.*s\t%s\n", (int)keylen, key, code);
	else
		printf("deleted\t%.*s\n", (int)keylen, key);
	return 0;
}

static int delete_objects(struct s3_client *c, struct http_xfer *x,
			  struct s3gc_err *e)
{
	struct s3del_obj objs[S3DEL_MAX];
	char *lines[S3DEL_MAX], line[2048];
	size_t n = 0;
	int rc;

	while (n < S3DEL_MAX && fgets(line, sizeof line, stdin)) {
		char *tab;

		line[strcspn(line, "\n")] = '\0';
		lines[n] = strdup(line);
		tab = strchr(lines[n], '\t');
		if (tab)
			*tab = '\0';
		objs[n].key = lines[n];
		objs[n].keylen = strlen(lines[n]);
		objs[n].etag = tab ? tab + 1 : NULL;
		n++;
	}
	rc = s3_delete_objects(c, x, objs, n, print_result, NULL, e);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	return rc;
}

int main(int argc, char **argv)
{
	struct s3_client c;
	struct http_xfer x;
	struct s3_objhead h;
	struct s3gc_err e;
	const char *cmd, *key;
	int rc = -1;

	if (argc < 4) {
		fprintf(stderr, "usage: s3obj-probe ENDPOINT BUCKET COMMAND [ARGS]\n");
		return 64;
	}
	cmd = argv[3];
	key = argc > 4 ? argv[4] : "";
	if (http_global_init(&e) < 0 || s3_client_init(&c, argv[2], NULL, argv[1], &e) < 0) {
		fprintf(stderr, "s3obj-probe: %s\n", e.msg);
		return err_exit_code(e.cls);
	}
	c.policy.base_ms = 20;
	memset(&x, 0, sizeof x);
	if (http_xfer_init(&x, &c.policy, &e) < 0)
		goto done;
	s3_objhead_init(&h);
	if (!strcmp(cmd, "head")) {
		rc = s3_head_object(&c, &x, key, strlen(key), &h, &e);
		if (rc == 0 && !h.found)
			printf("missing\n");
		else if (rc == 0) {
			printf("found %llu %s %lld\n", (unsigned long long)h.size, h.etag,
			       (long long)h.last_modified);
			for (size_t i = 0; i < h.nmeta; i++) {
				const char *name, *value;

				s3_objhead_meta(&h, i, &name, &value);
				printf("%s: %s\n", name, value);
			}
		}
	} else if (!strcmp(cmd, "get")) {
		struct s3_sink sink = { out_body, out_restart, NULL, NULL };

		rc = s3_get_object(&c, &x, key, strlen(key), argc > 5 ? argv[5] : NULL, &sink, &h, &e);
	} else if (!strcmp(cmd, "put")) {
		struct sigv4_header hdrs[32];
		struct mem m = { BUF_INIT, 0 };
		struct s3_source src = { mem_read, mem_rewind, &m, 0, NULL };
		char etag[ETAG_MAX + 1], sha[SHA256_HEX_LEN + 1], chunk[65536];
		unsigned char d[SHA256_LEN];
		int inm = 0, unsig = 0;
		size_t nh = 0, got;

		for (int i = 5; i < argc && nh < 32; i++) {
			char *colon = strchr(argv[i], ':');

			if (!strcmp(argv[i], "--if-none-match"))
				inm = 1;
			else if (!strcmp(argv[i], "--unsigned"))
				unsig = 1;
			else if (colon) {
				*colon = '\0';
				hdrs[nh].name = argv[i];
				hdrs[nh++].value = colon + 1 + (colon[1] == ' ');
			}
		}
		while ((got = fread(chunk, 1, sizeof chunk, stdin)) > 0)
			buf_add(&m.b, chunk, got, &e);
		hash_sha256(m.b.data ? m.b.data : "", m.b.len, d, &e);
		hex_encode(d, SHA256_LEN, sha);
		src.size = m.b.len;
		src.sha256 = unsig ? NULL : sha;
		rc = s3_put_object(&c, &x, key, strlen(key), &src, hdrs, nh, inm, etag, &e);
		if (rc == 0)
			printf("%s\n", etag);
		buf_release(&m.b);
	} else if (!strcmp(cmd, "delete")) {
		rc = s3_delete_object(&c, &x, key, strlen(key), argc > 5 ? argv[5] : NULL, &e);
	} else if (!strcmp(cmd, "delete-objects")) {
		rc = delete_objects(&c, &x, &e);
	} else {
		fprintf(stderr, "s3obj-probe: unknown command '%s'\n", cmd);
		rc = -2;
	}
	s3_objhead_release(&h);
done:
	if (rc < 0 && rc != -2)
		fprintf(stderr, "s3obj-probe: %s (tries: %d)\n", e.msg, x.attempt);
	http_xfer_release(&x);
	s3_client_release(&c);
	if (rc == -2)
		return 64;
	return rc < 0 ? err_exit_code(e.cls) : 0;
}
