#!/bin/sh
# s3gc-delete: only keys the vault holds, verified, for the operation, and
# only while their ETag is the one vaulted; dry run by default; per-key
# answers; reruns; servers that ignore conditions; on s3mem and s3rver.
. "$top_srcdir/tests/lib.sh"

P="$top_builddir/tests/tools/s3obj-probe"
long=$(printf 'L%.0s' $(seq 1 1020))
{
	i=0
	while [ $i -lt 30 ]; do printf 'k/%02d\t%d\t86400\n' $i $((i * 100)); i=$((i + 1)); done
	printf 'odd/with space+plus\t10\t86400\n'
	printf 'odd/ctl%%01char\t10\t86400\n'
	printf 'odd/%s\t10\t86400\n' "$long"
} > pop.txt
start_s3mem --bucket bkt --populate pop.txt
export S3GC_BUCKET=bkt S3GC_ENDPOINT=$S3MEM_URL S3GC_VAULT_PATH="$T/vault"
s3gc-list > list
n=$(wc -l < list | tr -d ' ')
is "$n" 33 "33 objects"
grep -v '^k/2' list > vaultme
op=$(s3gc-vault new-op)
s3gc-vault put --op "$op" < vaultme > vaulted
is "$(wc -l < vaulted | tr -d ' ')" 23 "23 of them vaulted (not k/20 .. k/29)"

# Dry run: nothing deleted, each one named.
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-delete --op "$op" < list > out 2> err
ok $? "a dry run exits 0"
is "$(wc -c < out | tr -d ' ')" 0 "and writes no record"
is "$(s3mem_stat deleteobjects)$(s3mem_stat delete)" 00 "and sends no delete"
is "$(grep -c 'would delete' err)" 23 "it names the 23 that would go"
grep -q 'dry run: 23 objects would be deleted, nothing was; 10 refused' err
ok $? "and says so"

# An object changed after it was vaulted is not deleted.
printf 'changed' | "$P" "$S3MEM_URL" bkt put k/05 > /dev/null
s3gc-delete --op "$op" --execute --batch 7 < list > out 2> err
ok $? "--execute exits 0"
is "$(wc -l < out | tr -d ' ')" 22 "22 records written: the vaulted ones but the changed one"
cut -f1 out > deleted.keys
grep -qx 'k/05' deleted.keys
is $? 1 "the changed object is not among them"
s3gc-list > after
is "$(cut -f1 after | tr '\n' ' ')" "$(printf 'k/%02d ' 5 20 21 22 23 24 25 26 27 28 29)" \
	"left: the changed one and the ten not vaulted"
is "$(s3gc-vault log --op "$op" | grep -c '"stage":"delete".*"outcome":"deleted"')" 22 \
	"the trail has 22 deletions"
is "$(s3gc-vault log --op "$op" --key k/05 | grep -c '"outcome":"changed"')" 1 "and the changed one"
is "$(s3gc-vault log --op "$op" | grep -c '"outcome":"refused"')" 10 "and ten refused"
s3gc-vault ls | cut -f1,6 > ls.out
is "$(cat ls.out | tr '\t' ' ')" "$op 22" "ls counts the deletions"
grep -q "odd/ctl%01char" out
ok $? "a key XML cannot carry was deleted on its own"

# A rerun deletes nothing again and reports the same records.
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-delete --op "$op" --execute < vaulted > out2 2> err
ok $? "a rerun exits 0"
is "$(grep -cv '^k/05' out2)" 22 "and reports the 22 deleted"
is "$(s3mem_stat deleteobjects)" 2 "only the changed one is asked about again (after the probe)"
grep -q 'ignores' err
is $? 1 "s3mem honours conditions: no warning"

# Another operation cannot delete what this one vaulted.
op2=$(s3gc-vault new-op)
s3gc-delete --op "$op2" --execute < after > out3 2> err
ok $? "an operation that vaulted nothing: exit 0"
is "$(wc -c < out3 | tr -d ' ')" 0 "deletes nothing"
is "$(s3gc-list | wc -l | tr -d ' ')" 11 "all eleven are still there"

