#include "exec.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "log.h"
#include "merge.h"
#include "pgcatalog.h"
#include "vector.h"

#define EXEC_MAX_KEY 1024	    /* the shard's key limit */
#define EXEC_BATCH_ROWS 2000	    /* rows per write RPC */
#define EXEC_BATCH_BYTES (8u << 20) /* approximate bytes per write RPC */
#define EXEC_SCAN_PAGE 1000	    /* rows per scan RPC */
#define EXEC_MAX_K 1000		    /* the shard's largest k */
#define EXEC_ID_BLOCK 1000	    /* ids reserved from a table's counter at a time */
#define EXEC_MAX_GROUPS 256

/* --- process-wide state --- */

typedef struct id_block {
	uint32_t table_id;
	uint64_t next, end;
} id_block;

struct exec_shared {
	router *r;
	pthread_mutex_t mu;
	id_block *blocks;
	size_t nblocks;
};

int exec_shared_open(router *r, exec_shared **out)
{
	exec_shared *x = calloc(1, sizeof *x);
	if (!x)
		return OMEN_ENOMEM;
	x->r = r;
	pthread_mutex_init(&x->mu, NULL);
	*out = x;
	return OMEN_OK;
}

void exec_shared_close(exec_shared *x)
{
	if (!x)
		return;
	pthread_mutex_destroy(&x->mu);
	free(x->blocks);
	free(x);
}

router *exec_router(exec_shared *x)
{
	return x->r;
}

static int error_oom(sql_error *err)
{
	eval_error(err, "53200", -1, "out of memory");
	return -1;
}

static int group_unavailable(sql_error *err, uint32_t group, int code)
{
	eval_error(err, "58000", -1, "shard group %u could not answer (%s); the query was not completed",
		   group, error_message(code));
	return -1;
}

/* --- the statement's view of one table --- */

typedef struct table_ref {
	const Omendb__TableDef *t;
	const char **names;
	pg_oid *types;
	int32_t *typmods;
	eval_scope scope;
} table_ref;

static pg_oid column_type(const Omendb__Column *c)
{
	if (c->pg_type)
		return c->pg_type;
	switch (c->type) {
	case OMENDB__COLUMN_TYPE__COLUMN_BIGINT:
		return OID_INT8;
	case OMENDB__COLUMN_TYPE__COLUMN_INTEGER:
		return OID_INT4;
	case OMENDB__COLUMN_TYPE__COLUMN_REAL:
		return OID_FLOAT4;
	case OMENDB__COLUMN_TYPE__COLUMN_DOUBLE:
		return OID_FLOAT8;
	case OMENDB__COLUMN_TYPE__COLUMN_TEXT:
		return OID_TEXT;
	case OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN:
		return OID_BOOL;
	case OMENDB__COLUMN_TYPE__COLUMN_JSONB:
		return OID_JSONB;
	case OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ:
		return OID_TIMESTAMPTZ;
	case OMENDB__COLUMN_TYPE__COLUMN_VECTOR:
		return OID_VECTOR;
	default:
		return OID_UNKNOWN;
	}
}

static int32_t column_typmod(const Omendb__Column *c)
{
	if (c->type == OMENDB__COLUMN_TYPE__COLUMN_VECTOR)
		return (int32_t)c->dim;
	return c->pg_typmod > 0 ? c->pg_typmod : -1;
}

/* PostgreSQL folds unquoted names; the catalog keeps them as created. A
 * schema other than public is not a user table. */
static const Omendb__TableDef *find_table(const Omendb__Catalog *cat, const char *name)
{
	for (size_t i = 0; cat && i < cat->n_tables; i++)
		if (strcmp(cat->tables[i]->name, name) == 0)
			return cat->tables[i];
	return NULL;
}

static const Omendb__IndexDef *find_index(const Omendb__Catalog *cat, uint32_t table_id, uint32_t column)
{
	for (size_t i = 0; cat && i < cat->n_indexes; i++)
		if (cat->indexes[i]->table_id == table_id && cat->indexes[i]->column == column)
			return cat->indexes[i];
	return NULL;
}

static int table_ref_init(arena *a, const Omendb__TableDef *t, const char *alias, table_ref *r)
{
	size_t n = t->n_columns;
	r->t = t;
	r->names = arena_calloc(a, n, sizeof *r->names);
	r->types = arena_calloc(a, n, sizeof *r->types);
	r->typmods = arena_calloc(a, n, sizeof *r->typmods);
	if (!r->names || !r->types || !r->typmods)
		return -1;
	for (size_t i = 0; i < n; i++) {
		r->names[i] = t->columns[i]->name;
		r->types[i] = column_type(t->columns[i]);
		r->typmods[i] = column_typmod(t->columns[i]);
	}
	memset(&r->scope, 0, sizeof r->scope);
	r->scope.table = t->name;
	r->scope.alias = alias;
	r->scope.ncols = n;
	r->scope.names = r->names;
	r->scope.types = r->types;
	r->scope.typmods = r->typmods;
	return 0;
}

static int relation_missing(sql_error *err, const char *name, int location)
{
	eval_error(err, "42P01", location, "relation \"%s\" does not exist", name);
	return -1;
}

/* --- values to and from the shard's typed cells --- */

static int to_shard_value(arena *a, const value *v, const Omendb__Column *col, Omendb__Value *out)
{
	omendb__value__init(out);
	if (v->isnull)
		return 0;
	switch (col->type) {
	case OMENDB__COLUMN_TYPE__COLUMN_BIGINT:
	case OMENDB__COLUMN_TYPE__COLUMN_INTEGER:
	case OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ:
		out->kind_case = OMENDB__VALUE__KIND_INT_VALUE;
		out->int_value = v->u.i;
		return 0;
	case OMENDB__COLUMN_TYPE__COLUMN_REAL:
	case OMENDB__COLUMN_TYPE__COLUMN_DOUBLE:
		out->kind_case = OMENDB__VALUE__KIND_FLOAT_VALUE;
		out->float_value = v->u.f;
		return 0;
	case OMENDB__COLUMN_TYPE__COLUMN_TEXT:
		out->kind_case = OMENDB__VALUE__KIND_TEXT_VALUE;
		out->text_value = v->u.s.ptr;
		return 0;
	case OMENDB__COLUMN_TYPE__COLUMN_JSONB:
		out->kind_case = OMENDB__VALUE__KIND_JSONB_VALUE;
		out->jsonb_value = v->u.s.ptr;
		return 0;
	case OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN:
		out->kind_case = OMENDB__VALUE__KIND_BOOL_VALUE;
		out->bool_value = v->u.b;
		return 0;
	case OMENDB__COLUMN_TYPE__COLUMN_VECTOR: {
		Omendb__Vector *vec = arena_alloc(a, sizeof *vec);
		if (!vec)
			return -1;
		omendb__vector__init(vec);
		vec->n_values = v->u.vec.dim;
		vec->values = v->u.vec.x;
		out->kind_case = OMENDB__VALUE__KIND_VECTOR_VALUE;
		out->vector_value = vec;
		return 0;
	}
	default:
		return -1;
	}
}

/* A shard cell back to a SQL value of the column's declared type; strings
 * and vectors are copied into the arena (the response is freed after). */
static int from_shard_value(arena *a, const Omendb__Value *sv, pg_oid type, value *out)
{
	if (sv == NULL || sv->kind_case == OMENDB__VALUE__KIND__NOT_SET) {
		*out = value_null(type);
		return 0;
	}
	switch (sv->kind_case) {
	case OMENDB__VALUE__KIND_INT_VALUE:
		*out = value_int(type, sv->int_value);
		return 0;
	case OMENDB__VALUE__KIND_FLOAT_VALUE:
		*out = value_float(type, sv->float_value);
		return 0;
	case OMENDB__VALUE__KIND_BOOL_VALUE:
		*out = value_bool(sv->bool_value);
		return 0;
	case OMENDB__VALUE__KIND_TEXT_VALUE:
	case OMENDB__VALUE__KIND_JSONB_VALUE: {
		const char *s =
		    sv->kind_case == OMENDB__VALUE__KIND_TEXT_VALUE ? sv->text_value : sv->jsonb_value;
		size_t len = strlen(s);
		char *p = arena_strndup(a, s, len);
		if (!p)
			return -1;
		*out = value_text(type, p, len);
		return 0;
	}
	case OMENDB__VALUE__KIND_VECTOR_VALUE: {
		value v = {.type = OID_VECTOR};
		uint32_t dim = (uint32_t)sv->vector_value->n_values;
		v.u.vec.dim = dim;
		v.u.vec.x = arena_alloc(a, (size_t)dim * sizeof(float) + 1);
		if (!v.u.vec.x)
			return -1;
		if (dim)
			memcpy(v.u.vec.x, sv->vector_value->values, (size_t)dim * sizeof(float));
		*out = v;
		return 0;
	}
	default:
		*out = value_null(type);
		return 0;
	}
}

static value *row_from_shard(arena *a, const table_ref *r, const Omendb__Row *row)
{
	size_t n = r->t->n_columns;
	value *vals = arena_calloc(a, n + 1, sizeof *vals);
	if (!vals)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (from_shard_value(a, i < row->n_values ? row->values[i] : NULL, r->types[i], &vals[i]))
			return NULL;
	return vals;
}

/* --- primary keys --- */

/* Keys sort like their values: an integer is 8 bytes big-endian with the
 * sign bit flipped; text is its bytes, and in a composite key each text
 * part escapes 0x00 as 00 FF and ends with 00 01. A table without a primary
 * key is keyed by its hidden row id, an integer. */
static bool key_put(uint8_t *buf, size_t *len, const void *p, size_t n)
{
	if (*len + n > EXEC_MAX_KEY)
		return false;
	memcpy(buf + *len, p, n);
	*len += n;
	return true;
}

static bool key_put_int(uint8_t *buf, size_t *len, int64_t v)
{
	uint64_t u = (uint64_t)v ^ (1ull << 63);
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(u >> (56 - 8 * i));
	return key_put(buf, len, b, 8);
}

static int encode_key(arena *a, const table_ref *r, const value *row, int64_t rowid, Omendb__Row *out,
		      sql_error *err)
{
	uint8_t buf[EXEC_MAX_KEY];
	size_t len = 0;
	const Omendb__TableDef *t = r->t;
	bool ok = true;
	if (t->n_primary_key == 0) {
		ok = key_put_int(buf, &len, rowid);
	} else {
		bool composite = t->n_primary_key > 1;
		for (size_t k = 0; k < t->n_primary_key && ok; k++) {
			uint32_t c = t->primary_key[k];
			const value *v = &row[c];
			if (v->isnull) {
				eval_error(err, "23502", -1,
					   "null value in column \"%s\" of relation \"%s\" violates not-null "
					   "constraint",
					   t->columns[c]->name, t->name);
				return -1;
			}
			if (t->columns[c]->type == OMENDB__COLUMN_TYPE__COLUMN_TEXT) {
				if (!composite) {
					ok = v->u.s.len > 0 ? key_put(buf, &len, v->u.s.ptr, v->u.s.len)
							    : key_put(buf, &len, "\0", 1);
					/* "" keys as one 00 byte: keys must not be empty, and no
					 * other single-column text key is a lone 00. */
					if (ok && v->u.s.len == 1 && v->u.s.ptr[0] == 0)
						ok = false;
				} else {
					for (size_t i = 0; i < v->u.s.len && ok; i++) {
						ok = key_put(buf, &len, &v->u.s.ptr[i], 1);
						if (ok && v->u.s.ptr[i] == 0)
							ok = key_put(buf, &len, "\xff", 1);
					}
					ok = ok && key_put(buf, &len, "\0\1", 2);
				}
			} else {
				ok = key_put_int(buf, &len, v->u.i);
			}
		}
	}
	if (!ok) {
		eval_error(err, "54000", -1, "primary key of relation \"%s\" is longer than %d bytes",
			   t->name, EXEC_MAX_KEY);
		return -1;
	}
	out->key.data = arena_alloc(a, len);
	if (!out->key.data)
		return error_oom(err);
	memcpy(out->key.data, buf, len);
	out->key.len = len;
	return 0;
}

/* The text of a key for "Key (id)=(5) already exists." */
static const char *key_description(arena *a, const table_ref *r, const value *row)
{
	const Omendb__TableDef *t = r->t;
	char *cols = arena_strdup(a, ""), *vals = arena_strdup(a, "");
	for (size_t k = 0; k < t->n_primary_key && cols && vals; k++) {
		uint32_t c = t->primary_key[k];
		char *txt = NULL;
		size_t tl;
		value_error ve;
		if (value_to_text(a, &row[c], &txt, &tl, &ve))
			txt = "?";
		cols = arena_printf(a, "%s%s%s", cols, k ? ", " : "", t->columns[c]->name);
		vals = arena_printf(a, "%s%s%s", vals, k ? ", " : "", txt);
	}
	return cols && vals ? arena_printf(a, "Key (%s)=(%s) already exists.", cols, vals) : NULL;
}

/* --- ids from a table's counter (serial columns, hidden row ids) --- */

static int reserve_ids(exec_session *s, uint32_t table_id, uint64_t n, uint64_t *first, sql_error *err)
{
	exec_shared *x = s->shared;
	pthread_mutex_lock(&x->mu);
	id_block *b = NULL;
	for (size_t i = 0; i < x->nblocks; i++)
		if (x->blocks[i].table_id == table_id)
			b = &x->blocks[i];
	if (b && b->end - b->next >= n) {
		*first = b->next;
		b->next += n;
		pthread_mutex_unlock(&x->mu);
		return 0;
	}
	pthread_mutex_unlock(&x->mu);
	/* Ask group 0 for a new block outside the lock: concurrent sessions may
	 * each get one; the spare ids are lost, never reused. */
	uint64_t want = n > EXEC_ID_BLOCK ? n : EXEC_ID_BLOCK;
	Omendb__AllocateIds ai = OMENDB__ALLOCATE_IDS__INIT;
	ai.table_id = table_id;
	ai.count = (uint32_t)(want > 1000000 ? 1000000 : want);
	if (ai.count < n) {
		eval_error(err, "54000", -1, "cannot reserve %" PRIu64 " ids at once", n);
		return -1;
	}
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_ALLOCATE_IDS;
	op.allocate_ids = &ai;
	Omendb__Status st;
	Omendb__WriteResult wr = OMENDB__WRITE_RESULT__INIT;
	char msg[256];
	int rc = router_catalog_op(x->r, &op, &st, &wr, msg, sizeof msg);
	if (rc != OMEN_OK)
		return group_unavailable(err, 0, rc);
	if (st != OMENDB__STATUS__STATUS_OK) {
		eval_error(err, st == OMENDB__STATUS__STATUS_NOT_FOUND ? "42P01" : "XX000", -1,
			   "could not reserve ids: %s", msg);
		return -1;
	}
	*first = wr.first_id;
	pthread_mutex_lock(&x->mu);
	b = NULL;
	for (size_t i = 0; i < x->nblocks; i++)
		if (x->blocks[i].table_id == table_id)
			b = &x->blocks[i];
	if (!b) {
		id_block *nb = realloc(x->blocks, (x->nblocks + 1) * sizeof *nb);
		if (nb) {
			x->blocks = nb;
			b = &nb[x->nblocks++];
			b->table_id = table_id;
		}
	}
	if (b) {
		b->next = wr.first_id + n;
		b->end = wr.first_id + ai.count;
	}
	pthread_mutex_unlock(&x->mu);
	return 0;
}

/* --- talking to groups --- */

typedef struct group_list {
	uint32_t ids[EXEC_MAX_GROUPS];
	size_t n;
} group_list;

static void groups_of(const Omendb__Catalog *cat, group_list *g)
{
	g->n = router_groups(cat, g->ids, EXEC_MAX_GROUPS);
}

static Omendb__Request *new_request(arena *a, Omendb__ReadLevel level)
{
	Omendb__Request *req = arena_alloc(a, sizeof *req);
	Omendb__RpcHeader *h = arena_alloc(a, sizeof *h);
	if (!req || !h)
		return NULL;
	omendb__request__init(req);
	omendb__rpc_header__init(h);
	req->header = h;
	req->read_level = level;
	return req;
}

static Omendb__Request *new_command(arena *a, Omendb__Command **cmd)
{
	Omendb__Request *req = new_request(a, OMENDB__READ_LEVEL__READ_LEADER);
	*cmd = arena_alloc(a, sizeof **cmd);
	if (!req || !*cmd)
		return NULL;
	omendb__command__init(*cmd);
	req->body_case = OMENDB__REQUEST__BODY_COMMAND;
	req->command = *cmd;
	return req;
}

/* Maps a shard's refusal to a SQLSTATE. */
static int shard_refused(const Omendb__Response *resp, uint32_t group, sql_error *err)
{
	const char *state;
	switch (resp->status) {
	case OMENDB__STATUS__STATUS_NOT_FOUND:
		state = "42P01";
		break;
	case OMENDB__STATUS__STATUS_DIMENSION:
		state = "22000";
		break;
	case OMENDB__STATUS__STATUS_NON_FINITE:
		state = "22000";
		break;
	case OMENDB__STATUS__STATUS_EXISTS:
		state = "23505";
		break;
	case OMENDB__STATUS__STATUS_TOO_LARGE:
		state = "54000";
		break;
	case OMENDB__STATUS__STATUS_INVALID:
		state = "22023";
		break;
	case OMENDB__STATUS__STATUS_UNAVAILABLE:
	case OMENDB__STATUS__STATUS_TIMEOUT:
	case OMENDB__STATUS__STATUS_NOT_LEADER:
		state = "58000";
		break;
	case OMENDB__STATUS__STATUS_STALE_CATALOG:
		state = "40001";
		break;
	default:
		state = "XX000";
		break;
	}
	eval_error(err, state, -1, "shard group %u: %s", group, resp->message ? resp->message : "refused");
	return -1;
}

