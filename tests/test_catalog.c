/* The catalog state machine: each op's effect and each of its errors,
 * expected_version checks, that apply never changes its input, and the
 * encode/decode round trip with rejection of bad bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "error.h"
#include "test.h"

static Omendb__Catalog *cat; /* the current catalog; ops that succeed replace it */
static Omendb__WriteResult res;
static uint64_t expected_version; /* put into every op built below */
static char err[256];

static void begin(void)
{
	catalog_free(cat);
	cat = NULL;
	expected_version = 0;
}

/* Applies op to cat and, on success, makes the result current. */
static int apply(const Omendb__CatalogOp *op)
{
	static Omendb__Catalog sentinel;
	Omendb__Catalog *next = &sentinel;
	omendb__write_result__init(&res);
	err[0] = '\0';
	int rc = catalog_apply(cat, op, &next, &res, err, sizeof err);
	if (rc == OMEN_OK) {
		CHECK(next != NULL && next != &sentinel);
		catalog_free(cat);
		cat = next;
	} else {
		CHECK(next == NULL);
		CHECK(err[0] != '\0');
		CHECK_EQ_INT(res.catalog_version, 0);
	}
	return rc;
}

static void check_err(const char *needle)
{
	if (strstr(err, needle) == NULL)
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", err, needle);
	CHECK(strstr(err, needle) != NULL);
}

static Omendb__CatalogOp new_op(Omendb__CatalogOp__OpCase which)
{
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.expected_version = expected_version;
	op.op_case = which;
	return op;
}

static Omendb__Column column(const char *name, Omendb__ColumnType type, uint32_t dim)
{
	Omendb__Column c = OMENDB__COLUMN__INIT;
	c.name = (char *)name;
	c.type = type;
	c.dim = dim;
	return c;
}

static int create_table(const char *name, size_t n, Omendb__Column *cols)
{
	Omendb__Column **ptrs = malloc((n > 0 ? n : 1) * sizeof *ptrs);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &cols[i];
	Omendb__TableDef t = OMENDB__TABLE_DEF__INIT;
	t.name = (char *)name;
	t.n_columns = n;
	t.columns = ptrs;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_CREATE_TABLE);
	op.create_table = &t;
	int rc = apply(&op);
	free(ptrs);
	return rc;
}

/* id bigint, emb vector(3), body text, emb2 vector(8) */
static int create_items(const char *name)
{
	Omendb__Column cols[] = {
	    column("id", OMENDB__COLUMN_TYPE__COLUMN_BIGINT, 0),
	    column("emb", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, 3),
	    column("body", OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0),
	    column("emb2", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, 8),
	};
	return create_table(name, 4, cols);
}

/* A table with one column of the given type and dimension. */
static int create_one_column(const char *name, int type, uint32_t dim)
{
	Omendb__Column c = column("c", (Omendb__ColumnType)type, dim);
	return create_table(name, 1, &c);
}

static int drop_table(const char *name)
{
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_DROP_TABLE);
	op.drop_table = (char *)name;
	return apply(&op);
}

static int create_index(uint32_t table_id, uint32_t column_pos, const char *name, int metric, uint32_t m,
			uint32_t ef)
{
	Omendb__IndexDef x = OMENDB__INDEX_DEF__INIT;
	x.table_id = table_id;
	x.column = column_pos;
	x.name = (char *)name;
	x.metric = (Omendb__Metric)metric;
	x.m = m;
	x.ef_construction = ef;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_CREATE_INDEX);
	op.create_index = &x;
	return apply(&op);
}

static int drop_index(uint32_t table_id, uint32_t column_pos)
{
	Omendb__DropIndex d = OMENDB__DROP_INDEX__INIT;
	d.table_id = table_id;
	d.column = column_pos;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_DROP_INDEX);
	op.drop_index = &d;
	return apply(&op);
}

static Omendb__Member member(uint64_t id, const char *raft, const char *rpc)
{
	Omendb__Member r = OMENDB__MEMBER__INIT;
	r.id = id;
	r.raft_address = (char *)raft;
	r.rpc_address = (char *)rpc;
	return r;
}

static int register_members(uint32_t group_id, size_t n, Omendb__Member *members)
{
	Omendb__Member *ptrs[16];
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &members[i];
	Omendb__GroupInfo g = OMENDB__GROUP_INFO__INIT;
	g.group_id = group_id;
	g.n_replicas = n;
	g.replicas = ptrs;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_REGISTER_GROUP);
	op.register_group = &g;
	return apply(&op);
}

/* A group of n replicas with ids first..first+n-1 and made-up addresses. */
static int register_group(uint32_t group_id, size_t n, uint64_t first)
{
	Omendb__Member members[16];
	for (size_t i = 0; i < n; i++)
		members[i] = member(first + i, "10.0.0.1:7000", "10.0.0.1:7100");
	return register_members(group_id, n, members);
}

static int set_shard_map(size_t n, uint32_t *groups)
{
	Omendb__ShardMap s = OMENDB__SHARD_MAP__INIT;
	s.n_bucket_group = n;
	s.bucket_group = groups;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_SET_SHARD_MAP);
	op.set_shard_map = &s;
	return apply(&op);
}

