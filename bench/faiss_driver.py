#!/usr/bin/python3
"""faiss_driver: the FAISS side of bench/engine.

Builds faiss.IndexHNSWFlat on a dataset with the engine's parameters and
prints the same JSON lines as bench/engine (one build line, then one search
line per ef) with "engine":"faiss". Uses Debian's python3-faiss, numpy and
h5py; run it with /usr/bin/python3.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np

import faiss

MAX_DIM = 1 << 20  # as bench/dataset.h


def fail(msg):
    print("faiss_driver: " + msg, file=sys.stderr)
    sys.exit(1)


def read_vecs(path, kind, max_rows=0):
    """Reads a TEXMEX .fvecs/.ivecs/.bvecs file, rejecting malformed ones as
    bench/dataset.c does."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size < 4:
        fail(f"{path}: empty or truncated")
    dim = int(raw[:4].view("<i4")[0])
    if dim <= 0 or dim > MAX_DIM:
        fail(f"{path}: bad dimension {dim}")
    elem = 1 if kind == "b" else 4
    record = 4 + dim * elem
    if raw.size % record:
        fail(f"{path}: size is not a whole number of records")
    rows = raw.size // record
    if max_rows:
        rows = min(rows, max_rows)
    recs = raw[: rows * record].reshape(rows, record)
    if not (recs[:, :4].copy().view("<i4") == dim).all():
        fail(f"{path}: records of different dimensions")
    body = recs[:, 4:]
    if kind == "b":
        return body.astype(np.float32)
    return np.ascontiguousarray(body).view("<f4" if kind == "f" else "<i4").copy()


def read_vectors(path, max_rows=0):
    return read_vecs(path, "b" if path.endswith(".bvecs") else "f", max_rows)


HDF5_METRICS = {"euclidean": "l2", "l2": "l2", "angular": "cosine",
                "cosine": "cosine", "dot": "ip", "ip": "ip"}


def load(args):
    """Returns base, queries, gt, and the metric the file names (or None)."""
    if args.hdf5:
        import h5py

        try:
            f = h5py.File(args.hdf5, "r")
        except OSError as e:
            fail(f"{args.hdf5}: {e}")
        with f:
            for name in ("train", "test", "neighbors"):
                if name not in f or len(f[name].shape) != 2:
                    fail(f"{args.hdf5}: no 2-D dataset '{name}'")
            distance = f.attrs.get("distance")
            if isinstance(distance, bytes):
                distance = distance.decode()
            if distance not in HDF5_METRICS:
                fail(f"{args.hdf5}: unknown distance {distance!r}")
            nq = f["test"].shape[0]
            if args.queries:
                nq = min(nq, args.queries)
            base = np.ascontiguousarray(f["train"][:], dtype=np.float32)
            queries = np.ascontiguousarray(f["test"][:nq], dtype=np.float32)
            gt = np.asarray(f["neighbors"][:nq], dtype=np.int64)
            metric = HDF5_METRICS[distance]
    else:
        base = read_vectors(args.base)
        queries = read_vectors(args.query, args.queries)
        gt = read_vecs(args.gt, "i", queries.shape[0]).astype(np.int64)
        metric = None
    if queries.shape[1] != base.shape[1]:
        fail("queries and base differ in dimension")
    if gt.shape[0] < queries.shape[0]:
        fail("fewer ground-truth rows than queries")
    if gt.size and (gt.min() < 0 or gt.max() >= base.shape[0]):
        fail("a ground-truth id is not a row of base")
    return base, queries, gt, metric


def rss_mb():
    # /proc/self/statm, as bench/engine and hnswlib_driver read it.
    with open("/proc/self/statm") as f:
        resident = int(f.read().split()[1])
    return resident * os.sysconf("SC_PAGESIZE") / (1024.0 * 1024.0)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def percentile(sorted_values, p):
    # Nearest rank, as bench/engine computes it.
    rank = int(np.ceil(p * len(sorted_values)))
    return sorted_values[max(rank, 1) - 1]


def median(values):
    return float(np.median(values))


