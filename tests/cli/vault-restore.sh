#!/bin/sh
# s3gc-restore: by operation, by time, by key; bytes and headers as they
# were; existing objects left unless --overwrite; damaged copies never
# sent; large objects in parts; on s3mem and on s3rver.
. "$top_srcdir/tests/lib.sh"

P="$top_builddir/tests/tools/s3obj-probe"
{
	printf 'r/empty\t0\t86400\n'
	printf 'r/small\t100\t86400\n'
	printf 'r/mib\t1048576\t86400\n'
	printf 'r/sp ace+plus\t2000\t86400\n'
	printf 'r/tab%%09nl%%0A\t300\t86400\n'
	printf 'r/64mib\t67108864\t86400\n'
} > pop.txt
start_s3mem --bucket bkt --populate pop.txt
export S3GC_BUCKET=bkt S3GC_ENDPOINT=$S3MEM_URL S3GC_VAULT_PATH="$T/vault"
U=$S3MEM_URL
printf 'hello' | "$P" "$U" bkt put r/meta "Content-Type: text/plain" "x-amz-meta-owner: u1" \
	"Cache-Control: no-cache" "Content-Disposition: attachment" > /dev/null
s3gc-list > list
while IFS='	' read -r k rest; do
	"$P" "$U" bkt get "$(printf '%b' "$(printf '%s' "$k" | sed 's/%\(..\)/\\x\1/g')")" > "orig.$(printf '%s' "$k" | md5sum | cut -c1-8)"
done < list
op=$(s3gc-vault new-op)
s3gc-vault put --op "$op" < list > vaulted
t0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
s3gc-delete --op "$op" --execute < vaulted > deleted
is "$(s3gc-list | wc -l | tr -d ' ')" 0 "the bucket is empty after the delete"

s3gc-restore --op "$op" --dry-run > out 2> err
ok $? "a dry run"
is "$(wc -c < out | tr -d ' ')$(s3gc-list | wc -l | tr -d ' ')" 00 "sends nothing"
is "$(grep -c 'would restore' err)" 7 "and names the seven"

s3gc-restore --op "$op" --part-size 64 > restored 2> err
ok $? "--op restores (no object larger than a part: each in one PUT)"
is "$(wc -l < restored | tr -d ' ')" 7 "seven records written"
s3gc-list > after
is "$(cut -f1,2,4 after)" "$(cut -f1,2,4 list)" "keys, sizes and ETags are as they were"
bad=0
while IFS='	' read -r k rest; do
	raw=$(printf '%b' "$(printf '%s' "$k" | sed 's/%\(..\)/\\x\1/g')")
	"$P" "$U" bkt get "$raw" > got
	cmp -s got "orig.$(printf '%s' "$k" | md5sum | cut -c1-8)" || bad=$((bad + 1))
done < list
is "$bad" 0 "every object's bytes are the original ones, 0 B to 64 MiB"
"$P" "$U" bkt head r/meta > head.out
grep -qx 'content-type: text/plain' head.out && grep -qx 'x-amz-meta-owner: u1' head.out &&
	grep -qx 'cache-control: no-cache' head.out && grep -qx 'content-disposition: attachment' head.out
ok $? "and its headers"
is "$(s3gc-vault log --op "$op" | grep -c '"stage":"restore".*"outcome":"restored"')" 7 \
	"the trail has seven restores"

# Existing objects are left, unless --overwrite.
printf 'newer' | "$P" "$U" bkt put r/small > /dev/null
s3gc-restore --op "$op" > out 2> err
ok $? "a second restore exits 0"
is "$(wc -c < out | tr -d ' ')" 0 "restores nothing: everything exists"
is "$("$P" "$U" bkt get r/small)" newer "the newer object is left"
s3gc-restore --op "$op" --overwrite --part-size 64 > out
ok $? "--overwrite"
is "$(wc -l < out | tr -d ' ')" 7 "puts all seven back"
"$P" "$U" bkt get r/small | cmp -s - "orig.$(printf 'r/small' | md5sum | cut -c1-8)"
ok $? "the newer object is replaced by the vaulted one"

