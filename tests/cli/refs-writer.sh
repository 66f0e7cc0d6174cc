# tests/cli/refs-writer.sh: sourced by refs-handoff.sh and refs-crash.sh
# (after tests/lib.sh and tests/pg/lib.sh, with start_pg done).  Not a test.
#
# Four watched tables whose truth is computable in SQL: next to every
# watched column an unwatched one holds the raw key(s) the watched value
# encodes (NULL or an empty array when it encodes none), so the reference
# store must hold, key for key, the multiset of those raw keys.
#
#   t_text (id pk)        url text           raw text
#   t_var  (a, b pk)      v varchar(2000)    raw text
#                         w text[]  (:array) wraw text[]
#   t_json (id pk)        j jsonb   (:json)  jraw text[]
#   t_full (no key, REPLICA IDENTITY FULL)   url text  raw text
#
# Every table also has an unwatched column "note" that updates change alone.
#
# Values are written in every form the normaliser reads (bare, /key,
# s3://media/key, virtual-hosted https with and without a region, path-style
# https, a bucket name in upper case in the host, percent-encoded paths,
# X-Amz-* queries and #fragments), and as values that are not references
# (other buckets, NULL, '', blanks).  The keys come from a small pool (so
# that many rows share a key and counts go above 1) of six prefixes: plain,
# with a space, with 'é', with '+', with '%', and two levels deep.
#
# The generator is awk with srand(seed): a seed gives the same statements
# with the same awk.

refs_schema() { # create the four tables (dropping them first)
	psql -qAtX -v ON_ERROR_STOP=1 <<'SQL'
set client_min_messages = warning;
drop table if exists t_text, t_var, t_json, t_full;
create table t_text (id int primary key, url text, raw text, note text);
create table t_var (a int, b text, v varchar(2000), raw text, w text[], wraw text[],
	note text, primary key (a, b));
create table t_json (id int primary key, j jsonb, jraw text[], note text);
create table t_full (id int, url text, raw text, note text);
alter table t_full replica identity full;
SQL
}

refs_conf() { # refs_conf FILE: the configuration for these tables
	cat > "$1" <<EOF
bucket = media
cdc_backend = postgres
vault_path = $T/vault
[tables]
t_text = url
t_var = v, w:array
public.t_json = j:json
t_full = url
EOF
}

