"""psycopg2 against OmenDB through the PostgreSQL protocol, in its default
mode (every statement inside a transaction that the test commits): the
vector type and its array type found with to_regtype as pgvector-python's
register_vector does, numpy arrays adapted as vector text, execute_values
and executemany batches, COPY through copy_expert, an HNSW index, top-10
recall with and without a filter, and errors with their SQLSTATE.

Run with Debian's /usr/bin/python3 (python3-psycopg2, python3-numpy) under
omendb-local, which sets PGHOST, PGPORT, PGUSER and PGDATABASE."""

import io
import sys

import numpy as np
import psycopg2
import psycopg2.errors
import psycopg2.extensions as ext
from psycopg2.extras import execute_values

import driverlib as d
from driverlib import check

DATA = d.Dataset(seed=2)
conn = psycopg2.connect("")


class VectorAdapter:
    """Quotes a numpy array as a vector literal ('[1,2,3]'), which the
    server resolves to vector from the other operand or the column."""

    def __init__(self, value):
        self.value = value

    def getquoted(self):
        return ext.adapt(d.vector_text(self.value)).getquoted()


def cast_vector(value, cur):
    return None if value is None else d.parse_vector_text(value)


def register_vector(connection):
    """pgvector-python's register_vector for psycopg2: the oids of vector and
    _vector from pg_type, through to_regtype (the search path's type)."""
    cur = connection.cursor()
    cur.execute("SELECT typname, oid FROM pg_type WHERE oid IN (to_regtype('vector'), to_regtype('_vector'))")
    info = dict(cur.fetchall())
    if "vector" not in info or "_vector" not in info:
        raise psycopg2.ProgrammingError("vector type not found in the database: %r" % info)
    vector = ext.new_type((info["vector"],), "VECTOR", cast_vector)
    ext.register_type(vector, connection)
    ext.register_type(ext.new_array_type((info["_vector"],), "VECTOR[]", vector), connection)
    ext.register_adapter(np.ndarray, VectorAdapter)
    return info


def one(sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()


def test_register_vector_finds_both_types():
    with conn.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS vector")
    conn.commit()
    info = register_vector(conn)
    check(info["vector"] > 0 and info["_vector"] > 0, "oids %r" % info)
    check(one("SELECT to_regtype('vector')::oid")[0] == info["vector"], "to_regtype differs from pg_type")


def test_execute_values_loads_all_rows():
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(%d))" % d.DIM)
        execute_values(cur, "INSERT INTO items (id, category, embedding) VALUES %s", DATA.rows(), page_size=1000)
    conn.commit()
    n = one("SELECT count(*) FROM items")[0]
    check(n == d.ROWS, "count(*) = %d, want %d" % (n, d.ROWS))


def test_executemany_inserts_rows():
    extra = d.Dataset(seed=22, rows=300)
    rows = [(i + d.ROWS, c, v) for i, c, v in extra.rows()]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO items (id, category, embedding) VALUES (%s, %s, %s)", rows)
        check(cur.rowcount == len(rows), "rowcount %d" % cur.rowcount)
    conn.commit()
    n = one("SELECT count(*) FROM items WHERE id > %s", (d.ROWS,))[0]
    check(n == len(rows), "%d rows after executemany, want %d" % (n, len(rows)))
    with conn.cursor() as cur:
        cur.execute("DELETE FROM items WHERE id > %s", (d.ROWS,))
        check(cur.rowcount == len(rows), "DELETE removed %d rows" % cur.rowcount)
    conn.commit()


def test_copy_expert_csv_loads_rows():
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE items_csv (id bigint PRIMARY KEY, category integer, embedding vector(%d))" % d.DIM)
        buf = io.StringIO()
        for i, c, v in DATA.rows()[:2000]:
            buf.write('%d,%d,"%s"\n' % (i, c, d.vector_text(v)))
        buf.seek(0)
        cur.copy_expert("COPY items_csv (id, category, embedding) FROM STDIN WITH (FORMAT csv)", buf)
        check(cur.rowcount == 2000, "COPY reported %d rows" % cur.rowcount)
    conn.commit()
    got = one("SELECT embedding FROM items_csv WHERE id = 1234")[0]
    check(np.array_equal(got, DATA.vectors[1233]), "row 1234 differs after COPY")


