#include "eval.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "vector.h"

#define EVAL_MAX_DEPTH 1000

void eval_error(sql_error *err, const char *sqlstate, int location, const char *fmt, ...)
{
	memcpy(err->sqlstate, sqlstate, 5);
	err->sqlstate[5] = 0;
	err->table[0] = err->column[0] = err->constraint[0] = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	err->position = location >= 0 ? location + 1 : 0;
}

static int from_value_error(sql_error *err, const value_error *ve, int location)
{
	eval_error(err, ve->sqlstate, location, "%s", ve->message);
	return -1;
}

static int oom(sql_error *err)
{
	eval_error(err, "53200", -1, "out of memory");
	return -1;
}

static bool is_int(pg_oid t)
{
	return t == OID_INT2 || t == OID_INT4 || t == OID_INT8 || t == OID_OID;
}

static bool is_number(pg_oid t)
{
	return is_int(t) || t == OID_FLOAT4 || t == OID_FLOAT8 || t == OID_NUMERIC;
}

static bool is_text(pg_oid t)
{
	return t == OID_TEXT || t == OID_VARCHAR || t == OID_NAME || t == OID_BPCHAR || t == OID_UNKNOWN ||
	       t == OID_CHAR;
}

static double as_double(const value *v)
{
	return is_int(v->type) ? (double)v->u.i : v->u.f;
}

int eval_column_index(const eval_scope *s, const sql_expr *e)
{
	if (s == NULL || e->name == NULL)
		return -1;
	if (e->qualifier != NULL && !(s->table && strcmp(e->qualifier, s->table) == 0) &&
	    !(s->alias && strcmp(e->qualifier, s->alias) == 0))
		return -1;
	for (size_t i = 0; i < s->ncols; i++)
		if (strcmp(s->names[i], e->name) == 0)
			return (int)i;
	return -1;
}

/* PostgreSQL's FigureColname: strength 2 for a column or function name,
 * 1 for a type name from a cast, 0 for none. */
static const char *column_name(const sql_expr *e, int *strength)
{
	*strength = 2;
	switch (e->kind) {
	case SQL_COLUMN:
	case SQL_FUNC:
	case SQL_SQLFUNC:
		return e->name;
	case SQL_CAST: {
		const char *inner = column_name(e->args[0], strength);
		if (*strength <= 1 && e->cast.name) {
			*strength = 1;
			return e->cast.name;
		}
		return inner;
	}
	case SQL_COALESCE:
		return "coalesce";
	case SQL_CASE:
		*strength = 1;
		return "case";
	case SQL_ARRAY:
		return "array";
	case SQL_SUBQUERY:
		if (e->name && strcmp(e->name, "exists") == 0)
			return "exists";
		break;
	default:
		break;
	}
	*strength = 0;
	return "?column?";
}

const char *eval_column_name(const sql_expr *e)
{
	int strength;
	return column_name(e, &strength);
}

/* --- types --- */

static pg_oid number_result(pg_oid l, pg_oid r)
{
	if (l == OID_FLOAT8 || r == OID_FLOAT8 || l == OID_FLOAT4 || r == OID_FLOAT4)
		return (l == OID_FLOAT4 && r == OID_FLOAT4) ? OID_FLOAT4 : OID_FLOAT8;
	if (l == OID_NUMERIC || r == OID_NUMERIC)
		return OID_NUMERIC;
	if (l == OID_INT8 || r == OID_INT8)
		return OID_INT8;
	if (l == OID_INT4 || r == OID_INT4 || l == OID_OID || r == OID_OID)
		return OID_INT4;
	return OID_INT2;
}

static bool is_comparison(const char *op)
{
	return strcmp(op, "=") == 0 || strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0 ||
	       strcmp(op, "<") == 0 || strcmp(op, "<=") == 0 || strcmp(op, ">") == 0 || strcmp(op, ">=") == 0;
}

static bool is_distance_op(const char *op)
{
	return strcmp(op, "<->") == 0 || strcmp(op, "<#>") == 0 || strcmp(op, "<=>") == 0 ||
	       strcmp(op, "<+>") == 0;
}

/* A parameter's type set from its context, when still unknown. */
static void hint_param(eval_ctx *c, const sql_expr *e, pg_oid t)
{
	if (e->kind == SQL_PARAM && e->param >= 1 && (size_t)e->param <= c->nparams && c->param_types &&
	    (c->param_types[e->param - 1] == 0 || c->param_types[e->param - 1] == OID_UNKNOWN) && t != 0 &&
	    t != OID_UNKNOWN)
		c->param_types[e->param - 1] = t;
}

static int type_of(eval_ctx *c, const sql_expr *e, pg_oid *t, int32_t *tm, sql_error *err, int depth);

/* The operand types of a binary operator, each side's untyped parameter or
 * literal taking the other side's type. */
static int binary_types(eval_ctx *c, const sql_expr *e, pg_oid *l, pg_oid *r, sql_error *err, int depth)
{
	int32_t tm;
	if (type_of(c, e->args[0], l, &tm, err, depth) || type_of(c, e->args[1], r, &tm, err, depth))
		return -1;
	const char *op = e->name;
	bool json_key = strcmp(op, "->") == 0 || strcmp(op, "->>") == 0;
	if (*l == OID_UNKNOWN && *r != OID_UNKNOWN && !json_key) {
		hint_param(c, e->args[0], *r);
		*l = *r;
	} else if (*r == OID_UNKNOWN && *l != OID_UNKNOWN && !json_key) {
		pg_oid want = *l;
		if (strcmp(op, "@>") == 0 || strcmp(op, "<@") == 0)
			want = *l;
		hint_param(c, e->args[1], want);
		*r = want;
	} else if (*l == OID_UNKNOWN && *r == OID_UNKNOWN && is_distance_op(op)) {
		hint_param(c, e->args[0], OID_VECTOR);
		hint_param(c, e->args[1], OID_VECTOR);
		*l = *r = OID_VECTOR;
	}
	if (json_key && *r == OID_UNKNOWN) {
		hint_param(c, e->args[1], OID_TEXT);
		*r = OID_TEXT;
	}
	return 0;
}

static int op_type(eval_ctx *c, const sql_expr *e, pg_oid *t, sql_error *err, int depth)
{
	const char *op = e->name;
	if (e->nargs == 1) {
		int32_t tm;
		if (type_of(c, e->args[0], t, &tm, err, depth))
			return -1;
		if (*t == OID_UNKNOWN)
			*t = OID_NUMERIC;
		if (strcmp(op, "-") == 0 || strcmp(op, "+") == 0 || strcmp(op, "@") == 0) {
			if (is_number(*t))
				return 0;
		}
		eval_error(err, "42883", e->location, "operator does not exist: %s %s", op,
			   value_type_name(*t));
		return -1;
	}
	pg_oid l, r;
	if (binary_types(c, e, &l, &r, err, depth))
		return -1;
	size_t n = strlen(op);
	if (n > 3 && (strcmp(op + n - 3, "ANY") == 0 || strcmp(op + n - 3, "ALL") == 0)) {
		*t = OID_BOOL;
		return 0;
	}
	if (is_comparison(op) || strcmp(op, "IS DISTINCT FROM") == 0 ||
	    strcmp(op, "IS NOT DISTINCT FROM") == 0 || strcmp(op, "~~") == 0 || strcmp(op, "!~~") == 0 ||
	    strcmp(op, "~~*") == 0 || strcmp(op, "!~~*") == 0 || strcmp(op, "~") == 0 ||
	    strcmp(op, "!~") == 0 || strcmp(op, "~*") == 0 || strcmp(op, "!~*") == 0) {
		*t = OID_BOOL;
		return 0;
	}
	if (is_distance_op(op) && l == OID_VECTOR && r == OID_VECTOR) {
		*t = OID_FLOAT8;
		return 0;
	}
	if ((strcmp(op, "+") == 0 || strcmp(op, "-") == 0 || strcmp(op, "*") == 0 || strcmp(op, "||") == 0) &&
	    l == OID_VECTOR && r == OID_VECTOR) {
		*t = OID_VECTOR;
		return 0;
	}
	if (strcmp(op, "||") == 0 && (is_text(l) || is_text(r))) {
		*t = OID_TEXT;
		return 0;
	}
	if ((strcmp(op, "+") == 0 || strcmp(op, "-") == 0 || strcmp(op, "*") == 0 || strcmp(op, "/") == 0 ||
	     strcmp(op, "%") == 0) &&
	    is_number(l) && is_number(r)) {
		*t = number_result(l, r);
		return 0;
	}
	if ((l == OID_JSONB || l == OID_JSON) && (strcmp(op, "->") == 0 || strcmp(op, "->>") == 0)) {
		*t = strcmp(op, "->") == 0 ? l : OID_TEXT;
		return 0;
	}
	if (l == OID_JSONB && r == OID_JSONB && (strcmp(op, "@>") == 0 || strcmp(op, "<@") == 0)) {
		*t = OID_BOOL;
		return 0;
	}
	eval_error(err, "42883", e->location, "operator does not exist: %s %s %s", value_type_name(l), op,
		   value_type_name(r));
	return -1;
}

