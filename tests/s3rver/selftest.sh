#!/bin/sh
# The proxy's own tests (selftest.js: a second SigV4 signer, good and bad
# signatures, presigned URLs, aws-chunked, session tokens), as TAP.
. "$top_srcdir/tests/lib.sh"
command -v node >/dev/null 2>&1 || need node "node is not installed"
[ -d "$top_srcdir/tests/s3rver/node_modules" ] || [ -d "${NODE_PATH:-/nonexistent}/s3rver" ] ||
	need s3rver "node modules missing (run scripts/deps)"
node --openssl-legacy-provider "$top_srcdir/tests/s3rver/selftest.js" > out.txt 2>&1
st=$?
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' out.txt | tail -1)
[ -n "$summary" ] || { sed 's/^/# /' out.txt | tail -30; }
ok $st "proxy self-test exits 0 ($summary)"
case $summary in *" 0 failed") ok 0 "no self-test failed" ;; *) ok 1 "no self-test failed"; grep -i 'fail' out.txt | head -20 | sed 's/^/# /' ;; esac
done_testing
