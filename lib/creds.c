/* creds.c: AWS credentials from the environment, else the shared credentials file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "creds.h"

/* A credentials file is a few hundred bytes; anything huge is a mistake. */
#define CREDS_FILE_MAX (1024 * 1024)

/* A value found in the file: a span of the (secret) file buffer. */
struct span {
	const char *p;
	size_t n;
};

/* What the parser found for the wanted profile. */
struct found {
	int profile_seen;
	struct span ak, sk, token;
};

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *dup_span(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static int fill(struct creds *c, struct span ak, struct span sk,
		struct span token, struct s3gc_err *e)
{
	c->access_key = dup_span(ak.p, ak.n);
	c->secret_key = dup_span(sk.p, sk.n);
	c->session_token = token.n ? dup_span(token.p, token.n) : NULL;
	if (!c->access_key || !c->secret_key || (token.n && !c->session_token)) {
		creds_release(c);
		return err_set(e, S3GC_E_SYS, ENOMEM, "cannot allocate credentials");
	}
	return 0;
}

static struct span span_of(const char *s)
{
	return (struct span){ s ? s : "", s ? strlen(s) : 0 };
}

/* 1: taken from the environment, 0: not there, -1: half a pair. */
static int from_env(struct creds *c, struct s3gc_err *e)
{
	const char *ak = env_nonempty("AWS_ACCESS_KEY_ID");
	const char *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");

	if (!ak && !sk)
		return 0;
	if (!ak || !sk)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "'%s' is set but '%s' is not: set both or neither",
			       ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			       ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if (fill(c, span_of(ak), span_of(sk),
		 span_of(env_nonempty("AWS_SESSION_TOKEN")), e) < 0)
		return -1;
	snprintf(c->source, sizeof(c->source), "environment");
	return 1;
}

static const char *home_dir(void)
{
	const char *h = env_nonempty("HOME");
	struct passwd *pw;

	if (h)
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

/* The file's path into out; *explicit says the user named it. */
static int creds_path(struct buf *out, int *explicit, struct s3gc_err *e)
{
	const char *f = env_nonempty("AWS_SHARED_CREDENTIALS_FILE");
	const char *home = home_dir();

	*explicit = f != NULL;
	if (f && strncmp(f, "~/", 2) != 0)
		return buf_adds(out, f, e);
	if (!home)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "no AWS credentials: set AWS_ACCESS_KEY_ID and "
			       "AWS_SECRET_ACCESS_KEY (no home directory to look in)");
	return buf_addf(out, e, "%s/%s", home, f ? f + 2 : ".aws/credentials");
}

/*
 * Read the whole file into b (the caller wipes it); *missing on ENOENT.
 * The buffer is sized once from fstat: growing it with realloc would leave
 * unwiped copies of the secrets behind in freed memory.
 */
static int read_file(const char *path, struct buf *b, int *missing,
		     struct s3gc_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;
	struct stat st;
	ssize_t r = 0;

	*missing = fd < 0 && errno == ENOENT;
	if (fd < 0)
		return err_sys(e, S3GC_E_CONFIG, errno,
			       "cannot open credentials file '%s'", path);
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		return err_sys(e, S3GC_E_CONFIG, saved, "cannot read '%s'", path);
	}
	if (st.st_size > CREDS_FILE_MAX) {
		close(fd);
		return err_set(e, S3GC_E_CONFIG, 0, "credentials file '%s' is too large",
			       path);
	}
	if (buf_grow(b, (size_t)st.st_size + 4096, e) < 0) {
		close(fd);
		return err_prefix(e, "cannot read '%s'", path);
	}
	while (b->len + 1 < b->cap &&
	       ((r = read(fd, b->data + b->len, b->cap - b->len - 1)) > 0 ||
		(r < 0 && errno == EINTR)))
		b->len += r > 0 ? (size_t)r : 0;
	saved = errno;
	close(fd);
	b->data[b->len] = '\0';
	if (r < 0)
		return err_sys(e, S3GC_E_CONFIG, saved, "cannot read '%s'", path);
	if (r > 0)
		return err_set(e, S3GC_E_CONFIG, 0,
			       "credentials file '%s' grew while being read", path);
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static struct span trim(const char *p, size_t n)
{
	while (n && is_blank(*p))
		p++, n--;
	while (n && is_blank(p[n - 1]))
		n--;
	return (struct span){ p, n };
}

static int span_is(struct span s, const char *lit, int nocase)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return 0;
	return nocase ? strncasecmp(s.p, lit, n) == 0 : memcmp(s.p, lit, n) == 0;
}

struct parser {
	const char *path;
	const char *profile;
	unsigned line;
	int in_profile;     /* the current section is the wanted one */
	int in_section;     /* some section has started */
	struct found *f;
	struct s3gc_err *e;
};

