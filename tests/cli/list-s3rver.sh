#!/bin/sh
# s3gc-list against s3rver behind the SigV4-checking proxy: 3,000 objects
# uploaded by the AWS CLI, odd keys included, listed exactly, in order,
# with one job and with eight.
. "$top_srcdir/tests/lib.sh"
[ -x "$AWS" ] || need aws "the AWS CLI ($AWS) is not installed"
start_s3rver
U=$S3RVER_URL
awscli "$U" s3api create-bucket --bucket photos >/dev/null || need s3rver "cannot create a bucket"

# Keys as records encode them (s3gc-records(5)); raw bytes via printf %b.
raw() { printf '%b' "$(printf '%s' "$1" | sed 's/%\([0-9A-F][0-9A-F]\)/\\x\1/g')"; }
long=long
while [ ${#long} -lt 1020 ]; do long="$long/segment-0123456789-abcdefghij-0123456789"; done
long=$(printf '%s' "$long" | cut -c1-1024)
cat > odd.txt <<KEYS
odd/space key
odd/plus+key
odd/percent%25key
odd/tilde~key
odd/amp&key=value
odd/tab%09key
odd/newline%0Akey
odd/cr%0Dkey
odd/ünïcödé/日本語/😀.jpg
odd/all + %25 ~ & = ? # [ ] ! \$ ' ( ) * , ; : @ ^ \` { } | < > "
odd/+leading-plus
odd/trailing-space 
$long
KEYS
: > expected.txt
while IFS= read -r k; do
	raw "$k" > body
	awscli "$U" s3api put-object --bucket photos --key "$(raw "$k")" --body body >/dev/null ||
		diag "upload failed: $k"
	printf '%s\n' "$k" >> expected.txt
done < odd.txt
is "$(printf "%s" "$long" | wc -c)" 1024 "the long key has 1,024 bytes"

# The bulk, through the CLI's recursive copy (file names become keys).
mkdir -p up/bulk
i=0
n=$((3000 - $(wc -l < odd.txt)))
while [ $i -lt $n ]; do
	d=$((i % 7))
	mkdir -p "up/bulk/d$d"
	f="bulk/d$d/f-$i +~&=é.txt"
	printf '%s\n' "$i" > "up/$f"
	printf '%s\n' "$f" >> expected.txt
	i=$((i + 1))
done
awscli "$U" s3 cp --recursive --quiet up "s3://photos/" || diag "bulk upload failed"
sort expected.txt > expected.sorted
is "$(wc -l < expected.sorted)" 3000 "3,000 keys uploaded"

s3gc-list --endpoint "$U" --bucket photos > list1 2> err1
ok $? "s3gc-list exits 0 (--jobs 1)"
rec-keys < list1 > keys1
ok $? "keys come in raw byte order"
sort keys1 > keys1.sorted
same_file keys1.sorted expected.sorted "listed keys are exactly the uploaded ones"

total=$(awk -F'\t' '{ s += $2 } END { print s }' list1)
want=$(( $(cat up/bulk/d*/* | wc -c) + $(while IFS= read -r k; do raw "$k"; done < odd.txt | wc -c) ))
is "$total" "$want" "sizes add up to the bytes uploaded"
# No {n} in the patterns: Debian's mawk does not know them.
d='[0-9][0-9]'
awk -F'\t' -v t="^$d$d-$d-${d}T$d:$d:${d}Z\$" \
	'NF != 5 || length($4) != 32 || $4 !~ /^[0-9a-f]+$/ || $3 !~ t { bad++ } END { exit bad > 0 }' list1
ok $? "every record has five fields, an ETag and an RFC 3339 time"

s3gc-list --endpoint "$U" --bucket photos --jobs 8 --max-keys 50 > list8 2> err8
ok $? "s3gc-list exits 0 (--jobs 8, 50 keys a page)"
same_file list8 list1 "--jobs 8 writes the same stream as --jobs 1"

s3gc-list --endpoint "$U" --bucket photos --jobs 3 --max-keys 7 > list3 2> err3
ok $? "s3gc-list exits 0 (--jobs 3, 7 keys a page)"
same_file list3 list1 "--jobs 3 with small pages writes the same stream"

s3gc-list --endpoint "$U" --bucket photos --prefix odd/ > odd.list
rec-keys < odd.list | sort > odd.keys
grep '^odd/' expected.sorted > odd.want
same_file odd.keys odd.want "--prefix lists only keys under the prefix"

first=$(head -1 keys1)
s3gc-list --endpoint "$U" --bucket photos --start-after "$(raw "$first")" | rec-keys > after.keys
tail -n +2 keys1 > after.want
same_file after.keys after.want "--start-after skips up to and including the key"

AWS_SECRET_ACCESS_KEY=not-the-secret s3gc-list --endpoint "$U" --bucket photos > bad.out 2> bad.err
is "$?" 80 "a wrong secret is exit 80"
grep -q SignatureDoesNotMatch bad.err
ok $? "the message names SignatureDoesNotMatch"
is "$(wc -c < bad.out)" 0 "and nothing is written"
! grep -q not-the-secret bad.err
ok $? "the secret is not in the message"

s3gc-list --endpoint "$U" --bucket no-such-bucket > /dev/null 2> nb.err
is "$?" 80 "a missing bucket is exit 80"
grep -q NoSuchBucket nb.err
ok $? "the message names NoSuchBucket"
done_testing
