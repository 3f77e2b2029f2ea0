/* pgcatalog: the exact catalog queries drivers and psql send, parsed with
 * sql_parse and answered over a hand-built catalog (table items with a
 * primary key and an HNSW index, table docs without either). */
#include <stdlib.h>
#include <string.h>

#include "pgcatalog.h"
#include "test.h"

static arena A;
static Omendb__Catalog cat;
static Omendb__TableDef items, docs;
static Omendb__TableDef *tables[2];
static Omendb__Column c_id, c_embedding, c_name, c_body, c_v;
static Omendb__Column *items_cols[3], *docs_cols[2];
static uint32_t items_pk[1] = {0};
static Omendb__IndexDef idx;
static Omendb__IndexDef *indexes[1];
static Omendb__Value name_default;
static exec_session session;
static pgcatalog_ctx ctx;

static const char *test_setting(void *arg, const char *name)
{
	(void)arg;
	static const char *const kv[][2] = {{"session_authorization", "alice"},
					    {"database", "vectors"},
					    {"server_version", "15.0"},
					    {"hnsw.ef_search", "40"},
					    {"search_path", "\"$user\", public"}};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if (strcmp(kv[i][0], name) == 0)
			return kv[i][1];
	return NULL;
}

static void column(Omendb__Column *c, const char *name, Omendb__ColumnType type, uint32_t pg_type,
		   uint32_t dim, bool not_null)
{
	omendb__column__init(c);
	c->name = (char *)name;
	c->type = type;
	c->pg_type = pg_type;
	c->pg_typmod = -1;
	c->dim = dim;
	c->not_null = not_null;
}

/* items(id bigint primary key, embedding vector(3), name text default 'x')
 * with items_embedding_idx USING hnsw (embedding vector_cosine_ops);
 * docs(body text, v vector(2)). */
static void setup(void)
{
	arena_destroy(&A);
	memset(&A, 0, sizeof A);
	column(&c_id, "id", OMENDB__COLUMN_TYPE__COLUMN_BIGINT, OID_INT8, 0, true);
	column(&c_embedding, "embedding", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, OID_VECTOR, 3, false);
	column(&c_name, "name", OMENDB__COLUMN_TYPE__COLUMN_TEXT, OID_TEXT, 0, false);
	omendb__value__init(&name_default);
	name_default.kind_case = OMENDB__VALUE__KIND_TEXT_VALUE;
	name_default.text_value = (char *)"x";
	c_name.has_default = true;
	c_name.default_value = &name_default;
	column(&c_body, "body", OMENDB__COLUMN_TYPE__COLUMN_TEXT, OID_TEXT, 0, false);
	column(&c_v, "v", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, OID_VECTOR, 2, false);
	items_cols[0] = &c_id;
	items_cols[1] = &c_embedding;
	items_cols[2] = &c_name;
	docs_cols[0] = &c_body;
	docs_cols[1] = &c_v;
	omendb__table_def__init(&items);
	items.table_id = 1;
	items.name = (char *)"items";
	items.columns = items_cols;
	items.n_columns = 3;
	items.primary_key = items_pk;
	items.n_primary_key = 1;
	omendb__table_def__init(&docs);
	docs.table_id = 2;
	docs.name = (char *)"docs";
	docs.columns = docs_cols;
	docs.n_columns = 2;
	omendb__index_def__init(&idx);
	idx.table_id = 1;
	idx.column = 1;
	idx.name = (char *)"items_embedding_idx";
	idx.metric = OMENDB__METRIC__METRIC_COSINE;
	idx.m = 16;
	idx.ef_construction = 64;
	tables[0] = &items;
	tables[1] = &docs;
	indexes[0] = &idx;
	omendb__catalog__init(&cat);
	cat.tables = tables;
	cat.n_tables = 2;
	cat.indexes = indexes;
	cat.n_indexes = 1;
	memset(&session, 0, sizeof session);
	session.a = &A;
	session.setting = test_setting;
	memset(&ctx, 0, sizeof ctx);
	ctx.a = &A;
	ctx.cat = &cat;
	ctx.session = &session;
}

/* Parses sql (one SELECT) and answers it: 0, or -1 with err. */
static int run(const char *sql, pg_oid *types, const value *params, size_t nparams, bool describe,
	       exec_result *res, sql_error *err)
{
	sql_stmt *st;
	size_t n;
	memset(err, 0, sizeof *err);
	if (sql_parse(&A, sql, &st, &n, err)) {
		fprintf(stderr, "parse: %s %s\n", err->sqlstate, err->message);
		return -2;
	}
	CHECK(n == 1 && st[0].kind == SQL_STMT_SELECT);
	if (n != 1 || st[0].kind != SQL_STMT_SELECT)
		return -2;
	CHECK(pgcatalog_handles(&st[0].u.select, sql));
	ctx.query = sql;
	return pgcatalog_select(&ctx, &st[0].u.select, types, nparams, params, describe, res, err);
}

static int query(const char *sql, exec_result *res)
{
	sql_error err;
	int rc = run(sql, NULL, NULL, 0, false, res, &err);
	if (rc == -1)
		fprintf(stderr, "%s: %s\n", err.sqlstate, err.message);
	return rc;
}

/* The text of a cell ("NULL" for NULL). */
static const char *cell(const exec_result *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return "<missing>";
	const value *v = &r->rows[row][col];
	if (v->isnull)
		return "NULL";
	char *s;
	size_t len;
	value_error ve;
	if (value_to_text(&A, v, &s, &len, &ve))
		return "<error>";
	return s;
}

#define CHECK_CELL(r, row, col, want)                                                                        \
	do {                                                                                                 \
		const char *got_ = cell(r, row, col);                                                        \
		if (strcmp(got_, want) != 0) {                                                               \
			fprintf(stderr, "%s:%d: cell (%d, %d) is \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
				(int)(row), (int)(col), got_, want);                                         \
			test_failures++;                                                                     \
		}                                                                                            \
	} while (0)

static value text_param(const char *s)
{
	return value_text(OID_TEXT, (char *)s, strlen(s));
}

static value oid_array(const pg_oid *oids, size_t n)
{
	value v = {.type = OID_OID_ARRAY};
	v.u.arr.elem = OID_OID;
	v.u.arr.n = (uint32_t)n;
	v.u.arr.items = arena_calloc(&A, n, sizeof(value));
	for (size_t i = 0; i < n; i++)
		v.u.arr.items[i] = value_int(OID_OID, oids[i]);
	return v;
}

/* --- pg_type --- */

static void test_pg_type_has_vector(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT oid, typname, typnamespace, typlen, typtype, typcategory, typarray, typinput, "
		    "typoutput "
		    "FROM pg_catalog.pg_type WHERE typname = 'vector'",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "16389");
	CHECK_CELL(&r, 0, 1, "vector");
	CHECK_CELL(&r, 0, 2, "2200");
	CHECK_CELL(&r, 0, 3, "-1");
	CHECK_CELL(&r, 0, 4, "b");
	CHECK_CELL(&r, 0, 5, "U");
	CHECK_CELL(&r, 0, 6, "16394");
	CHECK_CELL(&r, 0, 7, "vector_in");
	CHECK_CELL(&r, 0, 8, "vector_out");
	CHECK_EQ_INT(r.cols[0].type, OID_OID);
	CHECK_EQ_INT(r.cols[1].type, OID_NAME);
}

static void test_pg_type_has_vector_array(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT oid, typelem, typcategory, typinput, typdelim FROM pg_type WHERE typname = '_vector'",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "16394");
	CHECK_CELL(&r, 0, 1, "16389");
	CHECK_CELL(&r, 0, 2, "A");
	CHECK_CELL(&r, 0, 3, "array_in");
	CHECK_CELL(&r, 0, 4, ",");
}