static int malformed(struct parser *ps, const char *why)
{
	/* Never quote the line: it may hold a secret. */
	return err_set(ps->e, S3GC_E_CONFIG, 0, "malformed line at '%s:%u': %s",
		       ps->path, ps->line, why);
}

static int parse_section(struct parser *ps, struct span l)
{
	struct span name;

	if (l.p[l.n - 1] != ']')
		return malformed(ps, "a section header must end with ']'");
	name = trim(l.p + 1, l.n - 2);
	if (!name.n)
		return malformed(ps, "empty section name");
	ps->in_section = 1;
	/* In the credentials file the section is the bare profile name. */
	ps->in_profile = span_is(name, ps->profile, 0);
	ps->f->profile_seen |= ps->in_profile;
	return 0;
}

static int parse_pair(struct parser *ps, struct span l)
{
	const char *eq = memchr(l.p, '=', l.n);
	struct span key, val;

	if (!eq)
		return malformed(ps, "expected '[profile]' or 'key = value'");
	key = trim(l.p, (size_t)(eq - l.p));
	val = trim(eq + 1, l.n - (size_t)(eq - l.p) - 1);
	if (!key.n)
		return malformed(ps, "missing key before '='");
	if (!ps->in_section)
		return malformed(ps, "'key = value' before any '[profile]' section");
	if (!ps->in_profile)
		return 0;
	/* Option names are case-insensitive, as in the AWS CLI's parser. */
	if (span_is(key, "aws_access_key_id", 1))
		ps->f->ak = val;
	else if (span_is(key, "aws_secret_access_key", 1))
		ps->f->sk = val;
	else if (span_is(key, "aws_session_token", 1))
		ps->f->token = val;
	return 0;
}

static int parse_line(struct parser *ps, const char *p, size_t n)
{
	struct span l = trim(p, n);

	if (!l.n || l.p[0] == '#' || l.p[0] == ';')
		return 0;
	if (l.p[0] == '[')
		return parse_section(ps, l);
	return parse_pair(ps, l);
}

static int parse_file(struct parser *ps, const struct buf *b)
{
	const char *p = buf_str(b), *end = p + b->len;

	if (memchr(p, '\0', b->len))
		return err_set(ps->e, S3GC_E_CONFIG, 0,
			       "credentials file '%s' has a NUL byte", ps->path);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		ps->line++;
		if (parse_line(ps, p, n) < 0)
			return -1;
		p += n + 1;
	}
	return 0;
}

static int no_creds(const char *profile, const char *path, struct s3gc_err *e)
{
	return err_set(e, S3GC_E_CONFIG, 0,
		       "no AWS credentials: set AWS_ACCESS_KEY_ID and "
		       "AWS_SECRET_ACCESS_KEY, or add profile '%s' to '%s'",
		       profile, path);
}

static int take_found(struct creds *c, const struct found *f, const char *profile,
		      const char *path, struct s3gc_err *e)
{
	if (!f->profile_seen)
		return no_creds(profile, path, e);
	if (!f->ak.n || !f->sk.n)
		return err_set(e, S3GC_E_CONFIG, 0, "profile '%s' in '%s' has no %s",
			       profile, path,
			       f->ak.n ? "aws_secret_access_key" : "aws_access_key_id");
	if (fill(c, f->ak, f->sk, f->token, e) < 0)
		return -1;
	snprintf(c->source, sizeof(c->source), "profile '%s' in '%s'", profile, path);
	return 0;
}

static int from_file(struct creds *c, struct s3gc_err *e)
{
	const char *profile = env_nonempty("AWS_PROFILE");
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct found f = { 0 };
	struct parser ps = { .f = &f, .e = e };
	int explicit, missing, rc = -1;

	ps.profile = profile ? profile : "default";
	if (creds_path(&path, &explicit, e) < 0)
		goto out;
	ps.path = buf_str(&path);
	if (read_file(ps.path, &text, &missing, e) < 0) {
		/* The default file need not exist; a file the user named must. */
		if (missing && !explicit)
			no_creds(ps.profile, ps.path, e);
		goto out;
	}
	if (parse_file(&ps, &text) == 0)
		rc = take_found(c, &f, ps.profile, ps.path, e);
out:
	buf_release_secure(&text);
	buf_release(&path);
	return rc;
}

int creds_load(struct creds *c, struct s3gc_err *e)
{
	int r;

	c->access_key = c->secret_key = c->session_token = NULL;
	c->source[0] = '\0';
	r = from_env(c, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return from_file(c, e);
}

static void wipe_free(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void creds_release(struct creds *c)
{
	wipe_free(&c->access_key);
	wipe_free(&c->secret_key);
	wipe_free(&c->session_token);
	c->source[0] = '\0';
}
