#!/bin/sh
# Installs the Debian packages OmenDB builds, tests and benchmarks with.
# Idempotent: asks apt only for what dpkg says is missing. Needs root
# (or sudo) only when something is missing.
set -eu

PACKAGES="
build-essential cmake pkg-config
libnng-dev libraft-dev libuv1-dev liblz4-dev
libprotobuf-c-dev protobuf-c-compiler
libsimde-dev librocksdb-dev libpg-query-dev
libhdf5-dev libhnswlib-dev
python3 python3-numpy python3-faiss python3-h5py
libssl-dev libpq-dev postgresql-client
python3-psycopg python3-psycopg2 python3-asyncpg
libpostgresql-jdbc-java
"

# Driver tests: Java to compile the JDBC test, Node.js and npm for
# node-postgres (from the npm registry). A machine that already has them
# from elsewhere (e.g. NodeSource's nodejs, which bundles npm) keeps them.
command -v javac >/dev/null 2>&1 || PACKAGES="$PACKAGES default-jdk-headless"
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs"
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q $missing
