/* sql_parse: PostgreSQL's parse tree (libpg_query) translated into OmenDB's
 * statements, one test per statement kind with its fields checked; syntax
 * errors and unsupported statements with their SQLSTATE and position; and
 * hostile inputs (deep nesting, megabyte queries, empty strings) that must
 * give an error, never a crash. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "test.h"

static arena A;
static sql_error E;

/* Parses q, which must give exactly one statement. */
static sql_stmt *one(const char *q)
{
	sql_stmt *s;
	size_t n;
	arena_reset(&A);
	if (sql_parse(&A, q, &s, &n, &E) != 0) {
		fprintf(stderr, "unexpected error %s: %s (position %d) for: %.200s\n", E.sqlstate, E.message,
			E.position, q);
		return NULL;
	}
	if (n != 1) {
		fprintf(stderr, "expected one statement, got %zu for: %.200s\n", n, q);
		return NULL;
	}
	return s;
}

/* Parses q, which must fail with sqlstate; returns the error position. */
static int fails(const char *q, const char *sqlstate)
{
	sql_stmt *s;
	size_t n;
	arena_reset(&A);
	if (sql_parse(&A, q, &s, &n, &E) == 0) {
		fprintf(stderr, "expected %s, parse succeeded for: %.200s\n", sqlstate, q);
		return -1;
	}
	if (strcmp(E.sqlstate, sqlstate) != 0) {
		fprintf(stderr, "expected %s, got %s: %s for: %.200s\n", sqlstate, E.sqlstate, E.message, q);
		return -1;
	}
	return E.position;
}

static bool has(const char *haystack, const char *needle)
{
	return haystack && strstr(haystack, needle) != NULL;
}

static bool is_str(const char *s, const char *want)
{
	return s && strcmp(s, want) == 0;
}

static bool is_column(const sql_expr *e, const char *qualifier, const char *name)
{
	return e && e->kind == SQL_COLUMN && is_str(e->name, name) &&
	       (qualifier ? is_str(e->qualifier, qualifier) : e->qualifier == NULL);
}

static bool is_int(const sql_expr *e, pg_oid type, int64_t v)
{
	return e && e->kind == SQL_CONST && !e->val.isnull && e->val.type == type && e->val.u.i == v;
}

static bool is_text(const sql_expr *e, pg_oid type, const char *s)
{
	return e && e->kind == SQL_CONST && !e->val.isnull && e->val.type == type &&
	       e->val.u.s.len == strlen(s) && memcmp(e->val.u.s.ptr, s, e->val.u.s.len) == 0;
}

static bool is_op(const sql_expr *e, const char *name, size_t nargs)
{
	return e && e->kind == SQL_OP && is_str(e->name, name) && e->nargs == nargs;
}

/* The single target expression of SELECT <expr>. */
static const sql_expr *target(const char *q)
{
	const sql_stmt *s = one(q);
	if (!s || s->kind != SQL_STMT_SELECT || s->u.select.ntargets != 1)
		return NULL;
	return s->u.select.targets[0].expr;
}

static void test_create_extension(void)
{
	const sql_stmt *s = one("CREATE EXTENSION IF NOT EXISTS vector");
	CHECK(s && s->kind == SQL_STMT_CREATE_EXTENSION && is_str(s->u.extension, "vector") &&
	      s->if_not_exists_ext);
	s = one("create extension vector with schema public");
	CHECK(s && s->kind == SQL_STMT_CREATE_EXTENSION && !s->if_not_exists_ext);
}

static void test_create_table(void)
{
	const sql_stmt *s =
	    one("CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3), meta jsonb NOT NULL)");
	CHECK(s && s->kind == SQL_STMT_CREATE_TABLE);
	if (!s)
		return;
	const sql_create_table *t = &s->u.create_table;
	CHECK(is_str(t->name, "items") && !t->if_not_exists);
	CHECK_EQ_INT(t->ncolumns, 3);
	if (t->ncolumns != 3)
		return;
	CHECK(is_str(t->columns[0].name, "id") && t->columns[0].type.oid == OID_INT8 &&
	      t->columns[0].serial && t->columns[0].primary_key && t->columns[0].not_null &&
	      t->columns[0].default_value == NULL);
	CHECK(is_str(t->columns[1].name, "embedding") && t->columns[1].type.oid == OID_VECTOR &&
	      t->columns[1].type.typmod == 3 && !t->columns[1].not_null && !t->columns[1].serial);
	CHECK(t->columns[2].type.oid == OID_JSONB && t->columns[2].not_null && !t->columns[2].primary_key);
	CHECK(t->nprimary_key == 1 && is_str(t->primary_key[0], "id"));
}

static void test_create_table_types_and_defaults(void)
{
	const sql_stmt *s =
	    one("CREATE TABLE IF NOT EXISTS t (a integer, b varchar(10), c numeric(10,2), d real[], "
		"e char, f \"char\", g timestamptz(3), h uuid, i double precision, j text "
		"DEFAULT 'x', k smallserial, l boolean NULL, m bytea, n public.vector(2))");
	if (!s) {
		CHECK(s != NULL);
		return;
	}
	const sql_create_table *t = &s->u.create_table;
	CHECK(t->if_not_exists && t->primary_key == NULL && t->ncolumns == 14);
	if (t->ncolumns != 14)
		return;
	const sql_column_def *c = t->columns;
	CHECK(c[0].type.oid == OID_INT4 && c[0].type.typmod == -1 && is_str(c[0].type.name, "int4"));
	CHECK(c[1].type.oid == OID_VARCHAR && c[1].type.typmod == 14);
	CHECK(c[2].type.oid == OID_NUMERIC && c[2].type.typmod == ((10 << 16) | 2) + 4);
	CHECK(c[3].type.oid == OID_FLOAT4_ARRAY && is_str(c[3].type.name, "float4"));
	CHECK(c[4].type.oid == OID_BPCHAR && c[4].type.typmod == 5); /* char is char(1) */
	CHECK(c[5].type.oid == OID_CHAR);
	CHECK(c[6].type.oid == OID_TIMESTAMPTZ && c[6].type.typmod == 3);
	CHECK(c[7].type.oid == 0 && is_str(c[7].type.name, "uuid"));
	CHECK(c[8].type.oid == OID_FLOAT8);
	CHECK(c[9].type.oid == OID_TEXT && is_text(c[9].default_value, OID_UNKNOWN, "x"));
	CHECK(c[10].type.oid == OID_INT2 && c[10].serial && c[10].not_null);
	CHECK(c[11].type.oid == OID_BOOL && !c[11].not_null);
	CHECK(c[12].type.oid == OID_BYTEA);
	CHECK(c[13].type.oid == OID_VECTOR && c[13].type.typmod == 2);
}

static void test_create_table_primary_key_constraint(void)
{
	const sql_stmt *s = one("CREATE TABLE t (a int, b text, v vector(2), PRIMARY KEY (b, a))");
	CHECK(s && s->u.create_table.nprimary_key == 2);
	if (s && s->u.create_table.nprimary_key == 2) {
		const sql_create_table *t = &s->u.create_table;
		CHECK(is_str(t->primary_key[0], "b") && is_str(t->primary_key[1], "a"));
		CHECK(t->columns[0].not_null && t->columns[1].not_null && !t->columns[2].not_null);
		CHECK(!t->columns[0].primary_key); /* not a column constraint */
	}
	CHECK(fails("CREATE TABLE t (a int PRIMARY KEY, b int, PRIMARY KEY (b))", "42P16") >= 0);
	CHECK(fails("CREATE TABLE t (a int, PRIMARY KEY (z))", "42703") >= 0);
	CHECK(has(E.message, "\"z\""));
	CHECK(fails("CREATE TABLE t (a int, a text)", "42701") >= 0);
	CHECK(fails("CREATE TABLE t (a int NULL NOT NULL)", "42601") >= 0);
	CHECK(fails("CREATE TABLE t (a serial DEFAULT 1)", "42601") >= 0);
}