static void test_pg_type_has_every_builtin(void)
{
	setup();
	static const pg_oid want[] = {
	    OID_BOOL,	OID_BYTEA,   OID_CHAR,	     OID_NAME,	     OID_INT8,	     OID_INT2,
	    OID_INT4,	OID_REGPROC, OID_TEXT,	     OID_OID,	     OID_JSON,	     OID_FLOAT4,
	    OID_FLOAT8, OID_UNKNOWN, OID_BPCHAR,     OID_VARCHAR,    OID_TIMESTAMP,  OID_TIMESTAMPTZ,
	    OID_BIT,	OID_VARBIT,  OID_NUMERIC,    OID_REGCLASS,   OID_REGTYPE,    OID_VOID,
	    OID_RECORD, OID_JSONB,   OID_INT4_ARRAY, OID_TEXT_ARRAY, OID_JSONB_ARRAY};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT typname FROM pg_type WHERE oid = %u", want[i]);
		exec_result r;
		CHECK(query(sql, &r) == 0);
		if (r.nrows != 1)
			fprintf(stderr, "type %u: %zu rows\n", want[i], r.nrows);
		CHECK_EQ_INT(r.nrows, 1);
	}
}

/* --- asyncpg 0.27 --- */

static void test_asyncpg_type_by_name(void)
{
	setup();
	const char *sql =
	    "SELECT\n    t.oid,\n    t.typelem     AS elemtype,\n    t.typtype     AS kind\nFROM\n"
	    "    pg_catalog.pg_type AS t\n    INNER JOIN pg_catalog.pg_namespace ns ON (ns.oid = "
	    "t.typnamespace)\nWHERE\n    t.typname = $1 AND ns.nspname = $2\n";
	pg_oid types[2] = {0, 0};
	exec_result r;
	sql_error err;
	CHECK(run(sql, types, NULL, 2, true, &r, &err) == 0);
	CHECK_EQ_INT(types[0], OID_NAME);
	CHECK_EQ_INT(types[1], OID_NAME);
	CHECK_EQ_INT(r.ncols, 3);
	value params[2] = {text_param("vector"), text_param("public")};
	CHECK(run(sql, types, params, 2, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "16389");
	CHECK_CELL(&r, 0, 1, "0");
	CHECK_CELL(&r, 0, 2, "b");
}

static void test_asyncpg_type_by_oid(void)
{
	setup();
	const char *sql =
	    "SELECT\n    t.oid,\n    t.typelem     AS elemtype,\n    t.typtype     AS kind\nFROM\n"
	    "    pg_catalog.pg_type AS t\nWHERE\n    t.oid = $1\n";
	pg_oid types[1] = {0};
	exec_result r;
	sql_error err;
	CHECK(run(sql, types, NULL, 1, true, &r, &err) == 0);
	CHECK_EQ_INT(types[0], OID_OID);
	value p = value_int(OID_OID, OID_VECTOR_ARRAY);
	CHECK(run(sql, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 1, "16389");
	CHECK_CELL(&r, 0, 2, "b");
}

/* INTRO_LOOKUP_TYPES (PostgreSQL >= 14) from asyncpg 0.27's introspection.py, as sent. */
static const char asyncpg_intro[] =
    "WITH RECURSIVE typeinfo_tree(\n"
    "    oid, ns, name, kind, basetype, elemtype, elemdelim,\n"
    "    range_subtype, attrtypoids, attrnames, depth)\n"
    "AS (\n"
    "    SELECT\n"
    "        ti.oid, ti.ns, ti.name, ti.kind, ti.basetype,\n"
    "        ti.elemtype, ti.elemdelim, ti.range_subtype,\n"
    "        ti.attrtypoids, ti.attrnames, 0\n"
    "    FROM\n"
    "            (\n"
    "        SELECT\n"
    "            t.oid                           AS oid,\n"
    "            ns.nspname                      AS ns,\n"
    "            t.typname                       AS name,\n"
    "            t.typtype                       AS kind,\n"
    "            (CASE WHEN t.typtype = 'd' THEN\n"
    "                (WITH RECURSIVE typebases(oid, depth) AS (\n"
    "                    SELECT\n"
    "                        t2.typbasetype      AS oid,\n"
    "                        0                   AS depth\n"
    "                    FROM\n"
    "                        pg_type t2\n"
    "                    WHERE\n"
    "                        t2.oid = t.oid\n"
    "\n"
    "                    UNION ALL\n"
    "\n"
    "                    SELECT\n"
    "                        t2.typbasetype      AS oid,\n"
    "                        tb.depth + 1        AS depth\n"
    "                    FROM\n"
    "                        pg_type t2,\n"
    "                        typebases tb\n"
    "                    WHERE\n"
    "                       tb.oid = t2.oid\n"
    "                       AND t2.typbasetype != 0\n"
    "               ) SELECT oid FROM typebases ORDER BY depth DESC LIMIT 1)\n"
    "\n"
    "               ELSE NULL\n"
    "            END)                            AS basetype,\n"
    "            t.typelem                       AS elemtype,\n"
    "            elem_t.typdelim                 AS elemdelim,\n"
    "            COALESCE(\n"
    "                range_t.rngsubtype,\n"
    "                multirange_t.rngsubtype)    AS range_subtype,\n"
    "            (CASE WHEN t.typtype = 'c' THEN\n"
    "                (SELECT\n"
    "                    array_agg(ia.atttypid ORDER BY ia.attnum)\n"
    "                FROM\n"
    "                    pg_attribute ia\n"
    "                    INNER JOIN pg_class c\n"
    "                        ON (ia.attrelid = c.oid)\n"
    "                WHERE\n"
    "                    ia.attnum > 0 AND NOT ia.attisdropped\n"
    "                    AND c.reltype = t.oid)\n"
    "\n"
    "                ELSE NULL\n"
    "            END)                            AS attrtypoids,\n"
    "            (CASE WHEN t.typtype = 'c' THEN\n"
    "                (SELECT\n"
    "                    array_agg(ia.attname::text ORDER BY ia.attnum)\n"
    "                FROM\n"
    "                    pg_attribute ia\n"
    "                    INNER JOIN pg_class c\n"
    "                        ON (ia.attrelid = c.oid)\n"
    "                WHERE\n"
    "                    ia.attnum > 0 AND NOT ia.attisdropped\n"
    "                    AND c.reltype = t.oid)\n"
    "\n"
    "                ELSE NULL\n"
    "            END)                            AS attrnames\n"
    "        FROM\n"
    "            pg_catalog.pg_type AS t\n"
    "            INNER JOIN pg_catalog.pg_namespace ns ON (\n"
    "                ns.oid = t.typnamespace)\n"
    "            LEFT JOIN pg_type elem_t ON (\n"
    "                t.typlen = -1 AND\n"
    "                t.typelem != 0 AND\n"
    "                t.typelem = elem_t.oid\n"
    "            )\n"
    "            LEFT JOIN pg_range range_t ON (\n"
    "                t.oid = range_t.rngtypid\n"
    "            )\n"
    "            LEFT JOIN pg_range multirange_t ON (\n"
    "                t.oid = multirange_t.rngmultitypid\n"
    "            )\n"
    "    )\n"
    " AS ti\n"
    "    WHERE\n"
    "        ti.oid = any($1::oid[])\n"
    "\n"
    "    UNION ALL\n"
    "\n"
    "    SELECT\n"
    "        ti.oid, ti.ns, ti.name, ti.kind, ti.basetype,\n"
    "        ti.elemtype, ti.elemdelim, ti.range_subtype,\n"
    "        ti.attrtypoids, ti.attrnames, tt.depth + 1\n"
    "    FROM\n"
    "            (\n"
    "        SELECT\n"
    "            t.oid                           AS oid,\n"
    "            ns.nspname                      AS ns,\n"
    "            t.typname                       AS name,\n"
    "            t.typtype                       AS kind,\n"
    "            (CASE WHEN t.typtype = 'd' THEN\n"
    "                (WITH RECURSIVE typebases(oid, depth) AS (\n"
    "                    SELECT\n"
    "                        t2.typbasetype      AS oid,\n"
    "                        0                   AS depth\n"
    "                    FROM\n"
    "                        pg_type t2\n"
    "                    WHERE\n"
    "                        t2.oid = t.oid\n"
    "\n"
    "                    UNION ALL\n"
    "\n"
    "                    SELECT\n"
    "                        t2.typbasetype      AS oid,\n"
    "                        tb.depth + 1        AS depth\n"
    "                    FROM\n"
    "                        pg_type t2,\n"
    "                        typebases tb\n"
    "                    WHERE\n"
    "                       tb.oid = t2.oid\n"
    "                       AND t2.typbasetype != 0\n"
    "               ) SELECT oid FROM typebases ORDER BY depth DESC LIMIT 1)\n"
    "\n"
    "               ELSE NULL\n"
    "            END)                            AS basetype,\n"
    "            t.typelem                       AS elemtype,\n"
    "            elem_t.typdelim                 AS elemdelim,\n"
    "            COALESCE(\n"
    "                range_t.rngsubtype,\n"
    "                multirange_t.rngsubtype)    AS range_subtype,\n"
    "            (CASE WHEN t.typtype = 'c' THEN\n"
    "                (SELECT\n"
    "                    array_agg(ia.atttypid ORDER BY ia.attnum)\n"
    "                FROM\n"
    "                    pg_attribute ia\n"
    "                    INNER JOIN pg_class c\n"
    "                        ON (ia.attrelid = c.oid)\n"
    "                WHERE\n"
    "                    ia.attnum > 0 AND NOT ia.attisdropped\n"
    "                    AND c.reltype = t.oid)\n"
    "\n"
    "                ELSE NULL\n"
    "            END)                            AS attrtypoids,\n"
    "            (CASE WHEN t.typtype = 'c' THEN\n"
    "                (SELECT\n"
    "                    array_agg(ia.attname::text ORDER BY ia.attnum)\n"
    "                FROM\n"
    "                    pg_attribute ia\n"
    "                    INNER JOIN pg_class c\n"
    "                        ON (ia.attrelid = c.oid)\n"
    "                WHERE\n"
    "                    ia.attnum > 0 AND NOT ia.attisdropped\n"
    "                    AND c.reltype = t.oid)\n"
    "\n"
    "                ELSE NULL\n"
    "            END)                            AS attrnames\n"
    "        FROM\n"
    "            pg_catalog.pg_type AS t\n"
    "            INNER JOIN pg_catalog.pg_namespace ns ON (\n"
    "                ns.oid = t.typnamespace)\n"
    "            LEFT JOIN pg_type elem_t ON (\n"
    "                t.typlen = -1 AND\n"
    "                t.typelem != 0 AND\n"
    "                t.typelem = elem_t.oid\n"
    "            )\n"
    "            LEFT JOIN pg_range range_t ON (\n"
    "                t.oid = range_t.rngtypid\n"
    "            )\n"
    "            LEFT JOIN pg_range multirange_t ON (\n"
    "                t.oid = multirange_t.rngmultitypid\n"
    "            )\n"
    "    )\n"
    " ti,\n"
    "        typeinfo_tree tt\n"
    "    WHERE\n"
    "        (tt.elemtype IS NOT NULL AND ti.oid = tt.elemtype)\n"
    "        OR (tt.attrtypoids IS NOT NULL AND ti.oid = any(tt.attrtypoids))\n"
    "        OR (tt.range_subtype IS NOT NULL AND ti.oid = tt.range_subtype)\n"
    "        OR (tt.basetype IS NOT NULL AND ti.oid = tt.basetype)\n"
    ")\n"
    "\n"
    "SELECT DISTINCT\n"
    "    *,\n"
    "    basetype::regtype::text AS basetype_name,\n"
    "    elemtype::regtype::text AS elemtype_name,\n"
    "    range_subtype::regtype::text AS range_subtype_name\n"
    "FROM\n"
    "    typeinfo_tree\n"
    "ORDER BY\n"
    "    depth DESC\n";

static void test_asyncpg_intro_lookup_types(void)
{
	setup();
	pg_oid types[1] = {0};
	exec_result r;
	sql_error err;
	CHECK(run(asyncpg_intro, types, NULL, 1, true, &r, &err) == 0);
	CHECK_EQ_INT(types[0], OID_OID_ARRAY);
	CHECK_EQ_INT(r.ncols, 14);
	static const pg_oid ask[] = {OID_VECTOR_ARRAY};
	value p = oid_array(ask, 1);
	CHECK(run(asyncpg_intro, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	/* deepest first: the element type vector, then _vector */
	CHECK_CELL(&r, 0, 0, "16389");
	CHECK_CELL(&r, 0, 1, "public");
	CHECK_CELL(&r, 0, 2, "vector");
	CHECK_CELL(&r, 0, 3, "b");
	CHECK_CELL(&r, 0, 5, "0");
	CHECK_CELL(&r, 0, 10, "1");
	CHECK_CELL(&r, 0, 12, "-");
	CHECK_CELL(&r, 1, 0, "16394");
	CHECK_CELL(&r, 1, 2, "_vector");
	CHECK_CELL(&r, 1, 5, "16389");
	CHECK_CELL(&r, 1, 6, ",");
	CHECK_CELL(&r, 1, 10, "0");
	CHECK_CELL(&r, 1, 12, "vector");
	CHECK_CELL(&r, 1, 4, "NULL");
	CHECK(strcmp(r.cols[12].name, "elemtype_name") == 0);
}

static void test_asyncpg_intro_skips_unknown_oids(void)
{
	setup();
	pg_oid types[1] = {OID_OID_ARRAY};
	static const pg_oid ask[] = {OID_VECTOR, 999999};
	value p = oid_array(ask, 2);
	exec_result r;
	sql_error err;
	CHECK(run(asyncpg_intro, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 2, "vector");
	CHECK_CELL(&r, 0, 6, "NULL");
}

/* --- psycopg 3.1 TypeInfo.fetch --- */

static const char psycopg_fetch[] = "SELECT\n    typname AS name, oid, typarray AS array_oid,\n"
				    "    oid::regtype::text AS regtype, typdelim AS delimiter\n"
				    "FROM pg_type t\nWHERE t.oid = to_regtype($1)\nORDER BY t.oid\n";

static void test_psycopg_typeinfo_fetch_vector(void)
{
	setup();
	pg_oid types[1] = {0};
	exec_result r;
	sql_error err;
	CHECK(run(psycopg_fetch, types, NULL, 1, true, &r, &err) == 0);
	CHECK_EQ_INT(types[0], OID_TEXT);
	CHECK_EQ_INT(r.ncols, 5);
	CHECK(strcmp(r.cols[3].name, "regtype") == 0);
	value p = text_param("vector");
	CHECK(run(psycopg_fetch, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "vector");
	CHECK_CELL(&r, 0, 1, "16389");
	CHECK_CELL(&r, 0, 2, "16394");
	CHECK_CELL(&r, 0, 3, "vector");
	CHECK_CELL(&r, 0, 4, ",");
}

static void test_psycopg_typeinfo_fetch_missing_type(void)
{
	setup();
	pg_oid types[1] = {OID_TEXT};
	value p = text_param("halfvec");
	exec_result r;
	sql_error err;
	CHECK(run(psycopg_fetch, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 0);
	CHECK(strcmp(r.tag, "SELECT 0") == 0);
}

static void test_psycopg_typeinfo_fetch_bit(void)
{
	setup();
	pg_oid types[1] = {OID_TEXT};
	value p = text_param("bit");
	exec_result r;
	sql_error err;
	CHECK(run(psycopg_fetch, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 1, "1560");
	CHECK_CELL(&r, 0, 2, "1561");
}

/* --- pgvector-python's psycopg2 register_vector --- */

static void test_psycopg2_register_vector(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT typname, oid FROM pg_type WHERE oid IN (to_regtype('vector'), to_regtype('_vector'), "
		"to_regtype('halfvec'), to_regtype('_halfvec'), to_regtype('sparsevec'), "
		"to_regtype('_sparsevec'))",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "vector");
	CHECK_CELL(&r, 0, 1, "16389");
	CHECK_CELL(&r, 1, 0, "_vector");
	CHECK_CELL(&r, 1, 1, "16394");
}

/* --- pgvector-node registerTypes --- */

static void test_node_pg_register_types(void)
{
	setup();
	const char *sql = "SELECT typname, oid FROM pg_type WHERE typname IN ($1, $2, $3)";
	pg_oid types[3] = {0, 0, 0};
	value params[3] = {text_param("vector"), text_param("halfvec"), text_param("sparsevec")};
	exec_result r;
	sql_error err;
	CHECK(run(sql, types, NULL, 3, true, &r, &err) == 0);
	CHECK_EQ_INT(types[0], OID_NAME);
	CHECK(run(sql, types, params, 3, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "vector");
	CHECK_CELL(&r, 0, 1, "16389");
}

static void test_node_pg_any_text_array(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT typname, oid, typarray FROM pg_type WHERE typname = ANY('{vector,halfvec}'::text[]) "
		"ORDER BY typname",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 2, "16394");
}

/* --- pgjdbc 42.5 TypeInfoCache --- */

static void test_jdbc_type_by_oid(void)
{
	setup();
	const char *sql =
	    "SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t "
	    "JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1";
	pg_oid types[1] = {OID_INT4};
	value p = value_int(OID_INT4, OID_VECTOR);
	exec_result r;
	sql_error err;
	CHECK(run(sql, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "t");
	CHECK_CELL(&r, 0, 1, "public");
	CHECK_CELL(&r, 0, 2, "vector");
	CHECK(strcmp(r.cols[0].name, "?column?") == 0);
}

static void test_jdbc_array_element(void)
{
	setup();
	const char *sql = "SELECT e.oid, n.nspname = ANY(current_schemas(true)), n.nspname, e.typname "
			  "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_type e ON t.typelem = e.oid "
			  "JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1";
	pg_oid types[1] = {OID_INT4};
	value p = value_int(OID_INT4, OID_VECTOR_ARRAY);
	exec_result r;
	sql_error err;
	CHECK(run(sql, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "16389");
	CHECK_CELL(&r, 0, 3, "vector");
}

static void test_jdbc_array_delimiter(void)
{
	setup();
	const char *sql =
	    "SELECT e.typdelim FROM pg_catalog.pg_type t, pg_catalog.pg_type e WHERE t.oid = $1 and "
	    "t.typelem = e.oid";
	pg_oid types[1] = {OID_INT4};
	value p = value_int(OID_INT4, OID_VECTOR_ARRAY);
	exec_result r;
	sql_error err;
	CHECK(run(sql, types, &p, 1, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, ",");
}

static void test_jdbc_oid_by_name(void)
{
	setup();
	const char *sql =
	    "SELECT pg_type.oid, typname   FROM pg_catalog.pg_type   LEFT   JOIN (select ns.oid as nspoid, "
	    "ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, "
	    "(current_schemas(false))[s.r] as nspname                    from generate_series(1, "
	    "array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as "
	    "sp     ON sp.nspoid = typnamespace  WHERE typname = $1  ORDER BY sp.r, pg_type.oid DESC LIMIT "
	    "1;";
	pg_oid types[1] = {OID_VARCHAR};
	value p = value_text(OID_VARCHAR, (char *)"vector", 6);
	exec_result r;
	sql_error err;
	int rc = run(sql, types, &p, 1, false, &r, &err);
	CHECK(rc == 0);
	if (rc == 0) {
		CHECK_EQ_INT(r.nrows, 1);
		CHECK_CELL(&r, 0, 0, "16389");
	}
}

static void test_jdbc_sql_type_is_array(void)
{
	setup();
	const char *sql =
	    "SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   "
	    "FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from "
	    "pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname      "
	    "              from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r    "
	    " "
	    "     using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE typname = $1  "
	    "ORDER "
	    "BY sp.r, pg_type.oid DESC LIMIT 1;";
	pg_oid types[1] = {OID_VARCHAR};
	value p = value_text(OID_VARCHAR, (char *)"_vector", 7);
	exec_result r;
	sql_error err;
	int rc = run(sql, types, &p, 1, false, &r, &err);
	CHECK(rc == 0);
	if (rc == 0) {
		CHECK_EQ_INT(r.nrows, 1);
		CHECK_CELL(&r, 0, 0, "t");
		CHECK_CELL(&r, 0, 3, "16394");
	}
}

/* The search-path ranking JDBC's queries join (their subquery joins with
 * USING, which sql_parse refuses; here with the equivalent ON). */
static void test_jdbc_search_path_ranking(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT pg_type.oid, typname, sp.r FROM pg_catalog.pg_type LEFT JOIN (select ns.oid as "
		    "nspoid, "
		    "ns.nspname, r.r from pg_namespace as ns join ( select s.r, "
		    "(current_schemas(false))[s.r] as nspname "
		    "from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r on "
		    "ns.nspname = "
		    "r.nspname ) as sp ON sp.nspoid = typnamespace WHERE typname IN ('vector', 'int4') "
		    "ORDER BY sp.r, pg_type.oid DESC",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 1, "vector");
	CHECK_CELL(&r, 0, 2, "1");
	CHECK_CELL(&r, 1, 1, "int4");
	CHECK_CELL(&r, 1, 2, "NULL");
}

/* ARRAY(subquery) as sql_parse would give it: a SQL_SUBQUERY named
 * "array" (sql_parse refuses ARRAY(subquery) for now). */
static void test_array_subquery_collects_rows(void)
{
	setup();
	const char *sql = "SELECT (SELECT nspname FROM pg_namespace WHERE oid <> 99 ORDER BY 1)";
	sql_stmt *st;
	size_t n;
	sql_error err;
	CHECK(sql_parse(&A, sql, &st, &n, &err) == 0);
	sql_expr *e = st[0].u.select.targets[0].expr;
	CHECK(e->kind == SQL_SUBQUERY);
	e->name = "array";
	ctx.query = sql;
	exec_result r;
	CHECK(pgcatalog_select(&ctx, &st[0].u.select, NULL, 0, NULL, false, &r, &err) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_EQ_INT(r.cols[0].type, OID_NAME_ARRAY);
	CHECK_CELL(&r, 0, 0, "{information_schema,pg_catalog,public}");
}

/* --- relations --- */

static void test_pg_class_lists_tables_and_indexes(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT relname, relkind, relam FROM pg_class WHERE relnamespace = 2200 ORDER BY relname",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 4);
	CHECK_CELL(&r, 0, 0, "docs");
	CHECK_CELL(&r, 0, 1, "r");
	CHECK_CELL(&r, 1, 0, "items");
	CHECK_CELL(&r, 2, 0, "items_embedding_idx");
	CHECK_CELL(&r, 2, 1, "i");
	CHECK_CELL(&r, 2, 2, "16400");
	CHECK_CELL(&r, 3, 0, "items_pkey");
	CHECK_CELL(&r, 3, 2, "403");
}

static void test_table_oids_are_stable(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT 'items'::regclass::oid, 'docs'::regclass::oid", &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "36864"); /* 32768 + 4096 * 1 */
	CHECK_CELL(&r, 0, 1, "40960");
}

static void test_regclass_of_unknown_relation(void)
{
	setup();
	exec_result r;
	sql_error err;
	CHECK(run("SELECT 'nope'::regclass", NULL, NULL, 0, false, &r, &err) == -1);
	CHECK(strcmp(err.sqlstate, "42P01") == 0);
	CHECK(query("SELECT relname, to_regclass('nope') IS NULL FROM pg_class WHERE oid = "
		    "to_regclass('public.items')",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "items");
	CHECK_CELL(&r, 0, 1, "t");
}

static void test_regclass_shows_the_name(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT c.oid::regclass, c.oid::regclass::text FROM pg_class c WHERE c.relname = "
		    "'items_pkey'",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "items_pkey");
	CHECK_CELL(&r, 0, 1, "items_pkey");
}

static void test_pg_attribute_vector_typmod(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT attname, atttypid, atttypmod, attnotnull, attnum FROM pg_attribute "
		    "WHERE attrelid = 'items'::regclass AND attnum > 0 ORDER BY attnum",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 3);
	CHECK_CELL(&r, 0, 0, "id");
	CHECK_CELL(&r, 0, 1, "20");
	CHECK_CELL(&r, 0, 3, "t");
	CHECK_CELL(&r, 1, 0, "embedding");
	CHECK_CELL(&r, 1, 1, "16389");
	CHECK_CELL(&r, 1, 2, "3");
	CHECK_CELL(&r, 1, 3, "f");
	CHECK_CELL(&r, 2, 4, "3");
}

static void test_format_type_of_columns(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM "
		    "pg_catalog.pg_attribute a "
		    "WHERE a.attrelid = 'items'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY "
		    "a.attnum",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 3);
	CHECK_CELL(&r, 0, 1, "bigint");
	CHECK_CELL(&r, 1, 1, "vector(3)");
	CHECK_CELL(&r, 2, 1, "text");
}

static void test_pg_get_indexdef(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'items'::regclass "
		    "ORDER BY indisprimary",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(
	    &r, 0, 0,
	    "CREATE INDEX items_embedding_idx ON public.items USING hnsw (embedding vector_cosine_ops)");
	CHECK_CELL(&r, 1, 0, "CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id)");
}

static void test_pg_indexes_and_pg_tables(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'items' ORDER BY indexname",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "items_embedding_idx");
	CHECK_CELL(
	    &r, 0, 1,
	    "CREATE INDEX items_embedding_idx ON public.items USING hnsw (embedding vector_cosine_ops)");
	CHECK_CELL(&r, 1, 0, "items_pkey");
	CHECK(query("SELECT tablename, tableowner, hasindexes FROM pg_tables ORDER BY tablename", &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "docs");
	CHECK_CELL(&r, 0, 1, "alice");
	CHECK_CELL(&r, 0, 2, "f");
	CHECK_CELL(&r, 1, 2, "t");
}

static void test_pg_get_constraintdef(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
		    "WHERE conrelid = 'items'::regclass",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "items_pkey");
	CHECK_CELL(&r, 0, 1, "p");
	CHECK_CELL(&r, 0, 2, "PRIMARY KEY (id)");
}

static void test_pg_attrdef_default(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
		    "JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
		    "WHERE a.attrelid = 'items'::regclass",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "name");
	CHECK_CELL(&r, 0, 1, "'x'::text");
}

static void test_information_schema_columns(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT column_name, ordinal_position, data_type, udt_name, is_nullable, column_default "
		    "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'items' "
		    "ORDER BY ordinal_position",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 3);
	CHECK_CELL(&r, 0, 0, "id");
	CHECK_CELL(&r, 0, 2, "bigint");
	CHECK_CELL(&r, 0, 4, "NO");
	CHECK_CELL(&r, 1, 2, "USER-DEFINED");
	CHECK_CELL(&r, 1, 3, "vector");
	CHECK_CELL(&r, 1, 4, "YES");
	CHECK_CELL(&r, 2, 5, "'x'::text");
}

static void test_information_schema_tables(void)
{
	setup();
	exec_result r;
	CHECK(
	    query("SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables "
		  "ORDER BY table_name",
		  &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "vectors");
	CHECK_CELL(&r, 0, 2, "docs");
	CHECK_CELL(&r, 1, 3, "BASE TABLE");
}

static void test_information_schema_needs_its_schema(void)
{
	setup();
	exec_result r;
	sql_error err;
	sql_stmt *st;
	size_t n;
	CHECK(sql_parse(&A, "SELECT * FROM pg_class, tables", &st, &n, &err) == 0);
	ctx.query = "";
	CHECK(pgcatalog_select(&ctx, &st[0].u.select, NULL, 0, NULL, false, &r, &err) == -1);
	CHECK(strcmp(err.sqlstate, "42P01") == 0);
}

static void test_pg_settings_reads_the_session(void)
{
	setup();
	exec_result r;
	CHECK(
	    query("SELECT name, setting FROM pg_settings WHERE name IN ('hnsw.ef_search', 'server_version') "
		  "ORDER BY name",
		  &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 1, "40");
	CHECK_CELL(&r, 1, 1, "15.0");
}

static void test_session_user_in_roles_and_database(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT r.rolname, d.datname, pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding) "
		    "FROM pg_roles r, pg_database d",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "alice");
	CHECK_CELL(&r, 0, 1, "vectors");
	CHECK_CELL(&r, 0, 2, "alice");
	CHECK_CELL(&r, 0, 3, "UTF8");
}

static void test_pg_extension_has_vector(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT extversion FROM pg_extension WHERE extname = 'vector'", &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "0.8.0");
}

/* --- the engine --- */

static void test_ambiguous_column(void)
{
	setup();
	exec_result r;
	sql_error err;
	CHECK(run("SELECT oid FROM pg_type t JOIN pg_namespace n ON t.typnamespace = n.oid", NULL, NULL, 0,
		  false, &r, &err) == -1);
	CHECK(strcmp(err.sqlstate, "42702") == 0);
}

static void test_unknown_column(void)
{
	setup();
	exec_result r;
	sql_error err;
	CHECK(run("SELECT nosuch FROM pg_type", NULL, NULL, 0, false, &r, &err) == -1);
	CHECK(strcmp(err.sqlstate, "42703") == 0);
	CHECK(run("SELECT x.oid FROM pg_type t", NULL, NULL, 0, false, &r, &err) == -1);
	CHECK(strcmp(err.sqlstate, "42P01") == 0);
}

static void test_select_star_and_alias(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT *, nspname AS schema FROM pg_namespace WHERE oid = 2200", &r) == 0);
	CHECK_EQ_INT(r.ncols, 5);
	CHECK(strcmp(r.cols[1].name, "nspname") == 0);
	CHECK(strcmp(r.cols[4].name, "schema") == 0);
	CHECK_CELL(&r, 0, 4, "public");
}

static void test_regex_operators(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT relname FROM pg_class WHERE relname ~ '^ite' AND relname !~ 'idx|pkey'", &r) ==
	      0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "items");
	CHECK(query("SELECT relname FROM pg_class WHERE relname ~* '^DOCS$'", &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
}

static void test_order_limit_offset(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT nspname FROM pg_namespace ORDER BY 1 DESC LIMIT 2 OFFSET 1", &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "pg_toast");
	CHECK_CELL(&r, 1, 0, "pg_catalog");
	CHECK(query("SELECT nspname AS n FROM pg_namespace ORDER BY n LIMIT 1", &r) == 0);
	CHECK_CELL(&r, 0, 0, "information_schema");
	CHECK(query("SELECT nspname FROM pg_namespace ORDER BY oid DESC NULLS LAST LIMIT 1", &r) == 0);
	CHECK_CELL(&r, 0, 0, "information_schema");
}

static void test_count_and_group_by(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT count(*) FROM pg_class WHERE relkind = 'r'", &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "2");
	CHECK_EQ_INT(r.cols[0].type, OID_INT8);
	CHECK(query("SELECT relkind, count(*), max(relname) FROM pg_class GROUP BY relkind ORDER BY relkind",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "i");
	CHECK_CELL(&r, 0, 1, "2");
	CHECK_CELL(&r, 0, 2, "items_pkey");
	CHECK_CELL(&r, 1, 1, "2");
	CHECK(query("SELECT count(*) FROM pg_enum", &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "0");
}

static void test_array_agg_and_string_agg(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT array_agg(attname), string_agg(attname, ',') FROM pg_attribute "
		    "WHERE attrelid = 'docs'::regclass",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "{body,v}");
	CHECK_CELL(&r, 0, 1, "body,v");
}

static void test_scalar_subquery_is_correlated(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT t.typname, (SELECT n.nspname FROM pg_namespace n WHERE n.oid = t.typnamespace) "
		    "FROM pg_type t WHERE t.oid IN (16, 16389) ORDER BY t.oid",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 1, "pg_catalog");
	CHECK_CELL(&r, 1, 1, "public");
	CHECK_EQ_INT(r.cols[1].type, OID_NAME);
}

static void test_function_of_a_subquery(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT quote_ident((SELECT relname FROM pg_class WHERE relname = 'items')), "
		    "upper((SELECT nspname FROM pg_namespace WHERE oid = 11))",
		    &r) == 0);
	CHECK_CELL(&r, 0, 0, "items");
	CHECK_CELL(&r, 0, 1, "PG_CATALOG");
}

static void test_scalar_subquery_with_two_rows(void)
{
	setup();
	exec_result r;
	sql_error err;
	CHECK(run("SELECT (SELECT nspname FROM pg_namespace)", NULL, NULL, 0, false, &r, &err) == -1);
	CHECK(strcmp(err.sqlstate, "21000") == 0);
}

static void test_exists_and_in_subqueries(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector'), "
		    "EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')",
		    &r) == 0);
	CHECK_CELL(&r, 0, 0, "t");
	CHECK_CELL(&r, 0, 1, "f");
	CHECK(query("SELECT relname FROM pg_class WHERE oid IN (SELECT indexrelid FROM pg_index WHERE "
		    "indisprimary)",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "items_pkey");
}

static void test_left_join_fills_nulls(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT c.relname, i.indisprimary FROM pg_class c LEFT JOIN pg_index i ON i.indrelid = c.oid "
		"WHERE c.relkind = 'r' ORDER BY c.relname, i.indisprimary",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 3);
	CHECK_CELL(&r, 0, 0, "docs");
	CHECK_CELL(&r, 0, 1, "NULL");
	CHECK_CELL(&r, 1, 1, "f");
	CHECK_CELL(&r, 2, 1, "t");
}

static void test_distinct(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT DISTINCT typnamespace FROM pg_type ORDER BY 1", &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "11");
	CHECK_CELL(&r, 1, 0, "2200");
}

static void test_generate_series_and_unnest(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT s.i, (current_schemas(true))[s.i] FROM pg_catalog.generate_series(1, 2) AS s(i)",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 1, "pg_catalog");
	CHECK_CELL(&r, 1, 1, "public");
	CHECK(query("SELECT x FROM pg_catalog.unnest(current_schemas(false)) x", &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "public");
}

static void test_catalog_functions(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT quote_ident('items'), quote_ident('Items'), quote_ident('order'), "
		    "array_to_string(ARRAY['a', 'b'], ', '), pg_size_pretty(0::bigint), "
		    "has_table_privilege('items', 'SELECT'), obj_description(1, 'pg_class'), "
		    "pg_catalog.pg_table_is_visible('items'::regclass)",
		    &r) == 0);
	CHECK_CELL(&r, 0, 0, "items");
	CHECK_CELL(&r, 0, 1, "\"Items\"");
	CHECK_CELL(&r, 0, 2, "\"order\"");
	CHECK_CELL(&r, 0, 3, "a, b");
	CHECK_CELL(&r, 0, 4, "0 bytes");
	CHECK_CELL(&r, 0, 5, "t");
	CHECK_CELL(&r, 0, 6, "NULL");
	CHECK_CELL(&r, 0, 7, "t");
}

static void test_describe_only_types_the_parameters(void)
{
	setup();
	pg_oid types[2] = {0, 0};
	exec_result r;
	sql_error err;
	CHECK(run("SELECT relname FROM pg_class WHERE oid = $1 AND relkind = $2", types, NULL, 2, true, &r,
		  &err) == 0);
	CHECK_EQ_INT(types[0], OID_OID);
	CHECK_EQ_INT(types[1], OID_CHAR);
	CHECK_EQ_INT(r.nrows, 0);
	CHECK_EQ_INT(r.ncols, 1);
	CHECK(r.returns_rows);
}

static void test_handles_only_catalog_queries(void)
{
	setup();
	sql_stmt *st;
	size_t n;
	sql_error err;
	CHECK(sql_parse(&A, "SELECT * FROM items WHERE id = 1", &st, &n, &err) == 0);
	CHECK(!pgcatalog_handles(&st[0].u.select, "SELECT * FROM items WHERE id = 1"));
	CHECK(sql_parse(&A, "SELECT 1 + 1", &st, &n, &err) == 0);
	CHECK(!pgcatalog_handles(&st[0].u.select, "SELECT 1 + 1"));
	CHECK(sql_parse(&A, "SELECT 1 FROM information_schema.tables", &st, &n, &err) == 0);
	CHECK(pgcatalog_handles(&st[0].u.select, "SELECT 1 FROM information_schema.tables"));
	const char *lit = "SELECT 'typeinfo_tree' FROM items";
	CHECK(sql_parse(&A, lit, &st, &n, &err) == 0);
	CHECK(!pgcatalog_handles(&st[0].u.select, lit));
	CHECK(sql_parse(&A, "SELECT 'items'::regclass", &st, &n, &err) == 0);
	CHECK(pgcatalog_handles(&st[0].u.select, "SELECT 'items'::regclass"));
}

/* --- omendb_index_progress --- */

/* Answers every StatusRequest as a leader whose items_embedding_idx is
 * half built (group 1) or ready (group 2). */
static int fake_fanout(router *r, size_t n, const uint32_t *groups, Omendb__Request *const *reqs,
		       int deadline_ms, Omendb__Response **resps, int *codes)
{
	(void)r;
	(void)deadline_ms;
	for (size_t i = 0; i < n; i++) {
		CHECK(reqs[i]->body_case == OMENDB__REQUEST__BODY_STATUS);
		Omendb__IndexStatus is = OMENDB__INDEX_STATUS__INIT;
		is.name = (char *)"items_embedding_idx";
		is.state =
		    groups[i] == 1 ? OMENDB__INDEX_STATE__INDEX_BUILDING : OMENDB__INDEX_STATE__INDEX_READY;
		is.build_done = groups[i] == 1 ? 50 : 80;
		is.build_total = groups[i] == 1 ? 100 : 80;
		Omendb__IndexStatus *isp = &is;
		Omendb__TableStatus ts = OMENDB__TABLE_STATUS__INIT;
		ts.name = (char *)"items";
		ts.indexes = &isp;
		ts.n_indexes = 1;
		Omendb__TableStatus *tsp = &ts;
		Omendb__StatusResponse sr = OMENDB__STATUS_RESPONSE__INIT;
		sr.group_id = groups[i];
		sr.tables = &tsp;
		sr.n_tables = 1;
		Omendb__Response resp = OMENDB__RESPONSE__INIT;
		resp.body_case = OMENDB__RESPONSE__BODY_STATUS_INFO;
		resp.status_info = &sr;
		uint8_t buf[512];
		size_t len = omendb__response__pack(&resp, buf);
		resps[i] = omendb__response__unpack(NULL, len, buf);
		codes[i] = resps[i] ? 0 : 1;
	}
	return 0;
}

static void test_index_progress_asks_every_group(void)
{
	setup();
	uint32_t buckets[4] = {1, 2, 1, 2};
	Omendb__ShardMap map = OMENDB__SHARD_MAP__INIT;
	map.bucket_group = buckets;
	map.n_bucket_group = 4;
	cat.shard_map = &map;
	ctx.fanout = fake_fanout;
	ctx.router = (router *)&map; /* opaque: the fake never reads it */
	exec_result r;
	CHECK(query("SELECT table_name, index_name, group_id, state, done, total FROM omendb_index_progress "
		    "ORDER BY group_id",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "items");
	CHECK_CELL(&r, 0, 2, "1");
	CHECK_CELL(&r, 0, 3, "building");
	CHECK_CELL(&r, 0, 4, "50");
	CHECK_CELL(&r, 1, 3, "ready");
	CHECK_CELL(&r, 1, 5, "80");
	cat.shard_map = NULL;
}

static void test_index_progress_without_cluster_is_empty(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT * FROM omendb_index_progress", &r) == 0);
	CHECK_EQ_INT(r.nrows, 0);
	CHECK_EQ_INT(r.ncols, 6);
}

/* --- psql 15 --- */

static void test_psql_dt(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT n.nspname as \"Schema\",\n  c.relname as \"Name\",\n  CASE c.relkind WHEN 'r' THEN "
		"'table' "
		"WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN "
		"'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN "
		"'partitioned "
		"table' WHEN 'I' THEN 'partitioned index' END as \"Type\",\n  "
		"pg_catalog.pg_get_userbyid(c.relowner) "
		"as \"Owner\"\nFROM pg_catalog.pg_class c\n     LEFT JOIN pg_catalog.pg_namespace n ON n.oid "
		"= "
		"c.relnamespace\n     LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam\nWHERE c.relkind IN "
		"('r','p','')\n      AND n.nspname <> 'pg_catalog'\n      AND n.nspname !~ '^pg_toast'\n     "
		" AND "
		"n.nspname <> 'information_schema'\n  AND pg_catalog.pg_table_is_visible(c.oid)\nORDER BY "
		"1,2;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK(strcmp(r.cols[0].name, "Schema") == 0);
	CHECK_CELL(&r, 0, 0, "public");
	CHECK_CELL(&r, 0, 1, "docs");
	CHECK_CELL(&r, 0, 2, "table");
	CHECK_CELL(&r, 0, 3, "alice");
	CHECK_CELL(&r, 1, 1, "items");
}

static void test_psql_d_lists_relations(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT n.nspname as \"Schema\",\n  c.relname as \"Name\",\n  CASE c.relkind WHEN 'r' THEN "
		"'table' "
		"WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN "
		"'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN "
		"'partitioned "
		"table' WHEN 'I' THEN 'partitioned index' END as \"Type\",\n  "
		"pg_catalog.pg_get_userbyid(c.relowner) "
		"as \"Owner\"\nFROM pg_catalog.pg_class c\n     LEFT JOIN pg_catalog.pg_namespace n ON n.oid "
		"= "
		"c.relnamespace\nWHERE c.relkind IN ('r','p','v','m','S','f','')\n      AND n.nspname <> "
		"'pg_catalog'\n      AND n.nspname !~ '^pg_toast'\n      AND n.nspname <> "
		"'information_schema'\n  "
		"AND pg_catalog.pg_table_is_visible(c.oid)\nORDER BY 1,2;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
}

static void test_psql_d_table_lookup(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT c.oid,\n  n.nspname,\n  c.relname\nFROM pg_catalog.pg_class c\n     LEFT JOIN "
		"pg_catalog.pg_namespace n ON n.oid = c.relnamespace\nWHERE c.relname OPERATOR(pg_catalog.~) "
		"'^(items)$' COLLATE pg_catalog.default\n  AND pg_catalog.pg_table_is_visible(c.oid)\nORDER "
		"BY 2, 3;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "36864");
	CHECK_CELL(&r, 0, 1, "public");
	CHECK_CELL(&r, 0, 2, "items");
}

static void test_psql_d_table_info(void)
{
	setup();
	exec_result r;
	int rc = query(
	    "SELECT c.relchecks, c.relkind, c.relhasindex, c.relhasrules, c.relhastriggers, "
	    "c.relrowsecurity, "
	    "c.relforcerowsecurity, false AS relhasoids, c.relispartition, "
	    "pg_catalog.array_to_string(c.reloptions || array(select 'toast.' || x from "
	    "pg_catalog.unnest(tc.reloptions) x), ', ')\n, c.reltablespace, CASE WHEN c.reloftype = 0 THEN "
	    "'' "
	    "ELSE c.reloftype::pg_catalog.regtype::pg_catalog.text END, c.relpersistence, c.relreplident, "
	    "am.amname\nFROM pg_catalog.pg_class c\n LEFT JOIN pg_catalog.pg_class tc ON (c.reltoastrelid = "
	    "tc.oid)\nLEFT JOIN pg_catalog.pg_am am ON (c.relam = am.oid)\nWHERE c.oid = '36864';",
	    &r);
	CHECK(rc == 0);
	if (rc == 0) {
		CHECK_EQ_INT(r.nrows, 1);
		CHECK_CELL(&r, 0, 0, "0");
		CHECK_CELL(&r, 0, 1, "r");
		CHECK_CELL(&r, 0, 2, "t");
		CHECK_CELL(&r, 0, 9, "");
		CHECK_CELL(&r, 0, 11, "");
		CHECK_CELL(&r, 0, 12, "p");
		CHECK_CELL(&r, 0, 14, "heap");
	}
}

static void test_psql_d_table_columns(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT a.attname,\n  pg_catalog.format_type(a.atttypid, a.atttypmod),\n  (SELECT "
		"pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)\n   FROM pg_catalog.pg_attrdef d\n   WHERE "
		"d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),\n  a.attnotnull,\n  (SELECT "
		"c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n   WHERE c.oid = "
		"a.attcollation AND "
		"t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,\n  "
		"a.attidentity,\n  "
		"a.attgenerated\nFROM pg_catalog.pg_attribute a\nWHERE a.attrelid = '36864' AND a.attnum > 0 "
		"AND NOT "
		"a.attisdropped\nORDER BY a.attnum;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 3);
	CHECK_CELL(&r, 0, 0, "id");
	CHECK_CELL(&r, 0, 1, "bigint");
	CHECK_CELL(&r, 0, 2, "NULL");
	CHECK_CELL(&r, 0, 3, "t");
	CHECK_CELL(&r, 0, 4, "NULL");
	CHECK_CELL(&r, 0, 5, "");
	CHECK_CELL(&r, 1, 1, "vector(3)");
	CHECK_CELL(&r, 2, 2, "'x'::text");
}

static void test_psql_d_plus_table_columns(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT a.attname,\n  pg_catalog.format_type(a.atttypid, a.atttypmod),\n  (SELECT "
		"pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)\n   FROM pg_catalog.pg_attrdef d\n   WHERE "
		"d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),\n  a.attnotnull,\n  (SELECT "
		"c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t\n   WHERE c.oid = "
		"a.attcollation AND "
		"t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,\n  "
		"a.attidentity,\n  "
		"a.attgenerated,\n  a.attstorage,\n  a.attcompression AS attcompression,\n  CASE WHEN "
		"a.attstattarget=-1 THEN NULL ELSE a.attstattarget END AS attstattarget,\n  "
		"pg_catalog.col_description(a.attrelid, a.attnum)\nFROM pg_catalog.pg_attribute a\nWHERE "
		"a.attrelid = "
		"'36864' AND a.attnum > 0 AND NOT a.attisdropped\nORDER BY a.attnum;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 3);
	CHECK_CELL(&r, 0, 7, "p");
	CHECK_CELL(&r, 1, 7, "e");
	CHECK_CELL(&r, 2, 7, "x");
	CHECK_CELL(&r, 0, 9, "NULL");
	CHECK_CELL(&r, 0, 10, "NULL");
}

static void test_psql_d_table_indexes(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, "
		    "pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),\n  "
		    "pg_catalog.pg_get_constraintdef(con.oid, "
		    "true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace\nFROM "
		    "pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i\n  LEFT JOIN "
		    "pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND "
		    "contype IN "
		    "('p','u','x'))\nWHERE c.oid = '36864' AND c.oid = i.indrelid AND i.indexrelid = "
		    "c2.oid\nORDER BY "
		    "i.indisprimary DESC, c2.relname;",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 2);
	CHECK_CELL(&r, 0, 0, "items_pkey");
	CHECK_CELL(&r, 0, 1, "t");
	CHECK_CELL(&r, 0, 5, "CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id)");
	CHECK_CELL(&r, 0, 6, "PRIMARY KEY (id)");
	CHECK_CELL(&r, 0, 7, "p");
	CHECK_CELL(&r, 1, 0, "items_embedding_idx");
	CHECK_CELL(&r, 1, 6, "NULL");
}

/* \d items_embedding_idx (an index: no column details, key and definition). */
static void test_psql_d_index_columns(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT a.attname,\n  pg_catalog.format_type(a.atttypid, a.atttypmod),\n  CASE WHEN a.attnum "
		"<= "
		"(SELECT i.indnkeyatts FROM pg_catalog.pg_index i WHERE i.indexrelid = '36868') THEN 'yes' "
		"ELSE 'no' "
		"END AS is_key,\n  pg_catalog.pg_get_indexdef(a.attrelid, a.attnum, TRUE) AS indexdef\nFROM "
		"pg_catalog.pg_attribute a\nWHERE a.attrelid = '36868' AND a.attnum > 0 AND NOT "
		"a.attisdropped\nORDER "
		"BY a.attnum;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "embedding");
	CHECK_CELL(&r, 0, 1, "vector(3)");
	CHECK_CELL(&r, 0, 2, "yes");
	CHECK_CELL(&r, 0, 3, "embedding");
}

static void test_psql_d_index_footer(void)
{
	setup();
	exec_result r;
	CHECK(
	    query("SELECT i.indisunique, i.indisprimary, i.indisclustered, i.indisvalid,\n  (NOT "
		  "i.indimmediate) AND "
		  "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid AND conindid = "
		  "i.indexrelid AND contype IN ('p','u','x') AND condeferrable) AS condeferrable,\n  (NOT "
		  "i.indimmediate) AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = "
		  "i.indrelid AND "
		  "conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferred) AS condeferred,\n"
		  "i.indisreplident,\ni.indnullsnotdistinct,\n  a.amname, c2.relname, "
		  "pg_catalog.pg_get_expr(i.indpred, i.indrelid, true)\nFROM pg_catalog.pg_index i, "
		  "pg_catalog.pg_class "
		  "c, pg_catalog.pg_class c2, pg_catalog.pg_am a\nWHERE i.indexrelid = c.oid AND c.oid = "
		  "'36868' AND "
		  "c.relam = a.oid\nAND i.indrelid = c2.oid;",
		  &r) == 0);
	CHECK_EQ_INT(r.nrows, 1);
	CHECK_CELL(&r, 0, 0, "f");
	CHECK_CELL(&r, 0, 4, "f");
	CHECK_CELL(&r, 0, 8, "hnsw");
	CHECK_CELL(&r, 0, 9, "items");
	CHECK_CELL(&r, 0, 10, "NULL");
}

static void test_psql_d_table_policies(void)
{
	setup();
	exec_result r;
	int rc = query(
	    "SELECT pol.polname, pol.polpermissive,\n  CASE WHEN pol.polroles = '{0}' THEN NULL ELSE "
	    "pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any "
	    "(pol.polroles) order by 1),',') END,\n  pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),\n  "
	    "pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),\n  CASE pol.polcmd\n    WHEN 'r' THEN "
	    "'SELECT'\n    WHEN 'a' THEN 'INSERT'\n    WHEN 'w' THEN 'UPDATE'\n    WHEN 'd' THEN 'DELETE'\n  "
	    "  "
	    "END AS cmd\nFROM pg_catalog.pg_policy pol\nWHERE pol.polrelid = '36864' ORDER BY 1;",
	    &r);
	CHECK(rc == 0);
	if (rc == 0)
		CHECK_EQ_INT(r.nrows, 0);
}

static void test_psql_d_table_statistics(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT oid, stxrelid::pg_catalog.regclass, "
		    "stxnamespace::pg_catalog.regnamespace::pg_catalog.text "
		    "AS nsp, stxname,\npg_catalog.pg_get_statisticsobjdef_columns(oid) AS columns,\n  'd' = "
		    "any(stxkind) "
		    "AS ndist_enabled,\n  'f' = any(stxkind) AS deps_enabled,\n  'm' = any(stxkind) AS "
		    "mcv_enabled,\n"
		    "stxstattarget\nFROM pg_catalog.pg_statistic_ext\nWHERE stxrelid = '36864'\nORDER BY "
		    "nsp, stxname;",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 0);
	CHECK_EQ_INT(r.ncols, 9);
}

static void test_psql_d_table_publications(void)
{
	setup();
	exec_result r;
	CHECK(
	    query(
		"SELECT pubname\n     , pg_get_expr(pr.prqual, c.oid)\n     , (CASE WHEN pr.prattrs IS NOT "
		"NULL "
		"THEN\n         (SELECT string_agg(attname, ', ')\n           FROM "
		"pg_catalog.generate_series(0, "
		"pg_catalog.array_upper(pr.prattrs::pg_catalog.int2[], 1)) s,\n                "
		"pg_catalog.pg_attribute\n"
		"          WHERE attrelid = pr.prrelid AND attnum = prattrs[s])\n        ELSE NULL END) FROM "
		"pg_catalog.pg_publication p\n     JOIN pg_catalog.pg_publication_rel pr ON p.oid = "
		"pr.prpubid\n     "
		"JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid\nWHERE pr.prrelid = '36864'\nUNION\nSELECT "
		"pubname\n"
		"     , NULL\n     , NULL\nFROM pg_catalog.pg_publication p\n     JOIN "
		"pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid\n     JOIN pg_catalog.pg_class "
		"pc ON "
		"pc.relnamespace = pn.pnnspid\nWHERE pc.oid ='36864' and "
		"pg_catalog.pg_relation_is_publishable('36864')\n"
		"UNION\nSELECT pubname\n     , NULL\n     , NULL\nFROM pg_catalog.pg_publication p\nWHERE "
		"p.puballtables AND pg_catalog.pg_relation_is_publishable('36864')\nORDER BY 1;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 0);
	CHECK_EQ_INT(r.ncols, 3);
}

static void test_psql_d_table_inheritance(void)
{
	setup();
	exec_result r;
	CHECK(query("SELECT c.oid::pg_catalog.regclass\nFROM pg_catalog.pg_class c, pg_catalog.pg_inherits "
		    "i\nWHERE "
		    "c.oid = i.inhparent AND i.inhrelid = '36864'\n  AND c.relkind != 'p' AND c.relkind != "
		    "'I'\nORDER BY "
		    "inhseqno;",
		    &r) == 0);
	CHECK_EQ_INT(r.nrows, 0);
	CHECK(
	    query(
		"SELECT c.oid::pg_catalog.regclass, c.relkind, inhdetachpending, "
		"pg_catalog.pg_get_expr(c.relpartbound, "
		"c.oid)\nFROM pg_catalog.pg_class c, pg_catalog.pg_inherits i\nWHERE c.oid = i.inhrelid AND "
		"i.inhparent = '36864'\nORDER BY pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', "
		"c.oid::pg_catalog.regclass::pg_catalog.text;",
		&r) == 0);
	CHECK_EQ_INT(r.nrows, 0);
}

TEST_MAIN(TEST(test_pg_type_has_vector), TEST(test_pg_type_has_vector_array),
	  TEST(test_pg_type_has_every_builtin), TEST(test_asyncpg_type_by_name),
	  TEST(test_asyncpg_type_by_oid), TEST(test_asyncpg_intro_lookup_types),
	  TEST(test_asyncpg_intro_skips_unknown_oids), TEST(test_psycopg_typeinfo_fetch_vector),
	  TEST(test_psycopg_typeinfo_fetch_missing_type), TEST(test_psycopg_typeinfo_fetch_bit),
	  TEST(test_psycopg2_register_vector), TEST(test_node_pg_register_types),
	  TEST(test_node_pg_any_text_array), TEST(test_jdbc_type_by_oid), TEST(test_jdbc_array_element),
	  TEST(test_jdbc_array_delimiter), TEST(test_jdbc_oid_by_name), TEST(test_jdbc_sql_type_is_array),
	  TEST(test_jdbc_search_path_ranking), TEST(test_array_subquery_collects_rows),
	  TEST(test_pg_class_lists_tables_and_indexes), TEST(test_table_oids_are_stable),
	  TEST(test_regclass_of_unknown_relation), TEST(test_regclass_shows_the_name),
	  TEST(test_pg_attribute_vector_typmod), TEST(test_format_type_of_columns),
	  TEST(test_pg_get_indexdef), TEST(test_pg_indexes_and_pg_tables), TEST(test_pg_get_constraintdef),
	  TEST(test_pg_attrdef_default), TEST(test_information_schema_columns),
	  TEST(test_information_schema_tables), TEST(test_information_schema_needs_its_schema),
	  TEST(test_pg_settings_reads_the_session), TEST(test_session_user_in_roles_and_database),
	  TEST(test_pg_extension_has_vector), TEST(test_ambiguous_column), TEST(test_unknown_column),
	  TEST(test_select_star_and_alias), TEST(test_regex_operators), TEST(test_order_limit_offset),
	  TEST(test_count_and_group_by), TEST(test_array_agg_and_string_agg),
	  TEST(test_scalar_subquery_is_correlated), TEST(test_function_of_a_subquery),
	  TEST(test_scalar_subquery_with_two_rows), TEST(test_exists_and_in_subqueries),
	  TEST(test_left_join_fills_nulls), TEST(test_distinct), TEST(test_generate_series_and_unnest),
	  TEST(test_catalog_functions), TEST(test_describe_only_types_the_parameters),
	  TEST(test_handles_only_catalog_queries), TEST(test_index_progress_asks_every_group),
	  TEST(test_index_progress_without_cluster_is_empty), TEST(test_psql_dt),
	  TEST(test_psql_d_lists_relations), TEST(test_psql_d_table_lookup), TEST(test_psql_d_table_info),
	  TEST(test_psql_d_table_columns), TEST(test_psql_d_plus_table_columns),
	  TEST(test_psql_d_table_indexes), TEST(test_psql_d_index_columns), TEST(test_psql_d_index_footer),
	  TEST(test_psql_d_table_policies), TEST(test_psql_d_table_statistics),
	  TEST(test_psql_d_table_publications), TEST(test_psql_d_table_inheritance))
