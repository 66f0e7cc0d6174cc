#!/bin/sh
# s3gc-refs frees what it allocates, on success and on failure: valgrind in
# a plain build, LeakSanitizer in a sanitizer build.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
start_pg

leak_checker s3gc-refs

psql -qAtX -v ON_ERROR_STOP=1 > /dev/null 2> setup.err <<'SQL'
create table users (id int primary key, avatar_url text, tags text[]);
insert into users select i, 'avatars/u' || i || '.jpg', array['t/' || i % 10]
	from generate_series(1, 3000) i;
SQL
ok $? "a table of 3,000 rows"
sed 's/^/# /' setup.err
cat > s3gc.conf <<CONF
bucket = media
cdc_backend = postgres
vault_path = $T/vault
[tables]
users = avatar_url, tags:array
CONF
R="s3gc-refs -c $T/s3gc.conf"

check $R snapshot > out 2> err
ok $? "$how: snapshot"
sed 's/^/# /' err | head -20
psql -qAtX -c "update users set avatar_url = 'x/' || id where id % 3 = 0" \
	-c "delete from users where id % 7 = 0" > /dev/null
psql -qAtX -U postgres -c checkpoint > /dev/null
check $R sync > out 2> err
ok $? "$how: sync"
sed 's/^/# /' err | head -20
check $R dump --counts > dump.out 2> err
ok $? "$how: dump"
is "$(wc -l < dump.out | tr -d ' ')" \
	"$(psql -qAtX -c "select count(distinct k) from (select avatar_url k from users union all select unnest(tags) from users) x")" \
	"the dump holds every key"
head -100 dump.out | cut -f1 | check $R check > out 2> err
ok $? "$how: check"
printf 'static/a.png\n' | check $R load > out 2> err
ok $? "$how: load"
check $R stat > out 2> err
ok $? "$how: stat"
printf 'bad%%zz\n' | check $R check > out 2> err
is "$?" 65 "$how: check of a bad record: exit 65 and nothing else"
psql -qAtX -c "alter table users drop column tags" > /dev/null
check $R sync > out 2> err
is "$?" 84 "$how: sync with a watched column gone: exit 84 and nothing else"
check $R --no-such-flag dump > out 2> err
is "$?" 64 "$how: a usage error"
done_testing
