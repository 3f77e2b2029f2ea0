/* libpq against OmenDB through the PostgreSQL protocol, logged in with
 * SCRAM-SHA-256: binary COPY FROM STDIN, an HNSW index, prepared statements
 * with binary parameters and binary results (pgvector's binary format),
 * top-10 recall with and without a filter, pipeline mode (libpq 14+), and a
 * wrong password refused.
 * Runs under omendb-local --auth scram-sha-256 --user NAME:PASSWORD, which
 * sets PGHOST, PGPORT, PGUSER, PGDATABASE and PGPASSWORD. */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgdata.h"
#include "test.h"

#define DIM 32
#define ROWS 10000
#define QUERIES 30
#define K 10
#define EF_SEARCH "100"
#define MIN_RECALL 0.95

#define INT4OID 23
#define INT8OID 20

static PGconn *conn;
static pgdata data;
static Oid vector_oid;

/* A statement that must succeed; prints the server's error otherwise. */
static bool exec_ok(const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "  %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

static int64_t get_i64(const char *b)
{
	uint32_t hi, lo;
	memcpy(&hi, b, 4);
	memcpy(&lo, b + 4, 4);
	return (int64_t)((uint64_t)ntohl(hi) << 32 | ntohl(lo));
}

static int32_t get_i32(const char *b)
{
	uint32_t v;
	memcpy(&v, b, 4);
	return (int32_t)ntohl(v);
}

static void put_i16(unsigned char **p, uint16_t v)
{
	v = htons(v);
	memcpy(*p, &v, 2);
	*p += 2;
}

static void put_i32(unsigned char **p, uint32_t v)
{
	v = htonl(v);
	memcpy(*p, &v, 4);
	*p += 4;
}

static void put_i64(unsigned char **p, uint64_t v)
{
	put_i32(p, (uint32_t)(v >> 32));
	put_i32(p, (uint32_t)v);
}

static void query_vector(int i, float *q)
{
	uint64_t s = 1000 + (uint64_t)i;
	pgdata_random_vector(&s, q, DIM);
}

/* ---------- tests ---------- */

static void scram_login_succeeds(void)
{
	conn = PQconnectdb("");
	CHECK_EQ_INT(PQstatus(conn), CONNECTION_OK);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "  %s", PQerrorMessage(conn));
		exit(1);
	}
	CHECK(PQconnectionUsedPassword(conn));
	const char *v = PQparameterStatus(conn, "server_version");
	CHECK(v != NULL && atoi(v) >= 15);
	const char *enc = PQparameterStatus(conn, "client_encoding");
	CHECK(enc != NULL && strcmp(enc, "UTF8") == 0);
	const char *ints = PQparameterStatus(conn, "integer_datetimes");
	CHECK(ints != NULL && strcmp(ints, "on") == 0);
}

static void wrong_password_is_refused(void)
{
	const char *keys[] = {"password", NULL};
	const char *vals[] = {"not-the-password", NULL};
	PGconn *bad = PQconnectdbParams(keys, vals, 1);
	CHECK_EQ_INT(PQstatus(bad), CONNECTION_BAD);
	/* libpq keeps no SQLSTATE for a failed login; the message is 28P01's
	 * (test_badinput_pg checks the code itself on the wire). */
	char want[128];
	snprintf(want, sizeof want, "password authentication failed for user \"%s\"", getenv("PGUSER"));
	if (!strstr(PQerrorMessage(bad), want))
		fprintf(stderr, "  login error: %s", PQerrorMessage(bad));
	CHECK(strstr(PQerrorMessage(bad), want) != NULL);
	PQfinish(bad);
}

static void vector_type_is_found_by_to_regtype(void)
{
	CHECK(exec_ok("CREATE EXTENSION IF NOT EXISTS vector"));
	PGresult *r = PQexec(conn, "SELECT to_regtype('vector')::oid");
	CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		vector_oid = (Oid)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	CHECK(vector_oid > 0);
}

/* COPY ... FROM STDIN (FORMAT binary): the signature, flags and header
 * extension, then per row a field count and length-prefixed fields, then
 * the -1 trailer (PostgreSQL docs, COPY, "Binary Format"). */
