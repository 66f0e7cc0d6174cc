#!/bin/sh
# usage: tests/s3rver/cli-test.sh
#
# Drives the proxy with the AWS CLI (v2 from Debian's awscli package preferred:
# /usr/bin/aws; override with AWS_CLI=...) and curl: bucket/object round trip,
# multipart upload, delete-objects, wrong secret, presigned URLs, and a complete
# paged listing of 3,000 odd keys.  Prints "N passed, M failed"; exit 1 on failure.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
if [ -z "${AWS_CLI:-}" ]; then
	if [ -x /usr/bin/aws ]; then AWS_CLI=/usr/bin/aws; else AWS_CLI=aws; fi
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/s3gc-cli-test.XXXXXX")
port=$("$here/start.sh" "$work/run")
cleanup() {
	"$here/stop.sh" "$work/run" || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export AWS_ACCESS_KEY_ID="${S3GC_TEST_ACCESS_KEY:-s3gcTESTKEY}"
export AWS_SECRET_ACCESS_KEY="${S3GC_TEST_SECRET_KEY:-s3gcTESTSECRET}"
export AWS_DEFAULT_REGION=us-east-1
unset AWS_CA_BUNDLE AWS_PROFILE AWS_SESSION_TOKEN || true
: >"$work/aws-config"
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-config" AWS_PAGER=
ep="http://127.0.0.1:$port"
aws() { "$AWS_CLI" --endpoint-url "$ep" "$@"; }

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
# run: NAME CMD... -- expect exit 0
run() {
	name=$1
	shift
	if "$@" >"$work/out" 2>"$work/err"; then ok "$name"; else bad "$name: exit $?: $(head -c 400 "$work/err")"; fi
}
# fails: NAME PATTERN CMD... -- expect non-zero exit and PATTERN on stderr
fails() {
	name=$1
	pat=$2
	shift 2
	if "$@" >"$work/out" 2>"$work/err"; then
		bad "$name: succeeded"
	elif grep -q "$pat" "$work/err"; then
		ok "$name"
	else
		bad "$name: $(head -c 400 "$work/err")"
	fi
}

echo "AWS CLI: $("$AWS_CLI" --version 2>&1); proxy on port $port"
printf 'hello from the cli test\n' >"$work/small.txt"
head -c 20000000 /dev/urandom >"$work/big.bin"

run "create-bucket" aws s3api create-bucket --bucket cli-bucket
run "put-object" aws s3api put-object --bucket cli-bucket --key 'dir/a b+c%~&=.txt' --body "$work/small.txt"
run "s3 cp upload" aws s3 cp "$work/small.txt" 's3://cli-bucket/dir/é 日本.txt'
run "s3 cp multipart upload (20 MB)" aws s3 cp "$work/big.bin" s3://cli-bucket/big.bin
run "s3 ls (ListBuckets)" aws s3 ls
if grep -q ' cli-bucket$' "$work/out"; then ok "s3 ls lists the bucket"; else bad "s3 ls output: $(cat "$work/out")"; fi
run "s3 ls" aws s3 ls s3://cli-bucket/dir/
if grep -q 'a b+c%~&=.txt' "$work/out" && grep -q 'é 日本.txt' "$work/out"; then ok "s3 ls shows both keys"; else bad "s3 ls output: $(cat "$work/out")"; fi
run "list-objects-v2" aws s3api list-objects-v2 --bucket cli-bucket --output text --query 'Contents[].Key'
run "get-object" aws s3api get-object --bucket cli-bucket --key 'dir/a b+c%~&=.txt' "$work/got.txt"
if cmp -s "$work/small.txt" "$work/got.txt"; then ok "get-object content"; else bad "get-object content differs"; fi
run "s3 cp download (multipart object)" aws s3 cp s3://cli-bucket/big.bin "$work/big.got"
if cmp -s "$work/big.bin" "$work/big.got"; then ok "download content"; else bad "download content differs"; fi
run "delete-object" aws s3api delete-object --bucket cli-bucket --key big.bin
run "delete-objects" aws s3api delete-objects --bucket cli-bucket \
	--delete '{"Objects":[{"Key":"dir/a b+c%~&=.txt"},{"Key":"dir/é 日本.txt"},{"Key":"never-existed"}]}'
run "list after deletes" aws s3api list-objects-v2 --bucket cli-bucket --output json
if [ ! -s "$work/out" ] || ! grep -q '"Key"' "$work/out"; then ok "bucket is empty again"; else bad "left: $(cat "$work/out")"; fi

# wrong secret / key
run "put-object for the negative tests" aws s3api put-object --bucket cli-bucket --key k --body "$work/small.txt"
fails "s3 ls with a wrong secret -> SignatureDoesNotMatch" SignatureDoesNotMatch \
	env AWS_SECRET_ACCESS_KEY=wrong "$AWS_CLI" --endpoint-url "$ep" s3 ls s3://cli-bucket/
fails "put-object with a wrong secret -> SignatureDoesNotMatch" SignatureDoesNotMatch \
	env AWS_SECRET_ACCESS_KEY=wrong "$AWS_CLI" --endpoint-url "$ep" s3api put-object --bucket cli-bucket --key k2 --body "$work/small.txt"
fails "delete-objects with a wrong secret -> SignatureDoesNotMatch" SignatureDoesNotMatch \
	env AWS_SECRET_ACCESS_KEY=wrong "$AWS_CLI" --endpoint-url "$ep" s3api delete-objects --bucket cli-bucket --delete '{"Objects":[{"Key":"k"}]}'
fails "get-object with an unknown access key -> InvalidAccessKeyId" InvalidAccessKeyId \
	env AWS_ACCESS_KEY_ID=AKIDNOTKNOWN "$AWS_CLI" --endpoint-url "$ep" s3api get-object --bucket cli-bucket --key k "$work/x"
run "session token (x-amz-security-token) is accepted when signed" \
	env AWS_SESSION_TOKEN='FwoGZXIvYXdzEXAMPLE//token+=' "$AWS_CLI" --endpoint-url "$ep" s3api head-object --bucket cli-bucket --key k

# presigned URLs
url=$(aws s3 presign s3://cli-bucket/k --expires-in 300)
if curl -fsS -o "$work/presigned.txt" "$url" && cmp -s "$work/small.txt" "$work/presigned.txt"; then
	ok "presigned URL fetched with curl"
else
	bad "presigned URL: $url"
fi
tampered=$(printf '%s' "$url" | sed 's/\(X-Amz-Signature=.\)./\1x/')
code=$(curl -sS -o "$work/tampered.xml" -w '%{http_code}' "$tampered")
if [ "$code" = 403 ] && grep -q SignatureDoesNotMatch "$work/tampered.xml"; then
	ok "presigned URL with a tampered signature -> 403 SignatureDoesNotMatch"
else
	bad "tampered presigned URL: HTTP $code $(cat "$work/tampered.xml")"
fi
code=$(curl -sS -o "$work/unsigned.xml" -w '%{http_code}' "$ep/cli-bucket/k")
if [ "$code" = 403 ] && grep -q AccessDenied "$work/unsigned.xml"; then ok "unsigned GET -> 403 AccessDenied"; else bad "unsigned GET: HTTP $code"; fi

# 3,000 odd keys (space + % ~ & = tab LF CR non-ASCII, a 1,024-byte key, ...)
(cd "$here" && node selftest.js populate --port "$port" --bucket odd-keys --count 3000) >"$work/want.json"
for listing in "list-objects-v2 1000" "list-objects-v2 7" "list-objects 7"; do
	op=${listing% *}
	ps=${listing#* }
	if aws s3api "$op" --bucket odd-keys --page-size "$ps" --output json >"$work/got.json" 2>"$work/err"; then
		if node -e '
			const fs = require("fs");
			const want = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
			const got = (JSON.parse(fs.readFileSync(process.argv[2], "utf8")).Contents || []).map(c => c.Key);
			const cmp = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));
			const w = [...want].sort(cmp);
			const missing = w.filter(k => !got.includes(k));
			console.error(`want ${w.length}, got ${got.length}, unique ${new Set(got).size}, missing ${JSON.stringify(missing.slice(0, 3))}`);
			process.exit(JSON.stringify(w) === JSON.stringify(got) ? 0 : 1);
		' "$work/want.json" "$work/got.json" 2>"$work/cmp"; then
			ok "$op --page-size $ps lists all 3000 odd keys in order ($(cat "$work/cmp"))"
		else
			bad "$op --page-size $ps: $(cat "$work/cmp")"
		fi
	else
		bad "$op --page-size $ps: $(head -c 400 "$work/err")"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