/* A map of n buckets spread over groups 1 and 2 (which must be registered). */
static int set_spread_map(size_t n)
{
	uint32_t *groups = malloc(n * sizeof *groups);
	for (size_t i = 0; i < n; i++)
		groups[i] = 1 + (uint32_t)(i % 2);
	int rc = set_shard_map(n, groups);
	free(groups);
	return rc;
}

/* A catalog with every kind of entry: two tables, three indexes (one
 * dropped), two groups and a map, at version 9. */
static void build_full(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_items("docs"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "items_emb", OMENDB__METRIC__METRIC_COSINE, 8, 32), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 3, "items_emb2", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(create_index(2, 1, "docs_emb", OMENDB__METRIC__METRIC_IP, 0, 0), OMEN_OK);
	CHECK_EQ_INT(drop_index(1, 3), OMEN_OK);
	CHECK_EQ_INT(register_group(1, 3, 1), OMEN_OK);
	CHECK_EQ_INT(register_group(2, 3, 4), OMEN_OK);
	CHECK_EQ_INT(set_spread_map(16), OMEN_OK);
	CHECK_EQ_INT(cat->version, 9);
}

static void encode(const Omendb__Catalog *c, uint8_t **buf, size_t *len)
{
	CHECK_EQ_INT(catalog_encode(c, buf, len), OMEN_OK);
}

static void test_create_table_assigns_id_and_version(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(res.table_id, 1);
	CHECK_EQ_INT(res.catalog_version, 1);
	CHECK_EQ_INT(cat->version, 1);
	CHECK_EQ_INT(cat->next_table_id, 2);
	CHECK_EQ_INT(cat->n_tables, 1);
	const Omendb__TableDef *t = cat->tables[0];
	CHECK_EQ_INT(t->table_id, 1);
	CHECK_EQ_INT(t->catalog_version, 1);
	CHECK(strcmp(t->name, "items") == 0);
	CHECK_EQ_INT(t->n_columns, 4);
	CHECK(strcmp(t->columns[3]->name, "emb2") == 0);
	CHECK_EQ_INT(t->columns[3]->type, OMENDB__COLUMN_TYPE__COLUMN_VECTOR);
	CHECK_EQ_INT(t->columns[3]->dim, 8);
	CHECK_EQ_INT(create_items("docs"), OMEN_OK);
	CHECK_EQ_INT(res.table_id, 2);
	CHECK_EQ_INT(res.catalog_version, 2);
	CHECK_EQ_INT(cat->tables[1]->catalog_version, 2);
	begin();
}

static void test_create_table_ignores_given_id_and_version(void)
{
	begin();
	Omendb__Column c = column("c", OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0);
	Omendb__Column *ptrs[] = {&c};
	Omendb__TableDef t = OMENDB__TABLE_DEF__INIT;
	t.name = (char *)"t";
	t.n_columns = 1;
	t.columns = ptrs;
	t.table_id = 77;
	t.catalog_version = 99;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_CREATE_TABLE);
	op.create_table = &t;
	CHECK_EQ_INT(apply(&op), OMEN_OK);
	CHECK_EQ_INT(cat->tables[0]->table_id, 1);
	CHECK_EQ_INT(cat->tables[0]->catalog_version, 1);
	begin();
}

static void test_table_ids_are_never_reused(void)
{
	begin();
	CHECK_EQ_INT(create_items("a"), OMEN_OK);
	CHECK_EQ_INT(drop_table("a"), OMEN_OK);
	CHECK_EQ_INT(create_items("a"), OMEN_OK);
	CHECK_EQ_INT(res.table_id, 2);
	begin();
}

static void test_create_table_rejects_taken_name(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_items("items"), OMEN_EEXIST);
	check_err("table \"items\" already exists");
	CHECK_EQ_INT(cat->version, 1);
	begin();
}

static void test_create_table_checks_name_length(void)
{
	char name[65];
	memset(name, 'n', 64);
	name[64] = '\0';
	begin();
	CHECK_EQ_INT(create_items(""), OMEN_EINVAL);
	check_err("table name must not be empty");
	CHECK_EQ_INT(create_items(name), OMEN_EINVAL);
	check_err("longer than 63 bytes");
	name[63] = '\0';
	CHECK_EQ_INT(create_items(name), OMEN_OK);
	begin();
}

static void test_create_table_checks_column_count(void)
{
	enum { N = CATALOG_MAX_COLUMNS + 1 };
	Omendb__Column *cols = malloc(N * sizeof *cols);
	char(*names)[8] = malloc(N * sizeof *names);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "c%d", i);
		cols[i] = column(names[i], OMENDB__COLUMN_TYPE__COLUMN_INTEGER, 0);
	}
	begin();
	CHECK_EQ_INT(create_table("none", 0, cols), OMEN_EINVAL);
	check_err("needs 1 to 1600 columns, got 0");
	CHECK_EQ_INT(create_table("wide", N, cols), OMEN_EINVAL);
	check_err("got 1601");
	CHECK_EQ_INT(create_table("widest", N - 1, cols), OMEN_OK);
	CHECK_EQ_INT(cat->tables[0]->n_columns, CATALOG_MAX_COLUMNS);
	free(cols);
	free(names);
	begin();
}

