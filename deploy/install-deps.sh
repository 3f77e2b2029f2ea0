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
"

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
