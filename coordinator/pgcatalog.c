#include "pgcatalog.h"

#include <assert.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* --- oids ---
 *
 * Built-in objects keep PostgreSQL 15's oids (pg_type.dat, pg_namespace.dat,
 * pg_am.dat ...). OmenDB's own objects get stable oids derived from the
 * catalog, so that an oid a driver cached stays valid for the life of the
 * table: relation oid = PGC_REL_BASE + PGC_REL_STRIDE * table_id, plus
 * PGC_PKEY for the primary key's index, PGC_PKEY_CON for its constraint,
 * PGC_INDEX + column for an index on that column (at most one per column,
 * as the catalog keys indexes by table and column) and PGC_ATTRDEF +
 * column for a column's default. Columns are fewer than PostgreSQL's 1600.
 * Table ids past (2^32 - PGC_REL_BASE) / PGC_REL_STRIDE would wrap; the
 * catalog hands them out one by one from 1. pgvector's type oids are
 * value.h's. */
#define PGC_REL_BASE 32768u
#define PGC_REL_STRIDE 4096u
enum { PGC_TABLE = 0, PGC_PKEY = 1, PGC_PKEY_CON = 2, PGC_INDEX = 3, PGC_ATTRDEF = PGC_INDEX + 1600 };

enum {
	NS_PG_CATALOG = 11,
	NS_PG_TOAST = 99,
	NS_PUBLIC = 2200,
	NS_INFORMATION_SCHEMA = 13183,
	ROLE_SUPERUSER = 10, /* the bootstrap superuser: the session user here */
	DB_OID = 16384,
	AM_HEAP = 2,
	AM_BTREE = 403,
	AM_HASH = 405,
	AM_HNSW = 16400, /* pgvector's, assigned at CREATE EXTENSION */
	EXT_PLPGSQL = 13176,
	EXT_VECTOR = 16388,
	LANG_PLPGSQL = 13175,
	COLL_DEFAULT = 100,
	COLL_C = 950,
	COLL_POSIX = 951,
	TABLESPACE_DEFAULT = 1663,
	OID_RECORD_ARRAY = 2287,
};

#define PGC_MAX_DEPTH 32    /* nested subqueries */
#define PGC_MAX_ROWS 100000 /* rows a join may produce before the query is refused */

/* --- relations --- */

/* A relation in memory: a virtual catalog relation, a subquery's result or
 * a set-returning function's rows. Everything is in the statement's arena. */
typedef struct rel {
	size_t ncols;
	const char **names;
	pg_oid *types;
	int32_t *typmods;
	value **rows;
	size_t nrows, cap;
} rel;

typedef struct colspec {
	const char *name;
	pg_oid type;
} colspec;

typedef struct catq catq;

/* Builds a relation's rows: appends with the rb_* calls below (a sticky
 * out-of-memory flag is checked once at the end), returns -1 with err set
 * only for other failures. */
typedef struct rowb {
	arena *a;
	rel *r;
	value *row;
	size_t col;
	bool oom;
} rowb;

typedef int (*rel_build_fn)(catq *q, rowb *b, sql_error *err);

typedef struct vrel {
	const char *schema; /* "pg_catalog", "information_schema" or "public" */
	const char *name;
	const colspec *cols;
	size_t ncols;
	rel_build_fn build; /* NULL: always empty */
} vrel;

/* One statement's evaluation state. */
struct catq {
	pgcatalog_ctx *ctx;
	arena *a;
	pg_oid *param_types;
	size_t nparams;
	const value *params;
	rel **cache; /* built virtual relations, by index in vrels[] */
	int depth;
};

static int oom(sql_error *err)
{
	eval_error(err, "53200", -1, "out of memory");
	return -1;
}

static bool grow_rows(arena *a, rel *r)
{
	if (r->nrows < r->cap)
		return true;
	size_t cap = r->cap ? r->cap * 2 : 16;
	value **rows = arena_calloc(a, cap, sizeof *rows);
	if (!rows)
		return false;
	if (r->nrows)
		memcpy(rows, r->rows, r->nrows * sizeof *rows);
	r->rows = rows;
	r->cap = cap;
	return true;
}

static void rb_row(rowb *b)
{
	if (b->oom)
		return;
	assert(b->row == NULL || b->col == b->r->ncols);
	b->row = arena_calloc(b->a, b->r->ncols ? b->r->ncols : 1, sizeof *b->row);
	if (!b->row || !grow_rows(b->a, b->r)) {
		b->oom = true;
		return;
	}
	b->r->rows[b->r->nrows++] = b->row;
	b->col = 0;
}

/* The next cell of the current row, NULL after out of memory. */
static value *rb_cell(rowb *b, pg_oid *type)
{
	if (b->oom)
		return NULL;
	assert(b->row && b->col < b->r->ncols);
	*type = b->r->types[b->col];
	return &b->row[b->col++];
}

static void rb_int(rowb *b, int64_t v)
{
	pg_oid t;
	value *c = rb_cell(b, &t);
	if (c)
		*c = value_int(t, v);
}

static void rb_float(rowb *b, double v)
{
	pg_oid t;
	value *c = rb_cell(b, &t);
	if (c)
		*c = value_float(t, v);
}

static void rb_bool(rowb *b, bool v)
{
	pg_oid t;
	value *c = rb_cell(b, &t);
	if (c)
		*c = value_bool(v);
}

static void rb_null(rowb *b)
{
	pg_oid t;
	value *c = rb_cell(b, &t);
	if (c)
		*c = value_null(t);
}

/* s must outlive the statement (a constant or an arena string). */
static void rb_str(rowb *b, const char *s)
{
	pg_oid t;
	value *c = rb_cell(b, &t);
	if (c)
		*c = value_text(t, (char *)s, strlen(s));
}

/* A copy of s (strings from the catalog snapshot, which the caller may
 * release before the rows are sent). */
static void rb_strdup(rowb *b, const char *s)
{
	char *d = b->oom ? NULL : arena_strdup(b->a, s ? s : "");
	if (!d)
		b->oom = true;
	rb_str(b, d);
}

static void rb_char(rowb *b, char ch)
{
	char *s = b->oom ? NULL : arena_alloc(b->a, 2);
	if (!s) {
		b->oom = true;
		return;
	}
	s[0] = ch;
	s[1] = 0;
	pg_oid t;
	value *c = rb_cell(b, &t);
	if (c)
		*c = value_text(t, s, ch ? 1 : 0);
}

static void rb_value(rowb *b, value v)
{
	pg_oid t;
	value *c = rb_cell(b, &t);
	if (c)
		*c = v;
}

/* A one-dimensional array of int2/oid values. */
static value int_array(arena *a, pg_oid array_type, const int64_t *v, size_t n)
{
	value arr = {.type = array_type};
	arr.u.arr.elem = value_array_elem(array_type);
	arr.u.arr.n = (uint32_t)n;
	arr.u.arr.items = arena_calloc(a, n ? n : 1, sizeof(value));
	if (!arr.u.arr.items)
		return value_null(array_type);
	for (size_t i = 0; i < n; i++)
		arr.u.arr.items[i] = value_int(arr.u.arr.elem, v[i]);
	return arr;
}

static value text_array(arena *a, pg_oid array_type, const char *const *v, size_t n)
{
	value arr = {.type = array_type};
	arr.u.arr.elem = value_array_elem(array_type);
	arr.u.arr.n = (uint32_t)n;
	arr.u.arr.items = arena_calloc(a, n ? n : 1, sizeof(value));
	if (!arr.u.arr.items)
		return value_null(array_type);
	for (size_t i = 0; i < n; i++)
		arr.u.arr.items[i] = value_text(arr.u.arr.elem, (char *)v[i], strlen(v[i]));
	return arr;
}

/* --- OmenDB's catalog --- */

static uint32_t rel_oid(uint32_t table_id, uint32_t part)
{
	return PGC_REL_BASE + PGC_REL_STRIDE * table_id + part;
}

static const Omendb__TableDef *table_by_id(const Omendb__Catalog *cat, uint32_t id)
{
	for (size_t i = 0; cat && i < cat->n_tables; i++)
		if (cat->tables[i]->table_id == id)
			return cat->tables[i];
	return NULL;
}

static const Omendb__TableDef *table_by_name(const Omendb__Catalog *cat, const char *name)
{
	for (size_t i = 0; cat && i < cat->n_tables; i++)
		if (cat->tables[i]->name && strcmp(cat->tables[i]->name, name) == 0)
			return cat->tables[i];
	return NULL;
}

/* The relation an oid names: its table and which part of it (PGC_TABLE,
 * PGC_PKEY, PGC_PKEY_CON, or PGC_INDEX + column with *index set). False
 * when the oid names nothing that exists. */
static bool oid_lookup(const Omendb__Catalog *cat, int64_t oid, const Omendb__TableDef **t, uint32_t *part,
		       const Omendb__IndexDef **index)
{
	if (oid < PGC_REL_BASE || oid > UINT32_MAX)
		return false;
	uint32_t off = (uint32_t)oid - PGC_REL_BASE;
	*t = table_by_id(cat, off / PGC_REL_STRIDE);
	*part = off % PGC_REL_STRIDE;
	*index = NULL;
	if (!*t)
		return false;
	if (*part == PGC_TABLE)
		return true;
	if (*part == PGC_PKEY || *part == PGC_PKEY_CON)
		return (*t)->n_primary_key > 0;
	if (*part >= PGC_ATTRDEF)
		return false;
	for (size_t i = 0; i < cat->n_indexes; i++)
		if (cat->indexes[i]->table_id == (*t)->table_id &&
		    cat->indexes[i]->column == *part - PGC_INDEX) {
			*index = cat->indexes[i];
			return (*index)->column < (*t)->n_columns;
		}
	return false;
}

/* A column's declared PostgreSQL type and typmod (pgvector's typmod is
 * the dimension). */
static void column_type(const Omendb__Column *c, pg_oid *t, int32_t *tm)
{
	*tm = -1;
	if (c->type == OMENDB__COLUMN_TYPE__COLUMN_VECTOR) {
		*t = OID_VECTOR;
		*tm = c->dim ? (int32_t)c->dim : -1;
		return;
	}
	if (c->pg_type) {
		*t = c->pg_type;
		*tm = c->pg_typmod > 0 ? c->pg_typmod : -1;
		return;
	}
	switch (c->type) {
	case OMENDB__COLUMN_TYPE__COLUMN_BIGINT:
		*t = OID_INT8;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_INTEGER:
		*t = OID_INT4;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_REAL:
		*t = OID_FLOAT4;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_DOUBLE:
		*t = OID_FLOAT8;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN:
		*t = OID_BOOL;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_JSONB:
		*t = OID_JSONB;
		break;
	case OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ:
		*t = OID_TIMESTAMPTZ;
		break;
	default:
		*t = OID_TEXT;
		break;
	}
}

static bool is_text_type(pg_oid t)
{
	return t == OID_TEXT || t == OID_VARCHAR || t == OID_BPCHAR || t == OID_NAME || t == OID_CHAR ||
	       t == OID_UNKNOWN;
}

/* PostgreSQL's reserved, column-name and type/function-name keywords
 * (kwlist.h): quote_ident quotes them. */
static const char *const keywords[] = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
};

/* quote_ident (ruleutils.c): the name as SQL must write it. */
static const char *quote_ident(arena *a, const char *s)
{
	bool safe = (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_';
	for (const char *p = s; *p && safe; p++)
		safe = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	for (size_t i = 0; safe && i < sizeof keywords / sizeof keywords[0]; i++)
		safe = strcmp(s, keywords[i]) != 0;
	if (safe)
		return s;
	size_t n = strlen(s), q = 0;
	for (size_t i = 0; i < n; i++)
		q += s[i] == '"';
	char *d = arena_alloc(a, n + q + 3);
	if (!d)
		return NULL;
	char *p = d;
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			*p++ = '"';
		*p++ = s[i];
	}
	*p++ = '"';
	*p = 0;
	return d;
}

static const char *metric_opclass(Omendb__Metric m)
{
	switch (m) {
	case OMENDB__METRIC__METRIC_IP:
		return "vector_ip_ops";
	case OMENDB__METRIC__METRIC_COSINE:
		return "vector_cosine_ops";
	case OMENDB__METRIC__METRIC_L1:
		return "vector_l1_ops";
	default:
		return "vector_l2_ops";
	}
}

static uint32_t index_m(const Omendb__IndexDef *ix)
{
	return ix->m ? ix->m : 16;
}

static uint32_t index_ef(const Omendb__IndexDef *ix)
{
	return ix->ef_construction ? ix->ef_construction : 64;
}

static const char *pkey_name(arena *a, const Omendb__TableDef *t)
{
	return arena_printf(a, "%s_pkey", t->name);
}

/* "id, b": the primary key's columns, quoted as needed. */
static char *pkey_columns(arena *a, const Omendb__TableDef *t)
{
	char *s = arena_strdup(a, "");
	for (size_t i = 0; s && i < t->n_primary_key; i++) {
		uint32_t c = t->primary_key[i];
		const char *name = c < t->n_columns ? quote_ident(a, t->columns[c]->name) : "?";
		s = name ? arena_printf(a, "%s%s%s", s, i ? ", " : "", name) : NULL;
	}
	return s;
}

/* pg_get_indexdef's text for an index relation oid (NULL when unknown or
 * out of memory: *found tells which). col > 0 asks for that key column's
 * name only. */
static const char *indexdef(pgcatalog_ctx *ctx, int64_t oid, int64_t col, bool *found)
{
	const Omendb__TableDef *t;
	const Omendb__IndexDef *ix;
	uint32_t part;
	*found = oid_lookup(ctx->cat, oid, &t, &part, &ix) && (part == PGC_PKEY || ix);
	if (!*found)
		return NULL;
	arena *a = ctx->a;
	if (part == PGC_PKEY) {
		if (col > 0) {
			if ((uint64_t)col > t->n_primary_key || t->primary_key[col - 1] >= t->n_columns) {
				*found = false;
				return NULL;
			}
			return quote_ident(a, t->columns[t->primary_key[col - 1]]->name);
		}
		const char *name = pkey_name(a, t), *cols = pkey_columns(a, t);
		if (!name || !cols)
			return NULL;
		const char *qn = quote_ident(a, name), *qt = quote_ident(a, t->name);
		return qn && qt ? arena_printf(a, "CREATE UNIQUE INDEX %s ON public.%s USING btree (%s)", qn,
					       qt, cols)
				: NULL;
	}
	const char *column = quote_ident(a, t->columns[ix->column]->name);
	if (col > 0) {
		if (col != 1)
			*found = false;
		return col == 1 ? column : NULL;
	}
	const char *qn = quote_ident(a, ix->name), *qt = quote_ident(a, t->name);
	if (!qn || !qt || !column)
		return NULL;
	/* The catalog keeps m and ef_construction resolved, so an index built
	 * with the defaults shows no WITH, as one created without it does. */
	if (index_m(ix) == 16 && index_ef(ix) == 64)
		return arena_printf(a, "CREATE INDEX %s ON public.%s USING hnsw (%s %s)", qn, qt, column,
				    metric_opclass(ix->metric));
	return arena_printf(
	    a, "CREATE INDEX %s ON public.%s USING hnsw (%s %s) WITH (m='%u', ef_construction='%u')", qn, qt,
	    column, metric_opclass(ix->metric), index_m(ix), index_ef(ix));
}

/* A default's text as pg_get_expr shows it: a literal with its cast, or
 * nextval() for serial columns (OmenDB draws from the table's id counter,
 * PostgreSQL from a sequence of this name). */
static const char *default_text(arena *a, const Omendb__TableDef *t, const Omendb__Column *c)
{
	if (c->serial)
		return arena_printf(a, "nextval('%s_%s_seq'::regclass)", t->name, c->name);
	const Omendb__Value *v = c->default_value;
	if (!c->has_default || !v || v->kind_case == OMENDB__VALUE__KIND__NOT_SET)
		return c->has_default ? "NULL" : NULL;
	pg_oid type;
	int32_t tm;
	column_type(c, &type, &tm);
	switch (v->kind_case) {
	case OMENDB__VALUE__KIND_INT_VALUE:
		return arena_printf(a, "%lld", (long long)v->int_value);
	case OMENDB__VALUE__KIND_FLOAT_VALUE:
		return arena_printf(a, "%.17g", v->float_value);
	case OMENDB__VALUE__KIND_BOOL_VALUE:
		return v->bool_value ? "true" : "false";
	case OMENDB__VALUE__KIND_TEXT_VALUE:
	case OMENDB__VALUE__KIND_JSONB_VALUE: {
		const char *s =
		    v->kind_case == OMENDB__VALUE__KIND_TEXT_VALUE ? v->text_value : v->jsonb_value;
		size_t n = strlen(s), q = 0;
		for (size_t i = 0; i < n; i++)
			q += s[i] == '\'';
		char *d = arena_alloc(a, n + q + 3);
		if (!d)
			return NULL;
		char *p = d;
		*p++ = '\'';
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\'')
				*p++ = '\'';
			*p++ = s[i];
		}
		*p++ = '\'';
		*p = 0;
		const char *tn = value_type_name(type);
		return arena_printf(a, "%s::%s", d, tn);
	}
	default:
		return NULL;
	}
}

/* --- built-in types (pg_type.dat) --- */

typedef struct builtin_type {
	pg_oid oid;
	const char *name;
	int16_t len;
	bool byval;
	char typtype, category;
	bool preferred;
	pg_oid elem, array;
	const char *io; /* "bool" → boolin/boolout/boolrecv/boolsend; "json_" → json_in... */
	char align, storage;
	pg_oid collation;
	const char *modin; /* typmodin, NULL for none */
} builtin_type;

