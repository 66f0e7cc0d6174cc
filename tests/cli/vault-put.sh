#!/bin/sh
# s3gc-vault put, ls, show, verify and log: objects of every size and odd
# keys backed up and read back, objects changed or gone skipped, reruns,
# faults, damaged copies; on s3mem, and on s3rver for the real thing.
. "$top_srcdir/tests/lib.sh"

P="$top_builddir/tests/tools/s3obj-probe"
long=$(printf 'L%.0s' $(seq 1 1020))
{
	printf 'a/empty\t0\t86400\n'
	printf 'a/small\t100\t86400\n'
	printf 'a/one-mib\t1048576\t86400\n'
	printf 'b/with space+plus%%25pct\t5000\t86400\n'
	printf 'b/tab%%09and%%0Anewline\t700\t86400\n'
	printf 'b/caf\303\251\t300\t86400\n'
	printf 'c/%s\t64\t86400\n' "$long"
} > pop.txt
start_s3mem --bucket bkt --populate pop.txt
U=$S3MEM_URL
export S3GC_BUCKET=bkt S3GC_ENDPOINT=$U S3GC_VAULT_PATH="$T/vault"
s3gc-list > list
is "$(wc -l < list | tr -d ' ')" 7 "seven objects listed"

op=$(s3gc-vault new-op)
ok $? "new-op"
is "$(printf '%s' "$op" | wc -c | tr -d ' ')" 26 "its id is a ULID"
s3gc-vault put --op "$op" < list > out 2> err
ok $? "put exits 0"
same_file out list "every record written out as it came"
s3gc-vault show "$op" > show.out
cut -f1-4 list > list4
same_file show.out list4 "show: the operation's objects, in key order"
is "$(s3gc-vault ls | cut -f1,3,5 | tr '\t' ' ')" "$op dry_run 7" "ls: the operation, its mode and count"
s3gc-vault verify > /dev/null 2> err
ok $? "verify: every copy sound"
s3gc-vault log --verify > log.out
ok $? "log --verify"
grep -q '^7 lines' log.out
ok $? "seven lines in the audit trail: $(cat log.out)"
is "$(grep -c '"outcome":"vaulted"' "$T/vault/audit.log")" 7 "each says vaulted"

# The copies hold the objects' bytes.
"$P" "$U" bkt get a/one-mib > one.got
blob=$(s3gc-vault log --key a/one-mib | sed 's/.*"blob":"\([0-9a-f]*\)".*/\1/')
zstd -q -dc "$T/vault/blobs/$(printf '%.2s' "$blob")/$blob.zst" > one.vault
same_file one.vault one.got "the 1 MiB object's copy, through zstd -d, is its bytes"
is "$(sha256sum < one.got | cut -d' ' -f1)" "$blob" "and it is named by their SHA-256"
"$P" "$U" bkt get "c/$long" > long.got
lblob=$(s3gc-vault log --key "c/$long" | sed 's/.*"blob":"\([0-9a-f]*\)".*/\1/')
cat "$T/vault/blobs/$(printf '%.2s' "$lblob")/$lblob"* | { zstd -q -dc 2>/dev/null || cat "$T/vault/blobs/$(printf '%.2s' "$lblob")/$lblob"; } > long.vault
same_file long.vault long.got "the 1,024-byte key's copy is its bytes"

# export: a pax archive of the copies, and a manifest.
s3gc-vault export "$op" > op.tar
ok $? "export"
mkdir x
tar -xf op.tar -C x 2> tar.err
ok $? "tar reads the archive"
cmp -s "x/$op/objects/a/one-mib" one.got
ok $? "the 1 MiB object's bytes are in it, under its key"
lpath=$(grep "\"key\":\"c/$long\"" "x/$op/manifest.jsonl" | sed 's/.*"path":"\([^"]*\)".*/\1/')
case $lpath in "$op/by-hash/"*) true ;; *) false ;; esac
ok $? "the 1,024-byte key (a segment too long for a file name) goes under by-hash/"
cmp -s "x/$lpath" long.got
ok $? "with its bytes"
is "$(wc -l < "x/$op/manifest.jsonl" | tr -d ' ')" 7 "the manifest has a line per object"
grep -q "\"key\":\"a/one-mib\",\"path\":\"$op/objects/a/one-mib\",\"size\":1048576,.*\"sha256\":\"$blob\"" \
	"x/$op/manifest.jsonl"
ok $? "with key, path, size and SHA-256"
is "$(find "x/$op" -type f -print0 | tr -dc '\000' | wc -c | tr -d ' ')" 8 \
	"seven objects and the manifest"
