/* Row filters: every op, SQL's three-valued logic (NULL cells and NULL
 * values, IN with NULL, Kleene AND/OR/NOT), PostgreSQL's number and NaN
 * ordering, C-collation text, and rejection of malformed programs. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "filter.h"
#include "test.h"

/* The test table's columns. */
enum { C_ID, C_SCORE, C_NAME, C_FLAG, C_EMB, C_META, C_N, C_TS, C_R, NCOLS };

static const Omendb__TableDef *test_table(void)
{
	static const struct {
		const char *name;
		Omendb__ColumnType type;
		uint32_t dim;
	} defs[NCOLS] = {
	    {"id", OMENDB__COLUMN_TYPE__COLUMN_BIGINT, 0},
	    {"score", OMENDB__COLUMN_TYPE__COLUMN_DOUBLE, 0},
	    {"name", OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0},
	    {"flag", OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN, 0},
	    {"emb", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, 3},
	    {"meta", OMENDB__COLUMN_TYPE__COLUMN_JSONB, 0},
	    {"n", OMENDB__COLUMN_TYPE__COLUMN_INTEGER, 0},
	    {"ts", OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ, 0},
	    {"r", OMENDB__COLUMN_TYPE__COLUMN_REAL, 0},
	};
	static Omendb__Column cols[NCOLS];
	static Omendb__Column *ptrs[NCOLS];
	static Omendb__TableDef t = OMENDB__TABLE_DEF__INIT;
	for (size_t i = 0; i < NCOLS; i++) {
		omendb__column__init(&cols[i]);
		cols[i].name = (char *)defs[i].name;
		cols[i].type = defs[i].type;
		cols[i].dim = defs[i].dim;
		ptrs[i] = &cols[i];
	}
	t.name = (char *)"t";
	t.n_columns = NCOLS;
	t.columns = ptrs;
	return &t;
}

static Omendb__Value vnull(void)
{
	Omendb__Value v = OMENDB__VALUE__INIT;
	return v;
}

static Omendb__Value vint(int64_t x)
{
	Omendb__Value v = OMENDB__VALUE__INIT;
	v.kind_case = OMENDB__VALUE__KIND_INT_VALUE;
	v.int_value = x;
	return v;
}

static Omendb__Value vflt(double x)
{
	Omendb__Value v = OMENDB__VALUE__INIT;
	v.kind_case = OMENDB__VALUE__KIND_FLOAT_VALUE;
	v.float_value = x;
	return v;
}

static Omendb__Value vtxt(const char *s)
{
	Omendb__Value v = OMENDB__VALUE__INIT;
	v.kind_case = OMENDB__VALUE__KIND_TEXT_VALUE;
	v.text_value = (char *)s;
	return v;
}

static Omendb__Value vbool(bool b)
{
	Omendb__Value v = OMENDB__VALUE__INIT;
	v.kind_case = OMENDB__VALUE__KIND_BOOL_VALUE;
	v.bool_value = b;
	return v;
}

static Omendb__Value vvec(void)
{
	static float xs[3] = {1, 2, 3};
	static Omendb__Vector vec = OMENDB__VECTOR__INIT;
	vec.n_values = 3;
	vec.values = xs;
	Omendb__Value v = OMENDB__VALUE__INIT;
	v.kind_case = OMENDB__VALUE__KIND_VECTOR_VALUE;
	v.vector_value = &vec;
	return v;
}

/* The program under test: nodes and their values live in fixed arrays. */
#define MAX_NODES 300
#define MAX_VALUES 2100
static struct {
	Omendb__Filter f;
	Omendb__FilterNode nodes[MAX_NODES];
	Omendb__FilterNode *node_ptrs[MAX_NODES];
	Omendb__Value values[MAX_VALUES];
	Omendb__Value *value_ptrs[MAX_VALUES];
	size_t n_values;
} prog;