static const builtin_type builtin_types[] = {
    {OID_BOOL, "bool", 1, true, 'b', 'B', true, 0, OID_BOOL_ARRAY, "bool", 'c', 'p', 0, NULL},
    {OID_BYTEA, "bytea", -1, false, 'b', 'U', false, 0, OID_BYTEA_ARRAY, "bytea", 'i', 'x', 0, NULL},
    {OID_CHAR, "char", 1, true, 'b', 'Z', false, 0, OID_CHAR_ARRAY, "char", 'c', 'p', 0, NULL},
    {OID_NAME, "name", 64, false, 'b', 'S', false, OID_CHAR, OID_NAME_ARRAY, "name", 'c', 'p', COLL_C, NULL},
    {OID_INT8, "int8", 8, true, 'b', 'N', false, 0, OID_INT8_ARRAY, "int8", 'd', 'p', 0, NULL},
    {OID_INT2, "int2", 2, true, 'b', 'N', false, 0, OID_INT2_ARRAY, "int2", 's', 'p', 0, NULL},
    {OID_INT4, "int4", 4, true, 'b', 'N', false, 0, OID_INT4_ARRAY, "int4", 'i', 'p', 0, NULL},
    {OID_REGPROC, "regproc", 4, true, 'b', 'N', false, 0, OID_REGPROC_ARRAY, "regproc", 'i', 'p', 0, NULL},
    {OID_TEXT, "text", -1, false, 'b', 'S', true, 0, OID_TEXT_ARRAY, "text", 'i', 'x', COLL_DEFAULT, NULL},
    {OID_OID, "oid", 4, true, 'b', 'N', true, 0, OID_OID_ARRAY, "oid", 'i', 'p', 0, NULL},
    {OID_JSON, "json", -1, false, 'b', 'U', false, 0, OID_JSON_ARRAY, "json_", 'i', 'x', 0, NULL},
    {OID_FLOAT4, "float4", 4, true, 'b', 'N', false, 0, OID_FLOAT4_ARRAY, "float4", 'i', 'p', 0, NULL},
    {OID_FLOAT8, "float8", 8, true, 'b', 'N', true, 0, OID_FLOAT8_ARRAY, "float8", 'd', 'p', 0, NULL},
    {OID_UNKNOWN, "unknown", -2, false, 'p', 'X', false, 0, 0, "unknown", 'c', 'p', 0, NULL},
    {OID_BPCHAR, "bpchar", -1, false, 'b', 'S', false, 0, OID_BPCHAR_ARRAY, "bpchar", 'i', 'x', COLL_DEFAULT,
     "bpchartypmodin"},
    {OID_VARCHAR, "varchar", -1, false, 'b', 'S', false, 0, OID_VARCHAR_ARRAY, "varchar", 'i', 'x',
     COLL_DEFAULT, "varchartypmodin"},
    {OID_TIMESTAMP, "timestamp", 8, true, 'b', 'D', false, 0, OID_TIMESTAMP_ARRAY, "timestamp_", 'd', 'p', 0,
     "timestamptypmodin"},
    {OID_TIMESTAMPTZ, "timestamptz", 8, true, 'b', 'D', true, 0, OID_TIMESTAMPTZ_ARRAY, "timestamptz_", 'd',
     'p', 0, "timestamptztypmodin"},
    {OID_BIT, "bit", -1, false, 'b', 'V', false, 0, OID_BIT_ARRAY, "bit_", 'i', 'x', 0, "bittypmodin"},
    {OID_VARBIT, "varbit", -1, false, 'b', 'V', true, 0, OID_VARBIT_ARRAY, "varbit_", 'i', 'x', 0,
     "varbittypmodin"},
    {OID_NUMERIC, "numeric", -1, false, 'b', 'N', false, 0, OID_NUMERIC_ARRAY, "numeric_", 'i', 'm', 0,
     "numerictypmodin"},
    {OID_REGCLASS, "regclass", 4, true, 'b', 'N', false, 0, OID_REGCLASS_ARRAY, "regclass", 'i', 'p', 0,
     NULL},
    {OID_REGTYPE, "regtype", 4, true, 'b', 'N', false, 0, OID_REGTYPE_ARRAY, "regtype", 'i', 'p', 0, NULL},
    {OID_RECORD, "record", -1, false, 'p', 'P', false, 0, OID_RECORD_ARRAY, "record_", 'd', 'x', 0, NULL},
    {OID_VOID, "void", 4, true, 'p', 'P', false, 0, 0, "void_", 'i', 'p', 0, NULL},
    {OID_JSONB, "jsonb", -1, false, 'b', 'U', false, 0, OID_JSONB_ARRAY, "jsonb_", 'i', 'x', 0, NULL},
    /* pgvector 0.8 (CREATE TYPE vector ... STORAGE = external), in schema public. */
    {OID_VECTOR, "vector", -1, false, 'b', 'U', false, 0, OID_VECTOR_ARRAY, "vector_", 'i', 'e', 0,
     "vector_typmod_in"},
};

/* One pg_type row: an element type, or (array_of set) the array type of
 * that element. */
typedef struct type_row {
	const builtin_type *t;
	bool array;
} type_row;

static size_t type_rows(type_row *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++) {
		if (n < cap)
			out[n] = (type_row){&builtin_types[i], false};
		n++;
		if (builtin_types[i].array) {
			if (n < cap)
				out[n] = (type_row){&builtin_types[i], true};
			n++;
		}
	}
	return n;
}

#define PGC_NTYPES 64

static bool type_row_find(pg_oid oid, type_row *out)
{
	type_row rows[PGC_NTYPES];
	size_t n = type_rows(rows, PGC_NTYPES);
	for (size_t i = 0; i < n && i < PGC_NTYPES; i++)
		if ((rows[i].array ? rows[i].t->array : rows[i].t->oid) == oid) {
			*out = rows[i];
			return true;
		}
	return false;
}

static pg_oid type_row_oid(const type_row *r)
{
	return r->array ? r->t->array : r->t->oid;
}

static pg_oid type_row_namespace(const type_row *r)
{
	return r->t->oid == OID_VECTOR ? NS_PUBLIC : NS_PG_CATALOG;
}

static const char *type_row_name(arena *a, const type_row *r)
{
	return r->array ? arena_printf(a, "_%s", r->t->name) : r->t->name;
}

/* --- the virtual relations --- */

static const char *session_setting(catq *q, const char *name)
{
	exec_session *s = q->ctx->session;
	return s && s->setting ? s->setting(s->setting_arg, name) : NULL;
}

static const char *session_user(pgcatalog_ctx *ctx)
{
	exec_session *s = ctx->session;
	const char *u = s && s->setting ? s->setting(s->setting_arg, "session_authorization") : NULL;
	return u && *u ? u : "omendb";
}

static const char *database_name(catq *q)
{
	const char *d = session_setting(q, "database");
	return d && *d ? d : "omendb";
}

static const colspec pg_type_cols[] = {
    {"oid", OID_OID},		{"typname", OID_NAME},	    {"typnamespace", OID_OID},
    {"typowner", OID_OID},	{"typlen", OID_INT2},	    {"typbyval", OID_BOOL},
    {"typtype", OID_CHAR},	{"typcategory", OID_CHAR},  {"typispreferred", OID_BOOL},
    {"typisdefined", OID_BOOL}, {"typdelim", OID_CHAR},	    {"typrelid", OID_OID},
    {"typsubscript", OID_TEXT}, {"typelem", OID_OID},	    {"typarray", OID_OID},
    {"typinput", OID_TEXT},	{"typoutput", OID_TEXT},    {"typreceive", OID_TEXT},
    {"typsend", OID_TEXT},	{"typmodin", OID_TEXT},	    {"typmodout", OID_TEXT},
    {"typanalyze", OID_TEXT},	{"typalign", OID_CHAR},	    {"typstorage", OID_CHAR},
    {"typnotnull", OID_BOOL},	{"typbasetype", OID_OID},   {"typtypmod", OID_INT4},
    {"typndims", OID_INT4},	{"typcollation", OID_OID},  {"typdefaultbin", OID_TEXT},
    {"typdefault", OID_TEXT},	{"typacl", OID_TEXT_ARRAY},
};

static int build_pg_type(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	type_row rows[PGC_NTYPES];
	size_t n = type_rows(rows, PGC_NTYPES);
	assert(n <= PGC_NTYPES);
	for (size_t i = 0; i < n; i++) {
		const type_row *r = &rows[i];
		const builtin_type *t = r->t;
		const char *io = r->array ? "array_" : t->io;
		rb_row(b);
		rb_int(b, type_row_oid(r));
		const char *name = type_row_name(q->a, r);
		if (!name)
			b->oom = true;
		rb_str(b, name ? name : "");
		rb_int(b, type_row_namespace(r));
		rb_int(b, ROLE_SUPERUSER);
		rb_int(b, r->array ? -1 : t->len);
		rb_bool(b, !r->array && t->byval);
		rb_char(b, r->array ? 'b' : t->typtype);
		rb_char(b, r->array ? 'A' : t->category);
		rb_bool(b, !r->array && t->preferred);
		rb_bool(b, true);
		rb_char(b, ','); /* only box's is ';' in PostgreSQL */
		rb_int(b, 0);
		rb_str(b, r->array		? "array_subscript_handler"
			  : t->oid == OID_NAME	? "raw_array_subscript_handler"
			  : t->oid == OID_JSONB ? "jsonb_subscript_handler"
						: "-");
		rb_int(b, r->array ? t->oid : t->elem);
		rb_int(b, r->array ? 0 : t->array);
		const char *suffix[4] = {"in", "out", "recv", "send"};
		for (int k = 0; k < 4; k++) {
			const char *f = arena_printf(q->a, "%s%s", io, suffix[k]);
			if (!f)
				b->oom = true;
			rb_str(b, f ? f : "");
		}
		rb_str(b, r->array ? "-" : t->modin ? t->modin : "-");
		rb_str(b, "-");
		rb_str(b, r->array ? "array_typanalyze" : "-");
		rb_char(b, r->array ? (t->align == 'd' ? 'd' : 'i') : t->align);
		rb_char(b, r->array ? 'x' : t->storage);
		rb_bool(b, false);
		rb_int(b, 0);
		rb_int(b, -1);
		rb_int(b, 0);
		rb_int(b, t->collation);
		rb_null(b);
		rb_null(b);
		rb_null(b);
	}
	return 0;
}

static const colspec pg_namespace_cols[] = {
    {"oid", OID_OID}, {"nspname", OID_NAME}, {"nspowner", OID_OID}, {"nspacl", OID_TEXT_ARRAY}};

static int build_pg_namespace(catq *q, rowb *b, sql_error *err)
{
	(void)q;
	(void)err;
	static const struct {
		int oid;
		const char *name;
	} ns[] = {{NS_PG_CATALOG, "pg_catalog"},
		  {NS_PG_TOAST, "pg_toast"},
		  {NS_PUBLIC, "public"},
		  {NS_INFORMATION_SCHEMA, "information_schema"}};
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		rb_row(b);
		rb_int(b, ns[i].oid);
		rb_str(b, ns[i].name);
		rb_int(b, ROLE_SUPERUSER);
		rb_null(b);
	}
	return 0;
}

static const colspec pg_class_cols[] = {
    {"oid", OID_OID},
    {"relname", OID_NAME},
    {"relnamespace", OID_OID},
    {"reltype", OID_OID},
    {"reloftype", OID_OID},
    {"relowner", OID_OID},
    {"relam", OID_OID},
    {"relfilenode", OID_OID},
    {"reltablespace", OID_OID},
    {"relpages", OID_INT4},
    {"reltuples", OID_FLOAT4},
    {"relallvisible", OID_INT4},
    {"reltoastrelid", OID_OID},
    {"relhasindex", OID_BOOL},
    {"relisshared", OID_BOOL},
    {"relpersistence", OID_CHAR},
    {"relkind", OID_CHAR},
    {"relnatts", OID_INT2},
    {"relchecks", OID_INT2},
    {"relhasrules", OID_BOOL},
    {"relhastriggers", OID_BOOL},
    {"relhassubclass", OID_BOOL},
    {"relrowsecurity", OID_BOOL},
    {"relforcerowsecurity", OID_BOOL},
    {"relispopulated", OID_BOOL},
    {"relreplident", OID_CHAR},
    {"relispartition", OID_BOOL},
    {"relrewrite", OID_OID},
    {"relacl", OID_TEXT_ARRAY},
    {"reloptions", OID_TEXT_ARRAY},
    {"relpartbound", OID_TEXT},
};

static void class_row(rowb *b, uint32_t oid, const char *name, char kind, pg_oid am, int natts, bool hasindex,
		      value options)
{
	rb_row(b);
	rb_int(b, oid);
	rb_strdup(b, name);
	rb_int(b, NS_PUBLIC);
	rb_int(b, 0);
	rb_int(b, 0);
	rb_int(b, ROLE_SUPERUSER);
	rb_int(b, am);
	rb_int(b, oid);
	rb_int(b, 0);
	rb_int(b, 0);
	rb_float(b, -1);
	rb_int(b, 0);
	rb_int(b, 0);
	rb_bool(b, hasindex);
	rb_bool(b, false);
	rb_char(b, 'p');
	rb_char(b, kind);
	rb_int(b, natts);
	rb_int(b, 0);
	rb_bool(b, false);
	rb_bool(b, false);
	rb_bool(b, false);
	rb_bool(b, false);
	rb_bool(b, false);
	rb_bool(b, true);
	rb_char(b, kind == 'r' ? 'd' : 'n');
	rb_bool(b, false);
	rb_int(b, 0);
	rb_null(b);
	rb_value(b, options);
	rb_null(b);
}

static bool table_has_index(const Omendb__Catalog *cat, const Omendb__TableDef *t)
{
	if (t->n_primary_key)
		return true;
	for (size_t i = 0; i < cat->n_indexes; i++)
		if (cat->indexes[i]->table_id == t->table_id)
			return true;
	return false;
}

static int build_pg_class(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		const Omendb__TableDef *t = cat->tables[i];
		class_row(b, rel_oid(t->table_id, PGC_TABLE), t->name, 'r', AM_HEAP, (int)t->n_columns,
			  table_has_index(cat, t), value_null(OID_TEXT_ARRAY));
		if (t->n_primary_key) {
			const char *name = pkey_name(q->a, t);
			if (!name)
				b->oom = true;
			class_row(b, rel_oid(t->table_id, PGC_PKEY), name, 'i', AM_BTREE,
				  (int)t->n_primary_key, false, value_null(OID_TEXT_ARRAY));
		}
	}
	for (size_t i = 0; cat && i < cat->n_indexes; i++) {
		const Omendb__IndexDef *ix = cat->indexes[i];
		const char *opts[2] = {arena_printf(q->a, "m=%u", index_m(ix)),
				       arena_printf(q->a, "ef_construction=%u", index_ef(ix))};
		if (!opts[0] || !opts[1]) {
			b->oom = true;
			return 0;
		}
		class_row(b, rel_oid(ix->table_id, PGC_INDEX + ix->column), ix->name, 'i', AM_HNSW, 1, false,
			  text_array(q->a, OID_TEXT_ARRAY, opts, 2));
	}
	return 0;
}

static const colspec pg_attribute_cols[] = {
    {"attrelid", OID_OID},
    {"attname", OID_NAME},
    {"atttypid", OID_OID},
    {"attstattarget", OID_INT4},
    {"attlen", OID_INT2},
    {"attnum", OID_INT2},
    {"attndims", OID_INT4},
    {"attcacheoff", OID_INT4},
    {"atttypmod", OID_INT4},
    {"attbyval", OID_BOOL},
    {"attalign", OID_CHAR},
    {"attstorage", OID_CHAR},
    {"attcompression", OID_CHAR},
    {"attnotnull", OID_BOOL},
    {"atthasdef", OID_BOOL},
    {"atthasmissing", OID_BOOL},
    {"attidentity", OID_CHAR},
    {"attgenerated", OID_CHAR},
    {"attisdropped", OID_BOOL},
    {"attislocal", OID_BOOL},
    {"attinhcount", OID_INT4},
    {"attcollation", OID_OID},
    {"attacl", OID_TEXT_ARRAY},
    {"attoptions", OID_TEXT_ARRAY},
    {"attfdwoptions", OID_TEXT_ARRAY},
    {"attmissingval", OID_TEXT},
};

static void attribute_row(rowb *b, uint32_t relid, const Omendb__TableDef *t, const Omendb__Column *c,
			  int attnum, bool in_table)
{
	pg_oid type;
	int32_t tm;
	column_type(c, &type, &tm);
	type_row tr;
	bool known = type_row_find(type, &tr);
	const builtin_type *bt = known ? tr.t : NULL;
	rb_row(b);
	rb_int(b, relid);
	rb_strdup(b, c->name);
	rb_int(b, type);
	rb_int(b, -1);
	rb_int(b, value_type_len(type));
	rb_int(b, attnum);
	rb_int(b, value_array_elem(type) ? 1 : 0);
	rb_int(b, -1);
	rb_int(b, tm);
	rb_bool(b, bt && !tr.array && bt->byval);
	rb_char(b, bt ? (tr.array ? (bt->align == 'd' ? 'd' : 'i') : bt->align) : 'i');
	rb_char(b, bt ? (tr.array ? 'x' : bt->storage) : 'x');
	rb_char(b, 0);
	rb_bool(b, in_table && c->not_null);
	rb_bool(b, in_table && default_text(b->a, t, c) != NULL);
	rb_bool(b, false);
	rb_char(b, 0);
	rb_char(b, 0);
	rb_bool(b, false);
	rb_bool(b, true);
	rb_int(b, 0);
	rb_int(b, bt && !tr.array ? bt->collation : 0);
	rb_null(b);
	rb_null(b);
	rb_null(b);
	rb_null(b);
}

static int build_pg_attribute(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		const Omendb__TableDef *t = cat->tables[i];
		for (size_t c = 0; c < t->n_columns; c++)
			attribute_row(b, rel_oid(t->table_id, PGC_TABLE), t, t->columns[c], (int)c + 1, true);
		for (size_t k = 0; k < t->n_primary_key; k++)
			if (t->primary_key[k] < t->n_columns)
				attribute_row(b, rel_oid(t->table_id, PGC_PKEY), t,
					      t->columns[t->primary_key[k]], (int)k + 1, false);
	}
	for (size_t i = 0; cat && i < cat->n_indexes; i++) {
		const Omendb__IndexDef *ix = cat->indexes[i];
		const Omendb__TableDef *t = table_by_id(cat, ix->table_id);
		if (t && ix->column < t->n_columns)
			attribute_row(b, rel_oid(t->table_id, PGC_INDEX + ix->column), t,
				      t->columns[ix->column], 1, false);
	}
	return 0;
}

static const colspec pg_index_cols[] = {
    {"indexrelid", OID_OID},	   {"indrelid", OID_OID},	    {"indnatts", OID_INT2},
    {"indnkeyatts", OID_INT2},	   {"indisunique", OID_BOOL},	    {"indnullsnotdistinct", OID_BOOL},
    {"indisprimary", OID_BOOL},	   {"indisexclusion", OID_BOOL},    {"indimmediate", OID_BOOL},
    {"indisclustered", OID_BOOL},  {"indisvalid", OID_BOOL},	    {"indcheckxmin", OID_BOOL},
    {"indisready", OID_BOOL},	   {"indislive", OID_BOOL},	    {"indisreplident", OID_BOOL},
    {"indkey", OID_INT2_ARRAY},	   {"indcollation", OID_OID_ARRAY}, {"indclass", OID_OID_ARRAY},
    {"indoption", OID_INT2_ARRAY}, {"indexprs", OID_TEXT},	    {"indpred", OID_TEXT},
};

static void index_row(rowb *b, uint32_t oid, uint32_t relid, bool primary, const int64_t *keys, size_t nkeys)
{
	int64_t zeros[32] = {0};
	rb_row(b);
	rb_int(b, oid);
	rb_int(b, relid);
	rb_int(b, (int64_t)nkeys);
	rb_int(b, (int64_t)nkeys);
	rb_bool(b, primary);
	rb_bool(b, false);
	rb_bool(b, primary);
	rb_bool(b, false);
	rb_bool(b, true);
	rb_bool(b, false);
	rb_bool(b, true);
	rb_bool(b, false);
	rb_bool(b, true);
	rb_bool(b, true);
	rb_bool(b, false);
	rb_value(b, int_array(b->a, OID_INT2_ARRAY, keys, nkeys));
	rb_value(b, int_array(b->a, OID_OID_ARRAY, zeros, nkeys));
	rb_value(b, int_array(b->a, OID_OID_ARRAY, zeros, nkeys));
	rb_value(b, int_array(b->a, OID_INT2_ARRAY, zeros, nkeys));
	rb_null(b);
	rb_null(b);
}

static int build_pg_index(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		const Omendb__TableDef *t = cat->tables[i];
		int64_t keys[32];
		size_t n = t->n_primary_key < 32 ? t->n_primary_key : 32;
		for (size_t k = 0; k < n; k++)
			keys[k] = (int64_t)t->primary_key[k] + 1;
		if (n)
			index_row(b, rel_oid(t->table_id, PGC_PKEY), rel_oid(t->table_id, PGC_TABLE), true,
				  keys, n);
	}
	for (size_t i = 0; cat && i < cat->n_indexes; i++) {
		const Omendb__IndexDef *ix = cat->indexes[i];
		int64_t key = (int64_t)ix->column + 1;
		index_row(b, rel_oid(ix->table_id, PGC_INDEX + ix->column), rel_oid(ix->table_id, PGC_TABLE),
			  false, &key, 1);
	}
	return 0;
}