static void test_create_table_identity_is_serial(void)
{
	const sql_stmt *s = one("CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)");
	CHECK(s && s->u.create_table.columns[0].serial && s->u.create_table.columns[0].type.oid == OID_INT8 &&
	      s->u.create_table.columns[0].not_null);
	CHECK(fails("CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY)", "0A000") >= 0);
	CHECK(fails("CREATE TABLE t (id text GENERATED BY DEFAULT AS IDENTITY)", "22023") >= 0);
}

static void test_create_table_refuses_other_constraints(void)
{
	CHECK(fails("CREATE TABLE t (a int UNIQUE)", "0A000") >= 0 && has(E.message, "UNIQUE"));
	CHECK(fails("CREATE TABLE t (a int CHECK (a > 0))", "0A000") >= 0 && has(E.message, "CHECK"));
	CHECK(fails("CREATE TABLE t (a int REFERENCES u (b))", "0A000") >= 0 &&
	      has(E.message, "FOREIGN KEY"));
	CHECK(fails("CREATE TABLE t (a int, UNIQUE (a))", "0A000") >= 0 && has(E.message, "UNIQUE"));
	CHECK(fails("CREATE TEMP TABLE t (a int)", "0A000") >= 0 && has(E.message, "temporary"));
	CHECK(fails("CREATE TABLE other.t (a int)", "0A000") >= 0 && has(E.message, "public"));
	CHECK(fails("CREATE TABLE t (a int) WITH (fillfactor = 10)", "0A000") >= 0);
}

static void test_type_modifiers_are_checked(void)
{
	CHECK(fails("CREATE TABLE t (v vector(0))", "22023") >= 0 && has(E.message, "at least 1"));
	CHECK(fails("CREATE TABLE t (v vector(16001))", "22023") >= 0 && has(E.message, "16000"));
	CHECK(fails("CREATE TABLE t (v vector(2, 3))", "22023") >= 0);
	CHECK(fails("CREATE TABLE t (a int4(3))", "42601") >= 0);
	CHECK(fails("CREATE TABLE t (a varchar(0))", "22023") >= 0);
	CHECK(fails("CREATE TABLE t (a numeric(2000))", "22023") >= 0);
	CHECK(fails("SELECT 'x'::vector('a')", "42601") >= 0);
	CHECK(fails("CREATE TABLE t (a serial[])", "0A000") >= 0);
}

static void test_drop(void)
{
	const sql_stmt *s = one("DROP TABLE IF EXISTS a, public.b CASCADE");
	CHECK(s && s->kind == SQL_STMT_DROP_TABLE && s->u.drop.nnames == 2 &&
	      is_str(s->u.drop.names[0], "a") && is_str(s->u.drop.names[1], "b") && s->u.drop.if_exists &&
	      s->u.drop.cascade);
	s = one("DROP INDEX items_embedding_idx");
	CHECK(s && s->kind == SQL_STMT_DROP_INDEX && s->u.drop.nnames == 1 && !s->u.drop.if_exists &&
	      !s->u.drop.cascade && is_str(s->u.drop.names[0], "items_embedding_idx"));
	CHECK(fails("DROP VIEW v", "0A000") >= 0 && has(E.message, "DROP VIEW is not supported"));
	CHECK(fails("DROP TABLE other.t", "0A000") >= 0);
}

static void test_create_index(void)
{
	const sql_stmt *s = one("CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 8, "
				"ef_construction = 32)");
	CHECK(s && s->kind == SQL_STMT_CREATE_INDEX);
	if (!s)
		return;
	const sql_create_index *ci = &s->u.create_index;
	CHECK(ci->name == NULL && is_str(ci->table, "items") && is_str(ci->method, "hnsw") &&
	      is_str(ci->column, "embedding") && is_str(ci->opclass, "vector_cosine_ops"));
	CHECK(!ci->if_not_exists && !ci->concurrently && ci->noptions == 2);
	if (ci->noptions == 2) {
		CHECK(is_str(ci->options[0].name, "m") && is_int(ci->options[0].value, OID_INT4, 8));
		CHECK(is_str(ci->options[1].name, "ef_construction") &&
		      is_int(ci->options[1].value, OID_INT4, 32));
	}
	s = one("CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a) WITH (fastupdate, x = 'on', y = 1.5)");
	CHECK(s && is_str(s->u.create_index.name, "i") && is_str(s->u.create_index.method, "btree") &&
	      s->u.create_index.opclass == NULL && s->u.create_index.concurrently &&
	      s->u.create_index.if_not_exists);
	if (s && s->u.create_index.noptions == 3) {
		CHECK(s->u.create_index.options[0].value == NULL);
		CHECK(is_text(s->u.create_index.options[1].value, OID_UNKNOWN, "on"));
		CHECK(s->u.create_index.options[2].value->val.type == OID_NUMERIC &&
		      s->u.create_index.options[2].value->val.u.f == 1.5);
	}
	CHECK(fails("CREATE INDEX ON t (a, b)", "0A000") >= 0);
	CHECK(fails("CREATE INDEX ON t ((a + 1))", "0A000") >= 0 && has(E.message, "expressions"));
	CHECK(fails("CREATE UNIQUE INDEX ON t (a)", "0A000") >= 0);
	CHECK(fails("CREATE INDEX ON t (a) WHERE a > 0", "0A000") >= 0);
}

static void test_insert_values_on_conflict(void)
{
	const sql_stmt *s =
	    one("INSERT INTO items (embedding) VALUES ('[1,2,3]'), ($1) ON CONFLICT (id) DO UPDATE "
		"SET embedding = EXCLUDED.embedding RETURNING id");
	CHECK(s && s->kind == SQL_STMT_INSERT);
	if (!s)
		return;
	const sql_insert *in = &s->u.insert;
	CHECK(is_str(in->table, "items") && in->ncolumns == 1 && is_str(in->columns[0], "embedding"));
	CHECK(in->nrows == 2 && in->nvalues == 1 && in->select == NULL);
	if (in->nrows == 2) {
		CHECK(is_text(in->rows[0][0], OID_UNKNOWN, "[1,2,3]"));
		CHECK(in->rows[1][0]->kind == SQL_PARAM && in->rows[1][0]->param == 1);
	}
	CHECK(in->on_conflict == SQL_CONFLICT_UPDATE && in->nconflict_columns == 1 &&
	      is_str(in->conflict_columns[0], "id"));
	CHECK(in->nconflict_set == 1 && is_str(in->conflict_set[0].column, "embedding") &&
	      is_column(in->conflict_set[0].value, "excluded", "embedding"));
	CHECK(in->conflict_where == NULL);
	CHECK(in->nreturning == 1 && is_column(in->returning[0].expr, NULL, "id"));
	CHECK_EQ_INT(sql_max_param(s), 1);
}

static void test_insert_defaults_and_counts(void)
{
	const sql_stmt *s = one("INSERT INTO t (a, b) VALUES (1, DEFAULT)");
	CHECK(s && s->u.insert.nrows == 1 && s->u.insert.nvalues == 2 &&
	      is_int(s->u.insert.rows[0][0], OID_INT4, 1) && s->u.insert.rows[0][1] == NULL &&
	      s->u.insert.on_conflict == SQL_CONFLICT_NONE);
	s = one("INSERT INTO t DEFAULT VALUES");
	CHECK(s && s->u.insert.nrows == 1 && s->u.insert.nvalues == 0 && s->u.insert.columns == NULL);
	s = one("INSERT INTO t VALUES (1, 2), (3, 4) ON CONFLICT DO NOTHING");
	CHECK(s && s->u.insert.columns == NULL && s->u.insert.nrows == 2 && s->u.insert.nvalues == 2 &&
	      s->u.insert.on_conflict == SQL_CONFLICT_NOTHING && s->u.insert.nconflict_columns == 0);
	CHECK(fails("INSERT INTO t (a) VALUES (1, 2)", "42601") >= 0 && has(E.message, "more expressions"));
	CHECK(fails("INSERT INTO t (a, b) VALUES (1)", "42601") >= 0 &&
	      has(E.message, "more target columns"));
	CHECK_EQ_INT(fails("INSERT INTO t VALUES (1, 2), (3)", "42601"), 31); /* the row's first value */
	CHECK(fails("INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET a = 1", "42601") >= 0);
	CHECK(fails("INSERT INTO t VALUES (DEFAULT + 1)", "42601") >= 0);
}

