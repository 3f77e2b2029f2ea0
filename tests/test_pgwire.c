/* pgwire: the reader never reads past its message, every backend message is
 * byte for byte what the protocol docs ("Message Formats") prescribe, the
 * builder's failure is sticky, and malformed startup packets are refused. */
#include "pgwire.h"
#include "test.h"

#include <stdint.h>

/* A heap copy of exactly n bytes, so AddressSanitizer catches any read past
 * the message. */
static uint8_t *exact(const void *p, size_t n)
{
	uint8_t *q = calloc(n ? n : 1, 1);
	if (n)
		memcpy(q, p, n);
	return q;
}

/* The buffer holds exactly want[0..n) and has not failed; then it is reset. */
static void check_bytes(pgw_buf *b, const void *want, size_t n, int line)
{
	if (b->failed || b->open || b->len != n || memcmp(b->data, want, n) != 0) {
		fprintf(stderr, "test_pgwire.c:%d: message bytes differ (len %zu, want %zu, failed %d)\n",
			line, b->len, n, b->failed);
		test_failures++;
	}
	pgw_buf_reset(b);
}
#define CHECK_BYTES(b, ...)                                                                                  \
	do {                                                                                                 \
		static const uint8_t want_[] = {__VA_ARGS__};                                                \
		check_bytes(b, want_, sizeof want_, __LINE__);                                               \
	} while (0)

static void get_u8_stops_at_end(void)
{
	uint8_t *m = exact("\x7f", 1);
	pgw_reader r;
	pgw_reader_init(&r, m, 1);
	uint8_t v = 0;
	CHECK(pgw_get_u8(&r, &v));
	CHECK_EQ_INT(v, 0x7f);
	CHECK_EQ_INT(pgw_remaining(&r), 0);
	CHECK(!pgw_get_u8(&r, &v));
	CHECK_EQ_INT(r.off, 1);
	free(m);
}

static void get_i16_needs_two_bytes(void)
{
	uint8_t *m = exact("\xff\xfe\x01", 3);
	pgw_reader r;
	pgw_reader_init(&r, m, 3);
	int16_t v = 0;
	CHECK(pgw_get_i16(&r, &v));
	CHECK_EQ_INT(v, -2);
	CHECK(!pgw_get_i16(&r, &v)); /* one byte left */
	CHECK_EQ_INT(r.off, 2);
	CHECK_EQ_INT(pgw_remaining(&r), 1);
	free(m);
}

static void get_i32_and_u32_need_four_bytes(void)
{
	uint8_t *m = exact("\xff\xff\xff\xfe\x80\x00\x00\x01\x01\x02\x03", 11);
	pgw_reader r;
	pgw_reader_init(&r, m, 11);
	int32_t i = 0;
	uint32_t u = 0;
	CHECK(pgw_get_i32(&r, &i));
	CHECK_EQ_INT(i, -2);
	CHECK(pgw_get_u32(&r, &u));
	CHECK_EQ_INT(u, 0x80000001u);
	CHECK(!pgw_get_i32(&r, &i)); /* three bytes left */
	CHECK(!pgw_get_u32(&r, &u));
	CHECK_EQ_INT(r.off, 8);
	free(m);
}

static void get_cstr_requires_nul_inside_message(void)
{
	uint8_t *m = exact("ab\0\0cd", 6);
	pgw_reader r;
	pgw_reader_init(&r, m, 6);
	const char *s;
	size_t n = 99;
	CHECK(pgw_get_cstr(&r, &s, &n));
	CHECK_EQ_INT(n, 2);
	CHECK(strcmp(s, "ab") == 0);
	CHECK(pgw_get_cstr(&r, &s, &n)); /* the empty string */
	CHECK_EQ_INT(n, 0);
	CHECK(!pgw_get_cstr(&r, &s, &n)); /* "cd" has no NUL in the message */
	CHECK_EQ_INT(r.off, 4);
	free(m);

	pgw_reader_init(&r, NULL, 0);
	CHECK(!pgw_get_cstr(&r, &s, &n));
}