/* Sends reqs[i] to groups[i] in parallel; on success every resps[i] is an
 * OK answer (the caller frees them with free_responses). A group that did
 * not answer fails the statement unless partial results are allowed
 * (allow_partial, for reads): then its slot is NULL and a WARNING says so. */
static int call_groups(exec_session *s, size_t n, const uint32_t *groups, Omendb__Request *const *reqs,
		       bool allow_partial, Omendb__Response **resps, sql_error *err)
{
	int codes[EXEC_MAX_GROUPS];
	int deadline = s->settings->group_timeout_ms > 0 ? s->settings->group_timeout_ms : 5000;
	if (router_fanout(s->shared->r, n, groups, reqs, deadline, resps, codes) != OMEN_OK)
		return error_oom(err);
	int failed = -1;
	for (size_t i = 0; i < n; i++) {
		if (codes[i] == OMEN_OK && resps[i] && resps[i]->status == OMENDB__STATUS__STATUS_OK)
			continue;
		/* NOT_LEADER at this point means the router ran out of time
		 * following leaders: the group could not answer, like a timeout. */
		bool transport = codes[i] != OMEN_OK || resps[i] == NULL ||
				 resps[i]->status == OMENDB__STATUS__STATUS_UNAVAILABLE ||
				 resps[i]->status == OMENDB__STATUS__STATUS_TIMEOUT ||
				 resps[i]->status == OMENDB__STATUS__STATUS_NOT_LEADER;
		if (transport && allow_partial && s->settings->partial_results) {
			if (s->notice) {
				char msg[160];
				snprintf(msg, sizeof msg,
					 "shard group %u did not answer; results are partial", groups[i]);
				s->notice(s->notice_arg, "WARNING", "01000", msg);
			}
			if (resps[i])
				omendb__response__free_unpacked(resps[i], NULL);
			resps[i] = NULL;
			continue;
		}
		if (failed < 0) {
			failed = (int)i;
			if (codes[i] != OMEN_OK || resps[i] == NULL)
				group_unavailable(err, groups[i], codes[i] != OMEN_OK ? codes[i] : OMEN_EIO);
			else if (transport)
				group_unavailable(err, groups[i], OMEN_ETIMEDOUT);
			else
				shard_refused(resps[i], groups[i], err);
		}
	}
	if (failed >= 0) {
		for (size_t i = 0; i < n; i++) {
			if (resps[i])
				omendb__response__free_unpacked(resps[i], NULL);
			resps[i] = NULL;
		}
		return -1;
	}
	return 0;
}

static void free_responses(Omendb__Response **resps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (resps[i]) {
			omendb__response__free_unpacked(resps[i], NULL);
			resps[i] = NULL;
		}
}

/* The same command to every data group. */
static int command_all_groups(exec_session *s, const Omendb__Catalog *cat, Omendb__Command *cmd,
			      sql_error *err)
{
	group_list g;
	groups_of(cat, &g);
	if (g.n == 0)
		return 0;
	Omendb__Request *reqs[EXEC_MAX_GROUPS];
	Omendb__Response *resps[EXEC_MAX_GROUPS] = {0};
	for (size_t i = 0; i < g.n; i++) {
		reqs[i] = new_request(s->a, OMENDB__READ_LEVEL__READ_LEADER);
		if (!reqs[i])
			return error_oom(err);
		reqs[i]->body_case = OMENDB__REQUEST__BODY_COMMAND;
		reqs[i]->command = cmd;
	}
	int rc = call_groups(s, g.n, g.ids, reqs, false, resps, err);
	free_responses(resps, g.n);
	return rc;
}

/* --- statement context --- */

typedef struct stmt_ctx {
	exec_session *s;
	const router_catalog *snap;
	const Omendb__Catalog *cat;
	pgcatalog_ctx pc;
	eval_ctx ec;
	const char *query;
} stmt_ctx;

static void ctx_eval_init(stmt_ctx *x, pg_oid *param_types, size_t nparams, const value *params)
{
	memset(&x->ec, 0, sizeof x->ec);
	x->ec.a = x->s->a;
	x->ec.param_types = param_types;
	x->ec.nparams = nparams;
	x->ec.params = params;
	x->ec.setting = x->s->setting;
	x->ec.setting_arg = x->s->setting_arg;
	x->ec.hook = pgcatalog_func_hook;
	x->ec.hook_arg = &x->pc;
	memset(&x->pc, 0, sizeof x->pc);
	x->pc.a = x->s->a;
	x->pc.cat = x->cat;
	x->pc.session = x->s;
	x->pc.fanout = router_fanout;
	x->pc.router = x->s->shared->r;
}

static int ctx_open(stmt_ctx *x, exec_session *s, sql_error *err)
{
	memset(x, 0, sizeof *x);
	x->s = s;
	int rc = router_catalog_get(s->shared->r, false, &x->snap);
	if (rc != OMEN_OK)
		return group_unavailable(err, 0, rc);
	x->cat = x->snap->cat;
	return 0;
}

static void ctx_close(stmt_ctx *x)
{
	if (x->snap)
		router_catalog_release(x->s->shared->r, x->snap);
	x->snap = NULL;
}

/* Re-reads the catalog (after DDL elsewhere made ours stale). */
static int ctx_refresh(stmt_ctx *x, sql_error *err)
{
	const router_catalog *snap;
	int rc = router_catalog_get(x->s->shared->r, true, &snap);
	if (rc != OMEN_OK)
		return group_unavailable(err, 0, rc);
	ctx_close(x);
	x->snap = snap;
	x->cat = snap->cat;
	x->pc.cat = x->cat;
	return 0;
}

static void set_tag(exec_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_tag(exec_result *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->tag, sizeof out->tag, fmt, ap);
	va_end(ap);
}

static bool refs_columns(const sql_expr *e)
{
	if (e == NULL)
		return false;
	if (e->kind == SQL_COLUMN || e->kind == SQL_STAR || e->kind == SQL_SUBQUERY)
		return true;
	for (size_t i = 0; i < e->nargs; i++)
		if (refs_columns(e->args[i]))
			return true;
	return false;
}

static bool is_aggregate(const sql_expr *e)
{
	if (e == NULL)
		return false;
	if (e->kind == SQL_FUNC &&
	    (strcmp(e->name, "count") == 0 || strcmp(e->name, "sum") == 0 || strcmp(e->name, "avg") == 0 ||
	     strcmp(e->name, "min") == 0 || strcmp(e->name, "max") == 0))
		return true;
	for (size_t i = 0; i < e->nargs; i++)
		if (is_aggregate(e->args[i]))
			return true;
	return false;
}

/* The select list with * expanded, as (expr, name) pairs. */
typedef struct target_list {
	sql_expr **exprs;
	const char **names;
	size_t n;
} target_list;

static sql_expr *column_expr(arena *a, const char *name)
{
	sql_expr *e = arena_calloc(a, 1, sizeof *e);
	if (e) {
		e->kind = SQL_COLUMN;
		e->name = name;
		e->location = -1;
	}
	return e;
}

static int expand_targets(arena *a, const sql_target *t, size_t n, const table_ref *r, target_list *out,
			  sql_error *err)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += t[i].expr->kind == SQL_STAR ? (r ? r->t->n_columns : 0) : 1;
	out->exprs = arena_calloc(a, total + 1, sizeof *out->exprs);
	out->names = arena_calloc(a, total + 1, sizeof *out->names);
	if (!out->exprs || !out->names)
		return error_oom(err);
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i].expr->kind == SQL_STAR) {
			if (!r) {
				eval_error(err, "42601", t[i].expr->location,
					   "SELECT * with no tables specified is not valid");
				return -1;
			}
			for (size_t c = 0; c < r->t->n_columns; c++) {
				out->exprs[out->n] = column_expr(a, r->names[c]);
				if (!out->exprs[out->n])
					return error_oom(err);
				out->names[out->n++] = r->names[c];
			}
			continue;
		}
		out->exprs[out->n] = t[i].expr;
		out->names[out->n++] = t[i].alias ? t[i].alias : eval_column_name(t[i].expr);
	}
	return 0;
}

static int describe_targets(stmt_ctx *x, const target_list *tl, const table_ref *r, exec_result *out,
			    sql_error *err)
{
	/* PostgreSQL's MaxTupleAttributeNumber; RowDescription counts in int16. */
	if (tl->n > 1664) {
		eval_error(err, "54011", -1, "target lists can have at most 1664 entries");
		return -1;
	}
	out->cols = arena_calloc(x->s->a, tl->n + 1, sizeof *out->cols);
	if (!out->cols)
		return error_oom(err);
	out->ncols = tl->n;
	out->returns_rows = true;
	for (size_t i = 0; i < tl->n; i++) {
		exec_column *c = &out->cols[i];
		c->name = tl->names[i];
		if (is_aggregate(tl->exprs[i])) {
			/* Aggregates type from their argument with no row scope issue. */
		}
		if (eval_type(&x->ec, tl->exprs[i], &c->type, &c->typmod, err))
			return -1;
		if (c->type == OID_UNKNOWN)
			c->type = OID_TEXT;
		if (r && tl->exprs[i]->kind == SQL_COLUMN) {
			int ci = eval_column_index(&r->scope, tl->exprs[i]);
			if (ci >= 0) {
				c->table_oid = 16384 + r->t->table_id;
				c->attnum = (int16_t)(ci + 1);
			}
		}
	}
	return 0;
}

/* Evaluates the target list over one row (scope row set by the caller). */
static value *project(stmt_ctx *x, const target_list *tl, const exec_result *out, sql_error *err)
{
	value *row = arena_calloc(x->s->a, tl->n + 1, sizeof *row);
	if (!row) {
		error_oom(err);
		return NULL;
	}
	for (size_t i = 0; i < tl->n; i++) {
		if (eval_expr(&x->ec, tl->exprs[i], &row[i], err))
			return NULL;
		if (row[i].type == OID_UNKNOWN && !row[i].isnull)
			row[i].type = OID_TEXT;
		/* Columns keep their declared type (a vector(3) stays vector). */
		if (out->cols[i].type != row[i].type && !row[i].isnull) {
			value_error ve;
			value conv;
			if (value_cast(x->s->a, &row[i], out->cols[i].type, -1, false, &conv, &ve) == 0)
				row[i] = conv;
		}
		if (row[i].isnull)
			row[i].type = out->cols[i].type;
	}
	return row;
}

static int add_row(arena *a, exec_result *out, value *row, size_t *cap, sql_error *err)
{
	if (out->nrows == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		value **rows = arena_alloc(a, ncap * sizeof *rows);
		if (!rows)
			return error_oom(err);
		if (out->nrows)
			memcpy(rows, out->rows, out->nrows * sizeof *rows);
		out->rows = rows;
		*cap = ncap;
	}
	out->rows[out->nrows++] = row;
	return 0;
}

/* --- WHERE pushed into the shards --- */

typedef struct filter_builder {
	Omendb__FilterNode *nodes;
	size_t n, cap;
} filter_builder;

static Omendb__FilterNode *fb_push(arena *a, filter_builder *fb)
{
	if (fb->n == fb->cap) {
		size_t ncap = fb->cap ? fb->cap * 2 : 16;
		Omendb__FilterNode *nodes = arena_alloc(a, ncap * sizeof *nodes);
		if (!nodes)
			return NULL;
		if (fb->n)
			memcpy(nodes, fb->nodes, fb->n * sizeof *nodes);
		fb->nodes = nodes;
		fb->cap = ncap;
	}
	Omendb__FilterNode *n = &fb->nodes[fb->n++];
	omendb__filter_node__init(n);
	return n;
}

static bool scalar_column(const table_ref *r, int ci)
{
	Omendb__ColumnType t = r->t->columns[ci]->type;
	return t != OMENDB__COLUMN_TYPE__COLUMN_VECTOR && t != OMENDB__COLUMN_TYPE__COLUMN_JSONB;
}

/* A constant for a filter on column ci: evaluated without a row and
 * brought to a kind the shard compares with that column. */
static bool filter_value(stmt_ctx *x, const table_ref *r, int ci, const sql_expr *e, Omendb__Value *out)
{
	value v;
	sql_error ignore;
	if (refs_columns(e) || eval_expr(&x->ec, e, &v, &ignore))
		return false;
	const Omendb__Column *col = r->t->columns[ci];
	bool int_col = col->type == OMENDB__COLUMN_TYPE__COLUMN_BIGINT ||
		       col->type == OMENDB__COLUMN_TYPE__COLUMN_INTEGER;
	if (!v.isnull && int_col && (v.type == OID_FLOAT4 || v.type == OID_FLOAT8 || v.type == OID_NUMERIC)) {
		/* 2.5 compares as a number with an integer column, not rounded. */
		omendb__value__init(out);
		out->kind_case = OMENDB__VALUE__KIND_FLOAT_VALUE;
		out->float_value = v.u.f;
		return true;
	}
	if (!v.isnull && v.type != r->types[ci]) {
		value conv;
		value_error ve;
		if (value_cast(x->s->a, &v, r->types[ci], -1, false, &conv, &ve))
			return false;
		v = conv;
	}
	return to_shard_value(x->s->a, &v, col, out) == 0;
}

static Omendb__FilterOp comparison_op(const char *op, bool flip)
{
	if (strcmp(op, "=") == 0)
		return OMENDB__FILTER_OP__FILTER_EQ;
	if (strcmp(op, "<>") == 0 || strcmp(op, "!=") == 0)
		return OMENDB__FILTER_OP__FILTER_NE;
	if (strcmp(op, "<") == 0)
		return flip ? OMENDB__FILTER_OP__FILTER_GT : OMENDB__FILTER_OP__FILTER_LT;
	if (strcmp(op, "<=") == 0)
		return flip ? OMENDB__FILTER_OP__FILTER_GE : OMENDB__FILTER_OP__FILTER_LE;
	if (strcmp(op, ">") == 0)
		return flip ? OMENDB__FILTER_OP__FILTER_LT : OMENDB__FILTER_OP__FILTER_GT;
	if (strcmp(op, ">=") == 0)
		return flip ? OMENDB__FILTER_OP__FILTER_LE : OMENDB__FILTER_OP__FILTER_GE;
	return (Omendb__FilterOp)-1;
}

/* Appends e's postfix program; false (fb unchanged in meaning: the caller
 * rolls back n) when some part cannot run in the shard. */
static bool translate(stmt_ctx *x, const table_ref *r, const sql_expr *e, filter_builder *fb, int depth)
{
	arena *a = x->s->a;
	if (depth > 64 || fb->n >= 255)
		return false;
	switch (e->kind) {
	case SQL_AND:
	case SQL_OR: {
		for (size_t i = 0; i < e->nargs; i++)
			if (!translate(x, r, e->args[i], fb, depth + 1))
				return false;
		if (e->nargs < 2)
			return e->nargs == 1;
		Omendb__FilterNode *n = fb_push(a, fb);
		if (!n)
			return false;
		n->op = e->kind == SQL_AND ? OMENDB__FILTER_OP__FILTER_AND : OMENDB__FILTER_OP__FILTER_OR;
		n->arity = (uint32_t)e->nargs;
		return true;
	}
	case SQL_NOT: {
		if (!translate(x, r, e->args[0], fb, depth + 1))
			return false;
		Omendb__FilterNode *n = fb_push(a, fb);
		if (!n)
			return false;
		n->op = OMENDB__FILTER_OP__FILTER_NOT;
		return true;
	}
	case SQL_IS_NULL: {
		int ci = e->args[0]->kind == SQL_COLUMN ? eval_column_index(&r->scope, e->args[0]) : -1;
		if (ci < 0)
			return false;
		Omendb__FilterNode *n = fb_push(a, fb);
		if (!n)
			return false;
		n->op = OMENDB__FILTER_OP__FILTER_IS_NULL;
		n->column = (uint32_t)ci;
		if (e->negated) {
			Omendb__FilterNode *nn = fb_push(a, fb);
			if (!nn)
				return false;
			nn->op = OMENDB__FILTER_OP__FILTER_NOT;
		}
		return true;
	}
	case SQL_IN: {
		int ci = e->args[0]->kind == SQL_COLUMN ? eval_column_index(&r->scope, e->args[0]) : -1;
		if (ci < 0 || !scalar_column(r, ci) || e->nargs < 2 || e->nargs - 1 > 1024)
			return false;
		Omendb__Value **vals = arena_calloc(a, e->nargs, sizeof *vals);
		if (!vals)
			return false;
		for (size_t i = 1; i < e->nargs; i++) {
			vals[i - 1] = arena_alloc(a, sizeof **vals);
			if (!vals[i - 1] || !filter_value(x, r, ci, e->args[i], vals[i - 1]))
				return false;
		}
		Omendb__FilterNode *n = fb_push(a, fb);
		if (!n)
			return false;
		n->op = OMENDB__FILTER_OP__FILTER_IN;
		n->column = (uint32_t)ci;
		n->values = vals;
		n->n_values = e->nargs - 1;
		if (e->negated) {
			Omendb__FilterNode *nn = fb_push(a, fb);
			if (!nn)
				return false;
			nn->op = OMENDB__FILTER_OP__FILTER_NOT;
		}
		return true;
	}
	case SQL_OP: {
		if (e->nargs != 2)
			return false;
		bool flip = false;
		const sql_expr *col = e->args[0], *other = e->args[1];
		if (col->kind != SQL_COLUMN) {
			col = e->args[1];
			other = e->args[0];
			flip = true;
		}
		int ci = col->kind == SQL_COLUMN ? eval_column_index(&r->scope, col) : -1;
		int op = (int)comparison_op(e->name, flip);
		if (ci < 0 || op < 0 || !scalar_column(r, ci))
			return false;
		Omendb__Value *v = arena_alloc(a, sizeof *v);
		Omendb__Value **vals = arena_alloc(a, sizeof *vals);
		if (!v || !vals || !filter_value(x, r, ci, other, v))
			return false;
		Omendb__FilterNode *n = fb_push(a, fb);
		if (!n)
			return false;
		n->op = (Omendb__FilterOp)op;
		n->column = (uint32_t)ci;
		vals[0] = v;
		n->values = vals;
		n->n_values = 1;
		return true;
	}
	default:
		return false;
	}
}

