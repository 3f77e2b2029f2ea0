/* Row filters: validation against a table, then evaluation as a stack
 * machine over truth values (SQL three-valued logic). */
#include "filter.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

/* SQL truth values. */
enum { TV_FALSE = 0, TV_TRUE = 1, TV_UNKNOWN = 2 };

/* value_cmp's answer when the values do not compare (a NULL, or kinds that
 * do not meet); otherwise it returns -1, 0 or 1. */
#define CMP_UNKNOWN 2

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return OMEN_EINVAL;
}

static bool is_null(const Omendb__Value *v)
{
	return v == NULL || v->kind_case == OMENDB__VALUE__KIND__NOT_SET;
}

static bool is_number(const Omendb__Value *v)
{
	return v->kind_case == OMENDB__VALUE__KIND_INT_VALUE ||
	       v->kind_case == OMENDB__VALUE__KIND_FLOAT_VALUE;
}

static double as_double(const Omendb__Value *v)
{
	return v->kind_case == OMENDB__VALUE__KIND_INT_VALUE ? (double)v->int_value : v->float_value;
}

/* PostgreSQL's float8 order (float8_cmp_internal): NaN equals NaN and sorts
 * above every other value, so that sorting and btree indexes are total. */
static int double_cmp(double a, double b)
{
	if (isnan(a))
		return isnan(b) ? 0 : 1;
	if (isnan(b))
		return -1;
	return (a > b) - (a < b);
}

/* C collation: byte order, a proper prefix first. */
static int text_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int c = memcmp(a, b, la < lb ? la : lb);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return (la > lb) - (la < lb);
}

static int value_cmp(const Omendb__Value *a, const Omendb__Value *b)
{
	if (is_null(a) || is_null(b))
		return CMP_UNKNOWN;
	if (is_number(a) && is_number(b)) {
		/* int64 against int64 stays exact; anything else goes through
		 * float8, as PostgreSQL casts int8 to float8 to compare them. */
		if (a->kind_case == OMENDB__VALUE__KIND_INT_VALUE &&
		    b->kind_case == OMENDB__VALUE__KIND_INT_VALUE)
			return (a->int_value > b->int_value) - (a->int_value < b->int_value);
		return double_cmp(as_double(a), as_double(b));
	}
	if (a->kind_case != b->kind_case)
		return CMP_UNKNOWN;
	switch (a->kind_case) {
	case OMENDB__VALUE__KIND_TEXT_VALUE:
		if (a->text_value == NULL || b->text_value == NULL)
			return CMP_UNKNOWN;
		return text_cmp(a->text_value, b->text_value);
	case OMENDB__VALUE__KIND_BOOL_VALUE:
		return (a->bool_value != 0) - (b->bool_value != 0);
	default:
		return CMP_UNKNOWN;
	}
}

static int compare_truth(Omendb__FilterOp op, int c)
{
	if (c == CMP_UNKNOWN)
		return TV_UNKNOWN;
	bool r;
	switch (op) {
	case OMENDB__FILTER_OP__FILTER_EQ:
		r = c == 0;
		break;
	case OMENDB__FILTER_OP__FILTER_NE:
		r = c != 0;
		break;
	case OMENDB__FILTER_OP__FILTER_LT:
		r = c < 0;
		break;
	case OMENDB__FILTER_OP__FILTER_LE:
		r = c <= 0;
		break;
	case OMENDB__FILTER_OP__FILTER_GT:
		r = c > 0;
		break;
	default: /* FILTER_GE */
		r = c >= 0;
		break;
	}
	return r ? TV_TRUE : TV_FALSE;
}

/* SQL's IN: TRUE if any element equals x, else UNKNOWN if any comparison
 * was (x is NULL, or an element is), else FALSE. */
static int in_truth(const Omendb__Value *x, const Omendb__FilterNode *n)
{
	int r = TV_FALSE;
	for (size_t i = 0; i < n->n_values; i++) {
		int c = value_cmp(x, n->values[i]);
		if (c == 0)
			return TV_TRUE;
		if (c == CMP_UNKNOWN)
			r = TV_UNKNOWN;
	}
	return r;
}

/* Kleene's AND and OR. */
static int and_truth(int a, int b)
{
	if (a == TV_FALSE || b == TV_FALSE)
		return TV_FALSE;
	return a == TV_UNKNOWN || b == TV_UNKNOWN ? TV_UNKNOWN : TV_TRUE;
}

static int or_truth(int a, int b)
{
	if (a == TV_TRUE || b == TV_TRUE)
		return TV_TRUE;
	return a == TV_UNKNOWN || b == TV_UNKNOWN ? TV_UNKNOWN : TV_FALSE;
}

static const Omendb__Value *row_cell(const Omendb__Row *row, uint32_t column)
{
	if (row == NULL || column >= row->n_values)
		return NULL;
	return row->values[column];
}

static const char *op_name(Omendb__FilterOp op)
{
	static const char *const names[] = {
	    "=", "<>", "<", "<=", ">", ">=", "IN", "IS NULL", "AND", "OR", "NOT"};
	return names[op];
}

