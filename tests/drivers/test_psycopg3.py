"""psycopg 3 against OmenDB through the PostgreSQL protocol: the vector type
found with TypeInfo.fetch and adapted in text and binary (as pgvector-python
does), COPY FROM STDIN in text and binary, an HNSW index, top-10 recall with
and without a filter, prepared statements and executemany's pipeline.

Run with Debian's /usr/bin/python3 (python3-psycopg, python3-numpy) under
omendb-local, which sets PGHOST, PGPORT, PGUSER and PGDATABASE."""

import struct
import sys

import numpy as np
import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo

import driverlib as d
from driverlib import check

DATA = d.Dataset(seed=3)
conn = psycopg.connect(autocommit=True)
VECTOR = None  # TypeInfo of "vector", set by the first test


class VectorTextDumper(Dumper):
    format = Format.TEXT

    def dump(self, obj):
        return d.vector_text(obj).encode()


class VectorBinaryDumper(Dumper):
    """pgvector's binary format (vector_send): int16 dim, int16 unused = 0,
    dim float4s, all in network byte order."""

    format = Format.BINARY

    def dump(self, obj):
        v = np.asarray(obj, dtype=">f4")
        return struct.pack(">HH", v.shape[0], 0) + v.tobytes()


class VectorTextLoader(Loader):
    format = Format.TEXT

    def load(self, data):
        return d.parse_vector_text(bytes(data).decode())


class VectorBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        dim, unused = struct.unpack_from(">HH", data)
        if unused != 0 or len(data) != 4 + 4 * dim:
            raise ValueError("bad binary vector: dim %d, unused %d, %d bytes" % (dim, unused, len(data)))
        return np.frombuffer(bytes(data), dtype=">f4", count=dim, offset=4).astype(np.float32)


def register_vector(context):
    """What pgvector.psycopg.register_vector does: find the type's oid in the
    server's catalog, then dump numpy arrays as that type and load it."""
    info = TypeInfo.fetch(context, "vector")
    if info is None:
        raise psycopg.ProgrammingError("vector type not found in the database")
    info.register(context)
    adapters = context.adapters
    adapters.register_dumper("numpy.ndarray", type("", (VectorTextDumper,), {"oid": info.oid}))
    adapters.register_dumper("numpy.ndarray", type("", (VectorBinaryDumper,), {"oid": info.oid}))
    adapters.register_loader(info.oid, VectorTextLoader)
    adapters.register_loader(info.oid, VectorBinaryLoader)
    return info


def test_type_info_fetch_finds_vector():
    global VECTOR
    conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    VECTOR = register_vector(conn)
    check(VECTOR.name == "vector", "name %r" % VECTOR.name)
    check(VECTOR.oid > 0 and VECTOR.array_oid > 0, "oid %d, array oid %d" % (VECTOR.oid, VECTOR.array_oid))
    oid = conn.execute("SELECT to_regtype('vector')::oid").fetchone()[0]
    check(oid == VECTOR.oid, "to_regtype says %r, TypeInfo %d" % (oid, VECTOR.oid))


def test_copy_text_write_row_loads_all_rows():
    conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(%d))" % d.DIM)
    cur = conn.cursor()
    with cur.copy("COPY items (id, category, embedding) FROM STDIN") as copy:
        for row in DATA.rows():
            copy.write_row(row)
    check(cur.rowcount == d.ROWS, "COPY reported %d rows" % cur.rowcount)
    n = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    check(n == d.ROWS, "count(*) = %d, want %d" % (n, d.ROWS))


def test_copy_binary_round_trips_vectors_exactly():
    conn.execute("CREATE TABLE items_bin (id bigint PRIMARY KEY, category integer, embedding vector(%d))" % d.DIM)
    rows = DATA.rows()[:1000]
    cur = conn.cursor()
    with cur.copy("COPY items_bin (id, category, embedding) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int8", "int4", "vector"])
        for row in rows:
            copy.write_row(row)
    back = conn.cursor(binary=True).execute("SELECT id, category, embedding FROM items_bin ORDER BY id").fetchall()
    check(len(back) == len(rows), "%d rows back, want %d" % (len(back), len(rows)))
    for (i, c, v), (bi, bc, bv) in zip(rows, back):
        check(i == bi and c == bc, "row %d came back as %d, %d" % (i, bi, bc))
        check(np.array_equal(v, bv), "row %d: vector differs" % i)


def test_create_index_hnsw_builds():
    conn.execute("CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops)")
    conn.execute("SET hnsw.ef_search = %d" % d.EF_SEARCH)
    shown = conn.execute("SHOW hnsw.ef_search").fetchone()[0]
    check(shown == str(d.EF_SEARCH), "SHOW hnsw.ef_search = %r" % shown)


def test_search_recall_with_binary_parameters():
    recalls = []
    for q in DATA.queries:
        found = [r[0] for r in conn.execute("SELECT id FROM items ORDER BY embedding <-> %b LIMIT 10", (q,))]
        check(len(found) == d.K, "%d rows, want %d" % (len(found), d.K))
        recalls.append(d.recall(found, DATA.exact(q)))
    d.check_recall("binary parameters", recalls)


def test_search_recall_with_text_parameters_prepared():
    recalls = []
    for q in DATA.queries:
        cur = conn.execute("SELECT id FROM items ORDER BY embedding <-> %t LIMIT 10", (q,), prepare=True)
        recalls.append(d.recall([r[0] for r in cur], DATA.exact(q)))
    d.check_recall("text parameters, prepared", recalls)