s3gc-vault export 01ARYZ6S41TSV4RRFFQ69G5FAV > none.tar 2> err
is $? 66 "export of an operation that is not there: exit 66"

# A second run of the same operation fetches nothing again.
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-vault put --op "$op" < list > out2
ok $? "a rerun exits 0"
same_file out2 list "and writes the same records"
is "$(s3mem_stat get)" 0 "without fetching anything"
is "$(grep -c '"outcome":"held"' "$T/vault/audit.log")" 7 "the trail says held"

# Changed and gone objects are skipped.
printf 'new bytes' | "$P" "$U" bkt put a/small > /dev/null
"$P" "$U" bkt delete a/empty
op2=$(s3gc-vault new-op)
s3gc-vault -v put --op "$op2" < list > out3 2> err
ok $? "a changed and a gone object: exit 0"
is "$(cut -f1 out3 | grep -c '^a/small$\|^a/empty$')" 0 "neither is written out"
is "$(wc -l < out3 | tr -d ' ')" 5 "the five others are"
grep -q "a/small': changed since it was listed" err
ok $? "-v says which was skipped"
is "$(s3gc-vault log --op "$op2" | grep -c '"outcome":"changed"\|"outcome":"gone"')" 2 \
	"the trail says so"
is "$(ls "$T/vault/blobs"/*/* | wc -l | tr -d ' ')" 7 "the same content is stored once"

# A key-only record takes the object as it is now.
printf 'a/small\n' | s3gc-vault put --op "$op2" > out4
ok $? "a key-only record"
is "$(cut -f2,4 out4 | tr '\t' ' ')" "9 $(printf 'new bytes' | md5sum | cut -d' ' -f1)" \
	"is vaulted with the object's size and ETag now"
is "$(s3gc-vault show "$op2" | grep '^a/small' | cut -f2,4 | tr '\t' ' ')" \
	"9 $(printf 'new bytes' | md5sum | cut -d' ' -f1)" "and indexed with them"
same_file out4 "$(s3gc-vault show "$op2" | grep '^a/small' > show4; echo show4)" \
	"the record written out is the one indexed, time and all"

# Faults: retried, or failed for one object only.
op3=$(s3gc-vault new-op)
printf 'op=get nth=1 status=503\n' | s3mem_faults
s3gc-vault put --op "$op3" < out3 > out5
ok $? "one 503: retried, exit 0"
is "$(wc -l < out5 | tr -d ' ')" 5 "every object vaulted"
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
printf 'op=get key=a/one-mib nth=1 reset-after=300000\n' | s3mem_faults
op3r=$(s3gc-vault new-op)
grep '^a/one-mib' out3 | s3gc-vault put --op "$op3r" > out5r 2> err
ok $? "a connection reset in the middle of a body: fetched again, exit 0: $(cat err)"
is "$(s3mem_stat faults_fired)" 1 "the reset happened"
s3gc-vault verify "$op3r" > /dev/null
ok $? "and the copy reads back whole"
printf 'op=get key=a/one-mib count=0 status=500\n' | s3mem_faults
op4=$(s3gc-vault new-op)
s3gc-vault put --op "$op4" < out3 > out6 2> err
is $? 75 "an object that keeps failing: exit 75"
is "$(wc -l < out6 | tr -d ' ')" 4 "the others are vaulted and written"
grep -q "a/one-mib" err
ok $? "the message names it"
is "$(s3gc-vault log --op "$op4" --key a/one-mib | grep -c '"outcome":"failed"')" 1 "the trail says failed"
printf 'op=get key=a/one-mib nth=1 truncate=1000\n' | s3mem_faults
printf '%s\n' "$(grep '^a/one-mib' out3)" | s3gc-vault put --op "$op4" > out7 2> err
is $? 80 "a body shorter than the record: exit 80"
is "$(wc -c < out7 | tr -d ' ')" 0 "and nothing written out"
grep -q '1000 bytes; the record says 1048576' err
ok $? "the message says why: $(cat err)"
printf '' | s3mem_faults

# A damaged copy: verify names it; a rerun puts it right.
f=$(ls "$T/vault/blobs/$(printf '%.2s' "$blob")/$blob.zst")
printf 'X' | dd of="$f" bs=1 seek=200 conv=notrunc 2>/dev/null
s3gc-vault verify "$op" > /dev/null 2> err
is $? 82 "verify: a damaged copy is exit 82"
grep -q "a/one-mib" err
ok $? "naming the key: $(head -1 err)"
s3gc-vault put --op "$op" < list > /dev/null 2> err
s3gc-vault verify "$op" > /dev/null 2>&1
ok $? "a rerun of its operation fetched it again: verify passes"
is "$(grep -c '"outcome":"repaired"' "$T/vault/audit.log")" 1 "the trail says repaired"