static const char *type_name(Omendb__ColumnType t)
{
	switch (t) {
	case OMENDB__COLUMN_TYPE__COLUMN_BIGINT:
		return "bigint";
	case OMENDB__COLUMN_TYPE__COLUMN_INTEGER:
		return "integer";
	case OMENDB__COLUMN_TYPE__COLUMN_REAL:
		return "real";
	case OMENDB__COLUMN_TYPE__COLUMN_DOUBLE:
		return "double precision";
	case OMENDB__COLUMN_TYPE__COLUMN_TEXT:
		return "text";
	case OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN:
		return "boolean";
	case OMENDB__COLUMN_TYPE__COLUMN_JSONB:
		return "jsonb";
	case OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ:
		return "timestamptz";
	case OMENDB__COLUMN_TYPE__COLUMN_VECTOR:
		return "vector";
	default:
		return "unspecified";
	}
}

static const char *kind_name(const Omendb__Value *v)
{
	switch (v->kind_case) {
	case OMENDB__VALUE__KIND_INT_VALUE:
		return "an integer";
	case OMENDB__VALUE__KIND_FLOAT_VALUE:
		return "a float";
	case OMENDB__VALUE__KIND_TEXT_VALUE:
		return "a text";
	case OMENDB__VALUE__KIND_BOOL_VALUE:
		return "a boolean";
	case OMENDB__VALUE__KIND_JSONB_VALUE:
		return "a jsonb";
	case OMENDB__VALUE__KIND_VECTOR_VALUE:
		return "a vector";
	default:
		return "an unknown";
	}
}

static bool kind_fits(Omendb__ColumnType t, const Omendb__Value *v)
{
	switch (v->kind_case) {
	case OMENDB__VALUE__KIND__NOT_SET:
		return true;
	case OMENDB__VALUE__KIND_INT_VALUE:
	case OMENDB__VALUE__KIND_FLOAT_VALUE:
		return t == OMENDB__COLUMN_TYPE__COLUMN_BIGINT || t == OMENDB__COLUMN_TYPE__COLUMN_INTEGER ||
		       t == OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ ||
		       t == OMENDB__COLUMN_TYPE__COLUMN_REAL || t == OMENDB__COLUMN_TYPE__COLUMN_DOUBLE;
	case OMENDB__VALUE__KIND_TEXT_VALUE:
		return t == OMENDB__COLUMN_TYPE__COLUMN_TEXT && v->text_value != NULL;
	case OMENDB__VALUE__KIND_BOOL_VALUE:
		return t == OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN;
	default:
		return false;
	}
}

/* The checks of one leaf (comparison, IN, IS NULL) against its column. */
static int check_leaf(size_t i, const Omendb__FilterNode *n, const Omendb__TableDef *t, char *err,
		      size_t errlen)
{
	if (n->column >= t->n_columns)
		return fail(err, errlen,
			    "filter node %zu: column %" PRIu32 " does not exist (table has %zu columns)", i,
			    n->column, t->n_columns);
	const Omendb__Column *col = t->columns[n->column];
	if (n->op == OMENDB__FILTER_OP__FILTER_IS_NULL) {
		if (n->n_values != 0)
			return fail(err, errlen, "filter node %zu: IS NULL takes no values, got %zu", i,
				    n->n_values);
		return OMEN_OK;
	}
	if (n->op == OMENDB__FILTER_OP__FILTER_IN) {
		if (n->n_values < 1 || n->n_values > FILTER_MAX_IN_VALUES)
			return fail(err, errlen, "filter node %zu: IN takes 1 to %d values, got %zu", i,
				    FILTER_MAX_IN_VALUES, n->n_values);
	} else if (n->n_values != 1) {
		return fail(err, errlen, "filter node %zu: %s takes exactly one value, got %zu", i,
			    op_name(n->op), n->n_values);
	}
	switch (col->type) {
	case OMENDB__COLUMN_TYPE__COLUMN_VECTOR:
		return fail(err, errlen,
			    "filter node %zu: column %" PRIu32
			    " is a vector column; only IS NULL applies to it",
			    i, n->column);
	case OMENDB__COLUMN_TYPE__COLUMN_JSONB:
		return fail(
		    err, errlen,
		    "filter node %zu: column %" PRIu32
		    " is jsonb; comparisons on jsonb are not supported in this version (only IS NULL)",
		    i, n->column);
	case OMENDB__COLUMN_TYPE__COLUMN_BIGINT:
	case OMENDB__COLUMN_TYPE__COLUMN_INTEGER:
	case OMENDB__COLUMN_TYPE__COLUMN_REAL:
	case OMENDB__COLUMN_TYPE__COLUMN_DOUBLE:
	case OMENDB__COLUMN_TYPE__COLUMN_TEXT:
	case OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN:
	case OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ:
		break;
	default:
		return fail(err, errlen, "filter node %zu: column %" PRIu32 " has no comparable type", i,
			    n->column);
	}
	for (size_t k = 0; k < n->n_values; k++) {
		const Omendb__Value *v = n->values[k];
		if (v == NULL)
			return fail(err, errlen, "filter node %zu: value %zu is missing", i, k);
		if (!kind_fits(col->type, v))
			return fail(err, errlen,
				    "filter node %zu: %s value cannot be compared with column %" PRIu32
				    " (%s)",
				    i, kind_name(v), n->column, type_name(col->type));
	}
	return OMEN_OK;
}