static void conjuncts(arena *a, const sql_expr *e, const sql_expr ***out, size_t *n, size_t *cap)
{
	if (e == NULL)
		return;
	if (e->kind == SQL_AND) {
		for (size_t i = 0; i < e->nargs; i++)
			conjuncts(a, e->args[i], out, n, cap);
		return;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		const sql_expr **arr = arena_alloc(a, ncap * sizeof *arr);
		if (!arr)
			return;
		if (*n)
			memcpy(arr, *out, *n * sizeof *arr);
		*out = arr;
		*cap = ncap;
	}
	(*out)[(*n)++] = e;
}

typedef struct where_plan {
	Omendb__Filter *filter; /* NULL when nothing was pushed */
	sql_expr *residual;	/* what the coordinator evaluates; NULL: nothing */
	size_t pushed, kept;
} where_plan;

static int plan_where(stmt_ctx *x, const table_ref *r, const sql_expr *where, where_plan *wp, sql_error *err)
{
	memset(wp, 0, sizeof *wp);
	if (where == NULL)
		return 0;
	arena *a = x->s->a;
	const sql_expr **parts = NULL;
	size_t n = 0, cap = 0;
	conjuncts(a, where, &parts, &n, &cap);
	if (parts == NULL)
		return error_oom(err);
	filter_builder fb = {0};
	sql_expr **rest = arena_calloc(a, n + 1, sizeof *rest);
	if (!rest)
		return error_oom(err);
	for (size_t i = 0; i < n; i++) {
		size_t mark = fb.n;
		if (translate(x, r, parts[i], &fb, 0)) {
			wp->pushed++;
		} else {
			fb.n = mark;
			rest[wp->kept++] = (sql_expr *)parts[i];
		}
	}
	if (wp->pushed > 1) {
		Omendb__FilterNode *and = fb_push(a, &fb);
		if (!and)
			return error_oom(err);
		and->op = OMENDB__FILTER_OP__FILTER_AND;
		and->arity = (uint32_t)wp->pushed;
	}
	if (wp->pushed > 0) {
		if (fb.n > 256) {
			/* Too long for one shard filter: evaluate it all here. */
			wp->pushed = 0;
			wp->residual = (sql_expr *)where;
			wp->kept = n;
			return 0;
		}
		wp->filter = arena_alloc(a, sizeof *wp->filter);
		Omendb__FilterNode **ptrs = arena_calloc(a, fb.n, sizeof *ptrs);
		if (!wp->filter || !ptrs)
			return error_oom(err);
		omendb__filter__init(wp->filter);
		for (size_t i = 0; i < fb.n; i++)
			ptrs[i] = &fb.nodes[i];
		wp->filter->nodes = ptrs;
		wp->filter->n_nodes = fb.n;
	}
	if (wp->kept == 1) {
		wp->residual = rest[0];
	} else if (wp->kept > 1) {
		sql_expr *and = arena_calloc(a, 1, sizeof *and);
		if (!and)
			return error_oom(err);
		and->kind = SQL_AND;
		and->location = -1;
		and->args = rest;
		and->nargs = wp->kept;
		wp->residual = and;
	}
	return 0;
}

/* Keys a WHERE pins: `pk = c` or `pk IN (c...)` as a top-level conjunct of
 * a single-column primary key. */
typedef struct key_pin {
	Omendb__Row *keys; /* key only */
	size_t n;
} key_pin;

static int plan_key_pin(stmt_ctx *x, const table_ref *r, const sql_expr *where, key_pin *pin, sql_error *err)
{
	memset(pin, 0, sizeof *pin);
	if (where == NULL || r->t->n_primary_key != 1)
		return 0;
	uint32_t pk = r->t->primary_key[0];
	arena *a = x->s->a;
	const sql_expr **parts = NULL;
	size_t n = 0, cap = 0;
	conjuncts(a, where, &parts, &n, &cap);
	for (size_t i = 0; i < n; i++) {
		const sql_expr *e = parts[i];
		const sql_expr *const *vals = NULL;
		size_t nvals = 0;
		if (e->kind == SQL_OP && strcmp(e->name, "=") == 0 && e->nargs == 2) {
			int side = e->args[0]->kind == SQL_COLUMN ? 0 : 1;
			if (e->args[side]->kind != SQL_COLUMN ||
			    eval_column_index(&r->scope, e->args[side]) != (int)pk)
				continue;
			vals = (const sql_expr *const *)&e->args[1 - side];
			nvals = 1;
		} else if (e->kind == SQL_IN && !e->negated && e->args[0]->kind == SQL_COLUMN &&
			   eval_column_index(&r->scope, e->args[0]) == (int)pk && e->nargs <= 1001) {
			vals = (const sql_expr *const *)e->args + 1;
			nvals = e->nargs - 1;
		} else {
			continue;
		}
		value *row = arena_calloc(a, r->t->n_columns, sizeof *row);
		Omendb__Row *keys = arena_calloc(a, nvals + 1, sizeof *keys);
		if (!row || !keys)
			return error_oom(err);
		size_t nk = 0;
		bool ok = true;
		for (size_t k = 0; k < nvals && ok; k++) {
			value v;
			sql_error ignore;
			if (refs_columns(vals[k]) || eval_expr(&x->ec, vals[k], &v, &ignore)) {
				ok = false;
				break;
			}
			if (v.isnull)
				continue; /* pk = NULL matches nothing */
			value conv;
			value_error ve;
			if (value_cast(a, &v, r->types[pk], -1, false, &conv, &ve))
				return eval_error(err, ve.sqlstate, vals[k]->location, "%s", ve.message), -1;
			/* 2.5 = an integer key matches nothing. */
			if ((v.type == OID_FLOAT8 || v.type == OID_NUMERIC || v.type == OID_FLOAT4) &&
			    (double)conv.u.i != v.u.f)
				continue;
			row[pk] = conv;
			omendb__row__init(&keys[nk]);
			if (encode_key(a, r, row, 0, &keys[nk], err))
				return -1;
			nk++;
		}
		if (!ok)
			continue;
		pin->keys = keys;
		pin->n = nk;
		return 1;
	}
	return 0;
}

/* --- reading rows --- */

typedef struct row_set {
	value **rows;
	ProtobufCBinaryData *keys;
	size_t n, cap;
} row_set;

static int row_set_add(arena *a, row_set *rs, value *row, const ProtobufCBinaryData *key, sql_error *err)
{
	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 64;
		value **rows = arena_alloc(a, ncap * sizeof *rows);
		ProtobufCBinaryData *keys = arena_alloc(a, ncap * sizeof *keys);
		if (!rows || !keys)
			return error_oom(err);
		if (rs->n) {
			memcpy(rows, rs->rows, rs->n * sizeof *rows);
			memcpy(keys, rs->keys, rs->n * sizeof *keys);
		}
		rs->rows = rows;
		rs->keys = keys;
		rs->cap = ncap;
	}
	rs->rows[rs->n] = row;
	rs->keys[rs->n].len = key->len;
	rs->keys[rs->n].data = arena_alloc(a, key->len + 1);
	if (!rs->keys[rs->n].data)
		return error_oom(err);
	memcpy(rs->keys[rs->n].data, key->data, key->len);
	rs->n++;
	return 0;
}

/* Keeps a row when the residual condition holds for it. */
static int keep_row(stmt_ctx *x, table_ref *r, const sql_expr *residual, value *row, bool *keep,
		    sql_error *err)
{
	*keep = true;
	if (residual == NULL)
		return 0;
	r->scope.row = row;
	int rc = eval_condition(&x->ec, residual, keep, err);
	r->scope.row = NULL;
	return rc;
}

/* Rows with the pinned keys, from the groups that hold them. */
static int fetch_pinned(stmt_ctx *x, table_ref *r, const key_pin *pin, const sql_expr *where, row_set *out,
			sql_error *err)
{
	arena *a = x->s->a;
	group_list g;
	groups_of(x->cat, &g);
	if (g.n == 0 || pin->n == 0)
		return 0;
	Omendb__Request *reqs[EXEC_MAX_GROUPS];
	Omendb__Response *resps[EXEC_MAX_GROUPS] = {0};
	uint32_t ids[EXEC_MAX_GROUPS];
	size_t nreq = 0;
	for (size_t gi = 0; gi < g.n; gi++) {
		Omendb__FetchRequest *f = arena_alloc(a, sizeof *f);
		ProtobufCBinaryData *keys = arena_calloc(a, pin->n, sizeof *keys);
		if (!f || !keys)
			return error_oom(err);
		omendb__fetch_request__init(f);
		f->table_id = r->t->table_id;
		f->keys = keys;
		for (size_t k = 0; k < pin->n; k++)
			if (router_key_group(x->cat, pin->keys[k].key.data, pin->keys[k].key.len) ==
			    g.ids[gi])
				keys[f->n_keys++] = pin->keys[k].key;
		if (f->n_keys == 0)
			continue;
		Omendb__Request *req = new_request(a, x->s->settings->read_level);
		if (!req)
			return error_oom(err);
		req->body_case = OMENDB__REQUEST__BODY_FETCH;
		req->fetch = f;
		reqs[nreq] = req;
		ids[nreq++] = g.ids[gi];
	}
	if (nreq == 0)
		return 0;
	if (call_groups(x->s, nreq, ids, reqs, true, resps, err))
		return -1;
	int rc = 0;
	for (size_t i = 0; i < nreq && rc == 0; i++) {
		if (!resps[i] || resps[i]->body_case != OMENDB__RESPONSE__BODY_FETCH)
			continue;
		Omendb__FetchResponse *fr = resps[i]->fetch;
		for (size_t k = 0; k < fr->n_rows && rc == 0; k++) {
			value *row = row_from_shard(a, r, fr->rows[k]);
			bool keep;
			if (!row) {
				rc = error_oom(err);
				break;
			}
			rc = keep_row(x, r, where, row, &keep, err);
			if (rc == 0 && keep)
				rc = row_set_add(a, out, row, &fr->rows[k]->key, err);
		}
	}
	free_responses(resps, nreq);
	return rc;
}

/* Every row that passes the pushed filter and the residual, paging through
 * each group; stops once `enough` rows are kept (0 = all). */
static int scan_rows(stmt_ctx *x, table_ref *r, const where_plan *wp, size_t enough, row_set *out,
		     sql_error *err)
{
	arena *a = x->s->a;
	group_list g;
	groups_of(x->cat, &g);
	ProtobufCBinaryData after[EXEC_MAX_GROUPS];
	bool done[EXEC_MAX_GROUPS] = {0};
	memset(after, 0, sizeof after);
	for (;;) {
		Omendb__Request *reqs[EXEC_MAX_GROUPS];
		Omendb__Response *resps[EXEC_MAX_GROUPS] = {0};
		uint32_t ids[EXEC_MAX_GROUPS];
		size_t slot[EXEC_MAX_GROUPS];
		size_t nreq = 0;
		for (size_t gi = 0; gi < g.n; gi++) {
			if (done[gi])
				continue;
			Omendb__ScanRequest *sr = arena_alloc(a, sizeof *sr);
			Omendb__Request *req = new_request(a, x->s->settings->read_level);
			if (!sr || !req)
				return error_oom(err);
			omendb__scan_request__init(sr);
			sr->table_id = r->t->table_id;
			sr->after_key = after[gi];
			sr->limit = EXEC_SCAN_PAGE;
			sr->filter = wp->filter;
			req->body_case = OMENDB__REQUEST__BODY_SCAN;
			req->scan = sr;
			reqs[nreq] = req;
			slot[nreq] = gi;
			ids[nreq++] = g.ids[gi];
		}
		if (nreq == 0)
			return 0;
		if (call_groups(x->s, nreq, ids, reqs, true, resps, err))
			return -1;
		int rc = 0;
		for (size_t i = 0; i < nreq && rc == 0; i++) {
			size_t gi = slot[i];
			if (!resps[i] || resps[i]->body_case != OMENDB__RESPONSE__BODY_SCAN) {
				done[gi] = true;
				continue;
			}
			Omendb__ScanResponse *sc = resps[i]->scan;
			for (size_t k = 0; k < sc->n_rows && rc == 0; k++) {
				value *row = row_from_shard(a, r, sc->rows[k]);
				bool keep;
				if (!row) {
					rc = error_oom(err);
					break;
				}
				rc = keep_row(x, r, wp->residual, row, &keep, err);
				if (rc == 0 && keep)
					rc = row_set_add(a, out, row, &sc->rows[k]->key, err);
			}
			if (sc->done || sc->n_rows == 0) {
				done[gi] = true;
			} else {
				ProtobufCBinaryData *last = &sc->rows[sc->n_rows - 1]->key;
				after[gi].data = arena_alloc(a, last->len + 1);
				if (!after[gi].data && rc == 0)
					rc = error_oom(err);
				else if (after[gi].data) {
					memcpy(after[gi].data, last->data, last->len);
					after[gi].len = last->len;
				}
			}
		}
		free_responses(resps, nreq);
		if (rc)
			return -1;
		if (enough && out->n >= enough)
			return 0;
	}
}

/* Rows matching where: by key when it pins the primary key, else scanned. */
static int find_rows(stmt_ctx *x, table_ref *r, const sql_expr *where, size_t enough, row_set *out,
		     sql_error *err)
{
	key_pin pin;
	int pinned = plan_key_pin(x, r, where, &pin, err);
	if (pinned < 0)
		return -1;
	if (pinned)
		return fetch_pinned(x, r, &pin, where, out, err);
	where_plan wp;
	if (plan_where(x, r, where, &wp, err))
		return -1;
	return scan_rows(x, r, &wp, enough, out, err);
}

/* Checks e's types (NULL: nothing to check). A bare parameter whose type
 * nothing gave yet takes want: the column it is assigned to, or bigint for
 * LIMIT and OFFSET. */
static int type_as(stmt_ctx *x, const sql_expr *e, pg_oid want, sql_error *err)
{
	if (e == NULL)
		return 0;
	if (e->kind == SQL_PARAM && e->param >= 1 && (size_t)e->param <= x->ec.nparams && x->ec.param_types &&
	    x->ec.param_types[e->param - 1] == 0)
		x->ec.param_types[e->param - 1] = want;
	pg_oid t;
	int32_t tm;
	return eval_type(&x->ec, e, &t, &tm, err);
}

/* --- SELECT --- */

typedef struct sort_item {
	value *keys;
	size_t idx;
} sort_item;

typedef struct sort_spec {
	const sql_order *order;
	size_t n;
	int failed;
} sort_spec;