# --as-of: what was deleted since; --keys: the newest copy of each key.
op2=$(s3gc-vault new-op)
grep '^r/small\|^r/mib' after | s3gc-vault put --op "$op2" > v2
s3gc-delete --op "$op2" --execute < v2 > /dev/null
"$P" "$U" bkt delete r/empty
s3gc-restore --as-of "$t0" > out
ok $? "--as-of"
is "$(cut -f1 out | sort | tr '\n' ' ')" "r/empty r/mib r/small " \
	"restores what is missing of what was deleted since (the rest exists)"
"$P" "$U" bkt delete r/mib
"$P" "$U" bkt delete r/empty
printf 'r/mib\nr/empty\nnot/vaulted\n' | s3gc-restore --keys > out 2> err
is $? 83 "--keys with a key the vault lacks: exit 83"
is "$(cut -f1 out | tr '\n' ' ')" "r/mib r/empty " "the others are restored"
grep -q "'not/vaulted' is not in the vault" err
ok $? "the missing one is named"

# A damaged copy is never sent.
"$P" "$U" bkt delete r/mib
blob=$(s3gc-vault log --op "$op" --key r/mib | sed -n '1s/.*"blob":"\([0-9a-f]*\)".*/\1/p')
for f in "$T/vault/blobs/$(printf '%.2s' "$blob")/$blob"*; do
	printf 'XX' | dd of="$f" bs=1 seek=50 conv=notrunc 2>/dev/null
done
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
printf 'r/mib\n' | s3gc-restore --keys > out 2> err
is $? 83 "a damaged copy: exit 83"
is "$(s3mem_stat put)" 0 "and nothing is sent"
grep -q 'r/mib' err
ok $? "the message names the key"

# Objects larger than a part go up in parts; the ETag is then that of a
# multipart upload, the bytes and headers are the same.
head -c 12000000 /dev/urandom > big.bin
"$P" "$U" bkt put r/big "Content-Type: application/x-big" "x-amz-meta-owner: u3" < big.bin > /dev/null
printf 'r/big\nr/64mib\nr/small\n' | s3gc-vault put --op "$(s3gc-vault new-op)" > vbig
mop=$(s3gc-vault ls | tail -1 | cut -f1)
s3gc-delete --op "$mop" --execute < vbig > /dev/null
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-restore --op "$mop" --part-size 5 -v > out 2> err
ok $? "--part-size 5: restored: $(tail -1 err)"
is "$(s3mem_stat mpu_complete) $(s3mem_stat mpu_part) $(s3mem_stat put)" "2 16 3" \
	"two uploads in parts (3 and 13 parts), the small one in one PUT (and the probe's two)"