static void binary_copy_loads_all_rows(void)
{
	CHECK(exec_ok("CREATE TABLE items (id bigint PRIMARY KEY, category integer, embedding vector(32))"));
	PGresult *r = PQexec(conn, "COPY items (id, category, embedding) FROM STDIN (FORMAT binary)");
	CHECK_EQ_INT(PQresultStatus(r), PGRES_COPY_IN);
	bool copying = PQresultStatus(r) == PGRES_COPY_IN;
	if (!copying)
		fprintf(stderr, "  COPY: %s", PQresultErrorMessage(r));
	PQclear(r);
	if (!copying)
		return;
	enum { ROW = 2 + 4 + 8 + 4 + 4 + 4 + 4 + 4 * DIM, BATCH = 500 };
	unsigned char *buf = malloc(19 + (size_t)ROW * BATCH), *p = buf;
	CHECK(buf != NULL);
	if (!buf)
		return;
	memcpy(p, "PGCOPY\n\377\r\n\0", 11);
	p += 11;
	put_i32(&p, 0);
	put_i32(&p, 0);
	for (uint32_t i = 0; i < data.rows; i++) {
		put_i16(&p, 3);
		put_i32(&p, 8);
		put_i64(&p, (uint64_t)i + 1);
		put_i32(&p, 4);
		put_i32(&p, (uint32_t)data.categories[i]);
		put_i32(&p, 4 + 4 * DIM);
		pgdata_vector_binary(data.vectors + (size_t)i * DIM, DIM, p);
		p += 4 + 4 * DIM;
		if ((i + 1) % BATCH == 0 || i + 1 == data.rows) {
			if (i + 1 == data.rows)
				put_i16(&p, 0xffff);
			CHECK_EQ_INT(PQputCopyData(conn, (const char *)buf, (int)(p - buf)), 1);
			p = buf;
		}
	}
	free(buf);
	CHECK_EQ_INT(PQputCopyEnd(conn, NULL), 1);
	r = PQgetResult(conn);
	CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "  COPY: %s", PQresultErrorMessage(r));
	CHECK(strcmp(PQcmdTuples(r), "10000") == 0);
	PQclear(r);
	while ((r = PQgetResult(conn)))
		PQclear(r);
	r = PQexec(conn, "SELECT count(*) FROM items");
	CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "10000") == 0);
	PQclear(r);
}

static void create_index_hnsw_builds(void)
{
	CHECK(exec_ok("CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops)"));
	CHECK(exec_ok("SET hnsw.ef_search = " EF_SEARCH));
}

/* The server infers $1's type from `embedding <-> $1`: PQdescribePrepared
 * must report vector, and the result column int8. */
static void prepared_statement_describes_vector_parameter(void)
{
	PGresult *r =
	    PQprepare(conn, "knn", "SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 10", 1, NULL);
	CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	r = PQdescribePrepared(conn, "knn");
	CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
	CHECK_EQ_INT(PQnparams(r), 1);
	CHECK_EQ_INT(PQparamtype(r, 0), vector_oid);
	CHECK_EQ_INT(PQnfields(r), 1);
	CHECK_EQ_INT(PQftype(r, 0), INT8OID);
	PQclear(r);
}

/* Runs one top-10 search with a binary vector parameter (and a binary int4
 * category when category >= 0), binary results; returns the ids found. */
static size_t search(const float *q, int32_t category, int64_t *ids)
{
	unsigned char vec[4 + 4 * DIM];
	pgdata_vector_binary(q, DIM, vec);
	uint32_t cat = htonl((uint32_t)category);
	const char *values[2] = {(const char *)vec, (const char *)&cat};
	int lengths[2] = {sizeof vec, 4}, formats[2] = {1, 1};
	Oid types[2] = {vector_oid, INT4OID};
	PGresult *r;
	if (category < 0)
		r = PQexecPrepared(conn, "knn", 1, values, lengths, formats, 1);
	else
		r = PQexecParams(
		    conn,
		    "SELECT id, category FROM items WHERE category = $2 ORDER BY embedding <-> $1 LIMIT 10",
		    2, types, values, lengths, formats, 1);
	size_t n = 0;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "  search: %s", PQresultErrorMessage(r));
		CHECK(false);
	} else {
		CHECK_EQ_INT(PQfformat(r, 0), 1);
		for (int i = 0; i < PQntuples(r) && n < K; i++) {
			CHECK_EQ_INT(PQgetlength(r, i, 0), 8);
			ids[n++] = get_i64(PQgetvalue(r, i, 0));
			if (category >= 0)
				CHECK_EQ_INT(get_i32(PQgetvalue(r, i, 1)), category);
		}
	}
	PQclear(r);
	return n;
}

