# tests/unit/diff.mk: the listing against the reference store
check_PROGRAMS += tests/unit/t-diff
TESTS += tests/unit/t-diff
tests_unit_t_diff_SOURCES = tests/unit/t-diff.c tests/unit/refstest.h tests/unit/testutil.c \
	tests/unit/testutil.h tests/unit/tap.h
tests_unit_t_diff_LDADD = $(S3GC_LIBS)
check_PROGRAMS += tests/unit/t-keyset
TESTS += tests/unit/t-keyset
tests_unit_t_keyset_SOURCES = tests/unit/t-keyset.c tests/unit/tap.h
tests_unit_t_keyset_LDADD = $(S3GC_LIBS)
TESTS += tests/cli/diff.sh tests/cli/diff-leaks.sh
EXTRA_DIST += tests/cli/diff.sh tests/cli/diff-leaks.sh
