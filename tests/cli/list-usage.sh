#!/bin/sh
# s3gc-list's command line and configuration errors: exact exit statuses
# and messages, and no request sent.
. "$top_srcdir/tests/lib.sh"

s3gc-list --help > help.out
ok $? "--help exits 0"
grep -q '^Usage: s3gc-list' help.out
ok $? "--help prints the usage"
s3gc-list --version | grep -q "^s3gc-list (s3gc) "
ok $? "--version names the program and package"

s3gc-list --no-such-flag > out 2> err
is "$?" 64 "an unknown flag is exit 64"
grep -q "Try 's3gc-list --help'" err
ok $? "and points at --help"
s3gc-list --bucket bkt extra 2> err
is "$?" 64 "an extra argument is exit 64"
s3gc-list --bucket bkt --jobs 0 2> err
is "$?" 64 "--jobs 0 is exit 64"
grep -q "bad value '0' for --jobs" err
ok $? "and the message names the flag"

s3gc-list 2> err
is "$?" 78 "no bucket is exit 78"
grep -q 'no bucket' err
ok $? "and the message says there is no bucket"

printf 'bucket = bkt\nbuckett = c\n' > bad.conf
s3gc-list -c bad.conf 2> err
is "$?" 78 "an unknown key in the config is exit 78"
grep -q 'bad.conf:2' err
ok $? "and the message names file and line"

s3gc-list -c missing.conf 2> err
is "$?" 78 "a missing config file is exit 78"
s3gc-list --bucket bkt --endpoint ftp://x 2> err
is "$?" 78 "a bad endpoint is exit 78"

printf 'bucket = fromfile\nendpoint = http://127.0.0.1:1\n' > s3gc.conf
S3GC_BUCKET=fromenv s3gc-list --retries 1 2> err
grep -q "s3://fromenv/" err
ok $? "the environment beats the file"
S3GC_BUCKET=fromenv s3gc-list --bucket fromflag --retries 1 2> err
grep -q "s3://fromflag/" err
ok $? "a flag beats the environment"
done_testing
