#!/bin/sh
# Run by omendb-local -- (2 data groups): with every replica of group 2
# stopped (SIGSTOP), a search fails with SQLSTATE 58000 naming the group,
# unless the session sets omendb.partial_results, which returns group 1's
# rows with a WARNING; after SIGCONT the full answer is back.
set -eu
fail() { echo "FAIL: $*" >&2; pkill -CONT -f "$OMENDB_DIR/g2r" || true; exit 1; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "$@"; }

q -c "CREATE TABLE f (id bigint PRIMARY KEY, v vector(2))"
values=""
i=1
while [ $i -le 200 ]; do
	values="$values${values:+,}($i, '[$i,1]')"
	i=$((i + 1))
done
q -c "INSERT INTO f VALUES $values"
[ "$(q -c "SELECT count(*) FROM f")" = 200 ] || fail "200 rows expected"

pkill -STOP -f "$OMENDB_DIR/g2r" || fail "no group 2 replica to stop"
out=$(q -c "SET omendb.group_timeout = 500" -c "SELECT id FROM f ORDER BY v <-> '[0,0]' LIMIT 300" 2>&1) &&
	fail "a search with group 2 stopped succeeded: $out"
echo "$out" | grep -q "58000" || fail "expected SQLSTATE 58000, got: $out"
echo "$out" | grep -q "group 2" || fail "the error does not name group 2: $out"

out=$(q -c "SET omendb.group_timeout = 500" -c "SET omendb.partial_results = on" \
	-c "SELECT count(*) FROM f" 2>&1) || fail "partial count failed: $out"
echo "$out" | grep -q "WARNING.*group 2" || fail "no WARNING naming group 2: $out"
n=$(echo "$out" | grep -v WARNING | grep -v '^$' | tail -1)
[ "$n" -gt 0 ] && [ "$n" -lt 200 ] || fail "partial count $n is not between 0 and 200"

pkill -CONT -f "$OMENDB_DIR/g2r"
[ "$(q -c "SELECT count(*) FROM f")" = 200 ] || fail "200 rows expected after SIGCONT"
echo "ok: 58000 with group 2 stopped, $n of 200 rows with partial results, 200 after"