static const colspec pg_am_cols[] = {
    {"oid", OID_OID}, {"amname", OID_NAME}, {"amhandler", OID_TEXT}, {"amtype", OID_CHAR}};

static int build_pg_am(catq *q, rowb *b, sql_error *err)
{
	(void)q;
	(void)err;
	static const struct {
		int oid;
		const char *name, *handler;
		char type;
	} am[] = {{AM_HEAP, "heap", "heap_tableam_handler", 't'},
		  {AM_BTREE, "btree", "bthandler", 'i'},
		  {AM_HASH, "hash", "hashhandler", 'i'},
		  {AM_HNSW, "hnsw", "hnswhandler", 'i'}};
	for (size_t i = 0; i < sizeof am / sizeof am[0]; i++) {
		rb_row(b);
		rb_int(b, am[i].oid);
		rb_str(b, am[i].name);
		rb_str(b, am[i].handler);
		rb_char(b, am[i].type);
	}
	return 0;
}

static const colspec pg_attrdef_cols[] = {
    {"oid", OID_OID}, {"adrelid", OID_OID}, {"adnum", OID_INT2}, {"adbin", OID_TEXT}};

/* adbin holds the default's SQL text, which pg_get_expr returns as is. */
static int build_pg_attrdef(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		const Omendb__TableDef *t = cat->tables[i];
		for (size_t c = 0; c < t->n_columns; c++) {
			const char *d = default_text(q->a, t, t->columns[c]);
			if (!d)
				continue;
			rb_row(b);
			rb_int(b, rel_oid(t->table_id, PGC_ATTRDEF + (uint32_t)c));
			rb_int(b, rel_oid(t->table_id, PGC_TABLE));
			rb_int(b, (int64_t)c + 1);
			rb_str(b, d);
		}
	}
	return 0;
}

static const colspec pg_constraint_cols[] = {
    {"oid", OID_OID},		{"conname", OID_NAME},	     {"connamespace", OID_OID},
    {"contype", OID_CHAR},	{"condeferrable", OID_BOOL}, {"condeferred", OID_BOOL},
    {"convalidated", OID_BOOL}, {"conrelid", OID_OID},	     {"contypid", OID_OID},
    {"conindid", OID_OID},	{"conparentid", OID_OID},    {"confrelid", OID_OID},
    {"confupdtype", OID_CHAR},	{"confdeltype", OID_CHAR},   {"confmatchtype", OID_CHAR},
    {"conislocal", OID_BOOL},	{"coninhcount", OID_INT4},   {"connoinherit", OID_BOOL},
    {"conkey", OID_INT2_ARRAY}, {"confkey", OID_INT2_ARRAY}, {"conbin", OID_TEXT},
};

static int build_pg_constraint(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		const Omendb__TableDef *t = cat->tables[i];
		if (!t->n_primary_key)
			continue;
		int64_t keys[32];
		size_t n = t->n_primary_key < 32 ? t->n_primary_key : 32;
		for (size_t k = 0; k < n; k++)
			keys[k] = (int64_t)t->primary_key[k] + 1;
		const char *name = pkey_name(q->a, t);
		if (!name)
			b->oom = true;
		rb_row(b);
		rb_int(b, rel_oid(t->table_id, PGC_PKEY_CON));
		rb_str(b, name ? name : "");
		rb_int(b, NS_PUBLIC);
		rb_char(b, 'p');
		rb_bool(b, false);
		rb_bool(b, false);
		rb_bool(b, true);
		rb_int(b, rel_oid(t->table_id, PGC_TABLE));
		rb_int(b, 0);
		rb_int(b, rel_oid(t->table_id, PGC_PKEY));
		rb_int(b, 0);
		rb_int(b, 0);
		rb_char(b, ' ');
		rb_char(b, ' ');
		rb_char(b, ' ');
		rb_bool(b, true);
		rb_int(b, 0);
		rb_bool(b, true);
		rb_value(b, int_array(q->a, OID_INT2_ARRAY, keys, n));
		rb_null(b);
		rb_null(b);
	}
	return 0;
}

static const colspec pg_description_cols[] = {
    {"objoid", OID_OID}, {"classoid", OID_OID}, {"objsubid", OID_INT4}, {"description", OID_TEXT}};

/* The settings pg_settings lists (the session's, from its getter). */
static const char *const setting_names[] = {
    "application_name",
    "bytea_output",
    "client_encoding",
    "client_min_messages",
    "datestyle",
    "default_transaction_isolation",
    "default_transaction_read_only",
    "extra_float_digits",
    "hnsw.ef_search",
    "hnsw.iterative_scan",
    "hnsw.max_scan_tuples",
    "idle_in_transaction_session_timeout",
    "integer_datetimes",
    "intervalstyle",
    "is_superuser",
    "lc_collate",
    "lc_ctype",
    "lc_messages",
    "lock_timeout",
    "max_identifier_length",
    "max_index_keys",
    "omendb.group_timeout",
    "omendb.partial_results",
    "omendb.read_consistency",
    "search_path",
    "server_encoding",
    "server_version",
    "server_version_num",
    "standard_conforming_strings",
    "statement_timeout",
    "timezone",
    "transaction_isolation",
    "transaction_read_only",
};

static const colspec pg_settings_cols[] = {
    {"name", OID_TEXT},	      {"setting", OID_TEXT},	     {"unit", OID_TEXT},
    {"category", OID_TEXT},   {"short_desc", OID_TEXT},	     {"extra_desc", OID_TEXT},
    {"context", OID_TEXT},    {"vartype", OID_TEXT},	     {"source", OID_TEXT},
    {"min_val", OID_TEXT},    {"max_val", OID_TEXT},	     {"enumvals", OID_TEXT_ARRAY},
    {"boot_val", OID_TEXT},   {"reset_val", OID_TEXT},	     {"sourcefile", OID_TEXT},
    {"sourceline", OID_INT4}, {"pending_restart", OID_BOOL},
};

static int build_pg_settings(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	for (size_t i = 0; i < sizeof setting_names / sizeof setting_names[0]; i++) {
		const char *v = session_setting(q, setting_names[i]);
		if (!v)
			continue;
		char *copy = arena_strdup(q->a, v);
		if (!copy)
			b->oom = true;
		const char *name = setting_names[i];
		bool internal = strncmp(name, "server_", 7) == 0 || strcmp(name, "integer_datetimes") == 0 ||
				strncmp(name, "max_", 4) == 0 || strcmp(name, "lc_collate") == 0 ||
				strcmp(name, "lc_ctype") == 0 || strcmp(name, "is_superuser") == 0;
		rb_row(b);
		rb_str(b, name);
		rb_str(b, copy ? copy : "");
		rb_null(b);
		rb_str(b, strchr(name, '.') ? "Customized Options" : "Client Connection Defaults");
		rb_str(b, "");
		rb_null(b);
		rb_str(b, internal ? "internal" : "user");
		rb_str(b, "string");
		rb_str(b, "default");
		rb_null(b);
		rb_null(b);
		rb_null(b);
		rb_str(b, copy ? copy : "");
		rb_str(b, copy ? copy : "");
		rb_null(b);
		rb_null(b);
		rb_bool(b, false);
	}
	return 0;
}

static const colspec pg_database_cols[] = {
    {"oid", OID_OID},
    {"datname", OID_NAME},
    {"datdba", OID_OID},
    {"encoding", OID_INT4},
    {"datlocprovider", OID_CHAR},
    {"datistemplate", OID_BOOL},
    {"datallowconn", OID_BOOL},
    {"datconnlimit", OID_INT4},
    {"dattablespace", OID_OID},
    {"datcollate", OID_TEXT},
    {"datctype", OID_TEXT},
    {"daticulocale", OID_TEXT},
    {"datcollversion", OID_TEXT},
    {"datacl", OID_TEXT_ARRAY},
};

static int build_pg_database(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	char *name = arena_strdup(q->a, database_name(q));
	if (!name)
		b->oom = true;
	rb_row(b);
	rb_int(b, DB_OID);
	rb_str(b, name ? name : "");
	rb_int(b, ROLE_SUPERUSER);
	rb_int(b, 6); /* PG_UTF8 */
	rb_char(b, 'c');
	rb_bool(b, false);
	rb_bool(b, true);
	rb_int(b, -1);
	rb_int(b, TABLESPACE_DEFAULT);
	rb_str(b, "C");
	rb_str(b, "C");
	rb_null(b);
	rb_null(b);
	rb_null(b);
	return 0;
}

static const colspec pg_roles_cols[] = {
    {"rolname", OID_NAME},
    {"rolsuper", OID_BOOL},
    {"rolinherit", OID_BOOL},
    {"rolcreaterole", OID_BOOL},
    {"rolcreatedb", OID_BOOL},
    {"rolcanlogin", OID_BOOL},
    {"rolreplication", OID_BOOL},
    {"rolconnlimit", OID_INT4},
    {"rolpassword", OID_TEXT},
    {"rolvaliduntil", OID_TIMESTAMPTZ},
    {"rolbypassrls", OID_BOOL},
    {"rolconfig", OID_TEXT_ARRAY},
    {"oid", OID_OID},
};

static int build_pg_roles(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	char *user = arena_strdup(q->a, session_user(q->ctx));
	if (!user)
		b->oom = true;
	rb_row(b);
	rb_str(b, user ? user : "");
	for (int i = 0; i < 6; i++)
		rb_bool(b, true);
	rb_int(b, -1);
	rb_str(b, "********");
	rb_null(b);
	rb_bool(b, true);
	rb_null(b);
	rb_int(b, ROLE_SUPERUSER);
	return 0;
}

static const colspec pg_user_cols[] = {
    {"usename", OID_NAME},  {"usesysid", OID_OID},	   {"usecreatedb", OID_BOOL},
    {"usesuper", OID_BOOL}, {"userepl", OID_BOOL},	   {"usebypassrls", OID_BOOL},
    {"passwd", OID_TEXT},   {"valuntil", OID_TIMESTAMPTZ}, {"useconfig", OID_TEXT_ARRAY},
};

static int build_pg_user(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	char *user = arena_strdup(q->a, session_user(q->ctx));
	if (!user)
		b->oom = true;
	rb_row(b);
	rb_str(b, user ? user : "");
	rb_int(b, ROLE_SUPERUSER);
	for (int i = 0; i < 4; i++)
		rb_bool(b, true);
	rb_str(b, "********");
	rb_null(b);
	rb_null(b);
	return 0;
}

static const colspec pg_extension_cols[] = {
    {"oid", OID_OID},
    {"extname", OID_NAME},
    {"extowner", OID_OID},
    {"extnamespace", OID_OID},
    {"extrelocatable", OID_BOOL},
    {"extversion", OID_TEXT},
    {"extconfig", OID_OID_ARRAY},
    {"extcondition", OID_TEXT_ARRAY},
};

static int build_pg_extension(catq *q, rowb *b, sql_error *err)
{
	(void)q;
	(void)err;
	rb_row(b);
	rb_int(b, EXT_PLPGSQL);
	rb_str(b, "plpgsql");
	rb_int(b, ROLE_SUPERUSER);
	rb_int(b, NS_PG_CATALOG);
	rb_bool(b, false);
	rb_str(b, "1.0");
	rb_null(b);
	rb_null(b);
	rb_row(b);
	rb_int(b, EXT_VECTOR);
	rb_str(b, "vector");
	rb_int(b, ROLE_SUPERUSER);
	rb_int(b, NS_PUBLIC);
	rb_bool(b, true);
	rb_str(b, "0.8.0");
	rb_null(b);
	rb_null(b);
	return 0;
}

static const colspec pg_proc_cols[] = {
    {"oid", OID_OID},
    {"proname", OID_NAME},
    {"pronamespace", OID_OID},
    {"proowner", OID_OID},
    {"prolang", OID_OID},
    {"prokind", OID_CHAR},
    {"prosecdef", OID_BOOL},
    {"proisstrict", OID_BOOL},
    {"proretset", OID_BOOL},
    {"provolatile", OID_CHAR},
    {"pronargs", OID_INT2},
    {"prorettype", OID_OID},
    {"proargtypes", OID_OID_ARRAY},
    {"proallargtypes", OID_OID_ARRAY},
    {"proargmodes", OID_CHAR_ARRAY},
    {"proargnames", OID_TEXT_ARRAY},
    {"prosrc", OID_TEXT},
    {"proacl", OID_TEXT_ARRAY},
};

static const colspec pg_range_cols[] = {
    {"rngtypid", OID_OID},  {"rngsubtype", OID_OID},	{"rngmultitypid", OID_OID}, {"rngcollation", OID_OID},
    {"rngsubopc", OID_OID}, {"rngcanonical", OID_TEXT}, {"rngsubdiff", OID_TEXT},
};

static const colspec pg_enum_cols[] = {
    {"oid", OID_OID}, {"enumtypid", OID_OID}, {"enumsortorder", OID_FLOAT4}, {"enumlabel", OID_NAME}};

static const colspec pg_collation_cols[] = {
    {"oid", OID_OID},		{"collname", OID_NAME},
    {"collnamespace", OID_OID}, {"collowner", OID_OID},
    {"collprovider", OID_CHAR}, {"collisdeterministic", OID_BOOL},
    {"collencoding", OID_INT4}, {"collcollate", OID_TEXT},
    {"collctype", OID_TEXT},	{"colliculocale", OID_TEXT},
    {"collversion", OID_TEXT},
};

static int build_pg_collation(catq *q, rowb *b, sql_error *err)
{
	(void)q;
	(void)err;
	static const struct {
		int oid;
		const char *name;
		char provider;
	} coll[] = {{COLL_DEFAULT, "default", 'd'}, {COLL_C, "C", 'c'}, {COLL_POSIX, "POSIX", 'c'}};
	for (size_t i = 0; i < sizeof coll / sizeof coll[0]; i++) {
		rb_row(b);
		rb_int(b, coll[i].oid);
		rb_str(b, coll[i].name);
		rb_int(b, NS_PG_CATALOG);
		rb_int(b, ROLE_SUPERUSER);
		rb_char(b, coll[i].provider);
		rb_bool(b, true);
		rb_int(b, -1);
		if (coll[i].provider == 'd') {
			rb_null(b);
			rb_null(b);
		} else {
			rb_str(b, coll[i].name);
			rb_str(b, coll[i].name);
		}
		rb_null(b);
		rb_null(b);
	}
	return 0;
}

static const colspec pg_inherits_cols[] = {
    {"inhrelid", OID_OID}, {"inhparent", OID_OID}, {"inhseqno", OID_INT4}, {"inhdetachpending", OID_BOOL}};

static const colspec pg_trigger_cols[] = {
    {"oid", OID_OID},		{"tgrelid", OID_OID},	    {"tgparentid", OID_OID},
    {"tgname", OID_NAME},	{"tgfoid", OID_OID},	    {"tgtype", OID_INT2},
    {"tgenabled", OID_CHAR},	{"tgisinternal", OID_BOOL}, {"tgconstrrelid", OID_OID},
    {"tgconstrindid", OID_OID}, {"tgconstraint", OID_OID},  {"tgdeferrable", OID_BOOL},
};

static const colspec pg_policy_cols[] = {
    {"oid", OID_OID},	   {"polname", OID_NAME},	{"polrelid", OID_OID},
    {"polcmd", OID_CHAR},  {"polpermissive", OID_BOOL}, {"polroles", OID_OID_ARRAY},
    {"polqual", OID_TEXT}, {"polwithcheck", OID_TEXT},
};

static const colspec pg_rewrite_cols[] = {
    {"oid", OID_OID},	      {"rulename", OID_NAME},	{"ev_class", OID_OID}, {"ev_type", OID_CHAR},
    {"ev_enabled", OID_CHAR}, {"is_instead", OID_BOOL}, {"ev_qual", OID_TEXT}, {"ev_action", OID_TEXT},
};

static const colspec pg_statistic_ext_cols[] = {
    {"oid", OID_OID},
    {"stxrelid", OID_OID},
    {"stxname", OID_NAME},
    {"stxnamespace", OID_OID},
    {"stxowner", OID_OID},
    {"stxstattarget", OID_INT4},
    {"stxkeys", OID_INT2_ARRAY},
    {"stxkind", OID_CHAR_ARRAY},
    {"stxexprs", OID_TEXT},
};

static const colspec pg_publication_cols[] = {
    {"oid", OID_OID},		{"pubname", OID_NAME},	   {"pubowner", OID_OID},
    {"puballtables", OID_BOOL}, {"pubinsert", OID_BOOL},   {"pubupdate", OID_BOOL},
    {"pubdelete", OID_BOOL},	{"pubtruncate", OID_BOOL}, {"pubviaroot", OID_BOOL},
};

static const colspec pg_publication_rel_cols[] = {{"oid", OID_OID},
						  {"prpubid", OID_OID},
						  {"prrelid", OID_OID},
						  {"prqual", OID_TEXT},
						  {"prattrs", OID_INT2_ARRAY}};

static const colspec pg_publication_namespace_cols[] = {
    {"oid", OID_OID}, {"pnpubid", OID_OID}, {"pnnspid", OID_OID}};

static const colspec pg_tablespace_cols[] = {{"oid", OID_OID},
					     {"spcname", OID_NAME},
					     {"spcowner", OID_OID},
					     {"spcacl", OID_TEXT_ARRAY},
					     {"spcoptions", OID_TEXT_ARRAY}};

static int build_pg_tablespace(catq *q, rowb *b, sql_error *err)
{
	(void)q;
	(void)err;
	rb_row(b);
	rb_int(b, TABLESPACE_DEFAULT);
	rb_str(b, "pg_default");
	rb_int(b, ROLE_SUPERUSER);
	rb_null(b);
	rb_null(b);
	return 0;
}

static const colspec pg_sequence_cols[] = {
    {"seqrelid", OID_OID}, {"seqtypid", OID_OID}, {"seqstart", OID_INT8}, {"seqincrement", OID_INT8},
    {"seqmax", OID_INT8},  {"seqmin", OID_INT8},  {"seqcache", OID_INT8}, {"seqcycle", OID_BOOL},
};

static const colspec pg_language_cols[] = {
    {"oid", OID_OID},		{"lanname", OID_NAME},	    {"lanowner", OID_OID},  {"lanispl", OID_BOOL},
    {"lanpltrusted", OID_BOOL}, {"lanplcallfoid", OID_OID}, {"laninline", OID_OID}, {"lanvalidator", OID_OID},
};

static int build_pg_language(catq *q, rowb *b, sql_error *err)
{
	(void)q;
	(void)err;
	static const struct {
		int oid;
		const char *name;
		bool pl;
	} lang[] = {
	    {12, "internal", false}, {13, "c", false}, {14, "sql", false}, {LANG_PLPGSQL, "plpgsql", true}};
	for (size_t i = 0; i < sizeof lang / sizeof lang[0]; i++) {
		rb_row(b);
		rb_int(b, lang[i].oid);
		rb_str(b, lang[i].name);
		rb_int(b, ROLE_SUPERUSER);
		rb_bool(b, lang[i].pl);
		rb_bool(b, lang[i].pl || lang[i].oid == 14);
		rb_int(b, 0);
		rb_int(b, 0);
		rb_int(b, 0);
	}
	return 0;
}

static const colspec pg_tables_cols[] = {
    {"schemaname", OID_NAME}, {"tablename", OID_NAME}, {"tableowner", OID_NAME},  {"tablespace", OID_NAME},
    {"hasindexes", OID_BOOL}, {"hasrules", OID_BOOL},  {"hastriggers", OID_BOOL}, {"rowsecurity", OID_BOOL},
};

