/* SQL statements as the coordinator plans them: sql_parse runs PostgreSQL's
 * own parser (libpg_query, protobuf parse tree) and translates the part of
 * the tree OmenDB supports into the small structs below; everything else is
 * refused with SQLSTATE 0A000 and a message naming what is supported. All
 * memory (the statements, their strings and values) is in the caller's
 * arena. Names are folded as PostgreSQL folds them (the parser already
 * lower-cases unquoted identifiers). Expressions form a tree (no node is
 * shared), so a walker's work is linear in the statement's size; x COLLATE
 * c is x (OmenDB compares strings bytewise, as the C collation). */
#ifndef OMEN_SQL_H
#define OMEN_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "value.h"

/* Expression and subquery nesting deeper than this is 54001
 * statement_too_complex (PostgreSQL would hit its stack depth limit), and so
 * is a statement whose tokens could nest that deep; parameters are $1 to
 * $SQL_MAX_PARAMS (42P02 beyond; the protocol's Bind counts them in an
 * int16). */
#define SQL_MAX_DEPTH 1000
#define SQL_MAX_PARAMS 65535

typedef enum sql_expr_kind {
	SQL_CONST,  /* value: string literals and NULL have type OID_UNKNOWN;
		       integers are int4, int8 when too big for int4, then
		       numeric; 1.5 is numeric; B'101' / X'1F' are bit */
	SQL_PARAM,  /* $param */
	SQL_COLUMN, /* [qualifier.]name */
	SQL_STAR,   /* * or qualifier.* (select list, count(*)) */
	SQL_OP,	    /* name is the operator ("+", "<->", "->>", "@>", "~~"...);
		       one arg for a prefix operator ("-" x), two otherwise.
		       OPERATOR(pg_catalog.=) keeps the last part. Also:
		       x LIKE/ILIKE y as "~~"/"~~*" ("!~~"/"!~~*" negated),
		       SIMILAR TO as "~"/"!~" (args[1] a similar_to_escape
		       call), x op ANY (array) / ALL (array) as the operator
		       with "ANY"/"ALL" appended ("=ANY", "<>ALL"), and
		       "IS DISTINCT FROM" / "IS NOT DISTINCT FROM" */
	SQL_FUNC,   /* name(args); schema-qualified names keep the last part,
		       lower-cased; star is set for count(*), distinct for
		       f(DISTINCT ...). NULLIF(a, b), GREATEST(...) and
		       LEAST(...) are "nullif", "greatest", "least"; SQL
		       syntax the parser turns into calls keeps its name
		       (x AT TIME ZONE z is timezone(z, x), EXTRACT(f FROM x)
		       is extract('f', x)) */
	SQL_CAST,   /* args[0]::type */
	SQL_AND,    /* args[0] AND args[1] AND ...; x BETWEEN a AND b is
		       x >= a AND x <= b (x translated twice), NOT BETWEEN
		       the SQL_NOT of that */
	SQL_OR,
	SQL_NOT,       /* args[0] */
	SQL_IS_NULL,   /* args[0] IS [NOT] NULL (negated for NOT) */
	SQL_IS_BOOL,   /* args[0] IS [NOT] TRUE/FALSE: bool_value, negated
			  (IS [NOT] UNKNOWN is SQL_IS_NULL) */
	SQL_IN,	       /* args[0] [NOT] IN (args[1..]) */
	SQL_ARRAY,     /* ARRAY[args...]; cast.oid is the element type when the
			  array is cast to an array type (ARRAY[1,2]::real[]:
			  OID_FLOAT4), else 0 */
	SQL_CASE,      /* CASE [args[0]] WHEN w THEN t ... ELSE e END: args holds
			  arg (or NULL), then pairs w, t, then else (or NULL) */
	SQL_COALESCE,  /* COALESCE(args...) */
	SQL_SUBSCRIPT, /* args[0][args[1]] (1-based, as PostgreSQL arrays) */
	SQL_SQLFUNC,   /* current_user, current_schema, session_user,
			  current_database, current_timestamp, now...: name */
	SQL_SUBQUERY,  /* (SELECT ...) scalar (name NULL), EXISTS (SELECT ...)
			  (name "exists"), ARRAY(SELECT ...) (name "array"), or
			  args[0] IN (SELECT ...) / = ANY (SELECT ...) when
			  sublink_in (NOT IN is the SQL_NOT of it): sub */
} sql_expr_kind;

