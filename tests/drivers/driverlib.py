"""What the Python driver tests share: a seeded data set, exact nearest
neighbours to measure recall against, and a harness that prints one line per
test and "N passed, N failed" like tests/test.h.

The tests run against any PostgreSQL with pgvector 0.8 as well as OmenDB, so
nothing here knows about OmenDB."""

import os
import sys
import time
import traceback

import numpy as np

DIM = 32
ROWS = 10_000
CATEGORIES = 10
QUERIES = 30
K = 10
MIN_RECALL = 0.95
# pgvector's default ef_search (40) is at the edge of 0.95 recall@10 on
# uniform 32-dimensional data; the tests set 100, as an application asking
# for that recall would.
EF_SEARCH = 100


class Dataset:
    """ROWS vectors of DIM float32s in [0, 1), ids 1..ROWS, a category 0..9 per
    row, and QUERIES query vectors, all from one seed."""

    def __init__(self, seed, rows=ROWS, dim=DIM):
        rng = np.random.default_rng(seed)
        self.dim = dim
        self.ids = np.arange(1, rows + 1, dtype=np.int64)
        self.vectors = rng.random((rows, dim), dtype=np.float32)
        self.categories = rng.integers(0, CATEGORIES, rows, dtype=np.int64)
        self.queries = rng.random((QUERIES, dim), dtype=np.float32)

    def rows(self):
        """(id, category, vector) tuples with plain Python ints."""
        return [(int(i), int(c), v) for i, c, v in zip(self.ids, self.categories, self.vectors)]

    def exact(self, query, category=None, k=K):
        """Ids of the k nearest rows by L2 distance (float64 arithmetic),
        among the rows of one category when category is given."""
        mask = np.ones(len(self.ids), bool) if category is None else self.categories == category
        ids = self.ids[mask]
        d = ((self.vectors[mask].astype(np.float64) - query.astype(np.float64)) ** 2).sum(axis=1)
        return [int(x) for x in ids[np.argsort(d, kind="stable")[:k]]]


def recall(found, exact):
    """Share of the exact top-k that a result list contains."""
    return len(set(found) & set(exact)) / len(exact)


def vector_text(v):
    """pgvector's text format; str() of a numpy float32 is its shortest form
    that reads back to the same float32."""
    return "[" + ",".join(str(x) for x in np.asarray(v, np.float32)) + "]"


def parse_vector_text(s):
    if not (s.startswith("[") and s.endswith("]")):
        raise ValueError("not a vector: %r" % s[:40])
    return np.array([float(x) for x in s[1:-1].split(",")], dtype=np.float32)


def env_summary():
    return "%s:%s user %s db %s" % (
        os.environ.get("PGHOST"),
        os.environ.get("PGPORT"),
        os.environ.get("PGUSER"),
        os.environ.get("PGDATABASE"),
    )


class Failure(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def check_recall(label, recalls):
    avg = sum(recalls) / len(recalls)
    print("     %s: recall@%d %.3f over %d queries (min %.2f)" % (label, K, avg, len(recalls), min(recalls)))
    check(avg >= MIN_RECALL, "%s: recall %.3f < %.2f" % (label, avg, MIN_RECALL))


def run(tests, argv=None):
    """Runs the test functions in order (each named after the behaviour it
    checks; later ones may rely on the tables earlier ones loaded), or only
    the one named in argv[1]. Returns the exit status."""
    argv = sys.argv if argv is None else argv
    print("against", env_summary(), flush=True)
    passed = failed = 0
    for fn in tests:
        if len(argv) > 1 and fn.__name__ != argv[1]:
            continue
        t0 = time.monotonic()
        try:
            fn()
        except Exception:
            traceback.print_exc()
            print("FAIL %s (%.1f s)" % (fn.__name__, time.monotonic() - t0), flush=True)
            failed += 1
        else:
            print("ok   %s (%.1f s)" % (fn.__name__, time.monotonic() - t0), flush=True)
            passed += 1
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 and passed > 0 else 1
