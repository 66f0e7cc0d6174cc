check_PROGRAMS += tests/unit/t-pgcopy
TESTS += tests/unit/t-pgcopy
tests_unit_t_pgcopy_LDADD = $(S3GC_LIBS)
