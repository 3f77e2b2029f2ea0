#!/bin/bash
# bench_smoke: end-to-end run of the engine benchmark on a tiny generated set.
# Checks that datagen is deterministic, that bench/engine runs OmenDB,
# hnswlib and FAISS and prints a search line per engine and ef, that OmenDB's
# recall at the largest ef is at least 0.9, and that ratio lines follow; then
# the same through an ann-benchmarks HDF5 file written with h5py (cosine).
# usage: bench_smoke.sh DATAGEN ENGINE
set -euo pipefail
datagen=$1
engine=$2
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/omen-bench-smoke-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "check: datagen writes the same bytes for the same seed"
"$datagen" --kind sift --n 3000 --queries 100 --dim 32 --k 20 --seed 3 --threads 2 \
    --out "$work/a" 2>/dev/null
"$datagen" --kind sift --n 3000 --queries 100 --dim 32 --k 20 --seed 3 --threads 1 \
    --out "$work/b" 2>/dev/null
for f in base.fvecs query.fvecs gt.ivecs; do
    cmp "$work/a.$f" "$work/b.$f"
done

# check_run FILE METRIC: every engine printed a search line per ef, OmenDB
# reached recall 0.9 at the largest ef, and each peer has ratio lines.
check_run() {
    "$python" - "$1" "$2" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
efs = [10, 40, 160]
ok = True
def check(cond, what):
    global ok
    print(("ok    " if cond else "FAIL  ") + what)
    ok = ok and cond
for eng in ("omendb", "hnswlib", "faiss"):
    build = [l for l in lines if l.get("engine") == eng and l.get("phase") == "build"]
    check(len(build) == 1 and build[0]["metric"] == sys.argv[2],
          f"{eng}: one build line, metric {sys.argv[2]}")
    got = sorted(l["ef"] for l in lines if l.get("engine") == eng and l.get("phase") == "search")
    check(got == efs, f"{eng}: search lines for ef {efs} (got {got})")
top = [l for l in lines if l.get("engine") == "omendb" and l.get("ef") == efs[-1]]
check(bool(top) and top[0]["recall"] >= 0.9,
      f"omendb: recall at ef {efs[-1]} >= 0.9 (got {top[0]['recall'] if top else None})")
for peer in ("hnswlib", "faiss"):
    ratios = [l for l in lines if l.get("phase") == "ratio" and l.get("peer") == peer]
    check(any("qps_ratio" in l for l in ratios), f"ratio: qps_ratio lines for {peer}")
    check(any("build_ratio" in l and "memory_ratio" in l for l in ratios),
          f"ratio: build and memory ratio for {peer}")
sys.exit(0 if ok else 1)
PY
}

echo "check: engine against hnswlib and faiss on fvecs (l2)"
"$engine" --base "$work/a.base.fvecs" --query "$work/a.query.fvecs" --gt "$work/a.gt.ivecs" \
    --m 16 --ef-construction 64 --ef 10,40,160 --threads 2 --repeat 1 \
    --peers hnswlib,faiss >"$work/l2.jsonl"
check_run "$work/l2.jsonl" l2

echo "check: bench/report.py renders that run as the tables of docs/benchmarks.md"
"$python" "$(dirname "$0")/../bench/report.py" "$work/l2.jsonl" >"$work/report.md"
grep -q "OmenDB / hnswlib" "$work/report.md"
grep -q "^| 160 | " "$work/report.md"

echo "check: float16 storage runs and keeps recall"
"$engine" --base "$work/a.base.fvecs" --query "$work/a.query.fvecs" --gt "$work/a.gt.ivecs" \
    --ef 160 --threads 2 --repeat 1 --peers none --storage float16 >"$work/f16.jsonl"
"$python" - "$work/f16.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
build = [l for l in lines if l.get("phase") == "build"][0]
search = [l for l in lines if l.get("phase") == "search"][0]
print(f"  float16: storage={build['storage']} recall@10 at ef 160 = {search['recall']}")
sys.exit(0 if build["storage"] == "float16" and search["recall"] >= 0.9 else 1)
PY

echo "check: engine against hnswlib and faiss on ann-benchmarks HDF5 (angular)"
"$datagen" --kind embedding --n 3000 --queries 100 --dim 48 --k 20 --seed 4 --threads 2 \
    --out "$work/e" 2>/dev/null
"$python" - "$work/e" <<'PY'
import sys
import h5py
import numpy as np
prefix = sys.argv[1]
def vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(dtype)
with h5py.File(prefix + ".hdf5", "w") as f:
    f["train"] = vecs(prefix + ".base.fvecs", np.float32)
    f["test"] = vecs(prefix + ".query.fvecs", np.float32)
    f["neighbors"] = vecs(prefix + ".gt.ivecs", np.int32)
    f.attrs["distance"] = "angular"
PY
"$engine" --hdf5 "$work/e.hdf5" --m 16 --ef-construction 64 --ef 10,40,160 --threads 2 \
    --repeat 1 --peers hnswlib,faiss >"$work/cos.jsonl"
check_run "$work/cos.jsonl" cosine
echo "bench_smoke: all checks passed"
