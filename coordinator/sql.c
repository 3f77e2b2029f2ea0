/* Translation of libpg_query's protobuf parse tree (PostgreSQL 15's raw
 * parse tree, src/include/nodes/parsenodes.h) into sql.h's statements.
 *
 * Hostile nesting is stopped before anything recursive runs: libpg_query
 * packs its tree recursively and protobuf-c unpacks it recursively, so a
 * long chain like 1+1+...+1 (which the grammar builds without growing its
 * own stack) would overflow the C stack. Hence three guards, in order: a
 * flat pass over the tokens bounds how deep the tree can be (nesting_guard),
 * an iterative walk over the packed bytes measures how deep it is
 * (wire_depth_guard), and the translation counts its own depth. */
#include "sql.h"

#include <errno.h>
#include <stdarg.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "vector.h"

typedef PgQuery__Node node;

/* Levels of the token estimate allowed before a statement is refused. The
 * estimate counts every operator of a chain and every bracket, so it is at
 * or above the depth the translation counts; a level costs libpg_query at
 * most about 8 messages to pack ("(SELECT" nesting) and its packing about
 * 200 bytes of stack per message. */
#define NESTING_LIMIT SQL_MAX_DEPTH
/* Protobuf message levels allowed in the packed tree: an expression level
 * is two messages (Node and e.g. A_Expr), so the deepest expression the
 * translation accepts fits, with room for the statement around it (CASE,
 * IN and subqueries take more messages per level and meet this limit
 * first). protobuf-c's unpacking takes under 1 KB of stack per level. */
#define WIRE_DEPTH_LIMIT (2 * SQL_MAX_DEPTH + 64)
#define MAX_COLUMNS 1600 /* PostgreSQL's MaxHeapAttributeNumber */

static const char SUPPORTED[] =
    "CREATE EXTENSION, CREATE TABLE, DROP TABLE, CREATE INDEX, DROP INDEX, INSERT, "
    "UPDATE, DELETE, SELECT, COPY FROM STDIN, SET, SHOW, RESET, BEGIN, COMMIT, "
    "ROLLBACK, DISCARD, DEALLOCATE, EXPLAIN";

typedef struct ctx {
	arena *a;
	const char *query;
	size_t query_len;
	sql_error *err;
	int depth;
	size_t nodes, max_nodes; /* expression nodes made, and the cap */
} ctx;

/* --- errors --- */

/* PostgreSQL's error position counts characters from 1; locations are byte
 * offsets. */
static int char_position(const char *q, size_t qlen, int location)
{
	if (location < 0 || (size_t)location > qlen)
		return 0;
	int pos = 1;
	for (size_t i = 0; i < (size_t)location; i++)
		if (((unsigned char)q[i] & 0xC0) != 0x80)
			pos++;
	return pos;
}

static void set_error(sql_error *err, const char *sqlstate, int position, const char *fmt, va_list ap)
{
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s", sqlstate);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	err->position = position;
}

__attribute__((format(printf, 4, 5))) static int fail(ctx *c, const char *sqlstate, int location,
						      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_error(c->err, sqlstate, char_position(c->query, c->query_len, location), fmt, ap);
	va_end(ap);
	return -1;
}

static int unsupported(ctx *c, int location, const char *what)
{
	return fail(c, "0A000", location, "%s not supported by OmenDB", what);
}

static int oom(ctx *c)
{
	return fail(c, "54000", -1, "statement needs more memory than allowed");
}

static int too_complex(ctx *c, int location)
{
	return fail(c, "54001", location, "statement is too complex: nesting deeper than %d levels",
		    SQL_MAX_DEPTH);
}

/* A shape the grammar never produces: a bug in this file or in libpg_query. */
static int bad_tree(ctx *c, const char *what)
{
	return fail(c, "XX000", -1, "unexpected parse tree: %s", what);
}

/* --- allocation --- */

static void *alloc(ctx *c, size_t n, size_t size)
{
	void *p = arena_calloc(c->a, n ? n : 1, size);
	if (!p)
		oom(c);
	return p;
}

static const char *str_dup(ctx *c, const char *s)
{
	char *p = arena_strdup(c->a, s);
	if (!p)
		oom(c);
	return p;
}

static const char *lower_dup(ctx *c, const char *s)
{
	char *p = arena_strdup(c->a, s);
	if (!p) {
		oom(c);
		return NULL;
	}
	for (char *q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	return p;
}

static bool present(const char *s)
{
	return s != NULL && *s != '\0';
}

static sql_expr *new_expr(ctx *c, sql_expr_kind kind, int location)
{
	/* Every node stems from some input text except BETWEEN's second copy
	 * of its operand; the cap stops nested BETWEENs from doubling their
	 * way to exponential size. */
	if (++c->nodes > c->max_nodes) {
		too_complex(c, location);
		return NULL;
	}
	sql_expr *e = alloc(c, 1, sizeof *e);
	if (!e)
		return NULL;
	e->kind = kind;
	e->location = location;
	return e;
}

static sql_expr **new_args(ctx *c, sql_expr *e, size_t n)
{
	e->args = alloc(c, n, sizeof *e->args);
	e->nargs = e->args ? n : 0;
	return e->args;
}

/* --- node helpers --- */

static const char *node_str(const node *n)
{
	return n && n->node_case == PG_QUERY__NODE__NODE_STRING && n->string ? n->string->sval : NULL;
}

static const char *node_type_name(const node *n)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, (unsigned)n->node_case);
	const ProtobufCMessageDescriptor *d = f ? f->descriptor : NULL;
	return d ? d->short_name : "unknown node";
}

/* Where an expression node starts, for errors about it (PostgreSQL's
 * exprLocation for the common cases); -1 when unknown. */
static int node_location(const node *n)
{
	switch (n ? n->node_case : PG_QUERY__NODE__NODE__NOT_SET) {
	case PG_QUERY__NODE__NODE_A_CONST:
		return n->a_const->location;
	case PG_QUERY__NODE__NODE_COLUMN_REF:
		return n->column_ref->location;
	case PG_QUERY__NODE__NODE_PARAM_REF:
		return n->param_ref->location;
	case PG_QUERY__NODE__NODE_A_EXPR:
		return n->a_expr->location;
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		return n->func_call->location;
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return n->type_cast->location;
	case PG_QUERY__NODE__NODE_SET_TO_DEFAULT:
		return n->set_to_default->location;
	case PG_QUERY__NODE__NODE_ROW_EXPR:
		return n->row_expr->location;
	case PG_QUERY__NODE__NODE_A_INDIRECTION:
		return node_location(n->a_indirection->arg);
	default:
		return -1;
	}
}

/* A list of String nodes (qualified names, column lists). */
static int string_list(ctx *c, node **items, size_t n, const char ***out)
{
	const char **names = alloc(c, n, sizeof *names);
	if (!names)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *s = node_str(items[i]);
		if (!s)
			return bad_tree(c, "name list item is not a string");
		if (!(names[i] = str_dup(c, s)))
			return -1;
	}
	*out = names;
	return 0;
}

/* The last String of a qualified name (pg_catalog.count, OPERATOR(pg_catalog.=)). */
static const char *last_name(node **items, size_t n)
{
	return n ? node_str(items[n - 1]) : NULL;
}

/* schema.table of a statement's target: OmenDB's tables live in "public". */
static int relation_name(ctx *c, const PgQuery__RangeVar *rv, const char **name)
{
	if (!rv)
		return bad_tree(c, "missing relation");
	if (present(rv->catalogname))
		return fail(c, "0A000", rv->location,
			    "cross-database references are not implemented: %s.%s.%s", rv->catalogname,
			    rv->schemaname, rv->relname);
	if (present(rv->schemaname) && strcmp(rv->schemaname, "public") != 0)
		return fail(c, "0A000", rv->location,
			    "OmenDB tables are in schema \"public\": \"%s.%s\" is not supported",
			    rv->schemaname, rv->relname);
	return (*name = str_dup(c, rv->relname)) ? 0 : -1;
}

/* DROP's object names: List nodes of [schema.]name. */
static int drop_name(ctx *c, const node *n, const char **name)
{
	if (!n || n->node_case != PG_QUERY__NODE__NODE_LIST)
		return bad_tree(c, "DROP object is not a name list");
	const PgQuery__List *l = n->list;
	const char *last = last_name(l->items, l->n_items);
	if (!last)
		return bad_tree(c, "DROP object name");
	const char *schema = l->n_items == 2 ? node_str(l->items[0]) : "public";
	if (l->n_items > 2 || !schema || strcmp(schema, "public") != 0)
		return fail(c, "0A000", -1,
			    "OmenDB tables and indexes are in schema \"public\": \"%s\" is not supported",
			    last);
	return (*name = str_dup(c, last)) ? 0 : -1;
}

/* --- protobuf wire format (protobuf.dev "Encoding"), for the guards --- */

typedef struct wire {
	const uint8_t *p, *end;
} wire;

static bool wire_varint(wire *w, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && w->p < w->end; shift += 7) {
		uint8_t b = *w->p++;
		*v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Skips a field's payload of wire type wt (not length-delimited). */
static bool wire_skip(wire *w, unsigned wt)
{
	uint64_t v;
	size_t n = wt == 1 ? 8 : wt == 5 ? 4 : 0;
	if (wt == 0)
		return wire_varint(w, &v);
	if (n == 0 || (size_t)(w->end - w->p) < n)
		return false;
	w->p += n;
	return true;
}

/* Reads a length-delimited payload into *sub and moves w past it. */
static bool wire_bytes(wire *w, wire *sub)
{
	uint64_t len;
	if (!wire_varint(w, &len) || len > (uint64_t)(w->end - w->p))
		return false;
	sub->p = w->p;
	sub->end = w->p + len;
	w->p = sub->end;
	return true;
}

/* --- the nesting guards --- */

/* The token's effect on the nesting estimate. */
enum { TOK_NONE, TOK_OPEN, TOK_CLOSE, TOK_OP, TOK_CHAIN, TOK_RESET, TOK_END_STMT };

static int token_class(uint64_t t)
{
	switch (t) {
	case '(':
	case '[':
	case PG_QUERY__TOKEN__CASE:
		return TOK_OPEN;
	case ')':
	case ']':
	case PG_QUERY__TOKEN__END_P:
		return TOK_CLOSE;
	case ';':
		return TOK_END_STMT;
	/* Lists the grammar keeps flat: commas, AND/OR chains (makeAndExpr
	 * flattens them), CASE arms and the clauses of a statement. */
	case ',':
	case PG_QUERY__TOKEN__AND:
	case PG_QUERY__TOKEN__OR:
	case PG_QUERY__TOKEN__WHEN:
	case PG_QUERY__TOKEN__THEN:
	case PG_QUERY__TOKEN__ELSE:
	case PG_QUERY__TOKEN__SELECT:
	case PG_QUERY__TOKEN__FROM:
	case PG_QUERY__TOKEN__WHERE:
	case PG_QUERY__TOKEN__ON:
	case PG_QUERY__TOKEN__USING:
	case PG_QUERY__TOKEN__GROUP_P:
	case PG_QUERY__TOKEN__HAVING:
	case PG_QUERY__TOKEN__ORDER:
	case PG_QUERY__TOKEN__LIMIT:
	case PG_QUERY__TOKEN__OFFSET:
	case PG_QUERY__TOKEN__SET:
	case PG_QUERY__TOKEN__VALUES:
	case PG_QUERY__TOKEN__RETURNING:
		return TOK_RESET;
	/* Chains across commas: a UNION b UNION c and a JOIN b JOIN c nest
	 * left-deep, whatever the select lists and ON clauses hold. */
	case PG_QUERY__TOKEN__UNION:
	case PG_QUERY__TOKEN__INTERSECT:
	case PG_QUERY__TOKEN__EXCEPT:
	case PG_QUERY__TOKEN__JOIN:
		return TOK_CHAIN;
	case '%':
	case '*':
	case '+':
	case '-':
	case '/':
	case '<':
	case '=':
	case '>':
	case '^':
	case PG_QUERY__TOKEN__Op:
	case PG_QUERY__TOKEN__TYPECAST:
	case PG_QUERY__TOKEN__LESS_EQUALS:
	case PG_QUERY__TOKEN__GREATER_EQUALS:
	case PG_QUERY__TOKEN__NOT_EQUALS:
	case PG_QUERY__TOKEN__NOT:
	case PG_QUERY__TOKEN__NOT_LA:
	case PG_QUERY__TOKEN__IS:
	case PG_QUERY__TOKEN__ISNULL:
	case PG_QUERY__TOKEN__NOTNULL:
	case PG_QUERY__TOKEN__BETWEEN:
	case PG_QUERY__TOKEN__LIKE:
	case PG_QUERY__TOKEN__ILIKE:
	case PG_QUERY__TOKEN__SIMILAR:
	case PG_QUERY__TOKEN__IN_P:
	case PG_QUERY__TOKEN__OPERATOR:
	case PG_QUERY__TOKEN__COLLATE:
	case PG_QUERY__TOKEN__AT:
	case PG_QUERY__TOKEN__OVERLAPS:
	case PG_QUERY__TOKEN__ESCAPE:
		return TOK_OP;
	default:
		return TOK_NONE;
	}
}

typedef struct level {
	uint32_t run;	/* operators since the last flat-list separator */
	uint32_t chain; /* UNION/JOIN chain length at this bracket level */
} level;

/* Bounds the parse tree's depth from the tokens alone (PostgreSQL's
 * scanner, no recursion): the deepest a tree can be is about the brackets
 * open plus, at each, the operators chained since the last separator of a
 * flat list. Right-nested constructs (NOT NOT x, - - x, parentheses) are
 * also bounded by the grammar's own 10000-entry stack. A query the scanner
 * rejects is left to the parser, which reports the error. */
static int nesting_guard(ctx *c)
{
	PgQueryScanResult r = pg_query_scan(c->query);
	int rc = 0;
	level *lv = NULL;
	if (r.error)
		goto out;
	lv = malloc((NESTING_LIMIT + 1) * sizeof *lv);
	if (!lv) {
		rc = oom(c);
		goto out;
	}
	size_t top = 0;
	uint64_t total = 1;
	lv[0] = (level){0, 0};
	wire w = {(const uint8_t *)r.pbuf.data, (const uint8_t *)r.pbuf.data + r.pbuf.len};
	while (w.p < w.end) {
		uint64_t key, v, start = 0, tok = 0;
		wire t;
		if (!wire_varint(&w, &key))
			goto malformed;
		if ((key >> 3) != 2 || (key & 7) != 2) {
			if ((key & 7) == 2 ? !wire_bytes(&w, &t) : !wire_skip(&w, (unsigned)(key & 7)))
				goto malformed;
			continue;
		}
		if (!wire_bytes(&w, &t))
			goto malformed;
		while (t.p < t.end) { /* ScanToken: start = 1, token = 4 */
			if (!wire_varint(&t, &key) || (key & 7) != 0 || !wire_varint(&t, &v))
				goto malformed;
			if ((key >> 3) == 1)
				start = v;
			else if ((key >> 3) == 4)
				tok = v;
		}
		switch (token_class(tok)) {
		case TOK_OPEN:
			if (top == NESTING_LIMIT) {
				rc = too_complex(c, (int)start);
				goto out;
			}
			lv[++top] = (level){0, 0};
			total++;
			break;
		case TOK_CLOSE:
			if (top > 0) {
				total -= 1u + lv[top].run + lv[top].chain;
				top--;
			}
			break;
		case TOK_END_STMT:
			top = 0;
			lv[0] = (level){0, 0};
			total = 1;
			break;
		case TOK_RESET:
			total -= lv[top].run;
			lv[top].run = 0;
			break;
		case TOK_CHAIN:
			lv[top].chain++;
			total++;
			break;
		case TOK_OP:
			lv[top].run++;
			total++;
			break;
		}
		if (total > NESTING_LIMIT) {
			rc = too_complex(c, (int)start);
			goto out;
		}
	}
	goto out;
malformed:
	rc = bad_tree(c, "scanner output");
out:
	free(lv);
	pg_query_free_scan_result(r);
	return rc;
}

/* Measures the nesting of the packed parse tree without recursion, reading
 * field types from protobuf-c's descriptors (protobuf encoding,
 * "Length-delimited records"), before protobuf-c unpacks it recursively. */
static int wire_depth_guard(ctx *c, const uint8_t *data, size_t len)
{
	typedef struct frame {
		const ProtobufCMessageDescriptor *d;
		const uint8_t *end;
	} frame;
	frame *st = malloc(WIRE_DEPTH_LIMIT * sizeof *st);
	if (!st)
		return oom(c);
	int rc = 0;
	size_t top = 0;
	wire w = {data, data + len};
	st[0] = (frame){&pg_query__parse_result__descriptor, w.end};
	for (;;) {
		if (w.p == st[top].end) {
			if (top == 0)
				break;
			top--;
			continue;
		}
		wire f = {w.p, st[top].end};
		uint64_t key;
		if (!wire_varint(&f, &key))
			goto malformed;
		w.p = f.p;
		if ((key & 7) != 2) {
			if (!wire_skip(&f, (unsigned)(key & 7)))
				goto malformed;
			w.p = f.p;
			continue;
		}
		wire payload;
		if (!wire_bytes(&f, &payload))
			goto malformed;
		const ProtobufCFieldDescriptor *fd =
		    key >> 3 > UINT32_MAX
			? NULL
			: protobuf_c_message_descriptor_get_field(st[top].d, (unsigned)(key >> 3));
		if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE) {
			if (top + 1 == WIRE_DEPTH_LIMIT) {
				rc = too_complex(c, -1);
				goto out;
			}
			st[++top] = (frame){fd->descriptor, payload.end};
			w.p = payload.p;
		} else {
			w.p = f.p;
		}
	}
	goto out;
malformed:
	rc = bad_tree(c, "packed tree");
out:
	free(st);
	return rc;
}