# refs_gen SEED MODE COUNT DIR [CHUNK PRELOADED FIRSTID]
#   MODE preload: COUNT rows per table, ids 1..COUNT, one file DIR/preload.sql
#   MODE ops: COUNT random operations per table, in files DIR/cNNNN.sql of
#   about CHUNK operations each, on tables preloaded with PRELOADED rows;
#   new ids count up from FIRSTID (default 1000000): give each run of
#   operations on the same tables its own, since t_full has no unique key
#   and two identical rows are one row to s3gc (s3gc-refs(1)).
refs_gen() {
	mkdir -p "$4"
	awk -v seed="$1" -v mode="$2" -v count="$3" -v dir="$4" \
		-v chunk="${5:-50}" -v pre="${6:-0}" -v firstid="${7:-1000000}" '
function pick(n) { return int(rand() * n) }
function newkey(  p, n) {
	p = pick(6); n = pick(NK)
	RAW = PR[p] n ".jpg"; ENC = PE[p] n ".jpg"
}
# A text value: VAL is what the watched column holds (a string, "" for
# the empty string, or NUL meaning SQL NULL), KEY the raw key or NUL.
function textval(  f) {
	newkey()
	f = pick(14)
	KEY = RAW
	if (f <= 1) VAL = RAW
	else if (f == 2) VAL = "/" RAW
	else if (f == 3) VAL = "s3://media/" RAW
	else if (f == 4) VAL = "https://media.s3.amazonaws.com/" ENC
	else if (f == 5) VAL = "https://media.s3.eu-west-1.amazonaws.com/" ENC \
		"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=60&X-Amz-Signature=" pick(1e9)
	else if (f == 6) VAL = "https://s3.eu-west-1.amazonaws.com/media/" ENC
	else if (f == 7) VAL = "https://MEDIA.s3.amazonaws.com/" ENC "#top"
	else if (f == 8) VAL = "https://s3.amazonaws.com/media/" ENC "?versionId=" pick(1000)
	else {
		KEY = NUL
		if (f == 9) VAL = "s3://other/" RAW
		else if (f == 10) VAL = "https://other.s3.amazonaws.com/" ENC
		else if (f == 11) VAL = NUL
		else if (f == 12) VAL = ""
		else VAL = "   "
	}
}
function lit(s) { return s == NUL ? "NULL" : "'\''" s "'\''" }
# A list value for t_var.w (array) or t_json.j (json): LVAL is the SQL
# expression, LRAW the text[] of raw keys.
function listval(json,  n, i, s, r, f) {
	f = pick(10)
	if (f == 0) { LVAL = "NULL"; LRAW = "'\''{}'\''"; return }
	if (json && f == 1) { LVAL = "'\''null'\''"; LRAW = "'\''{}'\''"; return }
	if (json && f == 2) {
		textval()
		if (VAL == NUL) { LVAL = "'\''null'\''"; LRAW = "'\''{}'\''"; return }
		LVAL = "'\''\"" VAL "\"'\''"
		LRAW = KEY == NUL ? "'\''{}'\''" : "ARRAY['\''" KEY "'\'']"
		return
	}
	n = pick(4); s = ""; r = ""
	for (i = 0; i < n; i++) {
		textval()
		if (json) s = s (i ? ", " : "") (VAL == NUL ? "null" : "\"" VAL "\"")
		else s = s (i ? ", " : "") lit(VAL)
		if (KEY != NUL) r = r (r == "" ? "" : ", ") "'\''" KEY "'\''"
	}
	if (json) LVAL = "'\''[" s "]'\''"
	else LVAL = n ? "ARRAY[" s "]::text[]" : "'\''{}'\''::text[]"
	LRAW = r == "" ? "'\''{}'\''" : "ARRAY[" r "]"
}
function note() { return "'\''n" pick(100000) "'\''" }
function insert(t, id,  s) {
	if (t == 0) { textval(); s = "insert into t_text values (" id ", " lit(VAL) ", " lit(KEY) ", " note() ")" }
	else if (t == 1) {
		textval(); listval(0)
		s = "insert into t_var values (" id ", '\''b " (id % 7) "'\'', " lit(VAL) ", " lit(KEY) ", " LVAL ", " LRAW ", " note() ")"
	} else if (t == 2) { listval(1); s = "insert into t_json values (" id ", " LVAL ", " LRAW ", " note() ")" }
	else { textval(); s = "insert into t_full values (" id ", " lit(VAL) ", " lit(KEY) ", " note() ")" }
	return s ";"
}
function watched(t) { # "col = ..., raw = ..." for table t
	if (t == 0 || t == 3) { textval(); return "url = " lit(VAL) ", raw = " lit(KEY) }
	if (t == 1) {
		if (pick(2)) { textval(); return "v = " lit(VAL) ", raw = " lit(KEY) }
		listval(0); return "w = " LVAL ", wraw = " LRAW
	}
	listval(1); return "j = " LVAL ", jraw = " LRAW
}
function op(t,  k, id, tn, pk, s) {
	tn = TN[t]; pk = t == 1 ? "a" : "id"
	# a row that may exist: preloaded, or made by an earlier operation
	if (nextid[t] == firstid || pick(2)) id = 1 + pick(pre)
	else id = firstid + pick(nextid[t] - firstid)
	k = pick(100)
	if (k < 30) return insert(t, nextid[t]++)
	if (k < 55) return "update " tn " set " watched(t) " where " pk " = " id ";"
	if (k < 65) return "update " tn " set note = " note() " where " pk " = " id ";"
	if (k < 75) return "update " tn " set " pk " = " nextid[t]++ " where " pk " = " id ";"
	if (k < 80) {
		s = "update " tn " set " pk " = " nextid[t]++ ", "
		return s watched(t) " where " pk " = " id ";"
	}
	if (k < 82 && t == 1) return "update t_var set b = b || '\''+'\'' where a = " id ";"
	if (k < 83) return "update " tn " set " watched(t) " where " pk " % 97 = " pick(97) ";"
	return "delete from " tn " where " pk " = " id ";"
}
BEGIN {
	srand(seed)
	NUL = "\001NULL"
	NK = 40
	PR[0] = "img/";        PE[0] = "img/"
	PR[1] = "a b/";        PE[1] = "a%20b/"
	PR[2] = "caf\303\251/"; PE[2] = "caf%C3%A9/"
	PR[3] = "x+y/";        PE[3] = "x+y/"
	PR[4] = "p%q/";        PE[4] = "p%25q/"
	PR[5] = "deep/er/";    PE[5] = "deep/er/"
	TN[0] = "t_text"; TN[1] = "t_var"; TN[2] = "t_json"; TN[3] = "t_full"
	if (mode == "preload") {
		f = dir "/preload.sql"
		for (t = 0; t < 4; t++)
			for (id = 1; id <= count; id++)
				print insert(t, id) > f
		close(f)
		exit
	}
	for (t = 0; t < 4; t++) nextid[t] = firstid
	total = 4 * count; n = 0; file = 0
	while (n < total) {
		f = sprintf("%s/c%04d.sql", dir, file++)
		for (c = 0; c < chunk && n < total; ) {
			k = pick(100)
			if (k < 15) {        # a transaction of several statements
				m = 2 + pick(4)
				print "begin;" > f
				for (j = 0; j < m && n < total; j++) { print op(n % 4) > f; n++; c++ }
				print "commit;" > f
			} else if (k < 18) { # one that rolls back: none of it counts
				print "begin;" > f
				print op(n % 4) > f; print op((n + 1) % 4) > f
				print "rollback;" > f
			} else if (k < 21) { # a subtransaction rolled back in one committed
				print "begin;" > f
				print op(n % 4) > f; n++; c++
				print "savepoint s;" > f
				print op(n % 4) > f
				print "rollback to savepoint s;" > f
				print op(n % 4) > f; n++; c++
				print "commit;" > f
			} else if (k < 22) { # one that stays open a while
				print "begin;" > f
				print op(n % 4) > f; n++; c++
				print "select pg_sleep(0.05);" > f
				print op(n % 4) > f; n++; c++
				print "commit;" > f
			} else {
				print op(n % 4) > f; n++; c++
			}
		}
		close(f)
	}
}'
}

