# tests/unit/pgoutput.mk: pgoutput decoding
check_PROGRAMS += tests/unit/t-pgoutput
TESTS += tests/unit/t-pgoutput
tests_unit_t_pgoutput_LDADD = $(S3GC_LIBS)
tests_unit_t_pgoutput_SOURCES = tests/unit/t-pgoutput.c tests/unit/testutil.c tests/unit/testutil.h