/* The row under test: every column's cell, NULL until set. */
static Omendb__Value cells[NCOLS];
static Omendb__Value *cell_ptrs[NCOLS];
static Omendb__Row row = OMENDB__ROW__INIT;

static void reset(void)
{
	omendb__filter__init(&prog.f);
	prog.f.nodes = prog.node_ptrs;
	prog.n_values = 0;
	omendb__row__init(&row);
	for (size_t i = 0; i < NCOLS; i++) {
		cells[i] = vnull();
		cell_ptrs[i] = &cells[i];
	}
	row.n_values = NCOLS;
	row.values = cell_ptrs;
	cells[C_ID] = vint(1);
}

static void node(int op, uint32_t column, size_t n, const Omendb__Value *vs, uint32_t arity)
{
	Omendb__FilterNode *nd = &prog.nodes[prog.f.n_nodes];
	omendb__filter_node__init(nd);
	nd->op = (Omendb__FilterOp)op;
	nd->column = column;
	nd->arity = arity;
	nd->n_values = n;
	nd->values = &prog.value_ptrs[prog.n_values];
	for (size_t i = 0; i < n; i++) {
		prog.values[prog.n_values] = vs[i];
		prog.value_ptrs[prog.n_values] = &prog.values[prog.n_values];
		prog.n_values++;
	}
	prog.node_ptrs[prog.f.n_nodes++] = nd;
}

static void cmp(Omendb__FilterOp op, uint32_t column, Omendb__Value v)
{
	node(op, column, 1, &v, 0);
}

static void in(uint32_t column, size_t n, const Omendb__Value *vs)
{
	node(OMENDB__FILTER_OP__FILTER_IN, column, n, vs, 0);
}

static void is_null(uint32_t column)
{
	node(OMENDB__FILTER_OP__FILTER_IS_NULL, column, 0, NULL, 0);
}

static void and_(uint32_t arity)
{
	node(OMENDB__FILTER_OP__FILTER_AND, 0, 0, NULL, arity);
}

static void or_(uint32_t arity)
{
	node(OMENDB__FILTER_OP__FILTER_OR, 0, 0, NULL, arity);
}

static void not_(void)
{
	node(OMENDB__FILTER_OP__FILTER_NOT, 0, 0, NULL, 0);
}

/* Leaves of known truth on the reset row (id = 1). */
static void push(char truth)
{
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_ID, truth == 'T' ? vint(1) : truth == 'F' ? vint(2) : vnull());
}

/* Validates the program, which must be valid, and matches the row. */
static bool passes(void)
{
	char err[256];
	int rc = filter_validate(&prog.f, test_table(), err, sizeof err);
	if (rc != OMEN_OK)
		fprintf(stderr, "unexpected rejection: %s\n", err);
	CHECK_EQ_INT(rc, OMEN_OK);
	return filter_match(&prog.f, &row);
}

/* The program's truth value, 'T', 'F' or 'U'. Only TRUE passes and NOT
 * UNKNOWN is UNKNOWN, so the program and its negation tell the three apart
 * ('?' would mean both passed). */
static char truth(void)
{
	bool p = passes();
	not_();
	bool q = passes();
	prog.f.n_nodes--;
	return p ? (q ? '?' : 'T') : (q ? 'F' : 'U');
}

/* One comparison, cell op literal, on an otherwise NULL row. */
static char compare(Omendb__FilterOp op, uint32_t column, Omendb__Value cell, Omendb__Value literal)
{
	reset();
	cells[column] = cell;
	cmp(op, column, literal);
	return truth();
}

/* op's answers for cells 4, 5 and 6 against the literal 5. */
static void check_orders(Omendb__FilterOp op, const char *expect)
{
	CHECK_EQ_INT(compare(op, C_ID, vint(4), vint(5)), expect[0]);
	CHECK_EQ_INT(compare(op, C_ID, vint(5), vint(5)), expect[1]);
	CHECK_EQ_INT(compare(op, C_ID, vint(6), vint(5)), expect[2]);
}