/* --- types --- */

enum typmod_kind { TM_NONE, TM_VECTOR, TM_CHARLEN, TM_BITLEN, TM_PRECISION, TM_NUMERIC };

static const struct known_type {
	const char *name; /* pg_type.typname */
	pg_oid oid, array;
	enum typmod_kind tm;
} known_types[] = {
    {"bool", OID_BOOL, OID_BOOL_ARRAY, TM_NONE},
    {"bytea", OID_BYTEA, OID_BYTEA_ARRAY, TM_NONE},
    {"char", OID_CHAR, OID_CHAR_ARRAY, TM_NONE},
    {"name", OID_NAME, OID_NAME_ARRAY, TM_NONE},
    {"int8", OID_INT8, OID_INT8_ARRAY, TM_NONE},
    {"int2", OID_INT2, OID_INT2_ARRAY, TM_NONE},
    {"int4", OID_INT4, OID_INT4_ARRAY, TM_NONE},
    {"regproc", OID_REGPROC, OID_REGPROC_ARRAY, TM_NONE},
    {"text", OID_TEXT, OID_TEXT_ARRAY, TM_NONE},
    {"oid", OID_OID, OID_OID_ARRAY, TM_NONE},
    {"json", OID_JSON, OID_JSON_ARRAY, TM_NONE},
    {"float4", OID_FLOAT4, OID_FLOAT4_ARRAY, TM_NONE},
    {"float8", OID_FLOAT8, OID_FLOAT8_ARRAY, TM_NONE},
    {"bpchar", OID_BPCHAR, OID_BPCHAR_ARRAY, TM_CHARLEN},
    {"varchar", OID_VARCHAR, OID_VARCHAR_ARRAY, TM_CHARLEN},
    {"timestamp", OID_TIMESTAMP, OID_TIMESTAMP_ARRAY, TM_PRECISION},
    {"timestamptz", OID_TIMESTAMPTZ, OID_TIMESTAMPTZ_ARRAY, TM_PRECISION},
    {"bit", OID_BIT, OID_BIT_ARRAY, TM_BITLEN},
    {"varbit", OID_VARBIT, OID_VARBIT_ARRAY, TM_BITLEN},
    {"numeric", OID_NUMERIC, OID_NUMERIC_ARRAY, TM_NUMERIC},
    {"regclass", OID_REGCLASS, OID_REGCLASS_ARRAY, TM_NONE},
    {"regtype", OID_REGTYPE, OID_REGTYPE_ARRAY, TM_NONE},
    {"jsonb", OID_JSONB, OID_JSONB_ARRAY, TM_NONE},
    {"vector", OID_VECTOR, OID_VECTOR_ARRAY, TM_VECTOR},
};

static const struct serial_type {
	const char *name;
	const char *as;
	pg_oid oid;
} serial_types[] = {
    {"serial", "int4", OID_INT4},  {"serial4", "int4", OID_INT4},     {"bigserial", "int8", OID_INT8},
    {"serial8", "int8", OID_INT8}, {"smallserial", "int2", OID_INT2}, {"serial2", "int2", OID_INT2},
};

/* The integer type modifiers of tn (vector(3), numeric(10, 2)): PostgreSQL
 * accepts only constants there (typenameTypeMod). */
static int typmod_ints(ctx *c, const PgQuery__TypeName *tn, int32_t *v, size_t cap)
{
	if (tn->n_typmods > cap)
		return fail(c, "22023", tn->location, "invalid type modifier");
	for (size_t i = 0; i < tn->n_typmods; i++) {
		const node *m = tn->typmods[i];
		if (!m || m->node_case != PG_QUERY__NODE__NODE_A_CONST ||
		    m->a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL)
			return fail(c, "42601", tn->location,
				    "type modifiers must be simple constants or identifiers");
		v[i] = m->a_const->ival->ival;
	}
	return 0;
}

/* Each type's typmodin, as PostgreSQL (varchar, bit, numeric, timestamp)
 * and pgvector (vector_typmod_in) check them. */
static int typmod_of(ctx *c, const PgQuery__TypeName *tn, const struct known_type *k, int32_t *typmod)
{
	int32_t v[2];
	*typmod = -1;
	if (tn->n_typmods == 0)
		return 0;
	if (k->tm == TM_NONE)
		return fail(c, "42601", tn->location, "type modifier is not allowed for type \"%s\"",
			    k->name);
	if (typmod_ints(c, tn, v, k->tm == TM_NUMERIC ? 2 : 1))
		return -1;
	switch (k->tm) {
	case TM_VECTOR:
		if (v[0] < 1)
			return fail(c, "22023", tn->location,
				    "dimensions for type vector must be at least 1");
		if (v[0] > VECTOR_MAX_DIM)
			return fail(c, "22023", tn->location, "dimensions for type vector cannot exceed %d",
				    VECTOR_MAX_DIM);
		*typmod = v[0];
		return 0;
	case TM_CHARLEN:
		if (v[0] < 1)
			return fail(c, "22023", tn->location, "length for type %s must be at least 1",
				    k->name);
		if (v[0] > 10485760)
			return fail(c, "22023", tn->location, "length for type %s cannot exceed %d", k->name,
				    10485760);
		*typmod = v[0] + 4; /* VARHDRSZ */
		return 0;
	case TM_BITLEN:
		if (v[0] < 1)
			return fail(c, "22023", tn->location, "length for type %s must be at least 1",
				    k->name);
		if (v[0] > 83886080)
			return fail(c, "22023", tn->location, "length for type %s cannot exceed %d", k->name,
				    83886080);
		*typmod = v[0];
		return 0;
	case TM_PRECISION:
		if (v[0] < 0)
			return fail(c, "22023", tn->location,
				    "TIMESTAMP(%d)%s precision must not be negative", v[0],
				    k->oid == OID_TIMESTAMPTZ ? " WITH TIME ZONE" : "");
		*typmod = v[0] > 6 ? 6 : v[0]; /* PostgreSQL warns and lowers it to 6 */
		return 0;
	case TM_NUMERIC: {
		int32_t scale = tn->n_typmods == 2 ? v[1] : 0;
		if (v[0] < 1 || v[0] > 1000)
			return fail(c, "22023", tn->location,
				    "NUMERIC precision %d must be between 1 and 1000", v[0]);
		if (scale < -1000 || scale > 1000)
			return fail(c, "22023", tn->location,
				    "NUMERIC scale %d must be between -1000 and 1000", scale);
		/* make_numeric_typmod */
		*typmod = (int32_t)((((uint32_t)v[0] << 16) | ((uint32_t)scale & 0x7ff)) + 4);
		return 0;
	}
	case TM_NONE:
		break;
	}
	return 0;
}

/* Resolves a TypeName; *serial (when not NULL) accepts serial types and
 * reports them; *elem gets the element type of an array type. */
static int resolve_type(ctx *c, const PgQuery__TypeName *tn, sql_type *out, bool *serial, pg_oid *elem)
{
	if (!tn || tn->n_names == 0)
		return bad_tree(c, "type name");
	if (tn->setof)
		return unsupported(c, tn->location, "SETOF types are");
	if (tn->pct_type)
		return unsupported(c, tn->location, "%TYPE references are");
	const char *last = last_name(tn->names, tn->n_names);
	const char *schema = tn->n_names == 2 ? node_str(tn->names[0]) : NULL;
	if (!last || (tn->n_names == 2 && !schema))
		return bad_tree(c, "type name part");
	bool builtin =
	    tn->n_names == 1 ||
	    (tn->n_names == 2 && (strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "public") == 0));
	bool array = tn->n_array_bounds > 0;
	out->oid = 0;
	out->typmod = -1;
	if (elem)
		*elem = 0;
	if (serial)
		*serial = false;
	for (size_t i = 0; builtin && serial && i < sizeof serial_types / sizeof serial_types[0]; i++) {
		if (strcmp(last, serial_types[i].name) != 0)
			continue;
		if (array)
			return fail(c, "0A000", tn->location, "array of serial is not implemented");
		*serial = true;
		out->oid = serial_types[i].oid;
		out->name = serial_types[i].as;
		return 0;
	}
	if (!(out->name = str_dup(c, last)))
		return -1;
	for (size_t i = 0; builtin && i < sizeof known_types / sizeof known_types[0]; i++) {
		const struct known_type *k = &known_types[i];
		if (strcmp(last, k->name) != 0)
			continue;
		if (typmod_of(c, tn, k, &out->typmod))
			return -1;
		out->oid = array ? k->array : k->oid;
		if (elem && array)
			*elem = k->oid;
		return 0;
	}
	return 0;
}

/* --- constants --- */