static int sort_cmp(const void *pa, const void *pb, void *arg)
{
	const sort_item *a = pa, *b = pb;
	sort_spec *s = arg;
	for (size_t i = 0; i < s->n; i++) {
		const value *x = &a->keys[i], *y = &b->keys[i];
		bool nulls_first = s->order[i].nulls == 1 || (s->order[i].nulls == 0 && s->order[i].desc);
		int c;
		if (x->isnull || y->isnull) {
			if (x->isnull && y->isnull)
				continue;
			c = x->isnull ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1);
			return c;
		}
		value_error ve;
		if (value_compare(x, y, &c, &ve)) {
			s->failed = 1;
			return 0;
		}
		if (c != 0)
			return s->order[i].desc ? -c : c;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* ORDER BY 2 and ORDER BY alias name the select list's entries. */
static const sql_order *resolve_order(stmt_ctx *x, const sql_select *sel, const target_list *tl,
				      const table_ref *r, sql_error *err)
{
	if (sel->norder == 0)
		return NULL;
	sql_order *o = arena_calloc(x->s->a, sel->norder, sizeof *o);
	if (!o) {
		error_oom(err);
		return NULL;
	}
	for (size_t i = 0; i < sel->norder; i++) {
		o[i] = sel->order[i];
		const sql_expr *e = o[i].expr;
		if (e->kind == SQL_CONST && (e->val.type == OID_INT4 || e->val.type == OID_INT8) &&
		    !e->val.isnull) {
			if (e->val.u.i < 1 || (size_t)e->val.u.i > tl->n) {
				eval_error(err, "42P10", e->location,
					   "ORDER BY position %" PRId64 " is not in select list", e->val.u.i);
				return NULL;
			}
			o[i].expr = tl->exprs[e->val.u.i - 1];
		} else if (e->kind == SQL_COLUMN && e->qualifier == NULL &&
			   (r == NULL || eval_column_index(&r->scope, e) < 0)) {
			for (size_t t = 0; t < tl->n; t++)
				if (strcmp(tl->names[t], e->name) == 0) {
					o[i].expr = tl->exprs[t];
					break;
				}
		}
	}
	return o;
}

static int eval_count(stmt_ctx *x, const sql_expr *e, const char *what, int64_t *out, sql_error *err)
{
	value v;
	if (refs_columns(e)) {
		eval_error(err, "42P10", e->location, "argument of %s must not contain variables", what);
		return -1;
	}
	if (eval_expr(&x->ec, e, &v, err))
		return -1;
	if (v.isnull) {
		*out = -1;
		return 0;
	}
	value conv;
	value_error ve;
	if (value_cast(x->s->a, &v, OID_INT8, -1, false, &conv, &ve)) {
		eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
		return -1;
	}
	if (conv.u.i < 0) {
		eval_error(err, "2201W", e->location, "%s must not be negative", what);
		return -1;
	}
	*out = conv.u.i;
	return 0;
}

static Omendb__Metric distance_metric(const char *op, bool *ok)
{
	*ok = true;
	if (strcmp(op, "<->") == 0)
		return OMENDB__METRIC__METRIC_L2;
	if (strcmp(op, "<#>") == 0)
		return OMENDB__METRIC__METRIC_IP;
	if (strcmp(op, "<=>") == 0)
		return OMENDB__METRIC__METRIC_COSINE;
	if (strcmp(op, "<+>") == 0)
		return OMENDB__METRIC__METRIC_L1;
	*ok = false;
	return OMENDB__METRIC__METRIC_L2;
}

/* The plan a SELECT on a user table gets; EXPLAIN prints it. */
typedef struct select_plan {
	bool search; /* vector search fanned out (or sent to one group) */
	bool exact;  /* the shard scans every row (no index for the metric) */
	bool pinned; /* primary key lookup */
	bool count_only;
	uint32_t k, ef;
	int column;
	Omendb__Metric metric;
	const float *query;
	uint32_t dim;
	where_plan wp;
} select_plan;

/* Recognises ORDER BY vector_col <op> constant LIMIT k with a WHERE the
 * shards can run. Returns 1 when the search applies (p filled), 0 when not,
 * -1 on error (e.g. a query vector of the wrong dimension). */
static int plan_search(stmt_ctx *x, table_ref *r, const sql_select *sel, const sql_order *order,
		       int64_t limit, int64_t offset, select_plan *p, sql_error *err)
{
	if (sel->norder != 1 || order[0].desc || limit < 0 || sel->distinct)
		return 0;
	const sql_expr *e = order[0].expr;
	bool ok;
	if (e->kind != SQL_OP || e->nargs != 2)
		return 0;
	Omendb__Metric m = distance_metric(e->name, &ok);
	if (!ok)
		return 0;
	int side = e->args[0]->kind == SQL_COLUMN ? 0 : 1;
	const sql_expr *col = e->args[side], *q = e->args[1 - side];
	int ci = col->kind == SQL_COLUMN ? eval_column_index(&r->scope, col) : -1;
	if (ci < 0 || r->types[ci] != OID_VECTOR || refs_columns(q))
		return 0;
	if (limit + offset > EXEC_MAX_K || limit + offset == 0)
		return 0;
	value qv;
	if (eval_expr(&x->ec, q, &qv, err))
		return -1;
	if (qv.isnull)
		return 0;
	if (qv.type != OID_VECTOR) {
		value conv;
		value_error ve;
		if (value_cast(x->s->a, &qv, OID_VECTOR, -1, false, &conv, &ve)) {
			eval_error(err, ve.sqlstate, q->location, "%s", ve.message);
			return -1;
		}
		qv = conv;
	}
	if (qv.u.vec.dim != r->t->columns[ci]->dim) {
		eval_error(err, "22000", q->location, "different vector dimensions %u and %u",
			   r->t->columns[ci]->dim, qv.u.vec.dim);
		return -1;
	}
	if (plan_where(x, r, sel->where, &p->wp, err))
		return -1;
	if (p->wp.residual)
		return 0;
	const Omendb__IndexDef *ix = find_index(x->cat, r->t->table_id, (uint32_t)ci);
	p->search = true;
	p->exact = ix == NULL || ix->metric != m;
	p->k = (uint32_t)(limit + offset);
	/* pgvector returns at most ef_search rows from an index scan; OmenDB
	 * searches with ef >= k so that LIMIT k gives k rows. */
	p->ef = x->s->settings->ef_search > p->k ? x->s->settings->ef_search : p->k;
	p->column = ci;
	p->metric = m;
	p->query = qv.u.vec.x;
	p->dim = qv.u.vec.dim;
	return 1;
}

static int run_search(stmt_ctx *x, table_ref *r, const select_plan *p, const key_pin *pin, row_set *out,
		      sql_error *err)
{
	arena *a = x->s->a;
	group_list g;
	groups_of(x->cat, &g);
	uint32_t ids[EXEC_MAX_GROUPS];
	size_t nreq = 0;
	if (pin && pin->n == 1) {
		ids[nreq++] = router_key_group(x->cat, pin->keys[0].key.data, pin->keys[0].key.len);
	} else {
		for (size_t i = 0; i < g.n; i++)
			ids[nreq++] = g.ids[i];
	}
	if (nreq == 0)
		return 0;
	Omendb__SearchRequest *sr = arena_alloc(a, sizeof *sr);
	if (!sr)
		return error_oom(err);
	omendb__search_request__init(sr);
	sr->table_id = r->t->table_id;
	sr->column = (uint32_t)p->column;
	sr->query = (float *)p->query;
	sr->n_query = p->dim;
	sr->k = p->k;
	sr->ef = p->ef;
	sr->metric = p->metric;
	sr->filter = p->wp.filter;
	Omendb__Request *reqs[EXEC_MAX_GROUPS];
	Omendb__Response *resps[EXEC_MAX_GROUPS] = {0};
	for (size_t i = 0; i < nreq; i++) {
		reqs[i] = new_request(a, x->s->settings->read_level);
		if (!reqs[i])
			return error_oom(err);
		reqs[i]->body_case = OMENDB__REQUEST__BODY_SEARCH;
		reqs[i]->search = sr;
	}
	if (call_groups(x->s, nreq, ids, reqs, true, resps, err))
		return -1;
	Omendb__SearchResponse *parts[EXEC_MAX_GROUPS];
	for (size_t i = 0; i < nreq; i++)
		parts[i] = resps[i] && resps[i]->body_case == OMENDB__RESPONSE__BODY_SEARCH ? resps[i]->search
											    : NULL;
	Omendb__SearchHit **hits = arena_calloc(a, p->k + 1, sizeof *hits);
	int rc = hits ? 0 : error_oom(err);
	size_t n = hits ? merge_topk(parts, nreq, p->k, hits) : 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		value *row = row_from_shard(a, r, hits[i]->row);
		rc = row ? row_set_add(a, out, row, &hits[i]->row->key, err) : error_oom(err);
	}
	free_responses(resps, nreq);
	return rc;
}

static int sort_rows(stmt_ctx *x, table_ref *r, const sql_order *order, size_t norder, row_set *rs,
		     sql_error *err)
{
	if (norder == 0 || rs->n < 2)
		return 0;
	arena *a = x->s->a;
	sort_item *items = arena_calloc(a, rs->n, sizeof *items);
	if (!items)
		return error_oom(err);
	for (size_t i = 0; i < rs->n; i++) {
		items[i].idx = i;
		items[i].keys = arena_calloc(a, norder, sizeof(value));
		if (!items[i].keys)
			return error_oom(err);
		if (r)
			r->scope.row = rs->rows[i];
		for (size_t k = 0; k < norder; k++)
			if (eval_expr(&x->ec, order[k].expr, &items[i].keys[k], err))
				return -1;
	}
	if (r)
		r->scope.row = NULL;
	sort_spec spec = {order, norder, 0};
	qsort_r(items, rs->n, sizeof *items, sort_cmp, &spec);
	if (spec.failed) {
		eval_error(err, "42883", -1,
			   "could not identify an ordering operator for an ORDER BY expression");
		return -1;
	}
	value **rows = arena_calloc(a, rs->n, sizeof *rows);
	ProtobufCBinaryData *keys = arena_calloc(a, rs->n, sizeof *keys);
	if (!rows || !keys)
		return error_oom(err);
	for (size_t i = 0; i < rs->n; i++) {
		rows[i] = rs->rows[items[i].idx];
		keys[i] = rs->keys[items[i].idx];
	}
	rs->rows = rows;
	rs->keys = keys;
	return 0;
}

static bool rows_equal(const value *a, const value *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].isnull != b[i].isnull)
			return false;
		if (a[i].isnull)
			continue;
		int c;
		value_error ve;
		if (value_compare(&a[i], &b[i], &c, &ve) || c != 0)
			return false;
	}
	return true;
}

/* count(*) / count(x) / sum / avg / min / max over rows, no GROUP BY. */
static int aggregate(stmt_ctx *x, table_ref *r, const target_list *tl, exec_result *out, const row_set *rs,
		     sql_error *err)
{
	value *res = arena_calloc(x->s->a, tl->n + 1, sizeof *res);
	if (!res)
		return error_oom(err);
	for (size_t t = 0; t < tl->n; t++) {
		const sql_expr *e = tl->exprs[t];
		pg_oid type = out->cols[t].type;
		if (!is_aggregate(e)) {
			if (refs_columns(e)) {
				eval_error(err, "42803", e->location,
					   "column must appear in the GROUP BY clause or be used in an "
					   "aggregate function");
				return -1;
			}
			if (eval_expr(&x->ec, e, &res[t], err))
				return -1;
			continue;
		}
		if (e->kind != SQL_FUNC || e->distinct || (e->nargs != 1 && !e->star) ||
		    (e->nargs == 1 && is_aggregate(e->args[0]))) {
			eval_error(err, "0A000", e->location,
				   "only count, sum, avg, min and max of one expression are supported, "
				   "without DISTINCT");
			return -1;
		}
		const char *f = e->name;
		int64_t count = 0;
		double sum = 0;
		int64_t isum = 0;
		bool int_sum = true, any = false;
		value best = value_null(type);
		for (size_t i = 0; i < rs->n; i++) {
			value v;
			if (e->star) {
				count++;
				continue;
			}
			r->scope.row = rs->rows[i];
			int rc = eval_expr(&x->ec, e->args[0], &v, err);
			r->scope.row = NULL;
			if (rc)
				return -1;
			if (v.isnull)
				continue;
			count++;
			if (f[0] == 's' || f[0] == 'a') {
				if (v.type == OID_INT2 || v.type == OID_INT4 || v.type == OID_INT8) {
					if (__builtin_add_overflow(isum, v.u.i, &isum))
						int_sum = false;
					sum += (double)v.u.i;
				} else if (v.type == OID_FLOAT4 || v.type == OID_FLOAT8 ||
					   v.type == OID_NUMERIC) {
					int_sum = false;
					sum += v.u.f;
				} else {
					eval_error(err, "42883", e->location,
						   "function %s(%s) does not exist", f,
						   value_type_name(v.type));
					return -1;
				}
			} else if (f[0] == 'm') {
				int c = 0;
				value_error ve;
				if (any && value_compare(&v, &best, &c, &ve)) {
					eval_error(err, ve.sqlstate, e->location, "%s", ve.message);
					return -1;
				}
				if (!any || (f[1] == 'i' ? c < 0 : c > 0))
					best = v;
				any = true;
			}
		}
		if (f[0] == 'c')
			res[t] = value_int(OID_INT8, count);
		else if (count == 0)
			res[t] = value_null(type);
		else if (f[0] == 's')
			res[t] =
			    type == OID_INT8 && int_sum ? value_int(OID_INT8, isum) : value_float(type, sum);
		else if (f[0] == 'a')
			res[t] = value_float(type, sum / (double)count);
		else
			res[t] = best;
	}
	size_t cap = 0;
	return add_row(x->s->a, out, res, &cap, err);
}

/* count(*) answered by the shards alone: every target count(*) and the whole
 * WHERE pushed down. */
static int try_count_only(stmt_ctx *x, table_ref *r, const sql_select *sel, const target_list *tl,
			  exec_result *out, sql_error *err)
{
	for (size_t t = 0; t < tl->n; t++)
		if (tl->exprs[t]->kind != SQL_FUNC || strcmp(tl->exprs[t]->name, "count") != 0 ||
		    !tl->exprs[t]->star)
			return 0;
	if (sel->norder || sel->distinct || sel->offset || sel->limit)
		return 0;
	where_plan wp;
	if (plan_where(x, r, sel->where, &wp, err))
		return -1;
	if (wp.residual)
		return 0;
	arena *a = x->s->a;
	group_list g;
	groups_of(x->cat, &g);
	Omendb__Request *reqs[EXEC_MAX_GROUPS];
	Omendb__Response *resps[EXEC_MAX_GROUPS] = {0};
	Omendb__ScanRequest *sr = arena_alloc(a, sizeof *sr);
	if (!sr)
		return error_oom(err);
	omendb__scan_request__init(sr);
	sr->table_id = r->t->table_id;
	sr->filter = wp.filter;
	sr->count_only = true;
	for (size_t i = 0; i < g.n; i++) {
		reqs[i] = new_request(a, x->s->settings->read_level);
		if (!reqs[i])
			return error_oom(err);
		reqs[i]->body_case = OMENDB__REQUEST__BODY_SCAN;
		reqs[i]->scan = sr;
	}
	if (g.n && call_groups(x->s, g.n, g.ids, reqs, true, resps, err))
		return -1;
	int64_t total = 0;
	for (size_t i = 0; i < g.n; i++)
		if (resps[i] && resps[i]->body_case == OMENDB__RESPONSE__BODY_SCAN)
			total += (int64_t)resps[i]->scan->count;
	free_responses(resps, g.n);
	value *row = arena_calloc(a, tl->n + 1, sizeof *row);
	if (!row)
		return error_oom(err);
	for (size_t t = 0; t < tl->n; t++)
		row[t] = value_int(OID_INT8, total);
	size_t cap = 0;
	if (add_row(a, out, row, &cap, err))
		return -1;
	return 1;
}

static int check_select_supported(const sql_select *sel, sql_error *err)
{
	if (sel->has_setop) {
		eval_error(err, "0A000", -1, "UNION, INTERSECT and EXCEPT are not supported by OmenDB");
		return -1;
	}
	if (sel->has_cte) {
		eval_error(err, "0A000", -1, "WITH queries are not supported by OmenDB");
		return -1;
	}
	if (sel->values) {
		eval_error(err, "0A000", -1, "VALUES lists are only supported in INSERT");
		return -1;
	}
	if (sel->for_update) {
		eval_error(err, "0A000", -1,
			   "SELECT FOR UPDATE/SHARE is not supported: OmenDB runs each statement on its own");
		return -1;
	}
	if (sel->ngroup_by || sel->having) {
		eval_error(err, "0A000", -1,
			   "GROUP BY and HAVING are not supported; aggregates without GROUP BY are (count, "
			   "sum, avg, min, max)");
		return -1;
	}
	if (sel->nfrom > 1 ||
	    (sel->nfrom == 1 && (sel->from[0].name == NULL || sel->from[0].join != SQL_JOIN_NONE))) {
		eval_error(
		    err, "0A000", -1,
		    "joins, subqueries and functions in FROM are not supported by OmenDB; query one table");
		return -1;
	}
	return 0;
}

static int lookup_table(stmt_ctx *x, const char *schema, const char *name, const char *alias, int location,
			table_ref *r, sql_error *err)
{
	if (schema && strcmp(schema, "public") != 0)
		return relation_missing(err, name, location);
	const Omendb__TableDef *t = find_table(x->cat, name);
	if (!t)
		return relation_missing(err, name, location);
	if (table_ref_init(x->s->a, t, alias, r))
		return error_oom(err);
	return 0;
}

static const char *explain_text(stmt_ctx *x, const table_ref *r, const select_plan *p, size_t ngroups)
{
	arena *a = x->s->a;
	if (p->search)
		return arena_printf(
		    a, "Vector search on %s.%s (%s, %s) k=%u ef=%u on %zu group%s, filter %s, top-k merged",
		    r->t->name, r->t->columns[p->column]->name,
		    p->metric == OMENDB__METRIC__METRIC_L2	 ? "l2"
		    : p->metric == OMENDB__METRIC__METRIC_IP	 ? "inner product"
		    : p->metric == OMENDB__METRIC__METRIC_COSINE ? "cosine"
								 : "l1",
		    p->exact ? "exact scan: no index for this metric" : "hnsw index", p->k, p->ef,
		    p->pinned ? (size_t)1 : ngroups, (p->pinned || ngroups == 1) ? "" : "s",
		    p->wp.filter ? "inside the search" : "none");
	if (p->pinned)
		return arena_printf(a, "Primary key lookup on %s", r->t->name);
	return arena_printf(a, "Scan of %s on %zu group%s, filter %s%s", r->t->name, ngroups,
			    ngroups == 1 ? "" : "s", p->wp.filter ? "pushed to the shards" : "none",
			    p->wp.residual ? ", the rest evaluated by the coordinator" : "");
}