static void check_recall(int32_t category)
{
	double sum = 0, min = 1;
	for (int i = 0; i < QUERIES; i++) {
		float q[DIM];
		int64_t found[K], exact[K];
		query_vector(i, q);
		size_t n = search(q, category, found);
		CHECK_EQ_INT(n, K);
		CHECK_EQ_INT(pgdata_exact(&data, q, category, exact, K), K);
		double rc = pgdata_recall(found, n, exact, K);
		sum += rc;
		min = rc < min ? rc : min;
	}
	printf("     %s: recall@10 %.3f over %d queries (min %.2f)\n",
	       category < 0 ? "unfiltered" : "category = 3", sum / QUERIES, QUERIES, min);
	CHECK(sum / QUERIES >= MIN_RECALL);
}

static void search_recall_with_binary_parameters(void)
{
	check_recall(-1);
}

static void filtered_search_recall(void)
{
	CHECK(exec_ok("SET hnsw.iterative_scan = strict_order"));
	check_recall(3);
	CHECK(exec_ok("RESET hnsw.iterative_scan"));
}

static void binary_result_decodes_vector_exactly(void)
{
	int64_t ids[] = {1, 4321, ROWS};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		unsigned char id[8], *p = id;
		put_i64(&p, (uint64_t)ids[i]);
		const char *values[1] = {(const char *)id};
		int lengths[1] = {8}, formats[1] = {1};
		Oid types[1] = {INT8OID};
		PGresult *r = PQexecParams(conn, "SELECT embedding FROM items WHERE id = $1", 1, types,
					   values, lengths, formats, 1);
		CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
		CHECK_EQ_INT(PQntuples(r), 1);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
			CHECK_EQ_INT(PQftype(r, 0), vector_oid);
			float v[DIM];
			uint32_t dim = 0;
			CHECK_EQ_INT(pgdata_vector_from_binary((const unsigned char *)PQgetvalue(r, 0, 0),
							       (size_t)PQgetlength(r, 0, 0), v, DIM, &dim),
				     0);
			CHECK_EQ_INT(dim, DIM);
			CHECK(memcmp(v, data.vectors + (size_t)(ids[i] - 1) * DIM, sizeof v) == 0);
		}
		PQclear(r);
	}
}

/* A text parameter and text results: the vector as pgvector prints it reads
 * back to the same floats. */
static void text_result_matches_binary(void)
{
	char text[4096];
	pgdata_vector_text(data.vectors, DIM, text);
	const char *values[1] = {text};
	PGresult *r = PQexecParams(conn, "SELECT id, embedding FROM items WHERE embedding = $1::vector", 1,
				   NULL, values, NULL, NULL, 0);
	CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		CHECK(strcmp(PQgetvalue(r, 0, 0), "1") == 0);
		const char *s = PQgetvalue(r, 0, 1);
		CHECK(s[0] == '[');
		float v[DIM];
		char *end = (char *)s + 1;
		for (int i = 0; i < DIM; i++) {
			v[i] = strtof(end, &end);
			CHECK(*end == (i + 1 < DIM ? ',' : ']'));
			end++;
		}
		CHECK(memcmp(v, data.vectors, sizeof v) == 0);
	} else {
		fprintf(stderr, "  %d rows: %s", PQntuples(r), PQresultErrorMessage(r));
		CHECK(false);
	}
	PQclear(r);
}

/* Pipeline mode (libpq 14+): several searches sent before any result is
 * read give the same answers as one at a time. */
