#!/bin/sh
# lib/pgoutput against what a real PostgreSQL sends: the binary changes of a
# pgoutput slot, decoded by pgo-dump, match the statements that made them.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg

psql -qAt -v ON_ERROR_STOP=1 <<'SQL' > /dev/null 2> setup.err
create table users (id int primary key, avatar_url text, bio text);
-- Stored out of line uncompressed, so an update that leaves it alone sends 'u'.
alter table users alter column bio set storage external;
create table posts (id int primary key, image_url text);
alter table posts replica identity full;
create publication p for table users, posts;
select pg_create_logical_replication_slot('t', 'pgoutput');
insert into users values (1, 'avatars/u1.jpg', repeat('x', 10000)), (2, null, null);
update users set avatar_url = 'avatars/u1b.jpg' where id = 1;
update users set id = 3 where id = 2;
delete from users where id = 1;
insert into posts values (7, 'https://b.s3.amazonaws.com/p/7.png');
delete from posts where id = 7;
truncate users;
SQL
ok $? "changes made"
sed 's/^/# /' setup.err

# Commits are visible to decoding once the WAL writer has written them.
i=0
while :; do
	psql -qAt -c "select data from pg_logical_slot_peek_binary_changes('t', NULL, NULL,
		'proto_version', '1', 'publication_names', 'p')" > changes.hex
	grep -q . changes.hex && [ "$(grep -c . changes.hex)" -ge 20 ] && break
	i=$((i + 1))
	[ $i -ge 50 ] && break
	sleep 0.1
done
pgo-dump < changes.hex | sed 's/^B.*/B/; s/^C.*/C/' > got.txt
ok $? "every message decodes"
cat > want.txt <<'WANT'
B
R public.users ident=d id* avatar_url bio
I new(1,avatars/u1.jpg,<10000 bytes>)
I new(2,<n>,<n>)
C
B
U new(1,avatars/u1b.jpg,<u>)
C
B
U key(2,<n>,<n>) new(3,<n>,<n>)
C
B
D key(1,<n>,<n>)
C
B
R public.posts ident=f id* image_url*
I new(7,https://b.s3.amazonaws.com/p/7.png)
C
B
D old(7,https://b.s3.amazonaws.com/p/7.png)
C
B
R public.users ident=d id* avatar_url bio
T 1 relation(s)
C
WANT
same_file got.txt want.txt "insert, update leaving a TOASTed value, key change, delete by key, FULL identity, truncate"
done_testing