static int build_pg_tables(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	char *user = arena_strdup(q->a, session_user(q->ctx));
	if (!user)
		b->oom = true;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		rb_row(b);
		rb_str(b, "public");
		rb_strdup(b, cat->tables[i]->name);
		rb_str(b, user ? user : "");
		rb_null(b);
		rb_bool(b, table_has_index(cat, cat->tables[i]));
		rb_bool(b, false);
		rb_bool(b, false);
		rb_bool(b, false);
	}
	return 0;
}

static const colspec pg_indexes_cols[] = {
    {"schemaname", OID_NAME}, {"tablename", OID_NAME}, {"indexname", OID_NAME},
    {"tablespace", OID_NAME}, {"indexdef", OID_TEXT},
};

static void indexes_row(catq *q, rowb *b, const Omendb__TableDef *t, uint32_t oid, const char *name)
{
	bool found;
	const char *def = indexdef(q->ctx, oid, 0, &found);
	if (!def || !name)
		b->oom = true;
	rb_row(b);
	rb_str(b, "public");
	rb_strdup(b, t->name);
	rb_strdup(b, name);
	rb_null(b);
	rb_str(b, def ? def : "");
}

static int build_pg_indexes(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	for (size_t i = 0; cat && i < cat->n_tables; i++)
		if (cat->tables[i]->n_primary_key)
			indexes_row(q, b, cat->tables[i], rel_oid(cat->tables[i]->table_id, PGC_PKEY),
				    pkey_name(q->a, cat->tables[i]));
	for (size_t i = 0; cat && i < cat->n_indexes; i++) {
		const Omendb__IndexDef *ix = cat->indexes[i];
		const Omendb__TableDef *t = table_by_id(cat, ix->table_id);
		if (t && ix->column < t->n_columns)
			indexes_row(q, b, t, rel_oid(ix->table_id, PGC_INDEX + ix->column), ix->name);
	}
	return 0;
}

/* information_schema (SQL standard views, PostgreSQL's information_schema.sql):
 * sql_identifier columns are name, cardinal_number int4, character_data and
 * yes_or_no varchar, as their domains' base types. */
static const colspec is_tables_cols[] = {
    {"table_catalog", OID_NAME},
    {"table_schema", OID_NAME},
    {"table_name", OID_NAME},
    {"table_type", OID_VARCHAR},
    {"self_referencing_column_name", OID_NAME},
    {"reference_generation", OID_VARCHAR},
    {"user_defined_type_catalog", OID_NAME},
    {"user_defined_type_schema", OID_NAME},
    {"user_defined_type_name", OID_NAME},
    {"is_insertable_into", OID_VARCHAR},
    {"is_typed", OID_VARCHAR},
    {"commit_action", OID_VARCHAR},
};

static int build_is_tables(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	char *db = arena_strdup(q->a, database_name(q));
	if (!db)
		b->oom = true;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		rb_row(b);
		rb_str(b, db ? db : "");
		rb_str(b, "public");
		rb_strdup(b, cat->tables[i]->name);
		rb_str(b, "BASE TABLE");
		for (int k = 0; k < 5; k++)
			rb_null(b);
		rb_str(b, "YES");
		rb_str(b, "NO");
		rb_null(b);
	}
	return 0;
}

static const colspec is_columns_cols[] = {
    {"table_catalog", OID_NAME},
    {"table_schema", OID_NAME},
    {"table_name", OID_NAME},
    {"column_name", OID_NAME},
    {"ordinal_position", OID_INT4},
    {"column_default", OID_VARCHAR},
    {"is_nullable", OID_VARCHAR},
    {"data_type", OID_VARCHAR},
    {"character_maximum_length", OID_INT4},
    {"character_octet_length", OID_INT4},
    {"numeric_precision", OID_INT4},
    {"numeric_precision_radix", OID_INT4},
    {"numeric_scale", OID_INT4},
    {"datetime_precision", OID_INT4},
    {"udt_catalog", OID_NAME},
    {"udt_schema", OID_NAME},
    {"udt_name", OID_NAME},
    {"dtd_identifier", OID_NAME},
    {"is_identity", OID_VARCHAR},
    {"is_generated", OID_VARCHAR},
    {"is_updatable", OID_VARCHAR},
};

static int build_is_columns(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	const Omendb__Catalog *cat = q->ctx->cat;
	char *db = arena_strdup(q->a, database_name(q));
	if (!db)
		b->oom = true;
	for (size_t i = 0; cat && i < cat->n_tables; i++) {
		const Omendb__TableDef *t = cat->tables[i];
		for (size_t c = 0; c < t->n_columns; c++) {
			const Omendb__Column *col = t->columns[c];
			pg_oid type;
			int32_t tm;
			column_type(col, &type, &tm);
			type_row tr;
			bool known = type_row_find(type, &tr);
			const char *udt = known ? type_row_name(q->a, &tr) : "unknown";
			bool user_defined = type == OID_VECTOR;
			bool is_array = value_array_elem(type) != 0;
			bool is_int = type == OID_INT2 || type == OID_INT4 || type == OID_INT8;
			bool is_float = type == OID_FLOAT4 || type == OID_FLOAT8;
			const char *def = default_text(q->a, t, col);
			rb_row(b);
			rb_str(b, db ? db : "");
			rb_str(b, "public");
			rb_strdup(b, t->name);
			rb_strdup(b, col->name);
			rb_int(b, (int64_t)c + 1);
			if (def)
				rb_str(b, def);
			else
				rb_null(b);
			rb_str(b, col->not_null ? "NO" : "YES");
			rb_str(b, user_defined ? "USER-DEFINED" : is_array ? "ARRAY" : value_type_name(type));
			if ((type == OID_VARCHAR || type == OID_BPCHAR) && tm > 4)
				rb_int(b, tm - 4);
			else
				rb_null(b);
			if (type == OID_TEXT || type == OID_VARCHAR || type == OID_BPCHAR)
				rb_int(b, 1073741824);
			else
				rb_null(b);
			if (is_int || is_float) {
				rb_int(b, type == OID_INT2     ? 16
					  : type == OID_INT4   ? 32
					  : type == OID_INT8   ? 64
					  : type == OID_FLOAT4 ? 24
							       : 53);
				rb_int(b, 2);
			} else {
				rb_null(b);
				rb_null(b);
			}
			if (is_int)
				rb_int(b, 0);
			else
				rb_null(b);
			if (type == OID_TIMESTAMPTZ || type == OID_TIMESTAMP)
				rb_int(b, 6);
			else
				rb_null(b);
			rb_str(b, db ? db : "");
			rb_str(b, user_defined ? "public" : "pg_catalog");
			rb_str(b, udt ? udt : "");
			const char *dtd = arena_printf(q->a, "%zu", c + 1);
			if (!dtd)
				b->oom = true;
			rb_str(b, dtd ? dtd : "");
			rb_str(b, "NO");
			rb_str(b, "NEVER");
			rb_str(b, "YES");
		}
	}
	return 0;
}

static const colspec is_schemata_cols[] = {
    {"catalog_name", OID_NAME},
    {"schema_name", OID_NAME},
    {"schema_owner", OID_NAME},
    {"default_character_set_catalog", OID_NAME},
    {"default_character_set_schema", OID_NAME},
    {"default_character_set_name", OID_NAME},
    {"sql_path", OID_VARCHAR},
};

static int build_is_schemata(catq *q, rowb *b, sql_error *err)
{
	(void)err;
	static const char *const schemas[] = {"information_schema", "pg_catalog", "pg_toast", "public"};
	char *db = arena_strdup(q->a, database_name(q));
	char *user = arena_strdup(q->a, session_user(q->ctx));
	if (!db || !user)
		b->oom = true;
	for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++) {
		rb_row(b);
		rb_str(b, db ? db : "");
		rb_str(b, schemas[i]);
		rb_str(b, user ? user : "");
		rb_null(b);
		rb_null(b);
		rb_null(b);
		rb_null(b);
	}
	return 0;
}

static const colspec progress_cols[] = {
    {"table_name", OID_TEXT}, {"index_name", OID_TEXT}, {"group_id", OID_INT8},
    {"state", OID_TEXT},      {"done", OID_INT8},	{"total", OID_INT8},
};

#define PGC_MAX_GROUPS 1024

/* omendb_index_progress: every data group's leader reports the build
 * state of its part of each index (StatusResponse.tables[].indexes). */
