/* uri.c: SigV4's UriEncode and a strict percent-decoder. */
#include "config.h"

#include "uri.h"

static int is_unreserved(unsigned char c)
{
	/* Locale-free on purpose: isalnum() would vary with LC_CTYPE. */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

int uri_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int uri_encode(struct buf *out, const char *s, size_t n, int keep_slash,
	       struct s3gc_err *e)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;

	/* At most three bytes out per byte in; grow once, not per byte. */
	if (n > ((size_t)-1 - 1) / 3)
		return err_set(e, S3GC_E_DATA, 0, "string too long to encode");
	if (buf_grow(out, 3 * n, e) < 0)
		return -1;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			out->data[out->len++] = (char)c;
		} else {
			out->data[out->len++] = '%';
			out->data[out->len++] = hex[c >> 4];
			out->data[out->len++] = hex[c & 15];
		}
	}
	out->data[out->len] = '\0';
	return 0;
}

int uri_decode(struct buf *out, const char *s, size_t n, int plus_is_space,
	       struct s3gc_err *e)
{
	size_t start = out->len;

	if (buf_grow(out, n, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '%') {
			hi = i + 1 < n ? uri_hexval((unsigned char)s[i + 1]) : -1;
			lo = i + 2 < n ? uri_hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				/* Leave the buffer as it was: no half-decoded output. */
				out->len = start;
				out->data[start] = '\0';
				return err_set(e, S3GC_E_DATA, 0,
					       "bad percent-escape at offset %zu", i);
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		out->data[out->len++] = (char)c;
	}
	out->data[out->len] = '\0';
	return 0;
}
