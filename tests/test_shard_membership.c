/* Group membership and the catalog group, on real processes: a fourth
 * replica is added through raft's configuration changes, catches up and
 * serves, then is removed; group 0 applies catalog operations and serves
 * the catalog to readers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "shardtest.h"
#include "test.h"

static int membership(cluster *cl, uint32_t group, bool add, unsigned idx)
{
	Omendb__Member m = OMENDB__MEMBER__INIT;
	m.id = idx + 1;
	m.raft_address = (char *)cluster_raft_address(cl, idx);
	m.rpc_address = (char *)cluster_rpc_address(cl, idx);
	Omendb__MembershipChange mc = OMENDB__MEMBERSHIP_CHANGE__INIT;
	mc.kind = add ? OMENDB__MEMBERSHIP_CHANGE__KIND__ADD : OMENDB__MEMBERSHIP_CHANGE__KIND__REMOVE;
	mc.member = &m;
	unsigned leader;
	if (cluster_wait_leader(cl, 30000, &leader) != OMEN_OK)
		return -1;
	Omendb__Request req = OMENDB__REQUEST__INIT;
	req.body_case = OMENDB__REQUEST__BODY_MEMBERSHIP;
	req.membership = &mc;
	Omendb__Response *resp = NULL;
	rpc_client *c;
	if (rpc_client_open(cluster_rpc_address(cl, leader), 90000, &c) != OMEN_OK)
		return -1;
	int rc = st_call(c, group, &req, &resp);
	rpc_client_close(c);
	if (rc != OMEN_OK)
		return -1;
	int st = resp->status;
	if (st != OMENDB__STATUS__STATUS_OK)
		fprintf(stderr, "membership change: %s\n", resp->message);
	omendb__response__free_unpacked(resp, NULL);
	return st;
}

static size_t member_count(cluster *cl, unsigned i)
{
	Omendb__Response *r = NULL;
	if (cluster_status(cl, i, &r) != OMEN_OK)
		return 0;
	size_t n = r->status_info->n_members;
	omendb__response__free_unpacked(r, NULL);
	return n;
}

static void test_added_replica_catches_up_and_removed_one_leaves(void)
{
	enum { GROUP = 4, DIM = 8, ROWS = 2000 };
	cluster_options o = {.group = GROUP, .replicas = 3};
	cluster *cl;
	CHECK_EQ_INT(cluster_start(&o, &cl), OMEN_OK);
	unsigned leader;
	CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &leader), OMEN_OK);
	CHECK_EQ_INT(st_create_table(cl, GROUP, DIM), OMENDB__STATUS__STATUS_OK);
	float *vecs = malloc((size_t)ROWS * DIM * sizeof *vecs);
	uint64_t *ids = malloc(ROWS * sizeof *ids);
	st_vectors(vecs, ROWS, DIM, 3);
	for (size_t i = 0; i < ROWS; i++)
		ids[i] = i + 1;
	for (size_t off = 0; off < ROWS; off += 500)
		CHECK_EQ_INT(st_write(cl, GROUP, DIM, ids + off, vecs + off * DIM, 500, 30000),
			     OMENDB__STATUS__STATUS_OK);

	unsigned added;
	CHECK_EQ_INT(cluster_add(cl, &added), OMEN_OK);
	CHECK_EQ_INT(membership(cl, GROUP, true, added), OMENDB__STATUS__STATUS_OK);
	uint64_t target = 0;
	CHECK_EQ_INT(st_wait_caught_up(cl, 60000, &target), OMEN_OK);
	CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &leader), OMEN_OK);
	CHECK_EQ_INT(st_count_present(cl, added, GROUP, ids, ROWS), ROWS);
	CHECK_EQ_INT(member_count(cl, leader), 4);
	printf("replica %u added and caught up to index %llu\n", added, (unsigned long long)target);

	/* Removed again, the group is back to three voters: a majority of two
	 * still commits with one of the original replicas down. */
	CHECK_EQ_INT(membership(cl, GROUP, false, added), OMENDB__STATUS__STATUS_OK);
	CHECK_EQ_INT(cluster_kill(cl, added), OMEN_OK);
	unsigned other = (leader + 1) % 3;
	CHECK_EQ_INT(cluster_kill(cl, other), OMEN_OK);
	CHECK_EQ_INT(st_write(cl, GROUP, DIM, ids, vecs, 10, 30000), OMENDB__STATUS__STATUS_OK);
	if (test_failures)
		cluster_dump_logs(cl);
	cluster_destroy(cl);
	free(vecs);
	free(ids);
}