static void test_insert_select(void)
{
	const sql_stmt *s =
	    one("INSERT INTO t (a) SELECT b FROM u WHERE c = $2 ON CONFLICT (a) DO UPDATE SET a = "
		"t.a + 1 WHERE t.a < $3");
	CHECK(s && s->u.insert.select != NULL && s->u.insert.nrows == 0);
	if (s && s->u.insert.select) {
		CHECK(s->u.insert.select->nfrom == 1 && is_str(s->u.insert.select->from[0].name, "u"));
		CHECK(is_op(s->u.insert.conflict_where, "<", 2));
	}
	CHECK(s && sql_max_param(s) == 3);
}

static void test_update(void)
{
	const sql_stmt *s =
	    one("UPDATE items AS i SET price = price * 2, tag = DEFAULT WHERE id = $2 RETURNING *");
	CHECK(s && s->kind == SQL_STMT_UPDATE);
	if (!s)
		return;
	const sql_update *u = &s->u.update;
	CHECK(is_str(u->table, "items") && is_str(u->alias, "i") && !u->has_from);
	CHECK(u->nset == 2 && is_str(u->set[0].column, "price") && is_op(u->set[0].value, "*", 2) &&
	      is_str(u->set[1].column, "tag") && u->set[1].value == NULL);
	CHECK(is_op(u->where, "=", 2) && u->nreturning == 1 && u->returning[0].expr->kind == SQL_STAR);
	CHECK_EQ_INT(sql_max_param(s), 2);
	s = one("UPDATE t SET a = 1 FROM u WHERE t.b = u.b");
	CHECK(s && s->u.update.has_from);
	CHECK(fails("UPDATE t SET (a, b) = (1, 2)", "0A000") >= 0);
}

static void test_delete(void)
{
	const sql_stmt *s = one("DELETE FROM items WHERE id IN (1, 2) RETURNING id");
	CHECK(s && s->kind == SQL_STMT_DELETE && is_str(s->u.del.table, "items") && s->u.del.alias == NULL &&
	      !s->u.del.has_using && s->u.del.nreturning == 1);
	if (s) {
		const sql_expr *w = s->u.del.where;
		CHECK(w && w->kind == SQL_IN && !w->negated && w->nargs == 3 &&
		      is_column(w->args[0], NULL, "id") && is_int(w->args[2], OID_INT4, 2));
	}
	s = one("DELETE FROM t USING u WHERE t.a = u.a");
	CHECK(s && s->u.del.has_using);
}

static void test_select_vector_search(void)
{
	const sql_stmt *s =
	    one("SELECT id, embedding <-> '[3,1,2]' AS d FROM items WHERE category IN (1,2) AND price "
		"BETWEEN 1 AND 5 ORDER BY embedding <-> '[3,1,2]' LIMIT 5");
	CHECK(s && s->kind == SQL_STMT_SELECT);
	if (!s)
		return;
	const sql_select *q = &s->u.select;
	CHECK(q->ntargets == 2 && is_column(q->targets[0].expr, NULL, "id") && q->targets[0].alias == NULL);
	CHECK(is_op(q->targets[1].expr, "<->", 2) && is_str(q->targets[1].alias, "d") &&
	      is_text(q->targets[1].expr->args[1], OID_UNKNOWN, "[3,1,2]"));
	CHECK(q->nfrom == 1 && is_str(q->from[0].name, "items") && q->from[0].schema == NULL &&
	      q->from[0].join == SQL_JOIN_NONE);
	const sql_expr *w = q->where;
	CHECK(w && w->kind == SQL_AND && w->nargs == 2);
	if (w && w->nargs == 2) {
		CHECK(w->args[0]->kind == SQL_IN && w->args[0]->nargs == 3);
		const sql_expr *b = w->args[1];
		CHECK(b->kind == SQL_AND && b->nargs == 2 && is_op(b->args[0], ">=", 2) &&
		      is_op(b->args[1], "<=", 2));
		CHECK(is_column(b->args[0]->args[0], NULL, "price") &&
		      is_int(b->args[0]->args[1], OID_INT4, 1) &&
		      is_column(b->args[1]->args[0], NULL, "price") &&
		      is_int(b->args[1]->args[1], OID_INT4, 5));
		CHECK(b->args[0]->args[0] != b->args[1]->args[0]); /* a tree, not a DAG */
	}
	CHECK(q->norder == 1 && is_op(q->order[0].expr, "<->", 2) && !q->order[0].desc &&
	      q->order[0].nulls == 0);
	CHECK(is_int(q->limit, OID_INT4, 5) && q->offset == NULL);
	CHECK(!q->distinct && !q->for_update && !q->has_cte && !q->has_setop && q->values == NULL);
	CHECK_EQ_INT(q->targets[1].expr->location, 21); /* an operator is located at itself */
}

static void test_select_one(void)
{
	const sql_stmt *s = one("SELECT 1");
	CHECK(s && s->kind == SQL_STMT_SELECT && s->u.select.ntargets == 1 && s->u.select.nfrom == 0 &&
	      is_int(s->u.select.targets[0].expr, OID_INT4, 1) && s->u.select.where == NULL);
	CHECK(s && s->location == 0 && s->length == 8);
	CHECK(s && sql_max_param(s) == 0);
}

static void test_select_clauses(void)
{
	const sql_stmt *s =
	    one("SELECT DISTINCT a, count(*) FROM t GROUP BY a HAVING count(*) > 1 ORDER BY 2 DESC "
		"NULLS FIRST, a NULLS LAST LIMIT ALL OFFSET 3 FOR UPDATE");
	if (!s) {
		CHECK(s != NULL);
		return;
	}
	const sql_select *q = &s->u.select;
	CHECK(q->distinct && q->ngroup_by == 1 && is_column(q->group_by[0], NULL, "a") &&
	      is_op(q->having, ">", 2));
	CHECK(q->norder == 2 && q->order[0].desc && q->order[0].nulls == 1 &&
	      is_int(q->order[0].expr, OID_INT4, 2));
	CHECK(!q->order[1].desc && q->order[1].nulls == 2);
	CHECK(q->limit == NULL && is_int(q->offset, OID_INT4, 3) && q->for_update);
	const sql_expr *cnt = q->targets[1].expr;
	CHECK(cnt->kind == SQL_FUNC && is_str(cnt->name, "count") && cnt->star && cnt->nargs == 0);
	s = one("WITH x AS (SELECT 1) SELECT * FROM x");
	CHECK(s && s->u.select.has_cte && s->u.select.nfrom == 1 &&
	      s->u.select.targets[0].expr->kind == SQL_STAR);
	s = one("SELECT 1 UNION ALL SELECT 2");
	CHECK(s && s->u.select.has_setop);
	s = one("VALUES (1, 'a'), (2, 'b')");
	CHECK(s && s->u.select.nvalues == 2 && s->u.select.nvalue_cols == 2 &&
	      is_text(s->u.select.values[1][1], OID_UNKNOWN, "b"));
	CHECK(fails("SELECT DISTINCT ON (a) a FROM t", "0A000") >= 0);
	CHECK(fails("SELECT a INTO u FROM t", "0A000") >= 0);
	CHECK(fails("SELECT a FROM t ORDER BY a USING <", "0A000") >= 0);
	CHECK(fails("VALUES (1), (DEFAULT)", "42601") >= 0);
}