static void test_create_table_rejects_bad_columns(void)
{
	char long_name[65];
	memset(long_name, 'c', 64);
	long_name[64] = '\0';
	Omendb__Column dup[] = {column("a", OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0),
				column("a", OMENDB__COLUMN_TYPE__COLUMN_BIGINT, 0)};
	begin();
	CHECK_EQ_INT(create_table("t", 2, dup), OMEN_EINVAL);
	check_err("column \"a\" is specified more than once");
	Omendb__Column unnamed = column("", OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0);
	CHECK_EQ_INT(create_table("t", 1, &unnamed), OMEN_EINVAL);
	check_err("column name must not be empty");
	Omendb__Column wordy = column(long_name, OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0);
	CHECK_EQ_INT(create_table("t", 1, &wordy), OMEN_EINVAL);
	check_err("column name");
	CHECK_EQ_INT(create_one_column("t", OMENDB__COLUMN_TYPE__COLUMN_UNSPECIFIED, 0), OMEN_EINVAL);
	check_err("has no valid type (0)");
	CHECK_EQ_INT(create_one_column("t", OMENDB__COLUMN_TYPE__COLUMN_VECTOR + 1, 0), OMEN_EINVAL);
	check_err("has no valid type (10)");
	CHECK(cat == NULL);
	begin();
}

static void test_create_table_checks_vector_dimensions(void)
{
	begin();
	CHECK_EQ_INT(create_one_column("t", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, 0), OMEN_EINVAL);
	check_err("needs a dimension of 1 to 16000, got 0");
	CHECK_EQ_INT(create_one_column("t", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, CATALOG_MAX_DIM + 1),
		     OMEN_EINVAL);
	CHECK_EQ_INT(create_one_column("t", OMENDB__COLUMN_TYPE__COLUMN_BIGINT, 3), OMEN_EINVAL);
	check_err("is not a vector column but has dimension 3");
	CHECK_EQ_INT(create_one_column("t", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, CATALOG_MAX_DIM), OMEN_OK);
	CHECK_EQ_INT(create_one_column("u", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, 1), OMEN_OK);
	begin();
}

static void test_drop_table_removes_its_indexes(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_items("docs"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "items_emb", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(create_index(2, 1, "docs_emb", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 3, "items_emb2", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(drop_table("items"), OMEN_OK);
	CHECK_EQ_INT(res.catalog_version, 6);
	CHECK_EQ_INT(cat->n_tables, 1);
	CHECK(strcmp(cat->tables[0]->name, "docs") == 0);
	CHECK_EQ_INT(cat->n_indexes, 1);
	CHECK(strcmp(cat->indexes[0]->name, "docs_emb") == 0);
	/* The name is free again, and so is the index name. */
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(res.table_id, 1, "items_emb", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	begin();
}

static void test_drop_table_of_unknown_name_is_not_found(void)
{
	begin();
	CHECK_EQ_INT(drop_table("nope"), OMEN_ENOTFOUND);
	check_err("table \"nope\" does not exist");
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(drop_table("Items"), OMEN_ENOTFOUND);
	CHECK_EQ_INT(drop_table(""), OMEN_EINVAL);
	begin();
}

static void test_create_index_resolves_defaults(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "items_emb", OMENDB__METRIC__METRIC_COSINE, 0, 0), OMEN_OK);
	CHECK_EQ_INT(res.catalog_version, 2);
	CHECK_EQ_INT(cat->n_indexes, 1);
	const Omendb__IndexDef *x = cat->indexes[0];
	CHECK_EQ_INT(x->table_id, 1);
	CHECK_EQ_INT(x->column, 1);
	CHECK(strcmp(x->name, "items_emb") == 0);
	CHECK_EQ_INT(x->metric, OMENDB__METRIC__METRIC_COSINE);
	CHECK_EQ_INT(x->m, 16);
	CHECK_EQ_INT(x->ef_construction, 64);
	CHECK_EQ_INT(x->catalog_version, 2);
	begin();
}

static void test_create_index_keeps_given_parameters(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "a", OMENDB__METRIC__METRIC_L1, 2, 4), OMEN_OK);
	CHECK_EQ_INT(cat->indexes[0]->m, 2);
	CHECK_EQ_INT(cat->indexes[0]->ef_construction, 4);
	CHECK_EQ_INT(create_index(1, 3, "b", OMENDB__METRIC__METRIC_IP, 100, 1000), OMEN_OK);
	CHECK_EQ_INT(cat->indexes[1]->m, 100);
	CHECK_EQ_INT(cat->indexes[1]->ef_construction, 1000);
	begin();
}

static void test_create_index_needs_existing_table_and_column(void)
{
	begin();
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_ENOTFOUND);
	check_err("table 1 does not exist");
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 4, "x", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_ENOTFOUND);
	check_err("table \"items\" has no column 4");
	begin();
}