/* Functions known by name: their result type from the argument types. */
static int func_type(eval_ctx *c, const sql_expr *e, pg_oid *t, int32_t *tm, sql_error *err, int depth)
{
	const char *f = e->name;
	pg_oid at[8] = {0};
	for (size_t i = 0; i < e->nargs && i < 8; i++) {
		int32_t m;
		if (type_of(c, e->args[i], &at[i], &m, err, depth))
			return -1;
	}
	*tm = -1;
	if (strcmp(f, "l2_distance") == 0 || strcmp(f, "cosine_distance") == 0 ||
	    strcmp(f, "inner_product") == 0 || strcmp(f, "l1_distance") == 0 ||
	    strcmp(f, "negative_inner_product") == 0) {
		for (size_t i = 0; i < e->nargs && i < 2; i++)
			hint_param(c, e->args[i], OID_VECTOR);
		*t = OID_FLOAT8;
	} else if (strcmp(f, "vector_norm") == 0) {
		hint_param(c, e->args[0], OID_VECTOR);
		*t = OID_FLOAT8;
	} else if (strcmp(f, "vector_dims") == 0) {
		if (e->nargs >= 1)
			hint_param(c, e->args[0], OID_VECTOR);
		*t = OID_INT4;
	} else if (strcmp(f, "l2_normalize") == 0 || strcmp(f, "subvector") == 0) {
		if (e->nargs >= 1)
			hint_param(c, e->args[0], OID_VECTOR);
		for (size_t i = 1; i < e->nargs; i++)
			hint_param(c, e->args[i], OID_INT4);
		*t = OID_VECTOR;
	} else if (strcmp(f, "binary_quantize") == 0) {
		if (e->nargs >= 1)
			hint_param(c, e->args[0], OID_VECTOR);
		*t = OID_BIT;
	} else if (strcmp(f, "count") == 0) {
		*t = OID_INT8;
	} else if (strcmp(f, "sum") == 0) {
		*t = at[0] == OID_INT8 || at[0] == OID_NUMERIC ? OID_NUMERIC
		     : is_int(at[0])			       ? OID_INT8
		     : at[0] == OID_VECTOR		       ? OID_VECTOR
							       : OID_FLOAT8;
	} else if (strcmp(f, "avg") == 0) {
		*t = at[0] == OID_VECTOR		     ? OID_VECTOR
		     : is_int(at[0]) || at[0] == OID_NUMERIC ? OID_NUMERIC
							     : OID_FLOAT8;
	} else if (strcmp(f, "min") == 0 || strcmp(f, "max") == 0) {
		*t = at[0];
	} else if (strcmp(f, "abs") == 0 || strcmp(f, "round") == 0 || strcmp(f, "floor") == 0 ||
		   strcmp(f, "ceil") == 0 || strcmp(f, "sqrt") == 0) {
		*t = strcmp(f, "sqrt") == 0 ? OID_FLOAT8 : at[0] == OID_UNKNOWN ? OID_NUMERIC : at[0];
	} else if (strcmp(f, "lower") == 0 || strcmp(f, "upper") == 0 || strcmp(f, "version") == 0 ||
		   strcmp(f, "current_schema") == 0 || strcmp(f, "current_database") == 0 ||
		   strcmp(f, "current_setting") == 0 || strcmp(f, "set_config") == 0 ||
		   strcmp(f, "format_type") == 0 || strcmp(f, "concat") == 0 || strcmp(f, "replace") == 0 ||
		   strcmp(f, "pg_typeof") == 0 || strcmp(f, "jsonb_typeof") == 0) {
		*t = strcmp(f, "current_schema") == 0 || strcmp(f, "current_database") == 0 ? OID_NAME
											    : OID_TEXT;
		if (strcmp(f, "pg_typeof") == 0)
			*t = OID_REGTYPE;
	} else if (strcmp(f, "length") == 0 || strcmp(f, "char_length") == 0 ||
		   strcmp(f, "array_length") == 0 || strcmp(f, "pg_backend_pid") == 0 ||
		   strcmp(f, "cardinality") == 0) {
		*t = OID_INT4;
	} else if (strcmp(f, "to_regtype") == 0) {
		*t = OID_REGTYPE;
	} else if (strcmp(f, "now") == 0) {
		*t = OID_TIMESTAMPTZ;
	} else if (strcmp(f, "random") == 0) {
		*t = OID_FLOAT8;
	} else if (strcmp(f, "pg_advisory_unlock_all") == 0) {
		*t = OID_VOID;
	} else if (c->hook) {
		int rc = c->hook(c, f, NULL, e->nargs, t, NULL, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			goto unknown;
	} else {
		goto unknown;
	}
	return 0;
unknown:
	eval_error(err, "42883", e->location, "function %s(%s) does not exist", f,
		   e->nargs == 0 ? "" : value_type_name(at[0]));
	return -1;
}

static int type_of(eval_ctx *c, const sql_expr *e, pg_oid *t, int32_t *tm, sql_error *err, int depth)
{
	if (depth > EVAL_MAX_DEPTH) {
		eval_error(err, "54001", e->location, "expression is too deeply nested");
		return -1;
	}
	depth++;
	*tm = -1;
	switch (e->kind) {
	case SQL_CONST:
		*t = e->val.type;
		return 0;
	case SQL_PARAM:
		if (e->param < 1 || (size_t)e->param > c->nparams) {
			eval_error(err, "42P02", e->location, "there is no parameter $%d", e->param);
			return -1;
		}
		*t = c->param_types && c->param_types[e->param - 1] ? c->param_types[e->param - 1]
								    : OID_UNKNOWN;
		return 0;
	case SQL_COLUMN: {
		int i = eval_column_index(c->scope, e);
		if (i < 0 && e->qualifier && strcmp(e->qualifier, "excluded") == 0 && c->scope &&
		    c->scope->excluded) {
			sql_expr copy = *e;
			copy.qualifier = NULL;
			i = eval_column_index(c->scope->excluded, &copy);
		}
		if (i < 0) {
			if (e->qualifier)
				eval_error(err, "42703", e->location, "column %s.%s does not exist",
					   e->qualifier, e->name);
			else
				eval_error(err, "42703", e->location, "column \"%s\" does not exist",
					   e->name);
			return -1;
		}
		*t = c->scope->types[i];
		*tm = c->scope->typmods ? c->scope->typmods[i] : -1;
		return 0;
	}
	case SQL_STAR:
		eval_error(err, "0A000", e->location, "* is only supported in the select list and count(*)");
		return -1;
	case SQL_OP:
		return op_type(c, e, t, err, depth);
	case SQL_FUNC:
		return func_type(c, e, t, tm, err, depth);
	case SQL_CAST: {
		pg_oid in;
		int32_t itm;
		if (e->cast.oid == 0) {
			eval_error(err, "42704", e->location, "type \"%s\" does not exist",
				   e->cast.name ? e->cast.name : "?");
			return -1;
		}
		hint_param(c, e->args[0], e->cast.oid);
		if (type_of(c, e->args[0], &in, &itm, err, depth))
			return -1;
		*t = e->cast.oid;
		*tm = e->cast.typmod;
		return 0;
	}
	case SQL_AND:
	case SQL_OR:
	case SQL_NOT:
	case SQL_IS_NULL:
	case SQL_IS_BOOL:
	case SQL_IN:
		for (size_t i = 0; i < e->nargs; i++) {
			pg_oid at;
			int32_t am;
			if (type_of(c, e->args[i], &at, &am, err, depth))
				return -1;
			if (e->kind == SQL_IN && i > 0 && at == OID_UNKNOWN) {
				pg_oid lt;
				if (type_of(c, e->args[0], &lt, &am, err, depth))
					return -1;
				hint_param(c, e->args[i], lt);
			}
			if ((e->kind == SQL_AND || e->kind == SQL_OR || e->kind == SQL_NOT) &&
			    at == OID_UNKNOWN)
				hint_param(c, e->args[i], OID_BOOL);
		}
		*t = OID_BOOL;
		return 0;
	case SQL_ARRAY: {
		pg_oid et = e->cast.oid;
		for (size_t i = 0; i < e->nargs; i++) {
			pg_oid at;
			int32_t am;
			if (type_of(c, e->args[i], &at, &am, err, depth))
				return -1;
			if (et == 0 || et == OID_UNKNOWN)
				et = at;
			else if (is_number(et) && is_number(at))
				et = number_result(et, at);
		}
		if (et == 0 || et == OID_UNKNOWN)
			et = OID_TEXT;
		*t = value_array_of(et);
		if (*t == 0) {
			eval_error(err, "0A000", e->location, "arrays of %s are not supported",
				   value_type_name(et));
			return -1;
		}
		return 0;
	}
	case SQL_CASE: {
		*t = OID_UNKNOWN;
		size_t pairs = (e->nargs - 2) / 2;
		for (size_t i = 0; i < pairs; i++) {
			pg_oid at;
			int32_t am;
			if (type_of(c, e->args[2 + 2 * i], &at, &am, err, depth))
				return -1;
			if (*t == OID_UNKNOWN)
				*t = at;
		}
		if (e->args[e->nargs - 1] && *t == OID_UNKNOWN) {
			int32_t am;
			if (type_of(c, e->args[e->nargs - 1], t, &am, err, depth))
				return -1;
		}
		if (*t == OID_UNKNOWN)
			*t = OID_TEXT;
		return 0;
	}
	case SQL_COALESCE:
		*t = OID_UNKNOWN;
		for (size_t i = 0; i < e->nargs; i++) {
			pg_oid at;
			int32_t am;
			if (type_of(c, e->args[i], &at, &am, err, depth))
				return -1;
			if (*t == OID_UNKNOWN)
				*t = at;
		}
		if (*t == OID_UNKNOWN)
			*t = OID_TEXT;
		return 0;
	case SQL_SUBSCRIPT: {
		pg_oid at;
		int32_t am;
		if (type_of(c, e->args[0], &at, &am, err, depth))
			return -1;
		*t = value_array_elem(at);
		if (*t == 0) {
			eval_error(err, "42804", e->location,
				   "cannot subscript type %s because it is not an array",
				   value_type_name(at));
			return -1;
		}
		return 0;
	}
	case SQL_SQLFUNC:
		*t = strcmp(e->name, "current_timestamp") == 0 || strcmp(e->name, "localtimestamp") == 0
			 ? OID_TIMESTAMPTZ
			 : OID_NAME;
		return 0;
	case SQL_SUBQUERY:
		eval_error(err, "0A000", e->location, "subqueries are not supported");
		return -1;
	}
	eval_error(err, "XX000", e->location, "unknown expression");
	return -1;
}

int eval_type(eval_ctx *c, const sql_expr *e, pg_oid *type, int32_t *typmod, sql_error *err)
{
	return type_of(c, e, type, typmod, err, 0);
}

/* --- evaluation --- */

static int eval(eval_ctx *c, const sql_expr *e, value *out, sql_error *err, int depth);

static int cast_to(eval_ctx *c, const value *v, pg_oid t, int32_t tm, bool explicit_cast, value *out,
		   sql_error *err, int location)
{
	if (v->type == t && tm < 0) {
		*out = *v;
		return 0;
	}
	value_error ve;
	if (value_cast(c->a, v, t, tm, explicit_cast, out, &ve))
		return from_value_error(err, &ve, location);
	return 0;
}

/* Brings an untyped literal to the other operand's type. */
static int unify(eval_ctx *c, value *l, value *r, sql_error *err, int location)
{
	if (l->type == OID_UNKNOWN && r->type != OID_UNKNOWN)
		return cast_to(c, l, r->type, -1, false, l, err, location);
	if (r->type == OID_UNKNOWN && l->type != OID_UNKNOWN)
		return cast_to(c, r, l->type, -1, false, r, err, location);
	if (l->type == OID_UNKNOWN && r->type == OID_UNKNOWN) {
		l->type = OID_TEXT;
		r->type = OID_TEXT;
	}
	return 0;
}

static int compare(const value *l, const value *r, int *cmp, sql_error *err, int location)
{
	value_error ve;
	if (value_compare(l, r, cmp, &ve))
		return from_value_error(err, &ve, location);
	return 0;
}

static bool compare_holds(const char *op, int cmp)
{
	if (strcmp(op, "=") == 0)
		return cmp == 0;
	if (strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0)
		return cmp != 0;
	if (strcmp(op, "<") == 0)
		return cmp < 0;
	if (strcmp(op, "<=") == 0)
		return cmp <= 0;
	if (strcmp(op, ">") == 0)
		return cmp > 0;
	return cmp >= 0;
}

static int check_dims(const value *l, const value *r, sql_error *err, int location)
{
	if (l->u.vec.dim != r->u.vec.dim) {
		eval_error(err, "22000", location, "different vector dimensions %u and %u", l->u.vec.dim,
			   r->u.vec.dim);
		return -1;
	}
	return 0;
}

/* LIKE with % and _ and backslash escapes (PostgreSQL's like.c semantics,
 * bytewise); ci folds ASCII case. */
static bool like_match(const char *s, size_t sl, const char *p, size_t pl, bool ci)
{
	size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
	while (si < sl) {
		if (pi < pl && p[pi] == '%') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pl) {
			char pc = p[pi];
			size_t adv = 1;
			bool any = pc == '_';
			if (pc == '\\' && pi + 1 < pl) {
				pc = p[pi + 1];
				adv = 2;
				any = false;
			}
			char sc = s[si];
			if (any || pc == sc ||
			    (ci && tolower((unsigned char)pc) == tolower((unsigned char)sc))) {
				pi += adv;
				si++;
				continue;
			}
		}
		if (star_p != (size_t)-1) {
			pi = star_p;
			si = ++star_s;
			continue;
		}
		return false;
	}
	while (pi < pl && p[pi] == '%')
		pi++;
	return pi == pl;
}