/* B'0101' and X'1F' as bit_in reads them: the scanner keeps the prefix. */
static int bit_const(ctx *c, const char *bs, int location, value *out)
{
	size_t n = strlen(bs);
	bool hex = n > 0 && (bs[0] == 'x' || bs[0] == 'X');
	if (n == 0 || !(hex || bs[0] == 'b' || bs[0] == 'B'))
		return bad_tree(c, "bit string prefix");
	size_t digits = n - 1, bits = hex ? digits * 4 : digits;
	char *s = alloc(c, bits + 1, 1);
	if (!s)
		return -1;
	for (size_t i = 0; i < digits; i++) {
		char d = bs[i + 1];
		if (!hex) {
			if (d != '0' && d != '1')
				return fail(c, "22P02", location, "\"%c\" is not a valid binary digit", d);
			s[i] = d;
			continue;
		}
		int x = d >= '0' && d <= '9'   ? d - '0'
			: d >= 'a' && d <= 'f' ? d - 'a' + 10
			: d >= 'A' && d <= 'F' ? d - 'A' + 10
					       : -1;
		if (x < 0)
			return fail(c, "22P02", location, "\"%c\" is not a valid hexadecimal digit", d);
		for (int b = 0; b < 4; b++)
			s[i * 4 + (size_t)b] = (x >> (3 - b)) & 1 ? '1' : '0';
	}
	*out = value_text(OID_BIT, s, bits);
	return 0;
}

/* A Float node's text as PostgreSQL's make_const types it: an integer
 * literal is int4 or int8 when it fits (-2147483648 arrives negated as a
 * Float), anything else numeric. */
static int float_const(ctx *c, const char *s, int location, value *out)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	bool integral = *d != '\0' && strspn(d, "0123456789") == strlen(d);
	char *end;
	errno = 0;
	if (integral) {
		long long i = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0') {
			*out = value_int(i >= INT32_MIN && i <= INT32_MAX ? OID_INT4 : OID_INT8, i);
			return 0;
		}
	}
	errno = 0;
	double f = strtod(s, &end);
	if (*end != '\0')
		return bad_tree(c, "numeric constant");
	if (errno == ERANGE && (f > 1.0 || f < -1.0))
		return fail(c, "22003", location, "value overflows numeric format");
	*out = value_float(OID_NUMERIC, f);
	return 0;
}

static int const_value(ctx *c, const PgQuery__AConst *k, value *out)
{
	if (k->isnull) {
		*out = value_null(OID_UNKNOWN);
		return 0;
	}
	switch (k->val_case) {
	case PG_QUERY__A__CONST__VAL_IVAL:
		*out = value_int(OID_INT4, k->ival->ival);
		return 0;
	case PG_QUERY__A__CONST__VAL_FVAL:
		return float_const(c, k->fval->fval, k->location, out);
	case PG_QUERY__A__CONST__VAL_BOOLVAL:
		*out = value_bool(k->boolval->boolval);
		return 0;
	case PG_QUERY__A__CONST__VAL_SVAL: {
		const char *s = str_dup(c, k->sval->sval);
		if (!s)
			return -1;
		*out = value_text(OID_UNKNOWN, (char *)s, strlen(s));
		return 0;
	}
	case PG_QUERY__A__CONST__VAL_BSVAL:
		return bit_const(c, k->bsval->bsval, k->location, out);
	default:
		return bad_tree(c, "constant without a value");
	}
}

/* --- expressions --- */

static int expr(ctx *c, const node *n, sql_expr **out);
static int select_stmt(ctx *c, const PgQuery__SelectStmt *s, sql_select *out);

static int expr_list(ctx *c, node **items, size_t n, sql_expr **out)
{
	for (size_t i = 0; i < n; i++)
		if (expr(c, items[i], &out[i]))
			return -1;
	return 0;
}

static int binary(ctx *c, sql_expr_kind kind, const char *name, int location, sql_expr *l, sql_expr *r,
		  sql_expr **out)
{
	sql_expr *e = new_expr(c, kind, location);
	if (!e || !new_args(c, e, 2))
		return -1;
	e->name = name;
	e->args[0] = l;
	e->args[1] = r;
	*out = e;
	return 0;
}

static int negate(ctx *c, int location, sql_expr *inner, sql_expr **out)
{
	sql_expr *e = new_expr(c, SQL_NOT, location);
	if (!e || !new_args(c, e, 1))
		return -1;
	e->args[0] = inner;
	*out = e;
	return 0;
}

/* x BETWEEN a AND b is x >= a AND x <= b, as PostgreSQL's
 * transformAExprBetween builds it, with x translated twice so that the
 * result stays a tree. */
static int between(ctx *c, const PgQuery__AExpr *ae, sql_expr **out)
{
	const node *r = ae->rexpr;
	if (!r || r->node_case != PG_QUERY__NODE__NODE_LIST || r->list->n_items != 2)
		return bad_tree(c, "BETWEEN bounds");
	sql_expr *x1, *x2, *lo, *hi, *ge, *le, *both;
	if (expr(c, ae->lexpr, &x1) || expr(c, ae->lexpr, &x2) || expr(c, r->list->items[0], &lo) ||
	    expr(c, r->list->items[1], &hi) || binary(c, SQL_OP, ">=", ae->location, x1, lo, &ge) ||
	    binary(c, SQL_OP, "<=", ae->location, x2, hi, &le) ||
	    binary(c, SQL_AND, NULL, ae->location, ge, le, &both))
		return -1;
	if (!x1 || !lo || !hi)
		return bad_tree(c, "BETWEEN operands");
	if (ae->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN)
		return negate(c, ae->location, both, out);
	*out = both;
	return 0;
}

static int a_expr(ctx *c, const PgQuery__AExpr *ae, sql_expr **out)
{
	const char *op = last_name(ae->name, ae->n_name);
	sql_expr *l = NULL, *r = NULL;
	if (!op)
		return bad_tree(c, "operator name");
	switch (ae->kind) {
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
	case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
	case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
	case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR: {
		if (expr(c, ae->lexpr, &l) || expr(c, ae->rexpr, &r))
			return -1;
		if (!r)
			return bad_tree(c, "operator without a right operand");
		const char *name = str_dup(c, op);
		if (!name)
			return -1;
		if (l)
			return binary(c, SQL_OP, name, ae->location, l, r, out);
		sql_expr *e = new_expr(c, SQL_OP, ae->location);
		if (!e || !new_args(c, e, 1))
			return -1;
		e->name = name;
		e->args[0] = r;
		*out = e;
		return 0;
	}
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
	case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
		bool any = ae->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY;
		const char *name = arena_printf(c->a, "%s%s", op, any ? "ANY" : "ALL");
		if (!name)
			return oom(c);
		if (expr(c, ae->lexpr, &l) || expr(c, ae->rexpr, &r))
			return -1;
		if (!l || !r)
			return bad_tree(c, "ANY/ALL operands");
		return binary(c, SQL_OP, name, ae->location, l, r, out);
	}
	case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF: {
		if (expr(c, ae->lexpr, &l) || expr(c, ae->rexpr, &r))
			return -1;
		if (!l || !r)
			return bad_tree(c, "operands");
		if (ae->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF)
			return binary(c, SQL_FUNC, "nullif", ae->location, l, r, out);
		return binary(c, SQL_OP,
			      ae->kind == PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT ? "IS DISTINCT FROM"
										  : "IS NOT DISTINCT FROM",
			      ae->location, l, r, out);
	}
	case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
		const node *list = ae->rexpr;
		if (!list || list->node_case != PG_QUERY__NODE__NODE_LIST)
			return bad_tree(c, "IN list");
		sql_expr *e = new_expr(c, SQL_IN, ae->location);
		if (!e || !new_args(c, e, list->list->n_items + 1) || expr(c, ae->lexpr, &e->args[0]) ||
		    expr_list(c, list->list->items, list->list->n_items, e->args + 1))
			return -1;
		if (!e->args[0])
			return bad_tree(c, "IN without an operand");
		e->negated = strcmp(op, "<>") == 0;
		*out = e;
		return 0;
	}
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
		return between(c, ae, out);
	case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
	case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM:
		return unsupported(c, ae->location, "BETWEEN SYMMETRIC is");
	default:
		return bad_tree(c, "A_Expr kind");
	}
}

static int column_ref(ctx *c, const PgQuery__ColumnRef *cr, sql_expr **out)
{
	size_t n = cr->n_fields;
	if (n == 0)
		return bad_tree(c, "empty column reference");
	const node *last = cr->fields[n - 1];
	bool star = last && last->node_case == PG_QUERY__NODE__NODE_A_STAR;
	if (!star && !node_str(last))
		return bad_tree(c, "column name");
	sql_expr *e = new_expr(c, star ? SQL_STAR : SQL_COLUMN, cr->location);
	if (!e || (!star && !(e->name = str_dup(c, node_str(last)))))
		return -1;
	if (n >= 2) {
		/* schema.table.column keeps table.column, as the scope lookup
		 * needs no more. */
		const char *q = node_str(cr->fields[n - 2]);
		if (!q)
			return bad_tree(c, "column qualifier");
		if (!(e->qualifier = str_dup(c, q)))
			return -1;
	}
	*out = e;
	return 0;
}

static int func_call(ctx *c, const PgQuery__FuncCall *fc, sql_expr **out)
{
	if (fc->over)
		return unsupported(c, fc->location, "window functions are");
	if (fc->agg_filter)
		return unsupported(c, fc->location, "FILTER on aggregates is");
	if (fc->n_agg_order)
		return unsupported(c, fc->location, "ORDER BY inside aggregate calls is");
	if (fc->agg_within_group)
		return unsupported(c, fc->location, "WITHIN GROUP is");
	if (fc->func_variadic)
		return unsupported(c, fc->location, "VARIADIC is");
	const char *name = last_name(fc->funcname, fc->n_funcname);
	if (!name)
		return bad_tree(c, "function name");
	sql_expr *e = new_expr(c, SQL_FUNC, fc->location);
	if (!e || !(e->name = lower_dup(c, name)) || !new_args(c, e, fc->n_args) ||
	    expr_list(c, fc->args, fc->n_args, e->args))
		return -1;
	e->star = fc->agg_star;
	e->distinct = fc->agg_distinct;
	*out = e;
	return 0;
}

static int type_cast(ctx *c, const PgQuery__TypeCast *tc, sql_expr **out)
{
	sql_expr *e = new_expr(c, SQL_CAST, tc->location);
	pg_oid elem;
	if (!e || !new_args(c, e, 1) || resolve_type(c, tc->type_name, &e->cast, NULL, &elem) ||
	    expr(c, tc->arg, &e->args[0]))
		return -1;
	if (!e->args[0])
		return bad_tree(c, "cast without an operand");
	/* ARRAY[1, 2]::real[] builds a real[] directly, as PostgreSQL's
	 * transformArrayExpr does with the cast's type. */
	if (e->args[0]->kind == SQL_ARRAY && elem) {
		e->args[0]->cast.oid = elem;
		e->args[0]->cast.typmod = e->cast.typmod;
		e->args[0]->cast.name = e->cast.name;
	}
	*out = e;
	return 0;
}

static int case_expr(ctx *c, const PgQuery__CaseExpr *ce, sql_expr **out)
{
	sql_expr *e = new_expr(c, SQL_CASE, ce->location);
	if (!e || !new_args(c, e, 2 + 2 * ce->n_args) || expr(c, ce->arg, &e->args[0]))
		return -1;
	for (size_t i = 0; i < ce->n_args; i++) {
		const node *w = ce->args[i];
		if (!w || w->node_case != PG_QUERY__NODE__NODE_CASE_WHEN)
			return bad_tree(c, "CASE arm");
		if (expr(c, w->case_when->expr, &e->args[1 + 2 * i]) ||
		    expr(c, w->case_when->result, &e->args[2 + 2 * i]))
			return -1;
	}
	if (expr(c, ce->defresult, &e->args[e->nargs - 1]))
		return -1;
	*out = e;
	return 0;
}

static int indirection(ctx *c, const PgQuery__AIndirection *ai, sql_expr **out)
{
	int loc = node_location(ai->arg);
	for (size_t i = 0; i < ai->n_indirection; i++) {
		const node *n = ai->indirection[i];
		if (!n || n->node_case == PG_QUERY__NODE__NODE_STRING)
			return unsupported(c, loc, "field selection (composite types) is");
		if (n->node_case == PG_QUERY__NODE__NODE_A_STAR)
			return unsupported(c, loc, "(x).* is");
		if (n->node_case != PG_QUERY__NODE__NODE_A_INDICES)
			return bad_tree(c, "indirection");
		if (n->a_indices->is_slice)
			return unsupported(c, loc, "array slices are");
	}
	if (ai->n_indirection != 1)
		return unsupported(c, loc, "multidimensional subscripts are");
	sql_expr *base;
	if (expr(c, ai->arg, &base))
		return -1;
	sql_expr *e = new_expr(c, SQL_SUBSCRIPT, base ? base->location : -1);
	if (!e || !new_args(c, e, 2))
		return -1;
	e->args[0] = base;
	if (expr(c, ai->indirection[0]->a_indices->uidx, &e->args[1]))
		return -1;
	if (!e->args[0] || !e->args[1])
		return bad_tree(c, "subscript");
	*out = e;
	return 0;
}

static int sql_function(ctx *c, const PgQuery__SQLValueFunction *f, sql_expr **out)
{
	static const char *const names[] = {
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE] = "current_date",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME] = "current_time",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME_N] = "current_time",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP] = "current_timestamp",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N] = "current_timestamp",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME] = "localtime",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME_N] = "localtime",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP] = "localtimestamp",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N] = "localtimestamp",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE] = "current_role",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER] = "current_user",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER] = "user",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER] = "session_user",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG] = "current_catalog",
	    [PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA] = "current_schema",
	};
	unsigned op = (unsigned)f->op;
	if (op >= sizeof names / sizeof names[0] || !names[op])
		return bad_tree(c, "SQL value function");
	sql_expr *e = new_expr(c, SQL_SQLFUNC, f->location);
	if (!e)
		return -1;
	e->name = names[op];
	*out = e;
	return 0;
}