static int build_index_progress(catq *q, rowb *b, sql_error *err)
{
	pgcatalog_ctx *ctx = q->ctx;
	const Omendb__Catalog *cat = ctx->cat;
	if (!ctx->fanout || !ctx->router || !cat || !cat->shard_map)
		return 0;
	uint32_t groups[PGC_MAX_GROUPS];
	size_t n = 0;
	for (size_t i = 0; i < cat->shard_map->n_bucket_group; i++) {
		uint32_t g = cat->shard_map->bucket_group[i];
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = groups[k] == g;
		if (!seen && n < PGC_MAX_GROUPS)
			groups[n++] = g;
	}
	if (n == 0)
		return 0;
	Omendb__Request **reqs = arena_calloc(q->a, n, sizeof *reqs);
	Omendb__Response **resps = arena_calloc(q->a, n, sizeof *resps);
	int *codes = arena_calloc(q->a, n, sizeof *codes);
	Omendb__StatusRequest *sr = arena_alloc(q->a, sizeof *sr);
	if (!reqs || !resps || !codes || !sr)
		return oom(err);
	omendb__status_request__init(sr);
	for (size_t i = 0; i < n; i++) {
		Omendb__Request *r = arena_alloc(q->a, sizeof *r);
		Omendb__RpcHeader *h = arena_alloc(q->a, sizeof *h);
		if (!r || !h)
			return oom(err);
		omendb__request__init(r);
		omendb__rpc_header__init(h);
		r->header = h;
		r->read_level = OMENDB__READ_LEVEL__READ_LEADER;
		r->body_case = OMENDB__REQUEST__BODY_STATUS;
		r->status = sr;
		reqs[i] = r;
	}
	int rc = ctx->fanout(ctx->router, n, groups, reqs, 0, resps, codes);
	if (rc != OMEN_OK)
		return oom(err);
	int result = 0;
	for (size_t i = 0; i < n && result == 0; i++) {
		const Omendb__Response *resp = resps[i];
		if (codes[i] != OMEN_OK || !resp || resp->status != OMENDB__STATUS__STATUS_OK ||
		    resp->body_case != OMENDB__RESPONSE__BODY_STATUS_INFO) {
			eval_error(err, "58000", -1,
				   "shard group %u could not answer (%s); the query was not completed",
				   groups[i],
				   codes[i] != OMEN_OK ? error_message(codes[i]) : "status refused");
			result = -1;
			break;
		}
		const Omendb__StatusResponse *st = resp->status_info;
		for (size_t t = 0; t < st->n_tables; t++) {
			const Omendb__TableStatus *ts = st->tables[t];
			for (size_t k = 0; k < ts->n_indexes; k++) {
				const Omendb__IndexStatus *is = ts->indexes[k];
				rb_row(b);
				rb_strdup(b, ts->name);
				rb_strdup(b, is->name);
				rb_int(b, groups[i]);
				rb_str(b,
				       is->state == OMENDB__INDEX_STATE__INDEX_READY ? "ready" : "building");
				rb_int(b, is->build_done > INT64_MAX ? INT64_MAX : (int64_t)is->build_done);
				rb_int(b, is->build_total > INT64_MAX ? INT64_MAX : (int64_t)is->build_total);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (resps[i])
			omendb__response__free_unpacked(resps[i], NULL);
	return result;
}

#define VREL(schema, name, cols, fn)                                                                         \
	{                                                                                                    \
		schema, name, cols, sizeof cols / sizeof cols[0], fn                                         \
	}

static const vrel vrels[] = {
    VREL("pg_catalog", "pg_type", pg_type_cols, build_pg_type),
    VREL("pg_catalog", "pg_namespace", pg_namespace_cols, build_pg_namespace),
    VREL("pg_catalog", "pg_class", pg_class_cols, build_pg_class),
    VREL("pg_catalog", "pg_attribute", pg_attribute_cols, build_pg_attribute),
    VREL("pg_catalog", "pg_index", pg_index_cols, build_pg_index),
    VREL("pg_catalog", "pg_am", pg_am_cols, build_pg_am),
    VREL("pg_catalog", "pg_attrdef", pg_attrdef_cols, build_pg_attrdef),
    VREL("pg_catalog", "pg_constraint", pg_constraint_cols, build_pg_constraint),
    VREL("pg_catalog", "pg_description", pg_description_cols, NULL),
    VREL("pg_catalog", "pg_settings", pg_settings_cols, build_pg_settings),
    VREL("pg_catalog", "pg_database", pg_database_cols, build_pg_database),
    VREL("pg_catalog", "pg_roles", pg_roles_cols, build_pg_roles),
    VREL("pg_catalog", "pg_user", pg_user_cols, build_pg_user),
    VREL("pg_catalog", "pg_extension", pg_extension_cols, build_pg_extension),
    VREL("pg_catalog", "pg_proc", pg_proc_cols, NULL),
    VREL("pg_catalog", "pg_range", pg_range_cols, NULL),
    VREL("pg_catalog", "pg_enum", pg_enum_cols, NULL),
    VREL("pg_catalog", "pg_collation", pg_collation_cols, build_pg_collation),
    VREL("pg_catalog", "pg_inherits", pg_inherits_cols, NULL),
    VREL("pg_catalog", "pg_trigger", pg_trigger_cols, NULL),
    VREL("pg_catalog", "pg_policy", pg_policy_cols, NULL),
    VREL("pg_catalog", "pg_rewrite", pg_rewrite_cols, NULL),
    VREL("pg_catalog", "pg_statistic_ext", pg_statistic_ext_cols, NULL),
    VREL("pg_catalog", "pg_publication", pg_publication_cols, NULL),
    VREL("pg_catalog", "pg_publication_rel", pg_publication_rel_cols, NULL),
    VREL("pg_catalog", "pg_publication_namespace", pg_publication_namespace_cols, NULL),
    VREL("pg_catalog", "pg_tablespace", pg_tablespace_cols, build_pg_tablespace),
    VREL("pg_catalog", "pg_sequence", pg_sequence_cols, NULL),
    VREL("pg_catalog", "pg_language", pg_language_cols, build_pg_language),
    VREL("pg_catalog", "pg_tables", pg_tables_cols, build_pg_tables),
    VREL("pg_catalog", "pg_indexes", pg_indexes_cols, build_pg_indexes),
    VREL("information_schema", "tables", is_tables_cols, build_is_tables),
    VREL("information_schema", "columns", is_columns_cols, build_is_columns),
    VREL("information_schema", "schemata", is_schemata_cols, build_is_schemata),
    VREL("public", "omendb_index_progress", progress_cols, build_index_progress),
};

#define PGC_NVRELS (sizeof vrels / sizeof vrels[0])

/* The virtual relation schema.name names: PostgreSQL's search path puts
 * pg_catalog first, then public; information_schema must be written. */
static const vrel *vrel_find(const char *schema, const char *name)
{
	for (size_t i = 0; i < PGC_NVRELS; i++) {
		const vrel *v = &vrels[i];
		if (strcmp(v->name, name) != 0)
			continue;
		if (schema ? strcmp(schema, v->schema) == 0 : strcmp(v->schema, "information_schema") != 0)
			return v;
	}
	return NULL;
}

/* The rows of v, built once per statement. */
static int vrel_rows(catq *q, const vrel *v, rel **out, sql_error *err)
{
	size_t i = (size_t)(v - vrels);
	if (q->cache[i]) {
		*out = q->cache[i];
		return 0;
	}
	rel *r = arena_calloc(q->a, 1, sizeof *r);
	if (!r)
		return oom(err);
	r->ncols = v->ncols;
	r->names = arena_calloc(q->a, v->ncols, sizeof *r->names);
	r->types = arena_calloc(q->a, v->ncols, sizeof *r->types);
	r->typmods = arena_calloc(q->a, v->ncols, sizeof *r->typmods);
	if (!r->names || !r->types || !r->typmods)
		return oom(err);
	for (size_t c = 0; c < v->ncols; c++) {
		r->names[c] = v->cols[c].name;
		r->types[c] = v->cols[c].type;
		r->typmods[c] = -1;
	}
	rowb b = {.a = q->a, .r = r};
	if (v->build && v->build(q, &b, err))
		return -1;
	if (b.oom)
		return oom(err);
	q->cache[i] = r;
	*out = r;
	return 0;
}

/* --- the SELECT engine ---
 *
 * Nested loops over materialised relations (the catalog is small). Column
 * references are bound once per (sub)query: a column of this query's FROM
 * items becomes a reference into one combined row (eval sees a single
 * scope whose names are the positions "0", "1"...), a column of an
 * enclosing query (a correlated subquery) becomes the enclosing row's
 * value. Subqueries and aggregates, which eval does not evaluate, are
 * replaced by their values before each evaluation. */

typedef struct source {
	const char *name; /* as written in FROM, NULL for a function or subquery */
	const char *alias;
	const rel *r;
	size_t off; /* its first column in the combined row */
} source;

typedef struct level level;
struct level {
	catq *q;
	const level *outer;
	source *src;
	size_t nsrc;
	size_t ncols;
	const char **names; /* "0", "1"...: what bound column references name */
	pg_oid *types;
	int32_t *typmods;
	value *nulls;	  /* a row of typed NULLs */
	bool typing;	  /* types only: subqueries and aggregates become typed NULLs */
	eval_scope scope; /* scope.row: the current combined row */
	eval_ctx ec;
};

/* The rows an aggregate runs over. */
typedef struct unit {
	value **rows;
	size_t n;
} unit;

static int select_run(catq *q, const sql_select *sel, const level *outer, bool types_only, rel **out,
		      sql_error *err);

static bool is_aggregate(const char *f)
{
	static const char *const aggs[] = {"count",	"sum",	      "avg",	  "min",     "max",
					   "array_agg", "string_agg", "bool_and", "bool_or", "every"};
	for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
		if (strcmp(f, aggs[i]) == 0)
			return true;
	return false;
}

static bool has_aggregate(const sql_expr *e)
{
	if (!e)
		return false;
	if (e->kind == SQL_FUNC && is_aggregate(e->name))
		return true;
	for (size_t i = 0; i < e->nargs; i++)
		if (has_aggregate(e->args[i]))
			return true;
	return false;
}

/* What eval cannot evaluate itself: subqueries, and aggregates when aggs. */
static bool needs_subst(const sql_expr *e, bool aggs)
{
	if (!e)
		return false;
	if (e->kind == SQL_SUBQUERY || (aggs && e->kind == SQL_FUNC && is_aggregate(e->name)))
		return true;
	for (size_t i = 0; i < e->nargs; i++)
		if (needs_subst(e->args[i], aggs))
			return true;
	return false;
}

static sql_expr *copy_node(arena *a, const sql_expr *e)
{
	sql_expr *n = arena_alloc(a, sizeof *n);
	if (!n)
		return NULL;
	*n = *e;
	if (e->nargs) {
		n->args = arena_calloc(a, e->nargs, sizeof *n->args);
		if (!n->args)
			return NULL;
	}
	return n;
}

static sql_expr *const_node(arena *a, const sql_expr *like, value v)
{
	sql_expr *n = arena_calloc(a, 1, sizeof *n);
	if (!n)
		return NULL;
	n->kind = SQL_CONST;
	n->location = like ? like->location : -1;
	n->val = v;
	return n;
}

static sql_expr *func_node(arena *a, const sql_expr *like, const char *name, sql_expr *arg)
{
	sql_expr *n = arena_calloc(a, 1, sizeof *n);
	sql_expr **args = arena_calloc(a, 1, sizeof *args);
	if (!n || !args)
		return NULL;
	n->kind = SQL_FUNC;
	n->location = like->location;
	n->name = name;
	n->args = args;
	n->args[0] = arg;
	n->nargs = 1;
	return n;
}

static const char *source_label(const source *s)
{
	return s->alias ? s->alias : s->name;
}

/* Binds a column reference (see above): 42702 when an unqualified name is
 * in several FROM items of the innermost query that has it, 42703 / 42P01
 * when nothing has it. */
static int bind_column(level *lv, const sql_expr *e, sql_expr *n, sql_error *err)
{
	for (const level *l = lv; l; l = l->outer) {
		int hit = -1, hits = 0;
		bool qualifier_seen = false;
		for (size_t s = 0; s < l->nsrc; s++) {
			const source *src = &l->src[s];
			if (e->qualifier) {
				const char *label = source_label(src);
				if (!label || strcmp(label, e->qualifier) != 0)
					continue;
				qualifier_seen = true;
			}
			for (size_t c = 0; c < src->r->ncols; c++)
				if (strcmp(src->r->names[c], e->name) == 0) {
					hits++;
					hit = (int)(src->off + c);
				}
		}
		if (hits > 1) {
			eval_error(err, "42702", e->location, "column reference \"%s\" is ambiguous",
				   e->name);
			return -1;
		}
		if (hits == 1) {
			if (l == lv) {
				n->qualifier = NULL;
				n->name = lv->names[hit];
			} else {
				n->kind = SQL_CONST;
				n->val = l->typing || !l->scope.row ? l->nulls[hit] : l->scope.row[hit];
				n->name = NULL;
				n->qualifier = NULL;
			}
			return 0;
		}
		if (qualifier_seen) {
			eval_error(err, "42703", e->location, "column %s.%s does not exist", e->qualifier,
				   e->name);
			return -1;
		}
	}
	if (e->qualifier)
		eval_error(err, "42P01", e->location, "missing FROM-clause entry for table \"%s\"",
			   e->qualifier);
	else
		eval_error(err, "42703", e->location, "column \"%s\" does not exist", e->name);
	return -1;
}

/* The regular-expression operators as the functions that implement them
 * in PostgreSQL (OPERATOR(pg_catalog.~) included). */
static const char *regex_function(const char *op)
{
	const char *p = op;
	if (strncmp(p, "OPERATOR(", 9) == 0)
		p += 9;
	if (strncmp(p, "pg_catalog.", 11) == 0)
		p += 11;
	size_t n = strcspn(p, ")");
	if (n == 1 && p[0] == '~')
		return "textregexeq";
	if (n == 2 && strncmp(p, "!~", 2) == 0)
		return "textregexne";
	if (n == 2 && strncmp(p, "~*", 2) == 0)
		return "texticregexeq";
	if (n == 3 && strncmp(p, "!~*", 3) == 0)
		return "texticregexne";
	return NULL;
}

/* The reg* types OmenDB has no oid for, read as their names: the
 * function that renders one (::regnamespace gives the schema's name). */
static const char *unknown_reg_cast(const char *type_name)
{
	const char *dot = strrchr(type_name, '.');
	const char *t = dot ? dot + 1 : type_name;
	if (strcmp(t, "regnamespace") == 0)
		return "regnamespaceout";
	if (strcmp(t, "regprocedure") == 0)
		return "regproc";
	if (strcmp(t, "regrole") == 0)
		return "pg_get_userbyid";
	return NULL;
}

static bool makes_regclass(const sql_expr *e)
{
	return e && e->kind == SQL_FUNC &&
	       (strcmp(e->name, "regclass") == 0 || strcmp(e->name, "to_regclass") == 0);
}

static int type_in(level *lv, const sql_expr *e, bool aggs, pg_oid *t, int32_t *tm, sql_error *err);

/* A copy of e with its column references bound in lv and the catalog's
 * rewrites applied: regex operators and ::regclass / ::regproc casts
 * become the hook's functions. Subqueries stay (bound when evaluated). */
static int bind_expr(level *lv, const sql_expr *e, sql_expr **out, sql_error *err, int depth)
{
	*out = NULL;
	if (!e)
		return 0;
	if (depth > 1000) {
		eval_error(err, "54001", e->location, "expression is too deeply nested");
		return -1;
	}
	arena *a = lv->q->a;
	sql_expr *n = copy_node(a, e);
	if (!n)
		return oom(err);
	for (size_t i = 0; i < e->nargs; i++)
		if (bind_expr(lv, e->args[i], &n->args[i], err, depth + 1))
			return -1;
	switch (e->kind) {
	case SQL_COLUMN:
		if (bind_column(lv, e, n, err))
			return -1;
		break;
	case SQL_OP: {
		const char *f = e->nargs == 2 ? regex_function(e->name) : NULL;
		if (!f && e->nargs == 2 && strcmp(e->name, "||") == 0) {
			/* array || array (psql's reloptions): eval only concatenates text. */
			pg_oid lt, rt;
			int32_t tm;
			if (type_in(lv, n->args[0], false, &lt, &tm, err) ||
			    type_in(lv, n->args[1], false, &rt, &tm, err))
				return -1;
			if (value_array_elem(lt) || value_array_elem(rt))
				f = "array_cat";
		}
		if (f) {
			n->kind = SQL_FUNC;
			n->name = f;
		}
		break;
	}
	case SQL_CAST:
		if (e->cast.oid == 0 && e->cast.name && unknown_reg_cast(e->cast.name)) {
			n = func_node(a, e, unknown_reg_cast(e->cast.name), n->args[0]);
			if (!n)
				return oom(err);
		} else if (e->cast.oid == OID_REGCLASS || e->cast.oid == OID_REGPROC) {
			if (e->cast.oid == OID_REGCLASS && makes_regclass(n->args[0])) {
				*out = n->args[0];
				return 0;
			}
			n = func_node(a, e, e->cast.oid == OID_REGCLASS ? "regclass" : "regproc", n->args[0]);
			if (!n)
				return oom(err);
		} else if (is_text_type(e->cast.oid) && makes_regclass(n->args[0])) {
			sql_expr *f = func_node(a, e, "regclassout", n->args[0]);
			if (!f)
				return oom(err);
			n->args[0] = f;
		}
		break;
	default:
		break;
	}
	*out = n;
	return 0;
}

static int subquery_value(level *lv, const sql_expr *e, value *out, sql_error *err);
static int aggregate_value(level *lv, const sql_expr *e, const unit *g, value *out, sql_error *err);

/* e with its subqueries (and, with g, its aggregates over g's rows)
 * replaced by their values for the current row. */
static int subst(level *lv, const sql_expr *e, const unit *g, sql_expr **out, sql_error *err)
{
	if (!needs_subst(e, g != NULL)) {
		*out = (sql_expr *)e;
		return 0;
	}
	value v;
	if (e->kind == SQL_SUBQUERY || (g && e->kind == SQL_FUNC && is_aggregate(e->name))) {
		if (e->kind == SQL_SUBQUERY ? subquery_value(lv, e, &v, err)
					    : aggregate_value(lv, e, g, &v, err))
			return -1;
		*out = const_node(lv->q->a, e, v);
		return *out ? 0 : oom(err);
	}
	sql_expr *n = copy_node(lv->q->a, e);
	if (!n)
		return oom(err);
	for (size_t i = 0; i < e->nargs; i++)
		if (e->args[i] && subst(lv, e->args[i], g, &n->args[i], err))
			return -1;
	*out = n;
	return 0;
}

static int eval_in(level *lv, const sql_expr *e, const unit *g, value *out, sql_error *err)
{
	sql_expr *m;
	if (subst(lv, e, g, &m, err))
		return -1;
	return eval_expr(&lv->ec, m, out, err);
}

static int cond_in(level *lv, const sql_expr *e, const unit *g, bool *out, sql_error *err)
{
	sql_expr *m;
	if (subst(lv, e, g, &m, err))
		return -1;
	return eval_condition(&lv->ec, m, out, err);
}

static int type_in(level *lv, const sql_expr *e, bool aggs, pg_oid *t, int32_t *tm, sql_error *err)
{
	static const unit none = {NULL, 0};
	sql_expr *m;
	bool saved = lv->typing;
	const value *row = lv->scope.row;
	lv->typing = true;
	lv->scope.row = NULL;
	int rc = subst(lv, e, aggs ? &none : NULL, &m, err);
	if (rc == 0)
		rc = eval_type(&lv->ec, m, t, tm, err);
	lv->typing = saved;
	lv->scope.row = row;
	return rc;
}

/* A subquery's value for lv's current row: EXISTS, IN, ARRAY() or a
 * scalar subquery (21000 for more than one row). */
static int subquery_value(level *lv, const sql_expr *e, value *out, sql_error *err)
{
	catq *q = lv->q;
	rel *r;
	if (select_run(q, e->sub, lv, lv->typing, &r, err))
		return -1;
	bool exists = e->name && strcmp(e->name, "exists") == 0;
	bool array = e->name && strcmp(e->name, "array") == 0;
	if (exists) {
		*out = lv->typing ? value_null(OID_BOOL) : value_bool(r->nrows > 0);
		return 0;
	}
	if (r->ncols != 1) {
		eval_error(err, "42601", e->location, "subquery must return only one column");
		return -1;
	}
	if (e->sublink_in) {
		if (lv->typing) {
			*out = value_null(OID_BOOL);
			return 0;
		}
		/* x IN (v1, v2...) with eval's three-valued IN. */
		sql_expr in = {.kind = SQL_IN, .location = e->location, .nargs = r->nrows + 1};
		in.args = arena_calloc(q->a, r->nrows + 1, sizeof *in.args);
		if (!in.args || e->nargs < 1)
			return e->nargs < 1
				   ? (eval_error(err, "XX000", e->location, "IN without its operand"), -1)
				   : oom(err);
		in.args[0] = e->args[0];
		for (size_t i = 0; i < r->nrows; i++)
			if (!(in.args[i + 1] = const_node(q->a, e, r->rows[i][0])))
				return oom(err);
		return eval_in(lv, &in, NULL, out, err);
	}
	if (array) {
		pg_oid at = value_array_of(r->types[0]);
		if (!at) {
			eval_error(err, "0A000", e->location, "arrays of %s are not supported",
				   value_type_name(r->types[0]));
			return -1;
		}
		value v = {.type = at};
		if (!lv->typing) {
			v.u.arr.elem = r->types[0];
			v.u.arr.n = (uint32_t)r->nrows;
			v.u.arr.items = arena_calloc(q->a, r->nrows + 1, sizeof(value));
			if (!v.u.arr.items)
				return oom(err);
			for (size_t i = 0; i < r->nrows; i++)
				v.u.arr.items[i] = r->rows[i][0];
		} else {
			v.isnull = true;
		}
		*out = v;
		return 0;
	}
	if (lv->typing || r->nrows == 0) {
		*out = value_null(r->types[0]);
		return 0;
	}
	if (r->nrows > 1) {
		eval_error(err, "21000", e->location,
			   "more than one row returned by a subquery used as an expression");
		return -1;
	}
	*out = r->rows[0][0];
	return 0;
}

static bool values_equal(const value *a, const value *b)
{
	if (a->isnull || b->isnull)
		return a->isnull && b->isnull;
	int cmp;
	value_error ve;
	return value_compare(a, b, &cmp, &ve) == 0 && cmp == 0;
}

/* The aggregate e over g's rows (count, sum, avg, min, max, array_agg,
 * string_agg, bool_and, bool_or, every), [DISTINCT] as written. */
static int aggregate_value(level *lv, const sql_expr *e, const unit *g, value *out, sql_error *err)
{
	catq *q = lv->q;
	const char *f = e->name;
	bool star = e->star || (e->nargs == 1 && e->args[0]->kind == SQL_STAR);
	size_t want = strcmp(f, "string_agg") == 0 ? 2 : 1;
	if (!star && e->nargs != want) {
		eval_error(err, "42883", e->location, "function %s with %zu arguments does not exist", f,
			   e->nargs);
		return -1;
	}
	pg_oid at = OID_INT8;
	int32_t tm;
	if (!star) {
		if (type_in(lv, e->args[0], false, &at, &tm, err))
			return -1;
		if (at == OID_UNKNOWN)
			at = OID_TEXT;
	}
	pg_oid rt = strcmp(f, "count") == 0 ? OID_INT8
		    : strcmp(f, "sum") == 0 ? (at == OID_INT2 || at == OID_INT4	     ? OID_INT8
					       : at == OID_INT8 || at == OID_NUMERIC ? OID_NUMERIC
										     : at)
		    : strcmp(f, "avg") == 0
			? (at == OID_FLOAT4 || at == OID_FLOAT8 ? OID_FLOAT8 : OID_NUMERIC)
		    : strcmp(f, "array_agg") == 0  ? value_array_of(at)
		    : strcmp(f, "string_agg") == 0 ? OID_TEXT
		    : f[0] == 'b' || f[0] == 'e'   ? OID_BOOL
						   : at;
	if (rt == 0) {
		eval_error(err, "0A000", e->location, "arrays of %s are not supported", value_type_name(at));
		return -1;
	}
	if (lv->typing) {
		*out = value_null(rt);
		return 0;
	}
	value *vals = arena_calloc(q->a, g->n + 1, sizeof *vals);
	value *seps = arena_calloc(q->a, g->n + 1, sizeof *seps);
	if (!vals || !seps)
		return oom(err);
	const value *saved = lv->scope.row;
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++) {
		lv->scope.row = g->rows[i];
		if (star) {
			n++;
			continue;
		}
		value v;
		if (eval_in(lv, e->args[0], NULL, &v, err) ||
		    (want == 2 && eval_in(lv, e->args[1], NULL, &seps[n], err))) {
			lv->scope.row = saved;
			return -1;
		}
		if (v.isnull && strcmp(f, "array_agg") != 0)
			continue;
		bool dup = false;
		for (size_t k = 0; e->distinct && k < n && !dup; k++)
			dup = values_equal(&vals[k], &v);
		if (!dup)
			vals[n++] = v;
	}
	lv->scope.row = saved;
	if (strcmp(f, "count") == 0) {
		*out = value_int(OID_INT8, (int64_t)n);
		return 0;
	}
	if (n == 0) {
		*out = value_null(rt);
		return 0;
	}
	value_error ve;
	if (strcmp(f, "min") == 0 || strcmp(f, "max") == 0) {
		value best = vals[0];
		for (size_t i = 1; i < n; i++) {
			int cmp;
			if (value_compare(&vals[i], &best, &cmp, &ve)) {
				eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
				return -1;
			}
			if (f[1] == 'i' ? cmp < 0 : cmp > 0)
				best = vals[i];
		}
		*out = best;
		return 0;
	}
	if (strcmp(f, "sum") == 0 || strcmp(f, "avg") == 0) {
		double sum = 0;
		int64_t isum = 0;
		bool ints = at == OID_INT2 || at == OID_INT4 || at == OID_INT8;
		for (size_t i = 0; i < n; i++) {
			value d;
			if (value_cast(q->a, &vals[i], OID_FLOAT8, -1, false, &d, &ve)) {
				eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
				return -1;
			}
			sum += d.u.f;
			if (ints && __builtin_add_overflow(isum, vals[i].u.i, &isum))
				ints = false;
		}
		if (f[0] == 'a')
			*out = value_float(rt, sum / (double)n);
		else if (rt == OID_INT8 && ints)
			*out = value_int(OID_INT8, isum);
		else
			*out = value_float(rt, sum);
		return 0;
	}
	if (strcmp(f, "array_agg") == 0) {
		value arr = {.type = rt};
		arr.u.arr.elem = at;
		arr.u.arr.n = (uint32_t)n;
		arr.u.arr.items = vals;
		for (size_t i = 0; i < n; i++)
			if (vals[i].isnull)
				vals[i].type = at;
		*out = arr;
		return 0;
	}
	if (strcmp(f, "string_agg") == 0) {
		char *s = arena_strdup(q->a, "");
		for (size_t i = 0; s && i < n; i++) {
			char *t, *sep = "";
			size_t len, slen = 0;
			if (value_to_text(q->a, &vals[i], &t, &len, &ve)) {
				eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
				return -1;
			}
			if (i > 0 && !seps[i].isnull && value_to_text(q->a, &seps[i], &sep, &slen, &ve)) {
				eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
				return -1;
			}
			s = arena_printf(q->a, "%s%s%s", s, i > 0 ? sep : "", t);
		}
		if (!s)
			return oom(err);
		*out = value_text(OID_TEXT, s, strlen(s));
		return 0;
	}
	/* bool_and / every / bool_or */
	bool and = f[0] == 'e' || strcmp(f, "bool_and") == 0, acc = and;
	for (size_t i = 0; i < n; i++) {
		value b = vals[i];
		if (b.type != OID_BOOL && value_cast(q->a, &vals[i], OID_BOOL, -1, false, &b, &ve)) {
			eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
			return -1;
		}
		acc = and? acc && b.u.b : acc || b.u.b;
	}
	*out = value_bool(acc);
	return 0;
}

static rel *rel_new(arena *a, size_t ncols)
{
	rel *r = arena_calloc(a, 1, sizeof *r);
	if (!r)
		return NULL;
	r->ncols = ncols;
	r->names = arena_calloc(a, ncols + 1, sizeof *r->names);
	r->types = arena_calloc(a, ncols + 1, sizeof *r->types);
	r->typmods = arena_calloc(a, ncols + 1, sizeof *r->typmods);
	return r->names && r->types && r->typmods ? r : NULL;
}

static bool rel_append(arena *a, rel *r, value *row)
{
	if (!grow_rows(a, r))
		return false;
	r->rows[r->nrows++] = row;
	return true;
}

static value *row_copy(arena *a, const value *row, size_t n)
{
	value *c = arena_alloc(a, (n ? n : 1) * sizeof *c);
	if (c && n)
		memcpy(c, row, n * sizeof *c);
	return c;
}

static int level_init(catq *q, const level *outer, size_t nsrc, level *lv, sql_error *err);

/* The rows of a set-returning function in FROM: generate_series(a, b
 * [, step]) or unnest(array); its column is named by the alias. */
static int function_rel(catq *q, const level *outer, const sql_from *f, bool types_only, rel **out,
			sql_error *err)
{
	const sql_expr *fn = f->func;
	bool series = strcmp(fn->name, "generate_series") == 0, unnest = strcmp(fn->name, "unnest") == 0;
	if ((!series && !unnest) || (series && (fn->nargs < 2 || fn->nargs > 3)) ||
	    (unnest && fn->nargs != 1)) {
		eval_error(
		    err, "0A000", fn->location,
		    "only generate_series(start, stop[, step]) and unnest(array) are supported in FROM here");
		return -1;
	}
	level fl;
	memset(&fl, 0, sizeof fl);
	if (level_init(q, outer, 0, &fl, err))
		return -1;
	sql_expr *args[3];
	pg_oid types[3];
	int32_t tm;
	for (size_t i = 0; i < fn->nargs; i++)
		if (bind_expr(&fl, fn->args[i], &args[i], err, 0) ||
		    type_in(&fl, args[i], false, &types[i], &tm, err))
			return -1;
	pg_oid t = series ? (types[0] == OID_INT8 || types[1] == OID_INT8 ? OID_INT8 : OID_INT4)
			  : value_array_elem(types[0]);
	if (unnest && !t) {
		eval_error(err, "42883", fn->location, "function unnest(%s) does not exist",
			   value_type_name(types[0]));
		return -1;
	}
	rel *r = rel_new(q->a, 1);
	if (!r)
		return oom(err);
	r->names[0] = f->alias ? f->alias : fn->name;
	r->types[0] = t;
	r->typmods[0] = -1;
	*out = r;
	if (types_only)
		return 0;
	fl.scope.row = fl.nulls;
	value v[3];
	value_error ve;
	for (size_t i = 0; i < fn->nargs; i++) {
		if (eval_in(&fl, args[i], NULL, &v[i], err))
			return -1;
		if (series && !v[i].isnull && value_cast(q->a, &v[i], OID_INT8, -1, false, &v[i], &ve)) {
			eval_error(err, ve.sqlstate, fn->location, "%s", ve.message);
			return -1;
		}
		if (v[i].isnull)
			return 0; /* strict: no rows */
	}
	if (unnest) {
		for (uint32_t i = 0; i < v[0].u.arr.n; i++) {
			value *row = row_copy(q->a, &v[0].u.arr.items[i], 1);
			if (!row || !rel_append(q->a, r, row))
				return oom(err);
		}
		return 0;
	}
	int64_t step = fn->nargs == 3 ? v[2].u.i : 1;
	if (step == 0) {
		eval_error(err, "22023", fn->location, "step size cannot equal zero");
		return -1;
	}
	for (int64_t i = v[0].u.i; step > 0 ? i <= v[1].u.i : i >= v[1].u.i;) {
		if (r->nrows >= PGC_MAX_ROWS) {
			eval_error(err, "54000", fn->location, "generate_series here is limited to %d rows",
				   PGC_MAX_ROWS);
			return -1;
		}
		value one = value_int(t, i), *row = row_copy(q->a, &one, 1);
		if (!row || !rel_append(q->a, r, row))
			return oom(err);
		if (__builtin_add_overflow(i, step, &i))
			break;
	}
	return 0;
}

static int vrel_rel(catq *q, const sql_from *f, bool types_only, rel **out, sql_error *err);

static int from_rel(catq *q, const level *outer, const sql_from *f, bool types_only, rel **out,
		    sql_error *err)
{
	rel *r;
	if (f->sub) {
		if (select_run(q, f->sub, NULL, types_only, &r, err))
			return -1;
	} else if (f->func) {
		if (function_rel(q, outer, f, types_only, &r, err))
			return -1;
	} else {
		return vrel_rel(q, f, types_only, out, err);
	}
	/* AS alias(c1, c2...) renames the first columns. */
	if (f->ncolnames > r->ncols) {
		eval_error(err, "42P10", -1,
			   "table \"%s\" has %zu columns available but %zu columns specified",
			   f->alias ? f->alias : "?", r->ncols, f->ncolnames);
		return -1;
	}
	for (size_t i = 0; i < f->ncolnames; i++)
		r->names[i] = f->colnames[i];
	*out = r;
	return 0;
}

static int vrel_rel(catq *q, const sql_from *f, bool types_only, rel **out, sql_error *err)
{
	const vrel *v = vrel_find(f->schema, f->name);
	if (!v) {
		if (f->schema)
			eval_error(err, "42P01", -1, "relation \"%s.%s\" does not exist", f->schema, f->name);
		else
			eval_error(err, "42P01", -1, "relation \"%s\" does not exist", f->name);
		return -1;
	}
	if (!types_only)
		return vrel_rows(q, v, out, err);
	rel *r = rel_new(q->a, v->ncols);
	if (!r)
		return oom(err);
	for (size_t c = 0; c < v->ncols; c++) {
		r->names[c] = v->cols[c].name;
		r->types[c] = v->cols[c].type;
		r->typmods[c] = -1;
	}
	*out = r;
	return 0;
}

/* The combined scope of lv's sources (already in lv->src). */
static int level_init(catq *q, const level *outer, size_t nsrc, level *lv, sql_error *err)
{
	size_t ncols = 0;
	for (size_t i = 0; i < nsrc; i++) {
		lv->src[i].off = ncols;
		ncols += lv->src[i].r->ncols;
	}
	lv->q = q;
	lv->outer = outer;
	lv->nsrc = nsrc;
	lv->ncols = ncols;
	lv->names = arena_calloc(q->a, ncols + 1, sizeof *lv->names);
	lv->types = arena_calloc(q->a, ncols + 1, sizeof *lv->types);
	lv->typmods = arena_calloc(q->a, ncols + 1, sizeof *lv->typmods);
	lv->nulls = arena_calloc(q->a, ncols + 1, sizeof *lv->nulls);
	if (!lv->names || !lv->types || !lv->typmods || !lv->nulls)
		return oom(err);
	for (size_t i = 0; i < nsrc; i++) {
		const rel *r = lv->src[i].r;
		for (size_t c = 0; c < r->ncols; c++) {
			size_t k = lv->src[i].off + c;
			lv->names[k] = arena_printf(q->a, "%zu", k);
			if (!lv->names[k])
				return oom(err);
			lv->types[k] = r->types[c];
			lv->typmods[k] = r->typmods ? r->typmods[c] : -1;
			lv->nulls[k] = value_null(r->types[c]);
		}
	}
	lv->scope =
	    (eval_scope){.ncols = ncols, .names = lv->names, .types = lv->types, .typmods = lv->typmods};
	exec_session *s = q->ctx->session;
	lv->ec = (eval_ctx){.a = q->a,
			    .scope = &lv->scope,
			    .param_types = q->param_types,
			    .nparams = q->nparams,
			    .params = q->params,
			    .setting = s ? s->setting : NULL,
			    .setting_arg = s ? s->setting_arg : NULL,
			    .hook = pgcatalog_func_hook,
			    .hook_arg = q->ctx};
	return 0;
}

static int level_open(catq *q, const level *outer, const sql_select *sel, bool types_only, level *lv,
		      sql_error *err)
{
	memset(lv, 0, sizeof *lv);
	lv->src = arena_calloc(q->a, sel->nfrom + 1, sizeof *lv->src);
	if (!lv->src)
		return oom(err);
	for (size_t i = 0; i < sel->nfrom; i++) {
		const sql_from *f = &sel->from[i];
		if (f->join == SQL_JOIN_RIGHT || f->join == SQL_JOIN_FULL) {
			eval_error(
			    err, "0A000", f->on ? f->on->location : -1,
			    "RIGHT and FULL joins of catalog relations are not supported; use LEFT JOIN");
			return -1;
		}
		rel *r;
		if (from_rel(q, outer, f, types_only, &r, err))
			return -1;
		lv->src[i] = (source){.name = f->name, .alias = f->alias, .r = r};
	}
	return level_init(q, outer, sel->nfrom, lv, err);
}

/* The joined rows that pass ON and WHERE: nested loops, the WHERE applied
 * while the last FROM item is joined so that only passing rows are kept. */
static int join_rows(level *lv, const sql_select *sel, sql_expr *const *ons, const sql_expr *where, rel *out,
		     sql_error *err)
{
	catq *q = lv->q;
	size_t ncols = lv->ncols;
	value *scratch = arena_alloc(q->a, (ncols + 1) * sizeof *scratch);
	value *start = row_copy(q->a, lv->nulls, ncols);
	if (!scratch || !start)
		return oom(err);
	value **cur = &start;
	size_t ncur = 1;
	if (lv->nsrc == 0) {
		bool ok = true;
		lv->scope.row = start;
		if (where && cond_in(lv, where, NULL, &ok, err))
			return -1;
		if (ok && !rel_append(q->a, out, start))
			return oom(err);
		return 0;
	}
	for (size_t s = 0; s < lv->nsrc; s++) {
		bool last = s + 1 == lv->nsrc;
		const source *src = &lv->src[s];
		rel next = {.ncols = ncols};
		rel *dst = last ? out : &next;
		for (size_t p = 0; p < ncur; p++) {
			bool matched = false;
			for (size_t k = 0; k <= src->r->nrows; k++) {
				bool ok = true, outer_row = k == src->r->nrows;
				if (outer_row && (matched || sel->from[s].join != SQL_JOIN_LEFT))
					break;
				memcpy(scratch, cur[p], ncols * sizeof *scratch);
				if (!outer_row)
					memcpy(scratch + src->off, src->r->rows[k],
					       src->r->ncols * sizeof *scratch);
				lv->scope.row = scratch;
				if (!outer_row && ons[s] && cond_in(lv, ons[s], NULL, &ok, err))
					return -1;
				if (!ok)
					continue;
				matched = true;
				if (last && where && cond_in(lv, where, NULL, &ok, err))
					return -1;
				if (!ok)
					continue;
				if (dst->nrows >= PGC_MAX_ROWS) {
					eval_error(err, "54000", -1,
						   "the catalog query produces more than %d rows",
						   PGC_MAX_ROWS);
					return -1;
				}
				value *row = row_copy(q->a, scratch, ncols);
				if (!row || !rel_append(q->a, dst, row))
					return oom(err);
			}
		}
		cur = next.rows;
		ncur = next.nrows;
	}
	return 0;
}

typedef struct target {
	sql_expr *bound;
	const char *name;
	pg_oid type;
	int32_t typmod;
	bool regclass; /* shown as the relation's name */
} target;

typedef struct sortkey {
	int col; /* an output column, or -1: bound */
	sql_expr *bound;
	bool desc;
	int nulls;
} sortkey;

static int expand_targets(level *lv, const sql_select *sel, target **out, size_t *n, sql_error *err)
{
	catq *q = lv->q;
	size_t count = 0;
	for (size_t i = 0; i < sel->ntargets; i++) {
		const sql_expr *e = sel->targets[i].expr;
		if (e->kind != SQL_STAR) {
			count++;
			continue;
		}
		if (lv->nsrc == 0) {
			eval_error(err, "42601", e->location,
				   "SELECT * with no tables specified is not valid");
			return -1;
		}
		bool any = false;
		for (size_t s = 0; s < lv->nsrc; s++)
			if (!e->qualifier || (source_label(&lv->src[s]) &&
					      strcmp(source_label(&lv->src[s]), e->qualifier) == 0)) {
				count += lv->src[s].r->ncols;
				any = true;
			}
		if (!any) {
			eval_error(err, "42P01", e->location, "missing FROM-clause entry for table \"%s\"",
				   e->qualifier);
			return -1;
		}
	}
	target *t = arena_calloc(q->a, count + 1, sizeof *t);
	if (!t)
		return oom(err);
	size_t k = 0;
	for (size_t i = 0; i < sel->ntargets; i++) {
		const sql_expr *e = sel->targets[i].expr;
		if (e->kind != SQL_STAR) {
			if (bind_expr(lv, e, &t[k].bound, err, 0))
				return -1;
			t[k].name = sel->targets[i].alias ? sel->targets[i].alias : eval_column_name(e);
			t[k].regclass = makes_regclass(t[k].bound);
			k++;
			continue;
		}
		for (size_t s = 0; s < lv->nsrc; s++) {
			const source *src = &lv->src[s];
			if (e->qualifier &&
			    !(source_label(src) && strcmp(source_label(src), e->qualifier) == 0))
				continue;
			for (size_t c = 0; c < src->r->ncols; c++, k++) {
				sql_expr *col = arena_calloc(q->a, 1, sizeof *col);
				if (!col)
					return oom(err);
				col->kind = SQL_COLUMN;
				col->location = e->location;
				col->name = lv->names[src->off + c];
				t[k].bound = col;
				t[k].name = src->r->names[c];
			}
		}
	}
	*out = t;
	*n = count;
	return 0;
}

static int target_by_name(const target *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].name && strcmp(t[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A GROUP BY / ORDER BY item: an output column number, or (ORDER BY, and
 * GROUP BY when no input column has the name) an output column's name. */
static int output_ref(const sql_expr *e, const target *t, size_t n, bool prefer_output, int *col,
		      sql_error *err)
{
	*col = -1;
	if (e->kind == SQL_CONST && !e->val.isnull &&
	    (e->val.type == OID_INT2 || e->val.type == OID_INT4 || e->val.type == OID_INT8)) {
		if (e->val.u.i < 1 || (uint64_t)e->val.u.i > n) {
			eval_error(err, "42P10", e->location, "position %lld is not in select list",
				   (long long)e->val.u.i);
			return -1;
		}
		*col = (int)e->val.u.i - 1;
		return 0;
	}
	if (prefer_output && e->kind == SQL_COLUMN && !e->qualifier)
		*col = target_by_name(t, n, e->name);
	return 0;
}

static value text_of_regclass(pgcatalog_ctx *ctx, value v);

/* An output value as its column's type: unknown literals become text,
 * NULLs carry the column's type, regclass shows the relation's name. */
static int output_value(catq *q, const target *t, value *v, sql_error *err)
{
	if (t->regclass && !v->isnull) {
		*v = text_of_regclass(q->ctx, *v);
		return v->u.s.ptr ? 0 : oom(err);
	}
	if (v->isnull) {
		v->type = t->type;
		return 0;
	}
	if (v->type == t->type)
		return 0;
	if (v->type == OID_UNKNOWN && t->type == OID_TEXT) {
		v->type = OID_TEXT;
		return 0;
	}
	value_error ve;
	value c;
	if (value_cast(q->a, v, t->type, -1, true, &c, &ve)) {
		eval_error(err, ve.sqlstate, t->bound ? t->bound->location : -1, "%s", ve.message);
		return -1;
	}
	*v = c;
	return 0;
}

typedef struct sort_ctx {
	const sortkey *keys;
	size_t nkeys;
	value **kv; /* per row: its key values */
	bool failed;
	value_error ve;
} sort_ctx;

static int sort_cmp(sort_ctx *c, size_t a, size_t b)
{
	for (size_t k = 0; k < c->nkeys; k++) {
		const value *x = &c->kv[a][k], *y = &c->kv[b][k];
		const sortkey *key = &c->keys[k];
		bool nulls_first = key->nulls == 1 || (key->nulls == 0 && key->desc);
		int r;
		if (x->isnull || y->isnull) {
			if (x->isnull && y->isnull)
				continue;
			r = x->isnull ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1);
			return r;
		}
		if (value_compare(x, y, &r, &c->ve)) {
			c->failed = true;
			return 0;
		}
		if (r != 0)
			return key->desc ? -r : r;
	}
	return 0;
}

/* A stable merge sort of idx[0..n) (tmp has room for n). */
static void merge_sort(sort_ctx *c, size_t *idx, size_t *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	merge_sort(c, idx, tmp, h);
	merge_sort(c, idx + h, tmp, n - h);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = sort_cmp(c, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
	while (i < h)
		tmp[k++] = idx[i++];
	while (j < n)
		tmp[k++] = idx[j++];
	memcpy(idx, tmp, n * sizeof *idx);
}

static int limit_value(level *lv, const sql_expr *e, const char *what, const char *state, int64_t *out,
		       sql_error *err)
{
	sql_expr *b;
	value v;
	value_error ve;
	if (bind_expr(lv, e, &b, err, 0))
		return -1;
	lv->scope.row = lv->nulls;
	if (eval_in(lv, b, NULL, &v, err))
		return -1;
	if (v.isnull)
		return 0;
	if (value_cast(lv->q->a, &v, OID_INT8, -1, false, &v, &ve)) {
		eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
		return -1;
	}
	if (v.u.i < 0) {
		eval_error(err, state, e->location, "%s must not be negative", what);
		return -1;
	}
	*out = v.u.i;
	return 0;
}

static int select_body(catq *q, const sql_select *sel, const level *outer, bool types_only, rel **out,
		       sql_error *err)
{
	if (sel->has_cte || sel->has_setop || sel->values) {
		eval_error(err, "0A000", -1, "%s over catalog relations %s not supported by OmenDB",
			   sel->has_cte	    ? "WITH"
			   : sel->has_setop ? "UNION, INTERSECT and EXCEPT"
					    : "VALUES",
			   sel->has_setop ? "are" : "is");
		return -1;
	}
	level lv;
	if (level_open(q, outer, sel, types_only, &lv, err))
		return -1;
	target *t;
	size_t nt;
	if (expand_targets(&lv, sel, &t, &nt, err))
		return -1;
	sql_expr **ons = arena_calloc(q->a, sel->nfrom + 1, sizeof *ons);
	if (!ons)
		return oom(err);
	for (size_t i = 0; i < sel->nfrom; i++)
		if (bind_expr(&lv, sel->from[i].on, &ons[i], err, 0))
			return -1;
	sql_expr *where, *having;
	if (bind_expr(&lv, sel->where, &where, err, 0) || bind_expr(&lv, sel->having, &having, err, 0))
		return -1;
	if (where && has_aggregate(where)) {
		eval_error(err, "42803", where->location, "aggregate functions are not allowed in WHERE");
		return -1;
	}
	sql_expr **groups = arena_calloc(q->a, sel->ngroup_by + 1, sizeof *groups);
	sortkey *keys = arena_calloc(q->a, sel->norder + 1, sizeof *keys);
	if (!groups || !keys)
		return oom(err);
	for (size_t i = 0; i < sel->ngroup_by; i++) {
		int col;
		if (output_ref(sel->group_by[i], t, nt, false, &col, err))
			return -1;
		if (col >= 0) {
			groups[i] = t[col].bound;
			continue;
		}
		if (bind_expr(&lv, sel->group_by[i], &groups[i], err, 0)) {
			const sql_expr *g = sel->group_by[i];
			if (g->kind != SQL_COLUMN || g->qualifier ||
			    (col = target_by_name(t, nt, g->name)) < 0)
				return -1;
			groups[i] = t[col].bound;
		}
	}
	for (size_t i = 0; i < sel->norder; i++) {
		keys[i].desc = sel->order[i].desc;
		keys[i].nulls = sel->order[i].nulls;
		if (output_ref(sel->order[i].expr, t, nt, true, &keys[i].col, err))
			return -1;
		if (keys[i].col < 0 && bind_expr(&lv, sel->order[i].expr, &keys[i].bound, err, 0))
			return -1;
	}
	bool agg = sel->ngroup_by > 0 || has_aggregate(having);
	for (size_t i = 0; i < nt; i++)
		agg = agg || has_aggregate(t[i].bound);
	for (size_t i = 0; i < sel->norder; i++)
		agg = agg || has_aggregate(keys[i].bound);

	/* Types (and the parameters' types from their context). */
	pg_oid ty;
	int32_t tm;
	for (size_t i = 0; i < nt; i++) {
		if (type_in(&lv, t[i].bound, agg, &t[i].type, &t[i].typmod, err))
			return -1;
		if (t[i].type == OID_UNKNOWN || t[i].regclass) {
			t[i].type = OID_TEXT;
			t[i].typmod = -1;
		}
	}
	for (size_t i = 0; i < sel->nfrom; i++)
		if (ons[i] && type_in(&lv, ons[i], false, &ty, &tm, err))
			return -1;
	if ((where && type_in(&lv, where, false, &ty, &tm, err)) ||
	    (having && type_in(&lv, having, true, &ty, &tm, err)))
		return -1;
	for (size_t i = 0; i < sel->ngroup_by; i++)
		if (type_in(&lv, groups[i], false, &ty, &tm, err))
			return -1;
	for (size_t i = 0; i < sel->norder; i++)
		if (keys[i].bound && type_in(&lv, keys[i].bound, agg, &ty, &tm, err))
			return -1;

	rel *res = rel_new(q->a, nt);
	if (!res)
		return oom(err);
	for (size_t i = 0; i < nt; i++) {
		res->names[i] = t[i].name;
		res->types[i] = t[i].type;
		res->typmods[i] = t[i].typmod;
	}
	*out = res;
	if (types_only)
		return 0;

	int64_t limit = -1, offset = 0;
	if ((sel->limit && limit_value(&lv, sel->limit, "LIMIT", "2201W", &limit, err)) ||
	    (sel->offset && limit_value(&lv, sel->offset, "OFFSET", "2201X", &offset, err)))
		return -1;

	rel joined = {.ncols = lv.ncols};
	if (join_rows(&lv, sel, ons, where, &joined, err))
		return -1;

	/* The units the select list is computed for: rows, or groups. */
	size_t nunits = joined.nrows;
	unit *units = arena_calloc(q->a, joined.nrows + 1, sizeof *units);
	if (!units)
		return oom(err);
	for (size_t i = 0; i < joined.nrows; i++)
		units[i] = (unit){&joined.rows[i], 1};
	if (agg) {
		value **gkeys = arena_calloc(q->a, joined.nrows + 1, sizeof *gkeys);
		size_t *counts = arena_calloc(q->a, joined.nrows + 1, sizeof *counts);
		size_t *owner = arena_calloc(q->a, joined.nrows + 1, sizeof *owner);
		if (!gkeys || !counts || !owner)
			return oom(err);
		nunits = 0;
		for (size_t r = 0; r < joined.nrows; r++) {
			value *k = arena_calloc(q->a, sel->ngroup_by + 1, sizeof *k);
			if (!k)
				return oom(err);
			lv.scope.row = joined.rows[r];
			for (size_t i = 0; i < sel->ngroup_by; i++)
				if (eval_in(&lv, groups[i], NULL, &k[i], err))
					return -1;
			size_t g = 0;
			for (; g < nunits; g++) {
				bool same = true;
				for (size_t i = 0; i < sel->ngroup_by && same; i++)
					same = values_equal(&gkeys[g][i], &k[i]);
				if (same)
					break;
			}
			if (g == nunits)
				gkeys[nunits++] = k;
			owner[r] = g;
			counts[g]++;
		}
		if (nunits == 0 && sel->ngroup_by == 0)
			nunits = 1; /* aggregates over no rows: one row */
		for (size_t g = 0; g < nunits; g++) {
			units[g].rows = arena_calloc(q->a, counts[g] + 1, sizeof *units[g].rows);
			units[g].n = 0;
			if (!units[g].rows)
				return oom(err);
		}
		for (size_t r = 0; r < joined.nrows; r++)
			units[owner[r]].rows[units[owner[r]].n++] = joined.rows[r];
	}

	value **kv = arena_calloc(q->a, nunits + 1, sizeof *kv);
	if (!kv)
		return oom(err);
	for (size_t u = 0; u < nunits; u++) {
		const unit *g = agg ? &units[u] : NULL;
		lv.scope.row = units[u].n ? units[u].rows[0] : lv.nulls;
		bool ok = true;
		if (having && cond_in(&lv, having, g, &ok, err))
			return -1;
		if (!ok)
			continue;
		value *o = arena_calloc(q->a, nt + 1, sizeof *o);
		value *k = arena_calloc(q->a, sel->norder + 1, sizeof *k);
		if (!o || !k)
			return oom(err);
		for (size_t i = 0; i < nt; i++)
			if (eval_in(&lv, t[i].bound, g, &o[i], err) || output_value(q, &t[i], &o[i], err))
				return -1;
		for (size_t i = 0; i < sel->norder; i++) {
			if (keys[i].col >= 0)
				k[i] = o[keys[i].col];
			else if (eval_in(&lv, keys[i].bound, g, &k[i], err))
				return -1;
		}
		if (sel->distinct) {
			bool dup = false;
			for (size_t r = 0; r < res->nrows && !dup; r++) {
				dup = true;
				for (size_t i = 0; i < nt && dup; i++)
					dup = values_equal(&res->rows[r][i], &o[i]);
			}
			if (dup)
				continue;
		}
		kv[res->nrows] = k;
		if (!rel_append(q->a, res, o))
			return oom(err);
	}

	if (sel->norder && res->nrows > 1) {
		size_t *idx = arena_alloc(q->a, res->nrows * sizeof *idx),
		       *tmp = arena_alloc(q->a, res->nrows * sizeof *tmp);
		value **sorted = arena_alloc(q->a, res->nrows * sizeof *sorted);
		if (!idx || !tmp || !sorted)
			return oom(err);
		for (size_t i = 0; i < res->nrows; i++)
			idx[i] = i;
		sort_ctx sc = {.keys = keys, .nkeys = sel->norder, .kv = kv};
		merge_sort(&sc, idx, tmp, res->nrows);
		if (sc.failed) {
			eval_error(err, sc.ve.sqlstate, -1, "%s", sc.ve.message);
			return -1;
		}
		for (size_t i = 0; i < res->nrows; i++)
			sorted[i] = res->rows[idx[i]];
		res->rows = sorted;
		res->cap = res->nrows;
	}
	size_t first = (uint64_t)offset < res->nrows ? (size_t)offset : res->nrows;
	size_t count = res->nrows - first;
	if (limit >= 0 && (uint64_t)limit < count)
		count = (size_t)limit;
	if (first)
		res->rows += first;
	res->nrows = count;
	res->cap = count;
	return 0;
}

static int select_run(catq *q, const sql_select *sel, const level *outer, bool types_only, rel **out,
		      sql_error *err)
{
	if (q->depth >= PGC_MAX_DEPTH) {
		eval_error(err, "54001", -1, "subqueries are nested too deeply");
		return -1;
	}
	q->depth++;
	int rc = select_body(q, sel, outer, types_only, out, err);
	q->depth--;
	return rc;
}

/* --- the catalog functions (eval hook) --- */

/* The system catalogs' own oids (pg_class.dat), for 'pg_class'::regclass. */
static const struct {
	const char *name;
	uint32_t oid;
} catalog_rels[] = {
    {"pg_type", 1247},	      {"pg_attribute", 1249}, {"pg_proc", 1255},	  {"pg_class", 1259},
    {"pg_authid", 1260},      {"pg_database", 1262},  {"pg_tablespace", 1213},	  {"pg_namespace", 2615},
    {"pg_constraint", 2606},  {"pg_index", 2610},     {"pg_inherits", 2611},	  {"pg_language", 2612},
    {"pg_description", 2609}, {"pg_am", 2601},	      {"pg_attrdef", 2604},	  {"pg_rewrite", 2618},
    {"pg_trigger", 2620},     {"pg_extension", 3079}, {"pg_collation", 3456},	  {"pg_enum", 3501},
    {"pg_range", 3541},	      {"pg_policy", 3256},    {"pg_statistic_ext", 3381}, {"pg_sequence", 2224},
    {"pg_publication", 6104},
};

static int text_arg(arena *a, const value *v, const char **s, size_t *len, sql_error *err)
{
	if (is_text_type(v->type)) {
		*s = v->u.s.ptr;
		*len = v->u.s.len;
		return 0;
	}
	char *t;
	value_error ve;
	if (value_to_text(a, v, &t, len, &ve)) {
		eval_error(err, ve.sqlstate, -1, "%s", ve.message);
		return -1;
	}
	*s = t;
	return 0;
}

static int int_arg(arena *a, const value *v, int64_t *out, sql_error *err)
{
	value c;
	value_error ve;
	if (v->type == OID_INT2 || v->type == OID_INT4 || v->type == OID_INT8 || v->type == OID_OID ||
	    v->type == OID_REGCLASS || v->type == OID_REGTYPE || v->type == OID_REGPROC) {
		*out = v->u.i;
		return 0;
	}
	if (value_cast(a, v, OID_INT8, -1, false, &c, &ve)) {
		eval_error(err, ve.sqlstate, -1, "%s", ve.message);
		return -1;
	}
	*out = c.u.i;
	return 0;
}

static int bool_arg(arena *a, const value *v, bool *out, sql_error *err)
{
	value c = *v;
	value_error ve;
	if (v->type != OID_BOOL && value_cast(a, v, OID_BOOL, -1, false, &c, &ve)) {
		eval_error(err, ve.sqlstate, -1, "%s", ve.message);
		return -1;
	}
	*out = c.u.b;
	return 0;
}

static value text_value(const char *s)
{
	return s ? value_text(OID_TEXT, (char *)s, strlen(s)) : value_null(OID_TEXT);
}

/* One part of a qualified name: "Quoted" as written, unquoted folded to
 * lower case (as regclassin reads names). NULL at a syntax error. */
static const char *name_part(arena *a, const char **pp, const char *end)
{
	const char *p = *pp;
	char *out = arena_alloc(a, (size_t)(end - p) + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	if (p < end && *p == '"') {
		p++;
		for (;;) {
			if (p >= end)
				return NULL;
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"') {
					out[n++] = '"';
					p += 2;
					continue;
				}
				p++;
				break;
			}
			out[n++] = *p++;
		}
	} else {
		while (p < end && *p != '.') {
			char c = *p++;
			out[n++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
	}
	out[n] = 0;
	*pp = p;
	return n ? out : NULL;
}

/* regclassin: a relation name (optionally schema-qualified) or an oid in
 * digits. 0 when no such relation exists; -1 at a syntax error. */
static int64_t regclass_lookup(pgcatalog_ctx *ctx, const char *s, size_t len)
{
	if (len && strspn(s, "0123456789") >= len)
		return strtoll(s, NULL, 10);
	const char *end = s + len, *p = s, *parts[3];
	size_t n = 0;
	while (n < 3) {
		if (!(parts[n++] = name_part(ctx->a, &p, end)))
			return -1;
		if (p == end)
			break;
		if (*p++ != '.')
			return -1;
	}
	if (p != end)
		return -1;
	const char *schema = n >= 2 ? parts[n - 2] : NULL, *name = parts[n - 1];
	const Omendb__Catalog *cat = ctx->cat;
	if (!schema || strcmp(schema, "public") == 0) {
		const Omendb__TableDef *t = table_by_name(cat, name);
		if (t)
			return rel_oid(t->table_id, PGC_TABLE);
		for (size_t i = 0; cat && i < cat->n_tables; i++) {
			const char *pk =
			    cat->tables[i]->n_primary_key ? pkey_name(ctx->a, cat->tables[i]) : NULL;
			if (pk && strcmp(pk, name) == 0)
				return rel_oid(cat->tables[i]->table_id, PGC_PKEY);
		}
		for (size_t i = 0; cat && i < cat->n_indexes; i++)
			if (cat->indexes[i]->name && strcmp(cat->indexes[i]->name, name) == 0)
				return rel_oid(cat->indexes[i]->table_id,
					       PGC_INDEX + cat->indexes[i]->column);
	}
	if (!schema || strcmp(schema, "pg_catalog") == 0)
		for (size_t i = 0; i < sizeof catalog_rels / sizeof catalog_rels[0]; i++)
			if (strcmp(catalog_rels[i].name, name) == 0)
				return catalog_rels[i].oid;
	return 0;
}

/* regclassout: the relation's name, or the oid in digits when it names
 * nothing. The value's string is NULL when out of memory. */
static value text_of_regclass(pgcatalog_ctx *ctx, value v)
{
	const Omendb__TableDef *t;
	const Omendb__IndexDef *ix;
	uint32_t part;
	const char *name = NULL;
	if (oid_lookup(ctx->cat, v.u.i, &t, &part, &ix))
		name = part == PGC_TABLE  ? t->name
		       : part == PGC_PKEY ? pkey_name(ctx->a, t)
		       : ix		  ? ix->name
					  : NULL;
	for (size_t i = 0; !name && i < sizeof catalog_rels / sizeof catalog_rels[0]; i++)
		if (catalog_rels[i].oid == v.u.i)
			name = catalog_rels[i].name;
	const char *s = name ? quote_ident(ctx->a, name) : arena_printf(ctx->a, "%lld", (long long)v.u.i);
	return value_text(OID_TEXT, (char *)s, s ? strlen(s) : 0);
}

typedef int (*hook_impl)(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err);

static int fn_true(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)ctx, (void)args, (void)nargs, (void)err;
	*out = value_bool(true);
	return 0;
}

static int fn_false(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)ctx, (void)args, (void)nargs, (void)err;
	*out = value_bool(false);
	return 0;
}

static int fn_null_text(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)ctx, (void)args, (void)nargs, (void)err;
	*out = value_null(OID_TEXT);
	return 0;
}

static int fn_zero_size(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)ctx, (void)args, (void)nargs, (void)err;
	*out = value_int(OID_INT8, 0);
	return 0;
}

static int fn_zero_oid(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)ctx, (void)args, (void)nargs, (void)err;
	*out = value_int(OID_OID, 0);
	return 0;
}