/* A type name resolved as PostgreSQL's parser would: pg_catalog.int4 and
 * int4 alike (integer, int, real, double precision... arrive as
 * pg_catalog names), vector in any schema spelling, and T[] (any number of
 * brackets) as the array type of T. */
typedef struct sql_type {
	pg_oid oid;	  /* 0 when the name is not a type OmenDB knows */
	int32_t typmod;	  /* PostgreSQL's atttypmod (value.h): vector(3): 3;
			     varchar(10): 14; numeric(10,2): (10 << 16 | 2) + 4;
			     -1 none. Arrays keep their element's typmod. */
	const char *name; /* the last part of the name as the parser gives it
			     ("int4" for integer, "float4" for real[], "halfvec"),
			     as PostgreSQL names a cast's result column */
} sql_type;

struct sql_select;

typedef struct sql_expr {
	sql_expr_kind kind;
	int location; /* byte offset in the query text, -1 unknown */
	value val;    /* SQL_CONST */
	int param;    /* SQL_PARAM, 1-based */
	const char *name;
	const char *qualifier; /* SQL_COLUMN / SQL_STAR: table or alias, or NULL */
	sql_type cast;	       /* SQL_CAST target; SQL_ARRAY element */
	bool negated;
	bool bool_value; /* SQL_IS_BOOL */
	bool star;	 /* SQL_FUNC count(*) */
	bool distinct;
	bool sublink_in;
	struct sql_select *sub;
	struct sql_expr **args;
	size_t nargs;
} sql_expr;

typedef enum sql_stmt_kind {
	SQL_STMT_EMPTY, /* only a comment or ";" (sql_parse returns it alone) */
	SQL_STMT_CREATE_EXTENSION,
	SQL_STMT_CREATE_TABLE,
	SQL_STMT_DROP_TABLE,
	SQL_STMT_CREATE_INDEX,
	SQL_STMT_DROP_INDEX,
	SQL_STMT_INSERT,
	SQL_STMT_UPDATE,
	SQL_STMT_DELETE,
	SQL_STMT_SELECT,
	SQL_STMT_SET,	/* SET name = values / SET name TO DEFAULT (reset) */
	SQL_STMT_SHOW,	/* SHOW name (name "all" for SHOW ALL) */
	SQL_STMT_RESET, /* RESET name / RESET ALL (name "all") */
	SQL_STMT_BEGIN,
	SQL_STMT_COMMIT,
	SQL_STMT_ROLLBACK,
	SQL_STMT_COPY_FROM,  /* COPY table [(cols)] FROM STDIN [WITH (...)] */
	SQL_STMT_DISCARD,    /* DISCARD ALL and friends: accepted */
	SQL_STMT_DEALLOCATE, /* DEALLOCATE name / ALL (name NULL) */
	SQL_STMT_EXPLAIN,
	SQL_STMT_NOOP, /* CLOSE ALL, UNLISTEN: nothing to do here; u.name is the command tag */
} sql_stmt_kind;

typedef struct sql_column_def {
	const char *name;
	sql_type type;
	bool not_null;
	bool primary_key;	 /* a column constraint PRIMARY KEY */
	bool serial;		 /* serial / bigserial / smallserial (type is the int type)
				    or GENERATED BY DEFAULT AS IDENTITY; implies not_null */
	sql_expr *default_value; /* NULL if none */
} sql_column_def;

typedef struct sql_create_table {
	const char *name;
	bool if_not_exists;
	sql_column_def *columns;
	size_t ncolumns;
	const char **primary_key; /* a table constraint PRIMARY KEY (a, b) or the
				     column constraint's column; NULL if none.
				     Its columns exist and are not_null. */
	size_t nprimary_key;
} sql_create_table;

