check_PROGRAMS += tests/unit/t-extsort
TESTS += tests/unit/t-extsort
tests_unit_t_extsort_LDADD = $(S3GC_LIBS)
