#!/bin/sh
# Compiles TestJdbc.java into WORKDIR (under the build tree) against Debian's
# PostgreSQL JDBC driver (libpostgresql-jdbc-java) and runs it. Exits 77,
# which ctest reports as skipped, only when javac, java or the driver's jar
# is not installed.
# usage: run.sh WORKDIR [JAR]
set -u
work=${1:?usage: run.sh WORKDIR [JAR]}
jar=${2:-/usr/share/java/postgresql.jar}
for tool in javac java; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (Debian: apt-get install default-jdk-headless)"
		exit 77
	fi
done
if [ ! -f "$jar" ]; then
	echo "SKIP: $jar is missing (Debian: apt-get install libpostgresql-jdbc-java)"
	exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work" || exit 1
javac -Xlint:all -Werror -cp "$jar" -d "$work" "$here/TestJdbc.java" || exit 1
exec java -cp "$work:$jar" TestJdbc
