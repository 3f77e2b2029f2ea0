/* The catalog state machine. catalog_apply checks an op against the current
 * catalog without touching it, then deep-copies the catalog and changes the
 * copy. Copies go through the protobuf wire format, so every catalog this
 * module hands out is one protobuf-c unpacked message: each string, array
 * and submessage is its own malloc block and free_unpacked releases it all.
 * Whatever is added to a copy must therefore be malloc'd too (it is: added
 * submessages are themselves such copies, arrays grow with realloc). */
#include "catalog.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hnsw.h"

#define NONE SIZE_MAX /* "not found" from the position lookups */

__attribute__((format(printf, 4, 5))) static int fail(int code, char *err, size_t errlen, const char *fmt,
						      ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A deep copy of m (NULL: an empty message of type desc) as one unpacked
 * message, or NULL when out of memory. */
static void *message_dup(const ProtobufCMessage *m, const ProtobufCMessageDescriptor *desc)
{
	static const uint8_t empty[1];
	if (m == NULL)
		return protobuf_c_message_unpack(desc, NULL, 0, empty);
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return NULL;
	protobuf_c_message_pack(m, buf);
	ProtobufCMessage *copy = protobuf_c_message_unpack(desc, NULL, len, buf);
	free(buf);
	return copy;
}

static bool is_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static bool is_power_of_two(size_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* Position lookups; c may be NULL (the empty catalog). */
static size_t table_by_name(const Omendb__Catalog *c, const char *name)
{
	for (size_t i = 0; c != NULL && i < c->n_tables; i++)
		if (strcmp(c->tables[i]->name, name) == 0)
			return i;
	return NONE;
}

static size_t table_by_id(const Omendb__Catalog *c, uint32_t id)
{
	for (size_t i = 0; c != NULL && i < c->n_tables; i++)
		if (c->tables[i]->table_id == id)
			return i;
	return NONE;
}

static size_t index_by_name(const Omendb__Catalog *c, const char *name)
{
	for (size_t i = 0; c != NULL && i < c->n_indexes; i++)
		if (strcmp(c->indexes[i]->name, name) == 0)
			return i;
	return NONE;
}

static size_t index_by_column(const Omendb__Catalog *c, uint32_t table_id, uint32_t column)
{
	for (size_t i = 0; c != NULL && i < c->n_indexes; i++)
		if (c->indexes[i]->table_id == table_id && c->indexes[i]->column == column)
			return i;
	return NONE;
}

static size_t group_by_id(const Omendb__Catalog *c, uint32_t id)
{
	for (size_t i = 0; c != NULL && i < c->n_groups; i++)
		if (c->groups[i]->group_id == id)
			return i;
	return NONE;
}

/* The index of the first bucket naming an unregistered group, or NONE.
 * Neighbouring buckets usually share a group, so the last hit is cached. */
static size_t unregistered_bucket(const Omendb__Catalog *c, const Omendb__ShardMap *s)
{
	bool have_last = false;
	uint32_t last = 0;
	for (size_t b = 0; b < s->n_bucket_group; b++) {
		if (have_last && s->bucket_group[b] == last)
			continue;
		if (group_by_id(c, s->bucket_group[b]) == NONE)
			return b;
		have_last = true;
		last = s->bucket_group[b];
	}
	return NONE;
}

static int check_name(const char *name, const char *what, char *err, size_t errlen)
{
	if (is_empty(name))
		return fail(OMEN_EINVAL, err, errlen, "%s must not be empty", what);
	if (strlen(name) > CATALOG_MAX_NAME)
		return fail(OMEN_EINVAL, err, errlen, "%s \"%.*s...\" is longer than %d bytes", what,
			    CATALOG_MAX_NAME, name, CATALOG_MAX_NAME);
	return OMEN_OK;
}

static int check_column(const Omendb__TableDef *t, size_t i, char *err, size_t errlen)
{
	const Omendb__Column *col = t->columns[i];
	if (col == NULL)
		return fail(OMEN_EINVAL, err, errlen, "column %zu is missing", i);
	int rc = check_name(col->name, "column name", err, errlen);
	if (rc != OMEN_OK)
		return rc;
	for (size_t k = 0; k < i; k++)
		if (strcmp(t->columns[k]->name, col->name) == 0)
			return fail(OMEN_EINVAL, err, errlen, "column \"%s\" is specified more than once",
				    col->name);
	if ((int)col->type <= OMENDB__COLUMN_TYPE__COLUMN_UNSPECIFIED ||
	    (int)col->type > OMENDB__COLUMN_TYPE__COLUMN_VECTOR)
		return fail(OMEN_EINVAL, err, errlen, "column \"%s\" has no valid type (%d)", col->name,
			    (int)col->type);
	if (col->type == OMENDB__COLUMN_TYPE__COLUMN_VECTOR) {
		if (col->dim < 1 || col->dim > CATALOG_MAX_DIM)
			return fail(OMEN_EINVAL, err, errlen,
				    "vector column \"%s\" needs a dimension of 1 to %d, got %" PRIu32,
				    col->name, CATALOG_MAX_DIM, col->dim);
	} else if (col->dim != 0) {
		return fail(OMEN_EINVAL, err, errlen,
			    "column \"%s\" is not a vector column but has dimension %" PRIu32, col->name,
			    col->dim);
	}
	return OMEN_OK;
}

static int check_create_table(const Omendb__Catalog *cur, const Omendb__TableDef *t, uint32_t next_id,
			      char *err, size_t errlen)
{
	if (t == NULL)
		return fail(OMEN_EINVAL, err, errlen, "create_table has no table definition");
	int rc = check_name(t->name, "table name", err, errlen);
	if (rc != OMEN_OK)
		return rc;
	if (table_by_name(cur, t->name) != NONE)
		return fail(OMEN_EEXIST, err, errlen, "table \"%s\" already exists", t->name);
	if (t->n_columns < 1 || t->n_columns > CATALOG_MAX_COLUMNS)
		return fail(OMEN_EINVAL, err, errlen, "table \"%s\" needs 1 to %d columns, got %zu", t->name,
			    CATALOG_MAX_COLUMNS, t->n_columns);
	for (size_t i = 0; i < t->n_columns; i++) {
		rc = check_column(t, i, err, errlen);
		if (rc != OMEN_OK)
			return rc;
	}
	for (size_t i = 0; i < t->n_primary_key; i++) {
		if (t->primary_key[i] >= t->n_columns)
			return fail(OMEN_EINVAL, err, errlen, "primary key column %" PRIu32 " does not exist",
				    t->primary_key[i]);
		for (size_t k = 0; k < i; k++)
			if (t->primary_key[k] == t->primary_key[i])
				return fail(OMEN_EINVAL, err, errlen,
					    "primary key column %" PRIu32 " repeats", t->primary_key[i]);
	}
	/* next_table_id must stay above every id handed out, so the last
	 * uint32 is never assigned. */
	if (next_id == UINT32_MAX)
		return fail(OMEN_EFULL, err, errlen, "table ids are exhausted");
	return OMEN_OK;
}

static int check_drop_table(const Omendb__Catalog *cur, const char *name, char *err, size_t errlen)
{
	if (is_empty(name))
		return fail(OMEN_EINVAL, err, errlen, "drop_table names no table");
	if (table_by_name(cur, name) == NONE)
		return fail(OMEN_ENOTFOUND, err, errlen, "table \"%s\" does not exist", name);
	return OMEN_OK;
}

/* pgvector's HNSW options (hnswbuild.c: m 2..100 default 16,
 * ef_construction 4..1000 default 64 and >= 2 * m). On success *m and *ef
 * are the values the index will use. */
static int check_create_index(const Omendb__Catalog *cur, const Omendb__IndexDef *x, uint32_t *m,
			      uint32_t *ef, char *err, size_t errlen)
{
	if (x == NULL)
		return fail(OMEN_EINVAL, err, errlen, "create_index has no index definition");
	int rc = check_name(x->name, "index name", err, errlen);
	if (rc != OMEN_OK)
		return rc;
	size_t ti = table_by_id(cur, x->table_id);
	if (ti == NONE)
		return fail(OMEN_ENOTFOUND, err, errlen, "table %" PRIu32 " does not exist", x->table_id);
	const Omendb__TableDef *t = cur->tables[ti];
	if (x->column >= t->n_columns)
		return fail(OMEN_ENOTFOUND, err, errlen,
			    "table \"%s\" has no column %" PRIu32 " (it has %zu)", t->name, x->column,
			    t->n_columns);
	const Omendb__Column *col = t->columns[x->column];
	if (col->type != OMENDB__COLUMN_TYPE__COLUMN_VECTOR)
		return fail(OMEN_EINVAL, err, errlen, "column \"%s\" of table \"%s\" is not a vector column",
			    col->name, t->name);
	if ((int)x->metric < OMENDB__METRIC__METRIC_L2 || (int)x->metric > OMENDB__METRIC__METRIC_L1)
		return fail(OMEN_EINVAL, err, errlen, "unknown metric %d", (int)x->metric);
	*m = x->m != 0 ? x->m : HNSW_DEFAULT_M;
	*ef = x->ef_construction != 0 ? x->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;
	if (*m < HNSW_MIN_M || *m > HNSW_MAX_M)
		return fail(OMEN_EINVAL, err, errlen, "m must be between %d and %d, got %" PRIu32, HNSW_MIN_M,
			    HNSW_MAX_M, *m);
	if (*ef < HNSW_MIN_EF_CONSTRUCTION || *ef > HNSW_MAX_EF_CONSTRUCTION)
		return fail(OMEN_EINVAL, err, errlen,
			    "ef_construction must be between %d and %d, got %" PRIu32,
			    HNSW_MIN_EF_CONSTRUCTION, HNSW_MAX_EF_CONSTRUCTION, *ef);
	if (*ef < 2 * *m)
		return fail(OMEN_EINVAL, err, errlen,
			    "ef_construction must be at least twice m (ef_construction %" PRIu32
			    ", m %" PRIu32 ")",
			    *ef, *m);
	size_t xi = index_by_name(cur, x->name);
	if (xi != NONE)
		return fail(OMEN_EEXIST, err, errlen, "index \"%s\" already exists", x->name);
	xi = index_by_column(cur, x->table_id, x->column);
	if (xi != NONE)
		return fail(OMEN_EEXIST, err, errlen,
			    "column \"%s\" of table \"%s\" already has index \"%s\"", col->name, t->name,
			    cur->indexes[xi]->name);
	return OMEN_OK;
}

static int check_drop_index(const Omendb__Catalog *cur, const Omendb__DropIndex *d, char *err, size_t errlen)
{
	if (d == NULL)
		return fail(OMEN_EINVAL, err, errlen, "drop_index names no index");
	if (index_by_column(cur, d->table_id, d->column) == NONE)
		return fail(OMEN_ENOTFOUND, err, errlen, "no index on column %" PRIu32 " of table %" PRIu32,
			    d->column, d->table_id);
	return OMEN_OK;
}

#define CATALOG_MAX_ALLOCATE 1000000u

static int check_allocate_ids(const Omendb__Catalog *cur, const Omendb__AllocateIds *a, char *err,
			      size_t errlen)
{
	if (a == NULL || a->count < 1 || a->count > CATALOG_MAX_ALLOCATE)
		return fail(OMEN_EINVAL, err, errlen, "allocate_ids needs a count of 1 to %u",
			    CATALOG_MAX_ALLOCATE);
	size_t ti = table_by_id(cur, a->table_id);
	if (ti == NONE)
		return fail(OMEN_ENOTFOUND, err, errlen, "table %" PRIu32 " does not exist", a->table_id);
	uint64_t next = cur->tables[ti]->next_id ? cur->tables[ti]->next_id : 1;
	/* Ids are SQL bigint values: stay within INT64_MAX. */
	if (next > (uint64_t)INT64_MAX - a->count)
		return fail(OMEN_EFULL, err, errlen, "table \"%s\" has no ids left", cur->tables[ti]->name);
	return OMEN_OK;
}

static int check_register_group(const Omendb__GroupInfo *g, char *err, size_t errlen)
{
	if (g == NULL)
		return fail(OMEN_EINVAL, err, errlen, "register_group has no group");
	if (g->n_replicas < 1 || g->n_replicas > CATALOG_MAX_REPLICAS)
		return fail(OMEN_EINVAL, err, errlen, "group %" PRIu32 " needs 1 to %d replicas, got %zu",
			    g->group_id, CATALOG_MAX_REPLICAS, g->n_replicas);
	for (size_t i = 0; i < g->n_replicas; i++) {
		const Omendb__Member *r = g->replicas[i];
		if (r == NULL)
			return fail(OMEN_EINVAL, err, errlen, "group %" PRIu32 ": replica %zu is missing",
				    g->group_id, i);
		if (r->id < 1)
			return fail(OMEN_EINVAL, err, errlen,
				    "group %" PRIu32 ": replica %zu has id 0; ids start at 1", g->group_id,
				    i);
		for (size_t k = 0; k < i; k++)
			if (g->replicas[k]->id == r->id)
				return fail(OMEN_EINVAL, err, errlen,
					    "group %" PRIu32 ": replica id %" PRIu64 " appears twice",
					    g->group_id, r->id);
		if (is_empty(r->raft_address) || is_empty(r->rpc_address))
			return fail(OMEN_EINVAL, err, errlen,
				    "group %" PRIu32 ": replica %" PRIu64 " needs a raft and an rpc address",
				    g->group_id, r->id);
	}
	return OMEN_OK;
}

static int check_shard_map(const Omendb__Catalog *cur, const Omendb__ShardMap *s, char *err, size_t errlen)
{
	if (s == NULL)
		return fail(OMEN_EINVAL, err, errlen, "set_shard_map has no map");
	if (!is_power_of_two(s->n_bucket_group) || s->n_bucket_group > CATALOG_MAX_BUCKETS)
		return fail(OMEN_EINVAL, err, errlen,
			    "a shard map needs a power-of-two length up to %d, got %zu", CATALOG_MAX_BUCKETS,
			    s->n_bucket_group);
	size_t b = unregistered_bucket(cur, s);
	if (b != NONE)
		return fail(OMEN_ENOTFOUND, err, errlen,
			    "bucket %zu maps to group %" PRIu32 ", which is not registered", b,
			    s->bucket_group[b]);
	return OMEN_OK;
}

/* The changes, on c (a private copy), once the op has been checked. Each
 * leaves c freeable when it fails, which it does only for OMEN_ENOMEM. */
static int add_table(Omendb__Catalog *c, const Omendb__TableDef *def, uint32_t *table_id)
{
	Omendb__TableDef *t = message_dup(&def->base, &omendb__table_def__descriptor);
	if (t == NULL)
		return OMEN_ENOMEM;
	Omendb__TableDef **tables = realloc(c->tables, (c->n_tables + 1) * sizeof *tables);
	if (tables == NULL) {
		omendb__table_def__free_unpacked(t, NULL);
		return OMEN_ENOMEM;
	}
	c->tables = tables;
	t->table_id = c->next_table_id++;
	t->catalog_version = c->version;
	tables[c->n_tables++] = t;
	*table_id = t->table_id;
	return OMEN_OK;
}

static void drop_table(Omendb__Catalog *c, const char *name)
{
	size_t ti = table_by_name(c, name);
	uint32_t id = c->tables[ti]->table_id;
	omendb__table_def__free_unpacked(c->tables[ti], NULL);
	memmove(&c->tables[ti], &c->tables[ti + 1], (c->n_tables - ti - 1) * sizeof *c->tables);
	c->n_tables--;
	size_t kept = 0;
	for (size_t i = 0; i < c->n_indexes; i++) {
		if (c->indexes[i]->table_id == id)
			omendb__index_def__free_unpacked(c->indexes[i], NULL);
		else
			c->indexes[kept++] = c->indexes[i];
	}
	c->n_indexes = kept;
}

static int add_index(Omendb__Catalog *c, const Omendb__IndexDef *def, uint32_t m, uint32_t ef)
{
	Omendb__IndexDef *x = message_dup(&def->base, &omendb__index_def__descriptor);
	if (x == NULL)
		return OMEN_ENOMEM;
	Omendb__IndexDef **indexes = realloc(c->indexes, (c->n_indexes + 1) * sizeof *indexes);
	if (indexes == NULL) {
		omendb__index_def__free_unpacked(x, NULL);
		return OMEN_ENOMEM;
	}
	c->indexes = indexes;
	x->m = m;
	x->ef_construction = ef;
	x->catalog_version = c->version;
	indexes[c->n_indexes++] = x;
	return OMEN_OK;
}

static void drop_index(Omendb__Catalog *c, const Omendb__DropIndex *d)
{
	size_t xi = index_by_column(c, d->table_id, d->column);
	omendb__index_def__free_unpacked(c->indexes[xi], NULL);
	memmove(&c->indexes[xi], &c->indexes[xi + 1], (c->n_indexes - xi - 1) * sizeof *c->indexes);
	c->n_indexes--;
}

static int put_group(Omendb__Catalog *c, const Omendb__GroupInfo *def)
{
	Omendb__GroupInfo *g = message_dup(&def->base, &omendb__group_info__descriptor);
	if (g == NULL)
		return OMEN_ENOMEM;
	size_t gi = group_by_id(c, g->group_id);
	if (gi != NONE) {
		omendb__group_info__free_unpacked(c->groups[gi], NULL);
		c->groups[gi] = g;
		return OMEN_OK;
	}
	Omendb__GroupInfo **groups = realloc(c->groups, (c->n_groups + 1) * sizeof *groups);
	if (groups == NULL) {
		omendb__group_info__free_unpacked(g, NULL);
		return OMEN_ENOMEM;
	}
	c->groups = groups;
	groups[c->n_groups++] = g;
	return OMEN_OK;
}

static int set_shard_map(Omendb__Catalog *c, const Omendb__ShardMap *def)
{
	Omendb__ShardMap *s = message_dup(&def->base, &omendb__shard_map__descriptor);
	if (s == NULL)
		return OMEN_ENOMEM;
	if (c->shard_map != NULL)
		omendb__shard_map__free_unpacked(c->shard_map, NULL);
	c->shard_map = s;
	return OMEN_OK;
}

bool catalog_is_stale(const Omendb__Catalog *cur, const Omendb__CatalogOp *op)
{
	return op->expected_version != 0 && op->expected_version != (cur != NULL ? cur->version : 0);
}

int catalog_apply(const Omendb__Catalog *cur, const Omendb__CatalogOp *op, Omendb__Catalog **next,
		  Omendb__WriteResult *result, char *err, size_t errlen)
{
	*next = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (op == NULL)
		return fail(OMEN_EINVAL, err, errlen, "no catalog op");
	uint64_t version = cur != NULL ? cur->version : 0;
	if (catalog_is_stale(cur, op))
		return fail(OMEN_EINVAL, err, errlen,
			    "stale catalog: expected version %" PRIu64 ", current %" PRIu64,
			    op->expected_version, version);
	/* A catalog that never created a table may carry next_table_id 0. */
	uint32_t next_id = cur != NULL && cur->next_table_id != 0 ? cur->next_table_id : 1;
	uint32_t m = 0, ef = 0;
	int rc;
	switch (op->op_case) {
	case OMENDB__CATALOG_OP__OP_CREATE_TABLE:
		rc = check_create_table(cur, op->create_table, next_id, err, errlen);
		break;
	case OMENDB__CATALOG_OP__OP_DROP_TABLE:
		rc = check_drop_table(cur, op->drop_table, err, errlen);
		break;
	case OMENDB__CATALOG_OP__OP_CREATE_INDEX:
		rc = check_create_index(cur, op->create_index, &m, &ef, err, errlen);
		break;
	case OMENDB__CATALOG_OP__OP_DROP_INDEX:
		rc = check_drop_index(cur, op->drop_index, err, errlen);
		break;
	case OMENDB__CATALOG_OP__OP_REGISTER_GROUP:
		rc = check_register_group(op->register_group, err, errlen);
		break;
	case OMENDB__CATALOG_OP__OP_SET_SHARD_MAP:
		rc = check_shard_map(cur, op->set_shard_map, err, errlen);
		break;
	case OMENDB__CATALOG_OP__OP_ALLOCATE_IDS:
		rc = check_allocate_ids(cur, op->allocate_ids, err, errlen);
		break;
	default:
		rc = fail(OMEN_EINVAL, err, errlen, "catalog op has no operation");
		break;
	}
	if (rc != OMEN_OK)
		return rc;

	Omendb__Catalog *c = message_dup(cur != NULL ? &cur->base : NULL, &omendb__catalog__descriptor);
	if (c == NULL)
		return fail(OMEN_ENOMEM, err, errlen, "out of memory copying the catalog");
	c->version = version + 1;
	c->next_table_id = next_id;
	uint32_t table_id = 0;
	uint64_t first_id = 0;
	switch (op->op_case) {
	case OMENDB__CATALOG_OP__OP_CREATE_TABLE:
		rc = add_table(c, op->create_table, &table_id);
		break;
	case OMENDB__CATALOG_OP__OP_DROP_TABLE:
		drop_table(c, op->drop_table);
		break;
	case OMENDB__CATALOG_OP__OP_CREATE_INDEX:
		rc = add_index(c, op->create_index, m, ef);
		break;
	case OMENDB__CATALOG_OP__OP_DROP_INDEX:
		drop_index(c, op->drop_index);
		break;
	case OMENDB__CATALOG_OP__OP_REGISTER_GROUP:
		rc = put_group(c, op->register_group);
		break;
	case OMENDB__CATALOG_OP__OP_ALLOCATE_IDS: {
		Omendb__TableDef *t = c->tables[table_by_id(c, op->allocate_ids->table_id)];
		first_id = t->next_id ? t->next_id : 1;
		t->next_id = first_id + op->allocate_ids->count;
		break;
	}
	default: /* OMENDB__CATALOG_OP__OP_SET_SHARD_MAP, the only one left */
		rc = set_shard_map(c, op->set_shard_map);
		break;
	}
	if (rc != OMEN_OK) {
		catalog_free(c);
		return fail(rc, err, errlen, "out of memory applying the catalog op");
	}
	if (result != NULL) {
		result->catalog_version = c->version;
		if (op->op_case == OMENDB__CATALOG_OP__OP_CREATE_TABLE)
			result->table_id = table_id;
		result->first_id = first_id;
	}
	*next = c;
	return OMEN_OK;
}

void catalog_free(Omendb__Catalog *c)
{
	if (c != NULL)
		omendb__catalog__free_unpacked(c, NULL);
}

int catalog_encode(const Omendb__Catalog *c, uint8_t **buf, size_t *len)
{
	Omendb__Catalog empty = OMENDB__CATALOG__INIT;
	if (c == NULL)
		c = &empty;
	size_t n = omendb__catalog__get_packed_size(c);
	uint8_t *b = malloc(n > 0 ? n : 1);
	if (b == NULL)
		return OMEN_ENOMEM;
	*len = omendb__catalog__pack(c, b);
	*buf = b;
	return OMEN_OK;
}

static bool tables_consistent(const Omendb__Catalog *c)
{
	for (size_t i = 0; i < c->n_tables; i++) {
		const Omendb__TableDef *t = c->tables[i];
		if (t->table_id == 0 || t->table_id >= c->next_table_id || is_empty(t->name))
			return false;
		if (t->n_columns < 1 || t->n_columns > CATALOG_MAX_COLUMNS)
			return false;
		for (size_t k = 0; k < i; k++)
			if (c->tables[k]->table_id == t->table_id || strcmp(c->tables[k]->name, t->name) == 0)
				return false;
	}
	return true;
}

static bool indexes_consistent(const Omendb__Catalog *c)
{
	for (size_t i = 0; i < c->n_indexes; i++) {
		const Omendb__IndexDef *x = c->indexes[i];
		size_t ti = table_by_id(c, x->table_id);
		if (ti == NONE || x->column >= c->tables[ti]->n_columns)
			return false;
		if (c->tables[ti]->columns[x->column]->type != OMENDB__COLUMN_TYPE__COLUMN_VECTOR)
			return false;
	}
	return true;
}

static bool groups_consistent(const Omendb__Catalog *c)
{
	for (size_t i = 0; i < c->n_groups; i++)
		for (size_t k = 0; k < i; k++)
			if (c->groups[k]->group_id == c->groups[i]->group_id)
				return false;
	const Omendb__ShardMap *s = c->shard_map;
	if (s == NULL)
		return true;
	return is_power_of_two(s->n_bucket_group) && s->n_bucket_group <= CATALOG_MAX_BUCKETS &&
	       unregistered_bucket(c, s) == NONE;
}

int catalog_decode(const uint8_t *buf, size_t len, Omendb__Catalog **out)
{
	static const uint8_t empty[1];
	Omendb__Catalog *c = omendb__catalog__unpack(NULL, len, len > 0 ? buf : empty);
	if (c == NULL)
		return OMEN_EFORMAT;
	if (!tables_consistent(c) || !indexes_consistent(c) || !groups_consistent(c)) {
		catalog_free(c);
		return OMEN_EFORMAT;
	}
	*out = c;
	return OMEN_OK;
}