static int run_select(stmt_ctx *x, const sql_select *sel, bool describe_only, bool explain, exec_result *out,
		      sql_error *err)
{
	arena *a = x->s->a;
	if (pgcatalog_handles(sel, x->query)) {
		x->pc.query = x->query;
		return pgcatalog_select(&x->pc, sel, x->ec.param_types, x->ec.nparams, x->ec.params,
					describe_only, out, err);
	}
	if (check_select_supported(sel, err))
		return -1;
	table_ref rt, *r = NULL;
	if (sel->nfrom == 1) {
		if (lookup_table(x, sel->from[0].schema, sel->from[0].name, sel->from[0].alias,
				 sel->from[0].location, &rt, err))
			return -1;
		r = &rt;
		x->ec.scope = &r->scope;
	}
	target_list tl;
	if (expand_targets(a, sel->targets, sel->ntargets, r, &tl, err) ||
	    describe_targets(x, &tl, r, out, err))
		return -1;
	if (type_as(x, sel->where, 0, err))
		return -1;
	const sql_order *order = resolve_order(x, sel, &tl, r, err);
	if (sel->norder && !order)
		return -1;
	for (size_t i = 0; i < sel->norder; i++) {
		pg_oid t;
		int32_t tm;
		if (eval_type(&x->ec, order[i].expr, &t, &tm, err))
			return -1;
	}
	if (type_as(x, sel->limit, OID_INT8, err) || type_as(x, sel->offset, OID_INT8, err))
		return -1;
	if (describe_only && !explain)
		return 0;

	int64_t limit = -1, offset = 0;
	if (sel->limit && eval_count(x, sel->limit, "LIMIT", &limit, err))
		return -1;
	if (sel->offset && eval_count(x, sel->offset, "OFFSET", &offset, err))
		return -1;
	if (offset < 0)
		offset = 0;
	bool agg = false;
	for (size_t t = 0; t < tl.n; t++)
		agg = agg || is_aggregate(tl.exprs[t]);
	size_t cap = 0;

	if (r == NULL) {
		/* SELECT without FROM: one row, if WHERE holds. */
		bool keep = true;
		if (sel->where && eval_condition(&x->ec, sel->where, &keep, err))
			return -1;
		if (agg) {
			row_set one = {0};
			value *empty = arena_calloc(a, 1, sizeof *empty);
			ProtobufCBinaryData k = {0, (uint8_t *)""};
			if (!empty || (keep && row_set_add(a, &one, empty, &k, err)))
				return -1;
			table_ref dummy = {0};
			dummy.scope.ncols = 0;
			x->ec.scope = &dummy.scope;
			int rc = aggregate(x, &dummy, &tl, out, &one, err);
			set_tag(out, "SELECT %zu", out->nrows);
			return rc;
		}
		if (keep && limit != 0 && offset == 0) {
			value *row = project(x, &tl, out, err);
			if (!row || add_row(a, out, row, &cap, err))
				return -1;
		}
		set_tag(out, "SELECT %zu", out->nrows);
		return 0;
	}

	select_plan p;
	memset(&p, 0, sizeof p);
	group_list g;
	groups_of(x->cat, &g);
	row_set rs = {0};
	if (agg) {
		if (explain)
			return set_tag(out, "EXPLAIN"), 0;
		int rc = try_count_only(x, r, sel, &tl, out, err);
		if (rc != 0) {
			set_tag(out, "SELECT %zu", out->nrows);
			return rc < 0 ? -1 : 0;
		}
		if (find_rows(x, r, sel->where, 0, &rs, err) || aggregate(x, r, &tl, out, &rs, err))
			return -1;
		set_tag(out, "SELECT %zu", out->nrows);
		return 0;
	}
	key_pin pin;
	int pinned = plan_key_pin(x, r, sel->where, &pin, err);
	if (pinned < 0)
		return -1;
	int searched = order ? plan_search(x, r, sel, order, limit, offset, &p, err) : 0;
	if (searched < 0)
		return -1;
	p.pinned = pinned > 0 && !(searched && pin.n != 1);
	if (!searched && !pinned && plan_where(x, r, sel->where, &p.wp, err))
		return -1;
	if (explain) {
		const char *text = explain_text(x, r, &p, g.n);
		if (!text)
			return error_oom(err);
		out->cols = arena_calloc(a, 1, sizeof *out->cols);
		value *row = arena_calloc(a, 1, sizeof *row);
		if (!out->cols || !row)
			return error_oom(err);
		out->cols[0].name = "QUERY PLAN";
		out->cols[0].type = OID_TEXT;
		out->cols[0].typmod = -1;
		out->ncols = 1;
		out->nrows = 0;
		row[0] = value_text(OID_TEXT, (char *)text, strlen(text));
		if (add_row(a, out, row, &cap, err))
			return -1;
		set_tag(out, "EXPLAIN");
		return 0;
	}
	if (searched) {
		if (run_search(x, r, &p, pinned ? &pin : NULL, &rs, err))
			return -1;
	} else if (pinned) {
		if (fetch_pinned(x, r, &pin, sel->where, &rs, err))
			return -1;
	} else {
		size_t enough =
		    (sel->norder == 0 && !sel->distinct && limit >= 0) ? (size_t)(limit + offset) : 0;
		if (enough == 0 && limit == 0) {
			set_tag(out, "SELECT 0");
			return 0;
		}
		if (scan_rows(x, r, &p.wp, enough, &rs, err))
			return -1;
	}
	/* The search's order is the shards' distance; recompute nothing, but a
	 * plain ORDER BY sorts here. */
	if (!searched && sort_rows(x, r, order, sel->norder, &rs, err))
		return -1;
	size_t produced = 0;
	for (size_t i = 0; i < rs.n; i++) {
		if (!sel->distinct && (int64_t)i < offset)
			continue;
		if (!sel->distinct && limit >= 0 && (int64_t)produced >= limit)
			break;
		r->scope.row = rs.rows[i];
		value *row = project(x, &tl, out, err);
		r->scope.row = NULL;
		if (!row)
			return -1;
		if (sel->distinct) {
			bool dup = false;
			for (size_t k = 0; k < out->nrows && !dup; k++)
				dup = rows_equal(out->rows[k], row, tl.n);
			if (dup)
				continue;
		}
		if (add_row(a, out, row, &cap, err))
			return -1;
		produced++;
	}
	if (sel->distinct && (offset > 0 || limit >= 0)) {
		size_t from = (size_t)offset < out->nrows ? (size_t)offset : out->nrows;
		size_t n = out->nrows - from;
		if (limit >= 0 && (size_t)limit < n)
			n = (size_t)limit;
		out->rows += from;
		out->nrows = n;
	}
	set_tag(out, "SELECT %zu", out->nrows);
	return 0;
}

/* --- writes --- */

typedef struct write_counts {
	uint64_t inserted, updated, deleted, skipped;
} write_counts;

typedef struct group_batch {
	uint32_t group;
	Omendb__Row **upserts;
	size_t nup, capup;
	ProtobufCBinaryData *deletes;
	size_t ndel, capdel;
	size_t up_done, del_done;
} group_batch;

static group_batch *batch_for(arena *a, group_batch *b, size_t *nb, uint32_t group)
{
	for (size_t i = 0; i < *nb; i++)
		if (b[i].group == group)
			return &b[i];
	if (*nb == EXEC_MAX_GROUPS)
		return NULL;
	(void)a;
	memset(&b[*nb], 0, sizeof b[*nb]);
	b[*nb].group = group;
	return &b[(*nb)++];
}

static bool grow(arena *a, void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = arena_alloc(a, ncap * size);
	if (!p)
		return false;
	if (n)
		memcpy(p, *arr, n * size);
	*arr = p;
	*cap = ncap;
	return true;
}

static size_t row_bytes(const Omendb__Row *row)
{
	size_t n = row->key.len + 16;
	for (size_t i = 0; i < row->n_values; i++) {
		const Omendb__Value *v = row->values[i];
		if (v->kind_case == OMENDB__VALUE__KIND_VECTOR_VALUE)
			n += v->vector_value->n_values * 4 + 8;
		else if (v->kind_case == OMENDB__VALUE__KIND_TEXT_VALUE)
			n += strlen(v->text_value) + 4;
		else if (v->kind_case == OMENDB__VALUE__KIND_JSONB_VALUE)
			n += strlen(v->jsonb_value) + 4;
		else
			n += 10;
	}
	return n;
}

/* Sends the rows to write and the keys to delete to their groups' leaders,
 * in batches, the groups in parallel. sql_rows (parallel to upserts, may be
 * NULL) describe a duplicate key in the error. Each group applies each
 * batch atomically; a statement spanning groups or batches is not atomic
 * (docs/sql.md). */
static int write_groups(stmt_ctx *x, table_ref *r, Omendb__Row **upserts, value *const *sql_rows, size_t nup,
			ProtobufCBinaryData *deletes, size_t ndel, Omendb__Conflict mode, write_counts *wc,
			sql_error *err)
{
	arena *a = x->s->a;
	group_batch *b = arena_calloc(a, EXEC_MAX_GROUPS, sizeof *b);
	size_t nb = 0;
	if (!b)
		return error_oom(err);
	for (size_t i = 0; i < nup; i++) {
		group_batch *gb =
		    batch_for(a, b, &nb, router_key_group(x->cat, upserts[i]->key.data, upserts[i]->key.len));
		if (!gb || !grow(a, (void **)&gb->upserts, &gb->capup, gb->nup, sizeof *gb->upserts))
			return error_oom(err);
		gb->upserts[gb->nup++] = upserts[i];
	}
	for (size_t i = 0; i < ndel; i++) {
		group_batch *gb =
		    batch_for(a, b, &nb, router_key_group(x->cat, deletes[i].data, deletes[i].len));
		if (!gb || !grow(a, (void **)&gb->deletes, &gb->capdel, gb->ndel, sizeof *gb->deletes))
			return error_oom(err);
		gb->deletes[gb->ndel++] = deletes[i];
	}
	for (;;) {
		Omendb__Request *reqs[EXEC_MAX_GROUPS];
		Omendb__Response *resps[EXEC_MAX_GROUPS] = {0};
		uint32_t ids[EXEC_MAX_GROUPS];
		size_t nreq = 0;
		for (size_t i = 0; i < nb; i++) {
			group_batch *gb = &b[i];
			if (gb->up_done == gb->nup && gb->del_done == gb->ndel)
				continue;
			Omendb__Command *cmd;
			Omendb__Request *req = new_command(a, &cmd);
			Omendb__WriteBatch *wb = arena_alloc(a, sizeof *wb);
			if (!req || !wb)
				return error_oom(err);
			omendb__write_batch__init(wb);
			wb->table_id = r->t->table_id;
			wb->conflict = mode;
			size_t bytes = 0, rows = 0;
			wb->deletes = gb->deletes + gb->del_done;
			while (gb->del_done < gb->ndel && rows < EXEC_BATCH_ROWS) {
				gb->del_done++;
				wb->n_deletes++;
				rows++;
			}
			wb->upserts = gb->upserts + gb->up_done;
			while (gb->up_done < gb->nup && rows < EXEC_BATCH_ROWS && bytes < EXEC_BATCH_BYTES) {
				bytes += row_bytes(gb->upserts[gb->up_done]);
				gb->up_done++;
				wb->n_upserts++;
				rows++;
			}
			cmd->op_case = OMENDB__COMMAND__OP_WRITE;
			cmd->write = wb;
			reqs[nreq] = req;
			ids[nreq++] = gb->group;
		}
		if (nreq == 0)
			return 0;
		int deadline = x->s->settings->group_timeout_ms > 0 ? x->s->settings->group_timeout_ms : 5000;
		int codes[EXEC_MAX_GROUPS];
		if (router_fanout(x->s->shared->r, nreq, ids, reqs, deadline * 2, resps, codes) != OMEN_OK)
			return error_oom(err);
		int rc = 0;
		for (size_t i = 0; i < nreq; i++) {
			Omendb__Response *resp = resps[i];
			if (rc == 0 && (codes[i] != OMEN_OK || resp == NULL)) {
				rc =
				    group_unavailable(err, ids[i], codes[i] != OMEN_OK ? codes[i] : OMEN_EIO);
			} else if (rc == 0 && resp->status == OMENDB__STATUS__STATUS_EXISTS &&
				   resp->conflict_key.len) {
				const char *detail = NULL;
				for (size_t k = 0; sql_rows && k < nup && !detail; k++)
					if (upserts[k]->key.len == resp->conflict_key.len &&
					    memcmp(upserts[k]->key.data, resp->conflict_key.data,
						   resp->conflict_key.len) == 0)
						detail = key_description(a, r, sql_rows[k]);
				eval_error(err, "23505", -1,
					   "duplicate key value violates unique constraint \"%s_pkey\"",
					   r->t->name);
				snprintf(err->table, sizeof err->table, "%s", r->t->name);
				snprintf(err->constraint, sizeof err->constraint, "%s_pkey", r->t->name);
				if (detail) {
					size_t ml = strlen(err->message);
					snprintf(err->message + ml, sizeof err->message - ml, "\n%s", detail);
				}
				rc = -1;
			} else if (rc == 0 && resp->status != OMENDB__STATUS__STATUS_OK) {
				rc = shard_refused(resp, ids[i], err);
			} else if (rc == 0 && resp->body_case == OMENDB__RESPONSE__BODY_WRITE) {
				wc->inserted += resp->write->inserted;
				wc->updated += resp->write->updated;
				wc->deleted += resp->write->deleted;
				wc->skipped += resp->write->skipped;
			}
		}
		free_responses(resps, nreq);
		if (rc)
			return -1;
	}
}

/* "DETAIL:  Failing row contains (...)." as PostgreSQL adds it. */
static void failing_row(arena *a, const table_ref *r, const value *row, sql_error *err)
{
	size_t ml = strlen(err->message);
	int n = snprintf(err->message + ml, sizeof err->message - ml, "\nDETAIL:  Failing row contains (");
	if (n < 0)
		return;
	ml += (size_t)n;
	for (size_t c = 0; c < r->t->n_columns && ml < sizeof err->message; c++) {
		char *txt = "null";
		size_t tl = 4;
		value_error ve;
		if (!row[c].isnull && value_to_text(a, &row[c], &txt, &tl, &ve))
			txt = "?", tl = 1;
		n = snprintf(err->message + ml, sizeof err->message - ml, "%s%.*s", c ? ", " : "", (int)tl,
			     txt);
		if (n < 0)
			return;
		ml += (size_t)n;
	}
	if (ml < sizeof err->message)
		snprintf(err->message + ml, sizeof err->message - ml, ").");
}

/* A SQL row to the shard's row (key and cells); values already of the
 * columns' types. Checks NOT NULL. */
static int build_row(stmt_ctx *x, const table_ref *r, const value *row, int64_t rowid, Omendb__Row **out,
		     sql_error *err)
{
	arena *a = x->s->a;
	const Omendb__TableDef *t = r->t;
	for (size_t c = 0; c < t->n_columns; c++) {
		bool pk = false;
		for (size_t k = 0; k < t->n_primary_key; k++)
			pk = pk || t->primary_key[k] == c;
		if (row[c].isnull && (t->columns[c]->not_null || pk)) {
			eval_error(
			    err, "23502", -1,
			    "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
			    t->columns[c]->name, t->name);
			failing_row(x->s->a, r, row, err);
			snprintf(err->table, sizeof err->table, "%s", t->name);
			snprintf(err->column, sizeof err->column, "%s", t->columns[c]->name);
			return -1;
		}
	}
	Omendb__Row *sr = arena_alloc(a, sizeof *sr);
	Omendb__Value *cells = arena_calloc(a, t->n_columns, sizeof *cells);
	Omendb__Value **ptrs = arena_calloc(a, t->n_columns, sizeof *ptrs);
	if (!sr || !cells || !ptrs)
		return error_oom(err);
	omendb__row__init(sr);
	if (encode_key(a, r, row, rowid, sr, err))
		return -1;
	for (size_t c = 0; c < t->n_columns; c++) {
		if (to_shard_value(a, &row[c], t->columns[c], &cells[c]))
			return error_oom(err);
		ptrs[c] = &cells[c];
	}
	sr->values = ptrs;
	sr->n_values = t->n_columns;
	*out = sr;
	return 0;
}

