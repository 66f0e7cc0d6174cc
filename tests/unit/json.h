/* json.h: a small strict JSON reader for the tests (not part of libs3gc). */
#ifndef S3GC_TEST_JSON_H
#define S3GC_TEST_JSON_H

#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

/*
 * A parsed value. Strings are UTF-8 and NUL-terminated, but may also hold
 * NULs (from \u0000): len is authoritative. Objects keep their members in
 * file order, keys[i] naming items[i]. Everything is owned by the root,
 * freed with json_free.
 */
struct json {
	enum json_type type;
	int boolean;
	double number;
	char *str;
	size_t len;
	struct json **items;
	char **keys;
	size_t n;
};

/*
 * Parse exactly one value from s[0..n) (surrounding whitespace allowed).
 * Returns NULL on any error, with a message naming the offset in err.
 */
struct json *json_parse(const char *s, size_t n, char *err, size_t errlen);
void json_free(struct json *j);

/* The member of an object called key; NULL if j is no object or has none. */
const struct json *json_get(const struct json *j, const char *key);
/* The string member called key; NULL if missing or not a string. */
const char *json_str(const struct json *j, const char *key);

#endif