static int text_of(eval_ctx *c, const value *v, char **s, size_t *len, sql_error *err, int location)
{
	if (v->type == OID_TEXT || v->type == OID_VARCHAR || v->type == OID_NAME || v->type == OID_UNKNOWN ||
	    v->type == OID_BPCHAR || v->type == OID_JSONB || v->type == OID_JSON) {
		*s = v->u.s.ptr;
		*len = v->u.s.len;
		return 0;
	}
	value_error ve;
	if (value_to_text(c->a, v, s, len, &ve))
		return from_value_error(err, &ve, location);
	return 0;
}

static int int_overflow(sql_error *err, pg_oid t, int location)
{
	eval_error(err, "22003", location, "%s out of range",
		   t == OID_INT8   ? "bigint"
		   : t == OID_INT2 ? "smallint"
				   : "integer");
	return -1;
}

static int arith(const char *op, value l, value r, value *out, sql_error *err, int location)
{
	pg_oid t = number_result(l.type, r.type);
	if (is_int(t)) {
		int64_t a = l.u.i, b = r.u.i, v;
		bool ovf = false;
		switch (op[0]) {
		case '+':
			ovf = __builtin_add_overflow(a, b, &v);
			break;
		case '-':
			ovf = __builtin_sub_overflow(a, b, &v);
			break;
		case '*':
			ovf = __builtin_mul_overflow(a, b, &v);
			break;
		default:
			if (b == 0) {
				eval_error(err, "22012", location, "division by zero");
				return -1;
			}
			if (a == INT64_MIN && b == -1) {
				ovf = op[0] == '/';
				v = 0;
			} else {
				v = op[0] == '/' ? a / b : a % b;
			}
			break;
		}
		if (ovf || (t == OID_INT4 && (v < INT32_MIN || v > INT32_MAX)) ||
		    (t == OID_INT2 && (v < INT16_MIN || v > INT16_MAX)))
			return int_overflow(err, t, location);
		*out = value_int(t, v);
		return 0;
	}
	double a = as_double(&l), b = as_double(&r), v;
	switch (op[0]) {
	case '+':
		v = a + b;
		break;
	case '-':
		v = a - b;
		break;
	case '*':
		v = a * b;
		break;
	default:
		if (b == 0) {
			eval_error(err, "22012", location, "division by zero");
			return -1;
		}
		v = op[0] == '/' ? a / b : fmod(a, b);
		if (op[0] == '/' && t == OID_NUMERIC && is_int(l.type) && is_int(r.type))
			v = trunc(v);
		break;
	}
	if (isinf(v) && !isinf(a) && !isinf(b)) {
		eval_error(err, "22003", location, "value out of range: overflow");
		return -1;
	}
	if (t == OID_FLOAT4)
		v = (float)v;
	*out = value_float(t, v);
	return 0;
}