static void test_create_index_needs_vector_column(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 0, "x", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_EINVAL);
	check_err("column \"id\" of table \"items\" is not a vector column");
	begin();
}

static void test_create_index_rejects_bad_parameters(void)
{
	char long_name[65];
	memset(long_name, 'x', 64);
	long_name[64] = '\0';
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L1 + 1, 0, 0), OMEN_EINVAL);
	check_err("unknown metric 4");
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L2, 1, 0), OMEN_EINVAL);
	check_err("m must be between 2 and 100, got 1");
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L2, 101, 1000), OMEN_EINVAL);
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L2, 2, 3), OMEN_EINVAL);
	check_err("ef_construction must be between 4 and 1000, got 3");
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L2, 0, 1001), OMEN_EINVAL);
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L2, 40, 64), OMEN_EINVAL);
	check_err("at least twice m");
	/* The default ef_construction (64) is too small for m 50, as in pgvector. */
	CHECK_EQ_INT(create_index(1, 1, "x", OMENDB__METRIC__METRIC_L2, 50, 0), OMEN_EINVAL);
	CHECK_EQ_INT(create_index(1, 1, "", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_EINVAL);
	check_err("index name must not be empty");
	CHECK_EQ_INT(create_index(1, 1, long_name, OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_EINVAL);
	check_err("longer than 63 bytes");
	CHECK_EQ_INT(cat->n_indexes, 0);
	CHECK_EQ_INT(cat->version, 1);
	begin();
}

static void test_create_index_rejects_taken_name(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "idx", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 3, "idx", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_EEXIST);
	check_err("index \"idx\" already exists");
	begin();
}

static void test_create_index_allows_one_per_column(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "a", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "b", OMENDB__METRIC__METRIC_COSINE, 0, 0), OMEN_EEXIST);
	check_err("column \"emb\" of table \"items\" already has index \"a\"");
	begin();
}

static void test_drop_index_removes_it(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "a", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 3, "b", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(drop_index(1, 1), OMEN_OK);
	CHECK_EQ_INT(res.catalog_version, 4);
	CHECK_EQ_INT(cat->n_indexes, 1);
	CHECK(strcmp(cat->indexes[0]->name, "b") == 0);
	CHECK_EQ_INT(cat->n_tables, 1);
	begin();
}

static void test_drop_index_of_unindexed_column_is_not_found(void)
{
	begin();
	CHECK_EQ_INT(drop_index(1, 1), OMEN_ENOTFOUND);
	check_err("no index on column 1 of table 1");
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(create_index(1, 1, "a", OMENDB__METRIC__METRIC_L2, 0, 0), OMEN_OK);
	CHECK_EQ_INT(drop_index(1, 3), OMEN_ENOTFOUND);
	CHECK_EQ_INT(drop_index(2, 1), OMEN_ENOTFOUND);
	begin();
}

static void test_register_group_records_replicas(void)
{
	Omendb__Member ms[] = {member(1, "a:1", "a:2"), member(2, "b:1", "b:2"), member(3, "c:1", "c:2")};
	begin();
	CHECK_EQ_INT(register_members(1, 3, ms), OMEN_OK);
	CHECK_EQ_INT(res.catalog_version, 1);
	CHECK_EQ_INT(cat->n_groups, 1);
	const Omendb__GroupInfo *g = cat->groups[0];
	CHECK_EQ_INT(g->group_id, 1);
	CHECK_EQ_INT(g->n_replicas, 3);
	CHECK_EQ_INT(g->replicas[2]->id, 3);
	CHECK(strcmp(g->replicas[2]->raft_address, "c:1") == 0);
	CHECK(strcmp(g->replicas[2]->rpc_address, "c:2") == 0);
	begin();
}

static void test_register_group_replaces_earlier_entry(void)
{
	begin();
	CHECK_EQ_INT(register_group(1, 3, 1), OMEN_OK);
	CHECK_EQ_INT(register_group(2, 3, 4), OMEN_OK);
	CHECK_EQ_INT(register_group(1, 1, 7), OMEN_OK);
	CHECK_EQ_INT(cat->version, 3);
	CHECK_EQ_INT(cat->n_groups, 2);
	CHECK_EQ_INT(cat->groups[0]->group_id, 1);
	CHECK_EQ_INT(cat->groups[0]->n_replicas, 1);
	CHECK_EQ_INT(cat->groups[0]->replicas[0]->id, 7);
	begin();
}

static void test_register_group_accepts_group_zero(void)
{
	begin();
	CHECK_EQ_INT(register_group(0, 3, 1), OMEN_OK);
	CHECK_EQ_INT(cat->groups[0]->group_id, 0);
	begin();
}

