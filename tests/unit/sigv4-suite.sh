#!/bin/sh
# sigv4-suite.sh: run the AWS SigV4 test suite from the shared test data (TAP).
# The data is never copied into the tree; without it the test skips, except
# in CI (S3GC_REQUIRE_SERVICES=1), where a missing suite is a failure.
dir="${S3GC_TESTDATA:-${top_srcdir:-.}/../shared/testdata}/sigv4-suite"
if [ ! -d "$dir" ]; then
	why="no SigV4 test suite at '$dir' (set S3GC_TESTDATA)"
	if [ "${S3GC_REQUIRE_SERVICES:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - sigv4 suite: $why"
		exit 1
	fi
	echo "1..0 # SKIP $why"
	exit 0
fi
exec "${top_builddir:-.}/tests/unit/t-sigv4-suite" "$dir"