/* v brought to column c's type, as an assignment (INSERT/UPDATE/COPY). */
static int assign(stmt_ctx *x, const table_ref *r, size_t c, const value *v, value *out, int location,
		  sql_error *err)
{
	if (v->isnull) {
		*out = value_null(r->types[c]);
		return 0;
	}
	if (v->type == r->types[c] && (r->types[c] != OID_VECTOR || v->u.vec.dim == r->t->columns[c]->dim)) {
		*out = *v;
		return 0;
	}
	value_error ve;
	if (value_cast(x->s->a, v, r->types[c], r->typmods[c], false, out, &ve)) {
		/* A value that does not fit the column's typmod fails at run time:
		 * PostgreSQL gives no position then. */
		if (strncmp(ve.message, "expected ", 9) == 0 || strcmp(ve.sqlstate, "22001") == 0)
			location = -1;
		if (strcmp(ve.sqlstate, "42846") == 0)
			eval_error(err, "42804", location,
				   "column \"%s\" is of type %s but expression is of type %s", r->names[c],
				   value_type_name(r->types[c]), value_type_name(v->type));
		else
			eval_error(err, ve.sqlstate, location, "%s", ve.message);
		return -1;
	}
	return 0;
}

static int column_index(const table_ref *r, const char *name)
{
	for (size_t i = 0; i < r->t->n_columns; i++)
		if (strcmp(r->names[i], name) == 0)
			return (int)i;
	return -1;
}

static int default_value(stmt_ctx *x, const table_ref *r, size_t c, int64_t serial_id, value *out,
			 sql_error *err)
{
	const Omendb__Column *col = r->t->columns[c];
	if (col->serial) {
		value v = value_int(OID_INT8, serial_id);
		return assign(x, r, c, &v, out, -1, err);
	}
	if (col->has_default && col->default_value)
		return from_shard_value(x->s->a, col->default_value, r->types[c], out) ? error_oom(err) : 0;
	*out = value_null(r->types[c]);
	return 0;
}

/* RETURNING over the written rows. */
static int returning(stmt_ctx *x, table_ref *r, const sql_target *ret, size_t nret, value *const *rows,
		     size_t n, bool describe_only, exec_result *out, sql_error *err)
{
	if (nret == 0)
		return 0;
	target_list tl;
	x->ec.scope = &r->scope;
	if (expand_targets(x->s->a, ret, nret, r, &tl, err) || describe_targets(x, &tl, r, out, err))
		return -1;
	if (describe_only)
		return 0;
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		r->scope.row = rows[i];
		value *row = project(x, &tl, out, err);
		r->scope.row = NULL;
		if (!row || add_row(x->s->a, out, row, &cap, err))
			return -1;
	}
	return 0;
}

/* Builds, checks and writes rows given as SQL values (missing columns
 * take their defaults): the common tail of INSERT and COPY. given[c] says
 * whether column c was supplied. */
static int insert_rows(stmt_ctx *x, table_ref *r, value **rows, size_t n, const bool *given,
		       Omendb__Conflict mode, write_counts *wc, sql_error *err)
{
	arena *a = x->s->a;
	uint64_t first = 0;
	size_t need = 0;
	for (size_t c = 0; c < r->t->n_columns; c++)
		if (r->t->columns[c]->serial && !given[c])
			need++;
	if (r->t->n_primary_key == 0)
		need++;
	if (need && n && reserve_ids(x->s, r->t->table_id, (uint64_t)need * n, &first, err))
		return -1;
	Omendb__Row **srows = arena_calloc(a, n + 1, sizeof *srows);
	if (!srows)
		return error_oom(err);
	uint64_t next = first;
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c < r->t->n_columns; c++)
			if (!given[c] &&
			    default_value(x, r, c, r->t->columns[c]->serial ? (int64_t)next++ : 0,
					  &rows[i][c], err))
				return -1;
		int64_t rowid = r->t->n_primary_key == 0 ? (int64_t)next++ : 0;
		if (build_row(x, r, rows[i], rowid, &srows[i], err))
			return -1;
	}
	return write_groups(x, r, srows, rows, n, NULL, 0, mode, wc, err);
}

/* ON CONFLICT DO NOTHING ... RETURNING lists the rows inserted: the shard
 * does not say which rows it skipped, so the rows whose keys exist are left
 * out first (a key inserted concurrently in between is skipped by the shard
 * but still listed). Rows without their whole key (serial keys) are new. */
static int drop_existing(stmt_ctx *x, table_ref *r, value **rows, size_t *n, sql_error *err)
{
	arena *a = x->s->a;
	key_pin pin = {0};
	size_t *which = arena_calloc(a, *n + 1, sizeof *which);
	pin.keys = arena_calloc(a, *n + 1, sizeof *pin.keys);
	if (!which || !pin.keys)
		return error_oom(err);
	for (size_t i = 0; i < *n; i++) {
		bool whole = true;
		for (size_t k = 0; k < r->t->n_primary_key; k++)
			whole = whole && !rows[i][r->t->primary_key[k]].isnull;
		if (!whole)
			continue;
		omendb__row__init(&pin.keys[pin.n]);
		if (encode_key(a, r, rows[i], 0, &pin.keys[pin.n], err))
			return -1;
		which[pin.n++] = i;
	}
	row_set existing = {0};
	if (pin.n && fetch_pinned(x, r, &pin, NULL, &existing, err))
		return -1;
	bool *drop = arena_calloc(a, *n + 1, sizeof *drop);
	if (!drop)
		return error_oom(err);
	for (size_t e = 0; e < existing.n; e++)
		for (size_t k = 0; k < pin.n; k++)
			if (existing.keys[e].len == pin.keys[k].key.len &&
			    memcmp(existing.keys[e].data, pin.keys[k].key.data, pin.keys[k].key.len) == 0)
				drop[which[k]] = true;
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++)
		if (!drop[i])
			rows[kept++] = rows[i];
	*n = kept;
	return 0;
}

static int run_insert(stmt_ctx *x, const sql_insert *ins, bool describe_only, exec_result *out,
		      sql_error *err)
{
	arena *a = x->s->a;
	table_ref r;
	if (lookup_table(x, NULL, ins->table, NULL, ins->table_location, &r, err))
		return -1;
	if (ins->select) {
		eval_error(err, "0A000", -1,
			   "INSERT ... SELECT is not supported; use INSERT ... VALUES or COPY");
		return -1;
	}
	size_t ncols = r.t->n_columns;
	int *target = arena_calloc(a, ins->ncolumns ? ins->ncolumns : ncols, sizeof *target);
	bool *given = arena_calloc(a, ncols, sizeof *given);
	if (!target || !given)
		return error_oom(err);
	size_t ntarget = ins->columns ? ins->ncolumns : ncols;
	for (size_t i = 0; i < ntarget; i++) {
		if (ins->columns) {
			target[i] = column_index(&r, ins->columns[i]);
			if (target[i] < 0) {
				eval_error(err, "42703", -1,
					   "column \"%s\" of relation \"%s\" does not exist", ins->columns[i],
					   r.t->name);
				return -1;
			}
			if (given[target[i]]) {
				eval_error(err, "42701", -1, "column \"%s\" specified more than once",
					   ins->columns[i]);
				return -1;
			}
		} else {
			target[i] = (int)i;
		}
		given[target[i]] = true;
	}
	if (ins->nvalues > ntarget) {
		eval_error(err, "42601", -1, "INSERT has more expressions than target columns");
		return -1;
	}
	if (ins->nrows && ins->nvalues < ntarget && ins->columns) {
		eval_error(err, "42601", -1, "INSERT has more target columns than expressions");
		return -1;
	}
	/* Parameters take their target column's type. */
	x->ec.scope = NULL;
	for (size_t i = 0; i < ins->nrows; i++)
		for (size_t j = 0; j < ins->nvalues; j++) {
			if (type_as(x, ins->rows[i][j], r.types[target[j]], err))
				return -1;
		}
	for (size_t i = ins->nvalues; i < ntarget; i++)
		given[target[i]] = false;
	table_ref excluded = r;
	excluded.scope.table = "excluded";
	excluded.scope.alias = NULL;
	r.scope.excluded = &excluded.scope;
	for (size_t i = 0; i < ins->nconflict_set; i++) {
		x->ec.scope = &r.scope;
		int c = column_index(&r, ins->conflict_set[i].column);
		if (c < 0) {
			eval_error(err, "42703", -1, "column \"%s\" of relation \"%s\" does not exist",
				   ins->conflict_set[i].column, r.t->name);
			return -1;
		}
		if (type_as(x, ins->conflict_set[i].value, r.types[c], err))
			return -1;
	}
	if (returning(x, &r, ins->returning, ins->nreturning, NULL, 0, true, out, err))
		return -1;
	if (describe_only)
		return 0;
	if (ins->on_conflict != SQL_CONFLICT_NONE && ins->nconflict_columns) {
		bool is_pk = ins->nconflict_columns == r.t->n_primary_key;
		for (size_t i = 0; is_pk && i < ins->nconflict_columns; i++)
			is_pk = column_index(&r, ins->conflict_columns[i]) == (int)r.t->primary_key[i];
		if (!is_pk) {
			eval_error(err, "42P10", -1,
				   "there is no unique or exclusion constraint matching the ON CONFLICT "
				   "specification");
			return -1;
		}
	}
	if (ins->on_conflict == SQL_CONFLICT_UPDATE && r.t->n_primary_key == 0) {
		eval_error(
		    err, "42P10", -1,
		    "there is no unique or exclusion constraint matching the ON CONFLICT specification");
		return -1;
	}

	/* Evaluate the VALUES rows. */
	size_t n = ins->nrows;
	value **rows = arena_calloc(a, n + 1, sizeof *rows);
	if (!rows)
		return error_oom(err);
	x->ec.scope = NULL;
	for (size_t i = 0; i < n; i++) {
		rows[i] = arena_calloc(a, ncols + 1, sizeof **rows);
		if (!rows[i])
			return error_oom(err);
		for (size_t j = 0; j < ins->nvalues; j++) {
			int c = target[j];
			sql_expr *e = ins->rows[i][j];
			value v;
			if (e == NULL) { /* DEFAULT */
				continue;
			}
			if (eval_expr(&x->ec, e, &v, err) ||
			    assign(x, &r, (size_t)c, &v, &rows[i][c], e->location, err))
				return -1;
		}
	}
	/* DEFAULT in a VALUES row: that cell takes the default, others as given. */
	bool *row_given = arena_calloc(a, ncols, sizeof *row_given);
	if (!row_given)
		return error_oom(err);
	write_counts wc = {0};
	Omendb__Conflict mode = ins->on_conflict == SQL_CONFLICT_NOTHING  ? OMENDB__CONFLICT__CONFLICT_SKIP
				: ins->on_conflict == SQL_CONFLICT_UPDATE ? OMENDB__CONFLICT__CONFLICT_REPLACE
									  : OMENDB__CONFLICT__CONFLICT_ERROR;
	bool any_default = false;
	for (size_t i = 0; i < n && !any_default; i++)
		for (size_t j = 0; j < ins->nvalues; j++)
			any_default = any_default || ins->rows[i][j] == NULL;
	if (any_default) {
		for (size_t i = 0; i < n; i++) {
			memcpy(row_given, given, ncols * sizeof *row_given);
			for (size_t j = 0; j < ins->nvalues; j++)
				if (ins->rows[i][j] == NULL)
					row_given[target[j]] = false;
			for (size_t c = 0; c < ncols; c++)
				if (!row_given[c] && default_value(x, &r, c, 0, &rows[i][c], err))
					return -1;
			/* Only serial columns still need ids from insert_rows. */
			for (size_t c = 0; c < ncols; c++)
				row_given[c] = row_given[c] || !r.t->columns[c]->serial;
			if (mode == OMENDB__CONFLICT__CONFLICT_REPLACE) {
				eval_error(err, "0A000", -1,
					   "DEFAULT in INSERT ... ON CONFLICT DO UPDATE is not supported");
				return -1;
			}
			if (insert_rows(x, &r, &rows[i], 1, row_given, mode, &wc, err))
				return -1;
		}
	} else if (mode == OMENDB__CONFLICT__CONFLICT_REPLACE) {
		/* ON CONFLICT DO UPDATE: rows whose key exists take SET applied to
		 * the stored row (EXCLUDED = the proposed row); others insert. Read
		 * then write: a concurrent writer of the same key may interleave
		 * (docs/sql.md). */
		uint64_t first = 0;
		size_t need = 0;
		for (size_t c = 0; c < ncols; c++)
			if (r.t->columns[c]->serial && !given[c])
				need++;
		if (need && reserve_ids(x->s, r.t->table_id, need * n, &first, err))
			return -1;
		Omendb__Row **srows = arena_calloc(a, n + 1, sizeof *srows);
		value **final = arena_calloc(a, n + 1, sizeof *final);
		if (!srows || !final)
			return error_oom(err);
		for (size_t i = 0; i < n; i++) {
			for (size_t c = 0; c < ncols; c++)
				if (!given[c] &&
				    default_value(x, &r, c, r.t->columns[c]->serial ? (int64_t)first++ : 0,
						  &rows[i][c], err))
					return -1;
			if (build_row(x, &r, rows[i], 0, &srows[i], err))
				return -1;
		}
		key_pin pin = {.n = n};
		pin.keys = arena_calloc(a, n + 1, sizeof *pin.keys);
		if (!pin.keys)
			return error_oom(err);
		for (size_t i = 0; i < n; i++)
			pin.keys[i] = *srows[i];
		row_set existing = {0};
		if (fetch_pinned(x, &r, &pin, NULL, &existing, err))
			return -1;
		size_t nskip = 0;
		bool *skip = arena_calloc(a, n + 1, sizeof *skip);
		if (!skip)
			return error_oom(err);
		for (size_t i = 0; i < n; i++) {
			final[i] = rows[i];
			for (size_t k = 0; k < existing.n; k++) {
				if (existing.keys[k].len != srows[i]->key.len ||
				    memcmp(existing.keys[k].data, srows[i]->key.data, existing.keys[k].len) !=
					0)
					continue;
				value *upd = arena_calloc(a, ncols + 1, sizeof *upd);
				if (!upd)
					return error_oom(err);
				memcpy(upd, existing.rows[k], ncols * sizeof *upd);
				r.scope.row = existing.rows[k];
				excluded.scope.row = rows[i];
				x->ec.scope = &r.scope;
				bool apply = true;
				if (ins->conflict_where &&
				    eval_condition(&x->ec, ins->conflict_where, &apply, err))
					return -1;
				for (size_t s = 0; apply && s < ins->nconflict_set; s++) {
					int c = column_index(&r, ins->conflict_set[s].column);
					value v;
					if (eval_expr(&x->ec, ins->conflict_set[s].value, &v, err) ||
					    assign(x, &r, (size_t)c, &v, &upd[c],
						   ins->conflict_set[s].value->location, err))
						return -1;
				}
				r.scope.row = NULL;
				excluded.scope.row = NULL;
				if (!apply) {
					skip[i] = true;
					nskip++;
				} else {
					final[i] = upd;
					if (build_row(x, &r, upd, 0, &srows[i], err))
						return -1;
				}
			}
		}
		Omendb__Row **send = arena_calloc(a, n + 1, sizeof *send);
		value **send_rows = arena_calloc(a, n + 1, sizeof *send_rows);
		size_t nsend = 0;
		if (!send || !send_rows)
			return error_oom(err);
		for (size_t i = 0; i < n; i++)
			if (!skip[i]) {
				send_rows[nsend] = final[i];
				send[nsend++] = srows[i];
			}
		if (write_groups(x, &r, send, send_rows, nsend, NULL, 0, mode, &wc, err))
			return -1;
		rows = send_rows;
		n = nsend;
	} else {
		if (mode == OMENDB__CONFLICT__CONFLICT_SKIP && ins->nreturning && r.t->n_primary_key > 0 &&
		    drop_existing(x, &r, rows, &n, err))
			return -1;
		if (insert_rows(x, &r, rows, n, given, mode, &wc, err))
			return -1;
	}
	if (returning(x, &r, ins->returning, ins->nreturning, rows, n, false, out, err))
		return -1;
	set_tag(out, "INSERT 0 %" PRIu64, wc.inserted + wc.updated);
	return 0;
}