static void test_register_group_rejects_bad_replicas(void)
{
	begin();
	CHECK_EQ_INT(register_group(1, 0, 1), OMEN_EINVAL);
	check_err("needs 1 to 7 replicas, got 0");
	CHECK_EQ_INT(register_group(1, CATALOG_MAX_REPLICAS + 1, 1), OMEN_EINVAL);
	check_err("got 8");
	CHECK_EQ_INT(register_group(1, 2, 0), OMEN_EINVAL);
	check_err("has id 0");
	Omendb__Member twice[] = {member(5, "a:1", "a:2"), member(5, "b:1", "b:2")};
	CHECK_EQ_INT(register_members(1, 2, twice), OMEN_EINVAL);
	check_err("replica id 5 appears twice");
	Omendb__Member no_raft[] = {member(1, "", "a:2")};
	CHECK_EQ_INT(register_members(1, 1, no_raft), OMEN_EINVAL);
	check_err("needs a raft and an rpc address");
	Omendb__Member no_rpc[] = {member(1, "a:1", "")};
	CHECK_EQ_INT(register_members(1, 1, no_rpc), OMEN_EINVAL);
	CHECK_EQ_INT(register_group(1, CATALOG_MAX_REPLICAS, 1), OMEN_OK);
	begin();
}

static void test_set_shard_map_installs_map(void)
{
	uint32_t four[] = {1, 2, 1, 2}, one[] = {2};
	begin();
	CHECK_EQ_INT(register_group(1, 1, 1), OMEN_OK);
	CHECK_EQ_INT(register_group(2, 1, 2), OMEN_OK);
	CHECK_EQ_INT(set_shard_map(4, four), OMEN_OK);
	CHECK_EQ_INT(res.catalog_version, 3);
	CHECK(cat->shard_map != NULL);
	CHECK_EQ_INT(cat->shard_map->n_bucket_group, 4);
	CHECK_EQ_INT(cat->shard_map->bucket_group[1], 2);
	CHECK_EQ_INT(set_shard_map(1, one), OMEN_OK);
	CHECK_EQ_INT(cat->shard_map->n_bucket_group, 1);
	CHECK_EQ_INT(cat->shard_map->bucket_group[0], 2);
	begin();
}

static void test_set_shard_map_needs_power_of_two_length(void)
{
	begin();
	CHECK_EQ_INT(register_group(1, 1, 1), OMEN_OK);
	CHECK_EQ_INT(register_group(2, 1, 2), OMEN_OK);
	CHECK_EQ_INT(set_shard_map(0, NULL), OMEN_EINVAL);
	check_err("power-of-two length up to 65536, got 0");
	CHECK_EQ_INT(set_spread_map(3), OMEN_EINVAL);
	CHECK_EQ_INT(set_spread_map(2 * CATALOG_MAX_BUCKETS), OMEN_EINVAL);
	CHECK_EQ_INT(set_spread_map(CATALOG_MAX_BUCKETS), OMEN_OK);
	begin();
}

static void test_set_shard_map_needs_registered_groups(void)
{
	uint32_t groups[] = {1, 1, 9, 1};
	begin();
	CHECK_EQ_INT(set_shard_map(4, groups), OMEN_ENOTFOUND);
	check_err("bucket 0 maps to group 1, which is not registered");
	CHECK_EQ_INT(register_group(1, 1, 1), OMEN_OK);
	CHECK_EQ_INT(set_shard_map(4, groups), OMEN_ENOTFOUND);
	check_err("bucket 2 maps to group 9");
	CHECK(cat->shard_map == NULL);
	begin();
}

static void test_stale_expected_version_is_rejected(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	expected_version = 5;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_DROP_TABLE);
	op.drop_table = (char *)"items";
	CHECK(catalog_is_stale(cat, &op));
	CHECK_EQ_INT(apply(&op), OMEN_EINVAL);
	check_err("stale catalog: expected version 5, current 1");
	CHECK_EQ_INT(cat->version, 1);
	CHECK_EQ_INT(cat->n_tables, 1);
	/* An empty catalog is version 0. */
	begin();
	expected_version = 1;
	CHECK_EQ_INT(create_items("items"), OMEN_EINVAL);
	check_err("current 0");
	begin();
}

static void test_matching_expected_version_applies(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	expected_version = 1;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_DROP_TABLE);
	op.drop_table = (char *)"items";
	CHECK(!catalog_is_stale(cat, &op));
	CHECK_EQ_INT(apply(&op), OMEN_OK);
	CHECK_EQ_INT(cat->version, 2);
	begin();
}

static void test_op_without_operation_is_rejected(void)
{
	begin();
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP__NOT_SET);
	CHECK_EQ_INT(apply(&op), OMEN_EINVAL);
	check_err("no operation");
	Omendb__Catalog *next = NULL;
	CHECK_EQ_INT(catalog_apply(NULL, NULL, &next, NULL, NULL, 0), OMEN_EINVAL);
	CHECK(next == NULL);
	begin();
}

static void test_result_and_err_may_be_null(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_DROP_TABLE);
	op.drop_table = (char *)"items";
	Omendb__Catalog *next = NULL;
	CHECK_EQ_INT(catalog_apply(cat, &op, &next, NULL, NULL, 0), OMEN_OK);
	CHECK(next != NULL && next->n_tables == 0);
	catalog_free(next);
	op.drop_table = (char *)"nope";
	CHECK_EQ_INT(catalog_apply(cat, &op, &next, NULL, NULL, 0), OMEN_ENOTFOUND);
	begin();
}

