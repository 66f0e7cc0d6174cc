/*
 * ulid.h: operation ids, ULIDs (https://github.com/ulid/spec): 48 bits
 * of Unix time in milliseconds and 80 random bits, written as 26
 * characters of Crockford's base32 (upper case), so that ids sort by time
 * as strings.
 */
#ifndef S3GC_ULID_H
#define S3GC_ULID_H

#include <stdint.h>

#include "err.h"

#define ULID_LEN 26
#define ULID_MAX_MS ((uint64_t)1 << 48) /* times below this */

/*
 * A new ULID into out (26 characters and a NUL). Within one process the
 * ids only grow: a second id in the same millisecond is the first plus
 * one (and when the random part would overflow, the next millisecond is
 * waited for). Thread-safe. -1 with S3GC_E_SYS when no random bytes can
 * be had.
 */
int ulid_new(char out[ULID_LEN + 1], struct s3gc_err *e);

/* The ULID of time ms (below ULID_MAX_MS) and random part rnd, into out. */
void ulid_encode(uint64_t ms, const unsigned char rnd[10],
		 char out[ULID_LEN + 1]);

/*
 * Read the n bytes at s as a ULID: 26 characters of the alphabet, upper
 * or lower case, the first at most '7' (48 bits of time). On success,
 * writes the canonical (upper case) form into out and returns 0; -1 with
 * S3GC_E_DATA naming what is wrong otherwise. out may be NULL.
 */
int ulid_parse(const char *s, size_t n, char out[ULID_LEN + 1],
	       struct s3gc_err *e);

/* The time in milliseconds of a canonical ULID. */
uint64_t ulid_time_ms(const char *ulid);

#endif