static void pipeline_of_searches_matches_sequential(void)
{
	enum { N = 20 };
	int64_t want[N][K];
	size_t nwant[N];
	for (int i = 0; i < N; i++) {
		float q[DIM];
		query_vector(i, q);
		nwant[i] = search(q, -1, want[i]);
	}
	CHECK_EQ_INT(PQenterPipelineMode(conn), 1);
	for (int i = 0; i < N; i++) {
		float q[DIM];
		unsigned char vec[4 + 4 * DIM];
		query_vector(i, q);
		pgdata_vector_binary(q, DIM, vec);
		const char *values[1] = {(const char *)vec};
		int lengths[1] = {sizeof vec}, formats[1] = {1};
		CHECK_EQ_INT(PQsendQueryPrepared(conn, "knn", 1, values, lengths, formats, 1), 1);
	}
	CHECK_EQ_INT(PQpipelineSync(conn), 1);
	for (int i = 0; i < N; i++) {
		PGresult *r = PQgetResult(conn);
		CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			CHECK_EQ_INT((size_t)PQntuples(r), nwant[i]);
			for (int j = 0; j < PQntuples(r) && j < K; j++)
				CHECK_EQ_INT(get_i64(PQgetvalue(r, j, 0)), want[i][j]);
		} else {
			fprintf(stderr, "  pipelined search %d: %s", i, PQresultErrorMessage(r));
		}
		PQclear(r);
		CHECK(PQgetResult(conn) == NULL);
	}
	PGresult *r = PQgetResult(conn);
	CHECK_EQ_INT(PQresultStatus(r), PGRES_PIPELINE_SYNC);
	PQclear(r);
	CHECK_EQ_INT(PQexitPipelineMode(conn), 1);
}

/* In a pipeline an error aborts what follows up to the sync: PostgreSQL
 * reports PGRES_PIPELINE_ABORTED for those and runs nothing of them. */
static void pipeline_error_aborts_until_sync(void)
{
	const char *insert = "INSERT INTO items (id, category, embedding) VALUES ($1, 1, $2)";
	char good[4096];
	pgdata_vector_text(data.vectors, DIM, good);
	const char *rows[3][2] = {{"20001", good}, {"20002", "[1,2,3]"}, {"20003", good}};
	CHECK_EQ_INT(PQenterPipelineMode(conn), 1);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(PQsendQueryParams(conn, insert, 2, NULL, rows[i], NULL, NULL, 0), 1);
	CHECK_EQ_INT(PQpipelineSync(conn), 1);
	ExecStatusType want[] = {PGRES_COMMAND_OK, PGRES_FATAL_ERROR, PGRES_PIPELINE_ABORTED};
	for (int i = 0; i < 3; i++) {
		PGresult *r = PQgetResult(conn);
		CHECK_EQ_INT(PQresultStatus(r), want[i]);
		if (PQresultStatus(r) != want[i])
			fprintf(stderr, "  pipeline result %d: %s %s", i, PQresStatus(PQresultStatus(r)),
				PQresultErrorMessage(r));
		if (i == 1) {
			const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
			CHECK(state && strcmp(state, "22000") == 0);
		}
		PQclear(r);
		CHECK(PQgetResult(conn) == NULL);
	}
	PGresult *r = PQgetResult(conn);
	CHECK_EQ_INT(PQresultStatus(r), PGRES_PIPELINE_SYNC);
	PQclear(r);
	CHECK_EQ_INT(PQexitPipelineMode(conn), 1);
	r = PQexec(conn, "SELECT count(*) FROM items WHERE id IN (20002, 20003)");
	CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "0") == 0);
	PQclear(r);
}

static void error_fields_carry_sqlstate_and_position(void)
{
	PGresult *r = PQexec(conn, "SELECT nosuch FROM items");
	CHECK_EQ_INT(PQresultStatus(r), PGRES_FATAL_ERROR);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
	CHECK(state && strcmp(state, "42703") == 0);
	CHECK(pos && strcmp(pos, "8") == 0);
	PQclear(r);
	CHECK_EQ_INT(PQtransactionStatus(conn), PQTRANS_IDLE);
}

int main(int argc, char **argv)
{
	if (pgdata_init(&data, 7, ROWS, DIM) != 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	static const test_case tests[] = {
	    TEST(scram_login_succeeds),
	    TEST(wrong_password_is_refused),
	    TEST(vector_type_is_found_by_to_regtype),
	    TEST(binary_copy_loads_all_rows),
	    TEST(create_index_hnsw_builds),
	    TEST(prepared_statement_describes_vector_parameter),
	    TEST(search_recall_with_binary_parameters),
	    TEST(filtered_search_recall),
	    TEST(binary_result_decodes_vector_exactly),
	    TEST(text_result_matches_binary),
	    TEST(pipeline_of_searches_matches_sequential),
	    TEST(pipeline_error_aborts_until_sync),
	    TEST(error_fields_carry_sqlstate_and_position),
	};
	int rc = test_run(tests, sizeof tests / sizeof tests[0], argc, argv);
	PQfinish(conn);
	pgdata_free(&data);
	return rc;
}
