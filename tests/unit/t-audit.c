/* t-audit.c: the hash-chained audit trail. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "json.h"
#include "tap.h"

static char path[256];

static char *slurp(size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	p = malloc((size_t)len + 1);
	if (p && fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		p = NULL;
	}
	if (p)
		p[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return p;
}

static void spew(const char *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	fwrite(p, 1, n, f);
	fclose(f);
}

/* The start of line k (1-based) in p, or NULL. */
static char *line_at(char *p, int k)
{
	for (int i = 1; i < k && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return p;
}

static int add(struct audit *a, const char *stage, const char *key, size_t keylen,
	       long long size, const char *outcome)
{
	struct audit_rec r = { 0, "01JEXAMPLE0000000000000000", stage, key, keylen, size,
			       "d41d8cd98f00b204e9800998ecf8427e", NULL, outcome, NULL, NULL };
	struct s3gc_err e;

	return audit_add(a, &r, &e);
}

static unsigned long long verify(struct s3gc_err *e)
{
	unsigned long long n = 0;

	return audit_verify(path, &n, NULL, e) == 0 ? n : 0;
}

int main(void)
{
	char dir[] = "/tmp/t-audit.XXXXXX", last[SHA256_HEX_LEN + 1], err[128];
	const char odd[] = "a\tb\nc\"d\\e\x01\x7f \xc3\xa9\xff/x";
	struct audit *a, *b;
	struct s3gc_err e;
	struct json *j;
	unsigned long long n = 0;
	char *p, *l;
	size_t len;
	struct stat st;
	int ok;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/audit.log", dir);
	tap_ok(audit_verify(path, NULL, NULL, &e) < 0 && e.cls == S3GC_E_NOINPUT,
	       "no trail: %s", e.msg);
	tap_ok(audit_open(&a, path, &e) == 0, "open creates it");
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	tap_ok(audit_flush(a, &e) == 0 && stat(path, &st) == 0 && st.st_size == 0,
	       "an empty flush writes nothing");
	tap_ok(add(a, "put", "k1", 2, 10, "vaulted") == 0 &&
	       add(a, "put", odd, sizeof odd - 1, 0, "vaulted") == 0 &&
	       add(a, "delete", "k1", 2, -1, "deleted") == 0 && audit_pending(a) == 3,
	       "three records queued");
	tap_ok(audit_flush(a, &e) == 0 && audit_pending(a) == 0, "flushed");
	tap_ok(audit_verify(path, &n, last, &e) == 0 && n == 3, "verify: %llu lines", n);

	p = slurp(&len);
	l = line_at(p, 2);
	j = l ? json_parse(l, (size_t)(strchr(l, '\n') - l), err, sizeof err) : NULL;
	tap_ok(j != NULL, "line 2 is JSON (%s)", j ? "ok" : err);
	{
		const struct json *k = json_get(j, "key"), *s = json_get(j, "seq"),
				  *z = json_get(j, "size");
		const char *want = "a\tb\nc\"d\\e\x01\x7f \xc3\xa9\xef\xbf\xbd/x";

		tap_ok(k && k->len == strlen(want) && memcmp(k->str, want, k->len) == 0,
		       "the key reads back, a bad byte as U+FFFD");
		tap_ok(s && s->number == 2 && z && z->number == 0, "seq 2, size 0");
		tap_ok(json_str(j, "time") && strlen(json_str(j, "time")) == 24 &&
		       json_str(j, "time")[23] == 'Z' && json_str(j, "time")[19] == '.',
		       "time with milliseconds: %s", json_str(j, "time") ? json_str(j, "time") : "-");
		tap_ok(json_str(j, "stage") && !strcmp(json_str(j, "stage"), "put") &&
		       json_str(j, "outcome") && !strcmp(json_str(j, "outcome"), "vaulted") &&
		       !json_get(j, "error") && !json_get(j, "blob"),
		       "stage and outcome; no error or blob field");
	}
	json_free(j);
	l = line_at(p, 3);
	j = json_parse(l, strlen(l) - 1, err, sizeof err);
	tap_ok(j && !json_get(j, "size"), "a negative size is left out");
	json_free(j);
	free(p);

	/* A second appender continues the chain. */
	tap_ok(audit_open(&b, path, &e) == 0 && add(b, "restore", "k1", 2, 10, "restored") == 0 &&
	       audit_flush(b, &e) == 0 && add(a, "put", "k2", 2, 5, "vaulted") == 0 &&
	       audit_flush(a, &e) == 0 && verify(&e) == 5, "two appenders: 5 lines, verified");

	/* Edits anywhere but the end are found. */
	p = slurp(&len);
	l = line_at(p, 2);
	l[strstr(l, "\"put\"") - l + 1] = 'P';
	spew(p, len);
	tap_ok(verify(&e) == 0 && e.cls == S3GC_E_VAULT && strstr(e.msg, "line 3") &&
	       strstr(e.msg, "does not follow line 2"), "an edited line: %s", e.msg);
	l[strstr(l, "\"Put\"") - l + 1] = 'p';
	spew(p, len);
	tap_ok(verify(&e) == 5, "edited back: verified");
	{
		char *orig = malloc(len + 1), *l2 = line_at(p, 2), *l3 = line_at(p, 3);

		memcpy(orig, p, len + 1);
		memmove(l2, l3, len - (size_t)(l3 - p));
		spew(p, len - (size_t)(l3 - l2));
		tap_ok(verify(&e) == 0 && strstr(e.msg, "line 2") && strstr(e.msg, "numbered 3"),
		       "a removed line: %s", e.msg);
		spew(orig, len);
		free(orig);
	}
	free(p);
	tap_ok(verify(&e) == 5, "put back: verified");

	/* A writer killed mid-line: verify says so; the next flush cuts it off. */
	{
		int fd = open(path, O_WRONLY | O_APPEND);

		ok = fd >= 0 && write(fd, "{\"seq\":6,\"ti", 12) == 12;
		if (fd >= 0)
			close(fd);
	}
	tap_ok(ok && verify(&e) == 0 && strstr(e.msg, "line 6") && strstr(e.msg, "cut short"),
	       "a torn last line: %s", e.msg);
	tap_ok(add(a, "put", "k3", 2, 1, "vaulted") == 0 && audit_flush(a, &e) == 0 &&
	       verify(&e) == 6, "the next flush repairs it: 6 lines");

	/* A last line that is not ours: nothing is appended. */
	{
		int fd = open(path, O_WRONLY | O_APPEND);

		ok = fd >= 0 && write(fd, "hello\n", 6) == 6;
		if (fd >= 0)
			close(fd);
	}
	stat(path, &st);
	len = (size_t)st.st_size;
	tap_ok(ok && add(a, "put", "k4", 2, 1, "vaulted") == 0 && audit_flush(a, &e) < 0 &&
	       e.cls == S3GC_E_VAULT && strstr(e.msg, "not a trail line") &&
	       stat(path, &st) == 0 && (size_t)st.st_size == len && audit_pending(a) == 0,
	       "a foreign last line: refused, nothing written: %s", e.msg);
	tap_ok(truncate(path, (off_t)len - 6) == 0 && verify(&e) == 6, "removed again");

	/* Processes appending at once keep one chain. */
	for (int c = 0; c < 4; c++) {
		pid_t pid = fork();

		if (pid == 0) {
			struct audit *x;
			int bad = audit_open(&x, path, &e) < 0;

			for (int i = 0; i < 50 && !bad; i++) {
				char key[32];

				snprintf(key, sizeof key, "child%d/%d", c, i);
				bad = add(x, "put", key, strlen(key), i, "vaulted") < 0 ||
				      (i % 3 == 2 && audit_flush(x, &e) < 0);
			}
			bad = bad || audit_flush(x, &e) < 0;
			audit_close(x);
			_exit(bad);
		}
	}
	ok = 1;
	for (int c = 0; c < 4; c++) {
		int status;

		ok = ok && wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	tap_ok(ok && verify(&e) == 206, "4 processes x 50 records at once: %llu lines, one chain",
	       verify(&e));

	audit_close(a);
	audit_close(b);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
