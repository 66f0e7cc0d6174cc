# tests/unit/vault.mk: operation ids and the audit trail
check_PROGRAMS += tests/unit/t-ulid tests/unit/t-audit
TESTS += tests/unit/t-ulid tests/unit/t-audit
tests_unit_t_ulid_SOURCES = tests/unit/t-ulid.c tests/unit/tap.h
tests_unit_t_ulid_LDADD = $(S3GC_LIBS)
tests_unit_t_audit_SOURCES = tests/unit/t-audit.c tests/unit/json.c \
	tests/unit/json.h tests/unit/tap.h
tests_unit_t_audit_LDADD = $(S3GC_LIBS)