# Bad input: nothing after a bad record is fetched.
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
printf 'b/caf\303\251\nbad%%zz\na/small\n' | s3gc-vault put --op "$(s3gc-vault new-op)" > out8 2> err
is $? 65 "a malformed record: exit 65"
is "$(s3mem_stat get)" 1 "only the record before it was fetched"
grep -q ':2:' err
ok $? "the message names line 2"
s3gc-vault put --op not-an-id < /dev/null 2> err
is $? 64 "a bad operation id: exit 64"
s3gc-vault show 01ARYZ6S41TSV4RRFFQ69G5FAV 2> err
is $? 66 "show of an operation that is not there: exit 66"

# --jobs: objects fetched at once, settled and written out in order.
i=0
while [ $i -lt 48 ]; do head -c $((i * 997)) /dev/urandom | "$P" "$U" bkt put "j/$i" > /dev/null; i=$((i + 1)); done
s3gc-list --prefix j/ > jlist
is "$(wc -l < jlist | tr -d ' ')" 48 "48 objects for --jobs"
curl -fsS -X POST "$S3MEM_URL/_s3mem/latency?ms=40" > /dev/null
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
jop=$(s3gc-vault new-op)
s3gc-vault put --op "$jop" --jobs 8 < jlist > jout 2> err
ok $? "--jobs 8: exit 0: $(cat err)"
same_file jout jlist "every record written out, in the order given"
peak=$(s3mem_stat peak_delayed)
ok "$([ "$peak" -ge 4 ] && [ "$peak" -le 8 ]; echo $?)" "the server had 4 to 8 requests waiting at once: $peak"
s3gc-vault show "$jop" > jshow
sort jlist | cut -f1-4 > jsorted
same_file jshow jsorted "every one is in the index"
s3gc-vault verify "$jop" > /dev/null
ok $? "and its copy reads back whole"
is "$(s3gc-vault log --op "$jop" | grep -c '"outcome":"vaulted"')" 48 "the trail has 48 vaulted"
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-vault put --op "$(s3gc-vault new-op)" -j 1 < jlist > jout1
ok $? "--jobs 1"
same_file jout1 jlist "writes the same records"
is "$(s3mem_stat peak_delayed)" 1 "one request at a time"
# One object failing among many: the others are vaulted and in order.
printf 'op=get key=j/17 count=0 status=500\nop=get nth=5 status=503\n' | s3mem_faults
jop2=$(s3gc-vault new-op)
s3gc-vault put --op "$jop2" --jobs 6 < jlist > jout2 2> err
is $? 75 "--jobs 6, one object failing: exit 75"
grep -vx "$(grep '^j/17	' jlist)" jlist > jwant
same_file jout2 jwant "the 47 others written out, in order"
grep -q "j/17" err
ok $? "the message names it"
is "$(s3gc-vault log --op "$jop2" | grep -c '"outcome":"vaulted"')" 47 "the trail has 47 vaulted"
printf '' | s3mem_faults
# A rerun with jobs: nothing fetched again, the damaged copy mended.
b3=$(s3gc-vault log --op "$jop" --key j/3 | sed 's/.*"blob":"\([0-9a-f]*\)".*/\1/')
for f in "$T/vault/blobs/$(printf '%.2s' "$b3")/$b3"*; do printf 'XX' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null; done
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-vault put --op "$jop" --jobs 8 < jlist > jout3 2> err
ok $? "a rerun with --jobs 8: $(cat err)"
same_file jout3 jlist "writes the same records"
is "$(s3mem_stat get)" 1 "fetching only the object whose copy was damaged"
s3gc-vault verify "$jop" > /dev/null
ok $? "which verify finds whole again"
curl -fsS -X POST "$S3MEM_URL/_s3mem/latency?ms=0" > /dev/null
s3gc-vault put --op "$jop" --jobs 0 < /dev/null 2> err
is $? 64 "--jobs 0: exit 64"
s3gc-vault put --op "$jop" --jobs 65 < /dev/null 2> err
is $? 64 "--jobs 65: exit 64"
s3gc-vault ls --jobs 2 > /dev/null 2> err
is $? 64 "--jobs with ls: exit 64"
grep -q "option of put" err
ok $? "saying so: $(cat err)"

# The audit trail: any edit breaks the chain.
s3gc-vault log --verify > /dev/null
ok $? "the trail is whole after all that"
cp "$T/vault/audit.log" audit.orig
sed '3s/"outcome":"vaulted"/"outcome":"skipped"/' audit.orig > "$T/vault/audit.log"
s3gc-vault log --verify > /dev/null 2> err
is $? 82 "an edited line: exit 82"
grep -q 'line 4' err
ok $? "naming the line after it: $(cat err)"
cp audit.orig "$T/vault/audit.log"

