/* jsonw.c: writing JSON strings (see jsonw.h). */
#include "config.h"

#include <string.h>

#include "jsonw.h"
#include "utf8.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t seq_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xc0 ? 0 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf8 ? 4 : 0;

	if (len == 0 || len > n || !utf8_valid((const char *)s, len, NULL))
		return 0;
	return len;
}

int jsonw_str(struct buf *b, const char *s, size_t n, struct s3gc_err *e)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (buf_addc(b, '"', e) < 0)
		return -1;
	while (i < n) {
		unsigned char c = p[i];
		char esc[8];
		size_t elen = 0, len = 1;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			len = seq_len(p + i, n - i);
			if (len) {
				i += len;
				run += len;
				continue;
			}
			len = 1;
			memcpy(esc, "\xef\xbf\xbd", 3); /* U+FFFD */
			elen = 3;
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c, elen = 2;
		} else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f';
			elen = 2;
		} else { /* other controls and DEL */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if ((run && buf_add(b, s + i - run, run, e) < 0) ||
		    buf_add(b, esc, elen, e) < 0)
			return -1;
		run = 0;
		i += len;
	}
	if (run && buf_add(b, s + n - run, run, e) < 0)
		return -1;
	return buf_addc(b, '"', e);
}

int jsonw_field_str(struct buf *b, const char *name, const char *s, size_t n,
		    int first, struct s3gc_err *e)
{
	if ((!first && buf_addc(b, ',', e) < 0) ||
	    jsonw_str(b, name, strlen(name), e) < 0 || buf_addc(b, ':', e) < 0)
		return -1;
	return jsonw_str(b, s, n, e);
}