/* Every op kind, succeeding and failing, against one catalog: its encoding
 * must not change, and the successes must not share memory with it (the
 * frees would then fail under valgrind or ASan). */
static void test_apply_leaves_cur_unchanged(void)
{
	build_full();
	uint8_t *before, *after;
	size_t before_len, after_len;
	encode(cat, &before, &before_len);

	Omendb__Column col = column("c", OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0);
	Omendb__Column *cols[] = {&col};
	Omendb__TableDef t = OMENDB__TABLE_DEF__INIT;
	t.name = (char *)"fresh";
	t.n_columns = 1;
	t.columns = cols;
	Omendb__IndexDef x = OMENDB__INDEX_DEF__INIT;
	x.table_id = 1;
	x.column = 3;
	x.name = (char *)"again";
	Omendb__DropIndex d = OMENDB__DROP_INDEX__INIT;
	d.table_id = 1;
	d.column = 1;
	Omendb__Member m = member(9, "z:1", "z:2");
	Omendb__Member *ms[] = {&m};
	Omendb__GroupInfo g = OMENDB__GROUP_INFO__INIT;
	g.group_id = 1;
	g.n_replicas = 1;
	g.replicas = ms;
	uint32_t buckets[] = {2, 2};
	Omendb__ShardMap s = OMENDB__SHARD_MAP__INIT;
	s.n_bucket_group = 2;
	s.bucket_group = buckets;

	Omendb__CatalogOp ops[8];
	for (size_t i = 0; i < 8; i++)
		omendb__catalog_op__init(&ops[i]);
	ops[0].op_case = OMENDB__CATALOG_OP__OP_CREATE_TABLE;
	ops[0].create_table = &t;
	ops[1].op_case = OMENDB__CATALOG_OP__OP_DROP_TABLE;
	ops[1].drop_table = (char *)"items";
	ops[2].op_case = OMENDB__CATALOG_OP__OP_CREATE_INDEX;
	ops[2].create_index = &x;
	ops[3].op_case = OMENDB__CATALOG_OP__OP_DROP_INDEX;
	ops[3].drop_index = &d;
	ops[4].op_case = OMENDB__CATALOG_OP__OP_REGISTER_GROUP;
	ops[4].register_group = &g;
	ops[5].op_case = OMENDB__CATALOG_OP__OP_SET_SHARD_MAP;
	ops[5].set_shard_map = &s;
	ops[6].op_case = OMENDB__CATALOG_OP__OP_DROP_TABLE; /* fails */
	ops[6].drop_table = (char *)"nope";
	ops[7] = ops[0]; /* fails: stale */
	ops[7].expected_version = 3;
	for (size_t i = 0; i < 8; i++) {
		Omendb__Catalog *next = NULL;
		int rc = catalog_apply(cat, &ops[i], &next, NULL, NULL, 0);
		CHECK_EQ_INT(rc, i < 6 ? OMEN_OK : i == 6 ? OMEN_ENOTFOUND : OMEN_EINVAL);
		if (next != NULL)
			CHECK_EQ_INT(next->version, 10);
		catalog_free(next);
	}

	encode(cat, &after, &after_len);
	CHECK_EQ_INT(after_len, before_len);
	CHECK(after_len == before_len && memcmp(before, after, before_len) == 0);
	free(before);
	free(after);
	begin();
}

static void test_encode_decode_round_trip(void)
{
	build_full();
	uint8_t *buf, *again;
	size_t len, again_len;
	encode(cat, &buf, &len);
	Omendb__Catalog *back = NULL;
	CHECK_EQ_INT(catalog_decode(buf, len, &back), OMEN_OK);
	CHECK(back != NULL);
	CHECK_EQ_INT(back->version, 9);
	CHECK_EQ_INT(back->next_table_id, 3);
	CHECK_EQ_INT(back->n_tables, 2);
	CHECK_EQ_INT(back->n_indexes, 2);
	CHECK_EQ_INT(back->n_groups, 2);
	CHECK(back->shard_map != NULL && back->shard_map->n_bucket_group == 16);
	encode(back, &again, &again_len);
	CHECK(again_len == len && memcmp(buf, again, len) == 0);
	/* A decoded catalog is a valid input to apply. */
	catalog_free(cat);
	cat = back;
	CHECK_EQ_INT(create_items("third"), OMEN_OK);
	CHECK_EQ_INT(res.table_id, 3);
	CHECK_EQ_INT(res.catalog_version, 10);
	free(buf);
	free(again);
	begin();
}

static void test_empty_catalog_encodes_to_nothing_and_back(void)
{
	uint8_t *buf;
	size_t len;
	encode(NULL, &buf, &len);
	CHECK_EQ_INT(len, 0);
	free(buf);
	begin();
	CHECK_EQ_INT(catalog_decode(NULL, 0, &cat), OMEN_OK);
	CHECK(cat != NULL);
	CHECK_EQ_INT(cat->version, 0);
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	CHECK_EQ_INT(res.table_id, 1);
	CHECK_EQ_INT(cat->next_table_id, 2);
	begin();
}