def test_filtered_search_recall():
    # pgvector 0.8 needs iterative scans to fill LIMIT 10 when one row in ten
    # passes the filter; OmenDB filters inside the graph walk either way.
    conn.execute("SET hnsw.iterative_scan = strict_order")
    recalls = []
    for q in DATA.queries:
        cur = conn.execute("SELECT id, category FROM items WHERE category = 3 ORDER BY embedding <-> %b LIMIT 10", (q,))
        rows = cur.fetchall()
        check(all(c == 3 for _, c in rows), "a row outside the filter: %r" % rows)
        check(len(rows) == d.K, "%d rows, want %d" % (len(rows), d.K))
        recalls.append(d.recall([r[0] for r in rows], DATA.exact(q, category=3)))
    conn.execute("RESET hnsw.iterative_scan")
    d.check_recall("filter category = 3", recalls)


def test_distance_in_select_list_matches_exact():
    q = DATA.queries[0]
    rows = conn.execute("SELECT id, embedding <-> %b AS dist FROM items ORDER BY dist LIMIT 10", (q,)).fetchall()
    check(len(rows) == d.K, "%d rows" % len(rows))
    for i, dist in rows:
        want = float(np.linalg.norm(DATA.vectors[i - 1].astype(np.float64) - q))
        check(abs(dist - want) < 1e-5 * max(1.0, want), "id %d: distance %r, exact %r" % (i, dist, want))
    dists = [r[1] for r in rows]
    check(dists == sorted(dists), "distances not ascending: %r" % dists)


def test_vector_loader_reads_text_and_binary_results():
    ids = [1, 77, 5000, d.ROWS]
    for binary in (False, True):
        cur = conn.cursor(binary=binary)
        cur.execute("SELECT id, embedding FROM items WHERE id = ANY(%s) ORDER BY id", (ids,))
        got = cur.fetchall()
        check([r[0] for r in got] == ids, "ids %r" % [r[0] for r in got])
        for i, v in got:
            check(isinstance(v, np.ndarray) and v.shape == (d.DIM,), "id %d: loaded %r" % (i, type(v)))
            check(np.array_equal(v, DATA.vectors[i - 1]), "id %d (binary=%s): vector differs" % (i, binary))


def test_executemany_inserts_in_a_pipeline():
    extra = d.Dataset(seed=33, rows=500)
    rows = [(i + d.ROWS, c, v) for i, c, v in extra.rows()]
    cur = conn.cursor()
    cur.executemany("INSERT INTO items (id, category, embedding) VALUES (%s, %s, %b)", rows)
    n = conn.execute("SELECT count(*) FROM items WHERE id > %s", (d.ROWS,)).fetchone()[0]
    check(n == len(rows), "%d rows after executemany, want %d" % (n, len(rows)))
    hit = conn.execute("SELECT id FROM items ORDER BY embedding <-> %b LIMIT 1", (rows[7][2],)).fetchone()[0]
    check(hit == rows[7][0], "nearest to an inserted vector is %d, want %d" % (hit, rows[7][0]))


def test_transaction_commit_keeps_rows():
    with psycopg.connect() as tx:
        register_vector(tx)
        v = np.full(d.DIM, 0.5, dtype=np.float32)
        tx.execute("INSERT INTO items (id, category, embedding) VALUES (%s, %s, %b)", (20001, 7, v))
        check(tx.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS, "not in a transaction")
        tx.commit()
    got = conn.execute("SELECT category, embedding FROM items WHERE id = 20001").fetchone()
    check(got is not None and got[0] == 7 and np.array_equal(got[1], v), "row 20001 after commit: %r" % (got,))


def test_null_vector_loads_as_none():
    conn.execute("INSERT INTO items (id, category, embedding) VALUES (20002, 1, NULL)")
    got = conn.execute("SELECT embedding FROM items WHERE id = 20002").fetchone()
    check(got == (None,), "got %r" % (got,))


def test_wrong_dimension_raises_data_exception():
    try:
        conn.execute("INSERT INTO items (id, category, embedding) VALUES (%s, %s, %b)",
                     (20003, 1, np.zeros(3, np.float32)))
    except psycopg.errors.DataException as e:
        check(e.sqlstate == "22000", "sqlstate %s" % e.sqlstate)
        check("expected %d dimensions, not 3" % d.DIM in str(e), "message %r" % str(e))
    else:
        check(False, "a 3-dimensional vector went into vector(%d)" % d.DIM)
    check(conn.execute("SELECT 1").fetchone() == (1,), "connection unusable after the error")


if __name__ == "__main__":
    sys.exit(d.run([
        test_type_info_fetch_finds_vector,
        test_copy_text_write_row_loads_all_rows,
        test_copy_binary_round_trips_vectors_exactly,
        test_create_index_hnsw_builds,
        test_search_recall_with_binary_parameters,
        test_search_recall_with_text_parameters_prepared,
        test_filtered_search_recall,
        test_distance_in_select_list_matches_exact,
        test_vector_loader_reads_text_and_binary_results,
        test_executemany_inserts_in_a_pipeline,
        test_transaction_commit_keeps_rows,
        test_null_vector_loads_as_none,
        test_wrong_dimension_raises_data_exception,
    ]))