static value make_vector(eval_ctx *c, uint32_t dim, float **x)
{
	value v = {.type = OID_VECTOR};
	v.u.vec.dim = dim;
	v.u.vec.x = arena_alloc(c->a, (size_t)dim * sizeof(float) + 1);
	*x = v.u.vec.x;
	return v;
}

static int eval_op(eval_ctx *c, const sql_expr *e, value *out, sql_error *err, int depth)
{
	const char *op = e->name;
	value l, r;
	if (e->nargs == 1) {
		if (eval(c, e->args[0], &l, err, depth))
			return -1;
		if (l.isnull) {
			*out = value_null(l.type);
			return 0;
		}
		if (l.type == OID_UNKNOWN && cast_to(c, &l, OID_NUMERIC, -1, false, &l, err, e->location))
			return -1;
		if (!is_number(l.type)) {
			eval_error(err, "42883", e->location, "operator does not exist: %s %s", op,
				   value_type_name(l.type));
			return -1;
		}
		if (strcmp(op, "+") == 0) {
			*out = l;
			return 0;
		}
		if (strcmp(op, "-") == 0 || strcmp(op, "@") == 0) {
			bool neg = strcmp(op, "-") == 0 || (is_int(l.type) ? l.u.i < 0 : l.u.f < 0);
			if (!neg) {
				*out = l;
				return 0;
			}
			return arith("-", value_int(OID_INT2, 0), l, out, err, e->location)
				   ? -1
				   : (out->type = l.type, 0);
		}
		eval_error(err, "42883", e->location, "operator does not exist: %s %s", op,
			   value_type_name(l.type));
		return -1;
	}
	if (eval(c, e->args[0], &l, err, depth) || eval(c, e->args[1], &r, err, depth))
		return -1;
	bool distinct_op = strcmp(op, "IS DISTINCT FROM") == 0 || strcmp(op, "IS NOT DISTINCT FROM") == 0;
	size_t n = strlen(op);
	bool quantified = n > 3 && (strcmp(op + n - 3, "ANY") == 0 || strcmp(op + n - 3, "ALL") == 0);
	bool json_key = strcmp(op, "->") == 0 || strcmp(op, "->>") == 0;
	if (!json_key && !quantified && unify(c, &l, &r, err, e->location))
		return -1;
	if (distinct_op) {
		bool same;
		if (l.isnull || r.isnull) {
			same = l.isnull && r.isnull;
		} else {
			int cmp;
			if (compare(&l, &r, &cmp, err, e->location))
				return -1;
			same = cmp == 0;
		}
		*out = value_bool(op[3] == 'N' ? same : !same);
		return 0;
	}
	if (quantified) {
		/* x op ANY (array) / ALL (array), three-valued. */
		bool all = strcmp(op + n - 3, "ALL") == 0;
		char base[8] = {0};
		if (n - 3 >= sizeof base) {
			eval_error(err, "42883", e->location, "operator does not exist: %s", op);
			return -1;
		}
		memcpy(base, op, n - 3);
		if (r.type == OID_UNKNOWN &&
		    cast_to(c, &r, value_array_of(l.type == OID_UNKNOWN ? OID_TEXT : l.type), -1, false, &r,
			    err, e->location))
			return -1;
		if (l.isnull || r.isnull) {
			*out = value_null(OID_BOOL);
			return 0;
		}
		if (value_array_elem(r.type) == 0) {
			eval_error(err, "42809", e->location,
				   "op ANY/ALL (array) requires array on right side");
			return -1;
		}
		bool saw_null = false, result = all;
		for (uint32_t i = 0; i < r.u.arr.n; i++) {
			value item = r.u.arr.items[i], left = l;
			if (item.isnull) {
				saw_null = true;
				continue;
			}
			if (unify(c, &left, &item, err, e->location))
				return -1;
			int cmp;
			if (compare(&left, &item, &cmp, err, e->location))
				return -1;
			bool h = compare_holds(base, cmp);
			if (all && !h) {
				result = false;
				saw_null = false;
				break;
			}
			if (!all && h) {
				result = true;
				saw_null = false;
				break;
			}
		}
		*out = saw_null ? value_null(OID_BOOL) : value_bool(result);
		return 0;
	}
	if (l.isnull || r.isnull) {
		pg_oid t;
		*out = value_null(OID_BOOL);
		if (op_type(c, e, &t, err, depth) == 0)
			out->type = t;
		return 0;
	}
	if (is_comparison(op)) {
		int cmp;
		if (compare(&l, &r, &cmp, err, e->location))
			return -1;
		*out = value_bool(compare_holds(op, cmp));
		return 0;
	}
	if (l.type == OID_VECTOR && r.type == OID_VECTOR) {
		if (strcmp(op, "||") == 0) {
			uint32_t dim = l.u.vec.dim + r.u.vec.dim;
			if (dim > VECTOR_MAX_DIM) {
				eval_error(err, "54000", e->location,
					   "vector cannot have more than %d dimensions", VECTOR_MAX_DIM);
				return -1;
			}
			float *x;
			*out = make_vector(c, dim, &x);
			if (!x)
				return oom(err);
			memcpy(x, l.u.vec.x, l.u.vec.dim * sizeof(float));
			memcpy(x + l.u.vec.dim, r.u.vec.x, r.u.vec.dim * sizeof(float));
			return 0;
		}
		if (check_dims(&l, &r, err, -1))
			return -1;
		uint32_t d = l.u.vec.dim;
		if (is_distance_op(op)) {
			double v = op[1] == '-'	  ? vector_l2_distance(l.u.vec.x, r.u.vec.x, d)
				   : op[1] == '#' ? vector_negative_inner_product(l.u.vec.x, r.u.vec.x, d)
				   : op[1] == '=' ? vector_cosine_distance(l.u.vec.x, r.u.vec.x, d)
						  : vector_l1_distance(l.u.vec.x, r.u.vec.x, d);
			*out = value_float(OID_FLOAT8, v);
			return 0;
		}
		if (strcmp(op, "+") == 0 || strcmp(op, "-") == 0 || strcmp(op, "*") == 0) {
			float *x;
			*out = make_vector(c, d, &x);
			if (!x)
				return oom(err);
			int rc = op[0] == '+'	? vector_add(l.u.vec.x, r.u.vec.x, d, x)
				 : op[0] == '-' ? vector_sub(l.u.vec.x, r.u.vec.x, d, x)
						: vector_mul(l.u.vec.x, r.u.vec.x, d, x);
			if (rc) {
				eval_error(err, "22003", e->location, "value out of range: overflow");
				return -1;
			}
			return 0;
		}
	}
	if (is_number(l.type) && is_number(r.type) && strchr("+-*/%", op[0]) && op[1] == 0)
		return arith(op, l, r, out, err, -1);
	if (strcmp(op, "||") == 0 && (is_text(l.type) || is_text(r.type))) {
		char *a, *b;
		size_t al, bl;
		if (text_of(c, &l, &a, &al, err, e->location) || text_of(c, &r, &b, &bl, err, e->location))
			return -1;
		char *s = arena_alloc(c->a, al + bl + 1);
		if (!s)
			return oom(err);
		memcpy(s, a, al);
		memcpy(s + al, b, bl);
		s[al + bl] = 0;
		*out = value_text(OID_TEXT, s, al + bl);
		return 0;
	}
	if ((strcmp(op, "~~") == 0 || strcmp(op, "!~~") == 0 || strcmp(op, "~~*") == 0 ||
	     strcmp(op, "!~~*") == 0) &&
	    is_text(l.type) && is_text(r.type)) {
		bool m = like_match(l.u.s.ptr, l.u.s.len, r.u.s.ptr, r.u.s.len, strchr(op, '*') != NULL);
		*out = value_bool(op[0] == '!' ? !m : m);
		return 0;
	}
	if ((l.type == OID_JSONB || l.type == OID_JSON) && json_key) {
		const char *span;
		size_t span_len;
		int rc;
		if (is_int(r.type))
			rc = json_get(l.u.s.ptr, l.u.s.len, NULL, 0, (long)r.u.i, &span, &span_len);
		else if (r.type == OID_UNKNOWN || is_text(r.type))
			rc = json_get(l.u.s.ptr, l.u.s.len, r.u.s.ptr, r.u.s.len, 0, &span, &span_len);
		else
			goto undefined;
		if (rc < 0) {
			eval_error(err, "22P02", e->location, "invalid input syntax for type json");
			return -1;
		}
		if (rc == 0) {
			*out = value_null(strcmp(op, "->") == 0 ? l.type : OID_TEXT);
			return 0;
		}
		if (strcmp(op, "->") == 0) {
			char *s = arena_strndup(c->a, span, span_len);
			if (!s)
				return oom(err);
			*out = value_text(l.type, s, span_len);
			return 0;
		}
		char *buf = arena_alloc(c->a, span_len + 1);
		const char *txt;
		size_t tl;
		bool is_null;
		if (!buf)
			return oom(err);
		if (json_as_text(span, span_len, buf, span_len + 1, &txt, &tl, &is_null) < 0) {
			eval_error(err, "22P02", e->location, "invalid input syntax for type json");
			return -1;
		}
		if (is_null) {
			*out = value_null(OID_TEXT);
			return 0;
		}
		char *s = arena_strndup(c->a, txt, tl);
		if (!s)
			return oom(err);
		*out = value_text(OID_TEXT, s, tl);
		return 0;
	}
	if (l.type == OID_JSONB && r.type == OID_JSONB && (strcmp(op, "@>") == 0 || strcmp(op, "<@") == 0)) {
		int rc = op[0] == '@' ? json_contains(l.u.s.ptr, l.u.s.len, r.u.s.ptr, r.u.s.len)
				      : json_contains(r.u.s.ptr, r.u.s.len, l.u.s.ptr, l.u.s.len);
		if (rc < 0) {
			eval_error(err, "22P02", e->location, "invalid input syntax for type json");
			return -1;
		}
		*out = value_bool(rc == 1);
		return 0;
	}
undefined:
	eval_error(err, "42883", e->location, "operator does not exist: %s %s %s", value_type_name(l.type),
		   op, value_type_name(r.type));
	return -1;
}