static void get_bytes_at_exact_length(void)
{
	uint8_t *m = exact("abcd", 4);
	pgw_reader r;
	pgw_reader_init(&r, m, 4);
	const uint8_t *p = NULL;
	CHECK(!pgw_get_bytes(&r, 5, &p));
	CHECK_EQ_INT(r.off, 0);
	CHECK(pgw_get_bytes(&r, 4, &p));
	CHECK(p == m);
	CHECK(pgw_get_bytes(&r, 0, &p));
	CHECK(!pgw_get_bytes(&r, 1, &p));
	CHECK(!pgw_get_bytes(&r, SIZE_MAX, &p));
	free(m);

	pgw_reader_init(&r, NULL, 0);
	CHECK(pgw_get_bytes(&r, 0, &p));
	CHECK(!pgw_get_bytes(&r, 1, &p));
}

static void auth_messages_bytes(void)
{
	pgw_buf b = {0};
	pgw_auth_ok(&b);
	CHECK_BYTES(&b, 'R', 0, 0, 0, 8, 0, 0, 0, 0);
	pgw_auth_cleartext(&b);
	CHECK_BYTES(&b, 'R', 0, 0, 0, 8, 0, 0, 0, 3);
	pgw_auth_sasl(&b, "SCRAM-SHA-256");
	CHECK_BYTES(&b, 'R', 0, 0, 0, 23, 0, 0, 0, 10, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-', '2',
		    '5', '6', 0, 0);
	pgw_auth_sasl_continue(&b, "abc", 3);
	CHECK_BYTES(&b, 'R', 0, 0, 0, 11, 0, 0, 0, 11, 'a', 'b', 'c');
	pgw_auth_sasl_final(&b, "v=x", 3);
	CHECK_BYTES(&b, 'R', 0, 0, 0, 11, 0, 0, 0, 12, 'v', '=', 'x');
	pgw_buf_free(&b);
}

static void session_messages_bytes(void)
{
	pgw_buf b = {0};
	pgw_parameter_status(&b, "a", "b");
	CHECK_BYTES(&b, 'S', 0, 0, 0, 8, 'a', 0, 'b', 0);
	pgw_backend_key(&b, 1, -1);
	CHECK_BYTES(&b, 'K', 0, 0, 0, 12, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff);
	pgw_ready(&b, 'I');
	CHECK_BYTES(&b, 'Z', 0, 0, 0, 5, 'I');
	pgw_command_complete(&b, "SELECT 1");
	CHECK_BYTES(&b, 'C', 0, 0, 0, 13, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0);
	pgw_buf_free(&b);
}

static void empty_messages_bytes(void)
{
	pgw_buf b = {0};
	pgw_empty_query(&b);
	CHECK_BYTES(&b, 'I', 0, 0, 0, 4);
	pgw_parse_complete(&b);
	CHECK_BYTES(&b, '1', 0, 0, 0, 4);
	pgw_bind_complete(&b);
	CHECK_BYTES(&b, '2', 0, 0, 0, 4);
	pgw_close_complete(&b);
	CHECK_BYTES(&b, '3', 0, 0, 0, 4);
	pgw_no_data(&b);
	CHECK_BYTES(&b, 'n', 0, 0, 0, 4);
	pgw_portal_suspended(&b);
	CHECK_BYTES(&b, 's', 0, 0, 0, 4);
	pgw_buf_free(&b);
}

static void descriptions_bytes(void)
{
	pgw_buf b = {0};
	const uint32_t oids[] = {23, 0x80000019u};
	pgw_parameter_description(&b, oids, 2);
	CHECK_BYTES(&b, 't', 0, 0, 0, 14, 0, 2, 0, 0, 0, 23, 0x80, 0, 0, 0x19);
	pgw_parameter_description(&b, NULL, 0);
	CHECK_BYTES(&b, 't', 0, 0, 0, 6, 0, 0);
	pgw_field f = {.name = "a", .type_oid = 23, .type_len = 4, .typmod = -1, .column = 2, .table_oid = 7};
	pgw_row_description(&b, &f, 1);
	CHECK_BYTES(&b, 'T', 0, 0, 0, 26, 0, 1, 'a', 0, 0, 0, 0, 7, 0, 2, 0, 0, 0, 23, 0, 4, 0xff, 0xff, 0xff,
		    0xff, 0, 0);
	pgw_buf_free(&b);
}

