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
skip() {	# skip DESCRIPTION REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
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

# --- multipart uploads -----------------------------------------------------
# mpu_create KEY [CURL-ARGS...]: CreateMultipartUpload; sets ST (status) and ID.
mpu_create() {
	_k=$1
	shift
	ST=$(s3 -X POST "$@" "$U/b/$_k?uploads")
	ID=$(sed -n 's/.*<UploadId>\([^<]*\)<.*/\1/p' "$tmp/body")
}
# part KEY N FILE [CURL-ARGS...]: UploadPart; prints the status.
part() {
	_k=$1 _n=$2 _f=$3
	shift 3
	s3 -X PUT --data-binary @"$_f" "$@" "$U/b/$_k?partNumber=$_n&uploadId=$ID"
}
# cmu N:ETAG...: a CompleteMultipartUpload body in $tmp/cmu.xml.
cmu() {
	{
		printf '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n'
		for _p in "$@"; do
			printf '<Part><PartNumber>%s</PartNumber><ETag>%s</ETag></Part>\n' "${_p%%:*}" "${_p#*:}"
		done
		printf '</CompleteMultipartUpload>'
	} >"$tmp/cmu.xml"
}
# complete KEY [CURL-ARGS...]: CompleteMultipartUpload with $tmp/cmu.xml; prints the status.
complete() {
	_k=$1
	shift
	s3 -X POST --data-binary @"$tmp/cmu.xml" "$@" "$U/b/$_k?uploadId=$ID"
}
md5hex() { md5sum <"$1" | cut -c1-32; }
# mpu_etag FILE...: S3's multipart ETag: MD5 of the parts' binary MD5s, -count.
mpu_etag() {
	_c=$#
	echo "$(for _f in "$@"; do openssl dgst -md5 -binary "$_f"; done | md5sum | cut -c1-32)-$_c"
}

head -c 5242880 /dev/urandom >"$tmp/p1"	# 5 MiB: the smallest a part but the last may be
head -c 5300000 /dev/urandom >"$tmp/p2"
head -c 1000 /dev/urandom >"$tmp/p3"
printf 'not this one' >"$tmp/junk"
curl -s -X POST "$U/_s3mem/reset-stats" >/dev/null
mpu_create mp/obj -H 'Content-Type: text/x-mpu' -H 'x-amz-meta-Shade: teal' \
	-H 'Cache-Control: no-cache' -H 'Content-Language: fr'
check "CreateMultipartUpload" [ "$ST" = 200 ]
check "  InitiateMultipartUploadResult" body_has '<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>b</Bucket><Key>mp/obj</Key><UploadId>'
check "  an UploadId" [ -n "$ID" ]
id1=$ID
check "  open_uploads 1" [ "$(stat_of open_uploads)" -eq 1 ]
mpu_create mp/obj
check "  upload ids are unique" [ "${ID:-$id1}" != "$id1" ]
idother=$ID
ID=$id1
check "CreateMultipartUpload in a missing bucket is 404" [ "$(s3 -X POST "$U/nosuch/k?uploads")" = 404 ]
check "  NoSuchBucket" body_has '<Code>NoSuchBucket</Code>'
check "UploadPart 1" [ "$(part mp/obj 1 "$tmp/p1")" = 200 ]
check "  ETag is the part's MD5" [ "$(hdr ETag)" = "\"$(md5hex "$tmp/p1")\"" ]
check "UploadPart 2 (junk, replaced below)" [ "$(part mp/obj 2 "$tmp/junk")" = 200 ]
check "UploadPart 2 again" [ "$(part mp/obj 2 "$tmp/p2" -H 'Transfer-Encoding: chunked')" = 200 ]
check "  chunked body: ETag of the decoded part" [ "$(hdr ETag)" = "\"$(md5hex "$tmp/p2")\"" ]
{ printf '%x;chunk-signature=0\r\n' 1000; cat "$tmp/p3"; printf '\r\n0;chunk-signature=0\r\n\r\n'; } >"$tmp/p3.aws"
check "UploadPart 3, aws-chunked" [ "$(part mp/obj 3 "$tmp/p3.aws" -H 'Content-Encoding: aws-chunked' \
	-H 'x-amz-decoded-content-length: 1000')" = 200 ]
check "  ETag of the decoded part" [ "$(hdr ETag)" = "\"$(md5hex "$tmp/p3")\"" ]
check "UploadPart 7 (not listed, discarded)" [ "$(part mp/obj 7 "$tmp/junk")" = 200 ]
check "UploadPart with a good Content-MD5 and x-amz-content-sha256" [ "$(part mp/obj 8 "$tmp/junk" \
	-H "Content-MD5: $(md5b64 "$tmp/junk")" \
	-H "x-amz-content-sha256: $(openssl dgst -sha256 -hex <"$tmp/junk" | sed 's/.* //')")" = 200 ]
check "UploadPart with a bad Content-MD5 is 400" [ "$(part mp/obj 9 "$tmp/junk" -H "Content-MD5: $good")" = 400 ]
check "  BadDigest" body_has '<Code>BadDigest</Code>'
check "UploadPart with a wrong x-amz-content-sha256 is 400" [ "$(part mp/obj 9 "$tmp/junk" \
	-H "x-amz-content-sha256: $(printf x | openssl dgst -sha256 -hex | sed 's/.* //')")" = 400 ]
check "  XAmzContentSHA256Mismatch" body_has '<Code>XAmzContentSHA256Mismatch</Code>'
check "UploadPart with UNSIGNED-PAYLOAD" [ "$(part mp/obj 9 "$tmp/junk" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')" = 200 ]
r=$(part mp/obj 0 "$tmp/junk")$(part mp/obj 10001 "$tmp/junk")$(part mp/obj x "$tmp/junk")
check "partNumber 0, 10001, x are 400" [ "$r" = 400400400 ]
check "  InvalidArgument" body_has '<Code>InvalidArgument</Code>'
ID=0123456789ABCDEF
check "UploadPart to an unknown upload is 404" [ "$(part mp/obj 1 "$tmp/junk")" = 404 ]
check "  NoSuchUpload" body_has '<Code>NoSuchUpload</Code>'
ID=$id1
check "UploadPart naming another key's upload is 404" [ "$(part mp/else 1 "$tmp/junk")" = 404 ]
check "  NoSuchUpload" body_has '<Code>NoSuchUpload</Code>'
e1=$(md5hex "$tmp/p1") e2=$(md5hex "$tmp/p2") e3=$(md5hex "$tmp/p3")
cmu "2:\"$e2\"" "1:\"$e1\"" "3:\"$e3\""
check "CompleteMultipartUpload out of order is 400" [ "$(complete mp/obj)" = 400 ]
check "  InvalidPartOrder" body_has '<Code>InvalidPartOrder</Code>'
cmu "1:\"$e1\"" "1:\"$e1\"" "3:\"$e3\""
check "  a part listed twice too" [ "$(complete mp/obj)" = 400 ]
check "  InvalidPartOrder" body_has '<Code>InvalidPartOrder</Code>'
cmu "1:\"$e1\"" "2:\"$e1\"" "3:\"$e3\""
check "CompleteMultipartUpload with a wrong ETag is 400" [ "$(complete mp/obj)" = 400 ]
check "  InvalidPart" body_has '<Code>InvalidPart</Code>'
cmu "1:\"$e1\"" "2:\"$e2\"" "4:\"$e3\""
check "CompleteMultipartUpload listing a part never uploaded is 400" [ "$(complete mp/obj)" = 400 ]
check "  InvalidPart" body_has '<Code>InvalidPart</Code>'
cmu "1:\"$e1\"" "3:\"$e3\"" "7:\"$(md5hex "$tmp/junk")\""
check "CompleteMultipartUpload with a small part not last is 400" [ "$(complete mp/obj)" = 400 ]
check "  EntityTooSmall" body_has '<Code>EntityTooSmall</Code>'
cmu
check "CompleteMultipartUpload with no parts is 400" [ "$(complete mp/obj)" = 400 ]
check "  MalformedXML" body_has '<Code>MalformedXML</Code>'
printf '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></CompleteMultipartUpload>' >"$tmp/cmu.xml"
check "CompleteMultipartUpload with a Part lacking its ETag is 400" [ "$(complete mp/obj)" = 400 ]
check "  MalformedXML" body_has '<Code>MalformedXML</Code>'
ID=0123456789ABCDEF
check "CompleteMultipartUpload of an unknown upload is 404" [ "$(complete mp/obj)" = 404 ]
check "  NoSuchUpload" body_has '<Code>NoSuchUpload</Code>'
ID=$id1
check "  failed completions leave no object" [ "$(s3 -I "$U/b/mp/obj")" = 404 ]
# Quoted, bare and entity-quoted ETags, as clients send them.
cmu "1:\"$e1\"" "2:$e2" "3:&quot;$e3&quot;"
want=$(mpu_etag "$tmp/p1" "$tmp/p2" "$tmp/p3")
check "CompleteMultipartUpload" [ "$(complete mp/obj)" = 200 ]
check "  CompleteMultipartUploadResult" body_has "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location>$U/b/mp/obj</Location><Bucket>b</Bucket><Key>mp/obj</Key><ETag>\"$want\"</ETag></CompleteMultipartUploadResult>"
check "  ETag ends -3" [ "${want#*-}" = 3 ]
check "GET the completed object" [ "$(s3 "$U/b/mp/obj")" = 200 ]
cat "$tmp/p1" "$tmp/p2" "$tmp/p3" >"$tmp/p123"
check "  the listed parts' bytes, in order" cmp -s "$tmp/body" "$tmp/p123"
check "  the multipart ETag" [ "$(hdr ETag)" = "\"$want\"" ]
check "  Content-Type from Create" [ "$(hdr Content-Type)" = text/x-mpu ]
check "  x-amz-meta-shade from Create" [ "$(hdr x-amz-meta-shade)" = teal ]
check "  Cache-Control and Content-Language from Create" [ "$(hdr Cache-Control)/$(hdr Content-Language)" = no-cache/fr ]
check "  Last-Modified" [ -n "$(hdr Last-Modified)" ]
check "HEAD the completed object" [ "$(s3 -I "$U/b/mp/obj")" = 200 ]
check "  Content-Length" [ "$(hdr Content-Length)" -eq $((5242880 + 5300000 + 1000)) ]
check "  ETag" [ "$(hdr ETag)" = "\"$want\"" ]
check "Range GET across a part boundary" [ "$(s3 -H 'Range: bytes=5242870-5242889' "$U/b/mp/obj")" = 206 ]
check "  bytes" sh -c "tail -c +5242871 '$tmp/p123' | head -c 20 | cmp -s - '$tmp/body'"
check "ListObjectsV2 shows it" [ "$(s3 "$U/b?list-type=2&prefix=mp/")" = 200 ]
check "  key, ETag and size" body_has "<Key>mp/obj</Key><LastModified>[^<]*</LastModified><ETag>&quot;$want&quot;</ETag><Size>10543880</Size>"
check "a second Complete is 404" [ "$(complete mp/obj)" = 404 ]
check "  NoSuchUpload" body_has '<Code>NoSuchUpload</Code>'
check "UploadPart after Complete is 404" [ "$(part mp/obj 1 "$tmp/junk")" = 404 ]
ID=$idother
check "AbortMultipartUpload" [ "$(s3 -X DELETE "$U/b/mp/obj?uploadId=$ID")" = 204 ]
check "  a second Abort is 404" [ "$(s3 -X DELETE "$U/b/mp/obj?uploadId=$ID")" = 404 ]
check "  NoSuchUpload" body_has '<Code>NoSuchUpload</Code>'
check "Abort of an unknown upload is 404" [ "$(s3 -X DELETE "$U/b/mp/obj?uploadId=0123456789ABCDEF")" = 404 ]
check "  NoSuchUpload" body_has '<Code>NoSuchUpload</Code>'
check "  UploadPart after Abort is 404" [ "$(part mp/obj 1 "$tmp/junk")" = 404 ]
check "  open_uploads back to 0" [ "$(stat_of open_uploads)" -eq 0 ]
s3 -I "$U/b/mp/obj" >/dev/null
check "  the object is untouched" [ "$(hdr ETag)" = "\"$want\"" ]

# Parts need not be consecutive; conditions as on PUT.
mpu_create mp/obj
part mp/obj 1 "$tmp/p1" >/dev/null
part mp/obj 2 "$tmp/junk" >/dev/null
part mp/obj 5 "$tmp/p3" >/dev/null
cmu "1:\"$e1\"" "5:\"$e3\""
sed 's/ xmlns="[^"]*"//' "$tmp/cmu.xml" >"$tmp/cmu2.xml" && mv "$tmp/cmu2.xml" "$tmp/cmu.xml"
check "Complete with If-None-Match: * over an existing key is 412" [ "$(complete mp/obj -H 'If-None-Match: *')" = 412 ]
check "  PreconditionFailed" body_has '<Code>PreconditionFailed</Code>'
check "Complete with If-Match of another ETag is 412" [ "$(complete mp/obj -H 'If-Match: "00"')" = 412 ]
check "Complete with If-Match of the current ETag (no xmlns)" [ "$(complete mp/obj -H "If-Match: \"$want\"")" = 200 ]
want2=$(mpu_etag "$tmp/p1" "$tmp/p3")
check "  parts 1 and 5: ETag" body_has "<ETag>\"$want2\"</ETag>"
cat "$tmp/p1" "$tmp/p3" >"$tmp/p13"
check "  bytes of parts 1 and 5 only" sh -c "curl -s '$U/b/mp/obj' | cmp -s - '$tmp/p13'"
mpu_create mp/new
part mp/new 1 "$tmp/p3" >/dev/null
cmu "1:\"$e3\""
check "Complete with If-None-Match: * of a new key" [ "$(complete mp/new -H 'If-None-Match: *')" = 200 ]
check "  one part: ETag -1" body_has "<ETag>\"$(mpu_etag "$tmp/p3")\"</ETag>"
check "  bytes" sh -c "curl -s '$U/b/mp/new' | cmp -s - '$tmp/p3'"

# Requests s3mem does not implement still say so.
check "ListParts is 501" [ "$(s3 "$U/b/mp/obj?uploadId=$id1")" = 501 ]
check "ListMultipartUploads is 501" [ "$(s3 "$U/b?uploads")" = 501 ]
check "UploadPartCopy is 501" [ "$(s3 -X PUT -H 'x-amz-copy-source: /b/mp/obj' "$U/b/mp/c?partNumber=1&uploadId=$id1")" = 501 ]
check "CopyObject is 501" [ "$(s3 -X PUT -H 'x-amz-copy-source: /b/mp/obj' "$U/b/mp/c")" = 501 ]

# 64 MiB in 5 MiB parts.
head -c 67108864 /dev/urandom >"$tmp/big64"
(cd "$tmp" && split -b 5242880 -d -a 2 big64 part64.)
mpu_create mp/big
set --
i=0
r=
for f in "$tmp"/part64.*; do
	i=$((i + 1))
	r="$r$(part mp/big $i "$f")"
	set -- "$@" "$i:$(hdr ETag)"
done
check "64 MiB: $i parts uploaded" [ "$r" = "$(printf '200%.0s' $(seq $i))" ]
cmu "$@"
set --
check "  Complete" [ "$(complete mp/big)" = 200 ]
check "  ETag" body_has "<ETag>\"$(mpu_etag "$tmp"/part64.*)\"</ETag>"
check "  bytes" sh -c "curl -s '$U/b/mp/big' | cmp -s - '$tmp/big64'"
rm -f "$tmp"/big64 "$tmp"/part64.*

# Statistics: four counters, and open_uploads, which is state.
check "stats count multipart requests" [ "$(stat_of mpu_create)/$(stat_of mpu_complete)/$(stat_of mpu_abort)" = 6/15/3 ]
check "  parts" [ "$(stat_of mpu_part)" -eq $((20 + i)) ]
mpu_create mp/open
curl -s -X POST "$U/_s3mem/reset-stats" >/dev/null
check "reset-stats zeroes the counters, not open_uploads" [ "$(stat_of mpu_create)/$(stat_of mpu_part)/$(stat_of mpu_complete)/$(stat_of mpu_abort)/$(stat_of open_uploads)" = 0/0/0/0/1 ]
check "  existing fields first, in place" sh -c "curl -s '$U/_s3mem/stats' | grep -q '^{\"requests\":0,\"list\":0,\"get\":0,\"head\":0,\"put\":0,\"delete\":0,\"deleteobjects\":0,\"objects\":[0-9]*,\"faults_fired\":0,\"busy_us\":[0-9]*,\"peak_delayed\":[0-9]*,\"mpu_create\":0,'"
s3 -X DELETE "$U/b/mp/open?uploadId=$ID" >/dev/null

# Faults on each kind of multipart request.
faults 'op=uploads status=503'
mpu_create mp/f
check "op=uploads status=503" [ "$ST" = 503 ]
check "  SlowDown" body_has '<Code>SlowDown</Code>'
check "  no upload made" [ "$(stat_of open_uploads)" -eq 0 ]
mpu_create mp/f
faults 'op=part nth=1 status=503'
check "op=part nth=1 status=503" [ "$(part mp/f 1 "$tmp/p1")" = 503 ]
check "  the next part goes through" [ "$(part mp/f 1 "$tmp/p1")" = 200 ]
part mp/f 2 "$tmp/p3" >/dev/null
faults 'op=part key=mp/g count=0 status=403'
check "op=part key=K fires on K" [ "$(part mp/g 2 "$tmp/p3")" = 403 ]
check "  and not on other keys" [ "$(part mp/f 2 "$tmp/p3")" = 200 ]
cmu "1:\"$e1\"" "2:\"$e3\""
faults 'op=complete error200'
check "op=complete error200 answers 200" [ "$(complete mp/f)" = 200 ]
check "  with an Error document" body_has '<Error><Code>InternalError</Code>'
check "  and completes nothing" [ "$(s3 -I "$U/b/mp/f")" = 404 ]
faults 'op=complete ifmatch-fail'
check "op=complete ifmatch-fail" [ "$(complete mp/f -H 'If-Match: *')" = 412 ]
faults 'op=complete reset-after=0'
curl -s -o /dev/null -X POST --data-binary @"$tmp/cmu.xml" "$U/b/mp/f?uploadId=$ID"
rc=$?
check "op=complete reset-after=0" sh -c "[ $rc -eq 56 ] || [ $rc -eq 52 ]"
check "  the upload was completed all the same" [ "$(s3 -I "$U/b/mp/f")" = 200 ]
mpu_create mp/f
faults 'op=abort status=500'
check "op=abort status=500" [ "$(s3 -X DELETE "$U/b/mp/f?uploadId=$ID")" = 500 ]
check "  the upload is still there" [ "$(part mp/f 1 "$tmp/junk")" = 200 ]
faults 'op=any key=mp/f count=0 stall=200'
t=$(curl -s -o /dev/null -w '%{time_total}' -X DELETE "$U/b/mp/f?uploadId=$ID")
check "op=any covers abort (stall=200)" [ "$(echo "$t" | awk '{print ($1 >= 0.19)}')" = 1 ]
faults ''
check "  open_uploads 0" [ "$(stat_of open_uploads)" -eq 0 ]

# An independent client: the AWS CLI goes multipart above 8 MB.
AWS=${S3GC_AWS:-/usr/bin/aws}
[ -x "$AWS" ] || AWS=$(command -v aws) || AWS=
if [ -n "$AWS" ]; then
	: >"$tmp/aws-config"
	: >"$tmp/aws-credentials"
	head -c 20971520 /dev/urandom >"$tmp/cli"
	(
		unset AWS_CA_BUNDLE AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
		export AWS_ACCESS_KEY_ID=s3memTESTKEY AWS_SECRET_ACCESS_KEY=s3memTESTSECRET \
			AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
			AWS_CONFIG_FILE="$tmp/aws-config" AWS_SHARED_CREDENTIALS_FILE="$tmp/aws-credentials"
		"$AWS" --endpoint-url "$U" s3 cp --quiet "$tmp/cli" s3://b/mp/cli &&
			"$AWS" --endpoint-url "$U" s3 cp --quiet s3://b/mp/cli "$tmp/cli.back"
	) >"$tmp/aws.log" 2>&1 || sed 's/^/#   /' "$tmp/aws.log"
	check "aws s3 cp of 20 MiB up and down: same bytes" cmp -s "$tmp/cli" "$tmp/cli.back"
	check "  uploaded in parts" sh -c "curl -sI '$U/b/mp/cli' | grep -qi '^ETag: \"[0-9a-f]\{32\}-[0-9]*\"'"
else
	skip "aws s3 cp of 20 MiB up and down" "no AWS CLI"
fi

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