static int sub_link(ctx *c, const PgQuery__SubLink *sl, sql_expr **out)
{
	const node *sub = sl->subselect;
	switch (sl->sub_link_type) {
	case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
	case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
		break;
	case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK: {
		/* x IN (SELECT ...) has no operator name; x = ANY (SELECT ...)
		 * names "=". */
		const char *op = last_name(sl->oper_name, sl->n_oper_name);
		if (op && strcmp(op, "=") != 0)
			return unsupported(c, sl->location,
					   "op ANY (subquery) with an operator other than = is");
		break;
	}
	case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK:
		break;
	case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK:
		return unsupported(c, sl->location, "op ALL (subquery) is");
	default:
		return unsupported(c, sl->location, "row comparisons with subqueries are");
	}
	if (!sub || sub->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
		return bad_tree(c, "subquery");
	sql_expr *e = new_expr(c, SQL_SUBQUERY, sl->location);
	if (!e || !(e->sub = alloc(c, 1, sizeof *e->sub)))
		return -1;
	if (sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK) {
		e->name = "exists";
	} else if (sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK) {
		e->name = "array";
	} else if (sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK) {
		e->sublink_in = true;
		if (!new_args(c, e, 1) || expr(c, sl->testexpr, &e->args[0]))
			return -1;
		if (!e->args[0])
			return bad_tree(c, "IN (subquery) operand");
	}
	if (select_stmt(c, sub->select_stmt, e->sub))
		return -1;
	*out = e;
	return 0;
}

/* Names for the expression nodes OmenDB refuses, as a user knows them. */
static const char *expr_feature(const node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ROW_EXPR:
		return "row constructors are";
	case PG_QUERY__NODE__NODE_GROUPING_FUNC:
		return "GROUPING() is";
	case PG_QUERY__NODE__NODE_GROUPING_SET:
		return "GROUPING SETS, ROLLUP and CUBE are";
	case PG_QUERY__NODE__NODE_NAMED_ARG_EXPR:
		return "named function arguments are";
	case PG_QUERY__NODE__NODE_CURRENT_OF_EXPR:
		return "WHERE CURRENT OF is";
	case PG_QUERY__NODE__NODE_XML_EXPR:
	case PG_QUERY__NODE__NODE_XML_SERIALIZE:
		return "XML functions are";
	case PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF:
		return "multiple-column assignment is";
	default:
		return NULL;
	}
}

static int expr_node(ctx *c, const node *n, sql_expr **out)
{
	sql_expr *e;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_A_CONST:
		if (!(e = new_expr(c, SQL_CONST, n->a_const->location)) ||
		    const_value(c, n->a_const, &e->val))
			return -1;
		*out = e;
		return 0;
	case PG_QUERY__NODE__NODE_PARAM_REF: {
		int32_t num = n->param_ref->number;
		if (num < 1 || num > SQL_MAX_PARAMS)
			return fail(c, "42P02", n->param_ref->location, "there is no parameter $%d", num);
		if (!(e = new_expr(c, SQL_PARAM, n->param_ref->location)))
			return -1;
		e->param = num;
		*out = e;
		return 0;
	}
	case PG_QUERY__NODE__NODE_COLUMN_REF:
		return column_ref(c, n->column_ref, out);
	case PG_QUERY__NODE__NODE_A_EXPR:
		return a_expr(c, n->a_expr, out);
	case PG_QUERY__NODE__NODE_BOOL_EXPR: {
		const PgQuery__BoolExpr *b = n->bool_expr;
		sql_expr_kind k = b->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR  ? SQL_AND
				  : b->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR ? SQL_OR
										   : SQL_NOT;
		if (b->n_args == 0 || (k == SQL_NOT && b->n_args != 1))
			return bad_tree(c, "boolean expression");
		if (!(e = new_expr(c, k, b->location)) || !new_args(c, e, b->n_args) ||
		    expr_list(c, b->args, b->n_args, e->args))
			return -1;
		*out = e;
		return 0;
	}
	case PG_QUERY__NODE__NODE_NULL_TEST:
		if (!(e = new_expr(c, SQL_IS_NULL, n->null_test->location)) || !new_args(c, e, 1) ||
		    expr(c, n->null_test->arg, &e->args[0]))
			return -1;
		e->negated = n->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL;
		*out = e;
		return 0;
	case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
		const PgQuery__BooleanTest *bt = n->boolean_test;
		PgQuery__BoolTestType t = bt->booltesttype;
		bool unknown = t == PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN ||
			       t == PG_QUERY__BOOL_TEST_TYPE__IS_NOT_UNKNOWN;
		if (!(e = new_expr(c, unknown ? SQL_IS_NULL : SQL_IS_BOOL, bt->location)) ||
		    !new_args(c, e, 1) || expr(c, bt->arg, &e->args[0]))
			return -1;
		e->bool_value =
		    t == PG_QUERY__BOOL_TEST_TYPE__IS_TRUE || t == PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE;
		e->negated = t == PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE ||
			     t == PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE ||
			     t == PG_QUERY__BOOL_TEST_TYPE__IS_NOT_UNKNOWN;
		*out = e;
		return 0;
	}
	case PG_QUERY__NODE__NODE_FUNC_CALL:
		return func_call(c, n->func_call, out);
	case PG_QUERY__NODE__NODE_TYPE_CAST:
		return type_cast(c, n->type_cast, out);
	case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: {
		const PgQuery__AArrayExpr *ae = n->a_array_expr;
		if (!(e = new_expr(c, SQL_ARRAY, ae->location)) || !new_args(c, e, ae->n_elements) ||
		    expr_list(c, ae->elements, ae->n_elements, e->args))
			return -1;
		*out = e;
		return 0;
	}
	case PG_QUERY__NODE__NODE_CASE_EXPR:
		return case_expr(c, n->case_expr, out);
	case PG_QUERY__NODE__NODE_COALESCE_EXPR: {
		const PgQuery__CoalesceExpr *ce = n->coalesce_expr;
		if (!(e = new_expr(c, SQL_COALESCE, ce->location)) || !new_args(c, e, ce->n_args) ||
		    expr_list(c, ce->args, ce->n_args, e->args))
			return -1;
		*out = e;
		return 0;
	}
	case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: {
		const PgQuery__MinMaxExpr *mm = n->min_max_expr;
		if (!(e = new_expr(c, SQL_FUNC, mm->location)) || !new_args(c, e, mm->n_args) ||
		    expr_list(c, mm->args, mm->n_args, e->args))
			return -1;
		e->name = mm->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least";
		*out = e;
		return 0;
	}
	case PG_QUERY__NODE__NODE_A_INDIRECTION:
		return indirection(c, n->a_indirection, out);
	case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
		return sql_function(c, n->sqlvalue_function, out);
	case PG_QUERY__NODE__NODE_SUB_LINK:
		return sub_link(c, n->sub_link, out);
	case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
		return expr(c, n->collate_clause->arg, out);
	case PG_QUERY__NODE__NODE_SET_TO_DEFAULT:
		return fail(c, "42601", n->set_to_default->location,
			    "DEFAULT is not allowed in this context");
	default: {
		const char *what = expr_feature(n);
		if (what)
			return unsupported(c, node_location(n), what);
		return fail(c, "0A000", node_location(n),
			    "expressions of kind %s are not supported by OmenDB", node_type_name(n));
	}
	}
}

/* Translates an expression; *out is NULL when n is absent. */
static int expr(ctx *c, const node *n, sql_expr **out)
{
	*out = NULL;
	if (!n || n->node_case == PG_QUERY__NODE__NODE__NOT_SET)
		return 0;
	if (c->depth >= SQL_MAX_DEPTH)
		return too_complex(c, -1);
	c->depth++;
	int rc = expr_node(c, n, out);
	c->depth--;
	return rc;
}

/* An expression that may be DEFAULT (VALUES rows, SET col = DEFAULT): NULL. */
static int expr_or_default(ctx *c, const node *n, sql_expr **out)
{
	if (n && n->node_case == PG_QUERY__NODE__NODE_SET_TO_DEFAULT) {
		*out = NULL;
		return 0;
	}
	return expr(c, n, out);
}

/* --- clauses --- */

static int targets(ctx *c, node **items, size_t n, sql_target **out, size_t *nout)
{
	sql_target *t = alloc(c, n, sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const node *it = items[i];
		if (!it || it->node_case != PG_QUERY__NODE__NODE_RES_TARGET)
			return bad_tree(c, "target list item");
		const PgQuery__ResTarget *rt = it->res_target;
		if (expr(c, rt->val, &t[i].expr))
			return -1;
		if (!t[i].expr)
			return bad_tree(c, "target without a value");
		if (present(rt->name) && !(t[i].alias = str_dup(c, rt->name)))
			return -1;
	}
	*out = t;
	*nout = n;
	return 0;
}

/* SET col = expr lists of UPDATE and ON CONFLICT DO UPDATE. */
static int set_clauses(ctx *c, node **items, size_t n, sql_set_clause **out, size_t *nout)
{
	sql_set_clause *s = alloc(c, n, sizeof *s);
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const node *it = items[i];
		if (!it || it->node_case != PG_QUERY__NODE__NODE_RES_TARGET)
			return bad_tree(c, "SET item");
		const PgQuery__ResTarget *rt = it->res_target;
		if (rt->n_indirection)
			return unsupported(c, rt->location, "assigning to a subscript or field is");
		if (rt->val && rt->val->node_case == PG_QUERY__NODE__NODE_MULTI_ASSIGN_REF)
			return unsupported(c, rt->location, "multiple-column assignment is");
		s[i].location = rt->location;
		if (!(s[i].column = str_dup(c, rt->name)) || expr_or_default(c, rt->val, &s[i].value))
			return -1;
	}
	*out = s;
	*nout = n;
	return 0;
}

/* VALUES lists: rows of equal length (transformValuesClause's check). */
static int values_rows(ctx *c, node **lists, size_t n, bool allow_default, sql_expr ****rows, size_t *ncols)
{
	sql_expr ***r = alloc(c, n, sizeof *r);
	if (!r)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const node *l = lists[i];
		if (!l || l->node_case != PG_QUERY__NODE__NODE_LIST)
			return bad_tree(c, "VALUES row");
		size_t m = l->list->n_items;
		if (i == 0)
			*ncols = m;
		if (m != *ncols)
			return fail(c, "42601", m ? node_location(l->list->items[0]) : -1,
				    "VALUES lists must all be the same length");
		if (!(r[i] = alloc(c, m, sizeof *r[i])))
			return -1;
		for (size_t j = 0; j < m; j++)
			if ((allow_default ? expr_or_default : expr)(c, l->list->items[j], &r[i][j]))
				return -1;
	}
	*rows = r;
	return 0;
}

static int alias_of(ctx *c, const PgQuery__Alias *al, sql_from *f)
{
	if (!al)
		return 0;
	if (!(f->alias = str_dup(c, al->aliasname)))
		return -1;
	if (al->n_colnames) {
		if (string_list(c, al->colnames, al->n_colnames, &f->colnames))
			return -1;
		f->ncolnames = al->n_colnames;
	}
	return 0;
}

/* One FROM item that is not a join. */
static int from_item(ctx *c, const node *n, sql_from *f)
{
	switch (n ? n->node_case : PG_QUERY__NODE__NODE__NOT_SET) {
	case PG_QUERY__NODE__NODE_RANGE_VAR: {
		const PgQuery__RangeVar *rv = n->range_var;
		if (present(rv->catalogname))
			return fail(c, "0A000", rv->location,
				    "cross-database references are not implemented");
		if (present(rv->schemaname) && !(f->schema = str_dup(c, rv->schemaname)))
			return -1;
		if (!(f->name = str_dup(c, rv->relname)))
			return -1;
		f->location = rv->location;
		return alias_of(c, rv->alias, f);
	}
	case PG_QUERY__NODE__NODE_RANGE_FUNCTION: {
		const PgQuery__RangeFunction *rf = n->range_function;
		if (rf->lateral)
			return unsupported(c, -1, "LATERAL is");
		if (rf->ordinality)
			return unsupported(c, -1, "WITH ORDINALITY is");
		if (rf->is_rowsfrom || rf->n_functions != 1)
			return unsupported(c, -1, "ROWS FROM is");
		if (rf->n_coldeflist)
			return unsupported(c, -1, "column definition lists are");
		const node *pair = rf->functions[0];
		if (!pair || pair->node_case != PG_QUERY__NODE__NODE_LIST || pair->list->n_items < 1)
			return bad_tree(c, "FROM function");
		if (expr(c, pair->list->items[0], &f->func))
			return -1;
		if (!f->func)
			return bad_tree(c, "FROM function call");
		return alias_of(c, rf->alias, f);
	}
	case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
		const PgQuery__RangeSubselect *rs = n->range_subselect;
		if (rs->lateral)
			return unsupported(c, -1, "LATERAL is");
		if (!rs->subquery || rs->subquery->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
			return bad_tree(c, "FROM subquery");
		if (!(f->sub = alloc(c, 1, sizeof *f->sub)) ||
		    select_stmt(c, rs->subquery->select_stmt, f->sub))
			return -1;
		return alias_of(c, rs->alias, f);
	}
	case PG_QUERY__NODE__NODE_JOIN_EXPR:
		return unsupported(c, -1, "a parenthesized join on the right of a join is");
	case PG_QUERY__NODE__NODE_RANGE_TABLE_SAMPLE:
		return unsupported(c, -1, "TABLESAMPLE is");
	default:
		return unsupported(c, -1, "this kind of FROM item is");
	}
}