def emit(obj):
    print(json.dumps(obj, separators=(",", ":")), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base")
    ap.add_argument("--query")
    ap.add_argument("--gt")
    ap.add_argument("--hdf5")
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=64)
    ap.add_argument("--ef", default="10,20,40,80,160,320")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--metric")
    ap.add_argument("--queries", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dataset-name", default="")
    ap.add_argument("--turns", action="store_true",
                    help="wait for a line on stdin before each timed pass and print "
                         "{\"phase\":\"turn\"} after it (bench/engine interleaves engines)")
    args = ap.parse_args()
    files = bool(args.base and args.query and args.gt)
    if files == bool(args.hdf5):
        ap.error("give --base, --query and --gt, or --hdf5")
    try:
        efs = [int(x) for x in args.ef.split(",")]
    except ValueError:
        ap.error("--ef takes a comma-separated list of integers")
    if args.m < 2 or args.k < 1 or args.repeat < 1 or args.threads < 1 or min(efs) < 1:
        ap.error("m >= 2, k, repeat, threads and every ef >= 1")

    base, queries, gt, file_metric = load(args)
    metric = args.metric or file_metric or "l2"
    if args.k > gt.shape[1]:
        fail(f"k {args.k} exceeds ground truth depth {gt.shape[1]}")
    n, dim = base.shape
    nq = queries.shape[0]
    if metric == "l2":
        faiss_metric = faiss.METRIC_L2
    elif metric in ("ip", "cosine"):
        # Normalised vectors under inner product rank exactly as cosine.
        if metric == "cosine":
            faiss.normalize_L2(base)
            faiss.normalize_L2(queries)
        faiss_metric = faiss.METRIC_INNER_PRODUCT
    elif metric == "l1":
        faiss_metric = faiss.METRIC_L1
    else:
        fail(f"unknown metric {metric}")

    faiss.omp_set_num_threads(args.threads)
    rss0 = rss_mb()
    t0 = time.perf_counter()
    index = faiss.IndexHNSWFlat(dim, args.m, faiss_metric)
    index.hnsw.efConstruction = args.ef_construction
    index.add(base)
    build_s = time.perf_counter() - t0
    index_mb = rss_mb() - rss0
    emit({"engine": "faiss", "phase": "build", "dataset": args.dataset_name,
          "metric": metric, "n": n, "dim": dim, "m": args.m,
          "ef_construction": args.ef_construction, "threads": args.threads,
          "build_s": round(build_s, 3), "vectors_per_s": round(n / build_s, 1),
          "index_mb": round(index_mb, 1), "peak_rss_mb": round(peak_rss_mb(), 1)})

    # One thread and one query per call: per-query latency, as the other
    # engines measure it (FAISS would otherwise batch and parallelise).
    # search_c is the C++ call that index.search wraps; calling it on
    # prepared pointers keeps numpy allocation and checks out of the timing,
    # leaving only the SWIG call as Python's share.
    faiss.omp_set_num_threads(1)
    k = args.k
    truth = [set(row[:k].tolist()) for row in gt[:nq]]
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    rows = [faiss.swig_ptr(queries[i]) for i in range(nq)]
    dist = np.empty((1, k), dtype=np.float32)
    ids = np.empty((1, k), dtype=np.int64)
    dist_p, ids_p = faiss.swig_ptr(dist), faiss.swig_ptr(ids)
    search = index.search_c
    clock = time.perf_counter
    for ef in efs:
        index.hnsw.efSearch = ef
        lat = []
        qps = []
        hits = 0
        for r in range(args.repeat):
            if args.turns and not sys.stdin.readline():
                fail("stdin closed before a turn")
            busy = 0.0
            for i in range(nq):
                q0 = clock()
                search(1, rows[i], k, dist_p, ids_p)
                t = clock() - q0
                lat.append(t)
                busy += t
                if r == 0:
                    hits += len(truth[i].intersection(ids[0].tolist()))
            qps.append(nq / busy)
            if args.turns:
                emit({"phase": "turn"})
        lat.sort()
        emit({"engine": "faiss", "phase": "search", "dataset": args.dataset_name,
              "ef": ef, "k": k, "queries": nq, "repeat": args.repeat,
              "recall": round(hits / (nq * k), 4), "qps": round(median(qps), 1),
              "p50_us": round(percentile(lat, 0.50) * 1e6, 1),
              "p99_us": round(percentile(lat, 0.99) * 1e6, 1)})


if __name__ == "__main__":
    main()
