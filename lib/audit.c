/* audit.c: the hash-chained audit trail (see audit.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "fdio.h"
#include "jsonw.h"
#include "timefmt.h"

#define SEQ_FIELD "{\"seq\":"
#define PREV_FIELD ",\"prev\":\""
/* A line ends with ,"prev":"<64 hex>"} */
#define TAIL_LEN (sizeof(PREV_FIELD) - 1 + SHA256_HEX_LEN + 2)
#define LINE_MAX_READ ((size_t)1 << 20) /* no line of ours is this long */

struct audit {
	char *path;
	int fd;
	struct buf bodies; /* the queued records' fields, one after another */
	size_t *ends;      /* where each ends in bodies */
	size_t n, cap;
	struct buf out;    /* the lines of a flush */
	struct buf tail;   /* the end of the file, read back */
};

static const char zeros[SHA256_HEX_LEN + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

int audit_open(struct audit **ap, const char *path, struct s3gc_err *e)
{
	struct audit *a = calloc(1, sizeof(*a));

	*ap = NULL;
	if (!a || !(a->path = strdup(path))) {
		free(a);
		return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot open audit trail '%s'", path);
	}
	a->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (a->fd < 0) {
		int err = errno;

		free(a->path);
		free(a);
		return err_sys(e, S3GC_E_VAULT, err, "cannot open audit trail '%s'", path);
	}
	buf_init(&a->bodies, 0);
	buf_init(&a->out, 0);
	buf_init(&a->tail, 0);
	*ap = a;
	return 0;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	buf_release(&a->bodies);
	buf_release(&a->out);
	buf_release(&a->tail);
	free(a->ends);
	free(a->path);
	free(a);
}

size_t audit_pending(const struct audit *a)
{
	return a ? a->n : 0;
}

static int add_str(struct buf *b, const char *name, const char *v,
		   struct s3gc_err *e)
{
	return v ? jsonw_field_str(b, name, v, strlen(v), 0, e) : 0;
}

int audit_add(struct audit *a, const struct audit_rec *r, struct s3gc_err *e)
{
	struct buf *b = &a->bodies;
	char when[RFC3339_LEN + 1];
	int64_t ms = r->time_ms;
	size_t start = b->len;

	if (ms <= 0)
		ms = (int64_t)time_now_ms();
	if (a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 64;
		size_t *p = realloc(a->ends, nc * sizeof(*p));

		if (!p)
			return err_sys(e, S3GC_E_SYS, ENOMEM, "cannot queue an audit record");
		a->ends = p;
		a->cap = nc;
	}
	time_format_rfc3339((time_t)(ms / 1000), when);
	when[RFC3339_LEN - 1] = '\0'; /* the Z goes after the milliseconds */
	if (buf_addf(b, e, "\"time\":\"%s.%03dZ\"", when, (int)(ms % 1000)) < 0 ||
	    add_str(b, "op", r->op, e) < 0 || add_str(b, "stage", r->stage, e) < 0 ||
	    (r->key && jsonw_field_str(b, "key", r->key, r->keylen, 0, e) < 0) ||
	    (r->size >= 0 && buf_addf(b, e, ",\"size\":%lld", r->size) < 0) ||
	    add_str(b, "etag", r->etag, e) < 0 || add_str(b, "blob", r->blob, e) < 0 ||
	    add_str(b, "outcome", r->outcome, e) < 0 ||
	    add_str(b, "error", r->error, e) < 0 ||
	    (r->result && buf_addf(b, e, ",\"result\":%s", r->result) < 0)) {
		b->len = start;
		b->data[start] = '\0';
		return -1;
	}
	a->ends[a->n++] = b->len;
	return 0;
}

/* The number of line s[0..n) and the prev it names, if it is a trail line. */
static int parse_line(const char *s, size_t n, unsigned long long *seq,
		      const char **prev)
{
	size_t i = sizeof(SEQ_FIELD) - 1, t;
	unsigned long long v = 0;

	if (n < i + 2 + TAIL_LEN || memcmp(s, SEQ_FIELD, i) != 0 ||
	    s[i] < '1' || s[i] > '9')
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (~0ULL - 9) / 10)
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (i >= n || s[i] != ',')
		return -1;
	t = n - TAIL_LEN;
	if (t < i || memcmp(s + t, PREV_FIELD, sizeof(PREV_FIELD) - 1) != 0 ||
	    s[n - 2] != '"' || s[n - 1] != '}')
		return -1;
	*prev = s + t + sizeof(PREV_FIELD) - 1;
	for (size_t j = 0; j < SHA256_HEX_LEN; j++)
		if (!(*prev)[j] || !strchr("0123456789abcdef", (*prev)[j]))
			return -1;
	*seq = v;
	return 0;
}

static int line_hash(const char *s, size_t n, char hex[SHA256_HEX_LEN + 1],
		     struct s3gc_err *e)
{
	unsigned char d[SHA256_LEN];

	if (hash_sha256(s, n, d, e) < 0)
		return -1;
	hex_encode(d, SHA256_LEN, hex);
	return 0;
}

static int io_err(const struct audit *a, struct s3gc_err *e, const char *what)
{
	return err_sys(e, S3GC_E_VAULT, errno, "cannot %s audit trail '%s'", what,
		       a->path);
}

