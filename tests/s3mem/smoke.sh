#!/bin/sh
# smoke.sh - drives every s3mem endpoint and fault with curl and prints TAP.
# Usage: tests/s3mem/smoke.sh [path/to/s3mem]   (default: tests/s3mem/s3mem)
set -u

S3MEM=${1:-${S3MEM:-tests/s3mem/s3mem}}
tmp=$(mktemp -d) || exit 1
pids=
n=0
fails=0

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {	# ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fails=$((fails + 1))
		[ -f "$tmp/hdr" ] && sed 's/^/#   /' "$tmp/hdr" | head -n 12
		[ -f "$tmp/body" ] && head -c 600 "$tmp/body" | sed 's/^/#   /' && echo
	fi
}
check() {	# check DESCRIPTION COMMAND...
	desc=$1
	shift
	if "$@"; then ok 0 "$desc"; else ok 1 "$desc"; fi
}
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# start NAME ARGS...: runs s3mem, waits for its port file, sets U.
start() {
	name=$1
	shift
	rm -f "$tmp/$name.port"
	"$S3MEM" -q --port-file "$tmp/$name.port" "$@" 2>"$tmp/$name.log" &
	pids="$pids $!"
	i=0
	while [ ! -s "$tmp/$name.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	U=http://127.0.0.1:$(cat "$tmp/$name.port")
}

# s3 CURL-ARGS...: prints the status; body in $tmp/body, headers in $tmp/hdr.
s3() {
	curl -s -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' "$@"
}
body_has() { grep -q -- "$1" "$tmp/body"; }
body_is() { [ "$(cat "$tmp/body")" = "$1" ]; }
hdr() { grep -i "^$1:" "$tmp/hdr" | head -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
md5b64() { openssl dgst -md5 -binary "$1" | base64; }
faults() { curl -s --data-binary "$1" "$U/_s3mem/faults" >/dev/null; }
stat_of() { curl -s "$U/_s3mem/stats" | sed "s/.*\"$1\":\([0-9]*\).*/\1/"; }

# Populate file: the percent-encoded record format, key<TAB>size<TAB>age.
printf 'pop/a\t0\npop/b%%09tab\t100\t86400\npop/c%%25pct\t70000\n' >"$tmp/pop"
printf '# never fires during this test\nop=bucket nth=100000 status=500\n' >"$tmp/faults0"
start main --bucket b --bucket other --populate "$tmp/pop" --faults "$tmp/faults0"
check "--faults FILE installs rules" sh -c "curl -s '$U/_s3mem/faults' | grep -q '^op=bucket nth=100000 status=500'"

# --- buckets -------------------------------------------------------------
check "ListBuckets" [ "$(s3 "$U/")" = 200 ]
check "ListBuckets names both buckets" body_has '<Name>b</Name>.*<Name>other</Name>'
check "PUT bucket" [ "$(s3 -X PUT "$U/newbucket")" = 200 ]
check "HEAD bucket" [ "$(s3 -I "$U/newbucket")" = 200 ]
check "HEAD missing bucket is 404" [ "$(s3 -I "$U/nosuch")" = 404 ]
check "GET missing bucket is NoSuchBucket" [ "$(s3 "$U/nosuch?list-type=2")" = 404 ]
check "  with the error document" body_has '<Code>NoSuchBucket</Code>'
check "DELETE empty bucket" [ "$(s3 -X DELETE "$U/newbucket")" = 204 ]
check "invalid bucket name" [ "$(s3 -X PUT "$U/A_B")" = 400 ]

# --- objects -------------------------------------------------------------
printf 'hello world' >"$tmp/hello"
etag=$(md5sum <"$tmp/hello" | cut -c1-32)
check "PUT object" [ "$(s3 -X PUT --data-binary @"$tmp/hello" -H 'Content-Type: text/plain' \
	-H 'x-amz-meta-Color: blue' -H 'Cache-Control: max-age=5' -H 'Content-Disposition: inline' \
	"$U/b/dir/hello")" = 200 ]
check "PUT returns the MD5 ETag" [ "$(hdr ETag)" = "\"$etag\"" ]
check "GET object" [ "$(s3 "$U/b/dir/hello")" = 200 ]
check "  body" body_is 'hello world'
check "  Content-Type" [ "$(hdr Content-Type)" = text/plain ]
check "  x-amz-meta-color" [ "$(hdr x-amz-meta-color)" = blue ]
check "  Cache-Control" [ "$(hdr Cache-Control)" = max-age=5 ]
check "  Content-Disposition" [ "$(hdr Content-Disposition)" = inline ]
check "  Last-Modified" [ -n "$(hdr Last-Modified)" ]
check "  common headers" sh -c "grep -q '^Server: s3mem' '$tmp/hdr' && grep -q '^x-amz-request-id: ' '$tmp/hdr' && grep -q '^Date: ' '$tmp/hdr'"
check "HEAD object" [ "$(s3 -I "$U/b/dir/hello")" = 200 ]
check "  Content-Length of the object" [ "$(hdr Content-Length)" = 11 ]
check "GET missing key is 404" [ "$(s3 "$U/b/nokey")" = 404 ]
check "  NoSuchKey with the key" body_has '<Code>NoSuchKey</Code>.*<Key>nokey</Key>'
check "Range a-b" [ "$(s3 -H 'Range: bytes=0-4' "$U/b/dir/hello")" = 206 ]
check "  partial body" body_is hello
check "  Content-Range" [ "$(hdr Content-Range)" = 'bytes 0-4/11' ]
check "Range suffix" [ "$(s3 -H 'Range: bytes=-5' "$U/b/dir/hello")" = 206 ]
check "  suffix body" body_is world
check "Range open" [ "$(s3 -H 'Range: bytes=6-' "$U/b/dir/hello")" = 206 ]
check "Range unsatisfiable is 416" [ "$(s3 -H 'Range: bytes=20-30' "$U/b/dir/hello")" = 416 ]

# Content-MD5
good=$(md5b64 "$tmp/hello")
check "PUT with good Content-MD5" [ "$(s3 -X PUT --data-binary @"$tmp/hello" -H "Content-MD5: $good" "$U/b/md5ok")" = 200 ]
check "PUT with bad Content-MD5 is BadDigest" [ "$(s3 -X PUT --data-binary 'x' -H "Content-MD5: $good" "$U/b/md5bad")" = 400 ]
check "  code" body_has '<Code>BadDigest</Code>'
check "  nothing stored" [ "$(s3 -I "$U/b/md5bad")" = 404 ]

# Chunked and 100-continue uploads
head -c 300000 /dev/urandom >"$tmp/big"
bigtag=$(md5sum <"$tmp/big" | cut -c1-32)
check "chunked PUT" [ "$(s3 -X PUT -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big" "$U/b/chunked")" = 200 ]
check "  ETag of the decoded body" [ "$(hdr ETag)" = "\"$bigtag\"" ]
check "Expect: 100-continue PUT" [ "$(s3 -X PUT -H 'Expect: 100-continue' --data-binary @"$tmp/big" "$U/b/expect")" = 200 ]
check "  100 Continue sent" grep -q '^HTTP/1.1 100 Continue' "$tmp/hdr"
check "  content round-trips" sh -c "curl -s '$U/b/expect' | cmp -s - '$tmp/big'"

# Conditional requests
check "If-Match matching GET" [ "$(s3 -H "If-Match: \"$etag\"" "$U/b/dir/hello")" = 200 ]
check "If-Match other GET is 412" [ "$(s3 -H 'If-Match: "00"' "$U/b/dir/hello")" = 412 ]
check "  PreconditionFailed" body_has '<Code>PreconditionFailed</Code>'
check "If-Match on HEAD is 412" [ "$(s3 -I -H 'If-Match: "00"' "$U/b/dir/hello")" = 412 ]
check "If-Match missing object is 412" [ "$(s3 -H 'If-Match: "00"' "$U/b/nokey")" = 412 ]
check "If-None-Match etag GET is 304" [ "$(s3 -H "If-None-Match: \"$etag\"" "$U/b/dir/hello")" = 304 ]
check "If-None-Match * PUT existing is 412" [ "$(s3 -X PUT -d x -H 'If-None-Match: *' "$U/b/dir/hello")" = 412 ]
check "If-None-Match * PUT new" [ "$(s3 -X PUT -d x -H 'If-None-Match: *' "$U/b/fresh")" = 200 ]
check "If-Match PUT mismatch is 412" [ "$(s3 -X PUT -d y -H 'If-Match: "00"' "$U/b/fresh")" = 412 ]
check "If-Match DELETE mismatch is 412" [ "$(s3 -X DELETE -H 'If-Match: "00"' "$U/b/fresh")" = 412 ]
xtag=$(printf x | md5sum | cut -c1-32)
check "If-Match DELETE matching" [ "$(s3 -X DELETE -H "If-Match: \"$xtag\"" "$U/b/fresh")" = 204 ]
check "DELETE missing is 204" [ "$(s3 -X DELETE "$U/b/fresh")" = 204 ]
check "DELETE bucket not empty is 409" [ "$(s3 -X DELETE "$U/b")" = 409 ]

# --- populated objects -------------------------------------------------
check "populated object GET" [ "$(s3 "$U/b/pop/c%25pct")" = 200 ]
check "  size" [ "$(wc -c <"$tmp/body")" -eq 70000 ]
check "  ETag is the MD5 of the content" [ "$(hdr ETag)" = "\"$(md5sum <"$tmp/body" | cut -c1-32)\"" ]
check "populated empty object ETag" sh -c "[ \"\$(curl -sI '$U/b/pop/a' | grep -i ^etag | tr -d '\r')\" = 'ETag: \"d41d8cd98f00b204e9800998ecf8427e\"' ]"
check "populated range GET" [ "$(s3 -H 'Range: bytes=69990-' "$U/b/pop/c%25pct")" = 206 ]
check "  range bytes" [ "$(wc -c <"$tmp/body")" -eq 10 ]
s3 "$U/b?list-type=2&prefix=pop/b" >/dev/null
age_ts=$(sed -n 's/.*<LastModified>\([^<]*\)<.*/\1/p' "$tmp/body")
check "populated age column sets LastModified" [ "$(date -u -d "$age_ts" +%s)" -le $(($(date +%s) - 86000)) ]

# --- listings -------------------------------------------------------------
for k in 'l/a' 'l/b b' 'l/c+c' 'l/d%25d' 'l/e/1' 'l/e/2' 'l/f&<>' 'l/g%C3%A9'; do
	curl -s -X PUT -d v "$U/b/$(printf %s "$k" | sed 's/ /%20/g;s/&/%26/g;s/+/%2B/g')" >/dev/null
done
check "v2 prefix" [ "$(s3 "$U/b?list-type=2&prefix=l/")" = 200 ]
check "  XML-escaped key" body_has '<Key>l/f&amp;&lt;&gt;</Key>'
check "  KeyCount" body_has '<KeyCount>8</KeyCount>'
check "v2 delimiter" [ "$(s3 "$U/b?list-type=2&prefix=l/&delimiter=/")" = 200 ]
check "  CommonPrefixes" body_has '<CommonPrefixes><Prefix>l/e/</Prefix></CommonPrefixes>'
check "  KeyCount counts prefixes" body_has '<KeyCount>7</KeyCount>'
check "v2 encoding-type=url" [ "$(s3 "$U/b?list-type=2&prefix=l/&encoding-type=url")" = 200 ]
check "  space as +" body_has '<Key>l/b+b</Key>'
check "  plus as %2B" body_has '<Key>l/c%2Bc</Key>'
check "  percent as %25" body_has '<Key>l/d%25d</Key>'
check "  UTF-8 as %XX" body_has '<Key>l/g%C3%A9</Key>'
check "  EncodingType" body_has '<EncodingType>url</EncodingType>'
check "v2 start-after" [ "$(s3 "$U/b?list-type=2&prefix=l/&start-after=l/e/2")" = 200 ]
check "  starts after" sh -c "grep -q '<StartAfter>l/e/2</StartAfter><KeyCount>2</KeyCount>' '$tmp/body'"
check "v2 max-keys=3 truncates" [ "$(s3 "$U/b?list-type=2&prefix=l/&max-keys=3")" = 200 ]
check "  IsTruncated" body_has '<IsTruncated>true</IsTruncated>'
tok=$(sed -n 's/.*<NextContinuationToken>\([^<]*\)<.*/\1/p' "$tmp/body")
enc=$(printf %s "$tok" | sed 's/+/%2B/g;s/\//%2F/g;s/=/%3D/g')
check "v2 continuation-token" [ "$(s3 "$U/b?list-type=2&prefix=l/&max-keys=3&continuation-token=$enc")" = 200 ]
check "  next page" body_has "<ContinuationToken>$tok</ContinuationToken>.*<Key>l/d%d</Key>"
check "bad continuation-token is 400" [ "$(s3 "$U/b?list-type=2&continuation-token=zz")" = 400 ]
# Paging with a delimiter must not repeat a common prefix.
all=
tokq=
pages=0
while [ $pages -lt 20 ]; do
	pages=$((pages + 1))
	s3 "$U/b?list-type=2&prefix=l/&delimiter=/&max-keys=1$tokq" >/dev/null
	all="$all$(grep -o '<Key>[^<]*</Key>\|<CommonPrefixes><Prefix>[^<]*</Prefix>' "$tmp/body" | tr -d '\n')"
	grep -q '<IsTruncated>true' "$tmp/body" || break
	t=$(sed -n 's/.*<NextContinuationToken>\([^<]*\)<.*/\1/p' "$tmp/body" | sed 's/+/%2B/g;s/\//%2F/g;s/=/%3D/g')
	tokq="&continuation-token=$t"
done
check "v2 paging one at a time with delimiter" [ "$(printf %s "$all" | grep -o '<Prefix>l/e/</Prefix>' | wc -l)" -eq 1 ]
check "  sees all 7 entries" [ "$(printf %s "$all" | grep -o '</Key>\|</Prefix>' | wc -l)" -eq 7 ]
check "v1 listing" [ "$(s3 "$U/b?prefix=l/&max-keys=2&delimiter=/")" = 200 ]
check "  Marker and NextMarker" body_has '<Marker></Marker>.*<NextMarker>l/b b</NextMarker>'
check "v1 marker" [ "$(s3 "$U/b?prefix=l/&marker=l/e/&delimiter=/")" = 200 ]
check "  skips the common prefix named by the marker" sh -c "! grep -q '<Prefix>l/e/' '$tmp/body' && grep -q '<Key>l/f' '$tmp/body'"
check "bad max-keys is 400" [ "$(s3 "$U/b?list-type=2&max-keys=x")" = 400 ]
check "max-keys capped at 1000" sh -c "curl -s '$U/b?list-type=2&max-keys=5000' | grep -q '<MaxKeys>1000</MaxKeys>'"

# Awkward keys: tab, newline, CR, and the longest key S3 allows.
long=$(head -c 1022 /dev/zero | tr '\0' k)
for k in 'w/t%09ab' 'w/new%0Aline' 'w/c%0Dr' "w/$long"; do
	check "PUT awkward key ${k%"${k#??????????}"}..." [ "$(s3 -X PUT -d v "$U/b/$k")" = 200 ]
done
check "1,025-byte key is KeyTooLongError" [ "$(s3 -X PUT -d v "$U/b/w/${long}k")" = 400 ]
check "awkward keys listed URL-encoded" [ "$(s3 "$U/b?list-type=2&prefix=w/&encoding-type=url")" = 200 ]
check "  tab, CR, newline" sh -c "grep -q '<Key>w/c%0Dr</Key>' '$tmp/body' && grep -q '<Key>w/new%0Aline</Key>' '$tmp/body' && grep -q '<Key>w/t%09ab</Key>' '$tmp/body'"
check "  1,024-byte key" body_has "<Key>w/$long</Key>"
check "CR is &#13; without encoding-type" sh -c "curl -s '$U/b?list-type=2&prefix=w/c' | grep -q '<Key>w/c&#13;r</Key>'"

# --- DeleteObjects -------------------------------------------------------
cat >"$tmp/del.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>false</Quiet>
<Object><Key>l/f&amp;&lt;&gt;</Key></Object>
<Object><Key>l/a</Key><ETag>"0000"</ETag></Object>
<Object><Key>l/g&#xE9;</Key></Object>
<Object><Key>l/b&#32;b</Key></Object>
<Object><Key>never-existed</Key></Object>
</Delete>
EOF
dmd5=$(md5b64 "$tmp/del.xml")
check "DeleteObjects without Content-MD5 is 400" [ "$(s3 -X POST --data-binary @"$tmp/del.xml" "$U/b?delete")" = 400 ]
check "  InvalidRequest" body_has '<Code>InvalidRequest</Code>'
check "DeleteObjects with bad Content-MD5 is 400" [ "$(s3 -X POST -H "Content-MD5: $good" --data-binary @"$tmp/del.xml" "$U/b?delete")" = 400 ]
check "  BadDigest" body_has '<Code>BadDigest</Code>'
check "DeleteObjects" [ "$(s3 -X POST -H "Content-MD5: $dmd5" --data-binary @"$tmp/del.xml" "$U/b?delete")" = 200 ]
check "  escaped key deleted" body_has '<Deleted><Key>l/f&amp;&lt;&gt;</Key></Deleted>'
check "  ETag mismatch is a per-key PreconditionFailed" body_has '<Error><Key>l/a</Key><Code>PreconditionFailed</Code>'
check "  numeric entity keys deleted" sh -c "grep -q '<Deleted><Key>l/g' '$tmp/body' && grep -q '<Deleted><Key>l/b b</Key>' '$tmp/body'"
check "  missing key reported deleted" body_has '<Deleted><Key>never-existed</Key></Deleted>'
check "  l/a kept" [ "$(s3 -I "$U/b/l/a")" = 200 ]
check "  l/b b gone" [ "$(s3 -I "$U/b/l/b%20b")" = 404 ]
sed 's/false/true/' "$tmp/del.xml" >"$tmp/delq.xml"
check "DeleteObjects Quiet" [ "$(s3 -X POST -H "Content-MD5: $(md5b64 "$tmp/delq.xml")" --data-binary @"$tmp/delq.xml" "$U/b?delete")" = 200 ]
check "  only errors listed" sh -c "! grep -q '<Deleted>' '$tmp/body' && grep -q '<Error><Key>l/a</Key>' '$tmp/body'"
{ echo '<Delete>'; i=0; while [ $i -le 1000 ]; do echo "<Object><Key>k$i</Key></Object>"; i=$((i + 1)); done; echo '</Delete>'; } >"$tmp/del1001.xml"
check "DeleteObjects with 1001 keys is MalformedXML" [ "$(s3 -X POST -H "Content-MD5: $(md5b64 "$tmp/del1001.xml")" --data-binary @"$tmp/del1001.xml" "$U/b?delete")" = 400 ]
check "  MalformedXML" body_has '<Code>MalformedXML</Code>'
printf '<Delete><Object><Key>x</Key></Delete>' >"$tmp/delbad.xml"
check "DeleteObjects malformed" [ "$(s3 -X POST -H "Content-MD5: $(md5b64 "$tmp/delbad.xml")" --data-binary @"$tmp/delbad.xml" "$U/b?delete")" = 400 ]

# --- control endpoints ----------------------------------------------------
curl -s -X POST "$U/_s3mem/reset-stats" >/dev/null
curl -s "$U/b?list-type=2" >/dev/null
curl -s "$U/b/dir/hello" >/dev/null
curl -s -I "$U/b/dir/hello" >/dev/null
check "stats JSON" [ "$(s3 "$U/_s3mem/stats")" = 200 ]
check "  counts" body_has '"requests":3,"list":1,"get":1,"head":1,"put":0,"delete":0,"deleteobjects":0,"objects":'
check "bad fault rule is 400 naming the line" [ "$(s3 --data-binary "$(printf 'op=get status=503\nop=get bogus')" "$U/_s3mem/faults")" = 400 ]
check "  message" body_has 'line 2'

# --- faults ------------------------------------------------------------------
faults 'op=get status=503 retry-after=2'
check "status=503" [ "$(s3 "$U/b/dir/hello")" = 503 ]
check "  SlowDown by default" body_has '<Code>SlowDown</Code>'
check "  Retry-After" [ "$(hdr Retry-After)" = 2 ]
check "  fires once by default" [ "$(s3 "$U/b/dir/hello")" = 200 ]
faults 'op=get nth=2 count=2 status=500 code=InternalError message=boom%20now'
r=$(s3 "$U/b/dir/hello")$(s3 "$U/b/dir/hello")$(s3 "$U/b/dir/hello")$(s3 "$U/b/dir/hello")
check "nth=2 count=2" [ "$r" = 200500500200 ]
faults 'op=get count=0 key=dir/hello status=403'
r=$(s3 "$U/b/dir/hello")$(s3 "$U/b/md5ok")$(s3 "$U/b/dir/hello")
check "count=0 key=K" [ "$r" = 403200403 ]
faults ''
check "empty rules clear" [ "$(s3 "$U/b/dir/hello")" = 200 ]
check "faults_fired" [ "$(stat_of faults_fired)" -ge 5 ]

faults 'op=get reset-after=50'
curl -s -o /dev/null "$U/b/expect"
check "reset-after: curl sees a reset" [ $? -eq 56 ]
faults 'op=list reset-after=0'
curl -s -o /dev/null "$U/b?list-type=2"
rc=$?
check "reset-after=0 on a list" [ $rc -eq 56 ] || [ $rc -eq 52 ]

faults 'op=get stall=300'
t=$(curl -s -o /dev/null -w '%{time_total}' "$U/b/dir/hello")
check "stall=300" [ "$(echo "$t" | awk '{print ($1 >= 0.29)}')" = 1 ]
faults 'op=get stall-body=300'
t=$(curl -s -o "$tmp/sb" -w '%{time_starttransfer} %{time_total}' "$U/b/expect")
check "stall-body: headers early, body late" [ "$(echo "$t" | awk '{print ($1 < 0.25 && $2 >= 0.29)}')" = 1 ]
check "  body complete" cmp -s "$tmp/sb" "$tmp/big"

faults 'op=list truncate=100'
check "truncate=100" [ "$(s3 "$U/b?list-type=2")" = 200 ]
check "  body is 100 bytes" [ "$(wc -c <"$tmp/body")" -eq 100 ]
check "  Content-Length is 100" [ "$(hdr Content-Length)" = 100 ]

faults 'op=deleteobjects error200'
printf '<Delete><Object><Key>l/a</Key></Object></Delete>' >"$tmp/d1.xml"
check "error200" [ "$(s3 -X POST -H "Content-MD5: $(md5b64 "$tmp/d1.xml")" --data-binary @"$tmp/d1.xml" "$U/b?delete")" = 200 ]
check "  Error body" body_has '<Error><Code>InternalError</Code>'
check "  nothing deleted" [ "$(s3 -I "$U/b/l/a")" = 200 ]

faults 'op=list unsorted'
s3 "$U/b?list-type=2&prefix=l/" >/dev/null
check "unsorted swaps the first two keys" body_has '<Contents><Key>l/c+c</Key>.*<Contents><Key>l/a</Key>'

faults 'op=get ifmatch-fail'
check "ifmatch-fail" [ "$(s3 -H "If-Match: \"$etag\"" "$U/b/dir/hello")" = 412 ]

faults 'op=put ignore-conditions'
check "ignore-conditions overwrites despite If-None-Match" [ "$(s3 -X PUT -d new -H 'If-None-Match: *' "$U/b/md5ok")" = 200 ]

faults 'op=deleteobjects key=l/e/1 delete-error=AccessDenied'
printf '<Delete><Object><Key>l/e/1</Key></Object><Object><Key>l/e/2</Key></Object></Delete>' >"$tmp/d2.xml"
check "delete-error" [ "$(s3 -X POST -H "Content-MD5: $(md5b64 "$tmp/d2.xml")" --data-binary @"$tmp/d2.xml" "$U/b?delete")" = 200 ]
check "  per-key error" body_has '<Error><Key>l/e/1</Key><Code>AccessDenied</Code>'
check "  other key deleted" body_has '<Deleted><Key>l/e/2</Key></Deleted>'
check "  faulted key kept" [ "$(s3 -I "$U/b/l/e/1")" = 200 ]
faults ''

# --- latency -------------------------------------------------------------------
curl -s -X POST "$U/_s3mem/latency?ms=200" >/dev/null
t0=$(date +%s%N)
cpids=
i=0
while [ $i -lt 8 ]; do
	curl -s -o /dev/null "$U/b/dir/hello" &
	cpids="$cpids $!"
	i=$((i + 1))
done
for j in $cpids; do wait "$j"; done
ms=$((($(date +%s%N) - t0) / 1000000))
check "8 concurrent requests at 200 ms latency finish together (${ms} ms)" between "$ms" 195 700
curl -s -X POST "$U/_s3mem/latency?ms=0" >/dev/null

# --- clock offset ----------------------------------------------------------
start skew --bucket b --clock-offset -86400
s3 "$U/" >/dev/null
d=$(date -u -d "$(hdr Date)" +%s)
check "--clock-offset shifts Date" between $(($(date +%s) - d)) 86300 86500

# --- clean exit ----------------------------------------------------------------
for p in $pids; do kill "$p"; done
rc=0
for p in $pids; do wait "$p" || rc=$?; done
pids=
check "exits 0 on SIGTERM" [ $rc -eq 0 ]

echo "1..$n"
[ $fails -eq 0 ]
