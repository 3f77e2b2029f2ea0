"""asyncpg against OmenDB through the PostgreSQL protocol: a binary codec
for vector set with set_type_codec (as pgvector-python's register_vector for
asyncpg does), copy_records_to_table (binary COPY), executemany, prepared
statements that report their parameter types, an HNSW index, top-10 recall
with and without a filter, and concurrent queries on a pool of 4.

Run with Debian's /usr/bin/python3 (python3-asyncpg, python3-numpy) under
omendb-local, which sets PGHOST, PGPORT, PGUSER and PGDATABASE."""

import asyncio
import struct
import sys

import asyncpg
import numpy as np

import driverlib as d
from driverlib import check

DATA = d.Dataset(seed=4)


def encode_vector(v):
    """pgvector's binary format: int16 dim, int16 unused = 0, float4s, all
    big-endian."""
    a = np.asarray(v, dtype=">f4")
    return struct.pack(">HH", a.shape[0], 0) + a.tobytes()


def decode_vector(b):
    dim, unused = struct.unpack_from(">HH", b)
    if unused != 0 or len(b) != 4 + 4 * dim:
        raise ValueError("bad binary vector: dim %d, unused %d, %d bytes" % (dim, unused, len(b)))
    return np.frombuffer(b, dtype=">f4", count=dim, offset=4).astype(np.float32)


async def register_vector(conn):
    await conn.set_type_codec(
        "vector", schema="public", encoder=encode_vector, decoder=decode_vector, format="binary"
    )