/* Read file bytes [off, off + n) into a->tail. */
static int read_at(struct audit *a, off_t off, size_t n, struct s3gc_err *e)
{
	size_t got = 0;

	buf_reset(&a->tail);
	if (buf_grow(&a->tail, n, e) < 0)
		return -1;
	while (got < n) {
		ssize_t r = pread(a->fd, a->tail.data + got, n - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return io_err(a, e, "read");
		if (r == 0) {
			errno = EIO;
			return io_err(a, e, "read (it shrank while locked)");
		}
		got += (size_t)r;
	}
	a->tail.len = n;
	a->tail.data[n] = '\0';
	return 0;
}

/*
 * The number and hash of the last line of the file (0 and zeros when
 * empty), after cutting off a last line without its newline.
 */
static int last_line(struct audit *a, unsigned long long *seq,
		     char prev[SHA256_HEX_LEN + 1], struct s3gc_err *e)
{
	size_t chunk = 65536;
	struct stat st;
	const char *p;

	for (;;) {
		off_t size, from;
		size_t n, end, start;

		if (fstat(a->fd, &st) < 0)
			return io_err(a, e, "read");
		size = st.st_size;
		if (size == 0) {
			*seq = 0;
			memcpy(prev, zeros, sizeof(zeros));
			return 0;
		}
		from = size > (off_t)chunk ? size - (off_t)chunk : 0;
		n = (size_t)(size - from);
		if (read_at(a, from, n, e) < 0)
			return -1;
		p = a->tail.data;
		end = n;
		if (p[n - 1] != '\n') {
			/* A line cut short: never acknowledged, so it goes. */
			while (end > 0 && p[end - 1] != '\n')
				end--;
			if (end == 0 && from > 0) {
				if (chunk >= LINE_MAX_READ)
					goto notours;
				chunk *= 2;
				continue;
			}
			if (ftruncate(a->fd, from + (off_t)end) < 0)
				return io_err(a, e, "repair");
			continue;
		}
		start = end - 1;
		while (start > 0 && p[start - 1] != '\n')
			start--;
		if (start == 0 && from > 0) {
			if (chunk >= LINE_MAX_READ)
				goto notours;
			chunk *= 2;
			continue;
		}
		{
			const char *ignored;

			if (parse_line(p + start, end - 1 - start, seq, &ignored) < 0)
				goto notours;
		}
		return line_hash(p + start, end - 1 - start, prev, e);
	}
notours:
	return err_set(e, S3GC_E_VAULT, 0,
		       "audit trail '%s' ends with a line that is not a trail line: "
		       "nothing appended (see 's3gc-vault log --verify')", a->path);
}

static void clear_queue(struct audit *a)
{
	buf_reset(&a->bodies);
	a->n = 0;
}

int audit_flush(struct audit *a, struct s3gc_err *e)
{
	char prev[SHA256_HEX_LEN + 1];
	unsigned long long seq;
	size_t from = 0;
	int ret = -1;

	if (a->n == 0)
		return 0;
	while (flock(a->fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			io_err(a, e, "lock");
			clear_queue(a);
			return -1;
		}
	if (last_line(a, &seq, prev, e) < 0)
		goto out;
	buf_reset(&a->out);
	for (size_t i = 0; i < a->n; i++) {
		size_t line = a->out.len;

		if (buf_addf(&a->out, e, SEQ_FIELD "%llu,", ++seq) < 0 ||
		    buf_add(&a->out, a->bodies.data + from, a->ends[i] - from, e) < 0 ||
		    buf_adds(&a->out, PREV_FIELD, e) < 0 || buf_adds(&a->out, prev, e) < 0 ||
		    buf_adds(&a->out, "\"}", e) < 0 ||
		    line_hash(a->out.data + line, a->out.len - line, prev, e) < 0 ||
		    buf_addc(&a->out, '\n', e) < 0)
			goto out;
		from = a->ends[i];
	}
	if (fd_write_all(a->fd, a->out.data, a->out.len) < 0) {
		io_err(a, e, "write");
		goto out;
	}
	if (fdatasync(a->fd) < 0) {
		io_err(a, e, "sync");
		goto out;
	}
	ret = 0;
out:
	flock(a->fd, LOCK_UN);
	clear_queue(a);
	return ret;
}

int audit_verify(const char *path, unsigned long long *lines,
		 char last[SHA256_HEX_LEN + 1], struct s3gc_err *e)
{
	char want[SHA256_HEX_LEN + 1];
	unsigned long long n = 0, seq;
	size_t cap = 0;
	char *line = NULL;
	const char *prev;
	ssize_t len;
	FILE *f = fopen(path, "r");
	int ret = -1;

	if (!f)
		return err_sys(e, errno == ENOENT ? S3GC_E_NOINPUT : S3GC_E_VAULT, errno,
			       "cannot open audit trail '%s'", path);
	memcpy(want, zeros, sizeof(zeros));
	while ((len = getline(&line, &cap, f)) > 0) {
		n++;
		if (line[len - 1] != '\n') {
			err_set(e, S3GC_E_VAULT, 0,
				"audit trail '%s', line %llu: cut short (no newline)", path, n);
			goto out;
		}
		len--;
		if (parse_line(line, (size_t)len, &seq, &prev) < 0) {
			err_set(e, S3GC_E_VAULT, 0,
				"audit trail '%s', line %llu: not a trail line", path, n);
			goto out;
		}
		if (seq != n) {
			err_set(e, S3GC_E_VAULT, 0,
				"audit trail '%s', line %llu: numbered %llu (lines were removed or added)",
				path, n, seq);
			goto out;
		}
		if (memcmp(prev, want, SHA256_HEX_LEN) != 0) {
			err_set(e, S3GC_E_VAULT, 0,
				"audit trail '%s', line %llu: does not follow line %llu "
				"(one of them was changed)", path, n, n - 1);
			goto out;
		}
		if (line_hash(line, (size_t)len, want, e) < 0)
			goto out;
	}
	if (ferror(f)) {
		err_sys(e, S3GC_E_VAULT, errno, "cannot read audit trail '%s'", path);
		goto out;
	}
	if (lines)
		*lines = n;
	if (last)
		memcpy(last, want, sizeof(want));
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}
