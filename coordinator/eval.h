/* Expression evaluation with PostgreSQL's semantics for the subset OmenDB
 * supports: constants, parameters, columns of one row, operators (numbers,
 * text, booleans with three-valued logic, pgvector's distances and vector
 * arithmetic, jsonb ->, ->> and @>), casts and functions (pgvector's, and
 * the session functions drivers call). eval_type infers an expression's
 * result type without evaluating it, which also assigns types to untyped
 * parameters from their context ($1 in `v <-> $1` is a vector). */
#ifndef OMEN_EVAL_H
#define OMEN_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "sql.h"
#include "value.h"

/* The columns an expression may name: one relation's, or none. */
typedef struct eval_scope {
	const char *table; /* the relation's name */
	const char *alias; /* its alias, or NULL */
	size_t ncols;
	const char *const *names;
	const pg_oid *types;
	const int32_t *typmods;
	const value *row; /* the current row (ncols values); NULL while inferring types */
	const struct eval_scope *excluded; /* INSERT ... ON CONFLICT: the EXCLUDED row */
} eval_scope;

typedef struct eval_ctx eval_ctx;

/* Functions a caller adds (the catalog emulation's): return 1 when handled
 * (*out set), 0 when name is not theirs, -1 on error (err set). types only
 * (out NULL) when called from eval_type. */
typedef int (*eval_func_hook)(eval_ctx *c, const char *name, const value *args, size_t nargs, pg_oid *type,
			      value *out, sql_error *err);

struct eval_ctx {
	arena *a;
	const eval_scope *scope; /* NULL: no columns */
	/* Parameters: types (0 = not yet known; eval_type fills them in) and,
	 * when evaluating, their values. */
	pg_oid *param_types;
	size_t nparams;
	const value *params;
	/* Session lookups for current_setting(), current_user...: */
	const char *(*setting)(void *arg, const char *name);
	void *setting_arg;
	eval_func_hook hook;
	void *hook_arg;
};

/* Evaluates e into *out (arena memory). Errors set err (SQLSTATE, message,
 * position) and return -1: 42703 undefined_column, 42883 undefined_function
 * (also for operators on the wrong types), 22012 division_by_zero, 22003
 * out of range, 22000 vector dimension mismatch ("different vector
 * dimensions 3 and 2"), 42P02 undefined_parameter, 0A000 for aggregates
 * and subqueries here. */
int eval_expr(eval_ctx *c, const sql_expr *e, value *out, sql_error *err);

/* The result type of e (typmod -1 when unknown); fills c->param_types of
 * parameters whose type follows from the context. -1 with err as above. */
int eval_type(eval_ctx *c, const sql_expr *e, pg_oid *type, int32_t *typmod, sql_error *err);

/* Truth of a WHERE/ON condition: NULL and false are false. */
int eval_condition(eval_ctx *c, const sql_expr *e, bool *out, sql_error *err);

/* The column e names in c->scope (SQL_COLUMN, qualifier matching the table
 * or alias or none): its position, or -1. */
int eval_column_index(const eval_scope *s, const sql_expr *e);

/* Fills err with a formatted message. */
void eval_error(sql_error *err, const char *sqlstate, int location, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The name PostgreSQL gives an unaliased select-list column ("?column?",
 * the column name, the function name, the cast's type name). */
const char *eval_column_name(const sql_expr *e);

#endif