grep -q '3 restored (.* 2 in parts)' err
ok $? "-v counts them"
"$P" "$U" bkt get r/big | cmp -s - big.bin
ok $? "the 12 MB object's bytes are the original ones"
"$P" "$U" bkt get r/64mib | cmp -s - "orig.$(printf 'r/64mib' | md5sum | cut -c1-8)"
ok $? "and the 64 MiB one's"
"$P" "$U" bkt head r/big > head.out
grep -qx 'content-type: application/x-big' head.out && grep -qx 'x-amz-meta-owner: u3' head.out
ok $? "with its headers"
mpu_etag() { # the ETag of FILE sent in parts of N MiB
	split -b $(($2 * 1048576)) -d -a 3 "$1" part.
	n=$(ls part.* | wc -l | tr -d ' ')
	for f in part.*; do openssl dgst -md5 -binary "$f"; done | openssl dgst -md5 -r | cut -d' ' -f1 | tr -d '\n'
	printf -- '-%s\n' "$n"
	rm -f part.*
}
is "$(grep '^r/big' out | cut -f4)" "$(mpu_etag big.bin 5)" "the record has the multipart ETag"
is "$(grep '^r/big' out | cut -f4)" "$(sed -n 's/^found [0-9]* \([^ ]*\) .*/\1/p' head.out)" "which is the object's"
is "$(s3mem_stat open_uploads)" 0 "no upload is left open"
# A part refused once is sent again; a part refused for good aborts the upload.
"$P" "$U" bkt delete r/big
printf 'op=part nth=2 status=503\n' | s3mem_faults
printf 'r/big\n' | s3gc-restore --keys --part-size 5 > out 2> err
ok $? "a part refused once with 503: restored: $(cat err)"
"$P" "$U" bkt get r/big | cmp -s - big.bin
ok $? "with the original bytes"
"$P" "$U" bkt delete r/big
printf 'op=part nth=2 count=0 status=403\n' | s3mem_faults
printf 'r/big\n' | s3gc-restore --keys --part-size 5 > out 2> err
is $? 80 "a part refused for good: exit 80"
grep -q 'UploadPart 2 of .r/big.*403' err
ok $? "naming the part: $(head -1 err)"
is "$(s3mem_stat open_uploads)" 0 "the upload was aborted"
"$P" "$U" bkt head r/big | grep -q '^found'
is $? 1 "and the object is not there"
# A 200 whose body is an error, from CompleteMultipartUpload: tried again.
printf 'op=complete nth=1 error200\n' | s3mem_faults
printf 'r/big\n' | s3gc-restore --keys --part-size 5 > out 2> err
ok $? "an error in a 200 from CompleteMultipartUpload is retried: $(cat err)"
"$P" "$U" bkt get r/big | cmp -s - big.bin
ok $? "with the original bytes"
# Connections reset in the middle of a part, and of a PUT: sent again.
"$P" "$U" bkt delete r/big
"$P" "$U" bkt delete r/mib-copy 2> /dev/null
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
printf 'op=part nth=2 reset-after=100\nop=put key=r/small nth=1 reset-after=100\n' | s3mem_faults
"$P" "$U" bkt delete r/small
printf 'r/big\nr/small\n' | s3gc-restore --keys --part-size 5 > out 2> err
ok $? "resets in a part and in a PUT: restored: $(cat err)"
is "$(s3mem_stat faults_fired)" 2 "both resets happened"
"$P" "$U" bkt get r/big | cmp -s - big.bin && "$P" "$U" bkt get r/small |
	cmp -s - "orig.$(printf 'r/small' | md5sum | cut -c1-8)"
ok $? "with the original bytes"
printf '' | s3mem_faults
# If-None-Match on the completion: an object that exists by then is left.
printf '' | s3mem_faults
printf 'r/big\n' | s3gc-restore --keys --part-size 5 > out 2> err
ok $? "the object exists: exit 0"
is "$(wc -c < out | tr -d ' ')" 0 "nothing restored"
is "$(s3mem_stat open_uploads)" 0 "and no upload is left open"
s3gc-restore --keys --part-size 4 < /dev/null 2> err
is $? 64 "--part-size 4: exit 64"