/* Expects filter_validate to fail with a message containing needle. */
static void check_rejected(const char *needle)
{
	char err[256];
	int rc = filter_validate(&prog.f, test_table(), err, sizeof err);
	CHECK_EQ_INT(rc, OMEN_EINVAL);
	if (strstr(err, needle) == NULL)
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err, needle);
	CHECK(strstr(err, needle) != NULL);
}

static void test_empty_filter_passes_every_row(void)
{
	reset();
	CHECK_EQ_INT(filter_validate(NULL, test_table(), NULL, 0), OMEN_OK);
	CHECK_EQ_INT(filter_validate(&prog.f, test_table(), NULL, 0), OMEN_OK);
	CHECK(filter_match(NULL, &row));
	CHECK(filter_match(&prog.f, &row));
	CHECK(filter_match(&prog.f, NULL));
}

static void test_eq(void)
{
	check_orders(OMENDB__FILTER_OP__FILTER_EQ, "FTF");
}

static void test_ne(void)
{
	check_orders(OMENDB__FILTER_OP__FILTER_NE, "TFT");
}

static void test_lt(void)
{
	check_orders(OMENDB__FILTER_OP__FILTER_LT, "TFF");
}

static void test_le(void)
{
	check_orders(OMENDB__FILTER_OP__FILTER_LE, "TTF");
}

static void test_gt(void)
{
	check_orders(OMENDB__FILTER_OP__FILTER_GT, "FFT");
}

static void test_ge(void)
{
	check_orders(OMENDB__FILTER_OP__FILTER_GE, "FTT");
}

static void test_comparison_with_null_cell_is_unknown(void)
{
	for (int op = OMENDB__FILTER_OP__FILTER_EQ; op <= OMENDB__FILTER_OP__FILTER_GE; op++)
		CHECK_EQ_INT(compare((Omendb__FilterOp)op, C_ID, vnull(), vint(5)), 'U');
}

static void test_comparison_with_null_value_is_unknown(void)
{
	for (int op = OMENDB__FILTER_OP__FILTER_EQ; op <= OMENDB__FILTER_OP__FILTER_GE; op++) {
		CHECK_EQ_INT(compare((Omendb__FilterOp)op, C_ID, vint(5), vnull()), 'U');
		CHECK_EQ_INT(compare((Omendb__FilterOp)op, C_ID, vnull(), vnull()), 'U');
	}
}

static void test_cells_past_a_short_row_are_null(void)
{
	reset();
	row.n_values = 2; /* id and score only */
	is_null(C_N);
	CHECK_EQ_INT(truth(), 'T');
	reset();
	row.n_values = 2;
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_N, vint(0));
	CHECK_EQ_INT(truth(), 'U');
}

static void test_null_cell_pointer_is_null(void)
{
	reset();
	cell_ptrs[C_N] = NULL;
	is_null(C_N);
	CHECK_EQ_INT(truth(), 'T');
}

static void test_in_matches_a_listed_value(void)
{
	const Omendb__Value list[] = {vint(1), vint(3), vint(5)};
	reset();
	cells[C_N] = vint(3);
	in(C_N, 3, list);
	CHECK_EQ_INT(truth(), 'T');
	cells[C_N] = vint(4);
	CHECK_EQ_INT(truth(), 'F');
}

static void test_in_with_null_element_is_true_or_unknown(void)
{
	const Omendb__Value list[] = {vint(1), vnull()};
	reset();
	cells[C_N] = vint(1);
	in(C_N, 2, list);
	CHECK_EQ_INT(truth(), 'T');
	cells[C_N] = vint(2); /* 2 IN (1, NULL) is UNKNOWN, not FALSE */
	CHECK_EQ_INT(truth(), 'U');
}

static void test_in_on_null_cell_is_unknown(void)
{
	const Omendb__Value list[] = {vint(1), vint(2)};
	reset();
	in(C_N, 2, list);
	CHECK_EQ_INT(truth(), 'U');
}