# The independent server, every signature checked.
start_s3rver
R=$S3RVER_URL
awscli "$R" s3 mb s3://vault-real > /dev/null || diag "mb failed"
mkdir -p up/d
head -c 200000 /dev/urandom > "up/d/rand file.bin"
seq 1 50000 > up/d/text.txt
awscli "$R" s3 cp --quiet --recursive up "s3://vault-real/" --content-type text/plain \
	--metadata owner=u1 || diag "upload failed"
S3GC_ENDPOINT=$R S3GC_BUCKET=vault-real s3gc-list > rlist
rop=$(s3gc-vault new-op)
S3GC_ENDPOINT=$R S3GC_BUCKET=vault-real s3gc-vault put --op "$rop" < rlist > rout
ok $? "s3rver: put"
same_file rout rlist "s3rver: every object vaulted"
s3gc-vault verify "$rop" > /dev/null
ok $? "s3rver: verify"
tblob=$(s3gc-vault log --key d/text.txt | sed 's/.*"blob":"\([0-9a-f]*\)".*/\1/')
is "$tblob" "$(sha256sum < up/d/text.txt | cut -d' ' -f1)" "s3rver: the copy is named by the file's SHA-256"
test -f "$T/vault/blobs/$(printf '%.2s' "$tblob")/$tblob.zst"
ok $? "s3rver: text is compressed"
rblob=$(sha256sum < "up/d/rand file.bin" | cut -d' ' -f1)
test -f "$T/vault/blobs/$(printf '%.2s' "$rblob")/$rblob"
ok $? "s3rver: random bytes are stored as they are"

# stats, and prune.
s3gc-vault stats > stats.out
ok $? "stats"
nops=$(s3gc-vault ls | wc -l | tr -d ' ')
is "$(sed -n 's/^operations\t//p' stats.out)" "$nops" "stats counts the operations"
awk -F'\t' '$1 == "compression_ratio" { exit !($2 > 1) }' stats.out
ok $? "and the copies take less room than the objects: $(grep ratio stats.out)"
s3gc-vault prune --older-than 1 2> err
ok $? "prune of operations older than a day"
is "$(s3gc-vault ls | wc -l | tr -d ' ')" "$nops" "drops none: they are all younger"
# Temporary files of killed writers: those untouched for an hour go.
head -c 5000 /dev/urandom > "$T/vault/tmp/blob.stale1"
head -c 3000 /dev/urandom > "$T/vault/tmp/blob.stale2"
touch -d '2 hours ago' "$T/vault/tmp/blob.stale1" "$T/vault/tmp/blob.stale2"
printf 'x' > "$T/vault/tmp/blob.fresh"
printf 'x' > "$T/vault/tmp/other"
touch -d '2 hours ago' "$T/vault/tmp/other"
s3gc-vault prune --older-than 0 --dry-run 2> err
ok $? "prune --dry-run"
grep -q '2 temporary files (8000 bytes) left by stopped writers would be removed' err
ok $? "names the temporary files that would go: $(grep temporary err)"
test -f "$T/vault/tmp/blob.stale1"
ok $? "and leaves them"
is "$(s3gc-vault ls | wc -l | tr -d ' ')" "$nops" "drops nothing"
is "$(grep -c 'would drop' err)" "$nops" "and names each that would go"
s3gc-vault -v prune --older-than 0 2> err
ok $? "prune of everything"
is "$(ls "$T/vault/tmp" | tr '\n' ' ')" "blob.fresh other " \
	"the stale temporary files are gone, the fresh one and a file not ours are left"
grep -q '2 temporary files (8000 bytes) left by stopped writers removed' err
ok $? "it says so"
is "$(s3gc-vault ls | wc -l | tr -d ' ')" 0 "no operation is left"
is "$(find "$T/vault/blobs" -type f | wc -l | tr -d ' ')" 0 "and no copy"
is "$(s3gc-vault stats | tr '\t\n' ' ')" \
	"operations 0 objects 0 deleted 0 restored 0 copies 0 bytes 0 stored_bytes 0 compression_ratio 1.00 " \
	"stats says so"
is "$(grep -c '"stage":"prune"' "$T/vault/audit.log")" "$nops" "the trail has a line per operation dropped"
s3gc-vault log --verify > /dev/null
ok $? "and its chain is whole"
s3gc-vault prune 2> err
is $? 64 "prune without --older-than: exit 64"

done_testing
