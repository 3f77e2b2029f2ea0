/* PostgreSQL's system catalogs as drivers and psql query them: virtual
 * pg_catalog and information_schema relations (pg_type with pgvector's
 * vector and _vector, pg_namespace, pg_class, pg_attribute, pg_index,
 * pg_settings, information_schema.tables / columns ...) built from OmenDB's
 * catalog, a small SELECT engine over them (joins, WHERE, ORDER BY, LIMIT),
 * the catalog functions drivers call, and OmenDB's own views
 * (omendb_index_progress). Read-only. */
#ifndef OMEN_PGCATALOG_H
#define OMEN_PGCATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "eval.h"
#include "exec.h"
#include "router.h"
#include "shard.pb-c.h"
#include "sql.h"

typedef struct pgcatalog_ctx {
	arena *a;
	const Omendb__Catalog *cat; /* user tables and indexes (may be NULL: none) */
	exec_session *session;	    /* settings and the session user (may be NULL: defaults) */
	const char *query;	    /* the whole query text (to recognise known driver queries) */
	/* omendb_index_progress asks every data group's leader for its
	 * StatusResponse through fanout (router_fanout's contract) with router;
	 * the executor sets both to router_fanout and exec_router(shared). A
	 * pointer rather than a call keeps the unit tests free of the router:
	 * NULL makes the view empty. */
	int (*fanout)(router *r, size_t n, const uint32_t *groups, Omendb__Request *const *reqs,
		      int deadline_ms, Omendb__Response **resps, int *codes);
	router *router;
} pgcatalog_ctx;

/* True when sel reads a catalog relation (pg_catalog.*, information_schema.*,
 * an unqualified pg_* name or an omendb_* view) or a set-returning function
 * (generate_series, unnest), needs the catalog without a FROM (::regclass,
 * a regular expression, a subquery), or is a driver query pgcatalog
 * recognises (asyncpg's type introspection, psql's publications footer);
 * then pgcatalog_select answers it. */
bool pgcatalog_handles(const sql_select *sel, const char *query);

/* Runs (or, when describe_only, only types) the query: param_types as in
 * exec_describe (parameters nothing types become text); params may be NULL
 * when describe_only. out's columns, rows and their strings are in ctx->a;
 * they copy what they need from ctx->cat, which the caller may release
 * afterwards. Errors carry PostgreSQL's SQLSTATEs: 42P01 unknown relation,
 * 42703 / 42702 unknown / ambiguous column, 21000 a scalar subquery with
 * several rows, 0A000 what the engine does not run (WITH, UNION, RIGHT and
 * FULL joins), 54000 / 54001 past its size and depth limits, 53200 out of
 * memory, 58000 a group that omendb_index_progress could not reach. */
int pgcatalog_select(pgcatalog_ctx *ctx, const sql_select *sel, pg_oid *param_types, size_t nparams,
		     const value *params, bool describe_only, exec_result *out, sql_error *err);

/* The catalog functions (pg_get_userbyid, pg_table_is_visible,
 * pg_get_expr, obj_description, pg_get_indexdef, pg_get_constraintdef,
 * has_table_privilege, pg_encoding_to_char, quote_ident, array_to_string,
 * current_schemas, set_config, to_regclass...) as an eval hook; hook_arg is
 * the pgcatalog_ctx (NULL: no tables, default settings). set_config
 * returns its value without applying it (exec_session has no setter). */
int pgcatalog_func_hook(eval_ctx *c, const char *name, const value *args, size_t nargs, pg_oid *type,
			value *out, sql_error *err);

#endif