/* The name a FROM item's columns are qualified with: its alias, else the
 * relation's name; NULL for an unnamed function call. */
static const char *from_qualifier(const sql_from *f)
{
	return f->alias ? f->alias : f->name;
}

/* JOIN ... USING (a, b) as ON l.a = r.a AND l.b = r.b, which it means when
 * the left side is one named item (pgjdbc's type lookup joins that way). A
 * longer left side would need the catalog to tell which item holds each
 * column. */
static int join_using(ctx *c, const PgQuery__JoinExpr *je, const sql_from *left, sql_from *right)
{
	const char *lq = left ? from_qualifier(left) : NULL, *rq = from_qualifier(right);
	if (!lq || !rq)
		return unsupported(c, -1, "JOIN ... USING after another join or with an unnamed item is");
	if (je->join_using_alias)
		return unsupported(c, -1, "JOIN ... USING (...) AS alias is");
	sql_expr *on = NULL;
	for (size_t i = 0; i < je->n_using_clause; i++) {
		const char *col = node_str(je->using_clause[i]);
		sql_expr *l = new_expr(c, SQL_COLUMN, -1), *r = l ? new_expr(c, SQL_COLUMN, -1) : NULL, *eq;
		if (!col)
			return bad_tree(c, "USING column");
		if (!r || !(l->name = r->name = str_dup(c, col)))
			return -1;
		l->qualifier = lq;
		r->qualifier = rq;
		if (binary(c, SQL_OP, "=", -1, l, r, &eq))
			return -1;
		if (!on) {
			on = eq;
		} else if (on->kind == SQL_AND) {
			sql_expr **args = alloc(c, on->nargs + 1, sizeof *args);
			if (!args)
				return -1;
			memcpy(args, on->args, on->nargs * sizeof *args);
			args[on->nargs] = eq;
			on->args = args;
			on->nargs++;
		} else if (binary(c, SQL_AND, NULL, -1, on, eq, &on)) {
			return -1;
		}
	}
	right->on = on;
	return 0;
}

static size_t join_chain(const node *n)
{
	size_t k = 0;
	for (; n && n->node_case == PG_QUERY__NODE__NODE_JOIN_EXPR; n = n->join_expr->larg)
		k++;
	return k;
}

/* The FROM list flattened left to right: a JOIN b ON x LEFT JOIN c ON y is
 * a, b (INNER, x), c (LEFT, y); items of a comma list are CROSS joined.
 * Left-deep join chains are walked iteratively (they can be long). */
static int from_clause(ctx *c, node **items, size_t n, sql_select *s)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += 1 + join_chain(items[i]);
	if (!(s->from = alloc(c, total, sizeof *s->from)))
		return -1;
	s->nfrom = total;
	size_t next = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = join_chain(items[i]);
		const PgQuery__JoinExpr **chain = alloc(c, k, sizeof *chain);
		if (!chain)
			return -1;
		const node *base = items[i];
		for (size_t j = k; j-- > 0; base = base->join_expr->larg)
			chain[j] = base->join_expr;
		if (from_item(c, base, &s->from[next]))
			return -1;
		s->from[next++].join = i == 0 ? SQL_JOIN_NONE : SQL_JOIN_CROSS;
		const sql_from *first = &s->from[next - 1];
		for (size_t j = 0; j < k; j++) {
			const PgQuery__JoinExpr *je = chain[j];
			sql_from *f = &s->from[next++];
			if (je->is_natural)
				return unsupported(c, -1, "NATURAL joins are");
			if (je->alias)
				return unsupported(c, -1, "aliases on joins are");
			if (from_item(c, je->rarg, f) || expr(c, je->quals, &f->on))
				return -1;
			if (je->n_using_clause && join_using(c, je, j == 0 ? first : NULL, f))
				return -1;
			switch (je->jointype) {
			case PG_QUERY__JOIN_TYPE__JOIN_INNER:
				f->join = f->on ? SQL_JOIN_INNER : SQL_JOIN_CROSS;
				break;
			case PG_QUERY__JOIN_TYPE__JOIN_LEFT:
				f->join = SQL_JOIN_LEFT;
				break;
			case PG_QUERY__JOIN_TYPE__JOIN_RIGHT:
				f->join = SQL_JOIN_RIGHT;
				break;
			case PG_QUERY__JOIN_TYPE__JOIN_FULL:
				f->join = SQL_JOIN_FULL;
				break;
			default:
				return bad_tree(c, "join type");
			}
		}
	}
	return 0;
}

static int order_by(ctx *c, node **items, size_t n, sql_select *s)
{
	if (!(s->order = alloc(c, n, sizeof *s->order)))
		return -1;
	s->norder = n;
	for (size_t i = 0; i < n; i++) {
		const node *it = items[i];
		if (!it || it->node_case != PG_QUERY__NODE__NODE_SORT_BY)
			return bad_tree(c, "ORDER BY item");
		const PgQuery__SortBy *sb = it->sort_by;
		if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING)
			return unsupported(c, sb->location, "ORDER BY ... USING is");
		if (expr(c, sb->node, &s->order[i].expr))
			return -1;
		s->order[i].desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
		s->order[i].nulls = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST  ? 1
				    : sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST ? 2
												     : 0;
	}
	return 0;
}

/* LIMIT ALL and OFFSET NULL arrive as a NULL constant: no limit. */
static int limit_expr(ctx *c, const node *n, sql_expr **out)
{
	if (n && n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->isnull) {
		*out = NULL;
		return 0;
	}
	return expr(c, n, out);
}

static int select_body(ctx *c, const PgQuery__SelectStmt *s, sql_select *out)
{
	out->has_cte = s->with_clause != NULL;
	if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
	    s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) {
		out->has_setop = true;
		return 0;
	}
	if (s->into_clause)
		return unsupported(c, -1, "SELECT INTO is");
	if (s->n_distinct_clause == 1 && s->distinct_clause[0] &&
	    s->distinct_clause[0]->node_case == PG_QUERY__NODE__NODE__NOT_SET)
		out->distinct = true;
	else if (s->n_distinct_clause)
		return unsupported(c, -1, "DISTINCT ON is");
	if (s->n_window_clause)
		return unsupported(c, -1, "WINDOW clauses are");
	if (s->group_distinct)
		return unsupported(c, -1, "GROUP BY DISTINCT is");
	if (s->limit_option == PG_QUERY__LIMIT_OPTION__LIMIT_OPTION_WITH_TIES)
		return unsupported(c, -1, "FETCH FIRST ... WITH TIES is");
	if (targets(c, s->target_list, s->n_target_list, &out->targets, &out->ntargets) ||
	    from_clause(c, s->from_clause, s->n_from_clause, out) || expr(c, s->where_clause, &out->where))
		return -1;
	if (!(out->group_by = alloc(c, s->n_group_clause, sizeof *out->group_by)) ||
	    expr_list(c, s->group_clause, s->n_group_clause, out->group_by))
		return -1;
	out->ngroup_by = s->n_group_clause;
	if (expr(c, s->having_clause, &out->having))
		return -1;
	if (s->n_values_lists) {
		if (values_rows(c, s->values_lists, s->n_values_lists, false, &out->values,
				&out->nvalue_cols))
			return -1;
		out->nvalues = s->n_values_lists;
	}
	if (order_by(c, s->sort_clause, s->n_sort_clause, out) ||
	    limit_expr(c, s->limit_count, &out->limit) || limit_expr(c, s->limit_offset, &out->offset))
		return -1;
	out->for_update = s->n_locking_clause > 0;
	return 0;
}

/* A SELECT (or a VALUES list), counted as a nesting level: subqueries nest. */
static int select_stmt(ctx *c, const PgQuery__SelectStmt *s, sql_select *out)
{
	if (c->depth >= SQL_MAX_DEPTH)
		return too_complex(c, -1);
	c->depth++;
	int rc = select_body(c, s, out);
	c->depth--;
	return rc;
}

/* --- statements --- */

static int unsupported_stmt(ctx *c, int location, const char *what)
{
	return fail(c, "0A000", location, "%s is not supported by OmenDB; supported: %s", what, SUPPORTED);
}

/* The constraints OmenDB refuses, named for the message; NULL for the
 * ones it keeps. */
static const char *constraint_feature(PgQuery__ConstrType t)
{
	switch (t) {
	case PG_QUERY__CONSTR_TYPE__CONSTR_NULL:
	case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
	case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
	case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
	case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
		return NULL;
	case PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED:
		return "generated columns are";
	case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		return "CHECK constraints are";
	case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		return "UNIQUE constraints are";
	case PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION:
		return "EXCLUDE constraints are";
	case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
		return "FOREIGN KEY constraints are";
	default:
		return "DEFERRABLE and INITIALLY constraint attributes are";
	}
}

static int set_primary_key(ctx *c, sql_create_table *t, int location, node **keys, size_t nkeys,
			   const char *col)
{
	if (t->primary_key)
		return fail(c, "42P16", location, "multiple primary keys for table \"%s\" are not allowed",
			    t->name);
	if (col) {
		if (!(t->primary_key = alloc(c, 1, sizeof *t->primary_key)))
			return -1;
		t->primary_key[0] = col;
		t->nprimary_key = 1;
		return 0;
	}
	if (string_list(c, keys, nkeys, &t->primary_key))
		return -1;
	t->nprimary_key = nkeys;
	return 0;
}

/* A column and its constraints, as transformColumnDefinition reads them. */
static int column_def(ctx *c, const PgQuery__ColumnDef *cd, sql_create_table *t, sql_column_def *col)
{
	bool saw_null = false, saw_not_null = false;
	if (!(col->name = str_dup(c, cd->colname)) ||
	    resolve_type(c, cd->type_name, &col->type, &col->serial, NULL))
		return -1;
	if (cd->coll_clause)
		return unsupported(c, cd->location, "COLLATE on columns is");
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const node *n = cd->constraints[i];
		if (!n || n->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			return bad_tree(c, "column constraint");
		const PgQuery__Constraint *k = n->constraint;
		const char *refused = constraint_feature(k->contype);
		if (refused)
			return unsupported(c, k->location, refused);
		switch (k->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_NULL:
		case PG_QUERY__CONSTR_TYPE__CONSTR_NOTNULL:
			if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NULL ? saw_not_null : saw_null)
				return fail(c, "42601", k->location,
					    "conflicting NULL/NOT NULL declarations for column \"%s\" of "
					    "table \"%s\"",
					    col->name, t->name);
			*(k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_NULL ? &saw_null : &saw_not_null) =
			    true;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT:
		case PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY:
			if (col->default_value || col->serial)
				return fail(
				    c, "42601", k->location,
				    "multiple default values specified for column \"%s\" of table \"%s\"",
				    col->name, t->name);
			if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_DEFAULT) {
				if (expr(c, k->raw_expr, &col->default_value))
					return -1;
				if (!col->default_value)
					return bad_tree(c, "DEFAULT without an expression");
				break;
			}
			/* BY DEFAULT behaves as serial; ALWAYS would also need
			 * OVERRIDING SYSTEM VALUE to refuse explicit values. */
			if (strcmp(k->generated_when, "d") != 0)
				return unsupported(c, k->location, "GENERATED ALWAYS AS IDENTITY is");
			if (col->type.oid != OID_INT2 && col->type.oid != OID_INT4 &&
			    col->type.oid != OID_INT8)
				return fail(c, "22023", k->location,
					    "identity column type must be smallint, integer, or bigint");
			col->serial = true;
			break;
		default: /* CONSTR_PRIMARY */
			if (set_primary_key(c, t, k->location, NULL, 0, col->name))
				return -1;
			col->primary_key = true;
			break;
		}
	}
	col->not_null = saw_not_null || col->serial || col->primary_key;
	return 0;
}

/* CREATE TABLE (PostgreSQL's transformCreateStmt checks what needs no
 * catalog: duplicate columns, primary key columns that exist). */