class Suite:
    def __init__(self):
        self.conn = None

    async def test_set_type_codec_registers_vector(self):
        self.conn = await asyncpg.connect()
        await self.conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        await register_vector(self.conn)
        v = await self.conn.fetchval("SELECT '[1,2.5,-3]'::vector")
        check(isinstance(v, np.ndarray) and v.tolist() == [1.0, 2.5, -3.0], "decoded %r" % (v,))

    async def test_copy_records_to_table_loads_all_rows(self):
        await self.conn.execute(
            "CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(%d))" % d.DIM
        )
        status = await self.conn.copy_records_to_table(
            "items", records=DATA.rows(), columns=["id", "category", "embedding"]
        )
        check(status == "COPY %d" % d.ROWS, "status %r" % status)
        n = await self.conn.fetchval("SELECT count(*) FROM items")
        check(n == d.ROWS, "count(*) = %d, want %d" % (n, d.ROWS))

    async def test_executemany_inserts_rows(self):
        extra = d.Dataset(seed=44, rows=400)
        rows = [(i + d.ROWS, c, v) for i, c, v in extra.rows()]
        await self.conn.executemany("INSERT INTO items (id, category, embedding) VALUES ($1, $2, $3)", rows)
        n = await self.conn.fetchval("SELECT count(*) FROM items WHERE id > $1", d.ROWS)
        check(n == len(rows), "%d rows after executemany, want %d" % (n, len(rows)))
        status = await self.conn.execute("DELETE FROM items WHERE id > $1", d.ROWS)
        check(status == "DELETE %d" % len(rows), "status %r" % status)

    async def test_create_index_hnsw_builds(self):
        status = await self.conn.execute("CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)")
        check(status == "CREATE INDEX", "status %r" % status)
        await self.conn.execute("SET hnsw.ef_search = %d" % d.EF_SEARCH)

    async def test_prepared_statement_knows_vector_parameter(self):
        stmt = await self.conn.prepare("SELECT id, embedding <-> $1 AS dist FROM items ORDER BY embedding <-> $1 LIMIT 10")
        params = stmt.get_parameters()
        check(len(params) == 1 and params[0].name == "vector", "parameters %r" % (params,))
        attrs = [(a.name, a.type.name) for a in stmt.get_attributes()]
        check(attrs == [("id", "int8"), ("dist", "float8")], "attributes %r" % attrs)
        recalls = []
        for q in DATA.queries:
            rows = await stmt.fetch(q)
            check(len(rows) == d.K, "%d rows" % len(rows))
            dists = [r["dist"] for r in rows]
            check(dists == sorted(dists), "distances not ascending")
            recalls.append(d.recall([r["id"] for r in rows], DATA.exact(q)))
        d.check_recall("prepared, binary", recalls)

    async def test_filtered_search_recall(self):
        await self.conn.execute("SET hnsw.iterative_scan = strict_order")
        recalls = []
        for q in DATA.queries:
            rows = await self.conn.fetch(
                "SELECT id, category FROM items WHERE category = $1 ORDER BY embedding <-> $2 LIMIT 10", 3, q
            )
            check(len(rows) == d.K and all(r["category"] == 3 for r in rows), "rows %r" % rows)
            recalls.append(d.recall([r["id"] for r in rows], DATA.exact(q, category=3)))
        await self.conn.execute("RESET hnsw.iterative_scan")
        d.check_recall("filter category = 3", recalls)

    async def test_array_parameter_and_binary_results(self):
        # An array parameter makes asyncpg introspect its type with its
        # WITH RECURSIVE query on pg_type (asyncpg/introspection.py). Own
        # connection: a hang here must not break the later tests.
        conn = await asyncpg.connect()
        try:
            await register_vector(conn)
            rows = await conn.fetch(
                "SELECT id, embedding FROM items WHERE id = ANY($1::bigint[]) ORDER BY id", [2, 300, 7777]
            )
        finally:
            conn.terminate()
        check([r["id"] for r in rows] == [2, 300, 7777], "ids %r" % [r["id"] for r in rows])
        for r in rows:
            check(np.array_equal(r["embedding"], DATA.vectors[r["id"] - 1]), "id %d differs" % r["id"])

    async def test_pool_of_4_runs_concurrent_queries(self):
        pool = await asyncpg.create_pool(min_size=4, max_size=4, init=register_vector)
        try:
            async def search(q, category):
                async with pool.acquire() as c:
                    await c.execute("SET hnsw.ef_search = %d" % d.EF_SEARCH)
                    if category is None:
                        rows = await c.fetch("SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", q)
                    else:
                        rows = await c.fetch(
                            "SELECT id FROM items WHERE category = $2 ORDER BY embedding <-> $1 LIMIT 10", q, category
                        )
                    return [r["id"] for r in rows]

            # Each acquire/release cycle also runs asyncpg's reset query
            # (pg_advisory_unlock_all, CLOSE ALL, UNLISTEN *, RESET ALL).
            jobs = [search(q, None if i % 2 == 0 else i % 10) for i, q in enumerate(DATA.queries)] * 4
            results = await asyncio.gather(*jobs, return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                raise errors[0]
            recalls = []
            for i, found in enumerate(results):
                j = i % len(DATA.queries)
                category = None if j % 2 == 0 else j % 10
                recalls.append(d.recall(found, DATA.exact(DATA.queries[j], category=category)))
            d.check_recall("pool of 4, %d concurrent queries" % len(jobs), recalls)
        finally:
            await pool.close()

    async def test_parse_error_arrives_without_sync(self):
        # asyncpg prepares with Parse, Describe and Flush, and waits for the
        # answer before it sends Sync: the ErrorResponse must come at once.
        try:
            await asyncio.wait_for(self.conn.fetch("SELECT * FROM nosuch"), 10)
        except asyncpg.exceptions.UndefinedTableError as e:
            check(e.sqlstate == "42P01", "sqlstate %s" % e.sqlstate)
        else:
            check(False, "SELECT from a missing table succeeded")
        check(await self.conn.fetchval("SELECT 1") == 1, "connection unusable after the error")

    async def test_wrong_dimension_raises_data_exception(self):
        try:
            await self.conn.execute("INSERT INTO items VALUES ($1, $2, $3)", 40001, 1, np.ones(5, np.float32))
        except asyncpg.exceptions.DataError as e:
            check(e.sqlstate == "22000", "sqlstate %s" % e.sqlstate)
        else:
            check(False, "a 5-dimensional vector went into vector(%d)" % d.DIM)
        check(await self.conn.fetchval("SELECT 1") == 1, "connection unusable after the error")

    async def close(self):
        if self.conn is not None:
            await self.conn.close()


def main():
    suite = Suite()
    loop = asyncio.new_event_loop()
    names = [
        "test_set_type_codec_registers_vector",
        "test_copy_records_to_table_loads_all_rows",
        "test_executemany_inserts_rows",
        "test_create_index_hnsw_builds",
        "test_prepared_statement_knows_vector_parameter",
        "test_filtered_search_recall",
        "test_array_parameter_and_binary_results",
        "test_pool_of_4_runs_concurrent_queries",
        "test_parse_error_arrives_without_sync",
        "test_wrong_dimension_raises_data_exception",
    ]

    def sync(name):
        def fn():
            loop.run_until_complete(asyncio.wait_for(getattr(suite, name)(), 60))
        fn.__name__ = name
        return fn

    try:
        return d.run([sync(n) for n in names])
    finally:
        loop.run_until_complete(suite.close())
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