# refs_writer_start DIR [PAUSE [GATE]]: run DIR's chunks, one psql each,
# in the background (WRITER_PID); DIR/started appears after the first
# chunk, DIR/done at the end, DIR/failed if a chunk failed (its errors in
# DIR/writer.err).  PAUSE: seconds to sleep between chunks (0: none).
# GATE: before its GATE-th chunk the writer waits (up to 120 s) for the
# file DIR/gate, so that it is sure to be still writing when the test
# touches it, however slow the machine.
refs_writer_start() {
	(
		_n=0
		for f in "$1"/c*.sql; do
			_n=$((_n + 1))
			if [ "$_n" = "${3:-0}" ]; then
				_j=0
				until [ -f "$1/gate" ]; do
					_j=$((_j + 1)); [ $_j -gt 2400 ] && break; sleep 0.05
				done
			fi
			psql -qAtX -v ON_ERROR_STOP=1 -f "$f" > /dev/null 2>> "$1/writer.err" ||
				echo "$f" >> "$1/failed"
			[ -f "$1/started" ] || : > "$1/started"
			[ "${2:-0}" = 0 ] || sleep "$2"
		done
		: > "$1/done"
	) &
	WRITER_PID=$!
	_t_pids="$_t_pids $WRITER_PID"
	_i=0
	until [ -f "$1/started" ] || [ -f "$1/done" ]; do
		_i=$((_i + 1)); [ $_i -gt 600 ] && break; sleep 0.05
	done
}

# With synchronous_commit=off a commit may return before its WAL is
# flushed, and sync reads only up to the flushed end: flush it all.
refs_flush_wal() {
	psql -qAtX -U postgres -c checkpoint > /dev/null
}

# The truth: every raw key with its count, as dump --counts writes them
# (no key holds a control byte, so '%' is the only byte to encode).
refs_truth() {
	psql -qAtX -v ON_ERROR_STOP=1 -F "$(printf '\t')" <<'SQL' | LC_ALL=C sort
select replace(k, '%', '%25'), count(*) from (
	select raw as k from t_text where raw is not null
	union all select raw from t_var where raw is not null
	union all select unnest(wraw) from t_var
	union all select unnest(jraw) from t_json
	union all select raw from t_full where raw is not null
) x group by k;
SQL
}