static void test_decode_rejects_garbage(void)
{
	static const uint8_t unterminated_varint[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t bad_wire_type[] = {0x0f, 0x01};
	static const uint8_t overlong_length[] = {0x12, 0x50, 0x01};
	Omendb__Catalog *out = NULL;
	CHECK_EQ_INT(catalog_decode(unterminated_varint, sizeof unterminated_varint, &out), OMEN_EFORMAT);
	CHECK_EQ_INT(catalog_decode(bad_wire_type, sizeof bad_wire_type, &out), OMEN_EFORMAT);
	CHECK_EQ_INT(catalog_decode(overlong_length, sizeof overlong_length, &out), OMEN_EFORMAT);
	CHECK(out == NULL);

	build_full();
	uint8_t *buf;
	size_t len;
	encode(cat, &buf, &len);
	CHECK_EQ_INT(catalog_decode(buf, len - 1, &out), OMEN_EFORMAT);
	CHECK(out == NULL);
	free(buf);
	begin();
}

/* Encodes a hand-made catalog and expects catalog_decode to refuse it. */
static void check_decode_refuses(const Omendb__Catalog *c)
{
	uint8_t *buf;
	size_t len;
	encode(c, &buf, &len);
	Omendb__Catalog *out = NULL;
	CHECK_EQ_INT(catalog_decode(buf, len, &out), OMEN_EFORMAT);
	CHECK(out == NULL);
	free(buf);
}

static void test_decode_rejects_broken_invariants(void)
{
	Omendb__Column vec = column("v", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, 3);
	Omendb__Column txt = column("t", OMENDB__COLUMN_TYPE__COLUMN_TEXT, 0);
	Omendb__Column *vec_cols[] = {&vec}, *txt_cols[] = {&txt};
	Omendb__TableDef a = OMENDB__TABLE_DEF__INIT, b = OMENDB__TABLE_DEF__INIT;
	a.table_id = 1;
	a.name = (char *)"a";
	a.n_columns = 1;
	a.columns = vec_cols;
	b = a;
	b.table_id = 2;
	b.name = (char *)"b";
	b.columns = txt_cols;
	Omendb__TableDef *tables[] = {&a, &b};
	Omendb__IndexDef x = OMENDB__INDEX_DEF__INIT;
	x.table_id = 1;
	x.name = (char *)"x";
	Omendb__IndexDef *indexes[] = {&x};
	Omendb__Member m = member(1, "a:1", "a:2");
	Omendb__Member *ms[] = {&m};
	Omendb__GroupInfo g = OMENDB__GROUP_INFO__INIT;
	g.group_id = 1;
	g.n_replicas = 1;
	g.replicas = ms;
	Omendb__GroupInfo *groups[] = {&g, &g};
	uint32_t buckets[] = {1, 1, 1, 1};
	Omendb__ShardMap s = OMENDB__SHARD_MAP__INIT;
	s.n_bucket_group = 4;
	s.bucket_group = buckets;

	Omendb__Catalog good = OMENDB__CATALOG__INIT;
	good.version = 4;
	good.next_table_id = 3;
	good.n_tables = 2;
	good.tables = tables;
	good.n_indexes = 1;
	good.indexes = indexes;
	good.n_groups = 1;
	good.groups = groups;
	good.shard_map = &s;
	uint8_t *buf;
	size_t len;
	encode(&good, &buf, &len);
	Omendb__Catalog *out = NULL;
	CHECK_EQ_INT(catalog_decode(buf, len, &out), OMEN_OK);
	catalog_free(out);
	free(buf);

	Omendb__Catalog c = good;
	c.next_table_id = 2; /* table 2 is not below it */
	check_decode_refuses(&c);
	c = good;
	b.table_id = 1; /* duplicate id */
	check_decode_refuses(&c);
	b.table_id = 2;
	b.name = (char *)"a"; /* duplicate name */
	check_decode_refuses(&c);
	b.name = (char *)"b";
	x.table_id = 7; /* index on a missing table */
	check_decode_refuses(&c);
	x.table_id = 2; /* index on a text column */
	check_decode_refuses(&c);
	x.table_id = 1;
	x.column = 1; /* index past the last column */
	check_decode_refuses(&c);
	x.column = 0;
	c.n_groups = 2; /* group 1 twice */
	check_decode_refuses(&c);
	c.n_groups = 1;
	s.n_bucket_group = 3; /* not a power of two */
	check_decode_refuses(&c);
	s.n_bucket_group = 4;
	buckets[3] = 5; /* unregistered group */
	check_decode_refuses(&c);
	buckets[3] = 1;
	a.n_columns = 0; /* a table without columns */
	check_decode_refuses(&c);
	a.n_columns = 1;
	encode(&c, &buf, &len); /* everything restored: accepted again */
	CHECK_EQ_INT(catalog_decode(buf, len, &out), OMEN_OK);
	catalog_free(out);
	free(buf);
}

static int allocate_ids(uint32_t table_id, uint32_t count)
{
	Omendb__AllocateIds a = OMENDB__ALLOCATE_IDS__INIT;
	a.table_id = table_id;
	a.count = count;
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_ALLOCATE_IDS);
	op.allocate_ids = &a;
	return apply(&op);
}