static void test_in_compares_ints_with_floats_and_text(void)
{
	const Omendb__Value nums[] = {vflt(1.5), vint(2)};
	const Omendb__Value words[] = {vtxt("a"), vtxt("b")};
	reset();
	cells[C_SCORE] = vflt(2.0);
	in(C_SCORE, 2, nums);
	CHECK_EQ_INT(truth(), 'T');
	reset();
	cells[C_NAME] = vtxt("b");
	in(C_NAME, 2, words);
	CHECK_EQ_INT(truth(), 'T');
	cells[C_NAME] = vtxt("c");
	CHECK_EQ_INT(truth(), 'F');
}

static void test_is_null_is_never_unknown(void)
{
	reset();
	is_null(C_N);
	CHECK_EQ_INT(truth(), 'T');
	cells[C_N] = vint(0);
	CHECK_EQ_INT(truth(), 'F');
}

static void test_is_null_applies_to_vector_and_jsonb(void)
{
	reset();
	cells[C_EMB] = vvec();
	is_null(C_EMB);
	CHECK_EQ_INT(truth(), 'F');
	reset();
	is_null(C_META);
	CHECK_EQ_INT(truth(), 'T');
}

static void test_and_follows_kleene(void)
{
	static const char tv[] = "TFU";
	static const char *const expect[3] = {"TFU", "FFF", "UFU"};
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			reset();
			push(tv[a]);
			push(tv[b]);
			and_(2);
			CHECK_EQ_INT(truth(), expect[a][b]);
		}
}

static void test_or_follows_kleene(void)
{
	static const char tv[] = "TFU";
	static const char *const expect[3] = {"TTT", "TFU", "TUU"};
	for (int a = 0; a < 3; a++)
		for (int b = 0; b < 3; b++) {
			reset();
			push(tv[a]);
			push(tv[b]);
			or_(2);
			CHECK_EQ_INT(truth(), expect[a][b]);
		}
}

static void test_not_follows_kleene(void)
{
	static const char tv[] = "TFU", expect[] = "FTU";
	for (int a = 0; a < 3; a++) {
		reset();
		push(tv[a]);
		not_();
		CHECK_EQ_INT(truth(), expect[a]);
	}
}

static void test_and_or_take_more_than_two_operands(void)
{
	reset();
	push('T');
	push('T');
	push('T');
	and_(3);
	CHECK_EQ_INT(truth(), 'T');
	reset();
	push('T');
	push('U');
	push('T');
	and_(3);
	CHECK_EQ_INT(truth(), 'U');
	reset();
	push('F');
	push('U');
	push('F');
	push('T');
	or_(4);
	CHECK_EQ_INT(truth(), 'T');
}

/* (id = 1 AND (name = 'x' OR NOT flag = true)) OR n IS NULL */
static void nested_program(void)
{
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_ID, vint(1));
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_NAME, vtxt("x"));
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_FLAG, vbool(true));
	not_();
	or_(2);
	and_(2);
	is_null(C_N);
	or_(2);
}

static void test_nested_program(void)
{
	reset();
	nested_program();
	cells[C_NAME] = vtxt("y");
	cells[C_FLAG] = vbool(false);
	cells[C_N] = vint(5);
	CHECK_EQ_INT(truth(), 'T');
	cells[C_FLAG] = vbool(true);
	CHECK_EQ_INT(truth(), 'F');
	cells[C_NAME] = vnull();
	CHECK_EQ_INT(truth(), 'U');
	cells[C_N] = vnull();
	CHECK_EQ_INT(truth(), 'T');
}

static void test_program_at_node_limit(void)
{
	/* 255 leaves then one AND: 256 nodes, the deepest stack there can be. */
	reset();
	for (int i = 0; i < FILTER_MAX_NODES - 1; i++)
		push('T');
	and_(FILTER_MAX_NODES - 1);
	CHECK(passes());
	prog.nodes[100].values[0]->kind_case = OMENDB__VALUE__KIND__NOT_SET;
	CHECK(!passes());
}