static void data_row_bytes(void)
{
	pgw_buf b = {0};
	pgw_data_row_begin(&b, 3);
	pgw_data_row_cell(&b, NULL, -1);
	pgw_data_row_cell(&b, "", 0);
	pgw_data_row_cell(&b, "xy", 2);
	pgw_data_row_end(&b);
	CHECK_BYTES(&b, 'D', 0, 0, 0, 20, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 2, 'x', 'y');
	pgw_buf_free(&b);
}

static void data_row_cell_refuses_bad_length(void)
{
	pgw_buf b = {0};
	pgw_data_row_begin(&b, 1);
	pgw_data_row_cell(&b, "x", -2);
	CHECK(b.failed);
	pgw_buf_reset(&b);
	pgw_data_row_begin(&b, 1);
	pgw_data_row_cell(&b, NULL, 3);
	CHECK(b.failed);
	pgw_buf_free(&b);
}

static void error_response_has_only_given_fields(void)
{
	pgw_buf b = {0};
	pgw_error(&b, 'E', "ERROR", "42601", "bad", NULL, NULL, 7);
	CHECK_BYTES(&b, 'E', 0, 0, 0, 34, 'S', 'E', 'R', 'R', 'O', 'R', 0, 'V', 'E', 'R', 'R', 'O', 'R', 0,
		    'C', '4', '2', '6', '0', '1', 0, 'M', 'b', 'a', 'd', 0, 'P', '7', 0, 0);
	pgw_error(&b, 'N', "NOTICE", "00000", "m", "d", "h", 0);
	CHECK_BYTES(&b, 'N', 0, 0, 0, 37, 'S', 'N', 'O', 'T', 'I', 'C', 'E', 0, 'V', 'N', 'O', 'T', 'I', 'C',
		    'E', 0, 'C', '0', '0', '0', '0', '0', 0, 'M', 'm', 0, 'D', 'd', 0, 'H', 'h', 0, 0);
	pgw_buf_free(&b);
}

static void copy_in_response_bytes(void)
{
	pgw_buf b = {0};
	pgw_copy_in_response(&b, 1, 2);
	CHECK_BYTES(&b, 'G', 0, 0, 0, 11, 1, 0, 2, 0, 1, 0, 1);
	pgw_copy_in_response(&b, 0, -1);
	CHECK(b.failed);
	pgw_buf_free(&b);
}

static void startup_message_bytes(void)
{
	pgw_buf b = {0};
	const char *names[] = {"user"}, *values[] = {"u"};
	pgw_startup_message(&b, names, values, 1);
	CHECK_BYTES(&b, 0, 0, 0, 16, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'u', 0, 0);
	pgw_buf_free(&b);
}

static void messages_follow_each_other(void)
{
	pgw_buf b = {0};
	pgw_command_complete(&b, "BEGIN");
	pgw_ready(&b, 'T');
	CHECK_BYTES(&b, 'C', 0, 0, 0, 10, 'B', 'E', 'G', 'I', 'N', 0, 'Z', 0, 0, 0, 5, 'T');
	pgw_buf_free(&b);
}

static void length_covers_grown_message(void)
{
	pgw_buf b = {0};
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	pgw_command_complete(&b, big);
	CHECK(!b.failed);
	CHECK_EQ_INT(b.len, 1 + 4 + 1000);
	pgw_reader r;
	pgw_reader_init(&r, b.data + 1, b.len - 1);
	int32_t l = 0;
	CHECK(pgw_get_i32(&r, &l));
	CHECK_EQ_INT(l, 1004);
	pgw_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0);
}

static void failure_is_sticky_under_limit(void)
{
	pgw_buf b = {.limit = 8};
	pgw_ready(&b, 'I'); /* 6 bytes: fits */
	CHECK(!b.failed);
	pgw_auth_ok(&b); /* 9 more: does not */
	CHECK(b.failed);
	size_t len = b.len;
	pgw_put_u8(&b, 1);
	pgw_put_cstr(&b, "");
	pgw_ready(&b, 'I');
	CHECK(b.failed);
	CHECK_EQ_INT(b.len, len);
	CHECK(b.cap <= 8);
	pgw_buf_reset(&b);
	CHECK(!b.failed);
	pgw_auth_ok(&b); /* 9 bytes alone exceed the limit too */
	CHECK(b.failed);
	pgw_buf_reset(&b);
	pgw_ready(&b, 'E');
	CHECK_BYTES(&b, 'Z', 0, 0, 0, 5, 'E');
	pgw_buf_free(&b);
}

