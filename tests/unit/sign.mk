# tests/unit/sign.mk: tests of hashing, URI encoding, SigV4 and credentials

check_PROGRAMS += tests/unit/t-hash tests/unit/t-uri tests/unit/t-creds \
	tests/unit/t-sigv4 tests/unit/t-json tests/unit/t-sigv4-suite tests/unit/t-sigv4-s3 tests/unit/sigv4-gen
TESTS += tests/unit/t-hash tests/unit/t-uri tests/unit/t-creds tests/unit/t-sigv4 \
	tests/unit/t-json \
	tests/unit/sigv4-suite.sh tests/unit/sigv4-s3.sh tests/cli/sigv4-diff.sh
EXTRA_DIST += tests/unit/sigv4-suite.sh tests/unit/sigv4-s3.sh \
	tests/cli/sigv4-diff.sh

tests_unit_t_hash_SOURCES = tests/unit/t-hash.c tests/unit/tap.h
tests_unit_t_hash_LDADD = $(S3GC_LIBS)

tests_unit_t_uri_SOURCES = tests/unit/t-uri.c tests/unit/tap.h
tests_unit_t_uri_LDADD = $(S3GC_LIBS)

tests_unit_t_creds_SOURCES = tests/unit/t-creds.c tests/unit/tap.h
tests_unit_t_creds_LDADD = $(S3GC_LIBS)

tests_unit_t_sigv4_SOURCES = tests/unit/t-sigv4.c tests/unit/tap.h
tests_unit_t_sigv4_LDADD = $(S3GC_LIBS)

tests_unit_t_json_SOURCES = tests/unit/t-json.c tests/unit/json.c \
	tests/unit/json.h tests/unit/tap.h
tests_unit_t_json_LDADD = $(S3GC_LIBS)

# The two SigV4 runners read their data (the suite's folders, S3's examples
# as JSON) from paths given on the command line; the .sh wrappers find it.
tests_unit_t_sigv4_suite_SOURCES = tests/unit/t-sigv4-suite.c \
	tests/unit/json.c tests/unit/json.h tests/unit/tap.h \
	tests/unit/testutil.c tests/unit/testutil.h
tests_unit_t_sigv4_suite_LDADD = $(S3GC_LIBS)

tests_unit_t_sigv4_s3_SOURCES = tests/unit/t-sigv4-s3.c \
	tests/unit/json.c tests/unit/json.h tests/unit/tap.h \
	tests/unit/testutil.c tests/unit/testutil.h
tests_unit_t_sigv4_s3_LDADD = $(S3GC_LIBS)

# Not a test by itself: tests/cli/sigv4-diff.sh feeds its output to the SDK.
tests_unit_sigv4_gen_SOURCES = tests/unit/sigv4-gen.c
tests_unit_sigv4_gen_LDADD = $(S3GC_LIBS)
