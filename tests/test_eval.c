/* Expression evaluation: SQL's three-valued logic, pgvector's operators and
 * functions, arithmetic errors with their SQLSTATEs, parameter type
 * inference, columns of a row. Expressions come from the real parser
 * (sql_parse of "SELECT <expr>"). */
#include <math.h>
#include <string.h>

#include "eval.h"
#include "sql.h"
#include "test.h"

static arena a;

/* The first select-list expression of "SELECT <text>". */
static const sql_expr *parse_expr(const char *text)
{
	char *q = arena_printf(&a, "SELECT %s", text);
	sql_stmt *st;
	size_t n;
	sql_error err;
	CHECK(sql_parse(&a, q, &st, &n, &err) == 0);
	CHECK(n == 1 && st[0].kind == SQL_STMT_SELECT && st[0].u.select.ntargets >= 1);
	return st[0].u.select.targets[0].expr;
}

static int run(const char *text, const eval_scope *scope, value *out, sql_error *err)
{
	eval_ctx c = {0};
	c.a = &a;
	c.scope = scope;
	return eval_expr(&c, parse_expr(text), out, err);
}

static value ok(const char *text)
{
	value v;
	sql_error err;
	int rc = run(text, NULL, &v, &err);
	if (rc)
		fprintf(stderr, "%s: %s %s\n", text, err.sqlstate, err.message);
	CHECK(rc == 0);
	return v;
}

static void fails(const char *text, const char *sqlstate)
{
	value v;
	sql_error err;
	CHECK(run(text, NULL, &v, &err) == -1);
	if (strcmp(err.sqlstate, sqlstate) != 0)
		fprintf(stderr, "%s: got %s (%s), want %s\n", text, err.sqlstate, err.message, sqlstate);
	CHECK(strcmp(err.sqlstate, sqlstate) == 0);
}

static void test_vector_distance_operators_match_pgvector(void)
{
	value v = ok("'[1,2,3]'::vector <-> '[4,6,3]'");
	CHECK(v.type == OID_FLOAT8 && fabs(v.u.f - 5.0) < 1e-12);
	v = ok("'[1,2,3]'::vector <#> '[4,5,6]'");
	CHECK(fabs(v.u.f + 32.0) < 1e-12);
	v = ok("'[1,0]'::vector <=> '[0,1]'");
	CHECK(fabs(v.u.f - 1.0) < 1e-12);
	v = ok("'[1,2,3]'::vector <+> '[4,6,3]'");
	CHECK(fabs(v.u.f - 7.0) < 1e-12);
	v = ok("l2_distance('[0,0]', '[3,4]')");
	CHECK(fabs(v.u.f - 5.0) < 1e-12);
}

static void test_vector_functions(void)
{
	value v = ok("vector_dims('[1,2,3]'::vector)");
	CHECK(v.type == OID_INT4 && v.u.i == 3);
	v = ok("vector_norm('[3,4]')");
	CHECK(fabs(v.u.f - 5.0) < 1e-12);
	v = ok("l2_normalize('[3,4]'::vector)");
	CHECK(v.type == OID_VECTOR && v.u.vec.dim == 2 && fabsf(v.u.vec.x[0] - 0.6f) < 1e-6f);
	v = ok("subvector('[1,2,3,4,5]'::vector, 2, 3)");
	CHECK(v.u.vec.dim == 3 && v.u.vec.x[0] == 2.0f && v.u.vec.x[2] == 4.0f);
	v = ok("binary_quantize('[1,-2,0,3]'::vector)");
	CHECK(v.type == OID_BIT && v.u.s.len == 4 && memcmp(v.u.s.ptr, "1001", 4) == 0);
	v = ok("'[1,2,3]'::vector + '[4,5,6]'");
	CHECK(v.u.vec.dim == 3 && v.u.vec.x[0] == 5.0f && v.u.vec.x[2] == 9.0f);
	v = ok("'[1,2]'::vector || '[3]'::vector");
	CHECK(v.u.vec.dim == 3 && v.u.vec.x[2] == 3.0f);
}

static void test_vector_errors(void)
{
	fails("'[1,2,3]'::vector <-> '[1,2]'", "22000");
	fails("'[1,2'::vector", "22P02");
	fails("'[1,NaN]'::vector", "22000"); /* pgvector: data_exception */
	fails("subvector('[1,2]'::vector, 5, 1)", "22000");
	fails("'[1,2]'::vector <-> 3", "42883");
}

static void test_three_valued_logic(void)
{
	CHECK(ok("NULL::boolean AND false").u.b == false && !ok("NULL::boolean AND false").isnull);
	CHECK(ok("NULL::boolean AND true").isnull);
	CHECK(ok("NULL::boolean OR true").u.b == true);
	CHECK(ok("NOT NULL::boolean").isnull);
	CHECK(ok("1 IN (2, NULL)").isnull);
	CHECK(ok("1 IN (1, NULL)").u.b);
	CHECK(ok("1 NOT IN (2, NULL)").isnull);
	CHECK(ok("NULL IS NULL").u.b);
	CHECK(ok("2 BETWEEN 1 AND 3").u.b);
	CHECK(ok("NULL::int IS DISTINCT FROM 1").u.b);
}

static void test_arithmetic_and_errors(void)
{
	value v = ok("7 / 2");
	CHECK(v.type == OID_INT4 && v.u.i == 3);
	v = ok("7 % 3");
	CHECK(v.u.i == 1);
	v = ok("1.5 + 1");
	CHECK(v.type == OID_NUMERIC && v.u.f == 2.5);
	v = ok("-(3)");
	CHECK(v.u.i == -3);
	fails("1 / 0", "22012");
	fails("2147483647 + 1", "22003");
	fails("9223372036854775807::bigint * 2", "22003");
	fails("'abc' + 1", "22P02");
}

