#!/bin/sh
# Runs one psql script of sql/ against the server in PGHOST/PGPORT and
# compares its output with the expected one (sql/NAME.out, what PostgreSQL 15
# with pgvector 0.8 prints). The actual output goes to OUTDIR/NAME.out.
# usage: run_sql.sh SQL_FILE OUTDIR
# psql -a echoes each input line, errors carry psql's "psql:<stdin>:LINE:"
# prefix; LOCATION lines (VERBOSITY verbose) are dropped because they name
# the server's source files, which no two implementations share.
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 SQL_FILE OUTDIR" >&2
	exit 2
fi
sql=$1
outdir=$2
name=$(basename "$sql" .sql)
expected=$(dirname "$sql")/$name.out
actual=$outdir/$name.out
mkdir -p "$outdir" || exit 1
LC_ALL=C
export LC_ALL
psql -X -a -P pager=off -v ON_ERROR_STOP=0 -f - <"$sql" 2>&1 | sed '/^LOCATION:  /d' >"$actual"
if diff -u "$expected" "$actual"; then
	echo "ok   $name"
	echo "1 passed, 0 failed"
	exit 0
fi
echo "FAIL $name: output differs from $expected (actual output in $actual)"
echo "0 passed, 1 failed"
exit 1