static void test_select_psql_catalog_query(void)
{
	/* psql's \dt, as psql 15 sends it. */
	const sql_stmt *s = one(
	    "SELECT n.nspname as \"Schema\",\n  c.relname as \"Name\",\n  CASE c.relkind WHEN 'r' THEN "
	    "'table' WHEN "
	    "'v' THEN 'view' END as \"Type\",\n  pg_catalog.pg_get_userbyid(c.relowner) as \"Owner\"\nFROM "
	    "pg_catalog.pg_class c\n     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace\n     "
	    "LEFT "
	    "JOIN pg_catalog.pg_am am ON am.oid = c.relam\nWHERE c.relkind IN ('r','p','')\n      AND "
	    "n.nspname <> "
	    "'pg_catalog'\n      AND n.nspname !~ '^pg_toast'\n  AND c.relname OPERATOR(pg_catalog.~) "
	    "'^(items)$' "
	    "COLLATE pg_catalog.default\n  AND pg_catalog.pg_table_is_visible(c.oid)\nORDER BY 1,2;");
	if (!s) {
		CHECK(s != NULL);
		return;
	}
	const sql_select *q = &s->u.select;
	CHECK(q->ntargets == 4 && is_str(q->targets[0].alias, "Schema") &&
	      is_column(q->targets[0].expr, "n", "nspname"));
	const sql_expr *k = q->targets[2].expr;
	CHECK(k->kind == SQL_CASE && k->nargs == 6 && is_column(k->args[0], "c", "relkind") &&
	      is_text(k->args[1], OID_UNKNOWN, "r") && is_text(k->args[4], OID_UNKNOWN, "view") &&
	      k->args[5] == NULL);
	CHECK(q->targets[3].expr->kind == SQL_FUNC && is_str(q->targets[3].expr->name, "pg_get_userbyid"));
	CHECK(q->nfrom == 3);
	if (q->nfrom == 3) {
		CHECK(is_str(q->from[0].schema, "pg_catalog") && is_str(q->from[0].name, "pg_class") &&
		      is_str(q->from[0].alias, "c") && q->from[0].join == SQL_JOIN_NONE &&
		      q->from[0].on == NULL);
		CHECK(is_str(q->from[1].name, "pg_namespace") && q->from[1].join == SQL_JOIN_LEFT &&
		      is_op(q->from[1].on, "=", 2) && is_column(q->from[1].on->args[0], "n", "oid"));
		CHECK(is_str(q->from[2].alias, "am") && q->from[2].join == SQL_JOIN_LEFT &&
		      is_column(q->from[2].on->args[1], "c", "relam"));
	}
	const sql_expr *w = q->where;
	CHECK(w && w->kind == SQL_AND && w->nargs == 5);
	if (w && w->nargs == 5) {
		CHECK(w->args[0]->kind == SQL_IN && w->args[0]->nargs == 4 &&
		      is_text(w->args[0]->args[3], OID_UNKNOWN, ""));
		CHECK(is_op(w->args[2], "!~", 2));
		/* OPERATOR(pg_catalog.~) keeps "~"; the COLLATE clause is dropped. */
		CHECK(is_op(w->args[3], "~", 2) && is_text(w->args[3]->args[1], OID_UNKNOWN, "^(items)$"));
		CHECK(w->args[4]->kind == SQL_FUNC && is_str(w->args[4]->name, "pg_table_is_visible"));
	}
	CHECK(q->norder == 2 && is_int(q->order[1].expr, OID_INT4, 2));
}

static void test_select_from_functions_and_subqueries(void)
{
	const sql_stmt *s = one("SELECT * FROM generate_series(1, 3) AS g(x), (SELECT 1 AS y) s CROSS JOIN u "
				"JOIN v ON true RIGHT JOIN w ON w.a = v.a FULL JOIN z ON false");
	if (!s) {
		CHECK(s != NULL);
		return;
	}
	const sql_select *q = &s->u.select;
	CHECK(q->nfrom == 6);
	if (q->nfrom != 6)
		return;
	CHECK(q->from[0].name == NULL && q->from[0].func &&
	      is_str(q->from[0].func->name, "generate_series") && q->from[0].func->nargs == 2 &&
	      is_str(q->from[0].alias, "g") && q->from[0].ncolnames == 1 &&
	      is_str(q->from[0].colnames[0], "x"));
	CHECK(q->from[1].sub && q->from[1].sub->ntargets == 1 && is_str(q->from[1].alias, "s") &&
	      q->from[1].join == SQL_JOIN_CROSS);
	CHECK(is_str(q->from[2].name, "u") && q->from[2].join == SQL_JOIN_CROSS && q->from[2].on == NULL);
	CHECK(is_str(q->from[3].name, "v") && q->from[3].join == SQL_JOIN_INNER && q->from[3].on);
	CHECK(q->from[4].join == SQL_JOIN_RIGHT && q->from[5].join == SQL_JOIN_FULL);
	CHECK(fails("SELECT * FROM a NATURAL JOIN b", "0A000") >= 0);
	CHECK(fails("SELECT * FROM a JOIN b ON true JOIN c USING (id)", "0A000") >= 0);
	CHECK(fails("SELECT * FROM a JOIN (b JOIN c ON true) ON true", "0A000") >= 0);
	CHECK(fails("SELECT * FROM a, LATERAL (SELECT 1) s", "0A000") >= 0);
}

static void test_join_using_becomes_on(void)
{
	/* pgjdbc's lookup of a type's oid by name, as the driver sends it */
	const sql_stmt *s =
	    one("SELECT pg_type.oid, typname FROM pg_catalog.pg_type LEFT JOIN (select ns.oid as "
		"nspoid, ns.nspname, r.r from pg_namespace as ns join ( select s.r, "
		"(current_schemas(false))[s.r] as nspname from generate_series(1, "
		"array_upper(current_schemas(false), 1)) as s(r) ) as r using ( nspname ) ) as sp "
		"ON sp.nspoid = typnamespace WHERE typname = $1 ORDER BY sp.r, pg_type.oid DESC "
		"LIMIT 1");
	if (!s || s->u.select.nfrom != 2 || !s->u.select.from[1].sub) {
		CHECK(false);
		return;
	}
	const sql_select *sp = s->u.select.from[1].sub;
	CHECK(s->u.select.from[1].join == SQL_JOIN_LEFT && is_str(s->u.select.from[1].alias, "sp"));
	CHECK(sp->nfrom == 2 && is_str(sp->from[0].alias, "ns") && sp->from[1].sub &&
	      is_str(sp->from[1].alias, "r"));
	if (sp->nfrom == 2) {
		const sql_expr *on = sp->from[1].on;
		CHECK(sp->from[1].join == SQL_JOIN_INNER && is_op(on, "=", 2) &&
		      is_column(on->args[0], "ns", "nspname") && is_column(on->args[1], "r", "nspname"));
		const sql_expr *sub = sp->from[1].sub->targets[1].expr;
		CHECK(sub->kind == SQL_SUBSCRIPT && sub->args[0]->kind == SQL_FUNC &&
		      is_column(sub->args[1], "s", "r"));
	}
	s = one("SELECT * FROM items i LEFT JOIN meta USING (id, part)");
	if (s && s->u.select.nfrom == 2) {
		const sql_expr *on = s->u.select.from[1].on;
		CHECK(s->u.select.from[1].join == SQL_JOIN_LEFT && on && on->kind == SQL_AND &&
		      on->nargs == 2 && is_column(on->args[1]->args[0], "i", "part") &&
		      is_column(on->args[1]->args[1], "meta", "part"));
	} else {
		CHECK(false);
	}
}

