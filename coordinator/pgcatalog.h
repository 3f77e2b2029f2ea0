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
	int (*fanout)(router *r, size_t n, const uint32_t *groups, Omendb__Request *const *reqs, int deadline_ms,
		      Omendb__Response **resps, int *codes);
	router *router;
} pgcatalog_ctx;

/* True when sel reads a catalog relation (pg_catalog.*, information_schema.*,
 * an unqualified pg_* name or an omendb_* view) or is a driver query
 * pgcatalog recognises; then pgcatalog_select answers it. */
bool pgcatalog_handles(const sql_select *sel, const char *query);

/* Runs (or, when describe_only, only types) the query: param_types as in
 * exec_describe; params may be NULL when describe_only. */
int pgcatalog_select(pgcatalog_ctx *ctx, const sql_select *sel, pg_oid *param_types, size_t nparams,
		     const value *params, bool describe_only, exec_result *out, sql_error *err);

/* The catalog functions (pg_get_userbyid, pg_table_is_visible,
 * format_type, pg_get_expr, obj_description, pg_get_indexdef,
 * has_table_privilege, pg_encoding_to_char, quote_ident, array_to_string...)
 * as an eval hook; hook_arg is the pgcatalog_ctx. */
int pgcatalog_func_hook(eval_ctx *c, const char *name, const value *args, size_t nargs, pg_oid *type,
			value *out, sql_error *err);

#endif
