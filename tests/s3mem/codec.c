/* codec.c - text codecs (see codec.h). */
#include "codec.h"

#include <string.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int url_decode(const char *in, size_t n, struct buf *out, int plus_is_space)
{
	buf_reserve(out, n);
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval((unsigned char)in[i + 1])) < 0 ||
			    (l = hexval((unsigned char)in[i + 2])) < 0)
				return -1;
			c = (char)(h << 4 | l);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		out->p[out->len++] = c;
	}
	out->p[out->len] = 0;
	return 0;
}

static int upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

int rec_decode(const char *in, size_t n, struct buf *out)
{
	buf_reserve(out, n);
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == '%') {
			/* Lowercase hex is not canonical, so it is refused. */
			if (i + 2 >= n || !upper_hex(in[i + 1]) || !upper_hex(in[i + 2]))
				return -1;
			c = (char)(hexval((unsigned char)in[i + 1]) << 4 |
				   hexval((unsigned char)in[i + 2]));
			i += 2;
		}
		out->p[out->len++] = c;
	}
	out->p[out->len] = 0;
	return 0;
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *in, size_t n, struct buf *out)
{
	const unsigned char *p = in;
	buf_reserve(out, (n + 2) / 3 * 4);
	char *o = out->p + out->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		*o++ = b64[v >> 18];
		*o++ = b64[v >> 12 & 63];
		*o++ = b64[v >> 6 & 63];
		*o++ = b64[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		*o++ = b64[v >> 18];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	out->len = (size_t)(o - out->p);
	out->p[out->len] = 0;
}

int base64_decode(const char *in, size_t n, struct buf *out)
{
	if (n % 4)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		unsigned v = 0;
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			const char *q = in[i + j] ? strchr(b64, in[i + j]) : NULL;
			if (in[i + j] == '=' && i + 4 == n && j >= 2) {
				pad++;
				v <<= 6;
				continue;
			}
			if (!q || pad)
				return -1;
			v = v << 6 | (unsigned)(q - b64);
		}
		char t[3] = { (char)(v >> 16), (char)(v >> 8), (char)v };
		buf_add(out, t, (size_t)(3 - pad));
	}
	return 0;
}

void hex_lower(const unsigned char *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}

static void add_utf8(struct buf *out, unsigned long cp)
{
	char t[4];
	size_t n;
	if (cp < 0x80) {
		t[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xC0 | cp >> 6);
		t[1] = (char)(0x80 | (cp & 63));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | cp >> 12);
		t[1] = (char)(0x80 | (cp >> 6 & 63));
		t[2] = (char)(0x80 | (cp & 63));
		n = 3;
	} else {
		t[0] = (char)(0xF0 | cp >> 18);
		t[1] = (char)(0x80 | (cp >> 12 & 63));
		t[2] = (char)(0x80 | (cp >> 6 & 63));
		t[3] = (char)(0x80 | (cp & 63));
		n = 4;
	}
	buf_add(out, t, n);
}

/* Decodes the entity body between '&' and ';' (e.g. "amp", "#x41"). */
static int entity(const char *e, size_t n, struct buf *out)
{
	static const struct { const char *name; char c; } named[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strlen(named[i].name) == n && !memcmp(named[i].name, e, n)) {
			buf_addc(out, named[i].c);
			return 0;
		}
	if (n < 2 || e[0] != '#')
		return -1;
	int hex = e[1] == 'x';
	size_t i = hex ? 2 : 1;
	if (i >= n)
		return -1;
	unsigned long cp = 0;
	for (; i < n; i++) {
		int v = hexval((unsigned char)e[i]);
		if (v < 0 || (!hex && v > 9))
			return -1;
		cp = cp * (hex ? 16 : 10) + (unsigned long)v;
		if (cp > 0x10FFFF)
			return -1;
	}
	add_utf8(out, cp);
	return 0;
}

int xml_unescape(const char *in, size_t n, struct buf *out)
{
	buf_reserve(out, n);
	for (size_t i = 0; i < n; i++) {
		if (in[i] != '&') {
			buf_addc(out, in[i]);
			continue;
		}
		const char *semi = memchr(in + i, ';', n - i);
		if (!semi || entity(in + i + 1, (size_t)(semi - in) - i - 1, out) < 0)
			return -1;
		i = (size_t)(semi - in);
	}
	return 0;
}
