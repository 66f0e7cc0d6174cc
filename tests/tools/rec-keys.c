/*
 * rec-keys: a test helper. Reads object records on stdin, checks they are
 * strictly ordered by raw key bytes, and writes each key on its own line
 * still encoded (--encoded, default) or raw and NUL-terminated (--raw0).
 * Exit 0, or 1 naming the first record out of order, 65 on bad input.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "keyspace.h"
#include "rec.h"

int main(int argc, char **argv)
{
	struct rec_reader rd;
	struct rec r;
	struct obj o;
	struct buf prev = BUF_INIT, enc = BUF_INIT;
	struct s3gc_err e;
	int raw0 = argc > 1 && !strcmp(argv[1], "--raw0"), rc, first = 1;

	rec_reader_init(&rd, stdin, "-", 0);
	while ((rc = rec_read(&rd, &r, &e)) == 1) {
		if (obj_from_rec(&rd, &r, &o, &e) < 0)
			break;
		if (!first && ks_cmp(o.key, o.key_len, prev.data, prev.len) <= 0) {
			fprintf(stderr, "rec-keys: line %lu: key out of order\n", r.lineno);
			return 1;
		}
		first = 0;
		buf_reset(&prev);
		buf_add(&prev, o.key, o.key_len, &e);
		if (raw0) {
			fwrite(o.key, 1, o.key_len, stdout);
			putchar('\0');
		} else {
			buf_reset(&enc);
			rec_encode(&enc, o.key, o.key_len, &e);
			puts(buf_str(&enc));
		}
	}
	if (rc < 0) {
		fprintf(stderr, "rec-keys: %s\n", e.msg);
		return 65;
	}
	buf_release(&prev);
	buf_release(&enc);
	rec_reader_release(&rd);
	return 0;
}
