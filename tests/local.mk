# tests/local.mk: unit tests (C, TAP) and command-line tests (shell, TAP)
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	S3GC_TESTDATA="$${S3GC_TESTDATA:-$(abs_top_srcdir)/../shared/testdata}"; \
	export top_srcdir top_builddir S3GC_TESTDATA;

EXTRA_DIST += tests/unit/tap.h
include tests/unit/sign.mk
