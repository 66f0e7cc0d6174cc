/*
 * s3del.h: the documents of DeleteObjects (POST /bucket?delete): the
 * request body, each object with the ETag it must still have, and the
 * DeleteResult answer, key by key.
 */
#ifndef S3GC_S3DEL_H
#define S3GC_S3DEL_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define S3DEL_MAX 1000        /* objects in one request */
#define S3DEL_MD5_B64_LEN 24  /* base64 of an MD5 */

struct s3del_obj {
	const char *key;
	size_t keylen;
	const char *etag; /* lowercase hex, no quotes; NULL: no condition */
};

/*
 * Whether a key can travel in the XML of DeleteObjects: XML 1.0 has no
 * way to write most control characters (or U+FFFE, U+FFFF), so such a
 * key must be deleted on its own (DELETE with If-Match). key is UTF-8.
 */
int s3del_xml_ok(const char *key, size_t n);

/*
 * The body for objs[0..n) (1..S3DEL_MAX, every key s3del_xml_ok) into
 * out, and its Content-MD5 (base64, NUL-terminated) into md5. quiet asks
 * the server to leave the deleted keys out of its answer.
 */
int s3del_body(const struct s3del_obj *objs, size_t n, int quiet,
	       struct buf *out, char md5[S3DEL_MD5_B64_LEN + 1],
	       struct s3gc_err *e);

/*
 * Called for each <Deleted> (code NULL) and <Error> (code and message,
 * "" when absent) of an answer, in document order; key is NUL-terminated
 * too. A return < 0 stops.
 */
typedef int s3del_fn(void *arg, const char *key, size_t keylen,
		     const char *code, const char *msg, struct s3gc_err *e);

/*
 * Read a DeleteResult. Entries are handed over only once the whole
 * document has been read and found well-formed: an answer cut short or
 * malformed, or an <Error> document in its place, is S3GC_E_S3 and no
 * entry is reported. An entry without a <Key> is S3GC_E_S3 too.
 */
int s3del_parse(const char *xml, size_t n, s3del_fn *fn, void *arg,
		struct s3gc_err *e);

#endif
