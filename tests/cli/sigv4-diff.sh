#!/bin/sh
# sigv4-diff.sh: our SigV4 signer against the AWS SDK's (@smithy/signature-v4) on random requests (TAP).
#
# tests/unit/sigv4-gen writes N random S3 requests, each signed by us, and
# tests/s3rver/sign.js re-signs every one with the SDK and exits 1 on any
# mismatch, reporting "N requests, M mismatches" on stderr. The seed is
# random unless S3GC_SIGV4_SEED is set, and printed so a failure reproduces.
# Without node or the SDK the test skips, except in CI
# (S3GC_REQUIRE_SERVICES=1), where that is a failure.
n=10000
seed=${S3GC_SIGV4_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' \n')}
srcdir=${top_srcdir:-.}
signjs="$srcdir/tests/s3rver/sign.js"
gen="${top_builddir:-.}/tests/unit/sigv4-gen"

unavailable() {
	if [ "${S3GC_REQUIRE_SERVICES:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - sigv4 differential against the AWS SDK: $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

command -v node >/dev/null 2>&1 || unavailable "node not found"
[ -d "$srcdir/tests/s3rver/node_modules" ] || [ -d "${NODE_PATH:-/nonexistent}/@smithy" ] ||
	unavailable "no tests/s3rver/node_modules (run scripts/deps)"
[ -f "$signjs" ] || unavailable "no tests/s3rver/sign.js"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sigv4-diff.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

echo "1..1"
echo "# seed $seed (rerun with S3GC_SIGV4_SEED=$seed)"
if ! "$gen" "$n" "$seed" >"$tmp/requests.jsonl" 2>"$tmp/gen.err"; then
	echo "not ok 1 - sigv4-gen $n $seed failed"
	sed 's/^/# /' "$tmp/gen.err"
	exit 1
fi
node "$signjs" <"$tmp/requests.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
summary=$(grep -E '^[0-9]+ requests, [0-9]+ mismatches' "$tmp/err" | tail -n 1)
got=${summary%% requests*}
if [ "$rc" -eq 0 ] && [ "$got" = "$n" ]; then
	echo "ok 1 - the AWS SDK signer agrees: $summary (seed $seed)"
	exit 0
fi
echo "not ok 1 - the AWS SDK signer disagrees (exit $rc): ${summary:-no summary} (seed $seed)"
head -n 50 "$tmp/err" | sed 's/^/# /'
# sign.js writes one result a line; show the first few that differ.
grep -F '"match":false' "$tmp/out" | head -n 5 | sed 's/^/# /'
exit 1