static void test_constants(void)
{
	const sql_stmt *s =
	    one("SELECT 1, 12345678901, -2147483648, 1.5, 'a', TRUE, NULL, B'101', X'1F', 1e3, $2");
	if (!s || s->u.select.ntargets != 11) {
		CHECK(false);
		return;
	}
	const sql_target *t = s->u.select.targets;
	CHECK(is_int(t[0].expr, OID_INT4, 1));
	CHECK(is_int(t[1].expr, OID_INT8, 12345678901LL));
	CHECK(is_int(t[2].expr, OID_INT4, INT32_MIN));
	CHECK(t[3].expr->val.type == OID_NUMERIC && t[3].expr->val.u.f == 1.5);
	CHECK(is_text(t[4].expr, OID_UNKNOWN, "a"));
	CHECK(t[5].expr->val.type == OID_BOOL && t[5].expr->val.u.b);
	CHECK(t[6].expr->kind == SQL_CONST && t[6].expr->val.isnull && t[6].expr->val.type == OID_UNKNOWN);
	CHECK(is_text(t[7].expr, OID_BIT, "101"));
	CHECK(is_text(t[8].expr, OID_BIT, "00011111"));
	CHECK(t[9].expr->val.type == OID_NUMERIC && t[9].expr->val.u.f == 1000.0);
	CHECK(t[10].expr->kind == SQL_PARAM && t[10].expr->param == 2);
	CHECK(fails("SELECT 1e400", "22003") >= 0);
	CHECK(fails("SELECT X'1G'", "22P02") >= 0);
}

static void test_operators(void)
{
	const sql_expr *e = target("SELECT a = ANY($1)");
	CHECK(is_op(e, "=ANY", 2) && e->args[1]->kind == SQL_PARAM);
	CHECK(is_op(target("SELECT a <> ALL('{1,2}')"), "<>ALL", 2));
	CHECK(is_op(target("SELECT a LIKE 'x%'"), "~~", 2));
	CHECK(is_op(target("SELECT a NOT LIKE 'x%'"), "!~~", 2));
	CHECK(is_op(target("SELECT a ILIKE 'x%'"), "~~*", 2));
	CHECK(is_op(target("SELECT a IS DISTINCT FROM 1"), "IS DISTINCT FROM", 2));
	CHECK(is_op(target("SELECT a IS NOT DISTINCT FROM 1"), "IS NOT DISTINCT FROM", 2));
	CHECK(is_op(target("SELECT a OPERATOR(pg_catalog.+) 1"), "+", 2));
	CHECK(is_op(target("SELECT meta->>'k'"), "->>", 2));
	e = target("SELECT -a");
	CHECK(is_op(e, "-", 1) && is_column(e->args[0], NULL, "a"));
	CHECK(is_int(target("SELECT -5"), OID_INT4, -5)); /* the grammar folds the sign */
	e = target("SELECT NULLIF(a, 0)");
	CHECK(e && e->kind == SQL_FUNC && is_str(e->name, "nullif") && e->nargs == 2);
	e = target("SELECT a NOT IN (1, 2)");
	CHECK(e && e->kind == SQL_IN && e->negated && e->nargs == 3);
	e = target("SELECT a NOT BETWEEN 1 AND 2");
	CHECK(e && e->kind == SQL_NOT && e->nargs == 1 && e->args[0]->kind == SQL_AND);
	e = target("SELECT NOT a OR b AND c");
	CHECK(e && e->kind == SQL_OR && e->nargs == 2 && e->args[0]->kind == SQL_NOT &&
	      e->args[1]->kind == SQL_AND);
	e = target("SELECT a IS NOT NULL");
	CHECK(e && e->kind == SQL_IS_NULL && e->negated);
	e = target("SELECT a IS NOT TRUE");
	CHECK(e && e->kind == SQL_IS_BOOL && e->negated && e->bool_value);
	e = target("SELECT a IS FALSE");
	CHECK(e && e->kind == SQL_IS_BOOL && !e->negated && !e->bool_value);
	e = target("SELECT a IS UNKNOWN");
	CHECK(e && e->kind == SQL_IS_NULL && !e->negated);
	CHECK(fails("SELECT a BETWEEN SYMMETRIC 1 AND 2", "0A000") >= 0);
}

static void test_casts(void)
{
	const sql_expr *e = target("SELECT '[1,2]'::vector(2)");
	CHECK(e && e->kind == SQL_CAST && e->cast.oid == OID_VECTOR && e->cast.typmod == 2 &&
	      is_str(e->cast.name, "vector") && is_text(e->args[0], OID_UNKNOWN, "[1,2]"));
	e = target("SELECT 'vector'::regtype");
	CHECK(e && e->cast.oid == OID_REGTYPE);
	e = target("SELECT 'items'::regclass::oid");
	CHECK(e && e->cast.oid == OID_OID && e->args[0]->kind == SQL_CAST &&
	      e->args[0]->cast.oid == OID_REGCLASS);
	e = target("SELECT x::text[]");
	CHECK(e && e->cast.oid == OID_TEXT_ARRAY && is_str(e->cast.name, "text"));
	e = target("SELECT CAST(x AS real[])");
	CHECK(e && e->cast.oid == OID_FLOAT4_ARRAY);
	e = target("SELECT ARRAY[1, 2]::float8[]");
	CHECK(e && e->cast.oid == OID_FLOAT8_ARRAY && e->args[0]->kind == SQL_ARRAY &&
	      e->args[0]->cast.oid == OID_FLOAT8 && e->args[0]->nargs == 2);
	e = target("SELECT ARRAY[1, 2]");
	CHECK(e && e->kind == SQL_ARRAY && e->cast.oid == 0);
	e = target("SELECT x::halfvec(3)");
	CHECK(e && e->cast.oid == 0 && is_str(e->cast.name, "halfvec"));
	e = target("SELECT x::pg_catalog.int8");
	CHECK(e && e->cast.oid == OID_INT8);
	e = target("SELECT x::varchar(5)");
	CHECK(e && e->cast.oid == OID_VARCHAR && e->cast.typmod == 9);
	e = target("SELECT x::timestamptz(9)");
	CHECK(e && e->cast.typmod == 6); /* PostgreSQL lowers it to 6 */
}

static void test_other_expressions(void)
{
	const sql_expr *e = target("SELECT db.public.items.id");
	CHECK(is_column(e, "items", "id"));
	e = target("SELECT i.*");
	CHECK(e && e->kind == SQL_STAR && is_str(e->qualifier, "i"));
	e = target("SELECT count(DISTINCT a)");
	CHECK(e && e->kind == SQL_FUNC && e->distinct && !e->star && e->nargs == 1);
	e = target("SELECT pg_catalog.NOW()");
	CHECK(e && e->kind == SQL_FUNC && is_str(e->name, "now") && e->nargs == 0);
	e = target("SELECT \"Upper\"(1)");
	CHECK(e && is_str(e->name, "upper"));
	e = target("SELECT a[2]");
	CHECK(e && e->kind == SQL_SUBSCRIPT && is_column(e->args[0], NULL, "a") &&
	      is_int(e->args[1], OID_INT4, 2));
	e = target("SELECT COALESCE(a, b, 0)");
	CHECK(e && e->kind == SQL_COALESCE && e->nargs == 3);
	e = target("SELECT GREATEST(a, 1)");
	CHECK(e && e->kind == SQL_FUNC && is_str(e->name, "greatest"));
	e = target("SELECT CASE WHEN a THEN 1 ELSE 2 END");
	CHECK(e && e->kind == SQL_CASE && e->nargs == 4 && e->args[0] == NULL &&
	      is_int(e->args[3], OID_INT4, 2));
	e = target("SELECT current_user");
	CHECK(e && e->kind == SQL_SQLFUNC && is_str(e->name, "current_user"));
	e = target("SELECT CURRENT_TIMESTAMP(3)");
	CHECK(e && e->kind == SQL_SQLFUNC && is_str(e->name, "current_timestamp"));
	e = target("SELECT x AT TIME ZONE 'UTC'");
	CHECK(e && e->kind == SQL_FUNC && is_str(e->name, "timezone") && e->nargs == 2);
	e = target("SELECT 'a' COLLATE \"C\"");
	CHECK(is_text(e, OID_UNKNOWN, "a"));
	CHECK_EQ_INT(fails("SELECT (1, 2)", "0A000"), 8);
	CHECK(has(E.message, "row"));
	CHECK_EQ_INT(fails("SELECT a[1:2]", "0A000"), 8);
	CHECK(fails("SELECT a[1][2]", "0A000") >= 0);
	CHECK(fails("SELECT (a).b", "0A000") >= 0);
	CHECK(fails("SELECT rank() OVER (ORDER BY a) FROM t", "0A000") >= 0 && has(E.message, "window"));
	CHECK(fails("SELECT string_agg(a, ',' ORDER BY a) FROM t", "0A000") >= 0);
	CHECK(fails("SELECT count(*) FILTER (WHERE a) FROM t", "0A000") >= 0);
}

