#!/bin/sh
# Runs test_pg.mjs with node-postgres and the pgvector package, installed
# from the npm registry into WORKDIR (under the build tree: nothing lands in
# the source tree). Exits 77, which ctest reports as skipped, only when node
# or npm is not installed; an npm install that fails (no registry) fails the
# test.
# usage: run.sh WORKDIR
set -u
work=${1:?usage: run.sh WORKDIR}
for tool in node npm; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (Debian: apt-get install nodejs npm)"
		exit 77
	fi
done
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work" || exit 1
cp "$here/package.json" "$here/test_pg.mjs" "$work/" || exit 1
cd "$work" || exit 1
if ! npm install --no-audit --no-fund --loglevel=error >npm-install.log 2>&1; then
	echo "FAIL: npm install of pg and pgvector failed (is the npm registry reachable?):"
	tail -20 npm-install.log
	exit 1
fi
exec node test_pg.mjs