static void test_text_functions_and_like(void)
{
	CHECK(ok("'abc' LIKE 'a%'").u.b);
	CHECK(!ok("'abc' LIKE 'b%'").u.b);
	CHECK(ok("'ABC' ILIKE 'a_c'").u.b);
	value v = ok("upper('abc') || 'd'");
	CHECK(v.u.s.len == 4 && memcmp(v.u.s.ptr, "ABCd", 4) == 0);
	CHECK(ok("length('héllo')").u.i == 5);
	v = ok("coalesce(NULL, 'x')");
	CHECK(!v.isnull && v.u.s.ptr[0] == 'x');
	v = ok("CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END");
	CHECK(v.u.s.ptr[0] == 'b');
}

static void test_jsonb_operators(void)
{
	value v = ok("'{\"a\": {\"b\": 2}}'::jsonb -> 'a' ->> 'b'");
	CHECK(v.type == OID_TEXT && v.u.s.len == 1 && v.u.s.ptr[0] == '2');
	CHECK(ok("'{\"a\": 1, \"b\": [1,2]}'::jsonb @> '{\"b\": [2]}'").u.b);
	CHECK(!ok("'{\"a\": 1}'::jsonb @> '{\"a\": 2}'").u.b);
	CHECK(ok("'{\"a\": null}'::jsonb ->> 'a'").isnull);
}

static void test_columns_come_from_the_row(void)
{
	const char *names[] = {"id", "embedding"};
	pg_oid types[] = {OID_INT8, OID_VECTOR};
	int32_t typmods[] = {-1, 2};
	float x[] = {3, 4};
	value row[2];
	row[0] = value_int(OID_INT8, 42);
	row[1].type = OID_VECTOR;
	row[1].isnull = false;
	row[1].u.vec.x = x;
	row[1].u.vec.dim = 2;
	eval_scope s = {"items", "i", 2, names, types, typmods, row, NULL};
	value v;
	sql_error err;
	CHECK(run("i.id + 1", &s, &v, &err) == 0 && v.u.i == 43);
	CHECK(run("embedding <-> '[0,0]'", &s, &v, &err) == 0 && fabs(v.u.f - 5.0) < 1e-12);
	CHECK(run("nosuch", &s, &v, &err) == -1 && strcmp(err.sqlstate, "42703") == 0);
	CHECK(run("other.id", &s, &v, &err) == -1 && strcmp(err.sqlstate, "42703") == 0);
}

static void test_parameter_types_follow_context(void)
{
	const char *names[] = {"id", "embedding"};
	pg_oid types[] = {OID_INT8, OID_VECTOR};
	int32_t typmods[] = {-1, 3};
	eval_scope s = {"items", NULL, 2, names, types, typmods, NULL, NULL};
	pg_oid params[3] = {0, 0, 0};
	eval_ctx c = {0};
	c.a = &a;
	c.scope = &s;
	c.param_types = params;
	c.nparams = 3;
	pg_oid t;
	int32_t tm;
	sql_error err;
	CHECK(eval_type(&c, parse_expr("embedding <-> $1"), &t, &tm, &err) == 0 && t == OID_FLOAT8);
	CHECK(params[0] == OID_VECTOR);
	CHECK(eval_type(&c, parse_expr("id = $2"), &t, &tm, &err) == 0 && t == OID_BOOL);
	CHECK(params[1] == OID_INT8);
	CHECK(eval_type(&c, parse_expr("$3::real[]"), &t, &tm, &err) == 0 && t == OID_FLOAT4_ARRAY);
	CHECK(params[2] == OID_FLOAT4_ARRAY);
	CHECK(eval_type(&c, parse_expr("$4"), &t, &tm, &err) == -1 && strcmp(err.sqlstate, "42P02") == 0);
}

static void test_hostile_nesting_is_refused(void)
{
	/* Deeper than the evaluator allows but within the parser's limit. */
	size_t depth = 1200;
	char *q = arena_alloc(&a, depth * 4 + 16);
	size_t n = 0;
	for (size_t i = 0; i < depth; i++)
		n += (size_t)sprintf(q + n, "-(");
	n += (size_t)sprintf(q + n, "1");
	for (size_t i = 0; i < depth; i++)
		q[n++] = ')';
	q[n] = 0;
	char *sel = arena_printf(&a, "SELECT %s", q);
	sql_stmt *st;
	size_t ns;
	sql_error err;
	if (sql_parse(&a, sel, &st, &ns, &err) != 0) {
		CHECK(strcmp(err.sqlstate, "54001") == 0); /* refused by the parser: also fine */
		return;
	}
	eval_ctx c = {0};
	c.a = &a;
	value v;
	CHECK(eval_expr(&c, st[0].u.select.targets[0].expr, &v, &err) == -1);
	CHECK(strcmp(err.sqlstate, "54001") == 0);
}

TEST_MAIN(TEST(test_vector_distance_operators_match_pgvector), TEST(test_vector_functions),
	  TEST(test_vector_errors), TEST(test_three_valued_logic), TEST(test_arithmetic_and_errors),
	  TEST(test_text_functions_and_like), TEST(test_jsonb_operators),
	  TEST(test_columns_come_from_the_row), TEST(test_parameter_types_follow_context),
	  TEST(test_hostile_nesting_is_refused))