static int arg_vector(eval_ctx *c, const sql_expr *e, size_t i, value *v, sql_error *err, int depth)
{
	if (eval(c, e->args[i], v, err, depth))
		return -1;
	if (v->isnull)
		return 0;
	if (v->type != OID_VECTOR)
		return cast_to(c, v, OID_VECTOR, -1, false, v, err, e->args[i]->location);
	return 0;
}

static int arg_int(eval_ctx *c, const sql_expr *e, size_t i, value *v, sql_error *err, int depth)
{
	if (eval(c, e->args[i], v, err, depth))
		return -1;
	if (v->isnull || is_int(v->type))
		return 0;
	return cast_to(c, v, OID_INT4, -1, false, v, err, e->args[i]->location);
}

static int arg_text(eval_ctx *c, const sql_expr *e, size_t i, value *v, sql_error *err, int depth)
{
	if (eval(c, e->args[i], v, err, depth))
		return -1;
	if (v->isnull || is_text(v->type))
		return 0;
	return cast_to(c, v, OID_TEXT, -1, true, v, err, e->args[i]->location);
}

static int nargs_error(const sql_expr *e, sql_error *err)
{
	eval_error(err, "42883", e->location, "function %s with %zu arguments does not exist", e->name,
		   e->nargs);
	return -1;
}

