#!/bin/sh
# Man pages: one per program, lint-clean, and every option of --help in it.
. "$top_srcdir/tests/lib.sh"
command -v mandoc >/dev/null 2>&1 || need mandoc "mandoc is not installed (scripts/deps)"

for p in "$top_srcdir"/man/*.[1-8]; do
	mandoc -T lint -W warning "$p" > lint.out 2>&1
	ok $? "$(basename "$p") is lint-clean"
	[ -s lint.out ] && sed 's/^/# /' lint.out
done
for src in "$top_srcdir"/tools/s3gc*.c; do
	prog=$(basename "$src" .c)
	page="$top_srcdir/man/$prog.1"
	[ -f "$page" ]
	ok $? "$prog has a man page"
	"$prog" --help > help.out
	missing=
	for opt in $(grep -o -- '--[a-z][a-z-]*' help.out | sort -u); do
		grep -q -- "Fl -${opt#--}\b" "$page" || missing="$missing $opt"
	done
	is "$missing" "" "$prog(1) documents every option of --help"
	synopsis=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh/p' "$page" | grep -o 'Fl -[a-z-]*' | sed 's/Fl //' | sort -u)
	undocumented=
	for opt in $synopsis; do
		grep -q -- "$opt" help.out || undocumented="$undocumented $opt"
	done
	is "$undocumented" "" "$prog --help shows every option of the SYNOPSIS"
done
done_testing
