#!/bin/sh
# s3gc-list against faults injected by s3mem: what is retried completes,
# what persists fails with the documented status and no partial success.
. "$top_srcdir/tests/lib.sh"

i=0
while [ $i -lt 5000 ]; do printf 'k/%05d\t%d\n' $i $((i % 97)); i=$((i + 1)); done > pop.txt
start_s3mem --bucket bkt --populate pop.txt
L="s3gc-list --endpoint $S3MEM_URL --bucket bkt --retries 3"

$L > clean.out
ok $? "a clean listing exits 0"
is "$(wc -l < clean.out)" 5000 "and has every object"

fault() { # fault RULES...: install rules, reset counters
	printf '%s\n' "$@" | s3mem_faults
	curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" >/dev/null
}

fault "op=list nth=3 status=503 code=SlowDown"
$L > out 2> err
ok $? "503 SlowDown on page 3: retried, exit 0"
same_file out clean.out "503: the listing is complete and unchanged"
is "$(s3mem_stat list)" 6 "503: five pages and one retry"

fault "op=list nth=2 status=503 retry-after=1"
start=$(date +%s)
$L > out 2> err
ok $? "Retry-After: exit 0"
is "$(( $(date +%s) - start >= 1 ))" 1 "Retry-After: waited at least a second"

fault "op=list nth=2 reset-after=3000"
$L > out 2> err
ok $? "connection reset mid-body: retried, exit 0"
same_file out clean.out "reset: the listing is complete and unchanged"

fault "op=list nth=2 truncate=2000"
$L > out 2> err
ok $? "truncated XML once: retried, exit 0"
same_file out clean.out "truncated once: complete and unchanged"

fault "op=list nth=2 count=0 truncate=2000"
$L > out 2> err
st=$?
ok $(( st != 75 && st != 80 )) "truncated XML every time: exit 75 or 80 (got $st)"
is "$(wc -l < out)" 1000 "truncated: only the whole first page was written"
grep -q 'giving up after 3 tries' err
ok $? "truncated: the message says it gave up"

fault "op=list nth=2 error200"
$L > out 2> err
ok $? "a 200 carrying an error document: retried, exit 0"
same_file out clean.out "error200: complete and unchanged"

fault "op=list nth=1 count=0 error200"
$L > out 2> err
is "$?" 75 "a 200 carrying InternalError every time: exit 75"
grep -q InternalError err
ok $? "error200: the message names InternalError"

fault "op=list nth=2 unsorted"
$L > out 2> err
ok $? "an unsorted page: retried, exit 0"
same_file out clean.out "unsorted once: complete and unchanged"

fault "op=list nth=2 count=0 unsorted"
$L > out 2> err
is "$?" 80 "an unsorted page every time: exit 80"
grep -q 'out of order' err
ok $? "unsorted: the message says out of order"

fault "op=list nth=3 same-token"
$L > out 2> err
ok $? "a page that hands back the token it was given: retried, exit 0"
same_file out clean.out "same token once: complete and unchanged"

fault "op=list nth=2 count=0 same-token"
$L > out 2> err
is "$?" 80 "the same token every time: exit 80, not a loop"
grep -q 'continuation token it was given' err
ok $? "same token: the message says so"

fault "op=list status=403 code=AccessDenied count=0"
$L > out 2> err
is "$?" 80 "403: exit 80"
grep -q AccessDenied err
ok $? "403: the message names AccessDenied"
is "$(s3mem_stat list)" 1 "403: not retried"
is "$(wc -c < out)" 0 "403: nothing written"

fault "op=list nth=1 count=0 status=503 code=SlowDown"
$L > out 2> err
is "$?" 75 "503 every time: exit 75"
is "$(s3mem_stat list)" 3 "503 every time: --retries 3 tries"

fault "op=list nth=4 stall=3000"
$L --timeout 1 > out 2> err
ok $? "a stalled response: timed out, retried, exit 0"
same_file out clean.out "stall: complete and unchanged"

fault "op=list nth=3 status=500" "op=list nth=9 reset-after=500" "op=list nth=12 truncate=100"
$L --jobs 8 --max-keys 100 > out 2> err
ok $? "--jobs 8 with faults: exit 0"
same_file out clean.out "--jobs 8 with faults: the same stream"

fault "op=list nth=7 count=0 status=403"
$L --jobs 8 --max-keys 100 > out 2> err
is "$?" 80 "--jobs 8, 403 from the 7th request on: exit 80"
head -n "$(wc -l < out)" clean.out > prefix
same_file out prefix "--jobs 8 failure: what was written is a prefix of the listing"

fault ""
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SHARED_CREDENTIALS_FILE \
	HOME="$T" $L > out 2> err
is "$?" 78 "no credentials: exit 78"
grep -q 'no AWS credentials: set AWS_ACCESS_KEY_ID' err
ok $? "no credentials: the message says what to set"
is "$(s3mem_stat list)" 0 "no credentials: no request sent"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$T/none" \
	$L > out 2> err
is "$?" 78 "a credentials file that is not there: exit 78"
grep -q "cannot open credentials file '$T/none'" err
ok $? "a credentials file that is not there: the message names it"

# --stats: the listing's facts for s3gc-diff.
fault ""
$L --stats st.json > out 2> err
ok $? "--stats"
grep -q '"complete":true' st.json && grep -q "\"keys\":$(wc -l < out | tr -d ' ')," st.json
ok $? "--stats: complete, with the number of keys: $(cat st.json)"
grep -Eq '"started":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z".*"server_time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z","clock_skew_s":-?[0-9]+}' st.json
ok $? "--stats: the local start, the server's clock and the skew"
fault "op=list count=0 status=500"
$L --retries 2 --stats st.json > out 2> err
is "$?" 75 "a listing that fails: exit 75"
grep -q '"complete":false' st.json
ok $? "--stats says it is not complete"
fault ""
$L --stats "$T/no/such/dir/st.json" > out 2> err
is "$?" 74 "--stats into a directory that is not there: exit 74"
grep -q "no/such/dir/st.json" err
ok $? "naming the file"

kill_port=$S3MEM_PORT
s3gc-list --endpoint "http://127.0.0.1:1" --bucket bkt --retries 2 > out 2> err
is "$?" 69 "nothing listening: exit 69"
grep -q 'cannot connect' err
ok $? "nothing listening: the message says it cannot connect"
: "$kill_port"
done_testing