static void test_allocate_ids_hands_out_consecutive_blocks(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	uint32_t id = res.table_id;
	CHECK_EQ_INT(allocate_ids(id, 10), OMEN_OK);
	CHECK_EQ_INT(res.first_id, 1);
	CHECK_EQ_INT(allocate_ids(id, 5), OMEN_OK);
	CHECK_EQ_INT(res.first_id, 11);
	CHECK_EQ_INT(allocate_ids(id, 1), OMEN_OK);
	CHECK_EQ_INT(res.first_id, 16);
}

static void test_allocate_ids_checks_table_and_count(void)
{
	begin();
	CHECK_EQ_INT(create_items("items"), OMEN_OK);
	uint32_t id = res.table_id;
	CHECK_EQ_INT(allocate_ids(id + 1, 1), OMEN_ENOTFOUND);
	CHECK_EQ_INT(allocate_ids(id, 0), OMEN_EINVAL);
	CHECK_EQ_INT(allocate_ids(id, 1000001), OMEN_EINVAL);
	cat->tables[0]->next_id = (uint64_t)INT64_MAX - 3;
	CHECK_EQ_INT(allocate_ids(id, 4), OMEN_EFULL);
	CHECK_EQ_INT(allocate_ids(id, 3), OMEN_OK);
}

static void test_create_table_checks_primary_key_columns(void)
{
	begin();
	Omendb__Column cols[] = {
	    column("id", OMENDB__COLUMN_TYPE__COLUMN_BIGINT, 0),
	    column("emb", OMENDB__COLUMN_TYPE__COLUMN_VECTOR, 3),
	};
	Omendb__Column *ptrs[] = {&cols[0], &cols[1]};
	Omendb__TableDef t = OMENDB__TABLE_DEF__INIT;
	t.name = "t";
	t.n_columns = 2;
	t.columns = ptrs;
	uint32_t bad[] = {2}, twice[] = {0, 0}, good[] = {0};
	Omendb__CatalogOp op = new_op(OMENDB__CATALOG_OP__OP_CREATE_TABLE);
	op.create_table = &t;
	t.n_primary_key = 1;
	t.primary_key = bad;
	CHECK_EQ_INT(apply(&op), OMEN_EINVAL);
	t.n_primary_key = 2;
	t.primary_key = twice;
	CHECK_EQ_INT(apply(&op), OMEN_EINVAL);
	t.n_primary_key = 1;
	t.primary_key = good;
	CHECK_EQ_INT(apply(&op), OMEN_OK);
	CHECK_EQ_INT(cat->tables[0]->n_primary_key, 1);
}

TEST_MAIN(TEST(test_create_table_assigns_id_and_version),
	  TEST(test_allocate_ids_hands_out_consecutive_blocks),
	  TEST(test_allocate_ids_checks_table_and_count), TEST(test_create_table_checks_primary_key_columns),
	  TEST(test_create_table_ignores_given_id_and_version), TEST(test_table_ids_are_never_reused),
	  TEST(test_create_table_rejects_taken_name), TEST(test_create_table_checks_name_length),
	  TEST(test_create_table_checks_column_count), TEST(test_create_table_rejects_bad_columns),
	  TEST(test_create_table_checks_vector_dimensions), TEST(test_drop_table_removes_its_indexes),
	  TEST(test_drop_table_of_unknown_name_is_not_found), TEST(test_create_index_resolves_defaults),
	  TEST(test_create_index_keeps_given_parameters),
	  TEST(test_create_index_needs_existing_table_and_column),
	  TEST(test_create_index_needs_vector_column), TEST(test_create_index_rejects_bad_parameters),
	  TEST(test_create_index_rejects_taken_name), TEST(test_create_index_allows_one_per_column),
	  TEST(test_drop_index_removes_it), TEST(test_drop_index_of_unindexed_column_is_not_found),
	  TEST(test_register_group_records_replicas), TEST(test_register_group_replaces_earlier_entry),
	  TEST(test_register_group_accepts_group_zero), TEST(test_register_group_rejects_bad_replicas),
	  TEST(test_set_shard_map_installs_map), TEST(test_set_shard_map_needs_power_of_two_length),
	  TEST(test_set_shard_map_needs_registered_groups), TEST(test_stale_expected_version_is_rejected),
	  TEST(test_matching_expected_version_applies), TEST(test_op_without_operation_is_rejected),
	  TEST(test_result_and_err_may_be_null), TEST(test_apply_leaves_cur_unchanged),
	  TEST(test_encode_decode_round_trip), TEST(test_empty_catalog_encodes_to_nothing_and_back),
	  TEST(test_decode_rejects_garbage), TEST(test_decode_rejects_broken_invariants))
