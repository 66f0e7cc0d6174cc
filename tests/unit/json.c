/* json.c: a small strict JSON reader (RFC 8259) for the test programs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_DEPTH_MAX 64

struct jp {
	const unsigned char *s;
	size_t n, i;
	int depth;
	char *err;
	size_t errlen;
};

static struct json *parse_value(struct jp *p);

static void *fail(struct jp *p, const char *what)
{
	if (p->err && !p->err[0])
		snprintf(p->err, p->errlen, "%s at offset %zu", what, p->i);
	return NULL;
}

static void skip_ws(struct jp *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static int peek(struct jp *p)
{
	return p->i < p->n ? p->s[p->i] : -1;
}

static struct json *new_value(enum json_type t)
{
	struct json *j = calloc(1, sizeof(*j));

	if (j)
		j->type = t;
	return j;
}

/* Append to a growable byte string (strings are built byte by byte). */
static int put(char **s, size_t *len, size_t *cap, const void *b, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char *q;
		while (c < *len + n + 1)
			c *= 2;
		q = realloc(*s, c);
		if (!q)
			return -1;
		*s = q;
		*cap = c;
	}
	memcpy(*s + *len, b, n);
	*len += n;
	(*s)[*len] = '\0';
	return 0;
}

static int hex4(struct jp *p, unsigned *out)
{
	*out = 0;
	for (int k = 0; k < 4; k++) {
		int c = peek(p), v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return -1;
		*out = *out << 4 | (unsigned)v;
		p->i++;
	}
	return 0;
}

