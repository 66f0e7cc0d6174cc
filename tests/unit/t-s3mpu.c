/* t-s3mpu.c: multipart uploads: part sizes, and reading the answers. */
#include "config.h"

#include <string.h>

#include "s3mpu.h"
#include "tap.h"

#define MIB (1ULL << 20)

int main(void)
{
	char root[64], id[S3MPU_MAX_ID + 1], etag[100], small[8];
	const char *const names[] = { "UploadId", "ETag" };
	char *const vals[] = { id, etag };
	char *const cut[] = { small };
	struct s3gc_err e;
	static const char init[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		"<Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE&amp;x</UploadId>"
		"</InitiateMultipartUploadResult>";
	static const char done[] =
		"<CompleteMultipartUploadResult><Location>http://x/b/k</Location>"
		"<Bucket>b</Bucket><Key>k</Key><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;"
		"</ETag></CompleteMultipartUploadResult>";
	static const char nested[] =
		"<R><Part><ETag>inner</ETag></Part><ETag>outer</ETag></R>";

	tap_is_int(s3mpu_part_size(100 * MIB, 16 * MIB), 16 * MIB, "16 MiB parts for 100 MiB");
	tap_is_int(s3mpu_part_size(100 * MIB, 1 * MIB), S3MPU_MIN_PART, "at least 5 MiB");
	tap_is_int(s3mpu_part_size(10 * MIB, 8ULL << 30), S3MPU_MAX_PART, "at most 5 GiB");
	tap_is_int(s3mpu_part_size(10000 * 16 * MIB, 16 * MIB), 16 * MIB,
		   "10,000 parts of 16 MiB exactly: 16 MiB");
	tap_is_int(s3mpu_part_size(10000 * 16 * MIB + 1, 16 * MIB), 17 * MIB,
		   "a byte more: raised to 17 MiB");
	tap_ok(s3mpu_part_size(5ULL << 40, 16 * MIB) * S3MPU_MAX_PARTS >= (5ULL << 40),
	       "5 TiB fits in 10,000 parts");
	tap_is_int(s3mpu_part_size(5ULL << 40, 16 * MIB) % MIB, 0, "in whole MiB");

	tap_ok(s3mpu_parse(init, strlen(init), root, sizeof root, names, vals, 2, sizeof id, &e) == 0,
	       "InitiateMultipartUploadResult");
	tap_is_str(root, "InitiateMultipartUploadResult", "its root, without the namespace");
	tap_is_str(id, "VXBsb2FkIElE&x", "UploadId, entities decoded");
	tap_is_str(etag, "", "an absent field is empty");
	tap_ok(s3mpu_parse(done, strlen(done), root, sizeof root, names, vals, 2, sizeof id, &e) == 0 &&
	       !strcmp(etag, "\"3858f62230ac3c915f300c664312c11f-9\""), "the ETag of the result: %s",
	       etag);
	tap_ok(s3mpu_parse(nested, strlen(nested), root, sizeof root, names + 1, vals + 1, 1,
			   sizeof etag, &e) == 0 && !strcmp(etag, "outer"),
	       "only the root's own children: %s", etag);
	tap_ok(s3mpu_parse(init, strlen(init), root, sizeof root, names, cut, 1, sizeof small, &e) == 0 &&
	       !strcmp(small, "VXBsb2F"), "a long field is cut to fit: %s", small);
	tap_ok(s3mpu_parse(init, 60, root, sizeof root, names, vals, 2, sizeof id, &e) < 0 &&
	       e.cls == S3GC_E_S3 && strstr(e.msg, "not well-formed"), "cut short: %s", e.msg);
	tap_ok(s3mpu_parse("", 0, root, sizeof root, names, vals, 2, sizeof id, &e) < 0 &&
	       strstr(e.msg, "empty"), "empty: %s", e.msg);
	return tap_done();
}