static void test_catalog_group_applies_and_serves_the_catalog(void)
{
	cluster_options o = {.group = 0, .replicas = 3};
	cluster *cl;
	CHECK_EQ_INT(cluster_start(&o, &cl), OMEN_OK);
	unsigned leader;
	CHECK_EQ_INT(cluster_wait_leader(cl, 30000, &leader), OMEN_OK);

	Omendb__Column col = OMENDB__COLUMN__INIT;
	col.name = "embedding";
	col.type = OMENDB__COLUMN_TYPE__COLUMN_VECTOR;
	col.dim = 3;
	Omendb__Column *cols[] = {&col};
	Omendb__TableDef t = OMENDB__TABLE_DEF__INIT;
	t.name = "items";
	t.columns = cols;
	t.n_columns = 1;
	Omendb__CatalogOp op = OMENDB__CATALOG_OP__INIT;
	op.op_case = OMENDB__CATALOG_OP__OP_CREATE_TABLE;
	op.create_table = &t;
	Omendb__Command cmd = OMENDB__COMMAND__INIT;
	cmd.op_case = OMENDB__COMMAND__OP_CATALOG;
	cmd.catalog = &op;
	Omendb__Response *resp = NULL;
	CHECK_EQ_INT(st_command(cl, 0, &cmd, 20000, &resp), OMENDB__STATUS__STATUS_OK);
	uint64_t version = 0;
	if (resp && resp->body_case == OMENDB__RESPONSE__BODY_WRITE) {
		version = resp->write->catalog_version;
		CHECK(resp->write->table_id >= 1);
	}
	if (resp)
		omendb__response__free_unpacked(resp, NULL);
	CHECK_EQ_INT(version, 1);

	/* The same name again is refused; a stale expected version too. */
	CHECK_EQ_INT(st_command(cl, 0, &cmd, 20000, NULL), OMENDB__STATUS__STATUS_EXISTS);
	t.name = "other";
	op.expected_version = 7;
	CHECK_EQ_INT(st_command(cl, 0, &cmd, 20000, NULL), OMENDB__STATUS__STATUS_STALE_CATALOG);

	/* Every replica serves the catalog (READ_ANY) once it has applied it. */
	CHECK_EQ_INT(st_wait_caught_up(cl, 20000, NULL), OMEN_OK);
	for (unsigned i = 0; i < cluster_size(cl); i++) {
		Omendb__CatalogRead cr = OMENDB__CATALOG_READ__INIT;
		Omendb__Request req = OMENDB__REQUEST__INIT;
		req.read_level = OMENDB__READ_LEVEL__READ_ANY;
		req.body_case = OMENDB__REQUEST__BODY_CATALOG_READ;
		req.catalog_read = &cr;
		Omendb__Response *r = NULL;
		CHECK_EQ_INT(st_call(cluster_client(cl, i), 0, &req, &r), OMEN_OK);
		if (!r)
			continue;
		CHECK(r->body_case == OMENDB__RESPONSE__BODY_CATALOG);
		if (r->body_case == OMENDB__RESPONSE__BODY_CATALOG) {
			CHECK_EQ_INT(r->catalog->version, 1);
			CHECK_EQ_INT(r->catalog->n_tables, 1);
			if (r->catalog->n_tables == 1)
				CHECK(strcmp(r->catalog->tables[0]->name, "items") == 0);
		}
		omendb__response__free_unpacked(r, NULL);
	}
	if (test_failures)
		cluster_dump_logs(cl);
	cluster_destroy(cl);
}

TEST_MAIN(TEST(test_added_replica_catches_up_and_removed_one_leaves),
	  TEST(test_catalog_group_applies_and_serves_the_catalog))
