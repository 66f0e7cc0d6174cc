#!/bin/sh
# sigv4-s3.sh: check the signer against S3's worked examples in the shared test data (TAP).
# Without the data the test skips, except in CI (S3GC_REQUIRE_SERVICES=1).
file="${S3GC_TESTDATA:-${top_srcdir:-.}/../shared/testdata}/s3-sigv4-examples.json"
if [ ! -f "$file" ]; then
	why="no S3 SigV4 examples at '$file' (set S3GC_TESTDATA)"
	if [ "${S3GC_REQUIRE_SERVICES:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - sigv4 s3 examples: $why"
		exit 1
	fi
	echo "1..0 # SKIP $why"
	exit 0
fi
exec "${top_builddir:-.}/tests/unit/t-sigv4-s3" "$file"
