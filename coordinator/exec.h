/* Runs planned SQL against the cluster: DDL through the catalog group and
 * every data group, writes batched per group to its leader, searches fanned
 * out to every group (or the one group a key pins) and merged, scans paged
 * with filters pushed into the shards. Answers are materialised in the
 * statement's arena (bounded by its limit). SET/SHOW, transactions and the
 * protocol stay in the session; catalog relations go to pgcatalog. */
#ifndef OMEN_EXEC_H
#define OMEN_EXEC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "eval.h"
#include "router.h"
#include "sql.h"
#include "value.h"

/* Process-wide state shared by every session: the router and the blocks of
 * ids reserved from each table's counter. */
typedef struct exec_shared exec_shared;
int exec_shared_open(router *r, exec_shared **out);
void exec_shared_close(exec_shared *x);
router *exec_router(exec_shared *x);

/* A session's settings that change how statements run. */
typedef struct exec_settings {
	uint32_t ef_search;	      /* hnsw.ef_search, 1..1000, default 40 */
	Omendb__ReadLevel read_level; /* omendb.read_consistency */
	bool partial_results;	      /* omendb.partial_results */
	int group_timeout_ms;	      /* omendb.group_timeout (ms), default 5000 */
} exec_settings;

typedef struct exec_column {
	const char *name;
	pg_oid type;
	int32_t typmod;
	uint32_t table_oid; /* 0 unless the column is a table's */
	int16_t attnum;
} exec_column;

typedef struct exec_result {
	exec_column *cols;
	size_t ncols;
	bool returns_rows; /* SELECT, RETURNING, SHOW, EXPLAIN: RowDescription */
	value **rows;	   /* nrows rows of ncols values */
	size_t nrows;
	char tag[64]; /* CommandComplete tag */
} exec_result;

/* Severity "NOTICE" or "WARNING". */
typedef void (*exec_notice_fn)(void *arg, const char *severity, const char *sqlstate, const char *message);

typedef struct exec_session {
	exec_shared *shared;
	arena *a; /* the statement's arena */
	const exec_settings *settings;
	exec_notice_fn notice;
	void *notice_arg;
	/* For eval: current_setting() and friends. */
	const char *(*setting)(void *arg, const char *name);
	void *setting_arg;
	/* The text the statement came from (catalog emulation recognises some
	 * driver queries by it); may be NULL. */
	const char *query;
	/* Set by a CancelRequest for this session: long waits stop with 57014. */
	const _Atomic bool *cancel;
} exec_session;

/* The parameter types (in/out: 0 = infer; nparams entries) and the result
 * columns of st without running it. Returns 0 or -1 with err. */
int exec_describe(exec_session *s, const sql_stmt *st, pg_oid *param_types, size_t nparams, exec_result *out,
		  sql_error *err);

/* Runs st with the given parameters (already of param_types). */
int exec_run(exec_session *s, const sql_stmt *st, const value *params, size_t nparams, exec_result *out,
	     sql_error *err);

/* COPY FROM STDIN: the target's columns (types for parsing fields), then
 * rows in batches. exec_copy_rows may be called many times; each call
 * writes its rows (ncols values each, in the column order of
 * exec_copy_columns) and adds to *count. */
typedef struct exec_copy exec_copy;
int exec_copy_begin(exec_session *s, const sql_copy *c, exec_copy **out, sql_error *err);
size_t exec_copy_ncols(const exec_copy *c);
const exec_column *exec_copy_columns(const exec_copy *c);
/* rows: n rows of exec_copy_ncols values (from the session's arena; the
 * caller may reset it after the call). */
int exec_copy_rows(exec_copy *c, exec_session *s, value *const *rows, size_t n, uint64_t *count, sql_error *err);
void exec_copy_end(exec_copy *c);

#endif
