# tests/unit/records.mk: tests of records, configuration, time formats and UTF-8
RECORDS_TESTS = \
	tests/unit/t-rec \
	tests/unit/t-lines \
	tests/unit/t-conf \
	tests/unit/t-timefmt \
	tests/unit/t-utf8
check_PROGRAMS += $(RECORDS_TESTS)
TESTS += $(RECORDS_TESTS)
tests_unit_t_rec_LDADD = $(S3GC_LIBS)
tests_unit_t_lines_LDADD = $(S3GC_LIBS)
tests_unit_t_conf_LDADD = $(S3GC_LIBS)
tests_unit_t_timefmt_LDADD = $(S3GC_LIBS)
tests_unit_t_utf8_LDADD = $(S3GC_LIBS)
EXTRA_DIST += tests/fixtures/conf
