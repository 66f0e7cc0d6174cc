# tests/unit/pgoutput.mk: pgoutput decoding
check_PROGRAMS += tests/unit/t-pgoutput
TESTS += tests/unit/t-pgoutput
tests_unit_t_pgoutput_LDADD = $(S3GC_LIBS)