# Per-key errors, transient and not.
op3=$(s3gc-vault new-op)
grep '^k/2[0-4]' after | s3gc-vault put --op "$op3" > v3
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
printf 'op=deleteobjects nth=2 reset-after=50\n' | s3mem_faults # 1: the probe
op3r=$(s3gc-vault new-op)
printf 'k/20\n' | s3gc-vault put --op "$op3r" > v3r
s3gc-delete --op "$op3r" --execute < v3r > out3r 2> err
ok $? "a connection reset in the middle of DeleteObjects: sent again, exit 0: $(cat err)"
is "$(cut -f1 out3r)" "k/20" "and the key is deleted"
is "$(s3mem_stat faults_fired)" 1 "the reset happened"
printf 'k/20\n' | s3gc-restore --keys > /dev/null
printf 'op=deleteobjects key=k/21 delete-error=AccessDenied\nop=deleteobjects key=k/22 nth=1 delete-error=SlowDown\n' | s3mem_faults
s3gc-delete --op "$op3" --execute < v3 > out4 2> err
is $? 80 "a key S3 refuses: exit 80"
is "$(cut -f1 out4 | tr '\n' ' ')" "k/20 k/22 k/23 k/24 " "the others are deleted, k/22 after a SlowDown"
grep -q '1 objects were not deleted: S3 refused' err
ok $? "the message says one was refused"
"$P" "$S3MEM_URL" bkt head k/21 | grep -q '^found'
ok $? "and it is still there"
printf '' | s3mem_faults

# A server that ignores conditions: --head-first keeps a changed object.
op4=$(s3gc-vault new-op)
grep '^k/2[5-9]' after | s3gc-vault put --op "$op4" > v4
printf 'changed too' | "$P" "$S3MEM_URL" bkt put k/26 > /dev/null
printf 'op=deleteobjects count=0 ignore-conditions\n' | s3mem_faults
s3gc-delete --op "$op4" --execute --head-first < v4 > out5 2> err
ok $? "--head-first on a server that ignores conditions"
is "$(cut -f1 out5 | tr '\n' ' ')" "k/25 k/27 k/28 k/29 " "the changed one is kept"
"$P" "$S3MEM_URL" bkt head k/26 | grep -q '^found'
ok $? "k/26 is still there"
# Without --head-first, the probe finds it out.
op8=$(s3gc-vault new-op)
printf 'fresh' | "$P" "$S3MEM_URL" bkt put k/x1 > /dev/null
printf 'k/26\nk/x1\n' | s3gc-vault put --op "$op8" > v8
printf 'changed again' | "$P" "$S3MEM_URL" bkt put k/26 > /dev/null
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-delete --op "$op8" --execute < v8 > out9 2> err
ok $? "a server that ignores conditions, no --head-first: exit 0"
grep -q 'the server ignores the ETag condition' err
ok $? "the probe finds it out, and says so: $(cat err)"
is "$(cut -f1 out9 | tr '\n' ' ')" "k/x1 " "the changed one is kept"
is "$(s3mem_stat head)" 2 "each key was looked at first"
"$P" "$S3MEM_URL" bkt head k/26 | grep -q '^found'
ok $? "k/26 is still there"
is "$(s3gc-list --prefix .s3gc-probe | wc -l | tr -d ' ')" 0 "the probe left nothing"
printf '' | s3mem_faults

# A server that refuses every condition: nothing is deleted, each key is
# looked at again and reported.
op7=$(s3gc-vault new-op)
printf 'k/21\nk/26\n' | s3gc-vault put --op "$op7" > v7
printf 'op=deleteobjects count=0 ifmatch-fail\n' | s3mem_faults
s3gc-delete --op "$op7" --execute < v7 > out8 2> err
is $? 80 "every condition refused: exit 80"
is "$(wc -c < out8 | tr -d ' ')" 0 "nothing reported deleted"
"$P" "$S3MEM_URL" bkt head k/21 | grep -q '^found' && "$P" "$S3MEM_URL" bkt head k/26 | grep -q '^found'
ok $? "and both are still there"
printf '' | s3mem_faults

# A damaged copy is no copy.
op5=$(s3gc-vault new-op)
printf 'k/26\n' | s3gc-vault put --op "$op5" > v5
b=$(s3gc-vault log --op "$op5" | sed -n 's/.*"blob":"\([0-9a-f]*\)".*/\1/p')
for f in "$T/vault/blobs/$(printf '%.2s' "$b")/$b"*; do printf 'XX' | dd of="$f" bs=1 seek=3 conv=notrunc 2>/dev/null; done
s3gc-delete --op "$op5" --execute < v5 > out6 2> err
ok $? "a damaged copy: exit 0"
is "$(wc -c < out6 | tr -d ' ')" 0 "the object is not deleted"
s3gc-vault log --op "$op5" | grep -q '"outcome":"refused".*"error":"blob'
ok $? "the trail says why"

# Bad input: nothing queued is sent.
op6=$(s3gc-vault new-op)
printf 'k/27\n' | s3gc-vault put --op "$op6" > /dev/null 2>&1
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
printf 'k/27\nbad%%zz\n' | s3gc-delete --op "$op6" --execute > out7 2> err
is $? 65 "a malformed record: exit 65"
is "$(s3mem_stat deleteobjects)" 0 "and nothing is deleted, not even the record before it"
s3gc-delete --execute < /dev/null 2> err
is $? 64 "no --op: exit 64"
s3gc-delete --op 01ARYZ6S41TSV4RRFFQ69G5FAV --execute < /dev/null 2> err
is $? 82 "an operation the vault does not have: exit 82"