static void test_subqueries(void)
{
	const sql_stmt *s =
	    one("SELECT (SELECT max(a) FROM t) FROM u WHERE EXISTS (SELECT 1 FROM v WHERE v.a = u.a) AND "
		"b IN (SELECT b FROM w WHERE c = $4) AND d NOT IN (SELECT d FROM x)");
	if (!s) {
		CHECK(s != NULL);
		return;
	}
	const sql_expr *t = s->u.select.targets[0].expr;
	CHECK(t->kind == SQL_SUBQUERY && t->name == NULL && !t->sublink_in && t->sub &&
	      t->sub->ntargets == 1);
	const sql_expr *w = s->u.select.where;
	CHECK(w->kind == SQL_AND && w->nargs == 3);
	if (w->nargs == 3) {
		CHECK(w->args[0]->kind == SQL_SUBQUERY && is_str(w->args[0]->name, "exists") &&
		      w->args[0]->sub->where);
		CHECK(w->args[1]->kind == SQL_SUBQUERY && w->args[1]->sublink_in && w->args[1]->nargs == 1 &&
		      is_column(w->args[1]->args[0], NULL, "b"));
		CHECK(w->args[2]->kind == SQL_NOT && w->args[2]->args[0]->sublink_in);
	}
	CHECK_EQ_INT(sql_max_param(s), 4);
	const sql_expr *a = target("SELECT ARRAY(SELECT b FROM t)");
	CHECK(a && a->kind == SQL_SUBQUERY && is_str(a->name, "array") && a->sub && a->sub->nfrom == 1);
	CHECK(fails("SELECT a FROM t WHERE a > ALL (SELECT b FROM u)", "0A000") >= 0);
}