static int create_table(ctx *c, const PgQuery__CreateStmt *cs, sql_create_table *t)
{
	const PgQuery__RangeVar *rv = cs->relation;
	if (relation_name(c, rv, &t->name))
		return -1;
	if (strcmp(rv->relpersistence, "t") == 0)
		return unsupported(c, rv->location, "temporary tables are");
	if (cs->n_inh_relations)
		return unsupported(c, rv->location, "INHERITS is");
	if (cs->partspec || cs->partbound)
		return unsupported(c, rv->location, "partitioned tables are");
	if (cs->of_typename)
		return unsupported(c, rv->location, "CREATE TABLE ... OF type is");
	if (cs->n_options)
		return unsupported(c, rv->location, "storage parameters (WITH ...) are");
	if (cs->oncommit > PG_QUERY__ON_COMMIT_ACTION__ONCOMMIT_NOOP)
		return unsupported(c, rv->location, "ON COMMIT is");
	if (present(cs->tablespacename))
		return unsupported(c, rv->location, "TABLESPACE is");
	if (present(cs->access_method))
		return unsupported(c, rv->location, "table access methods are");
	t->if_not_exists = cs->if_not_exists;
	size_t ncols = 0;
	for (size_t i = 0; i < cs->n_table_elts; i++)
		ncols += cs->table_elts[i] && cs->table_elts[i]->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF;
	if (ncols > MAX_COLUMNS)
		return fail(c, "54011", rv->location, "tables can have at most %d columns", MAX_COLUMNS);
	if (!(t->columns = alloc(c, ncols, sizeof *t->columns)))
		return -1;
	for (size_t i = 0; i < cs->n_table_elts; i++) {
		const node *el = cs->table_elts[i];
		switch (el ? el->node_case : PG_QUERY__NODE__NODE__NOT_SET) {
		case PG_QUERY__NODE__NODE_COLUMN_DEF: {
			sql_column_def *col = &t->columns[t->ncolumns];
			if (column_def(c, el->column_def, t, col))
				return -1;
			for (size_t j = 0; j < t->ncolumns; j++)
				if (strcmp(t->columns[j].name, col->name) == 0)
					return fail(c, "42701", el->column_def->location,
						    "column \"%s\" specified more than once", col->name);
			t->ncolumns++;
			break;
		}
		case PG_QUERY__NODE__NODE_CONSTRAINT: {
			const PgQuery__Constraint *k = el->constraint;
			if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY)
				return unsupported(c, k->location,
						   constraint_feature(k->contype)
						       ? constraint_feature(k->contype)
						       : "this table constraint is");
			if (k->n_including)
				return unsupported(c, k->location, "INCLUDE in a primary key is");
			if (set_primary_key(c, t, k->location, k->keys, k->n_keys, NULL))
				return -1;
			break;
		}
		case PG_QUERY__NODE__NODE_TABLE_LIKE_CLAUSE:
			return unsupported(c, -1, "CREATE TABLE ... (LIKE ...) is");
		default:
			return bad_tree(c, "table element");
		}
	}
	for (size_t i = 0; i < t->nprimary_key; i++) {
		size_t j = 0;
		while (j < t->ncolumns && strcmp(t->columns[j].name, t->primary_key[i]) != 0)
			j++;
		if (j == t->ncolumns)
			return fail(c, "42703", rv->location, "column \"%s\" named in key does not exist",
				    t->primary_key[i]);
		t->columns[j].not_null = true;
	}
	return 0;
}

static int drop(ctx *c, const PgQuery__DropStmt *d, sql_stmt *st)
{
	static const struct {
		PgQuery__ObjectType type;
		const char *what;
	} others[] = {
	    {PG_QUERY__OBJECT_TYPE__OBJECT_EXTENSION, "DROP EXTENSION"},
	    {PG_QUERY__OBJECT_TYPE__OBJECT_VIEW, "DROP VIEW"},
	    {PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW, "DROP MATERIALIZED VIEW"},
	    {PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE, "DROP SEQUENCE"},
	    {PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA, "DROP SCHEMA"},
	    {PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION, "DROP FUNCTION"},
	    {PG_QUERY__OBJECT_TYPE__OBJECT_TYPE, "DROP TYPE"},
	    {PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE, "DROP FOREIGN TABLE"},
	};
	if (d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
		st->kind = SQL_STMT_DROP_TABLE;
	else if (d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX)
		st->kind = SQL_STMT_DROP_INDEX;
	else {
		const char *what = "DROP of this kind of object";
		for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
			if (others[i].type == d->remove_type)
				what = others[i].what;
		return unsupported_stmt(c, st->location, what);
	}
	sql_drop *dr = &st->u.drop;
	if (!(dr->names = alloc(c, d->n_objects, sizeof *dr->names)))
		return -1;
	for (size_t i = 0; i < d->n_objects; i++)
		if (drop_name(c, d->objects[i], &dr->names[i]))
			return -1;
	dr->nnames = d->n_objects;
	dr->if_exists = d->missing_ok;
	dr->cascade = d->behavior == PG_QUERY__DROP_BEHAVIOR__DROP_CASCADE;
	return 0;
}

/* A DefElem's argument (WITH (m = 16), COPY options): the raw value nodes
 * of the grammar's def_arg. NULL when the option has no value. */
static int def_arg(ctx *c, const node *n, int location, sql_expr **out)
{
	*out = NULL;
	if (!n || n->node_case == PG_QUERY__NODE__NODE__NOT_SET)
		return 0;
	if (n->node_case == PG_QUERY__NODE__NODE_A_CONST)
		return expr(c, n, out);
	sql_expr *e = new_expr(c, SQL_CONST, location);
	if (!e)
		return -1;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_INTEGER:
		e->val = value_int(OID_INT4, n->integer->ival);
		break;
	case PG_QUERY__NODE__NODE_FLOAT:
		if (float_const(c, n->float_->fval, location, &e->val))
			return -1;
		break;
	case PG_QUERY__NODE__NODE_BOOLEAN:
		e->val = value_bool(n->boolean->boolval);
		break;
	case PG_QUERY__NODE__NODE_STRING: {
		const char *s = str_dup(c, n->string->sval);
		if (!s)
			return -1;
		e->val = value_text(OID_UNKNOWN, (char *)s, strlen(s));
		break;
	}
	default:
		return unsupported(c, location, "this kind of option value is");
	}
	*out = e;
	return 0;
}

static int create_index(ctx *c, const PgQuery__IndexStmt *is, sql_create_index *ci)
{
	int loc = is->relation ? is->relation->location : -1;
	if (relation_name(c, is->relation, &ci->table))
		return -1;
	if (is->unique)
		return unsupported(c, loc, "unique indexes are");
	if (is->where_clause)
		return unsupported(c, loc, "partial indexes (WHERE) are");
	if (is->n_index_including_params)
		return unsupported(c, loc, "INCLUDE is");
	if (present(is->table_space))
		return unsupported(c, loc, "TABLESPACE is");
	if (is->n_index_params != 1)
		return unsupported(c, loc, "indexes on several columns are");
	const node *p = is->index_params[0];
	if (!p || p->node_case != PG_QUERY__NODE__NODE_INDEX_ELEM)
		return bad_tree(c, "index column");
	const PgQuery__IndexElem *el = p->index_elem;
	if (el->expr || !present(el->name))
		return unsupported(c, loc, "indexes on expressions are");
	if (el->n_opclassopts)
		return unsupported(c, loc, "operator class options are");
	if (el->n_collation)
		return unsupported(c, loc, "COLLATE in an index is");
	if (!(ci->column = str_dup(c, el->name)) ||
	    !(ci->method = str_dup(c, present(is->access_method) ? is->access_method : "btree")))
		return -1;
	if (present(is->idxname) && !(ci->name = str_dup(c, is->idxname)))
		return -1;
	if (el->n_opclass) {
		const char *oc = last_name(el->opclass, el->n_opclass);
		if (!oc)
			return bad_tree(c, "operator class name");
		if (!(ci->opclass = str_dup(c, oc)))
			return -1;
	}
	if (!(ci->options = alloc(c, is->n_options, sizeof *ci->options)))
		return -1;
	for (size_t i = 0; i < is->n_options; i++) {
		const node *o = is->options[i];
		if (!o || o->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			return bad_tree(c, "index option");
		const PgQuery__DefElem *de = o->def_elem;
		if (present(de->defnamespace))
			return unsupported(c, de->location, "namespaced index options are");
		if (!(ci->options[i].name = str_dup(c, de->defname)) ||
		    def_arg(c, de->arg, de->location, &ci->options[i].value))
			return -1;
	}
	ci->noptions = is->n_options;
	ci->if_not_exists = is->if_not_exists;
	ci->concurrently = is->concurrent;
	return 0;
}

static int on_conflict(ctx *c, const PgQuery__OnConflictClause *oc, sql_insert *ins)
{
	ins->on_conflict = oc->action == PG_QUERY__ON_CONFLICT_ACTION__ONCONFLICT_UPDATE
			       ? SQL_CONFLICT_UPDATE
			       : SQL_CONFLICT_NOTHING;
	const PgQuery__InferClause *inf = oc->infer;
	if (inf) {
		if (present(inf->conname))
			return unsupported(c, inf->location, "ON CONFLICT ON CONSTRAINT is");
		if (inf->where_clause)
			return unsupported(c, inf->location, "ON CONFLICT (...) WHERE is");
		if (!(ins->conflict_columns = alloc(c, inf->n_index_elems, sizeof *ins->conflict_columns)))
			return -1;
		for (size_t i = 0; i < inf->n_index_elems; i++) {
			const node *n = inf->index_elems[i];
			if (!n || n->node_case != PG_QUERY__NODE__NODE_INDEX_ELEM)
				return bad_tree(c, "conflict target");
			if (n->index_elem->expr || !present(n->index_elem->name))
				return unsupported(c, inf->location, "ON CONFLICT on expressions is");
			if (!(ins->conflict_columns[i] = str_dup(c, n->index_elem->name)))
				return -1;
		}
		ins->nconflict_columns = inf->n_index_elems;
	} else if (ins->on_conflict == SQL_CONFLICT_UPDATE) {
		return fail(c, "42601", oc->location,
			    "ON CONFLICT DO UPDATE requires inference specification or constraint name");
	}
	return set_clauses(c, oc->target_list, oc->n_target_list, &ins->conflict_set, &ins->nconflict_set) ||
		       expr(c, oc->where_clause, &ins->conflict_where)
		   ? -1
		   : 0;
}

static bool plain_values(const PgQuery__SelectStmt *s)
{
	return s->n_values_lists && !s->n_target_list && !s->n_from_clause && !s->n_sort_clause &&
	       !s->limit_count && !s->limit_offset && !s->with_clause && !s->n_locking_clause &&
	       (s->op == PG_QUERY__SET_OPERATION__SETOP_NONE ||
		s->op == PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED);
}

static int insert(ctx *c, const PgQuery__InsertStmt *is, sql_insert *ins)
{
	const PgQuery__RangeVar *rv = is->relation;
	if (relation_name(c, rv, &ins->table))
		return -1;
	ins->table_location = rv->location;
	if (rv->alias)
		return unsupported(c, rv->location, "INSERT INTO table AS alias is");
	if (is->with_clause)
		return unsupported(c, rv->location, "WITH in INSERT is");
	if (is->override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_USER_VALUE ||
	    is->override == PG_QUERY__OVERRIDING_KIND__OVERRIDING_SYSTEM_VALUE)
		return unsupported(c, rv->location, "OVERRIDING is");
	if (is->n_cols) {
		if (!(ins->columns = alloc(c, is->n_cols, sizeof *ins->columns)))
			return -1;
		for (size_t i = 0; i < is->n_cols; i++) {
			const node *n = is->cols[i];
			if (!n || n->node_case != PG_QUERY__NODE__NODE_RES_TARGET)
				return bad_tree(c, "INSERT column");
			if (n->res_target->n_indirection)
				return unsupported(c, n->res_target->location,
						   "inserting into a subscript or field is");
			if (!(ins->columns[i] = str_dup(c, n->res_target->name)))
				return -1;
		}
		ins->ncolumns = is->n_cols;
	}
	const node *src = is->select_stmt;
	if (!src) { /* DEFAULT VALUES */
		if (!(ins->rows = alloc(c, 1, sizeof *ins->rows)))
			return -1;
		ins->nrows = 1;
	} else if (src->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
		return bad_tree(c, "INSERT source");
	} else if (plain_values(src->select_stmt)) {
		const PgQuery__SelectStmt *s = src->select_stmt;
		if (values_rows(c, s->values_lists, s->n_values_lists, true, &ins->rows, &ins->nvalues))
			return -1;
		ins->nrows = s->n_values_lists;
		/* transformInsertStmt's checks against an explicit column list */
		if (ins->columns && ins->nvalues > ins->ncolumns)
			return fail(c, "42601", rv->location,
				    "INSERT has more expressions than target columns");
		if (ins->columns && ins->nvalues < ins->ncolumns)
			return fail(c, "42601", rv->location,
				    "INSERT has more target columns than expressions");
	} else {
		if (!(ins->select = alloc(c, 1, sizeof *ins->select)) ||
		    select_stmt(c, src->select_stmt, ins->select))
			return -1;
	}
	if (is->on_conflict_clause && on_conflict(c, is->on_conflict_clause, ins))
		return -1;
	return targets(c, is->returning_list, is->n_returning_list, &ins->returning, &ins->nreturning);
}

static int update(ctx *c, const PgQuery__UpdateStmt *us, sql_update *up)
{
	if (relation_name(c, us->relation, &up->table))
		return -1;
	up->table_location = us->relation->location;
	if (us->with_clause)
		return unsupported(c, us->relation->location, "WITH in UPDATE is");
	if (us->relation->alias && !(up->alias = str_dup(c, us->relation->alias->aliasname)))
		return -1;
	up->has_from = us->n_from_clause > 0;
	return set_clauses(c, us->target_list, us->n_target_list, &up->set, &up->nset) ||
		       expr(c, us->where_clause, &up->where) ||
		       targets(c, us->returning_list, us->n_returning_list, &up->returning, &up->nreturning)
		   ? -1
		   : 0;
}

static int delete_from(ctx *c, const PgQuery__DeleteStmt *ds, sql_delete *del)
{
	if (relation_name(c, ds->relation, &del->table))
		return -1;
	del->table_location = ds->relation->location;
	if (ds->with_clause)
		return unsupported(c, ds->relation->location, "WITH in DELETE is");
	if (ds->relation->alias && !(del->alias = str_dup(c, ds->relation->alias->aliasname)))
		return -1;
	del->has_using = ds->n_using_clause > 0;
	return expr(c, ds->where_clause, &del->where) ||
		       targets(c, ds->returning_list, ds->n_returning_list, &del->returning, &del->nreturning)
		   ? -1
		   : 0;
}

static int variable_set(ctx *c, const PgQuery__VariableSetStmt *vs, sql_stmt *st)
{
	switch (vs->kind) {
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE:
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT: {
		sql_set *set = &st->u.set;
		st->kind = SQL_STMT_SET;
		if (!(set->name = lower_dup(c, vs->name)))
			return -1;
		set->local = vs->is_local;
		set->is_default = vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT;
		if (!(set->values = alloc(c, vs->n_args, sizeof *set->values)) ||
		    expr_list(c, vs->args, vs->n_args, set->values))
			return -1;
		set->nvalues = vs->n_args;
		return 0;
	}
	case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
	case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
		st->kind = SQL_STMT_RESET;
		st->u.name =
		    vs->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL ? "all" : lower_dup(c, vs->name);
		return st->u.name ? 0 : -1;
	case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_CURRENT:
		return unsupported_stmt(c, st->location, "SET ... FROM CURRENT");
	default: {
		/* SET TRANSACTION, SET SESSION CHARACTERISTICS AS TRANSACTION */
		char what[96];
		snprintf(what, sizeof what, "SET %s", present(vs->name) ? vs->name : "");
		return unsupported_stmt(c, st->location, what);
	}
	}
}

static int transaction(ctx *c, const PgQuery__TransactionStmt *ts, sql_stmt *st)
{
	switch (ts->kind) {
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
		/* Isolation levels and READ ONLY are accepted: every OmenDB
		 * statement applies on its own (session.c says so on ROLLBACK). */
		st->kind = SQL_STMT_BEGIN;
		return 0;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
		if (ts->chain)
			return unsupported_stmt(c, st->location, "COMMIT/ROLLBACK AND CHAIN");
		st->kind = ts->kind == PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT ? SQL_STMT_COMMIT
											  : SQL_STMT_ROLLBACK;
		return 0;
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_SAVEPOINT:
		return unsupported_stmt(c, st->location, "SAVEPOINT");
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_RELEASE:
		return unsupported_stmt(c, st->location, "RELEASE SAVEPOINT");
	case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK_TO:
		return unsupported_stmt(c, st->location, "ROLLBACK TO SAVEPOINT");
	default:
		return unsupported_stmt(c, st->location, "two-phase commit (PREPARE TRANSACTION)");
	}
}

/* A boolean option as defGetBoolean reads it: no value, true/false,
 * 0/1, or on/off/yes/no/true/false spelled out. */
static int def_bool(ctx *c, const PgQuery__DefElem *de, bool *out)
{
	const node *a = de->arg;
	if (!a) {
		*out = true;
		return 0;
	}
	if (a->node_case == PG_QUERY__NODE__NODE_BOOLEAN) {
		*out = a->boolean->boolval;
		return 0;
	}
	if (a->node_case == PG_QUERY__NODE__NODE_INTEGER &&
	    (a->integer->ival == 0 || a->integer->ival == 1)) {
		*out = a->integer->ival == 1;
		return 0;
	}
	const char *s = node_str(a);
	static const char *const yes[] = {"true", "on", "yes", "1"}, *const no[] = {"false", "off", "no",
										    "0"};
	for (size_t i = 0; s && i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*out = strcasecmp(s, yes[i]) == 0;
			return 0;
		}
	}
	if (s && strcasecmp(s, "match") == 0)
		return unsupported(c, de->location, "HEADER MATCH is");
	return fail(c, "22023", de->location, "%s requires a Boolean value", de->defname);
}

