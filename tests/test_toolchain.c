/* Proves the build finds and links every core library the way DESIGN.md
 * describes: RocksDB on a temp dir, libpg_query's protobuf parse tree
 * unpacked with protobuf-c, nng with a receive-size limit, raft and libuv,
 * and the protobuf-c code generated from proto/ at build time. */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <raft.h>
#include <rocksdb/c.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "header.pb-c.h"
#include "test.h"

static void test_rocksdb_put_get_on_temp_dir(void)
{
	char dir[] = "/tmp/omendb-test-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_options_set_create_if_missing(o, 1);
	char *err = NULL;
	rocksdb_t *db = rocksdb_open(o, dir, &err);
	CHECK(err == NULL && db != NULL);
	if (db) {
		rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
		rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
		rocksdb_put(db, wo, "k", 1, "v", 1, &err);
		CHECK(err == NULL);
		size_t len = 0;
		char *val = rocksdb_get(db, ro, "k", 1, &len, &err);
		CHECK(err == NULL && len == 1 && val && val[0] == 'v');
		rocksdb_free(val);
		rocksdb_writeoptions_destroy(wo);
		rocksdb_readoptions_destroy(ro);
		rocksdb_close(db);
	}
	rocksdb_destroy_db(o, dir, &err);
	rocksdb_free(err);
	rocksdb_options_destroy(o);
	rmdir(dir);
}

static void test_pg_query_protobuf_unpacks(void)
{
	PgQueryProtobufParseResult r =
	    pg_query_parse_protobuf("SELECT id FROM items ORDER BY v <-> '[1,2]' LIMIT 5");
	CHECK(r.error == NULL);
	PgQuery__ParseResult *tree =
	    pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
	CHECK(tree != NULL && tree->n_stmts == 1);
	if (tree) {
		CHECK(tree->stmts[0]->stmt->node_case == PG_QUERY__NODE__NODE_SELECT_STMT);
		pg_query__parse_result__free_unpacked(tree, NULL);
	}
	pg_query_free_protobuf_parse_result(r);
	PgQueryProtobufParseResult bad = pg_query_parse_protobuf("SELEC 1");
	CHECK(bad.error != NULL);
	pg_query_free_protobuf_parse_result(bad);
}

static void test_nng_socket_takes_recv_limit(void)
{
	nng_socket s;
	CHECK(nng_rep0_open(&s) == 0);
	CHECK(nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 1 << 20) == 0);
	size_t got = 0;
	CHECK(nng_socket_get_size(s, NNG_OPT_RECVMAXSZ, &got) == 0 && got == (1 << 20));
	nng_close(s);
}

static void test_raft_and_uv_link(void)
{
	CHECK(raft_strerror(RAFT_NOMEM) != NULL);
	uv_loop_t loop;
	CHECK(uv_loop_init(&loop) == 0);
	CHECK(uv_loop_close(&loop) == 0);
}

static void test_generated_proto_round_trip(void)
{
	Omendb__RpcHeader h = OMENDB__RPC_HEADER__INIT, *back;
	h.protocol_version = 1;
	h.request_id = 77;
	h.catalog_version = 5;
	uint8_t buf[64];
	size_t len = omendb__rpc_header__pack(&h, buf);
	back = omendb__rpc_header__unpack(NULL, len, buf);
	CHECK(back && back->request_id == 77 && back->catalog_version == 5);
	omendb__rpc_header__free_unpacked(back, NULL);
	uint8_t junk[3] = {0xff, 0xff, 0xff};
	CHECK(omendb__rpc_header__unpack(NULL, sizeof(junk), junk) == NULL);
}

TEST_MAIN(TEST(test_rocksdb_put_get_on_temp_dir), TEST(test_pg_query_protobuf_unpacks),
	  TEST(test_nng_socket_takes_recv_limit), TEST(test_raft_and_uv_link),
	  TEST(test_generated_proto_round_trip))
