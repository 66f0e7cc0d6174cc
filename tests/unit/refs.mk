# tests/unit/refs.mk: tests of the reference store
check_PROGRAMS += tests/unit/t-refs
TESTS += tests/unit/t-refs
tests_unit_t_refs_LDADD = $(S3GC_LIBS)
tests_unit_t_refs_SOURCES = tests/unit/refstest.h tests/unit/t-refs.c tests/unit/testutil.c tests/unit/testutil.h
check_PROGRAMS += tests/unit/t-refs-handle
TESTS += tests/unit/t-refs-handle
tests_unit_t_refs_handle_LDADD = $(S3GC_LIBS)
tests_unit_t_refs_handle_SOURCES = tests/unit/refstest.h tests/unit/t-refs-handle.c tests/unit/testutil.c tests/unit/testutil.h
check_PROGRAMS += tests/unit/t-refs-rebuild
TESTS += tests/unit/t-refs-rebuild
tests_unit_t_refs_rebuild_LDADD = $(S3GC_LIBS)
tests_unit_t_refs_rebuild_SOURCES = tests/unit/refstest.h tests/unit/t-refs-rebuild.c tests/unit/testutil.c tests/unit/testutil.h
check_PROGRAMS += tests/unit/t-refs-bulk
TESTS += tests/unit/t-refs-bulk
tests_unit_t_refs_bulk_LDADD = $(S3GC_LIBS)
tests_unit_t_refs_bulk_SOURCES = tests/unit/t-refs-bulk.c tests/unit/testutil.c tests/unit/testutil.h