static void unbalanced_begin_end_fails(void)
{
	pgw_buf b = {0};
	pgw_end(&b);
	CHECK(b.failed);
	pgw_buf_reset(&b);
	pgw_begin(&b, 'C');
	pgw_begin(&b, 'C');
	CHECK(b.failed);
	pgw_buf_reset(&b);
	CHECK(!b.open);
	pgw_ready(&b, 'I');
	CHECK_BYTES(&b, 'Z', 0, 0, 0, 5, 'I');
	pgw_buf_free(&b);
}

/* --- startup packets --- */

/* Parses body[0..n) from an exact-size heap copy. */
static bool parse(const void *body, size_t n, pgw_startup *st, uint8_t **copy)
{
	*copy = exact(body, n);
	char err[128] = "";
	bool ok = pgw_parse_startup(*copy, n, st, err, sizeof err);
	CHECK(ok == (err[0] == 0));
	return ok;
}

#define BODY(s) s, sizeof(s) - 1

static void startup_parses_parameters(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(parse(BODY("\x00\x03\x00\x00user\0alice\0database\0db\0\0"), &st, &c));
	CHECK_EQ_INT(st.code, PGWIRE_PROTOCOL_3_0);
	CHECK_EQ_INT(st.nparams, 2);
	CHECK(strcmp(pgw_startup_param(&st, "user"), "alice") == 0);
	CHECK(strcmp(pgw_startup_param(&st, "database"), "db") == 0);
	CHECK(pgw_startup_param(&st, "options") == NULL);
	free(c);
	CHECK(parse(BODY("\x00\x03\x00\x00\0"), &st, &c));
	CHECK_EQ_INT(st.nparams, 0);
	free(c);
}

static void startup_round_trips_builder(void)
{
	pgw_buf b = {0};
	const char *names[] = {"user", "application_name"}, *values[] = {"bob", ""};
	pgw_startup_message(&b, names, values, 2);
	CHECK(!b.failed);
	pgw_startup st;
	uint8_t *c;
	CHECK(parse(b.data + 4, b.len - 4, &st, &c));
	CHECK_EQ_INT(st.nparams, 2);
	CHECK(strcmp(pgw_startup_param(&st, "application_name"), "") == 0);
	free(c);
	pgw_buf_free(&b);
}

static void startup_refuses_truncated(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(!parse(BODY(""), &st, &c));
	free(c);
	CHECK(!parse(BODY("\x00\x03\x00"), &st, &c));
	free(c);
	CHECK(!parse(BODY("\x00\x03\x00\x00"), &st, &c)); /* no terminator at all */
	free(c);
	char err[8];
	CHECK(!pgw_parse_startup(NULL, 0, &st, err, sizeof err));
	CHECK(strlen(err) < sizeof err);
}

static void startup_refuses_missing_terminator(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(!parse(BODY("\x00\x03\x00\x00user\0alice\0"), &st, &c));
	free(c);
	CHECK(!parse(BODY("\x00\x03\x00\x00user\0alice"), &st, &c)); /* value without NUL */
	free(c);
	CHECK(!parse(BODY("\x00\x03\x00\x00us"), &st, &c)); /* name without NUL */
	free(c);
}

static void startup_refuses_name_without_value(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(!parse(BODY("\x00\x03\x00\x00user\0alice\0database\0"), &st, &c));
	free(c);
}

static void startup_refuses_bytes_after_terminator(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(!parse(BODY("\x00\x03\x00\x00user\0a\0\0x"), &st, &c));
	free(c);
	CHECK(!parse(BODY("\x00\x03\x00\x00\0\0"), &st, &c));
	free(c);
}