static int run_update(stmt_ctx *x, const sql_update *u, bool describe_only, exec_result *out, sql_error *err)
{
	arena *a = x->s->a;
	table_ref r;
	if (lookup_table(x, NULL, u->table, u->alias, u->table_location, &r, err))
		return -1;
	if (u->has_from) {
		eval_error(err, "0A000", -1, "UPDATE ... FROM is not supported by OmenDB");
		return -1;
	}
	x->ec.scope = &r.scope;
	int *cols = arena_calloc(a, u->nset + 1, sizeof *cols);
	if (!cols)
		return error_oom(err);
	for (size_t i = 0; i < u->nset; i++) {
		cols[i] = column_index(&r, u->set[i].column);
		if (cols[i] < 0) {
			eval_error(err, "42703", u->set[i].location,
				   "column \"%s\" of relation \"%s\" does not exist", u->set[i].column,
				   r.t->name);
			return -1;
		}
		for (size_t k = 0; k < r.t->n_primary_key; k++)
			if (r.t->primary_key[k] == (uint32_t)cols[i]) {
				eval_error(err, "0A000", -1,
					   "updating the primary key column \"%s\" is not supported; DELETE "
					   "and INSERT instead",
					   u->set[i].column);
				return -1;
			}
		if (type_as(x, u->set[i].value, r.types[cols[i]], err))
			return -1;
	}
	if (type_as(x, u->where, 0, err))
		return -1;
	if (returning(x, &r, u->returning, u->nreturning, NULL, 0, true, out, err))
		return -1;
	if (describe_only)
		return 0;
	row_set rs = {0};
	if (find_rows(x, &r, u->where, 0, &rs, err))
		return -1;
	size_t ncols = r.t->n_columns;
	Omendb__Row **srows = arena_calloc(a, rs.n + 1, sizeof *srows);
	value **newrows = arena_calloc(a, rs.n + 1, sizeof *newrows);
	if (!srows || !newrows)
		return error_oom(err);
	for (size_t i = 0; i < rs.n; i++) {
		value *nr = arena_calloc(a, ncols + 1, sizeof *nr);
		if (!nr)
			return error_oom(err);
		memcpy(nr, rs.rows[i], ncols * sizeof *nr);
		r.scope.row = rs.rows[i];
		for (size_t s = 0; s < u->nset; s++) {
			value v;
			if (u->set[s].value == NULL) {
				if (default_value(x, &r, (size_t)cols[s], 0, &nr[cols[s]], err))
					return -1;
				continue;
			}
			if (eval_expr(&x->ec, u->set[s].value, &v, err) ||
			    assign(x, &r, (size_t)cols[s], &v, &nr[cols[s]], u->set[s].value->location, err))
				return -1;
		}
		r.scope.row = NULL;
		if (build_row(x, &r, nr, 0, &srows[i], err))
			return -1;
		/* Keep the stored key (a hidden row id is not a column). */
		srows[i]->key = rs.keys[i];
		newrows[i] = nr;
	}
	write_counts wc = {0};
	if (rs.n &&
	    write_groups(x, &r, srows, newrows, rs.n, NULL, 0, OMENDB__CONFLICT__CONFLICT_REPLACE, &wc, err))
		return -1;
	if (returning(x, &r, u->returning, u->nreturning, newrows, rs.n, false, out, err))
		return -1;
	set_tag(out, "UPDATE %zu", rs.n);
	return 0;
}

static int run_delete(stmt_ctx *x, const sql_delete *d, bool describe_only, exec_result *out, sql_error *err)
{
	table_ref r;
	if (lookup_table(x, NULL, d->table, d->alias, d->table_location, &r, err))
		return -1;
	if (d->has_using) {
		eval_error(err, "0A000", -1, "DELETE ... USING is not supported by OmenDB");
		return -1;
	}
	x->ec.scope = &r.scope;
	if (d->where) {
		pg_oid t;
		int32_t tm;
		if (eval_type(&x->ec, d->where, &t, &tm, err))
			return -1;
	}
	if (returning(x, &r, d->returning, d->nreturning, NULL, 0, true, out, err))
		return -1;
	if (describe_only)
		return 0;
	row_set rs = {0};
	if (find_rows(x, &r, d->where, 0, &rs, err))
		return -1;
	write_counts wc = {0};
	if (rs.n &&
	    write_groups(x, &r, NULL, NULL, 0, rs.keys, rs.n, OMENDB__CONFLICT__CONFLICT_ERROR, &wc, err))
		return -1;
	if (returning(x, &r, d->returning, d->nreturning, rs.rows, rs.n, false, out, err))
		return -1;
	set_tag(out, "DELETE %" PRIu64, wc.deleted);
	return 0;
}

/* --- DDL --- */

static int catalog_op(stmt_ctx *x, Omendb__CatalogOp *op, Omendb__WriteResult *wr, sql_error *err)
{
	Omendb__Status st;
	char msg[256];
	int rc = router_catalog_op(x->s->shared->r, op, &st, wr, msg, sizeof msg);
	if (rc != OMEN_OK)
		return group_unavailable(err, 0, rc);
	if (st == OMENDB__STATUS__STATUS_OK)
		return ctx_refresh(x, err);
	const char *state = st == OMENDB__STATUS__STATUS_EXISTS	     ? "42P07"
			    : st == OMENDB__STATUS__STATUS_NOT_FOUND ? "42P01"
			    : st == OMENDB__STATUS__STATUS_INVALID   ? "22023"
								     : "XX000";
	eval_error(err, state, -1, "%s", msg);
	return -1;
}

static bool storage_type(pg_oid t, Omendb__ColumnType *out)
{
	switch (t) {
	case OID_INT8:
		*out = OMENDB__COLUMN_TYPE__COLUMN_BIGINT;
		return true;
	case OID_INT2:
	case OID_INT4:
		*out = OMENDB__COLUMN_TYPE__COLUMN_INTEGER;
		return true;
	case OID_FLOAT4:
		*out = OMENDB__COLUMN_TYPE__COLUMN_REAL;
		return true;
	case OID_FLOAT8:
	case OID_NUMERIC:
		*out = OMENDB__COLUMN_TYPE__COLUMN_DOUBLE;
		return true;
	case OID_TEXT:
	case OID_VARCHAR:
		*out = OMENDB__COLUMN_TYPE__COLUMN_TEXT;
		return true;
	case OID_BOOL:
		*out = OMENDB__COLUMN_TYPE__COLUMN_BOOLEAN;
		return true;
	case OID_JSONB:
	case OID_JSON:
		*out = OMENDB__COLUMN_TYPE__COLUMN_JSONB;
		return true;
	case OID_TIMESTAMPTZ:
		*out = OMENDB__COLUMN_TYPE__COLUMN_TIMESTAMPTZ;
		return true;
	case OID_VECTOR:
		*out = OMENDB__COLUMN_TYPE__COLUMN_VECTOR;
		return true;
	default:
		return false;
	}
}