static int fn_userbyid(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	int64_t id;
	if (int_arg(ctx->a, &args[0], &id, err))
		return -1;
	const char *s = id == ROLE_SUPERUSER ? arena_strdup(ctx->a, session_user(ctx))
					     : arena_printf(ctx->a, "unknown (OID=%lld)", (long long)id);
	if (!s)
		return oom(err);
	*out = value_text(OID_NAME, (char *)s, strlen(s));
	return 0;
}

/* pg_get_expr(adbin, relid): adbin already holds the expression's text. */
static int fn_get_expr(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	const char *s;
	size_t len;
	if (text_arg(ctx->a, &args[0], &s, &len, err))
		return -1;
	*out = value_text(OID_TEXT, (char *)s, len);
	return 0;
}

static int fn_indexdef(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	int64_t oid, col = 0;
	if (int_arg(ctx->a, &args[0], &oid, err) || (nargs >= 2 && int_arg(ctx->a, &args[1], &col, err)))
		return -1;
	bool found;
	const char *s = indexdef(ctx, oid, col, &found);
	if (found && !s)
		return oom(err);
	*out = text_value(s);
	return 0;
}

static int fn_constraintdef(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	int64_t oid;
	if (int_arg(ctx->a, &args[0], &oid, err))
		return -1;
	const Omendb__TableDef *t;
	const Omendb__IndexDef *ix;
	uint32_t part;
	if (!oid_lookup(ctx->cat, oid, &t, &part, &ix) || part != PGC_PKEY_CON) {
		*out = value_null(OID_TEXT);
		return 0;
	}
	const char *cols = pkey_columns(ctx->a, t),
		   *s = cols ? arena_printf(ctx->a, "PRIMARY KEY (%s)", cols) : NULL;
	if (!s)
		return oom(err);
	*out = text_value(s);
	return 0;
}

