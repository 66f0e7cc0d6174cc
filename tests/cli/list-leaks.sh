#!/bin/sh
# s3gc-list frees what it allocates, on success and on failure: valgrind in
# a plain build, LeakSanitizer in a sanitizer build (valgrind and ASan do
# not mix).
. "$top_srcdir/tests/lib.sh"

i=0
while [ $i -lt 2500 ]; do printf 'leak/%05d\n' $i; i=$((i + 1)); done > pop.txt
start_s3mem --bucket bkt --populate pop.txt

leak_checker s3gc-list
L="s3gc-list --endpoint $S3MEM_URL --bucket bkt --retries 2"

check $L --jobs 1 > out 2> err
ok $? "$how: a complete listing, one job"
cat err | sed 's/^/# /' | head -20
check $L --jobs 8 --max-keys 100 > out 2> err
ok $? "$how: a complete listing, eight jobs"
cat err | sed 's/^/# /' | head -20
printf '%s\n' "op=list nth=5 count=0 status=403" | s3mem_faults
check $L --jobs 8 --max-keys 100 > out 2> err
is "$?" 80 "$how: a failed listing, eight jobs: exit 80 and nothing else"
grep -v 'AccessDenied' err | sed 's/^/# /' | head -20
printf '' | s3mem_faults
check $L --jobs 1 --no-such-flag > out 2> err
is "$?" 64 "$how: a usage error"
done_testing