static size_t utf8_put(unsigned cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* \uXXXX, with a high surrogate required to be followed by a low one. */
static int unicode_escape(struct jp *p, char *o, size_t *olen)
{
	unsigned cp, lo;

	if (hex4(p, &cp) < 0)
		return fail(p, "bad \\u escape"), -1;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(p, "lone low surrogate"), -1;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (peek(p) != '\\' || p->i + 1 >= p->n || p->s[p->i + 1] != 'u')
			return fail(p, "high surrogate without a low one"), -1;
		p->i += 2;
		if (hex4(p, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return fail(p, "bad low surrogate"), -1;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	*olen = utf8_put(cp, o);
	return 0;
}

static int escape(struct jp *p, char *o, size_t *olen)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	int c = peek(p);
	const char *k;

	p->i++;
	if (c == 'u')
		return unicode_escape(p, o, olen);
	k = c > 0 ? strchr(from, c) : NULL;
	if (!k)
		return fail(p, "bad escape"), -1;
	o[0] = to[k - from];
	*olen = 1;
	return 0;
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 (overlongs and surrogates refused). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 :
		     c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;

	if (len <= 1 || len > n)
		return len > n ? 0 : len;
	cp = c & (0xFF >> (len + 1));
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

static int parse_string_into(struct jp *p, char **out, size_t *outlen)
{
	char *s = NULL, tmp[4];
	size_t len = 0, cap = 0, k;

	p->i++; /* the opening quote */
	if (put(&s, &len, &cap, "", 0) < 0)
		return -1;
	for (;;) {
		int c = peek(p);
		if (c < 0 || c < 0x20) {
			fail(p, c < 0 ? "unterminated string" : "control character in string");
			break;
		}
		if (c == '"') {
			p->i++;
			*out = s;
			*outlen = len;
			return 0;
		}
		if (c == '\\') {
			p->i++;
			if (escape(p, tmp, &k) < 0 || put(&s, &len, &cap, tmp, k) < 0)
				break;
			continue;
		}
		k = utf8_len(p->s + p->i, p->n - p->i);
		if (!k) {
			fail(p, "invalid UTF-8 in string");
			break;
		}
		if (put(&s, &len, &cap, p->s + p->i, k) < 0)
			break;
		p->i += k;
	}
	free(s);
	return -1;
}

static struct json *parse_string(struct jp *p)
{
	struct json *j = new_value(JSON_STRING);

	if (!j || parse_string_into(p, &j->str, &j->len) < 0) {
		free(j);
		return NULL;
	}
	return j;
}

static size_t digits(struct jp *p)
{
	size_t start = p->i;

	while (peek(p) >= '0' && peek(p) <= '9')
		p->i++;
	return p->i - start;
}

static struct json *parse_number(struct jp *p)
{
	size_t start = p->i, nd;
	char tmp[64];
	struct json *j;

	if (peek(p) == '-')
		p->i++;
	if (peek(p) == '0') {
		p->i++;
		if (peek(p) >= '0' && peek(p) <= '9')
			return fail(p, "leading zero");
	} else if (digits(p) == 0) {
		return fail(p, "bad number");
	}
	if (peek(p) == '.' && (p->i++, digits(p) == 0))
		return fail(p, "bad fraction");
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->i++;
		if (peek(p) == '+' || peek(p) == '-')
			p->i++;
		if (digits(p) == 0)
			return fail(p, "bad exponent");
	}
	nd = p->i - start;
	if (nd >= sizeof(tmp))
		return fail(p, "number too long");
	memcpy(tmp, p->s + start, nd);
	tmp[nd] = '\0';
	j = new_value(JSON_NUMBER);
	if (j)
		j->number = strtod(tmp, NULL);
	return j;
}

static struct json *parse_word(struct jp *p, const char *w, enum json_type t, int b)
{
	size_t n = strlen(w);
	struct json *j;

	if (p->n - p->i < n || memcmp(p->s + p->i, w, n) != 0)
		return fail(p, "unexpected character");
	p->i += n;
	j = new_value(t);
	if (j)
		j->boolean = b;
	return j;
}

static int push(struct json *j, struct json *item, char *key)
{
	struct json **items = realloc(j->items, (j->n + 1) * sizeof(*items));
	char **keys;

	if (!items)
		return -1;
	j->items = items;
	if (j->type == JSON_OBJECT) {
		keys = realloc(j->keys, (j->n + 1) * sizeof(*keys));
		if (!keys)
			return -1;
		j->keys = keys;
		keys[j->n] = key;
	}
	items[j->n++] = item;
	return 0;
}

/* One "key": value member of an object, appended to j. */
static int parse_member(struct jp *p, struct json *j)
{
	char *key = NULL;
	size_t klen;
	struct json *v;

	skip_ws(p);
	if (peek(p) != '"')
		return fail(p, "expected a key"), -1;
	if (parse_string_into(p, &key, &klen) < 0)
		return -1;
	skip_ws(p);
	if (peek(p) != ':') {
		free(key);
		return fail(p, "expected ':'"), -1;
	}
	p->i++;
	v = parse_value(p);
	if (!v || push(j, v, key) < 0) {
		json_free(v);
		free(key);
		return -1;
	}
	return 0;
}

static struct json *parse_container(struct jp *p, enum json_type t)
{
	char close = t == JSON_ARRAY ? ']' : '}';
	struct json *j = new_value(t), *v = NULL;

	if (!j || ++p->depth > JSON_DEPTH_MAX) {
		free(j);
		return fail(p, "nested too deeply");
	}
	p->i++;
	skip_ws(p);
	if (peek(p) == close)
		goto done;
	for (;;) {
		if (t == JSON_OBJECT && parse_member(p, j) < 0)
			goto bad;
		if (t == JSON_ARRAY && (!(v = parse_value(p)) || push(j, v, NULL) < 0)) {
			json_free(v);
			goto bad;
		}
		skip_ws(p);
		if (peek(p) == close)
			break;
		if (peek(p) != ',') {
			fail(p, "expected ',' or a closing bracket");
			goto bad;
		}
		p->i++;
	}
done:
	p->i++;
	p->depth--;
	return j;
bad:
	json_free(j);
	return NULL;
}

static struct json *parse_value(struct jp *p)
{
	int c;

	skip_ws(p);
	c = peek(p);
	if (c == '{')
		return parse_container(p, JSON_OBJECT);
	if (c == '[')
		return parse_container(p, JSON_ARRAY);
	if (c == '"')
		return parse_string(p);
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p);
	if (c == 't')
		return parse_word(p, "true", JSON_BOOL, 1);
	if (c == 'f')
		return parse_word(p, "false", JSON_BOOL, 0);
	if (c == 'n')
		return parse_word(p, "null", JSON_NULL, 0);
	return fail(p, c < 0 ? "unexpected end of input" : "unexpected character");
}

struct json *json_parse(const char *s, size_t n, char *err, size_t errlen)
{
	struct jp p = { (const unsigned char *)s, n, 0, 0, err, errlen };
	struct json *j;

	if (err && errlen)
		err[0] = '\0';
	j = parse_value(&p);
	if (!j)
		return NULL;
	skip_ws(&p);
	if (p.i != n) {
		json_free(j);
		return fail(&p, "trailing data");
	}
	return j;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

const struct json *json_get(const struct json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	/* The last of duplicate keys wins, as in most readers. */
	for (size_t i = j->n; i-- > 0;)
		if (strcmp(j->keys[i], key) == 0)
			return j->items[i];
	return NULL;
}

const char *json_str(const struct json *j, const char *key)
{
	const struct json *v = json_get(j, key);

	return v && v->type == JSON_STRING ? v->str : NULL;
}