static int fn_array_to_string(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	const value *arr = &args[0];
	if (!value_array_elem(arr->type)) {
		eval_error(err, "42883", -1, "function array_to_string(%s, text) does not exist",
			   value_type_name(arr->type));
		return -1;
	}
	const char *sep, *null_str = NULL;
	size_t seplen, nulllen = 0;
	if (text_arg(ctx->a, &args[1], &sep, &seplen, err) ||
	    (nargs == 3 && text_arg(ctx->a, &args[2], &null_str, &nulllen, err)))
		return -1;
	size_t cap = 64, len = 0;
	char *buf = arena_alloc(ctx->a, cap);
	if (!buf)
		return oom(err);
	bool first = true;
	for (uint32_t i = 0; i < arr->u.arr.n; i++) {
		const value *item = &arr->u.arr.items[i];
		const char *s;
		size_t n;
		if (item->isnull) {
			if (!null_str)
				continue;
			s = null_str;
			n = nulllen;
		} else if (text_arg(ctx->a, item, &s, &n, err)) {
			return -1;
		}
		size_t need = len + (first ? 0 : seplen) + n + 1;
		if (need > cap) {
			while (cap < need)
				cap *= 2;
			char *nb = arena_alloc(ctx->a, cap);
			if (!nb)
				return oom(err);
			memcpy(nb, buf, len);
			buf = nb;
		}
		if (!first) {
			memcpy(buf + len, sep, seplen);
			len += seplen;
		}
		memcpy(buf + len, s, n);
		len += n;
		first = false;
	}
	buf[len] = 0;
	*out = value_text(OID_TEXT, buf, len);
	return 0;
}

static int fn_quote_ident(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	const char *s;
	size_t len;
	if (text_arg(ctx->a, &args[0], &s, &len, err))
		return -1;
	char *z = arena_strndup(ctx->a, s, len);
	const char *q = z ? quote_ident(ctx->a, z) : NULL;
	if (!q)
		return oom(err);
	*out = text_value(q);
	return 0;
}

static int fn_encoding(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	int64_t enc;
	if (int_arg(ctx->a, &args[0], &enc, err))
		return -1;
	const char *s = enc == 6 ? "UTF8" : enc == 0 ? "SQL_ASCII" : "";
	*out = value_text(OID_NAME, (char *)s, strlen(s));
	return 0;
}

/* set_config(name, value, is_local) returns the value; the session keeps
 * its setting (the session has no setter in exec_session). */
static int fn_set_config(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	const char *s;
	size_t len;
	if (text_arg(ctx->a, &args[1], &s, &len, err))
		return -1;
	*out = value_text(OID_TEXT, (char *)s, len);
	return 0;
}

static int fn_current_schemas(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	bool implicit;
	if (bool_arg(ctx->a, &args[0], &implicit, err))
		return -1;
	static const char *const all[] = {"pg_catalog", "public"};
	*out = text_array(ctx->a, OID_NAME_ARRAY, implicit ? all : all + 1, implicit ? 2 : 1);
	return out->isnull ? oom(err) : 0;
}

static int fn_array_bound(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err,
			  bool upper)
{
	(void)nargs;
	int64_t dim;
	if (int_arg(ctx->a, &args[1], &dim, err))
		return -1;
	if (!value_array_elem(args[0].type) || dim != 1 || args[0].u.arr.n == 0)
		*out = value_null(OID_INT4);
	else
		*out = value_int(OID_INT4, upper ? args[0].u.arr.n : 1);
	return 0;
}

static int fn_array_upper(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	return fn_array_bound(ctx, args, nargs, out, err, true);
}

static int fn_array_lower(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	return fn_array_bound(ctx, args, nargs, out, err, false);
}

/* pg_size_pretty (dbsize.c): bytes below 10 kB, then kB, MB, GB, TB
 * rounded half up. */
static int fn_size_pretty(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	int64_t size;
	if (int_arg(ctx->a, &args[0], &size, err))
		return -1;
	static const char *const units[] = {"kB", "MB", "GB", "TB", "PB"};
	const char *s;
	if (llabs(size) < 10 * 1024) {
		s = arena_printf(ctx->a, "%lld bytes", (long long)size);
	} else {
		size_t u = 0;
		int64_t v = size / 512; /* one extra bit for the rounding */
		while (u + 1 < sizeof units / sizeof units[0] && llabs(v) >= 20 * 1024 - 1) {
			v /= 1024;
			u++;
		}
		s = arena_printf(ctx->a, "%lld %s", (long long)((v + (v < 0 ? -1 : 1)) / 2), units[u]);
	}
	if (!s)
		return oom(err);
	*out = text_value(s);
	return 0;
}

static int regex_match(pgcatalog_ctx *ctx, const value *args, bool icase, bool negate, value *out,
		       sql_error *err)
{
	const char *s, *p;
	size_t sl, pl;
	if (text_arg(ctx->a, &args[0], &s, &sl, err) || text_arg(ctx->a, &args[1], &p, &pl, err))
		return -1;
	char *subject = arena_strndup(ctx->a, s, sl), *pattern = arena_strndup(ctx->a, p, pl);
	if (!subject || !pattern)
		return oom(err);
	regex_t re;
	int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
	if (rc != 0) {
		char msg[128];
		regerror(rc, &re, msg, sizeof msg);
		eval_error(err, "2201B", -1, "invalid regular expression: %s", msg);
		return -1;
	}
	rc = regexec(&re, subject, 0, NULL, 0);
	regfree(&re);
	*out = value_bool((rc == 0) != negate);
	return 0;
}

static int fn_regexeq(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	return regex_match(ctx, args, false, false, out, err);
}

static int fn_regexne(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	return regex_match(ctx, args, false, true, out, err);
}

static int fn_icregexeq(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	return regex_match(ctx, args, true, false, out, err);
}

static int fn_icregexne(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	return regex_match(ctx, args, true, true, out, err);
}

