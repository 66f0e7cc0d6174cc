#!/bin/sh
# lib/s3obj (through tests/tools/s3obj-probe): HEAD, GET, PUT, DELETE and
# DeleteObjects with their conditions, on s3mem with faults injected and
# on s3rver behind the proxy that checks every request's signature.
. "$top_srcdir/tests/lib.sh"

P="$top_builddir/tests/tools/s3obj-probe"
head -c 300000 /dev/urandom > body
md5=$(md5sum < body | cut -d' ' -f1)

start_s3mem --bucket b
U=$S3MEM_URL
fault() { printf '%s\n' "$@" | s3mem_faults; }

etag=$("$P" "$U" b put "dir/a b+c.bin" "Content-Type: image/png" "x-amz-meta-owner: u1" \
	"Cache-Control: max-age=60" < body)
ok $? "put"
is "$etag" "$md5" "put: the ETag is the body's MD5"
"$P" "$U" b head "dir/a b+c.bin" > head.out
ok $? "head"
is "$(sed -n 1p head.out | cut -d' ' -f1-3)" "found 300000 $md5" "head: size and ETag"
grep -qx 'content-type: image/png' head.out && grep -qx 'x-amz-meta-owner: u1' head.out &&
	grep -qx 'cache-control: max-age=60' head.out
ok $? "head: the headers worth keeping, names in lower case"
"$P" "$U" b head nothere > head.out
ok $? "head of a missing key: exit 0"
is "$(cat head.out)" missing "and says missing"

"$P" "$U" b get "dir/a b+c.bin" > got
ok $? "get"
same_file got body "get: the same bytes"
"$P" "$U" b get "dir/a b+c.bin" "$md5" > got
ok $? "get with the right ETag as If-Match"
"$P" "$U" b get "dir/a b+c.bin" 00000000000000000000000000000000 > got 2> err
is $? 80 "get with another ETag as If-Match: exit 80"
grep -q '412' err
ok $? "and the message says 412: $(cat err)"
"$P" "$U" b get nothere > got 2> err
is $? 80 "get of a missing key: exit 80"
grep -q '404' err
ok $? "and the message says 404"

"$P" "$U" b put "dir/a b+c.bin" --if-none-match < body > /dev/null 2> err
is $? 80 "put --if-none-match over an object: exit 80"
grep -q '412' err
ok $? "with 412"
"$P" "$U" b put new --if-none-match --unsigned < body > /dev/null
ok $? "put --if-none-match of a new key (unsigned payload)"

"$P" "$U" b delete new 11111111111111111111111111111111 2> err
is $? 80 "delete with another ETag: exit 80"
"$P" "$U" b head new | grep -q '^found'
ok $? "and the object is still there"
"$P" "$U" b delete new "$md5"
ok $? "delete with its ETag"
is "$("$P" "$U" b head new)" missing "and it is gone"

# Faults: what is retried completes, with the bytes right.
fault "op=get nth=1 status=503 code=SlowDown"
"$P" "$U" b get "dir/a b+c.bin" > got
ok $? "get: one 503 is retried"
same_file got body "the bytes are right"
fault "op=get nth=1 reset-after=100000"
"$P" "$U" b get "dir/a b+c.bin" > got
ok $? "get: a reset in the middle of the body is retried"
same_file got body "the file was started over: the bytes are right"
fault "op=get nth=1 status=500 code=InternalError"
"$P" "$U" b get "dir/a b+c.bin" > got
ok $? "get: a 500 is retried"
same_file got body "the bytes are right"
fault "op=get count=0 status=503"
"$P" "$U" b get "dir/a b+c.bin" > got 2> err
is $? 75 "get: 503 every time: exit 75"
grep -q 'tries: 5' err
ok $? "after five tries"
fault "op=put nth=1 status=500"
"$P" "$U" b put again < body > /dev/null
ok $? "put: a 500 is retried"
"$P" "$U" b get again > got && cmp -s got body
ok $? "with the whole body"
fault ""

# DeleteObjects: each key's condition, each key's answer.
for k in d1 d2 d3 'd 4&<x>'; do printf '%s' "$k" | "$P" "$U" b put "$k" > "etag.$(printf '%s' "$k" | md5sum | cut -c1-8)"; done
e() { cat "etag.$(printf '%s' "$1" | md5sum | cut -c1-8)"; }
printf 'd1\t%s\nd2\t%s\nd3\t%s\nd 4&<x>\t%s\nghost\n' "$(e d1)" 00000000000000000000000000000000 "$(e d3)" "$(e 'd 4&<x>')" |
	"$P" "$U" b delete-objects > del.out
ok $? "delete-objects"
is "$(sort del.out | tr '\t' ' ' | tr '\n' '|')" "deleted d 4&<x>|deleted d1|deleted d3|deleted ghost|error d2 PreconditionFailed|" \
	"each key answered: a changed one refused, a missing one deleted"
is "$("$P" "$U" b head d2 | sed -n '1s/ .*//p')" found "the refused one is still there"
is "$("$P" "$U" b head d1)" missing "a deleted one is gone"
fault "op=deleteobjects nth=1 status=503"
printf 'd2\n' | "$P" "$U" b delete-objects > del.out
ok $? "delete-objects: a 503 is retried"
is "$(cat del.out)" "$(printf 'deleted\td2')" "and the key is deleted"
"$P" "$U" b put d5 < body > /dev/null
fault "op=deleteobjects nth=1 truncate=60"
printf 'd5\n' | "$P" "$U" b delete-objects > del.out
ok $? "delete-objects: an answer cut short is asked again"
is "$(cat del.out)" "$(printf 'deleted\td5')" "and the key is reported once"
"$P" "$U" b put d6 < body > /dev/null
fault "op=deleteobjects key=d6 delete-error=AccessDenied"
printf 'd6\n' | "$P" "$U" b delete-objects > del.out
ok $? "delete-objects: a per-key error is no failure of the request"
is "$(cat del.out)" "$(printf 'error\td6\tAccessDenied')" "it is that key's answer"
fault "op=deleteobjects count=0 error200"
printf 'd6\n' | "$P" "$U" b delete-objects > del.out 2> err
is $? 80 "delete-objects: an error document with 200, every time: exit 80"
is "$(wc -c < del.out | tr -d ' ')" 0 "and no key is reported"
fault ""

# The independent server, every signature checked.
start_s3rver
U=$S3RVER_URL
awscli "$U" s3 mb s3://b-obj > /dev/null || diag "making the bucket failed"
etag=$("$P" "$U" b-obj put "p/q r.bin" "Content-Type: image/png" "x-amz-meta-owner: u1" < body)
ok $? "s3rver: put with headers, signed"
is "$etag" "$md5" "s3rver: the ETag is the MD5"
"$P" "$U" b-obj head "p/q r.bin" > head.out
grep -qx 'x-amz-meta-owner: u1' head.out && grep -qx 'content-type: image/png' head.out
ok $? "s3rver: head gives the headers back"
"$P" "$U" b-obj get "p/q r.bin" "$md5" > got && cmp -s got body
ok $? "s3rver: get with If-Match"
printf 'p/q r.bin\t%s\n' "$md5" | "$P" "$U" b-obj delete-objects > del.out
ok $? "s3rver: delete-objects (Content-MD5 and the body's SHA-256 signed)"
is "$(cat del.out)" "$(printf 'deleted\tp/q r.bin')" "s3rver: deleted"
is "$("$P" "$U" b-obj head "p/q r.bin")" missing "s3rver: gone"

done_testing
