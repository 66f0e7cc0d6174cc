# tests/unit/normalise.mk: the value normaliser and array parsers
check_PROGRAMS += tests/unit/t-normalise
TESTS += tests/unit/t-normalise
tests_unit_t_normalise_LDADD = $(S3GC_LIBS)