static void notice(exec_session *s, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void notice(exec_session *s, const char *state, const char *fmt, ...)
{
	if (!s->notice)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->notice(s->notice_arg, "NOTICE", state, msg);
}

static int run_create_table(stmt_ctx *x, const sql_create_table *ct, exec_result *out, sql_error *err)
{
	arena *a = x->s->a;
	if (find_table(x->cat, ct->name)) {
		if (ct->if_not_exists) {
			notice(x->s, "42P07", "relation \"%s\" already exists, skipping", ct->name);
			set_tag(out, "CREATE TABLE");
			return 0;
		}
		eval_error(err, "42P07", -1, "relation \"%s\" already exists", ct->name);
		return -1;
	}
	if (ct->ncolumns == 0) {
		eval_error(err, "0A000", -1, "tables need at least one column in OmenDB");
		return -1;
	}
	Omendb__TableDef *t = arena_alloc(a, sizeof *t);
	Omendb__Column *cols = arena_calloc(a, ct->ncolumns, sizeof *cols);
	Omendb__Column **ptrs = arena_calloc(a, ct->ncolumns, sizeof *ptrs);
	uint32_t *pk = arena_calloc(a, ct->ncolumns + 1, sizeof *pk);
	if (!t || !cols || !ptrs || !pk)
		return error_oom(err);
	omendb__table_def__init(t);
	t->name = (char *)ct->name;
	size_t npk = 0;
	for (size_t i = 0; i < ct->ncolumns; i++) {
		const sql_column_def *cd = &ct->columns[i];
		Omendb__Column *c = &cols[i];
		omendb__column__init(c);
		ptrs[i] = c;
		c->name = (char *)cd->name;
		for (size_t k = 0; k < i; k++)
			if (strcmp(ct->columns[k].name, cd->name) == 0) {
				eval_error(err, "42701", -1, "column \"%s\" specified more than once",
					   cd->name);
				return -1;
			}
		if (cd->type.oid == 0) {
			eval_error(err, "42704", -1, "type \"%s\" does not exist",
				   cd->type.name ? cd->type.name : "?");
			return -1;
		}
		if (!storage_type(cd->type.oid, &c->type)) {
			eval_error(err, "0A000", -1,
				   "column type %s is not supported; use vector(n), bigint, integer, "
				   "smallint, real, "
				   "double precision, numeric, text, varchar, boolean, jsonb or timestamptz",
				   value_type_name(cd->type.oid));
			return -1;
		}
		if (cd->type.oid == OID_VECTOR) {
			if (cd->type.typmod < 1 || cd->type.typmod > VECTOR_MAX_DIM) {
				eval_error(err, cd->type.typmod < 1 ? "0A000" : "54000", -1,
					   cd->type.typmod < 1
					       ? "vector columns need a dimension in OmenDB: vector(n)"
					       : "vector cannot have more than 16000 dimensions");
				return -1;
			}
			c->dim = (uint32_t)cd->type.typmod;
		}
		c->pg_type = cd->type.oid;
		c->pg_typmod = cd->type.oid == OID_VECTOR ? -1 : cd->type.typmod;
		c->not_null = cd->not_null || cd->primary_key;
		c->serial = cd->serial;
		if (cd->primary_key)
			pk[npk++] = (uint32_t)i;
		if (cd->default_value) {
			if (refs_columns(cd->default_value)) {
				eval_error(err, "0A000", cd->default_value->location,
					   "only constant DEFAULT expressions are supported");
				return -1;
			}
			value v, conv;
			x->ec.scope = NULL;
			if (eval_expr(&x->ec, cd->default_value, &v, err))
				return -1;
			value_error ve;
			if (!v.isnull &&
			    value_cast(a, &v, cd->type.oid, cd->type.typmod, false, &conv, &ve)) {
				eval_error(err, ve.sqlstate, cd->default_value->location, "%s", ve.message);
				return -1;
			}
			c->has_default = true;
			c->default_value = arena_alloc(a, sizeof *c->default_value);
			if (!c->default_value ||
			    to_shard_value(a, v.isnull ? &v : &conv, c, c->default_value))
				return error_oom(err);
		}
	}
	if (npk > 1) {
		eval_error(err, "42P16", -1, "multiple primary keys for table \"%s\" are not allowed",
			   ct->name);
		return -1;
	}
	if (ct->primary_key) {
		/* The parser lists the key's columns for both forms of the
		 * constraint; a column constraint plus a table one is two keys. */
		if (npk == 1 &&
		    !(ct->nprimary_key == 1 && strcmp(ct->primary_key[0], ct->columns[pk[0]].name) == 0)) {
			eval_error(err, "42P16", -1, "multiple primary keys for table \"%s\" are not allowed",
				   ct->name);
			return -1;
		}
		npk = 0;
		for (size_t k = 0; k < ct->nprimary_key; k++) {
			int ci = -1;
			for (size_t i = 0; i < ct->ncolumns; i++)
				if (strcmp(ct->columns[i].name, ct->primary_key[k]) == 0)
					ci = (int)i;
			if (ci < 0) {
				eval_error(err, "42703", -1, "column \"%s\" named in key does not exist",
					   ct->primary_key[k]);
				return -1;
			}
			for (size_t j = 0; j < npk; j++)
				if (pk[j] == (uint32_t)ci) {
					eval_error(err, "42701", -1,
						   "column \"%s\" appears twice in primary key constraint",
						   ct->primary_key[k]);
					return -1;
				}
			pk[npk++] = (uint32_t)ci;
			cols[ci].not_null = true;
		}
	}
	for (size_t k = 0; k < npk; k++) {
		Omendb__ColumnType ty = cols[pk[k]].type;
		if (ty != OMENDB__COLUMN_TYPE__COLUMN_BIGINT && ty != OMENDB__COLUMN_TYPE__COLUMN_INTEGER &&
		    ty != OMENDB__COLUMN_TYPE__COLUMN_TEXT) {
			eval_error(err, "0A000", -1,
				   "primary key column \"%s\" must be an integer or text column in OmenDB",
				   cols[pk[k]].name);
			return -1;
		}
	}
	t->columns = ptrs;
	t->n_columns = ct->ncolumns;
	t->primary_key = pk;
	t->n_primary_key = npk;

	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_CREATE_TABLE;
	op.create_table = t;
	Omendb__WriteResult wr = OMENDB__WRITE_RESULT__INIT;
	if (catalog_op(x, &op, &wr, err))
		return -1;
	const Omendb__TableDef *created = find_table(x->cat, ct->name);
	if (!created || created->table_id != wr.table_id) {
		eval_error(err, "40001", -1, "table \"%s\" changed while it was being created; retry",
			   ct->name);
		return -1;
	}
	Omendb__Command *cmd = arena_alloc(a, sizeof *cmd);
	if (!cmd)
		return error_oom(err);
	omendb__command__init(cmd);
	cmd->op_case = OMENDB__COMMAND__OP_CREATE_TABLE;
	cmd->create_table = (Omendb__TableDef *)created;
	if (command_all_groups(x->s, x->cat, cmd, err)) {
		/* Undo the catalog entry so the name can be used again. */
		sql_error ignore;
		Omendb__CatalogOp drop = OMENDB__CATALOG_OP__INIT;
		drop.op_case = OMENDB__CATALOG_OP__OP_DROP_TABLE;
		drop.drop_table = (char *)ct->name;
		catalog_op(x, &drop, &wr, &ignore);
		return -1;
	}
	log_info("created table %s (id %u, %zu columns)", ct->name, wr.table_id, ct->ncolumns);
	set_tag(out, "CREATE TABLE");
	return 0;
}

static int run_drop_table(stmt_ctx *x, const sql_drop *d, exec_result *out, sql_error *err)
{
	for (size_t i = 0; i < d->nnames; i++) {
		const Omendb__TableDef *t = find_table(x->cat, d->names[i]);
		if (!t) {
			if (d->if_exists) {
				notice(x->s, "00000", "table \"%s\" does not exist, skipping", d->names[i]);
				continue;
			}
			return relation_missing(err, d->names[i], -1);
		}
		uint32_t id = t->table_id;
		Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
		op.op_case = OMENDB__CATALOG_OP__OP_DROP_TABLE;
		op.drop_table = (char *)d->names[i];
		Omendb__WriteResult wr = OMENDB__WRITE_RESULT__INIT;
		if (catalog_op(x, &op, &wr, err))
			return -1;
		/* The catalog no longer names the table: its rows are unreachable
		 * and each group drops them. A group that misses the drop keeps
		 * dead rows under an id never reused. */
		Omendb__DropTable dt = OMENDB__DROP_TABLE__INIT;
		dt.table_id = id;
		Omendb__Command cmd = OMENDB__COMMAND__INIT;
		cmd.op_case = OMENDB__COMMAND__OP_DROP_TABLE;
		cmd.drop_table = &dt;
		sql_error gerr;
		if (command_all_groups(x->s, x->cat, &cmd, &gerr))
			log_warn("drop table %s (id %u): %s", d->names[i], id, gerr.message);
		log_info("dropped table %s (id %u)", d->names[i], id);
	}
	set_tag(out, "DROP TABLE");
	return 0;
}

/* pgvector's hnsw options and opclasses. */
static int index_options(stmt_ctx *x, const sql_create_index *ci, uint32_t *m, uint32_t *efc, sql_error *err)
{
	*m = 16;
	*efc = 64;
	for (size_t i = 0; i < ci->noptions; i++) {
		const char *name = ci->options[i].name;
		value v, conv;
		value_error ve;
		if (strcmp(name, "m") != 0 && strcmp(name, "ef_construction") != 0) {
			eval_error(err, "22023", -1, "unrecognized parameter \"%s\"", name);
			return -1;
		}
		if (!ci->options[i].value || eval_expr(&x->ec, ci->options[i].value, &v, err))
			return ci->options[i].value
				   ? -1
				   : (eval_error(err, "22023", -1, "parameter \"%s\" needs a value", name),
				      -1);
		if (v.isnull || value_cast(x->s->a, &v, OID_INT4, -1, true, &conv, &ve)) {
			eval_error(err, "22023", -1, "invalid value for integer option \"%s\"", name);
			return -1;
		}
		if (name[0] == 'm') {
			if (conv.u.i < 2 || conv.u.i > 100) {
				eval_error(err, "22023", -1,
					   "value %" PRId64 " out of bounds for option \"m\"\nDETAIL:  Valid "
					   "values are between \"2\" and \"100\".",
					   conv.u.i);
				return -1;
			}
			*m = (uint32_t)conv.u.i;
		} else {
			if (conv.u.i < 4 || conv.u.i > 1000) {
				eval_error(err, "22023", -1,
					   "value %" PRId64
					   " out of bounds for option \"ef_construction\"\nDETAIL:  Valid "
					   "values are between \"4\" and \"1000\".",
					   conv.u.i);
				return -1;
			}
			*efc = (uint32_t)conv.u.i;
		}
	}
	if (*efc < 2 * *m) {
		eval_error(err, "22023", -1, "ef_construction must be greater than or equal to 2 * m");
		return -1;
	}
	return 0;
}

/* Polls every group's leader until the index on (table, column) is ready
 * everywhere, sending a NOTICE with the progress every few seconds. */
static int wait_index_built(stmt_ctx *x, uint32_t table_id, uint32_t column, const char *name, sql_error *err)
{
	arena *a = x->s->a;
	group_list g;
	groups_of(x->cat, &g);
	struct timespec start, last;
	clock_gettime(CLOCK_MONOTONIC, &start);
	last = start;
	for (;;) {
		Omendb__Request *reqs[EXEC_MAX_GROUPS];
		Omendb__Response *resps[EXEC_MAX_GROUPS] = {0};
		Omendb__StatusRequest *sr = arena_alloc(a, sizeof *sr);
		if (!sr)
			return error_oom(err);
		omendb__status_request__init(sr);
		for (size_t i = 0; i < g.n; i++) {
			reqs[i] = new_request(a, OMENDB__READ_LEVEL__READ_LEADER);
			if (!reqs[i])
				return error_oom(err);
			reqs[i]->body_case = OMENDB__REQUEST__BODY_STATUS;
			reqs[i]->status = sr;
		}
		if (g.n && call_groups(x->s, g.n, g.ids, reqs, false, resps, err))
			return -1;
		uint64_t done = 0, total = 0;
		bool ready = true;
		for (size_t i = 0; i < g.n; i++) {
			const Omendb__StatusResponse *st =
			    resps[i] && resps[i]->body_case == OMENDB__RESPONSE__BODY_STATUS_INFO
				? resps[i]->status_info
				: NULL;
			bool found = false;
			for (size_t t = 0; st && t < st->n_tables; t++) {
				if (st->tables[t]->table_id != table_id)
					continue;
				for (size_t k = 0; k < st->tables[t]->n_indexes; k++) {
					const Omendb__IndexStatus *is = st->tables[t]->indexes[k];
					if (is->column != column)
						continue;
					found = true;
					done += is->state == OMENDB__INDEX_STATE__INDEX_READY
						    ? is->nodes
						    : is->build_done;
					total += is->state == OMENDB__INDEX_STATE__INDEX_READY
						     ? is->nodes
						     : is->build_total;
					ready = ready && is->state == OMENDB__INDEX_STATE__INDEX_READY;
				}
			}
			ready = ready && found;
		}
		free_responses(resps, g.n);
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double since =
		    (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) / 1e9;
		double elapsed =
		    (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (ready) {
			if (elapsed >= 1.0)
				notice(x->s, "00000",
				       "index \"%s\": built on %zu groups, %" PRIu64 " rows, in %.1f s", name,
				       g.n, total, elapsed);
			return 0;
		}
		if (since >= 2.0) {
			notice(x->s, "00000",
			       "index \"%s\": %" PRIu64 " of %" PRIu64 " rows (%.0f%%) after %.0f s", name,
			       done, total, total ? 100.0 * (double)done / (double)total : 0.0, elapsed);
			last = now;
		}
		if (x->s->cancel && atomic_load(x->s->cancel)) {
			eval_error(err, "57014", -1,
				   "canceling statement due to user request; index \"%s\" keeps building in "
				   "the background",
				   name);
			return -1;
		}
		struct timespec nap = {0, 100 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
}

static int run_create_index(stmt_ctx *x, const sql_create_index *ci, exec_result *out, sql_error *err)
{
	arena *a = x->s->a;
	table_ref r;
	if (lookup_table(x, NULL, ci->table, NULL, -1, &r, err))
		return -1;
	const char *method = ci->method ? ci->method : "btree";
	int col = ci->column ? column_index(&r, ci->column) : -1;
	if (strcmp(method, "hnsw") != 0) {
		eval_error(err, "0A000", -1,
			   "index method \"%s\" is not supported: OmenDB builds USING hnsw indexes on vector "
			   "columns "
			   "and evaluates filters on other columns inside the search",
			   method);
		return -1;
	}
	if (!ci->column || col < 0) {
		eval_error(err, "42703", -1, "column \"%s\" does not exist", ci->column ? ci->column : "?");
		return -1;
	}
	if (r.types[col] != OID_VECTOR) {
		eval_error(err, "42704", -1,
			   "data type %s has no default operator class for access method \"hnsw\"",
			   value_type_name(r.types[col]));
		return -1;
	}
	Omendb__Metric metric = OMENDB__METRIC__METRIC_L2;
	if (ci->opclass) {
		if (strcmp(ci->opclass, "vector_l2_ops") == 0)
			metric = OMENDB__METRIC__METRIC_L2;
		else if (strcmp(ci->opclass, "vector_ip_ops") == 0)
			metric = OMENDB__METRIC__METRIC_IP;
		else if (strcmp(ci->opclass, "vector_cosine_ops") == 0)
			metric = OMENDB__METRIC__METRIC_COSINE;
		else if (strcmp(ci->opclass, "vector_l1_ops") == 0)
			metric = OMENDB__METRIC__METRIC_L1;
		else {
			eval_error(err, "42704", -1,
				   "operator class \"%s\" does not exist for access method \"hnsw\"",
				   ci->opclass);
			return -1;
		}
	}
	uint32_t m, efc;
	if (index_options(x, ci, &m, &efc, err))
		return -1;
	const char *name = ci->name;
	if (!name) {
		name = arena_printf(a, "%s_%s_idx", r.t->name, ci->column);
		for (int n = 1; name && n < 1000; n++) {
			bool taken = false;
			for (size_t i = 0; x->cat && i < x->cat->n_indexes; i++)
				taken = taken || strcmp(x->cat->indexes[i]->name, name) == 0;
			if (!taken)
				break;
			name = arena_printf(a, "%s_%s_idx%d", r.t->name, ci->column, n);
		}
		if (!name)
			return error_oom(err);
	}
	const Omendb__IndexDef *existing = find_index(x->cat, r.t->table_id, (uint32_t)col);
	for (size_t i = 0; x->cat && i < x->cat->n_indexes; i++)
		if (strcmp(x->cat->indexes[i]->name, name) == 0)
			existing = x->cat->indexes[i];
	if (existing) {
		if (ci->if_not_exists) {
			notice(x->s, "42P07", "relation \"%s\" already exists, skipping", existing->name);
			set_tag(out, "CREATE INDEX");
			return 0;
		}
		if (strcmp(existing->name, name) == 0)
			eval_error(err, "42P07", -1, "relation \"%s\" already exists", name);
		else
			eval_error(
			    err, "0A000", -1,
			    "column \"%s\" already has index \"%s\"; OmenDB keeps one hnsw index per column",
			    ci->column, existing->name);
		return -1;
	}
	Omendb__IndexDef def = OMENDB__INDEX_DEF__INIT;
	def.table_id = r.t->table_id;
	def.column = (uint32_t)col;
	def.name = (char *)name;
	def.metric = metric;
	def.m = m;
	def.ef_construction = efc;
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_CREATE_INDEX;
	op.create_index = &def;
	Omendb__WriteResult wr = OMENDB__WRITE_RESULT__INIT;
	/* catalog_op replaces the catalog snapshot r.t points into. */
	uint32_t table_id = r.t->table_id;
	const char *table_name = arena_strdup(a, r.t->name);
	if (!table_name)
		return error_oom(err);
	if (catalog_op(x, &op, &wr, err))
		return -1;
	const Omendb__IndexDef *made = find_index(x->cat, table_id, (uint32_t)col);
	if (!made) {
		eval_error(err, "40001", -1, "index \"%s\" changed while it was being created; retry", name);
		return -1;
	}
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CREATE_INDEX;
	cmd.create_index = (Omendb__IndexDef *)made;
	if (command_all_groups(x->s, x->cat, &cmd, err))
		return -1;
	log_info("building index %s on %s.%s (m %u, ef_construction %u)", name, table_name, ci->column, m,
		 efc);
	if (wait_index_built(x, table_id, (uint32_t)col, name, err))
		return -1;
	set_tag(out, "CREATE INDEX");
	return 0;
}

static int run_drop_index(stmt_ctx *x, const sql_drop *d, exec_result *out, sql_error *err)
{
	for (size_t i = 0; i < d->nnames; i++) {
		const Omendb__IndexDef *ix = NULL;
		for (size_t k = 0; x->cat && k < x->cat->n_indexes; k++)
			if (strcmp(x->cat->indexes[k]->name, d->names[i]) == 0)
				ix = x->cat->indexes[k];
		if (!ix) {
			if (d->if_exists) {
				notice(x->s, "00000", "index \"%s\" does not exist, skipping", d->names[i]);
				continue;
			}
			eval_error(err, "42704", -1, "index \"%s\" does not exist", d->names[i]);
			return -1;
		}
		Omendb__DropIndex di = OMENDB__DROP_INDEX__INIT;
		di.table_id = ix->table_id;
		di.column = ix->column;
		Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
		op.op_case = OMENDB__CATALOG_OP__OP_DROP_INDEX;
		op.drop_index = &di;
		Omendb__WriteResult wr = OMENDB__WRITE_RESULT__INIT;
		if (catalog_op(x, &op, &wr, err))
			return -1;
		Omendb__Command cmd = OMENDB__COMMAND__INIT;
		cmd.op_case = OMENDB__COMMAND__OP_DROP_INDEX;
		cmd.drop_index = &di;
		sql_error gerr;
		if (command_all_groups(x->s, x->cat, &cmd, &gerr))
			log_warn("drop index %s: %s", d->names[i], gerr.message);
	}
	set_tag(out, "DROP INDEX");
	return 0;
}

/* --- entry points --- */

static int dispatch(stmt_ctx *x, const sql_stmt *st, bool describe_only, exec_result *out, sql_error *err)
{
	switch (st->kind) {
	case SQL_STMT_SELECT:
		return run_select(x, &st->u.select, describe_only, false, out, err);
	case SQL_STMT_INSERT:
		return run_insert(x, &st->u.insert, describe_only, out, err);
	case SQL_STMT_UPDATE:
		return run_update(x, &st->u.update, describe_only, out, err);
	case SQL_STMT_DELETE:
		return run_delete(x, &st->u.del, describe_only, out, err);
	case SQL_STMT_EXPLAIN: {
		const sql_stmt *in = st->u.explain;
		if (in->kind != SQL_STMT_SELECT) {
			eval_error(err, "0A000", -1, "EXPLAIN is supported for SELECT only");
			return -1;
		}
		exec_result tmp;
		memset(&tmp, 0, sizeof tmp);
		if (describe_only) {
			out->cols = arena_calloc(x->s->a, 1, sizeof *out->cols);
			if (!out->cols)
				return error_oom(err);
			out->cols[0].name = "QUERY PLAN";
			out->cols[0].type = OID_TEXT;
			out->cols[0].typmod = -1;
			out->ncols = 1;
			out->returns_rows = true;
			return 0;
		}
		if (run_select(x, &in->u.select, true, true, out, err))
			return -1;
		out->returns_rows = true;
		return 0;
	}
	default:
		break;
	}
	if (describe_only)
		return 0;
	switch (st->kind) {
	case SQL_STMT_CREATE_EXTENSION:
		if (strcmp(st->u.extension, "vector") != 0) {
			eval_error(err, "0A000", -1,
				   "extension \"%s\" is not available; OmenDB provides \"vector\"",
				   st->u.extension);
			return -1;
		}
		set_tag(out, "CREATE EXTENSION");
		return 0;
	case SQL_STMT_CREATE_TABLE:
		return run_create_table(x, &st->u.create_table, out, err);
	case SQL_STMT_DROP_TABLE:
		return run_drop_table(x, &st->u.drop, out, err);
	case SQL_STMT_CREATE_INDEX:
		return run_create_index(x, &st->u.create_index, out, err);
	case SQL_STMT_DROP_INDEX:
		return run_drop_index(x, &st->u.drop, out, err);
	default:
		eval_error(err, "0A000", -1, "this statement is not supported here");
		return -1;
	}
}

int exec_describe(exec_session *s, const sql_stmt *st, pg_oid *param_types, size_t nparams, exec_result *out,
		  sql_error *err)
{
	memset(out, 0, sizeof *out);
	stmt_ctx x;
	if (ctx_open(&x, s, err))
		return -1;
	ctx_eval_init(&x, param_types, nparams, NULL);
	x.query = s->query;
	int rc = dispatch(&x, st, true, out, err);
	ctx_close(&x);
	for (size_t i = 0; rc == 0 && i < nparams; i++)
		if (param_types[i] == 0 || param_types[i] == OID_UNKNOWN)
			param_types[i] = OID_TEXT;
	return rc;
}

int exec_run(exec_session *s, const sql_stmt *st, const value *params, size_t nparams, exec_result *out,
	     sql_error *err)
{
	memset(out, 0, sizeof *out);
	stmt_ctx x;
	if (ctx_open(&x, s, err))
		return -1;
	pg_oid *types = arena_calloc(s->a, nparams + 1, sizeof *types);
	if (!types) {
		ctx_close(&x);
		return error_oom(err);
	}
	for (size_t i = 0; i < nparams; i++)
		types[i] = params[i].type;
	ctx_eval_init(&x, types, nparams, params);
	x.query = s->query;
	int rc = dispatch(&x, st, false, out, err);
	ctx_close(&x);
	return rc;
}

/* --- COPY --- */

struct exec_copy {
	table_ref r;
	exec_column *cols;
	size_t ncols;
	int *target;
	bool *given;
	const char *table;
};

int exec_copy_begin(exec_session *s, const sql_copy *c, exec_copy **out, sql_error *err)
{
	stmt_ctx x;
	if (ctx_open(&x, s, err))
		return -1;
	exec_copy *cp = calloc(1, sizeof *cp);
	int rc = -1;
	if (!cp) {
		error_oom(err);
		goto done;
	}
	/* The copy outlives statements' arenas: keep its own copies. */
	const Omendb__TableDef *t = find_table(x.cat, c->table);
	if (!t) {
		relation_missing(err, c->table, -1);
		goto done;
	}
	size_t len = omendb__table_def__get_packed_size(t);
	uint8_t *buf = malloc(len + 1);
	if (!buf) {
		error_oom(err);
		goto done;
	}
	omendb__table_def__pack(t, buf);
	Omendb__TableDef *copy = omendb__table_def__unpack(NULL, len, buf);
	free(buf);
	if (!copy) {
		error_oom(err);
		goto done;
	}
	cp->r.t = copy;
	size_t n = copy->n_columns;
	cp->r.names = calloc(n, sizeof *cp->r.names);
	cp->r.types = calloc(n, sizeof *cp->r.types);
	cp->r.typmods = calloc(n, sizeof *cp->r.typmods);
	cp->given = calloc(n, sizeof *cp->given);
	cp->target = calloc(n, sizeof *cp->target);
	cp->cols = calloc(n, sizeof *cp->cols);
	if (!cp->r.names || !cp->r.types || !cp->r.typmods || !cp->given || !cp->target || !cp->cols) {
		error_oom(err);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		cp->r.names[i] = copy->columns[i]->name;
		cp->r.types[i] = column_type(copy->columns[i]);
		cp->r.typmods[i] = column_typmod(copy->columns[i]);
	}
	cp->r.scope.table = copy->name;
	cp->r.scope.ncols = n;
	cp->r.scope.names = cp->r.names;
	cp->r.scope.types = cp->r.types;
	cp->r.scope.typmods = cp->r.typmods;
	size_t nt = c->columns ? c->ncolumns : n;
	if (nt > n) {
		eval_error(err, "42701", -1, "too many columns for COPY");
		goto done;
	}
	for (size_t i = 0; i < nt; i++) {
		int ci = c->columns ? column_index(&cp->r, c->columns[i]) : (int)i;
		if (ci < 0) {
			eval_error(err, "42703", -1, "column \"%s\" of relation \"%s\" does not exist",
				   c->columns[i], copy->name);
			goto done;
		}
		if (cp->given[ci]) {
			eval_error(err, "42701", -1, "column \"%s\" specified more than once",
				   cp->r.names[ci]);
			goto done;
		}
		cp->given[ci] = true;
		cp->target[i] = ci;
		cp->cols[i].name = cp->r.names[ci];
		cp->cols[i].type = cp->r.types[ci];
		cp->cols[i].typmod = cp->r.typmods[ci];
	}
	cp->ncols = nt;
	rc = 0;
done:
	ctx_close(&x);
	if (rc) {
		exec_copy_end(cp);
		return -1;
	}
	*out = cp;
	return 0;
}

size_t exec_copy_ncols(const exec_copy *c)
{
	return c->ncols;
}

const exec_column *exec_copy_columns(const exec_copy *c)
{
	return c->cols;
}

int exec_copy_rows(exec_copy *c, exec_session *s, value *const *rows, size_t n, uint64_t *count,
		   sql_error *err)
{
	stmt_ctx x;
	if (ctx_open(&x, s, err))
		return -1;
	ctx_eval_init(&x, NULL, 0, NULL);
	int rc = 0;
	const Omendb__TableDef *now = find_table(x.cat, c->r.t->name);
	if (!now || now->table_id != c->r.t->table_id) {
		rc = relation_missing(err, c->r.t->name, -1);
		goto done;
	}
	size_t ncols = c->r.t->n_columns;
	value **full = arena_calloc(s->a, n + 1, sizeof *full);
	if (!full) {
		rc = error_oom(err);
		goto done;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		full[i] = arena_calloc(s->a, ncols + 1, sizeof **full);
		if (!full[i]) {
			rc = error_oom(err);
			break;
		}
		for (size_t k = 0; k < c->ncols && rc == 0; k++)
			rc = assign(&x, &c->r, (size_t)c->target[k], &rows[i][k], &full[i][c->target[k]], -1,
				    err);
	}
	write_counts wc = {0};
	if (rc == 0)
		rc = insert_rows(&x, &c->r, full, n, c->given, OMENDB__CONFLICT__CONFLICT_ERROR, &wc, err);
	if (rc == 0)
		*count += wc.inserted;
done:
	ctx_close(&x);
	return rc;
}

void exec_copy_end(exec_copy *c)
{
	if (!c)
		return;
	if (c->r.t)
		omendb__table_def__free_unpacked((Omendb__TableDef *)c->r.t, NULL);
	free(c->r.names);
	free(c->r.types);
	free(c->r.typmods);
	free(c->given);
	free(c->target);
	free(c->cols);
	free(c);
}