int filter_validate(const Omendb__Filter *f, const Omendb__TableDef *t, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (f == NULL || f->n_nodes == 0)
		return OMEN_OK;
	if (f->n_nodes > FILTER_MAX_NODES)
		return fail(err, errlen, "filter has %zu nodes; at most %d are allowed", f->n_nodes,
			    FILTER_MAX_NODES);
	size_t depth = 0; /* values the program would have on its stack */
	for (size_t i = 0; i < f->n_nodes; i++) {
		const Omendb__FilterNode *n = f->nodes[i];
		if (n == NULL)
			return fail(err, errlen, "filter node %zu is missing", i);
		/* The wire carries any int32 here: protobuf-c keeps unknown enum values. */
		if ((int)n->op < OMENDB__FILTER_OP__FILTER_EQ || (int)n->op > OMENDB__FILTER_OP__FILTER_NOT)
			return fail(err, errlen, "filter node %zu: unknown op %d", i, (int)n->op);
		int rc;
		switch (n->op) {
		case OMENDB__FILTER_OP__FILTER_AND:
		case OMENDB__FILTER_OP__FILTER_OR:
			if (n->arity < 2)
				return fail(err, errlen, "filter node %zu: %s needs arity >= 2, got %" PRIu32,
					    i, op_name(n->op), n->arity);
			if (n->n_values != 0)
				return fail(err, errlen, "filter node %zu: %s takes no values", i,
					    op_name(n->op));
			if (n->arity > depth)
				return fail(err, errlen,
					    "filter node %zu: %s pops %" PRIu32
					    " operands but only %zu are on the stack",
					    i, op_name(n->op), n->arity, depth);
			depth = depth - n->arity + 1;
			break;
		case OMENDB__FILTER_OP__FILTER_NOT:
			if (n->n_values != 0)
				return fail(err, errlen, "filter node %zu: NOT takes no values", i);
			if (depth < 1)
				return fail(err, errlen, "filter node %zu: NOT has no operand on the stack",
					    i);
			break;
		default:
			rc = check_leaf(i, n, t, err, errlen);
			if (rc != OMEN_OK)
				return rc;
			depth++;
			break;
		}
	}
	if (depth != 1)
		return fail(err, errlen,
			    "filter program leaves %zu values on the stack; it must leave exactly one",
			    depth);
	return OMEN_OK;
}

bool filter_match(const Omendb__Filter *f, const Omendb__Row *row)
{
	if (f == NULL || f->n_nodes == 0)
		return true;
	if (f->n_nodes > FILTER_MAX_NODES)
		return false;
	/* Each node pushes at most one value, so the stack cannot overflow;
	 * the underflow checks keep unvalidated programs memory-safe. */
	unsigned char stack[FILTER_MAX_NODES];
	size_t depth = 0;
	for (size_t i = 0; i < f->n_nodes; i++) {
		const Omendb__FilterNode *n = f->nodes[i];
		const Omendb__Value *x;
		int r;
		switch (n->op) {
		case OMENDB__FILTER_OP__FILTER_EQ:
		case OMENDB__FILTER_OP__FILTER_NE:
		case OMENDB__FILTER_OP__FILTER_LT:
		case OMENDB__FILTER_OP__FILTER_LE:
		case OMENDB__FILTER_OP__FILTER_GT:
		case OMENDB__FILTER_OP__FILTER_GE:
			x = row_cell(row, n->column);
			r = compare_truth(n->op, value_cmp(x, n->n_values > 0 ? n->values[0] : NULL));
			stack[depth++] = (unsigned char)r;
			break;
		case OMENDB__FILTER_OP__FILTER_IN:
			stack[depth++] = (unsigned char)in_truth(row_cell(row, n->column), n);
			break;
		case OMENDB__FILTER_OP__FILTER_IS_NULL:
			stack[depth++] = is_null(row_cell(row, n->column)) ? TV_TRUE : TV_FALSE;
			break;
		case OMENDB__FILTER_OP__FILTER_AND:
		case OMENDB__FILTER_OP__FILTER_OR: {
			if (n->arity < 1 || n->arity > depth)
				return false;
			bool is_and = n->op == OMENDB__FILTER_OP__FILTER_AND;
			r = is_and ? TV_TRUE : TV_FALSE;
			for (size_t k = depth - n->arity; k < depth; k++)
				r = is_and ? and_truth(r, stack[k]) : or_truth(r, stack[k]);
			depth -= n->arity;
			stack[depth++] = (unsigned char)r;
			break;
		}
		case OMENDB__FILTER_OP__FILTER_NOT:
			if (depth < 1)
				return false;
			if (stack[depth - 1] != TV_UNKNOWN)
				stack[depth - 1] = stack[depth - 1] == TV_TRUE ? TV_FALSE : TV_TRUE;
			break;
		default:
			return false;
		}
	}
	return depth == 1 && stack[0] == TV_TRUE;
}