# --jobs: batches checked and sent at once, recorded in order.
i=0
while [ $i -lt 60 ]; do printf 'x%d' $i | "$P" "$S3MEM_URL" bkt put "m/$(printf %02d $i)" > /dev/null; i=$((i + 1)); done
s3gc-list --prefix m/ > mlist
jop=$(s3gc-vault new-op)
s3gc-vault put --op "$jop" < mlist | cut -f1-4 > mv
is "$(wc -l < mv | tr -d ' ')" 60 "60 objects vaulted for --jobs"
curl -fsS -X POST "$S3MEM_URL/_s3mem/latency?ms=40" > /dev/null
curl -fsS -X POST "$S3MEM_URL/_s3mem/reset-stats" > /dev/null
s3gc-delete --op "$jop" --execute --batch 5 --jobs 6 < mv > mout 2> err
ok $? "--jobs 6, batches of 5: $(cat err)"
same_file mout mv "every record written out, in the order given"
peak=$(s3mem_stat peak_delayed)
ok "$([ "$peak" -ge 3 ] && [ "$peak" -le 6 ]; echo $?)" "the server had 3 to 6 requests waiting at once: $peak"
is "$(s3mem_stat deleteobjects)" 13 "twelve requests, and the probe"
is "$(s3gc-list --prefix m/ | wc -l | tr -d ' ')" 0 "none of them is left"
is "$(s3gc-vault log --op "$jop" | grep -c '"stage":"delete".*"outcome":"deleted"')" 60 \
	"the trail has 60 deletions"
is "$(s3gc-vault ls | grep "^$jop" | cut -f6)" 60 "ls counts them"
s3gc-restore --op "$jop" > /dev/null
ok $? "restored for the next test"
# A batch that fails for good: the batches that ran are recorded, the
# others not sent.
printf 'op=deleteobjects key=m/33 count=0 status=403\n' | s3mem_faults
jop2=$(s3gc-vault new-op)
s3gc-vault put --op "$jop2" < mlist | cut -f1-4 > mv2
s3gc-delete --op "$jop2" --execute --batch 5 --jobs 4 < mv2 > mout2 2> err
is $? 80 "--jobs 4, one batch refused with 403: exit 80"
grep -q "403" err
ok $? "the message says why: $(head -1 err)"
s3gc-list --prefix m/ | cut -f1 > mleft
is "$(grep -c '^m/3[0-4]$' mleft)" 5 "the refused batch is all there"
cut -f1 mlist | grep -vxF -f mleft > mgone
cut -f1 mout2 > mreported
same_file mreported mgone "every object gone is written out, and only those"
is "$(s3gc-vault log --op "$jop2" | grep -c '"stage":"delete".*"outcome":"deleted"')" \
	"$(wc -l < mgone | tr -d ' ')" "and has a deletion in the trail"
ok "$([ "$(wc -l < mgone)" -lt 60 ]; echo $?)" "$(wc -l < mgone | tr -d ' ') of 60 were deleted before it stopped"
printf '' | s3mem_faults
s3gc-delete --op "$jop2" --execute --batch 5 --jobs 4 < mv2 > mout3 2> err
ok $? "a rerun completes: $(cat err)"
same_file mout3 mv2 "reporting every one"
is "$(s3gc-list --prefix m/ | wc -l | tr -d ' ')" 0 "none of them is left"
curl -fsS -X POST "$S3MEM_URL/_s3mem/latency?ms=0" > /dev/null
s3gc-delete --op "$jop2" --jobs 0 < /dev/null 2> err
is $? 64 "--jobs 0: exit 64"

# The independent server, every signature checked.
start_s3rver
R=$S3RVER_URL
awscli "$R" s3 mb s3://del-real > /dev/null || diag "mb failed"
mkdir -p up/d
for i in 1 2 3 4 5; do seq 1 $((i * 1000)) > "up/d/f $i.txt"; done
awscli "$R" s3 cp --quiet --recursive up "s3://del-real/" || diag "upload failed"
export S3GC_ENDPOINT=$R S3GC_BUCKET=del-real
s3gc-list > rlist
rop=$(s3gc-vault new-op)
head -3 rlist | s3gc-vault put --op "$rop" > rv
s3gc-delete --op "$rop" --execute < rlist > rout 2> err
ok $? "s3rver: delete"
cut -f1-4 rv > rv4
same_file rout rv4 "s3rver: the three vaulted are deleted"
is "$(s3gc-list | wc -l | tr -d ' ')" 2 "s3rver: two are left"

done_testing