static int eval_func(eval_ctx *c, const sql_expr *e, value *out, sql_error *err, int depth)
{
	const char *f = e->name;
	value a, b;
	if (strcmp(f, "l2_distance") == 0 || strcmp(f, "cosine_distance") == 0 ||
	    strcmp(f, "inner_product") == 0 || strcmp(f, "l1_distance") == 0 ||
	    strcmp(f, "negative_inner_product") == 0) {
		if (e->nargs != 2)
			return nargs_error(e, err);
		if (arg_vector(c, e, 0, &a, err, depth) || arg_vector(c, e, 1, &b, err, depth))
			return -1;
		if (a.isnull || b.isnull) {
			*out = value_null(OID_FLOAT8);
			return 0;
		}
		if (check_dims(&a, &b, err, -1))
			return -1;
		uint32_t d = a.u.vec.dim;
		double v = f[1] == '2'	 ? vector_l2_distance(a.u.vec.x, b.u.vec.x, d)
			   : f[0] == 'c' ? vector_cosine_distance(a.u.vec.x, b.u.vec.x, d)
			   : f[0] == 'i' ? vector_inner_product(a.u.vec.x, b.u.vec.x, d)
			   : f[0] == 'n' ? vector_negative_inner_product(a.u.vec.x, b.u.vec.x, d)
					 : vector_l1_distance(a.u.vec.x, b.u.vec.x, d);
		*out = value_float(OID_FLOAT8, v);
		return 0;
	}
	if (strcmp(f, "vector_dims") == 0 || strcmp(f, "vector_norm") == 0 ||
	    strcmp(f, "l2_normalize") == 0 || strcmp(f, "binary_quantize") == 0) {
		if (e->nargs != 1)
			return nargs_error(e, err);
		if (arg_vector(c, e, 0, &a, err, depth))
			return -1;
		if (a.isnull) {
			pg_oid t;
			int32_t tm;
			*out = value_null(func_type(c, e, &t, &tm, err, depth) ? OID_UNKNOWN : t);
			return 0;
		}
		uint32_t d = a.u.vec.dim;
		if (f[7] == 'd') {
			*out = value_int(OID_INT4, d);
		} else if (f[7] == 'n') {
			*out = value_float(OID_FLOAT8, vector_norm(a.u.vec.x, d));
		} else if (f[0] == 'l') {
			float *x;
			*out = make_vector(c, d, &x);
			if (!x)
				return oom(err);
			vector_l2_normalize(a.u.vec.x, d, x);
		} else {
			char *s = arena_alloc(c->a, d + 1);
			if (!s)
				return oom(err);
			vector_binary_quantize(a.u.vec.x, d, s);
			s[d] = 0;
			*out = value_text(OID_BIT, s, d);
		}
		return 0;
	}
	if (strcmp(f, "subvector") == 0) {
		value start, count;
		if (e->nargs != 3)
			return nargs_error(e, err);
		if (arg_vector(c, e, 0, &a, err, depth) || arg_int(c, e, 1, &start, err, depth) ||
		    arg_int(c, e, 2, &count, err, depth))
			return -1;
		if (a.isnull || start.isnull || count.isnull) {
			*out = value_null(OID_VECTOR);
			return 0;
		}
		/* pgvector: elements start..start+count-1 (1-based), clipped to the
		 * vector; an empty result is an error. */
		int64_t lo = start.u.i, hi;
		if (count.u.i < 1 || __builtin_add_overflow(lo, count.u.i, &hi)) {
			eval_error(err, "22000", e->location, "vector must have at least 1 dimension");
			return -1;
		}
		if (lo < 1)
			lo = 1;
		if (hi > (int64_t)a.u.vec.dim + 1)
			hi = (int64_t)a.u.vec.dim + 1;
		if (hi <= lo) {
			eval_error(err, "22000", e->location, "vector must have at least 1 dimension");
			return -1;
		}
		float *x;
		*out = make_vector(c, (uint32_t)(hi - lo), &x);
		if (!x)
			return oom(err);
		memcpy(x, a.u.vec.x + (lo - 1), (size_t)(hi - lo) * sizeof(float));
		return 0;
	}
	if (strcmp(f, "abs") == 0 || strcmp(f, "round") == 0 || strcmp(f, "floor") == 0 ||
	    strcmp(f, "ceil") == 0 || strcmp(f, "sqrt") == 0) {
		if (e->nargs != 1)
			return nargs_error(e, err);
		if (eval(c, e->args[0], &a, err, depth))
			return -1;
		if (a.type == OID_UNKNOWN && cast_to(c, &a, OID_NUMERIC, -1, false, &a, err, e->location))
			return -1;
		if (a.isnull) {
			*out = value_null(a.type);
			return 0;
		}
		if (!is_number(a.type))
			return nargs_error(e, err);
		if (is_int(a.type) && strcmp(f, "sqrt") != 0) {
			if (f[0] == 'a' && a.u.i < 0) {
				if (a.u.i == INT64_MIN)
					return int_overflow(err, a.type, e->location);
				a.u.i = -a.u.i;
			}
			*out = a;
			return 0;
		}
		double x = as_double(&a);
		if (strcmp(f, "sqrt") == 0 && x < 0) {
			eval_error(err, "2201F", e->location, "cannot take square root of a negative number");
			return -1;
		}
		x = f[0] == 'a'	  ? fabs(x)
		    : f[0] == 'r' ? round(x)
		    : f[0] == 'f' ? floor(x)
		    : f[1] == 'e' ? ceil(x)
				  : sqrt(x);
		*out = value_float(strcmp(f, "sqrt") == 0 ? OID_FLOAT8 : a.type, x);
		return 0;
	}
	if (strcmp(f, "lower") == 0 || strcmp(f, "upper") == 0 || strcmp(f, "length") == 0 ||
	    strcmp(f, "char_length") == 0) {
		if (e->nargs != 1)
			return nargs_error(e, err);
		if (arg_text(c, e, 0, &a, err, depth))
			return -1;
		if (a.isnull) {
			*out = value_null(f[1] == 'e' || f[0] == 'c' ? OID_INT4 : OID_TEXT);
			return 0;
		}
		if (f[1] == 'e' || f[0] == 'c') {
			size_t chars = 0; /* UTF-8 characters */
			for (size_t i = 0; i < a.u.s.len; i++)
				chars += ((unsigned char)a.u.s.ptr[i] & 0xC0) != 0x80;
			*out = value_int(OID_INT4, (int64_t)chars);
			return 0;
		}
		char *s = arena_strndup(c->a, a.u.s.ptr, a.u.s.len);
		if (!s)
			return oom(err);
		for (size_t i = 0; i < a.u.s.len; i++)
			s[i] =
			    (char)(f[0] == 'l' ? tolower((unsigned char)s[i]) : toupper((unsigned char)s[i]));
		*out = value_text(OID_TEXT, s, a.u.s.len);
		return 0;
	}
	if (strcmp(f, "concat") == 0) {
		/* NULL arguments are skipped, as PostgreSQL's concat does. */
		char *acc = arena_strdup(c->a, "");
		size_t len = 0;
		for (size_t i = 0; acc && i < e->nargs; i++) {
			char *t;
			size_t tl;
			if (eval(c, e->args[i], &a, err, depth))
				return -1;
			if (a.isnull)
				continue;
			if (text_of(c, &a, &t, &tl, err, e->location))
				return -1;
			char *n = arena_alloc(c->a, len + tl + 1);
			if (!n)
				return oom(err);
			memcpy(n, acc, len);
			memcpy(n + len, t, tl);
			n[len + tl] = 0;
			acc = n;
			len += tl;
		}
		if (!acc)
			return oom(err);
		*out = value_text(OID_TEXT, acc, len);
		return 0;
	}
	if (strcmp(f, "replace") == 0) {
		value from, to;
		if (e->nargs != 3)
			return nargs_error(e, err);
		if (arg_text(c, e, 0, &a, err, depth) || arg_text(c, e, 1, &from, err, depth) ||
		    arg_text(c, e, 2, &to, err, depth))
			return -1;
		if (a.isnull || from.isnull || to.isnull) {
			*out = value_null(OID_TEXT);
			return 0;
		}
		if (from.u.s.len == 0) {
			*out = a;
			out->type = OID_TEXT;
			return 0;
		}
		size_t count = 0;
		for (size_t i = 0; i + from.u.s.len <= a.u.s.len;)
			if (memcmp(a.u.s.ptr + i, from.u.s.ptr, from.u.s.len) == 0) {
				count++;
				i += from.u.s.len;
			} else {
				i++;
			}
		size_t len = a.u.s.len - count * from.u.s.len + count * to.u.s.len;
		char *r = arena_alloc(c->a, len + 1), *w = r;
		if (!r)
			return oom(err);
		for (size_t i = 0; i < a.u.s.len;)
			if (i + from.u.s.len <= a.u.s.len &&
			    memcmp(a.u.s.ptr + i, from.u.s.ptr, from.u.s.len) == 0) {
				memcpy(w, to.u.s.ptr, to.u.s.len);
				w += to.u.s.len;
				i += from.u.s.len;
			} else {
				*w++ = a.u.s.ptr[i++];
			}
		*w = 0;
		*out = value_text(OID_TEXT, r, len);
		return 0;
	}
	if (strcmp(f, "jsonb_typeof") == 0) {
		if (e->nargs != 1)
			return nargs_error(e, err);
		if (eval(c, e->args[0], &a, err, depth))
			return -1;
		if (a.isnull) {
			*out = value_null(OID_TEXT);
			return 0;
		}
		if (a.type != OID_JSONB && cast_to(c, &a, OID_JSONB, -1, false, &a, err, e->location))
			return -1;
		size_t i = 0;
		while (i < a.u.s.len && strchr(" \t\r\n", a.u.s.ptr[i]))
			i++;
		char ch = i < a.u.s.len ? a.u.s.ptr[i] : 0;
		const char *t = ch == '{'		 ? "object"
				: ch == '['		 ? "array"
				: ch == '"'		 ? "string"
				: ch == 't' || ch == 'f' ? "boolean"
				: ch == 'n'		 ? "null"
							 : "number";
		*out = value_text(OID_TEXT, (char *)t, strlen(t));
		return 0;
	}
	if (strcmp(f, "array_length") == 0 || strcmp(f, "cardinality") == 0) {
		if (eval(c, e->args[0], &a, err, depth))
			return -1;
		if (a.isnull || value_array_elem(a.type) == 0 || a.u.arr.n == 0) {
			*out = value_null(OID_INT4);
			return 0;
		}
		*out = value_int(OID_INT4, a.u.arr.n);
		return 0;
	}
	if (strcmp(f, "version") == 0) {
		static const char v[] = "PostgreSQL 15.0 (OmenDB 0.1.0, pgvector 0.8.0 compatible) on "
					"x86_64-pc-linux-gnu, compiled by gcc, 64-bit";
		*out = value_text(OID_TEXT, (char *)v, sizeof v - 1);
		return 0;
	}
	if (strcmp(f, "current_schema") == 0) {
		*out = value_text(OID_NAME, (char *)"public", 6);
		return 0;
	}
	if (strcmp(f, "current_database") == 0 || strcmp(f, "current_setting") == 0) {
		const char *name = "database";
		bool missing_ok = false;
		if (f[8] == 's') {
			if (e->nargs < 1 || e->nargs > 2)
				return nargs_error(e, err);
			if (arg_text(c, e, 0, &a, err, depth))
				return -1;
			if (a.isnull) {
				*out = value_null(OID_TEXT);
				return 0;
			}
			name = arena_strndup(c->a, a.u.s.ptr, a.u.s.len);
			if (!name)
				return oom(err);
			if (e->nargs == 2) {
				if (eval(c, e->args[1], &b, err, depth) ||
				    cast_to(c, &b, OID_BOOL, -1, false, &b, err, e->location))
					return -1;
				missing_ok = !b.isnull && b.u.b;
			}
		}
		const char *v = c->setting ? c->setting(c->setting_arg, name) : NULL;
		if (!v) {
			if (missing_ok) {
				*out = value_null(OID_TEXT);
				return 0;
			}
			eval_error(err, "42704", e->location, "unrecognized configuration parameter \"%s\"",
				   name);
			return -1;
		}
		*out = value_text(f[8] == 's' ? OID_TEXT : OID_NAME, (char *)v, strlen(v));
		return 0;
	}
	if (strcmp(f, "to_regtype") == 0 || strcmp(f, "format_type") == 0 || strcmp(f, "pg_typeof") == 0) {
		if (e->nargs < 1)
			return nargs_error(e, err);
		if (f[0] == 'p') {
			pg_oid t;
			int32_t tm;
			if (type_of(c, e->args[0], &t, &tm, err, depth))
				return -1;
			*out = value_int(OID_REGTYPE, t == OID_UNKNOWN ? OID_UNKNOWN : t);
			return 0;
		}
		if (f[0] == 't') {
			if (arg_text(c, e, 0, &a, err, depth))
				return -1;
			if (a.isnull) {
				*out = value_null(OID_REGTYPE);
				return 0;
			}
			value_error ve;
			a.type = OID_TEXT;
			if (value_cast(c->a, &a, OID_REGTYPE, -1, true, out, &ve))
				*out = value_null(OID_REGTYPE); /* to_regtype: NULL, not an error */
			return 0;
		}
		if (arg_int(c, e, 0, &a, err, depth))
			return -1;
		if (a.isnull) {
			*out = value_null(OID_TEXT);
			return 0;
		}
		const char *name = value_type_name((pg_oid)a.u.i);
		char *s = NULL;
		int32_t tm = -1;
		if (e->nargs >= 2) {
			if (arg_int(c, e, 1, &b, err, depth))
				return -1;
			if (!b.isnull)
				tm = (int32_t)b.u.i;
		}
		if (tm >= 0 && (pg_oid)a.u.i == OID_VECTOR)
			s = arena_printf(c->a, "vector(%d)", tm);
		else
			s = arena_strdup(c->a, name ? name : "???");
		if (!s)
			return oom(err);
		*out = value_text(OID_TEXT, s, strlen(s));
		return 0;
	}
	if (strcmp(f, "pg_backend_pid") == 0) {
		const char *pid = c->setting ? c->setting(c->setting_arg, "omendb.backend_pid") : NULL;
		*out = value_int(OID_INT4, pid ? atoi(pid) : 0);
		return 0;
	}
	if (strcmp(f, "now") == 0) {
		/* Set by the session at statement start. */
		const char *ts = c->setting ? c->setting(c->setting_arg, "omendb.statement_timestamp") : NULL;
		*out = value_int(OID_TIMESTAMPTZ, ts ? strtoll(ts, NULL, 10) : 0);
		return 0;
	}
	if (strcmp(f, "pg_advisory_unlock_all") == 0) {
		/* No advisory locks exist in OmenDB (connection poolers call this). */
		*out = value_null(OID_VOID);
		return 0;
	}
	if (strcmp(f, "random") == 0) {
		*out = value_float(OID_FLOAT8, (double)rand() / ((double)RAND_MAX + 1.0));
		return 0;
	}
	if (strcmp(f, "count") == 0 || strcmp(f, "sum") == 0 || strcmp(f, "avg") == 0 ||
	    strcmp(f, "min") == 0 || strcmp(f, "max") == 0) {
		eval_error(err, "42803", e->location, "aggregate function %s is not allowed here", f);
		return -1;
	}
	if (c->hook) {
		value args[8];
		if (e->nargs > 8)
			return nargs_error(e, err);
		for (size_t i = 0; i < e->nargs; i++)
			if (eval(c, e->args[i], &args[i], err, depth))
				return -1;
		pg_oid t;
		int rc = c->hook(c, f, args, e->nargs, &t, out, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			return 0;
	}
	eval_error(err, "42883", e->location, "function %s does not exist", f);
	return -1;
}

static int eval(eval_ctx *c, const sql_expr *e, value *out, sql_error *err, int depth)
{
	if (depth > EVAL_MAX_DEPTH) {
		eval_error(err, "54001", e->location, "expression is too deeply nested");
		return -1;
	}
	depth++;
	switch (e->kind) {
	case SQL_CONST:
		*out = e->val;
		return 0;
	case SQL_PARAM:
		if (e->param < 1 || (size_t)e->param > c->nparams || c->params == NULL) {
			eval_error(err, "42P02", e->location, "there is no parameter $%d", e->param);
			return -1;
		}
		*out = c->params[e->param - 1];
		return 0;
	case SQL_COLUMN: {
		const eval_scope *s = c->scope;
		int i = eval_column_index(s, e);
		if (i < 0 && e->qualifier && strcmp(e->qualifier, "excluded") == 0 && s && s->excluded) {
			sql_expr copy = *e;
			copy.qualifier = NULL;
			s = s->excluded;
			i = eval_column_index(s, &copy);
		}
		if (i < 0 || s->row == NULL) {
			pg_oid t;
			int32_t tm;
			if (i < 0)
				return type_of(c, e, &t, &tm, err, depth); /* sets the 42703 error */
			eval_error(err, "42703", e->location, "column \"%s\" has no value here", e->name);
			return -1;
		}
		*out = s->row[i];
		return 0;
	}
	case SQL_OP:
		return eval_op(c, e, out, err, depth);
	case SQL_FUNC:
		return eval_func(c, e, out, err, depth);
	case SQL_CAST: {
		value v;
		if (e->cast.oid == 0) {
			eval_error(err, "42704", e->location, "type \"%s\" does not exist",
				   e->cast.name ? e->cast.name : "?");
			return -1;
		}
		if (eval(c, e->args[0], &v, err, depth))
			return -1;
		/* PostgreSQL points at a literal that does not read as the type;
		 * a value that does not fit the typmod is a run-time error. */
		int where = e->args[0]->kind == SQL_CONST ? e->args[0]->location : e->location;
		if (cast_to(c, &v, e->cast.oid, e->cast.typmod, true, out, err, where)) {
			bool typmod =
			    strncmp(err->message, "expected ", 9) == 0 || strcmp(err->sqlstate, "22001") == 0;
			if (typmod || e->args[0]->kind != SQL_CONST)
				err->position = 0;
			return -1;
		}
		return 0;
	}
	case SQL_AND:
	case SQL_OR: {
		bool is_and = e->kind == SQL_AND, saw_null = false;
		for (size_t i = 0; i < e->nargs; i++) {
			value v;
			if (eval(c, e->args[i], &v, err, depth))
				return -1;
			if (v.type != OID_BOOL &&
			    cast_to(c, &v, OID_BOOL, -1, false, &v, err, e->args[i]->location))
				return -1;
			if (v.isnull) {
				saw_null = true;
			} else if (v.u.b != is_and) {
				*out = value_bool(!is_and);
				return 0;
			}
		}
		*out = saw_null ? value_null(OID_BOOL) : value_bool(is_and);
		return 0;
	}
	case SQL_NOT: {
		value v;
		if (eval(c, e->args[0], &v, err, depth))
			return -1;
		if (v.type != OID_BOOL && cast_to(c, &v, OID_BOOL, -1, false, &v, err, e->location))
			return -1;
		*out = v.isnull ? v : value_bool(!v.u.b);
		return 0;
	}
	case SQL_IS_NULL: {
		value v;
		if (eval(c, e->args[0], &v, err, depth))
			return -1;
		*out = value_bool(e->negated ? !v.isnull : v.isnull);
		return 0;
	}
	case SQL_IS_BOOL: {
		value v;
		if (eval(c, e->args[0], &v, err, depth))
			return -1;
		if (!v.isnull && v.type != OID_BOOL &&
		    cast_to(c, &v, OID_BOOL, -1, false, &v, err, e->location))
			return -1;
		bool r = !v.isnull && v.u.b == e->bool_value;
		*out = value_bool(e->negated ? !r : r);
		return 0;
	}
	case SQL_IN: {
		value l;
		if (eval(c, e->args[0], &l, err, depth))
			return -1;
		bool saw_null = l.isnull, found = false;
		for (size_t i = 1; i < e->nargs && !found && !l.isnull; i++) {
			value r, left = l;
			if (eval(c, e->args[i], &r, err, depth))
				return -1;
			if (r.isnull) {
				saw_null = true;
				continue;
			}
			if (unify(c, &left, &r, err, e->location))
				return -1;
			int cmp;
			if (compare(&left, &r, &cmp, err, e->location))
				return -1;
			found = cmp == 0;
		}
		if (found)
			*out = value_bool(!e->negated);
		else
			*out = saw_null ? value_null(OID_BOOL) : value_bool(e->negated);
		return 0;
	}
	case SQL_ARRAY: {
		pg_oid t;
		int32_t tm;
		if (type_of(c, e, &t, &tm, err, depth))
			return -1;
		pg_oid et = value_array_elem(t);
		value v = {.type = t};
		v.u.arr.elem = et;
		v.u.arr.n = (uint32_t)e->nargs;
		v.u.arr.items = arena_calloc(c->a, e->nargs + 1, sizeof(value));
		if (!v.u.arr.items)
			return oom(err);
		for (size_t i = 0; i < e->nargs; i++) {
			value item;
			if (eval(c, e->args[i], &item, err, depth) ||
			    cast_to(c, &item, et, -1, false, &v.u.arr.items[i], err, e->args[i]->location))
				return -1;
		}
		*out = v;
		return 0;
	}
	case SQL_CASE: {
		pg_oid t;
		int32_t tm;
		if (type_of(c, e, &t, &tm, err, depth))
			return -1;
		value subject = {.isnull = true};
		if (e->args[0] && eval(c, e->args[0], &subject, err, depth))
			return -1;
		size_t pairs = (e->nargs - 2) / 2;
		for (size_t i = 0; i < pairs; i++) {
			value w;
			if (eval(c, e->args[1 + 2 * i], &w, err, depth))
				return -1;
			bool hit;
			if (e->args[0]) {
				value s = subject;
				int cmp = 1;
				if (!s.isnull && !w.isnull &&
				    (unify(c, &s, &w, err, e->location) ||
				     compare(&s, &w, &cmp, err, e->location)))
					return -1;
				hit = !s.isnull && !w.isnull && cmp == 0;
			} else {
				if (!w.isnull && w.type != OID_BOOL &&
				    cast_to(c, &w, OID_BOOL, -1, false, &w, err, e->location))
					return -1;
				hit = !w.isnull && w.u.b;
			}
			if (hit) {
				value v;
				return eval(c, e->args[2 + 2 * i], &v, err, depth) ||
					       cast_to(c, &v, t, -1, false, out, err, e->location)
					   ? -1
					   : 0;
			}
		}
		if (e->args[e->nargs - 1]) {
			value v;
			return eval(c, e->args[e->nargs - 1], &v, err, depth) ||
				       cast_to(c, &v, t, -1, false, out, err, e->location)
				   ? -1
				   : 0;
		}
		*out = value_null(t);
		return 0;
	}
	case SQL_COALESCE:
		for (size_t i = 0; i < e->nargs; i++) {
			if (eval(c, e->args[i], out, err, depth))
				return -1;
			if (!out->isnull)
				return 0;
		}
		return 0;
	case SQL_SUBSCRIPT: {
		value arr, idx;
		if (eval(c, e->args[0], &arr, err, depth) || arg_int(c, e, 1, &idx, err, depth))
			return -1;
		pg_oid et = value_array_elem(arr.type);
		if (arr.isnull || idx.isnull || et == 0 || idx.u.i < 1 || idx.u.i > (int64_t)arr.u.arr.n) {
			*out = value_null(et ? et : OID_UNKNOWN);
			return 0;
		}
		*out = arr.u.arr.items[idx.u.i - 1];
		return 0;
	}
	case SQL_SQLFUNC: {
		const char *v = NULL;
		if (strcmp(e->name, "current_user") == 0 || strcmp(e->name, "session_user") == 0 ||
		    strcmp(e->name, "user") == 0 || strcmp(e->name, "current_role") == 0)
			v = c->setting ? c->setting(c->setting_arg, "session_authorization") : NULL;
		else if (strcmp(e->name, "current_catalog") == 0)
			v = c->setting ? c->setting(c->setting_arg, "database") : NULL;
		else if (strcmp(e->name, "current_schema") == 0)
			v = "public";
		if (strcmp(e->name, "current_timestamp") == 0 || strcmp(e->name, "localtimestamp") == 0) {
			const char *ts =
			    c->setting ? c->setting(c->setting_arg, "omendb.statement_timestamp") : NULL;
			*out = value_int(OID_TIMESTAMPTZ, ts ? strtoll(ts, NULL, 10) : 0);
			return 0;
		}
		if (!v) {
			eval_error(err, "0A000", e->location, "%s is not supported", e->name);
			return -1;
		}
		*out = value_text(OID_NAME, (char *)v, strlen(v));
		return 0;
	}
	case SQL_STAR:
		eval_error(err, "0A000", e->location, "* is only supported in the select list and count(*)");
		return -1;
	case SQL_SUBQUERY:
		eval_error(err, "0A000", e->location,
			   "subqueries are not supported by OmenDB; run the inner query first");
		return -1;
	}
	eval_error(err, "XX000", e->location, "unknown expression");
	return -1;
}

int eval_expr(eval_ctx *c, const sql_expr *e, value *out, sql_error *err)
{
	return eval(c, e, out, err, 0);
}

int eval_condition(eval_ctx *c, const sql_expr *e, bool *out, sql_error *err)
{
	value v;
	if (eval(c, e, &v, err, 0))
		return -1;
	if (!v.isnull && v.type != OID_BOOL) {
		if (v.type != OID_UNKNOWN) {
			eval_error(err, "42804", e->location,
				   "argument of WHERE must be type boolean, not type %s",
				   value_type_name(v.type));
			return -1;
		}
		if (cast_to(c, &v, OID_BOOL, -1, false, &v, err, e->location))
			return -1;
	}
	*out = !v.isnull && v.u.b;
	return 0;
}