/* A single-byte character option of COPY (DELIMITER, QUOTE, ESCAPE). */
static int copy_char(ctx *c, const PgQuery__DefElem *de, const char *what, char *out)
{
	const char *s = node_str(de->arg);
	if (!s)
		return fail(c, "42601", de->location, "%s requires a string value", de->defname);
	if (strlen(s) != 1 || (unsigned char)s[0] >= 0x80)
		return fail(c, "0A000", de->location, "COPY %s must be a single one-byte character", what);
	*out = s[0];
	return 0;
}

/* COPY options, checked as PostgreSQL's ProcessCopyOptions does. */
static int copy_options(ctx *c, const PgQuery__CopyStmt *cs, sql_copy *cp)
{
	bool seen_format = false, seen_header = false;
	char delim = 0, quote = 0, escape = 0;
	const char *null_string = NULL;
	for (size_t i = 0; i < cs->n_options; i++) {
		const node *o = cs->options[i];
		if (!o || o->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			return bad_tree(c, "COPY option");
		const PgQuery__DefElem *de = o->def_elem;
		const char *name = de->defname;
		bool dup_opt = false;
		if (strcmp(name, "format") == 0) {
			const char *f = node_str(de->arg);
			dup_opt = seen_format;
			seen_format = true;
			if (!f)
				return fail(c, "42601", de->location, "format requires a string value");
			if (strcasecmp(f, "text") == 0)
				cp->format = SQL_COPY_TEXT;
			else if (strcasecmp(f, "csv") == 0)
				cp->format = SQL_COPY_CSV;
			else if (strcasecmp(f, "binary") == 0)
				cp->format = SQL_COPY_BINARY;
			else
				return fail(c, "22023", de->location, "COPY format \"%s\" not recognized", f);
		} else if (strcmp(name, "delimiter") == 0) {
			dup_opt = delim != 0;
			if (copy_char(c, de, "delimiter", &delim))
				return -1;
		} else if (strcmp(name, "null") == 0) {
			dup_opt = null_string != NULL;
			if (!node_str(de->arg))
				return fail(c, "42601", de->location, "null requires a string value");
			if (!(null_string = str_dup(c, node_str(de->arg))))
				return -1;
		} else if (strcmp(name, "header") == 0) {
			dup_opt = seen_header;
			seen_header = true;
			if (def_bool(c, de, &cp->header))
				return -1;
		} else if (strcmp(name, "quote") == 0) {
			dup_opt = quote != 0;
			if (copy_char(c, de, "quote", &quote))
				return -1;
		} else if (strcmp(name, "escape") == 0) {
			dup_opt = escape != 0;
			if (copy_char(c, de, "escape", &escape))
				return -1;
		} else if (strcmp(name, "freeze") == 0) {
			bool ignored; /* an optimisation for new tables; nothing to do */
			if (def_bool(c, de, &ignored))
				return -1;
		} else if (strcmp(name, "encoding") == 0) {
			const char *e = node_str(de->arg);
			if (!e || (strcasecmp(e, "utf8") != 0 && strcasecmp(e, "utf-8") != 0 &&
				   strcasecmp(e, "unicode") != 0))
				return unsupported(c, de->location, "COPY ENCODING other than UTF8 is");
		} else if (strcmp(name, "force_quote") == 0 || strcmp(name, "force_not_null") == 0 ||
			   strcmp(name, "force_null") == 0) {
			return fail(c, "0A000", de->location, "COPY %s is not supported by OmenDB", name);
		} else {
			return fail(c, "42601", de->location, "option \"%s\" not recognized", name);
		}
		if (dup_opt)
			return fail(c, "42601", de->location, "conflicting or redundant options");
	}
	bool csv = cp->format == SQL_COPY_CSV, binary = cp->format == SQL_COPY_BINARY;
	if (binary && delim)
		return fail(c, "42601", -1, "cannot specify DELIMITER in BINARY mode");
	if (binary && null_string)
		return fail(c, "42601", -1, "cannot specify NULL in BINARY mode");
	if (binary && cp->header)
		return fail(c, "0A000", -1, "cannot specify HEADER in BINARY mode");
	if (!csv && quote)
		return fail(c, "0A000", -1, "COPY quote available only in CSV mode");
	if (!csv && escape)
		return fail(c, "0A000", -1, "COPY escape available only in CSV mode");
	cp->delimiter = delim ? delim : csv ? ',' : '\t';
	cp->null_string = null_string ? null_string : csv ? "" : "\\N";
	cp->quote = quote ? quote : '"';
	cp->escape = escape ? escape : cp->quote;
	if (cp->delimiter == '\n' || cp->delimiter == '\r')
		return fail(c, "22023", -1, "COPY delimiter cannot be newline or carriage return");
	if (strchr(cp->null_string, '\n') || strchr(cp->null_string, '\r'))
		return fail(c, "22023", -1, "COPY null representation cannot use newline or carriage return");
	if (!csv && !binary && strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789", cp->delimiter))
		return fail(c, "22023", -1, "COPY delimiter cannot be \"%c\"", cp->delimiter);
	if (csv && cp->delimiter == cp->quote)
		return fail(c, "22023", -1, "COPY delimiter and quote must be different");
	if (!binary && strchr(cp->null_string, cp->delimiter))
		return fail(c, "22023", -1, "COPY delimiter must not appear in the NULL specification");
	if (csv && strchr(cp->null_string, cp->quote))
		return fail(c, "22023", -1, "CSV quote character must not appear in the NULL specification");
	return 0;
}

static int copy(ctx *c, const PgQuery__CopyStmt *cs, sql_stmt *st)
{
	if (!cs->is_from)
		return unsupported_stmt(c, st->location, "COPY TO");
	if (cs->is_program || present(cs->filename))
		return unsupported_stmt(c, st->location, "COPY FROM a file or program (COPY FROM STDIN is)");
	if (cs->where_clause)
		return unsupported_stmt(c, st->location, "COPY FROM ... WHERE");
	sql_copy *cp = &st->u.copy;
	st->kind = SQL_STMT_COPY_FROM;
	if (relation_name(c, cs->relation, &cp->table))
		return -1;
	if (cs->n_attlist) {
		if (string_list(c, cs->attlist, cs->n_attlist, &cp->columns))
			return -1;
		cp->ncolumns = cs->n_attlist;
	}
	return copy_options(c, cs, cp);
}

static int stmt(ctx *c, const node *n, sql_stmt *st);

static int explain(ctx *c, const PgQuery__ExplainStmt *es, sql_stmt *st)
{
	for (size_t i = 0; i < es->n_options; i++) {
		const node *o = es->options[i];
		if (!o || o->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
			return bad_tree(c, "EXPLAIN option");
		const PgQuery__DefElem *de = o->def_elem;
		bool on;
		if (strcmp(de->defname, "analyze") == 0) {
			if (def_bool(c, de, &on))
				return -1;
			if (on)
				return unsupported_stmt(c, st->location, "EXPLAIN ANALYZE");
		} else if (strcmp(de->defname, "format") == 0) {
			const char *f = node_str(de->arg);
			if (!f || strcasecmp(f, "text") != 0)
				return unsupported_stmt(c, st->location,
							"EXPLAIN in a format other than text");
		}
	}
	sql_stmt *inner = alloc(c, 1, sizeof *inner);
	if (!inner)
		return -1;
	inner->location = st->location;
	inner->length = st->length;
	st->kind = SQL_STMT_EXPLAIN;
	st->u.explain = inner;
	return stmt(c, es->query, inner);
}

/* The statements OmenDB refuses, named as a user writes them. */
static const char *stmt_name(const node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		return "ALTER TABLE";
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		return "CREATE VIEW";
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		return "TRUNCATE";
	case PG_QUERY__NODE__NODE_GRANT_STMT:
		return n->grant_stmt->is_grant ? "GRANT" : "REVOKE";
	case PG_QUERY__NODE__NODE_GRANT_ROLE_STMT:
		return n->grant_role_stmt->is_grant ? "GRANT" : "REVOKE";
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		return n->create_function_stmt->is_procedure ? "CREATE PROCEDURE" : "CREATE FUNCTION";
	case PG_QUERY__NODE__NODE_ALTER_FUNCTION_STMT:
		return "ALTER FUNCTION";
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		return "CREATE SCHEMA";
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		return "CREATE SEQUENCE";
	case PG_QUERY__NODE__NODE_ALTER_SEQ_STMT:
		return "ALTER SEQUENCE";
	case PG_QUERY__NODE__NODE_CREATEDB_STMT:
		return "CREATE DATABASE";
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
		return "DROP DATABASE";
	case PG_QUERY__NODE__NODE_CREATE_ROLE_STMT:
		return "CREATE ROLE";
	case PG_QUERY__NODE__NODE_ALTER_ROLE_STMT:
	case PG_QUERY__NODE__NODE_ALTER_ROLE_SET_STMT:
		return "ALTER ROLE";
	case PG_QUERY__NODE__NODE_DROP_ROLE_STMT:
		return "DROP ROLE";
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		return "ALTER ... RENAME";
	case PG_QUERY__NODE__NODE_COMMENT_STMT:
		return "COMMENT";
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return n->vacuum_stmt->is_vacuumcmd ? "VACUUM" : "ANALYZE";
	case PG_QUERY__NODE__NODE_PREPARE_STMT:
		return "PREPARE (use the extended query protocol)";
	case PG_QUERY__NODE__NODE_EXECUTE_STMT:
		return "EXECUTE";
	case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT:
		return "DECLARE CURSOR";
	case PG_QUERY__NODE__NODE_FETCH_STMT:
		return n->fetch_stmt->ismove ? "MOVE" : "FETCH";
	case PG_QUERY__NODE__NODE_CLOSE_PORTAL_STMT:
		return "CLOSE";
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		return "LOCK";
	case PG_QUERY__NODE__NODE_NOTIFY_STMT:
		return "NOTIFY";
	case PG_QUERY__NODE__NODE_LISTEN_STMT:
		return "LISTEN";
	case PG_QUERY__NODE__NODE_UNLISTEN_STMT:
		return "UNLISTEN";
	case PG_QUERY__NODE__NODE_DO_STMT:
		return "DO";
	case PG_QUERY__NODE__NODE_CALL_STMT:
		return "CALL";
	case PG_QUERY__NODE__NODE_MERGE_STMT:
		return "MERGE";
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		return n->create_table_as_stmt->is_select_into ? "SELECT INTO"
		       : n->create_table_as_stmt->objtype == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW
			   ? "CREATE MATERIALIZED VIEW"
			   : "CREATE TABLE AS";
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		return "REFRESH MATERIALIZED VIEW";
	case PG_QUERY__NODE__NODE_CHECK_POINT_STMT:
		return "CHECKPOINT";
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		return "REINDEX";
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		return "CLUSTER";
	case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
		return "ALTER SYSTEM";
	case PG_QUERY__NODE__NODE_LOAD_STMT:
		return "LOAD";
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		return "CREATE TRIGGER";
	case PG_QUERY__NODE__NODE_RULE_STMT:
		return "CREATE RULE";
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		return "CREATE DOMAIN";
	case PG_QUERY__NODE__NODE_DEFINE_STMT:
		return "CREATE AGGREGATE, OPERATOR or TYPE";
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
	case PG_QUERY__NODE__NODE_CREATE_RANGE_STMT:
		return "CREATE TYPE";
	case PG_QUERY__NODE__NODE_ALTER_EXTENSION_STMT:
	case PG_QUERY__NODE__NODE_ALTER_EXTENSION_CONTENTS_STMT:
		return "ALTER EXTENSION";
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT:
		return "CREATE POLICY";
	case PG_QUERY__NODE__NODE_CONSTRAINTS_SET_STMT:
		return "SET CONSTRAINTS";
	case PG_QUERY__NODE__NODE_ALTER_DATABASE_STMT:
	case PG_QUERY__NODE__NODE_ALTER_DATABASE_SET_STMT:
		return "ALTER DATABASE";
	case PG_QUERY__NODE__NODE_ALTER_OWNER_STMT:
		return "ALTER ... OWNER TO";
	case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT:
		return "ALTER ... SET SCHEMA";
	case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
		return "CREATE TABLESPACE";
	case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT:
		return "CREATE FOREIGN TABLE";
	case PG_QUERY__NODE__NODE_CREATE_STATS_STMT:
		return "CREATE STATISTICS";
	case PG_QUERY__NODE__NODE_CREATE_PUBLICATION_STMT:
		return "CREATE PUBLICATION";
	case PG_QUERY__NODE__NODE_CREATE_SUBSCRIPTION_STMT:
		return "CREATE SUBSCRIPTION";
	default:
		return NULL;
	}
}

static int stmt_node(ctx *c, const node *n, sql_stmt *st)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_EXTENSION_STMT:
		/* WITH SCHEMA / VERSION / CASCADE change nothing in OmenDB,
		 * whose extension types are built in. */
		st->kind = SQL_STMT_CREATE_EXTENSION;
		st->if_not_exists_ext = n->create_extension_stmt->if_not_exists;
		return (st->u.extension = str_dup(c, n->create_extension_stmt->extname)) ? 0 : -1;
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		st->kind = SQL_STMT_CREATE_TABLE;
		return create_table(c, n->create_stmt, &st->u.create_table);
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return drop(c, n->drop_stmt, st);
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		st->kind = SQL_STMT_CREATE_INDEX;
		return create_index(c, n->index_stmt, &st->u.create_index);
	case PG_QUERY__NODE__NODE_INSERT_STMT:
		st->kind = SQL_STMT_INSERT;
		return insert(c, n->insert_stmt, &st->u.insert);
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		st->kind = SQL_STMT_UPDATE;
		return update(c, n->update_stmt, &st->u.update);
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		st->kind = SQL_STMT_DELETE;
		return delete_from(c, n->delete_stmt, &st->u.del);
	case PG_QUERY__NODE__NODE_SELECT_STMT:
		st->kind = SQL_STMT_SELECT;
		return select_stmt(c, n->select_stmt, &st->u.select);
	case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
		return variable_set(c, n->variable_set_stmt, st);
	case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
		st->kind = SQL_STMT_SHOW;
		return (st->u.name = lower_dup(c, n->variable_show_stmt->name)) ? 0 : -1;
	case PG_QUERY__NODE__NODE_TRANSACTION_STMT:
		return transaction(c, n->transaction_stmt, st);
	case PG_QUERY__NODE__NODE_COPY_STMT:
		return copy(c, n->copy_stmt, st);
	case PG_QUERY__NODE__NODE_DISCARD_STMT:
		st->kind = SQL_STMT_DISCARD;
		return 0;
	case PG_QUERY__NODE__NODE_CLOSE_PORTAL_STMT:
		/* OmenDB has no cursors: CLOSE ALL (connection poolers' reset) is
		 * a no-op, CLOSE of a name cannot name an open cursor. */
		if (present(n->close_portal_stmt->portalname))
			return fail(c, "34000", st->location, "cursor \"%s\" does not exist",
				    n->close_portal_stmt->portalname);
		st->kind = SQL_STMT_NOOP;
		st->u.name = "CLOSE CURSOR ALL";
		return 0;
	case PG_QUERY__NODE__NODE_UNLISTEN_STMT:
		st->kind = SQL_STMT_NOOP; /* nothing is ever listened to */
		st->u.name = "UNLISTEN";
		return 0;
	case PG_QUERY__NODE__NODE_DEALLOCATE_STMT:
		st->kind = SQL_STMT_DEALLOCATE;
		if (present(n->deallocate_stmt->name) && !(st->u.name = str_dup(c, n->deallocate_stmt->name)))
			return -1;
		return 0;
	case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
		return explain(c, n->explain_stmt, st);
	default: {
		const char *what = stmt_name(n);
		return unsupported_stmt(c, st->location, what ? what : node_type_name(n));
	}
	}
}