typedef struct sql_drop {
	const char **names; /* DROP TABLE a, b / DROP INDEX i */
	size_t nnames;
	bool if_exists;
	bool cascade;
} sql_drop;

typedef struct sql_option {
	const char *name;
	sql_expr *value;
} sql_option;

typedef struct sql_create_index {
	const char *name; /* NULL: generated as PostgreSQL would (table_col_idx) */
	const char *table;
	const char *method;  /* "hnsw", "btree", "ivfflat"...: the executor decides */
	const char *column;  /* the single indexed column (several: refused here) */
	const char *opclass; /* "vector_l2_ops"..., NULL when not written */
	sql_option *options; /* WITH (m = 16, ef_construction = 64) */
	size_t noptions;
	bool if_not_exists;
	bool concurrently;
} sql_create_index;

typedef struct sql_target {
	sql_expr *expr;
	const char *alias; /* AS name, or NULL */
} sql_target;

typedef enum sql_join_kind {
	SQL_JOIN_NONE,
	SQL_JOIN_INNER,
	SQL_JOIN_LEFT,
	SQL_JOIN_RIGHT,
	SQL_JOIN_FULL,
	SQL_JOIN_CROSS
} sql_join_kind;

/* One FROM item: a relation, or a function call (generate_series,
 * unnest...), or a subquery; joined to the items before it by join with
 * condition on (NULL for cross joins and comma lists). l JOIN r USING (c)
 * arrives as ON l.c = r.c (qualified by alias, else relation name; only
 * when l is a single item), so c stays qualified-only and SELECT * lists it
 * twice; NATURAL joins are refused. */
typedef struct sql_from {
	const char *schema; /* NULL when unqualified */
	const char *name;   /* relation name, NULL for a function or subquery */
	const char *alias;
	const char **colnames; /* AS alias(c1, c2): column aliases; NULL if none */
	size_t ncolnames;
	sql_expr *func;
	struct sql_select *sub;
	sql_join_kind join;
	sql_expr *on;
	int location; /* the relation name's byte offset, -1 unknown */
} sql_from;

typedef struct sql_order {
	sql_expr *expr;
	bool desc;
	int nulls; /* 0 default, 1 NULLS FIRST, 2 NULLS LAST */
} sql_order;

typedef struct sql_select {
	sql_target *targets;
	size_t ntargets;
	sql_from *from;
	size_t nfrom;
	sql_expr *where;
	sql_expr **group_by;
	size_t ngroup_by;
	sql_expr *having;
	sql_order *order;
	size_t norder;
	sql_expr *limit;  /* NULL: none (LIMIT ALL too) */
	sql_expr *offset; /* NULL: none */
	bool distinct;
	bool for_update;    /* FOR UPDATE/SHARE: refused by the executor */
	bool has_cte;	    /* WITH ...: refused unless the catalog knows the query */
	bool has_setop;	    /* UNION/INTERSECT/EXCEPT: larg/rarg not translated */
	sql_expr ***values; /* a VALUES list used as a SELECT: rows of exprs */
	size_t nvalues, nvalue_cols;
} sql_select;

typedef struct sql_set_clause {
	int location; /* the column name's byte offset */
	const char *column;
	sql_expr *value; /* NULL for SET col = DEFAULT */
} sql_set_clause;

typedef enum sql_on_conflict { SQL_CONFLICT_NONE, SQL_CONFLICT_NOTHING, SQL_CONFLICT_UPDATE } sql_on_conflict;

