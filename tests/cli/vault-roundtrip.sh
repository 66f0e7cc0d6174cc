#!/bin/sh
# The round trip on the independent server (s3rver, every signature
# checked): objects of 0 B to 64 MiB, with headers and metadata, under odd
# keys, vaulted, deleted and restored; bytes and headers are the
# original ones afterwards.
. "$top_srcdir/tests/lib.sh"

P="$top_builddir/tests/tools/s3obj-probe"
start_s3rver
R=$S3RVER_URL
awscli "$R" s3 mb s3://roundtrip > /dev/null || diag "mb failed"
export S3GC_ENDPOINT=$R S3GC_BUCKET=roundtrip S3GC_VAULT_PATH="$T/vault"

seg=$(printf 'S%.0s' $(seq 1 99))
long="rt/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$seg/$(printf 'E%.0s' $(seq 1 97))"
# name, size, bytes: random or text
{
	printf 'rt/empty\t0\n'
	printf 'rt/small.txt\t100\n'
	printf 'rt/sp ace+plus%%25pct\t5000\n'
	printf 'rt/caf\303\251/\303\274ber \342\202\254\t3000\n'
	printf "rt/amp&lt<gt>quote\"apos'\t700\n"
	printf 'rt/-dash/_under~tilde!bang(paren)*star=eq;semi,comma@at\t800\n'
	printf '%s\t900\n' "$long"
	printf 'rt/one-mib\t1048576\n'
	printf 'rt/eleven-mb\t11000000\n'
	printf 'rt/64mib\t67108864\n'
} > objects
is "$(wc -l < objects | tr -d ' ')" 10 "ten objects"
is "$(printf '%s' "$long" | wc -c | tr -d ' ')" 1000 "one with a 1,000-byte key"
n=0
while IFS='	' read -r key size; do
	n=$((n + 1))
	if [ $((n % 2)) -eq 0 ]; then head -c "$size" /dev/urandom; else seq 1 20000000 | head -c "$size"; fi > "orig.$n"
	"$P" "$R" roundtrip put "$key" "Content-Type: application/x-rt-$n" "Cache-Control: max-age=$n" \
		"Content-Disposition: attachment; filename=\"f$n\"" "Content-Encoding: identity" \
		"x-amz-meta-owner: user-$n" "x-amz-meta-note: n\303\266te $n" < "orig.$n" > /dev/null ||
		diag "upload of $key failed"
	"$P" "$R" roundtrip head "$key" | sed 1d | sort > "head.$n"
done < objects
s3gc-list > list
is "$(wc -l < list | tr -d ' ')" 10 "all ten listed"
grep -q 'x-amz-meta-owner: user-3' head.3 && grep -q 'content-disposition: attachment' head.3
ok $? "s3rver keeps the headers: $(tr '\n' ' ' < head.3)"

op=$(s3gc-vault new-op)
s3gc-vault put --op "$op" < list > vaulted 2> err
ok $? "put: $(cat err)"
same_file vaulted list "every object vaulted"
s3gc-vault verify "$op" > /dev/null
ok $? "verify"
s3gc-delete --op "$op" --execute < vaulted > deleted 2> err
ok $? "delete: $(cat err)"
is "$(wc -l < deleted | tr -d ' ')" 10 "ten deleted"
is "$(s3gc-list | wc -l | tr -d ' ')" 0 "the bucket is empty"
s3gc-restore -v --op "$op" > restored 2> err
ok $? "restore: $(cat err)"
grep -q '10 restored (.* 1 in parts)' err
ok $? "the 64 MiB one in parts"
is "$(wc -l < restored | tr -d ' ')" 10 "ten restored"
s3gc-list > after
is "$(cut -f1,2 after)" "$(cut -f1,2 list)" "the same keys and sizes are listed"

n=0 badbytes='' badhead=''
while IFS='	' read -r key size; do
	n=$((n + 1))
	"$P" "$R" roundtrip get "$key" | cmp -s - "orig.$n" || badbytes="$badbytes $n"
	"$P" "$R" roundtrip head "$key" | sed 1d | sort | cmp -s - "head.$n" || badhead="$badhead $n"
done < objects
is "$badbytes" "" "every object's bytes are the original ones, 0 B to 64 MiB"
is "$badhead" "" "and every object's headers and metadata"
is "$(grep -v '^rt/64mib' after | cut -f1,4)" "$(grep -v '^rt/64mib' list | cut -f1,4)" \
	"the ETags of the objects sent whole are the original ones"
s3gc-vault log --verify > /dev/null
ok $? "the audit trail's chain is whole"
is "$(s3gc-vault log --op "$op" | grep -c '"outcome":"restored"')" 10 "and has the ten restores"

done_testing