static void test_set_show_reset(void)
{
	const sql_stmt *s = one("SET hnsw.ef_search = 100");
	CHECK(s && s->kind == SQL_STMT_SET && is_str(s->u.set.name, "hnsw.ef_search") &&
	      s->u.set.nvalues == 1 && is_int(s->u.set.values[0], OID_INT4, 100) && !s->u.set.is_default &&
	      !s->u.set.local);
	s = one("SET LOCAL search_path TO public, \"$user\"");
	CHECK(s && s->u.set.local && s->u.set.nvalues == 2 &&
	      is_text(s->u.set.values[1], OID_UNKNOWN, "$user"));
	s = one("SET hnsw.iterative_scan TO DEFAULT");
	CHECK(s && s->kind == SQL_STMT_SET && s->u.set.is_default && s->u.set.nvalues == 0);
	s = one("SET TIME ZONE 'UTC'");
	CHECK(s && is_str(s->u.set.name, "timezone") && is_text(s->u.set.values[0], OID_UNKNOWN, "UTC"));
	s = one("SET \"HNSW.EF_SEARCH\" = 40");
	CHECK(s && is_str(s->u.set.name, "hnsw.ef_search"));
	s = one("SHOW hnsw.ef_search");
	CHECK(s && s->kind == SQL_STMT_SHOW && is_str(s->u.name, "hnsw.ef_search"));
	s = one("SHOW ALL");
	CHECK(s && s->kind == SQL_STMT_SHOW && is_str(s->u.name, "all"));
	s = one("RESET hnsw.ef_search");
	CHECK(s && s->kind == SQL_STMT_RESET && is_str(s->u.name, "hnsw.ef_search"));
	s = one("RESET ALL");
	CHECK(s && s->kind == SQL_STMT_RESET && is_str(s->u.name, "all"));
	CHECK(fails("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "0A000") >= 0 &&
	      has(E.message, "SET SESSION CHARACTERISTICS is not supported"));
	CHECK(fails("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "0A000") >= 0);
}

static void test_transactions(void)
{
	static const struct {
		const char *q;
		sql_stmt_kind kind;
	} ok[] = {
	    {"BEGIN", SQL_STMT_BEGIN},
	    {"START TRANSACTION ISOLATION LEVEL REPEATABLE READ", SQL_STMT_BEGIN},
	    {"COMMIT", SQL_STMT_COMMIT},
	    {"END", SQL_STMT_COMMIT},
	    {"ROLLBACK", SQL_STMT_ROLLBACK},
	    {"ABORT", SQL_STMT_ROLLBACK},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		const sql_stmt *s = one(ok[i].q);
		CHECK(s && s->kind == ok[i].kind);
	}
	CHECK(fails("SAVEPOINT a", "0A000") >= 0 && has(E.message, "SAVEPOINT"));
	CHECK(fails("ROLLBACK TO SAVEPOINT a", "0A000") >= 0);
	CHECK(fails("COMMIT AND CHAIN", "0A000") >= 0);
	CHECK(fails("PREPARE TRANSACTION 'x'", "0A000") >= 0);
}

static void test_copy_from_stdin(void)
{
	const sql_stmt *s = one("COPY items (id, embedding) FROM STDIN WITH (FORMAT csv, HEADER)");
	CHECK(s && s->kind == SQL_STMT_COPY_FROM);
	if (s) {
		const sql_copy *c = &s->u.copy;
		CHECK(is_str(c->table, "items") && c->ncolumns == 2 && is_str(c->columns[1], "embedding"));
		CHECK(c->format == SQL_COPY_CSV && c->header && c->delimiter == ',' &&
		      is_str(c->null_string, "") && c->quote == '"' && c->escape == '"');
	}
	s = one("COPY items FROM STDIN");
	CHECK(s && s->u.copy.columns == NULL && s->u.copy.format == SQL_COPY_TEXT &&
	      s->u.copy.delimiter == '\t' && is_str(s->u.copy.null_string, "\\N") && !s->u.copy.header);
	s = one("COPY items FROM STDIN (FORMAT binary)");
	CHECK(s && s->u.copy.format == SQL_COPY_BINARY);
	s = one("COPY items FROM STDIN WITH CSV HEADER DELIMITER ';' QUOTE '''' ESCAPE '\\' NULL 'NA'");
	CHECK(s && s->u.copy.delimiter == ';' && s->u.copy.quote == '\'' && s->u.copy.escape == '\\' &&
	      is_str(s->u.copy.null_string, "NA") && s->u.copy.header);
	CHECK(fails("COPY items TO STDOUT", "0A000") >= 0 && has(E.message, "COPY TO"));
	CHECK(fails("COPY items FROM '/etc/passwd'", "0A000") >= 0);
	CHECK(fails("COPY items FROM STDIN (QUOTE '\"')", "0A000") >= 0);
	CHECK(fails("COPY items FROM STDIN (FORMAT csv, FORMAT text)", "42601") >= 0);
	CHECK(fails("COPY items FROM STDIN (FORMAT xml)", "22023") >= 0);
	CHECK(fails("COPY items FROM STDIN (DELIMITER 'ab')", "0A000") >= 0);
	CHECK(fails("COPY items FROM STDIN (FORMAT binary, NULL 'x')", "42601") >= 0);
	CHECK(fails("COPY items FROM STDIN (DELIMITER 'a')", "22023") >= 0);
	CHECK(fails("COPY items FROM STDIN (BOGUS 1)", "42601") >= 0);
}

static void test_discard_deallocate_explain(void)
{
	const sql_stmt *s = one("DISCARD ALL");
	CHECK(s && s->kind == SQL_STMT_DISCARD);
	s = one("DEALLOCATE ALL");
	CHECK(s && s->kind == SQL_STMT_DEALLOCATE && s->u.name == NULL);
	s = one("DEALLOCATE PREPARE s1");
	CHECK(s && s->kind == SQL_STMT_DEALLOCATE && is_str(s->u.name, "s1"));
	s = one("EXPLAIN SELECT * FROM items WHERE id = $3");
	CHECK(s && s->kind == SQL_STMT_EXPLAIN && s->u.explain && s->u.explain->kind == SQL_STMT_SELECT &&
	      s->u.explain->u.select.nfrom == 1 && sql_max_param(s) == 3);
	s = one("EXPLAIN (VERBOSE, FORMAT text) DELETE FROM t");
	CHECK(s && s->u.explain->kind == SQL_STMT_DELETE);
	CHECK(fails("EXPLAIN ANALYZE SELECT 1", "0A000") >= 0);
	CHECK(fails("EXPLAIN (FORMAT json) SELECT 1", "0A000") >= 0);
}

static void test_multiple_statements(void)
{
	const char *q = "SELECT 1; INSERT INTO t VALUES ($1);\n SET x = 1;;";
	sql_stmt *s;
	size_t n;
	arena_reset(&A);
	CHECK(sql_parse(&A, q, &s, &n, &E) == 0 && n == 3);
	if (n != 3)
		return;
	CHECK(s[0].kind == SQL_STMT_SELECT && s[1].kind == SQL_STMT_INSERT && s[2].kind == SQL_STMT_SET);
	CHECK(s[0].location == 0 && s[0].length == 8);
	/* a span starts right after the previous semicolon */
	CHECK(s[1].location == 9 && s[1].length == 26 &&
	      strncmp(q + 9, " INSERT INTO t VALUES ($1);", 27) == 0);
	CHECK(s[2].location == 36 && s[2].length == 11 && strncmp(q + 36, "\n SET x = 1;", 12) == 0);
	CHECK(sql_max_param(&s[1]) == 1 && sql_max_param(&s[0]) == 0);
}

static void test_empty_queries(void)
{
	static const char *const empty[] = {"", "   \n", "-- only a comment", "/* block */", ";", " ; ; "};
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
		sql_stmt *s;
		size_t n;
		arena_reset(&A);
		CHECK(sql_parse(&A, empty[i], &s, &n, &E) == 0 && n == 1 && s[0].kind == SQL_STMT_EMPTY);
	}
}

static void test_syntax_errors(void)
{
	CHECK_EQ_INT(fails("SELEC 1", "42601"), 1);
	CHECK(has(E.message, "syntax error at or near \"SELEC\""));
	CHECK_EQ_INT(fails("SELECT * FROM items WHERE", "42601"), 26);
	CHECK(has(E.message, "end of input"));
	/* positions count characters: 'é' is two bytes, one character */
	CHECK_EQ_INT(fails("SELECT 'é' FROM WHERE", "42601"), 17);
	CHECK(fails("SELECT 'unterminated", "42601") >= 0);
	CHECK(fails("SELECT 1; SELECT FROM FROM", "42601") >= 0);
}

static void test_unsupported_statements(void)
{
	static const struct {
		const char *q, *name;
	} refused[] = {
	    {"ALTER TABLE items ADD COLUMN x int", "ALTER TABLE is not supported"},
	    {"CREATE VIEW v AS SELECT 1", "CREATE VIEW is not supported"},
	    {"TRUNCATE items", "TRUNCATE is not supported"},
	    {"GRANT SELECT ON items TO bob", "GRANT is not supported"},
	    {"CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql",
	     "CREATE FUNCTION is not supported"},
	    {"CREATE TABLE t2 AS SELECT 1", "CREATE TABLE AS is not supported"},
	    {"VACUUM items", "VACUUM is not supported"},
	    {"LISTEN x", "LISTEN is not supported"},
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		CHECK(fails(refused[i].q, "0A000") >= 0);
		CHECK(has(E.message, refused[i].name) && has(E.message, "supported: CREATE EXTENSION"));
	}
	/* The statement's own position: the second statement starts at 10. */
	CHECK_EQ_INT(fails("SELECT 1; TRUNCATE t", "0A000"), 10);
}

static void test_parameter_numbers(void)
{
	CHECK_EQ_INT(fails("SELECT $70000", "42P02"), 8);
	CHECK(has(E.message, "there is no parameter $70000"));
	CHECK(fails("SELECT $0", "42P02") >= 0);
	const sql_stmt *s = one("SELECT $65535");
	CHECK(s && sql_max_param(s) == SQL_MAX_PARAMS);
}

static void test_max_param_walks_everything(void)
{
	static const struct {
		const char *q;
		int max;
	} cases[] = {
	    {"SELECT a FROM t", 0},
	    {"SELECT $1 + $3 FROM t WHERE a = ANY($2)", 3},
	    {"SELECT a FROM t ORDER BY a <-> $4 LIMIT $5 OFFSET $6", 6},
	    {"SELECT a FROM t GROUP BY a HAVING count(*) > $7", 7},
	    {"SELECT * FROM generate_series(1, $8) g JOIN t ON t.a = $9", 9},
	    {"SELECT * FROM (SELECT $10) s", 10},
	    {"SELECT CASE WHEN a THEN $11 ELSE $2 END", 11},
	    {"VALUES ($12), (1)", 12},
	    {"INSERT INTO t VALUES (1, DEFAULT, $3) RETURNING $13", 13},
	    {"INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = $14", 14},
	    {"UPDATE t SET a = 1 WHERE b = $15", 15},
	    {"DELETE FROM t WHERE a = $16 RETURNING $1", 16},
	    {"SET x = 1", 0},
	    {"CREATE TABLE t (a int DEFAULT 1)", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const sql_stmt *s = one(cases[i].q);
		CHECK(s != NULL);
		if (s && sql_max_param(s) != cases[i].max) {
			fprintf(stderr, "sql_max_param(%s) = %d, want %d\n", cases[i].q, sql_max_param(s),
				cases[i].max);
			CHECK(false);
		}
	}
}

/* --- hostile inputs --- */

static char *repeat3(const char *head, const char *open, size_t n, const char *mid, const char *close,
		     const char *tail)
{
	size_t lo = strlen(open), lc = strlen(close);
	char *q = malloc(strlen(head) + n * (lo + lc) + strlen(mid) + strlen(tail) + 1);
	char *p = q + sprintf(q, "%s", head);
	for (size_t i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	p += sprintf(p, "%s", mid);
	for (size_t i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	sprintf(p, "%s", tail);
	return q;
}

static void hostile(const char *head, const char *open, size_t n, const char *mid, const char *close,
		    const char *want)
{
	char *q = repeat3(head, open, n, mid, close, "");
	if (want) {
		CHECK(fails(q, want) >= 0);
	} else {
		CHECK(one(q) != NULL);
	}
	free(q);
}

static void test_deep_nesting_is_too_complex(void)
{
	hostile("SELECT ", "(", 10000, "1", ")", "54001");
	hostile("SELECT ", "(", 5000, "1", ")", "54001");
	hostile("SELECT ", "1+", 30000, "1", "", "54001"); /* left-deep: no grammar stack */
	hostile("SELECT ", "NOT ", 5000, "true", "", "54001");
	hostile("SELECT ", "- ", 9000, "a", "", "54001");
	hostile("SELECT ", "ARRAY[", 3000, "1", "]", "54001");
	hostile("SELECT ", "(SELECT ", 3000, "1", ")", "54001");
	hostile("SELECT ", "CASE WHEN a THEN ", 3000, "1", " END", "54001");
	hostile("SELECT ", "f(", 3000, "1", ")", "54001");
	hostile("SELECT a", "::int", 30000, "", "", "54001");
	hostile("SELECT 1", " UNION SELECT 1", 30000, "", "", "54001");
	hostile("SELECT * FROM t", " JOIN t ON true", 30000, "", "", "54001");
	hostile("SELECT ", "a[", 3000, "1", "]", "54001");
	hostile("SELECT ", "(", 1100, "1", ")", "54001");
	/* nesting just under SQL_MAX_DEPTH is accepted */
	hostile("SELECT ", "(1 + ", 300, "1", ")", NULL);
	hostile("SELECT ", "(", 990, "1", ")", NULL);
	hostile("SELECT 1", " + 1", 990, "", "", NULL);
	hostile("SELECT * FROM t", " JOIN t ON true", 990, "", "", NULL);
}

typedef struct worst_case {
	const char *head, *open, *mid, *close, *sqlstate; /* NULL: accepted */
	size_t n;
} worst_case;

/* The inputs that make libpg_query, protobuf-c and the translation recurse
 * deepest, accepted or refused at the limits. */
static const worst_case worst[] = {
    {"SELECT 1", "+1", "", "", NULL, 990},
    {"SELECT ", "NOT ", "true", "", NULL, 990},
    {"SELECT ", "f(", "1", ")", NULL, 995},
    {"SELECT ", "CASE WHEN a THEN ", "1", " END", NULL, 490},
    {"SELECT ", "(SELECT ", "1", ")", NULL, 300},
    {"SELECT ", "(SELECT ", "1", ")", "54001", 995},
    {"SELECT 1", " UNION SELECT 1", "", "", NULL, 990},
    {"SELECT ", "ARRAY[", "1", "]", NULL, 995},
    {"SELECT ", "CASE WHEN a THEN ", "1", " END", "54001", 995},
    {"SELECT 1", "+1", "", "", "54001", 30000},
};

static void *parse_worst_cases(void *arg)
{
	int *ok = arg;
	for (size_t i = 0; i < sizeof worst / sizeof worst[0]; i++) {
		const worst_case *w = &worst[i];
		char *q = repeat3(w->head, w->open, w->n, w->mid, w->close, "");
		sql_stmt *s;
		size_t n;
		sql_error err;
		arena a = {0};
		int rc = sql_parse(&a, q, &s, &n, &err);
		if (w->sqlstate ? rc == 0 || strcmp(err.sqlstate, w->sqlstate) != 0 : rc != 0) {
			fprintf(stderr, "worst case %zu: rc %d %s %s\n", i, rc, err.sqlstate, err.message);
			*ok = 0;
		}
		arena_destroy(&a);
		free(q);
	}
	return NULL;
}

static void test_worst_cases_fit_a_small_stack(void)
{
	/* sql.h promises about 2 MB; the coordinator's threads have 8 MB. */
	pthread_attr_t attr;
	pthread_t t;
	int ok = 1;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 3u << 20);
	CHECK(pthread_create(&t, &attr, parse_worst_cases, &ok) == 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	CHECK(ok);
}

static void test_nested_between_stays_linear(void)
{
	/* Each BETWEEN translates its operand twice: 40 levels would be 2^40
	 * nodes without the node cap. */
	hostile("SELECT ", "(", 40, "x", " BETWEEN 1 AND 2)", "54001");
	hostile("SELECT ", "(", 3, "x", " BETWEEN 1 AND 2)", NULL);
}

static void test_megabyte_queries(void)
{
	const size_t mb = 1u << 20;
	char *q = malloc(mb + 64);
	/* a million characters of one flat select list */
	size_t n = (size_t)sprintf(q, "SELECT 1");
	while (n < mb)
		n += (size_t)sprintf(q + n, ",%zu", n % 1000);
	const sql_stmt *s = one(q);
	CHECK(s && s->u.select.ntargets > 200000);
	/* a long OR list: PostgreSQL flattens it */
	n = (size_t)sprintf(q, "SELECT a FROM t WHERE a = 0");
	while (n < mb)
		n += (size_t)sprintf(q + n, " OR a = %zu", n % 1000);
	s = one(q);
	CHECK(s && s->u.select.where && s->u.select.where->kind == SQL_OR &&
	      s->u.select.where->nargs > 50000);
	/* a megabyte of one chain */
	n = (size_t)sprintf(q, "SELECT 1");
	while (n < mb)
		n += (size_t)sprintf(q + n, "+1");
	CHECK(fails(q, "54001") >= 0);
	/* a megabyte of VALUES rows */
	n = (size_t)sprintf(q, "INSERT INTO t VALUES (1, 'a')");
	while (n < mb)
		n += (size_t)sprintf(q + n, ", (%zu, 'b')", n % 1000);
	s = one(q);
	CHECK(s && s->u.insert.nrows > 50000 && s->u.insert.nvalues == 2);
	free(q);
}

static void test_arena_limit_is_54000(void)
{
	arena small = {.limit = 4096};
	sql_stmt *s;
	size_t n;
	sql_error err;
	char q[20000];
	size_t len = (size_t)sprintf(q, "SELECT 1");
	while (len < sizeof q - 8)
		len += (size_t)sprintf(q + len, ",1");
	CHECK(sql_parse(&small, q, &s, &n, &err) == -1 && strcmp(err.sqlstate, "54000") == 0);
	arena_destroy(&small);
}

static void test_max_param_text_counts_untranslated_parts(void)
{
	CHECK_EQ_INT(sql_max_param_text("WITH t AS (SELECT $3) SELECT $1 FROM t"), 3);
	CHECK_EQ_INT(sql_max_param_text("SELECT '$9', \"$8\" -- $7\n /* $6 */ FROM x WHERE a = $2"), 2);
	CHECK_EQ_INT(sql_max_param_text("SELECT $$ $5 $$, $tag$ $4 $tag$, $1"), 1);
	CHECK_EQ_INT(sql_max_param_text("SELECT a$1 FROM t"), 0); /* an identifier, not a parameter */
	CHECK_EQ_INT(sql_max_param_text("SELECT '$1"), 0);	  /* unterminated: no overrun */
	CHECK_EQ_INT(sql_max_param_text("SELECT $99999999999"), SQL_MAX_PARAMS + 1);
}

TEST_MAIN(TEST(test_max_param_text_counts_untranslated_parts), TEST(test_create_extension),
	  TEST(test_create_table), TEST(test_create_table_types_and_defaults),
	  TEST(test_create_table_primary_key_constraint), TEST(test_create_table_identity_is_serial),
	  TEST(test_create_table_refuses_other_constraints), TEST(test_type_modifiers_are_checked),
	  TEST(test_drop), TEST(test_create_index), TEST(test_insert_values_on_conflict),
	  TEST(test_insert_defaults_and_counts), TEST(test_insert_select), TEST(test_update),
	  TEST(test_delete), TEST(test_select_vector_search), TEST(test_select_one),
	  TEST(test_select_clauses), TEST(test_select_psql_catalog_query),
	  TEST(test_select_from_functions_and_subqueries), TEST(test_join_using_becomes_on),
	  TEST(test_constants), TEST(test_operators), TEST(test_casts), TEST(test_other_expressions),
	  TEST(test_subqueries), TEST(test_set_show_reset), TEST(test_transactions),
	  TEST(test_copy_from_stdin), TEST(test_discard_deallocate_explain), TEST(test_multiple_statements),
	  TEST(test_empty_queries), TEST(test_syntax_errors), TEST(test_unsupported_statements),
	  TEST(test_parameter_numbers), TEST(test_max_param_walks_everything),
	  TEST(test_deep_nesting_is_too_complex), TEST(test_worst_cases_fit_a_small_stack),
	  TEST(test_nested_between_stays_linear), TEST(test_megabyte_queries),
	  TEST(test_arena_limit_is_54000))