static void test_int_column_compares_with_float_value(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_ID, vint(2), vflt(2.0)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_ID, vint(2), vflt(2.5)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GT, C_ID, vint(3), vflt(2.5)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_N, vint(7), vflt(7.0)), 'T');
}

static void test_float_column_compares_with_int_value(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_SCORE, vflt(2.0), vint(2)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_SCORE, vflt(1.5), vint(2)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GE, C_R, vflt(-0.5), vint(-1)), 'T');
}

static void test_ints_compare_exactly_and_mixed_pairs_as_float8(void)
{
	const int64_t big = (int64_t)1 << 53;
	/* 2^53 + 1 and 2^53 differ as int64 but round to one float8. */
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_ID, vint(big + 1), vint(big)), 'F');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_ID, vint(big + 1), vflt((double)big)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_ID, vint(INT64_MIN), vint(INT64_MAX)), 'T');
}

static void test_nan_equals_nan(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_SCORE, vflt(NAN), vflt(NAN)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_NE, C_SCORE, vflt(NAN), vflt(NAN)), 'F');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GE, C_SCORE, vflt(NAN), vflt(NAN)), 'T');
}

static void test_nan_is_greater_than_every_number(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GT, C_SCORE, vflt(NAN), vflt(INFINITY)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GT, C_SCORE, vflt(NAN), vflt(1e308)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GT, C_SCORE, vflt(NAN), vint(INT64_MAX)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_SCORE, vflt(-INFINITY), vflt(NAN)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_ID, vint(5), vflt(NAN)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_SCORE, vflt(NAN), vflt(0)), 'F');
}

static void test_nan_is_found_by_in(void)
{
	const Omendb__Value list[] = {vflt(1), vflt(NAN)};
	reset();
	cells[C_SCORE] = vflt(NAN);
	in(C_SCORE, 2, list);
	CHECK_EQ_INT(truth(), 'T');
}

static void test_infinities_and_signed_zero(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_SCORE, vflt(-INFINITY), vflt(-1e308)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GT, C_SCORE, vflt(INFINITY), vflt(1e308)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_SCORE, vflt(-0.0), vflt(0.0)), 'T');
}

static void test_text_compares_in_byte_order(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_NAME, vtxt("abc"), vtxt("abc")), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_NAME, vtxt("abc"), vtxt("abd")), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_NAME, vtxt("ab"), vtxt("abc")), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_NAME, vtxt(""), vtxt("a")), 'T');
	/* C collation: upper case before lower case, UTF-8 after ASCII. */
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_NAME, vtxt("Z"), vtxt("a")), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GT, C_NAME, vtxt("\xc3\xa9"), vtxt("z")), 'T');
}

static void test_boolean_false_sorts_before_true(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_FLAG, vbool(false), vbool(true)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_FLAG, vbool(true), vbool(true)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GT, C_FLAG, vbool(true), vbool(false)), 'T');
}

static void test_timestamptz_compares_as_int(void)
{
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_GE, C_TS, vint(1000), vint(999)), 'T');
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_LT, C_TS, vint(-5), vint(0)), 'T');
}

static void test_cell_of_wrong_kind_is_unknown(void)
{
	/* A row that does not fit its table never matches by accident. */
	CHECK_EQ_INT(compare(OMENDB__FILTER_OP__FILTER_EQ, C_NAME, vint(1), vtxt("1")), 'U');
}

static void test_rejects_stack_underflow(void)
{
	reset();
	push('T');
	and_(2);
	check_rejected("filter node 1: AND pops 2 operands but only 1 are on the stack");
	reset();
	not_();
	check_rejected("filter node 0: NOT has no operand");
}

static void test_rejects_leftover_values(void)
{
	reset();
	push('T');
	push('T');
	check_rejected("leaves 2 values");
}

