/* jsonr.c: reading a flat JSON object (see jsonr.h). */
#include "config.h"

#include <string.h>

#include "jsonr.h"
#include "utf8.h"

struct rd {
	const char *p;
	size_t n, i;
	struct s3gc_err *e;
};

static int bad(struct rd *r, const char *what)
{
	return err_set(r->e, S3GC_E_DATA, 0, "not a JSON object: %s at offset %zu", what, r->i);
}

static void ws(struct rd *r)
{
	while (r->i < r->n && strchr(" \t\r\n", r->p[r->i]) && r->p[r->i])
		r->i++;
}

static int hex4(struct rd *r, unsigned *u)
{
	*u = 0;
	for (int k = 0; k < 4; k++, r->i++) {
		char c = r->i < r->n ? r->p[r->i] : 0;

		*u <<= 4;
		if (c >= '0' && c <= '9')
			*u |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*u |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*u |= (unsigned)(c - 'A' + 10);
		else
			return bad(r, "a bad \\u escape");
	}
	return 0;
}

/* A string at r->i (its opening quote); decoded into out if not NULL. */
static int string(struct rd *r, struct buf *out)
{
	r->i++;
	while (r->i < r->n && r->p[r->i] != '"') {
		char c = r->p[r->i++];
		unsigned u;

		if ((unsigned char)c < 0x20)
			return bad(r, "a control character in a string");
		if (c != '\\') {
			if (out && buf_addc(out, c, r->e) < 0)
				return -1;
			continue;
		}
		if (r->i >= r->n)
			break;
		c = r->p[r->i++];
		switch (c) {
		case '"': case '\\': case '/': break;
		case 'b': c = '\b'; break;
		case 'f': c = '\f'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'u':
			if (hex4(r, &u) < 0)
				return -1;
			if (u >= 0xd800 && u < 0xdc00 && r->i + 1 < r->n && r->p[r->i] == '\\' &&
			    r->p[r->i + 1] == 'u') {
				unsigned lo;

				r->i += 2;
				if (hex4(r, &lo) < 0)
					return -1;
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (out && utf8_put(out, u, r->e) < 0)
				return -1;
			continue;
		default:
			return bad(r, "a bad escape");
		}
		if (out && buf_addc(out, c, r->e) < 0)
			return -1;
	}
	if (r->i >= r->n)
		return bad(r, "a string without its end");
	r->i++;
	return 0;
}

/* Any value at r->i; a scalar's text (a string decoded) into out if not NULL. */
static int value(struct rd *r, struct buf *out, int depth)
{
	size_t start = r->i;

	ws(r);
	if (r->i >= r->n)
		return bad(r, "a missing value");
	if (r->p[r->i] == '"')
		return string(r, out);
	if (r->p[r->i] == '{' || r->p[r->i] == '[') {
		char close = r->p[r->i] == '{' ? '}' : ']';

		if (depth > 32)
			return bad(r, "too deep");
		r->i++;
		ws(r);
		if (r->i < r->n && r->p[r->i] == close) {
			r->i++;
			return 0;
		}
		for (;;) {
			if (close == '}') {
				ws(r);
				if (r->i >= r->n || r->p[r->i] != '"' || string(r, NULL) < 0)
					return r->e->cls ? -1 : bad(r, "a member without a name");
				ws(r);
				if (r->i >= r->n || r->p[r->i++] != ':')
					return bad(r, "a missing ':'");
			}
			if (value(r, NULL, depth + 1) < 0)
				return -1;
			ws(r);
			if (r->i < r->n && r->p[r->i] == ',') {
				r->i++;
				continue;
			}
			if (r->i < r->n && r->p[r->i] == close) {
				r->i++;
				return 0;
			}
			return bad(r, "a missing ',' or end");
		}
	}
	start = r->i;
	while (r->i < r->n && strchr("-+.eE0123456789truefalsn", r->p[r->i]) && r->p[r->i])
		r->i++;
	if (r->i == start)
		return bad(r, "an unexpected character");
	return out ? buf_add(out, r->p + start, r->i - start, r->e) : 0;
}

int jsonr_get(const char *p, size_t n, const char *name, struct buf *out, int *found,
	      struct s3gc_err *e)
{
	struct rd r = { p, n, 0, e };
	struct buf key = BUF_INIT;
	int rc = -1;

	err_clear(e);
	*found = 0;
	buf_reset(out);
	ws(&r);
	if (r.i >= n || p[r.i++] != '{') {
		bad(&r, "no '{'");
		goto out;
	}
	ws(&r);
	if (r.i < n && p[r.i] == '}') {
		r.i++;
		goto end;
	}
	for (;;) {
		int want;

		ws(&r);
		buf_reset(&key);
		if (r.i >= n || p[r.i] != '"') {
			bad(&r, "a member without a name");
			goto out;
		}
		if (string(&r, &key) < 0)
			goto out;
		ws(&r);
		if (r.i >= n || p[r.i++] != ':') {
			bad(&r, "a missing ':'");
			goto out;
		}
		want = !*found && key.len == strlen(name) && !memcmp(key.data, name, key.len);
		if (value(&r, want ? out : NULL, 0) < 0)
			goto out;
		*found |= want;
		ws(&r);
		if (r.i < n && p[r.i] == ',') {
			r.i++;
			continue;
		}
		if (r.i < n && p[r.i] == '}') {
			r.i++;
			break;
		}
		bad(&r, "a missing ',' or '}'");
		goto out;
	}
end:
	ws(&r);
	if (r.i != n) {
		bad(&r, "text after the object");
		goto out;
	}
	rc = 0;
out:
	buf_release(&key);
	if (rc < 0) {
		*found = 0;
		buf_reset(out);
	}
	return rc;
}