static void startup_allows_64_refuses_65_parameters(void)
{
	uint8_t body[2048];
	size_t o = 4;
	memcpy(body, "\x00\x03\x00\x00", 4);
	pgw_startup st;
	uint8_t *c;
	for (int i = 0; i < 65; i++) {
		o += (size_t)sprintf((char *)body + o, "p%d", i) + 1;
		o += (size_t)sprintf((char *)body + o, "v") + 1;
		if (i == 63) {
			body[o] = 0;
			CHECK(parse(body, o + 1, &st, &c));
			CHECK_EQ_INT(st.nparams, 64);
			CHECK(strcmp(pgw_startup_param(&st, "p63"), "v") == 0);
			free(c);
		}
	}
	body[o++] = 0;
	CHECK(!parse(body, o, &st, &c));
	free(c);
}

static void startup_checks_cancel_length(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(parse(BODY("\x04\xd2\x16\x2e\x00\x00\x00\x2a\xff\xff\xff\xff"), &st, &c));
	CHECK_EQ_INT(st.code, PGWIRE_CANCEL_REQUEST);
	CHECK_EQ_INT(st.cancel_pid, 42);
	CHECK_EQ_INT(st.cancel_key, -1);
	free(c);
	CHECK(!parse(BODY("\x04\xd2\x16\x2e\x00\x00\x00\x2a\xff\xff\xff"), &st, &c));
	free(c);
	CHECK(!parse(BODY("\x04\xd2\x16\x2e\x00\x00\x00\x2a\xff\xff\xff\xff\x00"), &st, &c));
	free(c);
	CHECK(!parse(BODY("\x04\xd2\x16\x2e"), &st, &c));
	free(c);
}

static void startup_encryption_requests_have_no_body(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(parse(BODY("\x04\xd2\x16\x2f"), &st, &c));
	CHECK_EQ_INT(st.code, PGWIRE_SSL_REQUEST);
	free(c);
	CHECK(parse(BODY("\x04\xd2\x16\x30"), &st, &c));
	CHECK_EQ_INT(st.code, PGWIRE_GSSENC_REQUEST);
	free(c);
	CHECK(!parse(BODY("\x04\xd2\x16\x2f\x00"), &st, &c));
	free(c);
	CHECK(!parse(BODY("\x04\xd2\x16\x30\x00\x00\x00\x00"), &st, &c));
	free(c);
}

static void startup_leaves_other_versions_to_caller(void)
{
	pgw_startup st;
	uint8_t *c;
	CHECK(parse(BODY("\x00\x02\x00\x00garbage without terminator"), &st, &c));
	CHECK_EQ_INT(st.code, 2u << 16);
	CHECK_EQ_INT(st.nparams, 0);
	free(c);
	CHECK(parse(BODY("\x00\x03\x00\x02user\0u\0\0"), &st, &c)); /* 3.2: same layout */
	CHECK_EQ_INT(st.nparams, 1);
	free(c);
}

static void startup_refuses_oversized(void)
{
	static uint8_t body[PGWIRE_MAX_STARTUP + 1];
	memcpy(body, "\x00\x03\x00\x00", 4);
	pgw_startup st;
	CHECK(!pgw_parse_startup(body, sizeof body, &st, NULL, 0));
	CHECK(pgw_parse_startup(body, 5, &st, NULL, 0));
}

TEST_MAIN(TEST(get_u8_stops_at_end), TEST(get_i16_needs_two_bytes), TEST(get_i32_and_u32_need_four_bytes),
	  TEST(get_cstr_requires_nul_inside_message), TEST(get_bytes_at_exact_length),
	  TEST(auth_messages_bytes), TEST(session_messages_bytes), TEST(empty_messages_bytes),
	  TEST(descriptions_bytes), TEST(data_row_bytes), TEST(data_row_cell_refuses_bad_length),
	  TEST(error_response_has_only_given_fields), TEST(copy_in_response_bytes),
	  TEST(startup_message_bytes), TEST(messages_follow_each_other), TEST(length_covers_grown_message),
	  TEST(failure_is_sticky_under_limit), TEST(unbalanced_begin_end_fails),
	  TEST(startup_parses_parameters), TEST(startup_round_trips_builder), TEST(startup_refuses_truncated),
	  TEST(startup_refuses_missing_terminator), TEST(startup_refuses_name_without_value),
	  TEST(startup_refuses_bytes_after_terminator), TEST(startup_allows_64_refuses_65_parameters),
	  TEST(startup_checks_cancel_length), TEST(startup_encryption_requests_have_no_body),
	  TEST(startup_leaves_other_versions_to_caller), TEST(startup_refuses_oversized))