# A server that ignores If-None-Match: --head-first leaves what exists.
printf 'op=put count=0 ignore-conditions\n' | s3mem_faults
printf 'newest' | "$P" "$U" bkt put r/small > /dev/null
printf 'r/small\n' | s3gc-restore --keys --head-first > out
ok $? "--head-first"
is "$("$P" "$U" bkt get r/small)" newest "the object that exists is left"
# Without --head-first, the probe finds it out.
"$P" "$U" bkt delete r/empty
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
printf 'r/small\nr/empty\n' | s3gc-restore --keys > out 2> err
ok $? "a server that ignores If-None-Match, no --head-first: exit 0"
grep -q 'does not honour If-None-Match' err
ok $? "the probe finds it out, and says so: $(cat err)"
is "$("$P" "$U" bkt get r/small)" newest "the object that exists is left"
is "$(cut -f1 out)" "r/empty" "the missing one is restored"
is "$(s3mem_stat head)" 2 "each key was looked at first"
is "$(s3gc-list --prefix .s3gc-probe | wc -l | tr -d ' ')" 0 "the probe object is deleted"
printf '' | s3mem_faults
# A probe object that cannot be deleted is named.
"$P" "$U" bkt delete r/empty
printf 'op=delete count=0 status=403\n' | s3mem_faults
printf 'r/empty\n' | s3gc-restore --keys > out 2> err
ok $? "the probe cannot be deleted: the restore goes on"
grep -q "the empty object '.s3gc-probe/.*' this run put to try the server could not be deleted" err
ok $? "and says which to delete: $(cat err)"
printf '' | s3mem_faults
"$P" "$U" bkt delete "$(s3gc-list --prefix .s3gc-probe | cut -f1)"

s3gc-restore --op "$op" --keys < /dev/null 2> err
is $? 64 "two choices: exit 64"
s3gc-restore --as-of yesterday 2> err
is $? 64 "a bad time: exit 64"

# The independent server, every signature checked.
start_s3rver
R=$S3RVER_URL
awscli "$R" s3 mb s3://restore-real > /dev/null || diag "mb failed"
mkdir -p up/d
head -c 300000 /dev/urandom > up/d/rand.bin
head -c 11000000 /dev/urandom > up/d/big.bin
seq 1 20000 > "up/d/text file.txt"
awscli "$R" s3 cp --quiet --recursive up "s3://restore-real/" --content-type text/plain \
	--metadata owner=u2 || diag "upload failed"
export S3GC_ENDPOINT=$R S3GC_BUCKET=restore-real
s3gc-list > rlist
rop=$(s3gc-vault new-op)
s3gc-vault put --op "$rop" < rlist > rv
s3gc-delete --op "$rop" --execute < rv > /dev/null
is "$(s3gc-list | wc -l | tr -d ' ')" 0 "s3rver: deleted"
s3gc-restore --op "$rop" --head-first --part-size 5 > rout
ok $? "s3rver: restored, d/big.bin in parts"
is "$(s3gc-list | cut -f1,2)" "$(cut -f1,2 rlist)" "s3rver: keys and sizes as they were"
is "$(s3gc-list | grep -v big.bin | cut -f4)" "$(grep -v big.bin rlist | cut -f4)" \
	"s3rver: the ETags of the objects sent whole too"
"$P" "$R" restore-real get d/big.bin | cmp -s - up/d/big.bin
ok $? "s3rver: the bytes of the one sent in parts are the original ones"
"$P" "$R" restore-real get d/rand.bin | cmp -s - up/d/rand.bin
ok $? "s3rver: the bytes are the original ones"
"$P" "$R" restore-real head "d/text file.txt" > head.out
grep -qx 'x-amz-meta-owner: u2' head.out && grep -qx 'content-type: text/plain' head.out
ok $? "s3rver: and the headers"

printf 'newer' | "$P" "$R" restore-real put d/rand.bin > /dev/null
"$P" "$R" restore-real delete "d/text file.txt"
s3gc-restore --op "$rop" > rout2 2> err
ok $? "s3rver: a second restore, without --head-first: $(cat err)"
is "$(cut -f1 rout2)" "d/text file.txt" "s3rver: restores the missing object only"
is "$("$P" "$R" restore-real get d/rand.bin)" newer "s3rver: the newer object is left"
is "$(s3gc-list --prefix .s3gc-probe | wc -l | tr -d ' ')" 0 "s3rver: no probe object is left"

# The audit trail and the index never hold the credentials.
grep -rl "$AWS_SECRET_ACCESS_KEY" "$T/vault" > leaked
is "$(wc -l < leaked | tr -d ' ')" 0 "no file of the vault holds the secret key: $(cat leaked)"

done_testing
