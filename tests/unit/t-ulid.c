/* t-ulid.c: operation ids. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "tap.h"
#include "ulid.h"

int main(void)
{
	unsigned char zero[10] = { 0 }, ones[10], rnd[10] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23 };
	char id[ULID_LEN + 1], prev[ULID_LEN + 1], canon[ULID_LEN + 1];
	struct s3gc_err e;
	int sorted = 1, valid = 1;

	memset(ones, 0xff, sizeof ones);
	/* The spec's example time: 1469918176385 is 01ARYZ6S41. */
	ulid_encode(1469918176385ULL, zero, id);
	tap_ok(strcmp(id, "01ARYZ6S410000000000000000") == 0, "time 1469918176385: %s", id);
	ulid_encode(ULID_MAX_MS - 1, ones, id);
	tap_ok(strcmp(id, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == 0, "the largest: %s", id);
	ulid_encode(0, rnd, id);
	tap_ok(strcmp(id, "000000000004HMASW9NF6YY093") == 0,
	       "random part 0123456789abcdef0123: %s", id);
	tap_ok(ulid_time_ms("01ARYZ6S410000000000000000") == 1469918176385ULL,
	       "time read back");

	tap_ok(ulid_parse("01arYZ6s41tsv4rrffq69g5fav", 26, canon, &e) == 0 &&
	       strcmp(canon, "01ARYZ6S41TSV4RRFFQ69G5FAV") == 0, "lower case is read: %s", canon);
	tap_ok(ulid_parse("01ARYZ6S41TSV4RRFFQ69G5FA", 25, NULL, &e) < 0 &&
	       e.cls == S3GC_E_DATA && strstr(e.msg, "25 characters"), "too short: %s", e.msg);
	tap_ok(ulid_parse("01ARYZ6S41TSV4RRFFQ69G5FAU", 26, NULL, &e) < 0 &&
	       strstr(e.msg, "character 26"), "U is not a digit: %s", e.msg);
	tap_ok(ulid_parse("81ARYZ6S41TSV4RRFFQ69G5FAV", 26, NULL, &e) < 0 &&
	       strstr(e.msg, "out of range"), "time past 2^48: %s", e.msg);
	tap_ok(ulid_parse("01ARYZ6S41TSV4RRFFQ69G5F\0V", 26, NULL, &e) < 0,
	       "a NUL is not a digit");

	tap_ok(ulid_new(prev, &e) == 0 && ulid_parse(prev, strlen(prev), NULL, &e) == 0,
	       "a new id: %s", prev);
	for (int i = 0; i < 100000; i++) {
		if (ulid_new(id, &e) < 0 || ulid_parse(id, strlen(id), NULL, &e) < 0)
			valid = 0;
		if (strcmp(prev, id) >= 0)
			sorted = 0;
		memcpy(prev, id, sizeof id);
	}
	tap_ok(valid, "100,000 new ids are valid");
	tap_ok(sorted, "and each is greater than the one before (same millisecond too)");
	{
		uint64_t t = ulid_time_ms(id), now = (uint64_t)time(NULL) * 1000;

		tap_ok(t + 60000 > now && t < now + 60000, "its time is now (%llu)",
		       (unsigned long long)t);
	}
	return tap_done();
}
