# tests/local.mk: unit tests (C, TAP) and command-line tests (shell, TAP)
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	S3GC_TESTDATA="$${S3GC_TESTDATA:-$(abs_top_srcdir)/../shared/testdata}"; \
	export top_srcdir top_builddir S3GC_TESTDATA; \
	if test -n "$${S3GC_NODE_MODULES:-}"; then NODE_PATH="$$S3GC_NODE_MODULES"; export NODE_PATH; fi;

EXTRA_DIST += tests/unit/tap.h
include tests/unit/sign.mk
include tests/s3rver/local.mk
include tests/unit/records.mk

# Helpers the shell tests run.
check_PROGRAMS += tests/tools/rec-keys
tests_tools_rec_keys_LDADD = $(S3GC_LIBS)
EXTRA_DIST += tests/lib.sh
TESTS += tests/cli/list-usage.sh tests/cli/list-faults.sh tests/cli/list-s3rver.sh
EXTRA_DIST += tests/cli/list-usage.sh tests/cli/list-faults.sh tests/cli/list-s3rver.sh

# Unit tests of the S3 client's parts.
check_PROGRAMS += tests/unit/t-xml tests/unit/t-keyspace
TESTS += tests/unit/t-xml tests/unit/t-keyspace
tests_unit_t_xml_LDADD = $(S3GC_LIBS)
tests_unit_t_keyspace_LDADD = $(S3GC_LIBS)
TESTS += tests/cli/man.sh tests/cli/list-leaks.sh
EXTRA_DIST += tests/cli/man.sh tests/cli/list-leaks.sh
check_PROGRAMS += tests/unit/t-s3
TESTS += tests/unit/t-s3
tests_unit_t_s3_LDADD = $(S3GC_LIBS)
include tests/unit/pgoutput.mk
include tests/pg/local.mk
include tests/unit/normalise.mk
include tests/unit/refs.mk
check_PROGRAMS += tests/tools/pgo-dump
tests_tools_pgo_dump_LDADD = $(S3GC_LIBS)
TESTS += tests/cli/pgoutput-real.sh
EXTRA_DIST += tests/cli/pgoutput-real.sh
include tests/unit/dbpg.mk
include tests/unit/cdcapply.mk
include tests/unit/pgcopy.mk
include tests/unit/extsort.mk
include tests/unit/vault.mk
include tests/unit/diff.mk
include tests/cli/refs.mk
include tests/cli/driver.mk