static void test_rejects_arity_below_two(void)
{
	reset();
	push('T');
	push('T');
	and_(1);
	check_rejected("AND needs arity >= 2");
	reset();
	push('T');
	push('T');
	or_(0);
	check_rejected("OR needs arity >= 2");
}

static void test_rejects_missing_column(void)
{
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, 7, vint(1));
	push('T');
	cmp(OMENDB__FILTER_OP__FILTER_EQ, NCOLS, vint(1));
	check_rejected("filter node 2: column 9 does not exist (table has 9 columns)");
	reset();
	is_null(1000);
	check_rejected("column 1000 does not exist");
}

static void test_rejects_wrong_value_kind(void)
{
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_ID, vtxt("1"));
	check_rejected("a text value cannot be compared with column 0 (bigint)");
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_NAME, vint(1));
	check_rejected("an integer value cannot be compared with column 2 (text)");
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_SCORE, vbool(true));
	check_rejected("(double precision)");
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_FLAG, vflt(1));
	check_rejected("(boolean)");
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_ID, vvec());
	check_rejected("a vector value");
	const Omendb__Value list[] = {vint(1), vtxt("2")};
	reset();
	in(C_ID, 2, list);
	check_rejected("a text value");
}

static void test_accepts_null_value_on_every_comparable_column(void)
{
	static const uint32_t comparable[] = {C_ID, C_SCORE, C_NAME, C_FLAG, C_N, C_TS, C_R};
	for (size_t i = 0; i < sizeof comparable / sizeof comparable[0]; i++) {
		reset();
		cmp(OMENDB__FILTER_OP__FILTER_EQ, comparable[i], vnull());
		CHECK_EQ_INT(filter_validate(&prog.f, test_table(), NULL, 0), OMEN_OK);
	}
}

static void test_rejects_vector_column_comparison(void)
{
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_EMB, vnull());
	check_rejected("column 4 is a vector column; only IS NULL applies");
	reset();
	const Omendb__Value list[] = {vvec()};
	in(C_EMB, 1, list);
	check_rejected("vector column");
}

static void test_rejects_jsonb_comparison(void)
{
	reset();
	cmp(OMENDB__FILTER_OP__FILTER_EQ, C_META, vtxt("{}"));
	check_rejected("comparisons on jsonb are not supported in this version");
}

static void test_rejects_too_many_nodes(void)
{
	reset();
	push('T');
	for (int i = 0; i < FILTER_MAX_NODES; i++)
		not_();
	check_rejected("filter has 257 nodes; at most 256");
	CHECK(!filter_match(&prog.f, &row));
}

static void test_rejects_unknown_op(void)
{
	reset();
	node(99, 0, 0, NULL, 0);
	check_rejected("filter node 0: unknown op 99");
	reset();
	node(-1, 0, 0, NULL, 0);
	check_rejected("unknown op -1");
}

static void test_rejects_bad_value_counts(void)
{
	const Omendb__Value two[] = {vint(1), vint(2)};
	reset();
	node(OMENDB__FILTER_OP__FILTER_EQ, C_ID, 0, NULL, 0);
	check_rejected("= takes exactly one value, got 0");
	reset();
	node(OMENDB__FILTER_OP__FILTER_GE, C_ID, 2, two, 0);
	check_rejected(">= takes exactly one value, got 2");
	reset();
	in(C_ID, 0, NULL);
	check_rejected("IN takes 1 to 1024 values, got 0");
	reset();
	node(OMENDB__FILTER_OP__FILTER_IS_NULL, C_ID, 1, two, 0);
	check_rejected("IS NULL takes no values");
	reset();
	push('T');
	push('T');
	node(OMENDB__FILTER_OP__FILTER_AND, 0, 1, two, 2);
	check_rejected("AND takes no values");
	reset();
	push('T');
	node(OMENDB__FILTER_OP__FILTER_NOT, 0, 1, two, 0);
	check_rejected("NOT takes no values");
}