def test_create_index_hnsw_builds():
    with conn.cursor() as cur:
        cur.execute("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)")
        cur.execute("SET hnsw.ef_search = %s", (d.EF_SEARCH,))
    conn.commit()
    check(one("SHOW hnsw.ef_search")[0] == str(d.EF_SEARCH), "ef_search not kept")


def test_search_recall():
    recalls = []
    with conn.cursor() as cur:
        for q in DATA.queries:
            cur.execute("SELECT id FROM items ORDER BY embedding <-> %s LIMIT 10", (q,))
            found = [r[0] for r in cur.fetchall()]
            check(len(found) == d.K, "%d rows" % len(found))
            recalls.append(d.recall(found, DATA.exact(q)))
    conn.commit()
    d.check_recall("unfiltered", recalls)


def test_filtered_search_recall():
    recalls = []
    with conn.cursor() as cur:
        cur.execute("SET hnsw.iterative_scan = strict_order")
        for q in DATA.queries:
            cur.execute(
                "SELECT id, category FROM items WHERE category = %s ORDER BY embedding <-> %s LIMIT 10", (3, q)
            )
            rows = cur.fetchall()
            check(len(rows) == d.K and all(c == 3 for _, c in rows), "rows %r" % rows)
            recalls.append(d.recall([r[0] for r in rows], DATA.exact(q, category=3)))
        cur.execute("RESET hnsw.iterative_scan")
    conn.commit()
    d.check_recall("filter category = 3", recalls)


def test_typecaster_loads_vectors():
    with conn.cursor() as cur:
        cur.execute("SELECT id, embedding FROM items WHERE id IN (1, 500, 9999) ORDER BY id")
        rows = cur.fetchall()
    conn.commit()
    check([r[0] for r in rows] == [1, 500, 9999], "ids %r" % [r[0] for r in rows])
    for i, v in rows:
        check(isinstance(v, np.ndarray), "id %d loaded as %r" % (i, type(v)))
        check(np.array_equal(v, DATA.vectors[i - 1]), "id %d differs" % i)


def test_distance_parameter_and_column():
    q = DATA.queries[5]
    row = one("SELECT id, embedding <-> %s FROM items ORDER BY embedding <-> %s LIMIT 1", (q, q))
    conn.commit()
    want = float(np.linalg.norm(DATA.vectors[row[0] - 1].astype(np.float64) - q))
    check(abs(row[1] - want) < 1e-5, "distance %r, exact %r" % (row[1], want))
    check(row[0] == DATA.exact(q, k=1)[0], "nearest %d, exact %d" % (row[0], DATA.exact(q, k=1)[0]))


def test_malformed_vector_raises_22P02_and_rollback_recovers():
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO items (id, category, embedding) VALUES (%s, %s, %s)", (30001, 1, "[1,2"))
    except psycopg2.errors.InvalidTextRepresentation as e:
        check(e.pgcode == "22P02", "pgcode %s" % e.pgcode)
    else:
        check(False, "'[1,2' was accepted")
    check(conn.get_transaction_status() == ext.TRANSACTION_STATUS_INERROR, "transaction not in error state")
    try:
        one("SELECT 1")
    except psycopg2.errors.InFailedSqlTransaction as e:
        check(e.pgcode == "25P02", "pgcode %s" % e.pgcode)
    else:
        check(False, "a statement ran inside a failed transaction")
    conn.rollback()
    check(one("SELECT count(*) FROM items WHERE id = 30001")[0] == 0, "the refused row is there")
    conn.commit()


def test_duplicate_key_raises_unique_violation():
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO items (id, category, embedding) VALUES (1, 1, %s)", (DATA.vectors[0],))
    except psycopg2.errors.UniqueViolation as e:
        check(e.pgcode == "23505", "pgcode %s" % e.pgcode)
        check(e.diag.constraint_name == "items_pkey", "constraint_name %r" % e.diag.constraint_name)
    else:
        check(False, "a duplicate primary key was accepted")
    finally:
        conn.rollback()


if __name__ == "__main__":
    sys.exit(d.run([
        test_register_vector_finds_both_types,
        test_execute_values_loads_all_rows,
        test_executemany_inserts_rows,
        test_copy_expert_csv_loads_rows,
        test_create_index_hnsw_builds,
        test_search_recall,
        test_filtered_search_recall,
        test_typecaster_loads_vectors,
        test_distance_parameter_and_column,
        test_malformed_vector_raises_22P02_and_rollback_recovers,
        test_duplicate_key_raises_unique_violation,
    ]))