typedef struct sql_insert {
	const char *table;
	int table_location;   /* byte offset of the table's name */
	const char **columns; /* NULL: all columns in order */
	size_t ncolumns;
	sql_expr ***rows; /* VALUES rows; each has nvalues exprs (DEFAULT is NULL);
			     DEFAULT VALUES is one row with nvalues 0. With
			     columns, nvalues == ncolumns (checked: 42601). */
	size_t nrows, nvalues;
	sql_select *select; /* INSERT ... SELECT (refused by the executor) */
	sql_on_conflict on_conflict;
	const char **conflict_columns; /* ON CONFLICT (cols) */
	size_t nconflict_columns;
	sql_set_clause *conflict_set; /* DO UPDATE SET col = expr (EXCLUDED.col
					 is a SQL_COLUMN with qualifier "excluded") */
	size_t nconflict_set;
	sql_expr *conflict_where;
	sql_target *returning;
	size_t nreturning;
} sql_insert;

typedef struct sql_update {
	const char *table;
	int table_location;
	const char *alias;
	sql_set_clause *set;
	size_t nset;
	sql_expr *where;
	bool has_from; /* UPDATE ... FROM: refused */
	sql_target *returning;
	size_t nreturning;
} sql_update;

typedef struct sql_delete {
	const char *table;
	int table_location;
	const char *alias;
	sql_expr *where;
	bool has_using; /* DELETE ... USING: refused */
	sql_target *returning;
	size_t nreturning;
} sql_delete;

typedef struct sql_set {
	const char *name;  /* lower-cased; "hnsw.ef_search", "search_path"... */
	sql_expr **values; /* SET x = a, b; nvalues 0 with is_default */
	size_t nvalues;
	bool is_default; /* SET x TO DEFAULT */
	bool local;	 /* SET LOCAL */
} sql_set;

typedef enum sql_copy_format { SQL_COPY_TEXT, SQL_COPY_CSV, SQL_COPY_BINARY } sql_copy_format;

typedef struct sql_copy {
	const char *table;
	const char **columns; /* NULL: all */
	size_t ncolumns;
	sql_copy_format format;
	char delimiter;		 /* default '\t' (text) or ',' (csv) */
	const char *null_string; /* default "\\N" (text) or "" (csv) */
	bool header;
	char quote;  /* csv, default '"' */
	char escape; /* csv, default = quote */
} sql_copy;

typedef struct sql_stmt {
	sql_stmt_kind kind;
	int location, length; /* the statement's span in the query text */
	union {
		const char *extension; /* CREATE EXTENSION name */
		sql_create_table create_table;
		sql_drop drop;
		sql_create_index create_index;
		sql_insert insert;
		sql_update update;
		sql_delete del;
		sql_select select;
		sql_set set;
		const char *name; /* SHOW / RESET / DEALLOCATE */
		sql_copy copy;
		struct sql_stmt *explain; /* EXPLAIN stmt */
	} u;
	bool if_not_exists_ext; /* CREATE EXTENSION IF NOT EXISTS */
} sql_stmt;

typedef struct sql_error {
	char sqlstate[6];
	char message[512];
	int position; /* 1-based character position for ErrorResponse 'P', 0 none */
	/* ErrorResponse's table, column and constraint fields ('t', 'c', 'n',
	 * with schema 's' public); empty when not about one. eval_error clears
	 * them. */
	char table[64], column[64], constraint[80];
} sql_error;

/* Parses query (NUL-terminated) into *nstmts statements (*stmts in a). A
 * syntax error is 42601 with the parser's message and position; a valid
 * statement OmenDB does not support is 0A000 naming what is supported;
 * nesting past SQL_MAX_DEPTH is 54001; out of arena memory is 54000.
 * Returns 0 or -1 with err filled. libpg_query and protobuf-c recurse over
 * the tree: with the nesting limits, a call needs at most about 2 MB of
 * stack, whatever the query. Thread-safe (libpg_query keeps its state per
 * thread). */
int sql_parse(arena *a, const char *query, sql_stmt **stmts, size_t *nstmts, sql_error *err);

/* The highest $n in the statement (0 if none), for ParameterDescription. */
int sql_max_param(const sql_stmt *s);

/* The highest $n in a query's text, parts OmenDB does not translate (WITH
 * queries, UNION arms) included: skips string literals, quoted names,
 * comments and dollar-quoted strings. */
int sql_max_param_text(const char *query);

#endif