static void test_in_list_limit(void)
{
	static Omendb__Value list[FILTER_MAX_IN_VALUES + 1];
	for (size_t i = 0; i < FILTER_MAX_IN_VALUES + 1; i++)
		list[i] = vint((int64_t)i);
	reset();
	in(C_ID, FILTER_MAX_IN_VALUES, list);
	CHECK(passes()); /* id 1 is in 0..1023 */
	reset();
	in(C_ID, FILTER_MAX_IN_VALUES + 1, list);
	check_rejected("IN takes 1 to 1024 values, got 1025");
}

static void test_error_message_fits_errlen(void)
{
	char err[8];
	memset(err, 'x', sizeof err);
	reset();
	not_();
	CHECK_EQ_INT(filter_validate(&prog.f, test_table(), err, sizeof err), OMEN_EINVAL);
	CHECK_EQ_INT(strlen(err), 7);
	CHECK_EQ_INT(filter_validate(&prog.f, test_table(), NULL, 0), OMEN_EINVAL);
}

static void test_match_rejects_unvalidated_programs_safely(void)
{
	reset();
	push('T');
	and_(5);
	CHECK(!filter_match(&prog.f, &row));
	reset();
	not_();
	CHECK(!filter_match(&prog.f, &row));
	reset();
	node(99, 0, 0, NULL, 0);
	CHECK(!filter_match(&prog.f, &row));
	reset();
	push('T');
	push('T');
	CHECK(!filter_match(&prog.f, &row));
}

TEST_MAIN(TEST(test_empty_filter_passes_every_row), TEST(test_eq), TEST(test_ne), TEST(test_lt),
	  TEST(test_le), TEST(test_gt), TEST(test_ge), TEST(test_comparison_with_null_cell_is_unknown),
	  TEST(test_comparison_with_null_value_is_unknown), TEST(test_cells_past_a_short_row_are_null),
	  TEST(test_null_cell_pointer_is_null), TEST(test_in_matches_a_listed_value),
	  TEST(test_in_with_null_element_is_true_or_unknown), TEST(test_in_on_null_cell_is_unknown),
	  TEST(test_in_compares_ints_with_floats_and_text), TEST(test_is_null_is_never_unknown),
	  TEST(test_is_null_applies_to_vector_and_jsonb), TEST(test_and_follows_kleene),
	  TEST(test_or_follows_kleene), TEST(test_not_follows_kleene),
	  TEST(test_and_or_take_more_than_two_operands), TEST(test_nested_program),
	  TEST(test_program_at_node_limit), TEST(test_int_column_compares_with_float_value),
	  TEST(test_float_column_compares_with_int_value),
	  TEST(test_ints_compare_exactly_and_mixed_pairs_as_float8), TEST(test_nan_equals_nan),
	  TEST(test_nan_is_greater_than_every_number), TEST(test_nan_is_found_by_in),
	  TEST(test_infinities_and_signed_zero), TEST(test_text_compares_in_byte_order),
	  TEST(test_boolean_false_sorts_before_true), TEST(test_timestamptz_compares_as_int),
	  TEST(test_cell_of_wrong_kind_is_unknown), TEST(test_rejects_stack_underflow),
	  TEST(test_rejects_leftover_values), TEST(test_rejects_arity_below_two),
	  TEST(test_rejects_missing_column), TEST(test_rejects_wrong_value_kind),
	  TEST(test_accepts_null_value_on_every_comparable_column),
	  TEST(test_rejects_vector_column_comparison), TEST(test_rejects_jsonb_comparison),
	  TEST(test_rejects_too_many_nodes), TEST(test_rejects_unknown_op),
	  TEST(test_rejects_bad_value_counts), TEST(test_in_list_limit), TEST(test_error_message_fits_errlen),
	  TEST(test_match_rejects_unvalidated_programs_safely))