static int stmt(ctx *c, const node *n, sql_stmt *st)
{
	if (!n || n->node_case == PG_QUERY__NODE__NODE__NOT_SET)
		return bad_tree(c, "missing statement");
	return stmt_node(c, n, st);
}

/* libpg_query reports errors without a SQLSTATE: its stack check is
 * 54001 as in PostgreSQL, everything else the parser raises is a syntax
 * error. */
static void parse_error(const PgQueryError *pe, sql_error *err)
{
	bool stack = strncmp(pe->message, "stack depth limit exceeded", 26) == 0;
	snprintf(err->sqlstate, sizeof err->sqlstate, "%s", stack ? "54001" : "42601");
	snprintf(err->message, sizeof err->message, "%s", pe->message);
	err->position = pe->cursorpos > 0 ? pe->cursorpos : 0;
}

int sql_parse(arena *a, const char *query, sql_stmt **stmts, size_t *nstmts, sql_error *err)
{
	ctx c = {.a = a, .query = query, .query_len = strlen(query), .err = err};
	memset(err, 0, sizeof *err);
	*stmts = NULL;
	*nstmts = 0;
	c.max_nodes = 4 * c.query_len + 10000;
	if (nesting_guard(&c))
		return -1;
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(query);
	PgQuery__ParseResult *tree = NULL;
	int rc = -1;
	if (r.error) {
		parse_error(r.error, err);
		goto out;
	}
	const uint8_t *data = (const uint8_t *)r.parse_tree.data;
	if (wire_depth_guard(&c, data, r.parse_tree.len))
		goto out;
	if (!(tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len, data))) {
		oom(&c);
		goto out;
	}
	size_t n = tree->n_stmts;
	sql_stmt *out = alloc(&c, n ? n : 1, sizeof *out);
	if (!out)
		goto out;
	if (n == 0) {
		out[0].kind = SQL_STMT_EMPTY;
		out[0].length = (int)c.query_len;
		n = 1;
	}
	for (size_t i = 0; i < tree->n_stmts; i++) {
		const PgQuery__RawStmt *raw = tree->stmts[i];
		out[i].location = raw->stmt_location;
		/* stmt_len 0: the statement runs to the end of the string */
		out[i].length = raw->stmt_len ? raw->stmt_len : (int)c.query_len - raw->stmt_location;
		if (stmt(&c, raw->stmt, &out[i]))
			goto out;
	}
	*stmts = out;
	*nstmts = n;
	rc = 0;
out:
	if (tree)
		pg_query__parse_result__free_unpacked(tree, NULL);
	pg_query_free_protobuf_parse_result(r);
	return rc;
}

/* --- parameters --- */

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static int max_select(const sql_select *s);

static int max_expr(const sql_expr *e)
{
	if (!e)
		return 0;
	int m = e->kind == SQL_PARAM ? e->param : 0;
	for (size_t i = 0; i < e->nargs; i++)
		m = max_int(m, max_expr(e->args[i]));
	return e->sub ? max_int(m, max_select(e->sub)) : m;
}

static int max_targets(const sql_target *t, size_t n)
{
	int m = 0;
	for (size_t i = 0; i < n; i++)
		m = max_int(m, max_expr(t[i].expr));
	return m;
}

static int max_rows(sql_expr *const *const *rows, size_t nrows, size_t ncols)
{
	int m = 0;
	for (size_t i = 0; i < nrows; i++)
		for (size_t j = 0; j < ncols; j++)
			m = max_int(m, max_expr(rows[i][j]));
	return m;
}

static int max_sets(const sql_set_clause *s, size_t n)
{
	int m = 0;
	for (size_t i = 0; i < n; i++)
		m = max_int(m, max_expr(s[i].value));
	return m;
}

static int max_select(const sql_select *s)
{
	if (!s)
		return 0;
	int m = max_targets(s->targets, s->ntargets);
	for (size_t i = 0; i < s->nfrom; i++)
		m = max_int(m, max_int(max_expr(s->from[i].func),
				       max_int(max_select(s->from[i].sub), max_expr(s->from[i].on))));
	m = max_int(m, max_int(max_expr(s->where), max_expr(s->having)));
	for (size_t i = 0; i < s->ngroup_by; i++)
		m = max_int(m, max_expr(s->group_by[i]));
	for (size_t i = 0; i < s->norder; i++)
		m = max_int(m, max_expr(s->order[i].expr));
	m = max_int(m, max_int(max_expr(s->limit), max_expr(s->offset)));
	return max_int(m, max_rows((sql_expr *const *const *)s->values, s->nvalues, s->nvalue_cols));
}

int sql_max_param(const sql_stmt *s)
{
	int m = 0;
	switch (s->kind) {
	case SQL_STMT_CREATE_TABLE:
		for (size_t i = 0; i < s->u.create_table.ncolumns; i++)
			m = max_int(m, max_expr(s->u.create_table.columns[i].default_value));
		return m;
	case SQL_STMT_CREATE_INDEX:
		for (size_t i = 0; i < s->u.create_index.noptions; i++)
			m = max_int(m, max_expr(s->u.create_index.options[i].value));
		return m;
	case SQL_STMT_INSERT: {
		const sql_insert *in = &s->u.insert;
		m = max_rows((sql_expr *const *const *)in->rows, in->nrows, in->nvalues);
		m = max_int(m, max_select(in->select));
		m = max_int(m, max_sets(in->conflict_set, in->nconflict_set));
		m = max_int(m, max_expr(in->conflict_where));
		return max_int(m, max_targets(in->returning, in->nreturning));
	}
	case SQL_STMT_UPDATE: {
		const sql_update *up = &s->u.update;
		m = max_int(max_sets(up->set, up->nset), max_expr(up->where));
		return max_int(m, max_targets(up->returning, up->nreturning));
	}
	case SQL_STMT_DELETE:
		return max_int(max_expr(s->u.del.where),
			       max_targets(s->u.del.returning, s->u.del.nreturning));
	case SQL_STMT_SELECT:
		return max_select(&s->u.select);
	case SQL_STMT_SET:
		for (size_t i = 0; i < s->u.set.nvalues; i++)
			m = max_int(m, max_expr(s->u.set.values[i]));
		return m;
	case SQL_STMT_EXPLAIN:
		return sql_max_param(s->u.explain);
	default:
		return 0;
	}
}

int sql_max_param_text(const char *q)
{
	int max = 0;
	for (size_t i = 0; q[i];) {
		char ch = q[i];
		if (ch == '\'' || ch == '"') {
			for (i++; q[i]; i++)
				if (q[i] == ch) {
					if (q[i + 1] == ch) {
						i++;
						continue;
					}
					break;
				}
			if (q[i])
				i++;
		} else if (ch == '-' && q[i + 1] == '-') {
			while (q[i] && q[i] != '\n')
				i++;
		} else if (ch == '/' && q[i + 1] == '*') {
			for (i += 2; q[i] && !(q[i] == '*' && q[i + 1] == '/'); i++)
				;
			if (q[i])
				i += 2;
		} else if (ch == '$' && (i == 0 || !(isalnum((unsigned char)q[i - 1]) || q[i - 1] == '_'))) {
			size_t j = i + 1;
			if (isdigit((unsigned char)q[j])) {
				long n = 0;
				while (isdigit((unsigned char)q[j]) && n <= SQL_MAX_PARAMS)
					n = n * 10 + (q[j++] - '0');
				while (isdigit((unsigned char)q[j]))
					j++;
				if (n > max)
					max = n > SQL_MAX_PARAMS ? SQL_MAX_PARAMS + 1 : (int)n;
				i = j;
				continue;
			}
			/* $tag$ ... $tag$ */
			while (isalnum((unsigned char)q[j]) || q[j] == '_')
				j++;
			if (q[j] != '$') {
				i++;
				continue;
			}
			size_t tag = j + 1 - i;
			size_t k = j + 1;
			for (; q[k]; k++)
				if (strncmp(q + k, q + i, tag) == 0)
					break;
			i = q[k] ? k + tag : k;
		} else {
			i++;
		}
	}
	return max;
}
