/*
 * conf_keys.h: internal, between conf.c and conf_keys.c: the global keys
 * of s3gc.conf(5), which conf_keys.c checks and sets, and the helpers both
 * files use. Everything else uses conf.h.
 */
#ifndef S3GC_CONF_KEYS_H
#define S3GC_CONF_KEYS_H

#include <stddef.h>

#include "conf.h"

#define CONF_NKEYS 11 /* bucket ... schedule */
#define SHOW_MAX 80   /* how much of a bad value a message repeats */

/*
 * Set the global key named key from value, through the key's setter:
 * 0, or -1 with e set (S3GC_E_CONFIG naming origin: an unknown key, with
 * a guess, or a bad value; S3GC_E_SYS when out of memory). Strings are
 * copied into heap memory that c owns (conf_release).
 * key_line is NULL, or one file's CONF_NKEYS line numbers, 0 for keys it
 * has not set: then a key that may be set only once, set already, is a
 * "duplicate key" error; otherwise its line becomes lineno.
 */
int conf_key_set(struct conf *c, const char *key, const char *value,
		 const char *origin, unsigned long *key_line,
		 unsigned long lineno, struct s3gc_err *e);

/*
 * The environment variables of key k (0 <= k < CONF_NKEYS) in the order
 * they are tried, the first non-empty one winning: the j-th one's name
 * (j from 0), with the key's name in *key; NULL after the last. Both are
 * static strings: the caller frees nothing.
 */
const char *conf_key_env(size_t k, size_t j, const char **key);

/* ' ', '\t', '\r', '\f' and '\v': blanks other than LF. */
int conf_is_ws(char ch);

/* '0' to '9'. */
int conf_is_digit(char ch);

/*
 * v as a message repeats it, written into the caller's dst[size] (4 *
 * SHOW_MAX + 8 bytes hold any): control bytes escaped, long ones cut.
 * Returns dst.
 */
const char *conf_show(char *dst, size_t size, const char *v);

/*
 * A key or table name likewise, also cut at its first ':', '/' or '@' (a
 * "key" may run into a connection string's password). Returns dst.
 */
const char *conf_show_name(char *dst, size_t size, const char *name);

/*
 * Free *slot (heap or NULL) and put a heap copy of v there, which the
 * owner of *slot frees. 0, or -1 (S3GC_E_SYS) with *slot unchanged.
 */
int conf_replace(char **slot, const char *v, struct s3gc_err *e);

/* Zero, then free, a heap string that may hold a password; NULL is fine. */
void conf_free_secret(char *s);

/* The backend a cdc_connection_url value is for; CONF_CDC_NONE: neither. */
enum conf_cdc conf_url_backend(const char *v);

#endif