static int regclass_of(pgcatalog_ctx *ctx, const value *arg, bool missing_ok, value *out, sql_error *err)
{
	if (!is_text_type(arg->type)) {
		int64_t oid;
		if (int_arg(ctx->a, arg, &oid, err))
			return -1;
		*out = value_int(OID_REGCLASS, oid);
		return 0;
	}
	int64_t oid = regclass_lookup(ctx, arg->u.s.ptr, arg->u.s.len);
	if (oid > 0) {
		*out = value_int(OID_REGCLASS, oid);
		return 0;
	}
	if (missing_ok) {
		*out = value_null(OID_REGCLASS);
		return 0;
	}
	if (oid < 0)
		eval_error(err, "42602", -1, "invalid name syntax");
	else
		eval_error(err, "42P01", -1, "relation \"%.*s\" does not exist", (int)arg->u.s.len,
			   arg->u.s.ptr);
	return -1;
}

static int fn_regclass(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	return regclass_of(ctx, &args[0], false, out, err);
}

static int fn_to_regclass(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	return regclass_of(ctx, &args[0], true, out, err);
}

static int fn_regclassout(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	int64_t oid;
	if (int_arg(ctx->a, &args[0], &oid, err))
		return -1;
	*out = text_of_regclass(ctx, value_int(OID_REGCLASS, oid));
	return out->u.s.ptr ? 0 : oom(err);
}

/* ::regproc. OmenDB has no pg_proc, so a function is its name: the text
 * without a pg_catalog. qualifier ('-' for oid 0, as regprocout). */
static int fn_regproc(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	const char *s;
	size_t len;
	if (!is_text_type(args[0].type)) {
		int64_t oid;
		if (int_arg(ctx->a, &args[0], &oid, err))
			return -1;
		s = oid == 0 ? "-" : arena_printf(ctx->a, "%lld", (long long)oid);
		if (!s)
			return oom(err);
		*out = text_value(s);
		return 0;
	}
	s = args[0].u.s.ptr;
	len = args[0].u.s.len;
	if (len > 11 && strncmp(s, "pg_catalog.", 11) == 0) {
		s += 11;
		len -= 11;
	}
	*out = value_text(OID_TEXT, (char *)s, len);
	return 0;
}

/* array_cat (not strict: NULL || array is the array). */
static int fn_array_cat(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	const value *l = &args[0], *r = &args[1];
	if (l->isnull || r->isnull) {
		*out = l->isnull ? *r : *l;
		return 0;
	}
	if (!value_array_elem(l->type) || l->type != r->type) {
		eval_error(err, "42883", -1, "operator does not exist: %s || %s", value_type_name(l->type),
			   value_type_name(r->type));
		return -1;
	}
	value v = *l;
	v.u.arr.n = l->u.arr.n + r->u.arr.n;
	v.u.arr.items = arena_calloc(ctx->a, (size_t)v.u.arr.n + 1, sizeof(value));
	if (!v.u.arr.items)
		return oom(err);
	if (l->u.arr.n)
		memcpy(v.u.arr.items, l->u.arr.items, l->u.arr.n * sizeof(value));
	if (r->u.arr.n)
		memcpy(v.u.arr.items + l->u.arr.n, r->u.arr.items, r->u.arr.n * sizeof(value));
	*out = v;
	return 0;
}

static int fn_regnamespaceout(pgcatalog_ctx *ctx, const value *args, size_t nargs, value *out, sql_error *err)
{
	(void)nargs;
	int64_t oid;
	if (int_arg(ctx->a, &args[0], &oid, err))
		return -1;
	const char *s = oid == NS_PG_CATALOG	       ? "pg_catalog"
			: oid == NS_PUBLIC	       ? "public"
			: oid == NS_PG_TOAST	       ? "pg_toast"
			: oid == NS_INFORMATION_SCHEMA ? "information_schema"
						       : arena_printf(ctx->a, "%lld", (long long)oid);
	if (!s)
		return oom(err);
	*out = text_value(s);
	return 0;
}

typedef struct hook_func {
	const char *name;
	uint8_t min, max;
	pg_oid type;
	hook_impl fn;
	bool lax; /* not strict: called with NULL arguments too */
} hook_func;

static const hook_func hook_funcs[] = {
    {"pg_table_is_visible", 1, 1, OID_BOOL, fn_true, false},
    {"pg_type_is_visible", 1, 1, OID_BOOL, fn_true, false},
    {"pg_function_is_visible", 1, 1, OID_BOOL, fn_true, false},
    {"pg_collation_is_visible", 1, 1, OID_BOOL, fn_true, false},
    {"pg_is_other_temp_schema", 1, 1, OID_BOOL, fn_false, false},
    {"pg_my_temp_schema", 0, 0, OID_OID, fn_zero_oid, false},
    {"pg_get_userbyid", 1, 1, OID_NAME, fn_userbyid, false},
    {"pg_get_expr", 2, 3, OID_TEXT, fn_get_expr, false},
    {"obj_description", 1, 2, OID_TEXT, fn_null_text, false},
    {"col_description", 2, 2, OID_TEXT, fn_null_text, false},
    {"shobj_description", 2, 2, OID_TEXT, fn_null_text, false},
    {"pg_get_indexdef", 1, 3, OID_TEXT, fn_indexdef, false},
    {"pg_get_constraintdef", 1, 2, OID_TEXT, fn_constraintdef, false},
    {"pg_get_viewdef", 1, 2, OID_TEXT, fn_null_text, false},
    {"pg_get_triggerdef", 1, 2, OID_TEXT, fn_null_text, false},
    {"pg_get_ruledef", 1, 2, OID_TEXT, fn_null_text, false},
    {"pg_get_partkeydef", 1, 1, OID_TEXT, fn_null_text, false},
    {"pg_get_serial_sequence", 2, 2, OID_TEXT, fn_null_text, false},
    {"pg_tablespace_location", 1, 1, OID_TEXT, fn_null_text, false},
    {"array_to_string", 2, 3, OID_TEXT, fn_array_to_string, false},
    {"quote_ident", 1, 1, OID_TEXT, fn_quote_ident, false},
    {"has_table_privilege", 2, 3, OID_BOOL, fn_true, false},
    {"has_schema_privilege", 2, 3, OID_BOOL, fn_true, false},
    {"has_database_privilege", 2, 3, OID_BOOL, fn_true, false},
    {"has_column_privilege", 3, 4, OID_BOOL, fn_true, false},
    {"has_any_column_privilege", 2, 3, OID_BOOL, fn_true, false},
    {"has_function_privilege", 2, 3, OID_BOOL, fn_true, false},
    {"has_type_privilege", 2, 3, OID_BOOL, fn_true, false},
    {"has_sequence_privilege", 2, 3, OID_BOOL, fn_true, false},
    {"pg_encoding_to_char", 1, 1, OID_NAME, fn_encoding, false},
    {"set_config", 3, 3, OID_TEXT, fn_set_config, false},
    {"current_schemas", 1, 1, OID_NAME_ARRAY, fn_current_schemas, false},
    {"array_upper", 2, 2, OID_INT4, fn_array_upper, false},
    {"array_lower", 2, 2, OID_INT4, fn_array_lower, false},
    {"pg_relation_size", 1, 2, OID_INT8, fn_zero_size, false},
    {"pg_total_relation_size", 1, 1, OID_INT8, fn_zero_size, false},
    {"pg_table_size", 1, 1, OID_INT8, fn_zero_size, false},
    {"pg_indexes_size", 1, 1, OID_INT8, fn_zero_size, false},
    {"pg_size_pretty", 1, 1, OID_TEXT, fn_size_pretty, false},
    {"textregexeq", 2, 2, OID_BOOL, fn_regexeq, false},
    {"textregexne", 2, 2, OID_BOOL, fn_regexne, false},
    {"texticregexeq", 2, 2, OID_BOOL, fn_icregexeq, false},
    {"texticregexne", 2, 2, OID_BOOL, fn_icregexne, false},
    {"regclass", 1, 1, OID_REGCLASS, fn_regclass, false},
    {"to_regclass", 1, 1, OID_REGCLASS, fn_to_regclass, false},
    {"regclassout", 1, 1, OID_TEXT, fn_regclassout, false},
    {"regproc", 1, 1, OID_TEXT, fn_regproc, false},
    {"regnamespaceout", 1, 1, OID_TEXT, fn_regnamespaceout, false},
    {"array_cat", 2, 2, OID_TEXT_ARRAY, fn_array_cat, true},
    {"pg_get_statisticsobjdef_columns", 1, 1, OID_TEXT, fn_null_text, false},
    {"pg_get_partition_constraintdef", 1, 1, OID_TEXT, fn_null_text, false},
    {"pg_relation_is_publishable", 1, 1, OID_BOOL, fn_false, false},
};

int pgcatalog_func_hook(eval_ctx *c, const char *name, const value *args, size_t nargs, pg_oid *type,
			value *out, sql_error *err)
{
	const hook_func *f = NULL;
	for (size_t i = 0; i < sizeof hook_funcs / sizeof hook_funcs[0] && !f; i++)
		if (strcmp(hook_funcs[i].name, name) == 0)
			f = &hook_funcs[i];
	if (!f)
		return 0;
	if (nargs < f->min || nargs > f->max) {
		eval_error(err, "42883", -1, "function %s with %zu arguments does not exist", name, nargs);
		return -1;
	}
	*type = f->type;
	if (!out)
		return 1;
	/* Strict functions: NULL in, NULL out. */
	for (size_t i = 0; !f->lax && i < nargs; i++)
		if (args[i].isnull) {
			*out = value_null(f->type);
			return 1;
		}
	pgcatalog_ctx *ctx = c->hook_arg;
	pgcatalog_ctx fallback = {.a = c->a};
	if (!ctx)
		ctx = &fallback;
	return f->fn(ctx, args, nargs, out, err) ? -1 : 1;
}

/* --- driver queries the engine cannot run --- */

/* asyncpg (introspection.py, INTRO_LOOKUP_TYPES and its PostgreSQL 13
 * variant): a recursive CTE over the types in $1 (oid[]) and, transitively,
 * their element types, deepest first. OmenDB has no domains, ranges or
 * composite types, so basetype, range_subtype and the attribute arrays are
 * NULL; elemdelim is the element's delimiter for varlena arrays. */
static int asyncpg_types(catq *q, bool types_only, rel **out, sql_error *err)
{
	static const colspec cols[] = {
	    {"oid", OID_OID},
	    {"ns", OID_NAME},
	    {"name", OID_NAME},
	    {"kind", OID_CHAR},
	    {"basetype", OID_OID},
	    {"elemtype", OID_OID},
	    {"elemdelim", OID_CHAR},
	    {"range_subtype", OID_OID},
	    {"attrtypoids", OID_OID_ARRAY},
	    {"attrnames", OID_TEXT_ARRAY},
	    {"depth", OID_INT4},
	    {"basetype_name", OID_TEXT},
	    {"elemtype_name", OID_TEXT},
	    {"range_subtype_name", OID_TEXT},
	};
	size_t ncols = sizeof cols / sizeof cols[0];
	rel *r = rel_new(q->a, ncols);
	if (!r)
		return oom(err);
	for (size_t i = 0; i < ncols; i++) {
		r->names[i] = cols[i].name;
		r->types[i] = cols[i].type;
		r->typmods[i] = -1;
	}
	*out = r;
	if (q->nparams < 1) {
		eval_error(err, "42P02", -1, "there is no parameter $1");
		return -1;
	}
	if (q->param_types && (q->param_types[0] == 0 || q->param_types[0] == OID_UNKNOWN))
		q->param_types[0] = OID_OID_ARRAY;
	if (types_only)
		return 0;
	if (!q->params) {
		eval_error(err, "42P02", -1, "there is no parameter $1");
		return -1;
	}
	value ids = q->params[0];
	value_error ve;
	if (!ids.isnull && ids.type != OID_OID_ARRAY &&
	    value_cast(q->a, &q->params[0], OID_OID_ARRAY, -1, true, &ids, &ve)) {
		eval_error(err, ve.sqlstate, -1, "%s", ve.message);
		return -1;
	}
	if (ids.isnull)
		return 0;
	/* Breadth first: depth 0 is $1's types, then their elements. */
	pg_oid pending[2 * PGC_NTYPES];
	int depth[2 * PGC_NTYPES];
	size_t n = 0;
	for (uint32_t i = 0; i < ids.u.arr.n && n < PGC_NTYPES; i++) {
		type_row tr;
		if (!ids.u.arr.items[i].isnull && type_row_find((pg_oid)ids.u.arr.items[i].u.i, &tr)) {
			pending[n] = type_row_oid(&tr);
			depth[n++] = 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		type_row tr, et;
		type_row_find(pending[i], &tr);
		pg_oid elem = tr.array ? tr.t->oid : tr.t->elem;
		bool has_elem = elem && type_row_find(elem, &et);
		if (has_elem && n < 2 * PGC_NTYPES) {
			pending[n] = elem;
			depth[n++] = depth[i] + 1;
		}
		/* SELECT DISTINCT: the same type at the same depth once. */
		bool dup = false;
		for (size_t k = 0; k < i && !dup; k++)
			dup = pending[k] == pending[i] && depth[k] == depth[i];
		if (dup)
			continue;
		value *row = arena_calloc(q->a, ncols, sizeof *row);
		if (!row || !rel_append(q->a, r, row))
			return oom(err);
		const char *name = type_row_name(q->a, &tr);
		if (!name)
			return oom(err);
		const char *ns = type_row_namespace(&tr) == NS_PUBLIC ? "public" : "pg_catalog";
		char kind = tr.array ? 'b' : tr.t->typtype;
		char *kc = arena_strndup(q->a, &kind, 1), *dc = arena_strdup(q->a, ",");
		const char *elem_name = elem ? value_type_name(elem) : "-";
		if (!kc || !dc)
			return oom(err);
		row[0] = value_int(OID_OID, pending[i]);
		row[1] = value_text(OID_NAME, (char *)ns, strlen(ns));
		row[2] = value_text(OID_NAME, (char *)name, strlen(name));
		row[3] = value_text(OID_CHAR, kc, 1);
		row[4] = value_null(OID_OID);
		row[5] = value_int(OID_OID, elem);
		row[6] = tr.array && has_elem ? value_text(OID_CHAR, dc, 1) : value_null(OID_CHAR);
		row[7] = value_null(OID_OID);
		row[8] = value_null(OID_OID_ARRAY);
		row[9] = value_null(OID_TEXT_ARRAY);
		row[10] = value_int(OID_INT4, depth[i]);
		row[11] = value_null(OID_TEXT);
		row[12] = value_text(OID_TEXT, (char *)elem_name, strlen(elem_name));
		row[13] = value_null(OID_TEXT);
	}
	/* ORDER BY depth DESC */
	for (size_t i = 1; i < r->nrows; i++)
		for (size_t k = i; k > 0 && r->rows[k - 1][10].u.i < r->rows[k][10].u.i; k--) {
			value *tmp = r->rows[k];
			r->rows[k] = r->rows[k - 1];
			r->rows[k - 1] = tmp;
		}
	return 0;
}

/* psql 15's \d lists a table's publications with a UNION of three
 * selects over pg_publication; OmenDB publishes nothing. */
static int psql_publications(catq *q, rel **out, sql_error *err)
{
	rel *r = rel_new(q->a, 3);
	if (!r)
		return oom(err);
	static const char *const names[] = {"pubname", "pg_get_expr", "case"};
	for (int i = 0; i < 3; i++) {
		r->names[i] = names[i];
		r->types[i] = i ? OID_TEXT : OID_NAME;
		r->typmods[i] = -1;
	}
	*out = r;
	return 0;
}

static bool is_asyncpg_intro(const sql_select *sel)
{
	return sel && sel->has_cte && sel->nfrom == 1 && sel->from[0].name && !sel->from[0].schema &&
	       strcmp(sel->from[0].name, "typeinfo_tree") == 0;
}

static bool is_psql_publications(const sql_select *sel, const char *query)
{
	return sel && sel->has_setop && query && strstr(query, "FROM pg_catalog.pg_publication p") &&
	       strstr(query, "SELECT pubname");
}

/* --- the public entry points --- */

static bool select_reads_catalog(const sql_select *sel, int depth);

/* Whether e needs the catalog to evaluate: ::regclass, regular
 * expressions, or a subquery (over catalog relations or none). */
static bool expr_needs_catalog(const sql_expr *e, int depth)
{
	if (!e || depth > 100)
		return false;
	if (e->kind == SQL_CAST && (e->cast.oid == OID_REGCLASS || e->cast.oid == OID_REGPROC))
		return true;
	if (e->kind == SQL_OP && e->nargs == 2 && regex_function(e->name))
		return true;
	if (e->kind == SQL_SUBQUERY && e->sub &&
	    (e->sub->nfrom == 0 || select_reads_catalog(e->sub, depth + 1)))
		return true;
	for (size_t i = 0; i < e->nargs; i++)
		if (expr_needs_catalog(e->args[i], depth + 1))
			return true;
	return false;
}

static bool select_reads_catalog(const sql_select *sel, int depth)
{
	if (depth > 100)
		return false;
	for (size_t i = 0; i < sel->nfrom; i++) {
		const sql_from *f = &sel->from[i];
		if ((f->sub && select_reads_catalog(f->sub, depth + 1)) || f->func)
			return true;
		if (f->name && (vrel_find(f->schema, f->name) ||
				(f->schema && (strcmp(f->schema, "pg_catalog") == 0 ||
					       strcmp(f->schema, "information_schema") == 0))))
			return true;
	}
	if (sel->nfrom > 0)
		return false;
	for (size_t i = 0; i < sel->ntargets; i++)
		if (expr_needs_catalog(sel->targets[i].expr, depth))
			return true;
	return expr_needs_catalog(sel->where, depth);
}

bool pgcatalog_handles(const sql_select *sel, const char *query)
{
	if (is_asyncpg_intro(sel) || is_psql_publications(sel, query))
		return true;
	return sel && select_reads_catalog(sel, 0);
}

int pgcatalog_select(pgcatalog_ctx *ctx, const sql_select *sel, pg_oid *param_types, size_t nparams,
		     const value *params, bool describe_only, exec_result *out, sql_error *err)
{
	memset(out, 0, sizeof *out);
	catq q = {.ctx = ctx,
		  .a = ctx->a,
		  .param_types = param_types,
		  .nparams = nparams,
		  .params = describe_only ? NULL : params};
	q.cache = arena_calloc(ctx->a, PGC_NVRELS, sizeof *q.cache);
	if (!q.cache)
		return oom(err);
	rel *r;
	int rc = is_asyncpg_intro(sel)			 ? asyncpg_types(&q, describe_only, &r, err)
		 : is_psql_publications(sel, ctx->query) ? psql_publications(&q, &r, err)
							 : select_run(&q, sel, NULL, describe_only, &r, err);
	if (rc)
		return -1;
	/* Parameters nothing gave a type to are text, as an untyped literal. */
	for (size_t i = 0; param_types && i < nparams; i++)
		if (param_types[i] == 0 || param_types[i] == OID_UNKNOWN)
			param_types[i] = OID_TEXT;
	out->cols = arena_calloc(ctx->a, r->ncols + 1, sizeof *out->cols);
	if (!out->cols)
		return oom(err);
	for (size_t i = 0; i < r->ncols; i++)
		out->cols[i] =
		    (exec_column){.name = r->names[i], .type = r->types[i], .typmod = r->typmods[i]};
	out->ncols = r->ncols;
	out->returns_rows = true;
	out->rows = r->rows;
	out->nrows = r->nrows;
	snprintf(out->tag, sizeof out->tag, "SELECT %zu", r->nrows);
	return 0;
}
