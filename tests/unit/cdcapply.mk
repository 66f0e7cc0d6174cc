check_PROGRAMS += tests/unit/t-cdc-apply
TESTS += tests/unit/t-cdc-apply
tests_unit_t_cdc_apply_LDADD = $(S3GC_LIBS)
tests_unit_t_cdc_apply_SOURCES = tests/unit/t-cdc-apply.c tests/unit/testutil.c tests/unit/testutil.h
