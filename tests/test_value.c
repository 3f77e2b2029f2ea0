/* coordinator/value: PostgreSQL's text and binary formats, casts and
 * comparisons. Expected texts, SQLSTATEs and messages are what PostgreSQL
 * (15, or 17 where the input rules changed) and pgvector 0.8 answer;
 * differences OmenDB documents (numeric as a double, jsonb not normalised,
 * one-dimensional arrays) are tested as OmenDB's behaviour. */
#include <math.h>
#include <stdint.h>

#include "test.h"
#include "value.h"
#include "vector.h"

/* One arena for the whole run: the values are small, and what is left at
 * exit stays reachable from here. */
static arena A;

#define NUMERIC_TYPMOD(p, s) ((((p) << 16) | ((s)&0x7ff)) + 4)
#define VARCHAR_TYPMOD(n) ((n) + 4)

static int from_text(pg_oid t, int32_t typmod, const char *s, value *v, value_error *e)
{
	return value_from_text(&A, t, typmod, s, strlen(s), v, e);
}

static const char *text_of(const value *v)
{
	char *s;
	size_t len;
	value_error e;
	if (value_to_text(&A, v, &s, &len, &e)) {
		fprintf(stderr, "  value_to_text failed: %s %s\n", e.sqlstate, e.message);
		return "<error>";
	}
	if (strlen(s) != len)
		return "<length mismatch>";
	return s;
}

/* input (typmod) reads and prints as want. */
static void expect_text(pg_oid t, int32_t typmod, const char *input, const char *want)
{
	value v;
	value_error e;
	if (from_text(t, typmod, input, &v, &e)) {
		fprintf(stderr, "  %s '%s': %s %s\n", value_type_name(t), input, e.sqlstate, e.message);
		CHECK(!"input failed");
		return;
	}
	const char *got = text_of(&v);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "  %s '%s' printed '%s', want '%s'\n", value_type_name(t), input, got, want);
	CHECK(strcmp(got, want) == 0);
}

/* input (typmod) fails with state and, when msg is not NULL, that message. */
static void expect_error(pg_oid t, int32_t typmod, const char *input, const char *state, const char *msg)
{
	value v;
	value_error e;
	if (from_text(t, typmod, input, &v, &e) == 0) {
		fprintf(stderr, "  %s '%s' was accepted as '%s'\n", value_type_name(t), input, text_of(&v));
		CHECK(!"input accepted");
		return;
	}
	bool ok = strcmp(e.sqlstate, state) == 0 && (!msg || strcmp(e.message, msg) == 0);
	if (!ok)
		fprintf(stderr, "  %s '%s': got %s \"%s\", want %s \"%s\"\n", value_type_name(t), input,
			e.sqlstate, e.message, state, msg ? msg : "...");
	CHECK(ok);
}

static value parsed(pg_oid t, int32_t typmod, const char *s)
{
	value v = value_null(t);
	value_error e;
	if (from_text(t, typmod, s, &v, &e)) {
		fprintf(stderr, "  %s '%s': %s %s\n", value_type_name(t), s, e.sqlstate, e.message);
		CHECK(!"input failed");
	}
	return v;
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* The binary form of v is the bytes written in hex (spaces ignored). */
static void expect_binary(const value *v, const char *hex)
{
	uint8_t want[256];
	size_t n = 0;
	for (const char *p = hex; *p; p++) {
		if (*p == ' ')
			continue;
		want[n++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
		p++;
	}
	uint8_t *got;
	size_t len;
	value_error e;
	CHECK_EQ_INT(value_to_binary(&A, v, &got, &len, &e), 0);
	CHECK_EQ_INT(len, n);
	CHECK(len == n && memcmp(got, want, n) == 0);
}

static void expect_binary_error(pg_oid t, int32_t typmod, const uint8_t *p, size_t len, const char *state)
{
	value v;
	value_error e;
	if (value_from_binary(&A, t, typmod, p, len, &v, &e) == 0) {
		CHECK(!"binary input accepted");
		return;
	}
	if (strcmp(e.sqlstate, state) != 0)
		fprintf(stderr, "  %s binary: got %s \"%s\", want %s\n", value_type_name(t), e.sqlstate,
			e.message, state);
	CHECK(strcmp(e.sqlstate, state) == 0);
}

static void type_names_follow_format_type(void)
{
	static const struct {
		pg_oid t;
		const char *name;
	} names[] = {
	    {OID_BOOL, "boolean"},
	    {OID_INT8, "bigint"},
	    {OID_INT4, "integer"},
	    {OID_INT2, "smallint"},
	    {OID_TEXT, "text"},
	    {OID_FLOAT4, "real"},
	    {OID_FLOAT8, "double precision"},
	    {OID_NUMERIC, "numeric"},
	    {OID_JSONB, "jsonb"},
	    {OID_JSON, "json"},
	    {OID_TIMESTAMPTZ, "timestamp with time zone"},
	    {OID_TIMESTAMP, "timestamp without time zone"},
	    {OID_VECTOR, "vector"},
	    {OID_FLOAT4_ARRAY, "real[]"},
	    {OID_VECTOR_ARRAY, "vector[]"},
	    {OID_VARCHAR, "character varying"},
	    {OID_BPCHAR, "character"},
	    {OID_CHAR, "\"char\""},
	    {OID_NAME, "name"},
	    {OID_OID, "oid"},
	    {OID_REGTYPE, "regtype"},
	    {OID_BIT, "bit"},
	    {OID_VARBIT, "bit varying"},
	    {OID_UNKNOWN, "unknown"},
	    {OID_BYTEA, "bytea"},
	    {OID_TEXT_ARRAY, "text[]"},
	    {OID_INT4_ARRAY, "integer[]"},
	    {0, "-"},
	    {99999, "???"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECK(strcmp(value_type_name(names[i].t), names[i].name) == 0);
}

static void type_lengths_follow_pg_type(void)
{
	CHECK_EQ_INT(value_type_len(OID_BOOL), 1);
	CHECK_EQ_INT(value_type_len(OID_INT2), 2);
	CHECK_EQ_INT(value_type_len(OID_INT4), 4);
	CHECK_EQ_INT(value_type_len(OID_INT8), 8);
	CHECK_EQ_INT(value_type_len(OID_FLOAT4), 4);
	CHECK_EQ_INT(value_type_len(OID_FLOAT8), 8);
	CHECK_EQ_INT(value_type_len(OID_OID), 4);
	CHECK_EQ_INT(value_type_len(OID_REGTYPE), 4);
	CHECK_EQ_INT(value_type_len(OID_TIMESTAMPTZ), 8);
	CHECK_EQ_INT(value_type_len(OID_NAME), 64);
	CHECK_EQ_INT(value_type_len(OID_CHAR), 1);
	CHECK_EQ_INT(value_type_len(OID_UNKNOWN), -2);
	CHECK_EQ_INT(value_type_len(OID_TEXT), -1);
	CHECK_EQ_INT(value_type_len(OID_VECTOR), -1);
	CHECK_EQ_INT(value_type_len(OID_NUMERIC), -1);
	CHECK_EQ_INT(value_type_len(OID_INT4_ARRAY), -1);
}

static void array_types_map_both_ways(void)
{
	static const pg_oid pairs[][2] = {{OID_BOOL, OID_BOOL_ARRAY},
					  {OID_INT2, OID_INT2_ARRAY},
					  {OID_INT4, OID_INT4_ARRAY},
					  {OID_INT8, OID_INT8_ARRAY},
					  {OID_FLOAT4, OID_FLOAT4_ARRAY},
					  {OID_FLOAT8, OID_FLOAT8_ARRAY},
					  {OID_TEXT, OID_TEXT_ARRAY},
					  {OID_OID, OID_OID_ARRAY},
					  {OID_NUMERIC, OID_NUMERIC_ARRAY},
					  {OID_VARCHAR, OID_VARCHAR_ARRAY},
					  {OID_TIMESTAMPTZ, OID_TIMESTAMPTZ_ARRAY},
					  {OID_JSONB, OID_JSONB_ARRAY},
					  {OID_VECTOR, OID_VECTOR_ARRAY}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		CHECK_EQ_INT(value_array_of(pairs[i][0]), pairs[i][1]);
		CHECK_EQ_INT(value_array_elem(pairs[i][1]), pairs[i][0]);
		CHECK_EQ_INT(value_array_elem(pairs[i][0]), 0);
	}
	CHECK_EQ_INT(value_array_of(OID_UNKNOWN), 0);
	CHECK_EQ_INT(value_array_of(OID_INT4_ARRAY), 0);
}

static const struct {
	pg_oid t;
	int32_t typmod;
	const char *input, *output;
} round_trips[] = {
    {OID_BOOL, -1, " TRUE ", "t"},
    {OID_BOOL, -1, "off", "f"},
    {OID_INT2, -1, "-32768", "-32768"},
    {OID_INT4, -1, " +2147483647 ", "2147483647"},
    {OID_INT8, -1, "-9223372036854775808", "-9223372036854775808"},
    {OID_INT4, -1, "0x7fff_ffff", "2147483647"},
    {OID_INT8, -1, "0b101", "5"},
    {OID_INT2, -1, "0o17", "15"},
    {OID_INT4, -1, "1_000_000", "1000000"},
    {OID_OID, -1, "4294967295", "4294967295"},
    {OID_OID, -1, "-1", "4294967295"},
    {OID_FLOAT4, -1, "0.1", "0.1"},
    {OID_FLOAT4, -1, "1e-45", "1e-45"},
    {OID_FLOAT4, -1, "3.4028235e38", "3.4028235e+38"},
    {OID_FLOAT4, -1, "-0", "-0"},
    {OID_FLOAT4, -1, "1234567", "1.234567e+06"},
    {OID_FLOAT4, -1, " nan ", "NaN"},
    {OID_FLOAT4, -1, "-inf", "-Infinity"},
    {OID_FLOAT8, -1, "0.1", "0.1"},
    {OID_FLOAT8, -1, "1e100", "1e+100"},
    {OID_FLOAT8, -1, "1e15", "1e+15"},
    {OID_FLOAT8, -1, "1e14", "100000000000000"},
    {OID_FLOAT8, -1, "123456789012345.6", "123456789012345.6"},
    {OID_FLOAT8, -1, "5e-324", "5e-324"},
    {OID_FLOAT8, -1, "1.7976931348623157e308", "1.7976931348623157e+308"},
    {OID_FLOAT8, -1, "0.30000000000000004", "0.30000000000000004"},
    {OID_FLOAT8, -1, "0.0001", "0.0001"},
    {OID_FLOAT8, -1, "0.00001", "1e-05"},
    {OID_FLOAT8, -1, "Infinity", "Infinity"},
    {OID_FLOAT8, -1, "0x10", "16"},
    {OID_NUMERIC, -1, "1.5", "1.5"},
    {OID_NUMERIC, -1, " 1.5e3 ", "1500"},
    {OID_NUMERIC, -1, ".5", "0.5"},
    {OID_NUMERIC, -1, "+.5e-2", "0.005"},
    {OID_NUMERIC, -1, "1e20", "100000000000000000000"},
    {OID_NUMERIC, -1, "-1e-7", "-0.0000001"},
    {OID_NUMERIC, -1, "-0", "0"},
    {OID_NUMERIC, -1, "nan", "NaN"},
    {OID_NUMERIC, -1, " -inf ", "-Infinity"},
    {OID_NUMERIC, -1, "1_000.5", "1000.5"},
    {OID_NUMERIC, NUMERIC_TYPMOD(5, 2), "1.005", "1.01"},
    {OID_NUMERIC, NUMERIC_TYPMOD(5, 2), "999.994", "999.99"},
    {OID_NUMERIC, NUMERIC_TYPMOD(5, 2), "-0.004", "0"},
    {OID_NUMERIC, NUMERIC_TYPMOD(3, -1), "9994", "9990"},
    {OID_TEXT, -1, " any text é ", " any text é "},
    {OID_TEXT, -1, "", ""},
    {OID_VARCHAR, VARCHAR_TYPMOD(3), "ab ", "ab "},
    {OID_VARCHAR, VARCHAR_TYPMOD(3), "abc   ", "abc"},
    {OID_VARCHAR, VARCHAR_TYPMOD(3), "éèà", "éèà"},
    {OID_BPCHAR, VARCHAR_TYPMOD(5), "ab", "ab   "},
    {OID_NAME, -1, "pg_catalog", "pg_catalog"},
    {OID_CHAR, -1, "x", "x"},
    {OID_CHAR, -1, "\\101", "A"},
    {OID_CHAR, -1, "\\303", "\\303"},
    {OID_CHAR, -1, "", ""},
    {OID_BYTEA, -1, "\\x01AB", "\\x01ab"},
    {OID_BYTEA, -1, "\\x01 02", "\\x0102"},
    {OID_BYTEA, -1, "ab\\\\c\\001", "\\x61625c6301"},
    {OID_BYTEA, -1, "", "\\x"},
    {OID_JSON, -1, " [1, {\"a\": null}] ", " [1, {\"a\": null}] "},
    {OID_JSON, -1, "\"\\ud800\"", "\"\\ud800\""},
    {OID_JSONB, -1, "{\"b\":1, \"a\":[true,false,null,-0.5E-3]}",
     "{\"b\":1, \"a\":[true,false,null,-0.5E-3]}"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02 03:04:05.123", "2024-01-02 03:04:05.123+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02T03:04:05Z", "2024-01-02 03:04:05+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02 03:04:05+05:30", "2024-01-01 21:34:05+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02 03:04:05-0130", "2024-01-02 04:34:05+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02T03:04:05.5+01:00:30", "2024-01-02 02:03:35.5+00"},
    {OID_TIMESTAMPTZ, -1, "2024-1-2", "2024-01-02 00:00:00+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02 3:4:5 UTC", "2024-01-02 03:04:05+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02 03:04:05.123456789", "2024-01-02 03:04:05.123457+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02 24:00:00", "2024-01-03 00:00:00+00"},
    {OID_TIMESTAMPTZ, -1, "2024-01-02 23:59:60", "2024-01-03 00:00:00+00"},
    {OID_TIMESTAMPTZ, -1, "2024-02-29", "2024-02-29 00:00:00+00"},
    {OID_TIMESTAMPTZ, -1, "0001-01-01", "0001-01-01 00:00:00+00"},
    {OID_TIMESTAMPTZ, -1, "10000-01-01", "10000-01-01 00:00:00+00"},
    {OID_TIMESTAMPTZ, -1, "294276-12-31 23:59:59.999999", "294276-12-31 23:59:59.999999+00"},
    {OID_TIMESTAMPTZ, -1, "1999-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999+00"},
    {OID_TIMESTAMPTZ, -1, "epoch", "1970-01-01 00:00:00+00"},
    {OID_TIMESTAMPTZ, -1, "Infinity", "infinity"},
    {OID_TIMESTAMPTZ, -1, "-infinity", "-infinity"},
    {OID_TIMESTAMPTZ, 0, "2024-01-02 03:04:05.5", "2024-01-02 03:04:06+00"},
    {OID_TIMESTAMPTZ, 1, "2024-01-02 03:04:05.25", "2024-01-02 03:04:05.3+00"},
    {OID_TIMESTAMP, -1, "2024-01-02 03:04:05+05", "2024-01-02 03:04:05"},
    {OID_BIT, 4, "1010", "1010"},
    {OID_BIT, -1, "x1F", "00011111"},
    {OID_VARBIT, 3, "B10", "10"},
    {OID_VARBIT, -1, "", ""},
    {OID_REGTYPE, -1, "integer", "integer"},
    {OID_REGTYPE, -1, "vector", "vector"},
    {OID_REGTYPE, -1, "0", "-"},
    {OID_REGTYPE, -1, "99999", "99999"},
    {OID_VECTOR, -1, " [1, 2.5 ,-3] ", "[1,2.5,-3]"},
    {OID_VECTOR, 3, "[0.1,1e20,1.5e-7]", "[0.1,1e+20,1.5e-07]"},
    {OID_INT4_ARRAY, -1, "{1, 2 ,NULL}", "{1,2,NULL}"},
    {OID_INT4_ARRAY, -1, " { } ", "{}"},
    {OID_INT4_ARRAY, -1, "[1:2]={1,2}", "{1,2}"},
    {OID_TEXT_ARRAY, -1, "{1,NULL,\"a b\",\"\",null,\"NULL\",\"x\\\"y\"}",
     "{1,NULL,\"a b\",\"\",NULL,\"NULL\",\"x\\\"y\"}"},
    {OID_TEXT_ARRAY, -1, "{  a  , b }", "{a,b}"},
    {OID_TEXT_ARRAY, -1, "{a\\,b,ab\\ ,a b,\\\\}", "{\"a,b\",\"ab \",\"a b\",\"\\\\\"}"},
    {OID_FLOAT8_ARRAY, -1, "{1.5,NULL,1e100,NaN,-Infinity}", "{1.5,NULL,1e+100,NaN,-Infinity}"},
    {OID_FLOAT4_ARRAY, -1, "{0.1,1e-45}", "{0.1,1e-45}"},
    {OID_BOOL_ARRAY, -1, "{t,f,NULL,yes}", "{t,f,NULL,t}"},
    {OID_INT2_ARRAY, -1, "{-32768}", "{-32768}"},
    {OID_INT8_ARRAY, -1, "{9223372036854775807}", "{9223372036854775807}"},
    {OID_OID_ARRAY, -1, "{23,25}", "{23,25}"},
    {OID_NUMERIC_ARRAY, -1, "{1.5,2}", "{1.5,2}"},
    {OID_TIMESTAMPTZ_ARRAY, -1, "{\"2024-01-02\",infinity}", "{\"2024-01-02 00:00:00+00\",infinity}"},
    {OID_VECTOR_ARRAY, 2, "{\"[1,2]\",NULL,\"[3,4]\"}", "{\"[1,2]\",NULL,\"[3,4]\"}"},
    {OID_VARCHAR_ARRAY, VARCHAR_TYPMOD(2), "{ab,\"a  \"}", "{ab,\"a \"}"},
    {OID_JSONB_ARRAY, -1, "{\"{\\\"a\\\": 1}\"}", "{\"{\\\"a\\\": 1}\"}"},
};

static void text_round_trips_every_type(void)
{
	for (size_t i = 0; i < sizeof round_trips / sizeof round_trips[0]; i++) {
		expect_text(round_trips[i].t, round_trips[i].typmod, round_trips[i].input,
			    round_trips[i].output);
		/* The output reads back as itself. */
		expect_text(round_trips[i].t, round_trips[i].typmod, round_trips[i].output,
			    round_trips[i].output);
	}
}

static void binary_round_trips_every_type(void)
{
	for (size_t i = 0; i < sizeof round_trips / sizeof round_trips[0]; i++) {
		pg_oid t = round_trips[i].t;
		value v = parsed(t, round_trips[i].typmod, round_trips[i].input), w;
		uint8_t *bin;
		size_t len;
		value_error e;
		CHECK_EQ_INT(value_to_binary(&A, &v, &bin, &len, &e), 0);
		if (value_from_binary(&A, t, round_trips[i].typmod, bin, len, &w, &e)) {
			fprintf(stderr, "  %s '%s' binary: %s %s\n", value_type_name(t), round_trips[i].input,
				e.sqlstate, e.message);
			CHECK(!"binary input failed");
			continue;
		}
		const char *got = text_of(&w);
		if (strcmp(got, round_trips[i].output) != 0)
			fprintf(stderr, "  %s '%s' via binary printed '%s'\n", value_type_name(t),
				round_trips[i].input, got);
		CHECK(strcmp(got, round_trips[i].output) == 0);
	}
}

static void binary_formats_match_postgres_bytes(void)
{
	value v = parsed(OID_INT4, -1, "42");
	expect_binary(&v, "0000002a");
	v = parsed(OID_INT2, -1, "-2");
	expect_binary(&v, "fffe");
	v = parsed(OID_BOOL, -1, "t");
	expect_binary(&v, "01");
	v = parsed(OID_FLOAT8, -1, "1");
	expect_binary(&v, "3ff0000000000000");
	/* numeric: ndigits, weight, sign, dscale, base-10000 digits. */
	v = parsed(OID_NUMERIC, -1, "1.5");
	expect_binary(&v, "0002 0000 0000 0001 0001 1388");
	v = parsed(OID_NUMERIC, -1, "-12345.678");
	expect_binary(&v, "0003 0001 4000 0003 0001 0929 1a7c");
	v = parsed(OID_NUMERIC, -1, "0.00012");
	expect_binary(&v, "0002 ffff 0000 0005 0001 07d0");
	v = parsed(OID_NUMERIC, -1, "0");
	expect_binary(&v, "0000 0000 0000 0000");
	v = parsed(OID_NUMERIC, -1, "NaN");
	expect_binary(&v, "0000 0000 c000 0000");
	v = parsed(OID_TIMESTAMPTZ, -1, "2000-01-01 00:00:01+00");
	expect_binary(&v, "00000000000f4240");
	v = parsed(OID_BIT, -1, "101");
	expect_binary(&v, "00000003 a0");
	v = parsed(OID_JSONB, -1, "[1]");
	expect_binary(&v, "01 5b315d");
	v = parsed(OID_VECTOR, -1, "[1,2]");
	expect_binary(&v, "0002 0000 3f800000 40000000");
	/* Arrays: ndim, has-nulls, element type, length and lower bound, then
	 * length-prefixed elements (-1 for NULL). */
	v = parsed(OID_INT4_ARRAY, -1, "{1,NULL}");
	expect_binary(&v, "00000001 00000001 00000017 00000002 00000001 00000004 00000001 ffffffff");
	v = parsed(OID_INT4_ARRAY, -1, "{}");
	expect_binary(&v, "00000000 00000000 00000017");
	v = parsed(OID_CHAR, -1, "");
	expect_binary(&v, "00");
}

static void integer_input_errors_match_postgres(void)
{
	expect_error(OID_INT4, -1, "2147483648", "22003",
		     "value \"2147483648\" is out of range for type integer");
	expect_error(OID_INT4, -1, "-2147483649", "22003", NULL);
	expect_error(OID_INT2, -1, "32768", "22003", "value \"32768\" is out of range for type smallint");
	expect_error(OID_INT8, -1, "9223372036854775808", "22003",
		     "value \"9223372036854775808\" is out of range for type bigint");
	expect_error(OID_INT4, -1, "x", "22P02", "invalid input syntax for type integer: \"x\"");
	expect_error(OID_INT4, -1, "", "22P02", "invalid input syntax for type integer: \"\"");
	expect_error(OID_INT2, -1, "1.0", "22P02", "invalid input syntax for type smallint: \"1.0\"");
	expect_error(OID_INT8, -1, "1 2", "22P02", "invalid input syntax for type bigint: \"1 2\"");
	/* The range is checked while reading, before the junk. */
	expect_error(OID_INT4, -1, "99999999999x", "22003", NULL);
	static const char *bad[] = {"-", "+", "_1", "1_", "1__0", "0x", "0x_", "0b2", "- 1", "1e3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_error(OID_INT4, -1, bad[i], "22P02", NULL);
	expect_text(OID_INT4, -1, "0x_1F", "31"); /* after a prefix '_' may come first */
	expect_error(OID_OID, -1, "4294967296", "22003", "value \"4294967296\" is out of range for type oid");
	expect_error(OID_OID, -1, "abc", "22P02", "invalid input syntax for type oid: \"abc\"");
}

static void float_input_errors_match_postgres(void)
{
	expect_error(OID_FLOAT4, -1, "1e39", "22003", "\"1e39\" is out of range for type real");
	expect_error(OID_FLOAT4, -1, "1e-46", "22003", "\"1e-46\" is out of range for type real");
	expect_error(OID_FLOAT8, -1, " 1e400 ", "22003",
		     "\"1e400\" is out of range for type double precision");
	expect_error(OID_FLOAT8, -1, "1e-400", "22003", NULL);
	expect_error(OID_FLOAT8, -1, "infinityx", "22P02",
		     "invalid input syntax for type double precision: \"infinityx\"");
	expect_error(OID_FLOAT4, -1, "", "22P02", "invalid input syntax for type real: \"\"");
	expect_error(OID_FLOAT4, -1, "1,5", "22P02", NULL);
	expect_text(OID_FLOAT8, -1, "1e-310", "1e-310"); /* a denormal is in range */
}

static void numeric_input_errors_and_typmod(void)
{
	static const char *bad[] = {".", "1e", "-nan", "abc", "", "1e+", "1._5", "0x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_error(OID_NUMERIC, -1, bad[i], "22P02", NULL);
	expect_error(OID_NUMERIC, -1, "1e400", "22003", "value overflows numeric format");
	expect_error(OID_NUMERIC, NUMERIC_TYPMOD(5, 2), "1234.5", "22003", "numeric field overflow");
	expect_error(OID_NUMERIC, NUMERIC_TYPMOD(5, 2), "999.995", "22003", "numeric field overflow");
	expect_error(OID_NUMERIC, NUMERIC_TYPMOD(5, 2), "Infinity", "22003", "numeric field overflow");
	expect_text(OID_NUMERIC, NUMERIC_TYPMOD(5, 2), "NaN", "NaN");
}

static void bool_input_takes_postgres_spellings(void)
{
	static const char *yes[] = {"t", "tr", "true", "TRUE", " yes ", "y", "on", "1", "Ye"};
	static const char *no[] = {"f", "false", "FA", "no", "n", "off", "of", "0"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		expect_text(OID_BOOL, -1, yes[i], "t");
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		expect_text(OID_BOOL, -1, no[i], "f");
	static const char *bad[] = {"o", "11", "", "truex", "yess", "2", "  "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_error(OID_BOOL, -1, bad[i], "22P02", NULL);
	expect_error(OID_BOOL, -1, "o", "22P02", "invalid input syntax for type boolean: \"o\"");
}

static void timestamp_input_errors_match_postgres(void)
{
	expect_error(OID_TIMESTAMPTZ, -1, "2024-02-30", "22008",
		     "date/time field value out of range: \"2024-02-30\"");
	expect_error(OID_TIMESTAMPTZ, -1, "2024-13-01", "22008", NULL);
	expect_error(OID_TIMESTAMPTZ, -1, "2023-02-29", "22008", NULL);
	expect_error(OID_TIMESTAMPTZ, -1, "2024-01-02 24:00:01", "22008", NULL);
	expect_error(OID_TIMESTAMPTZ, -1, "2024-01-02 12:60:00", "22008", NULL);
	expect_error(OID_TIMESTAMPTZ, -1, "garbage", "22007",
		     "invalid input syntax for type timestamp with time zone: \"garbage\"");
	expect_error(OID_TIMESTAMP, -1, "12:30", "22007",
		     "invalid input syntax for type timestamp: \"12:30\"");
	expect_error(OID_TIMESTAMPTZ, -1, "2024-01-02T", "22007", NULL);
	expect_error(OID_TIMESTAMPTZ, -1, "24-01-02", "22007", NULL);
	expect_error(OID_TIMESTAMPTZ, -1, "2024-01-02 03:04:05 Europe/Paris", "22007", NULL);
	expect_error(OID_TIMESTAMPTZ, -1, "2024-01-02 03:04:05+16", "22009",
		     "time zone displacement out of range: \"2024-01-02 03:04:05+16\"");
	expect_error(OID_TIMESTAMPTZ, -1, "294277-01-01", "22008",
		     "timestamp out of range: \"294277-01-01\"");
	expect_error(OID_TIMESTAMPTZ, -1, "999999999-01-01", "22008", NULL);
}

static void timestamp_now_is_current_time(void)
{
	value now = parsed(OID_TIMESTAMPTZ, -1, "now"), today = parsed(OID_TIMESTAMPTZ, -1, "today");
	value tomorrow = parsed(OID_TIMESTAMPTZ, -1, "tomorrow"),
	      y2024 = parsed(OID_TIMESTAMPTZ, -1, "2024-01-01");
	CHECK(now.u.i > y2024.u.i);
	CHECK(today.u.i <= now.u.i && now.u.i < tomorrow.u.i);
	CHECK_EQ_INT(tomorrow.u.i - today.u.i, INT64_C(86400000000));
}

static void json_validation_is_strict(void)
{
	static const char *good[] = {"1",
				     "-0",
				     "0.0e+0",
				     "1E+2",
				     "\"\\/\"",
				     "[]",
				     "{}",
				     " [true,false,null] ",
				     "{\"a\":[1,2,{\"b\":true}]}",
				     "\"\\uD834\\uDD1E\"",
				     "\"\\u0000\""};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		expect_text(OID_JSON, -1, good[i], good[i]);
	static const char *bad[] = {"01",	 "1.",	     "[1,]",	   "\"\\x\"",	"\"\\u12\"", "TRUE",
				    "-",	 "nul",	     "[1] x",	   "{\"a\" 1}", "{1:1}",     "",
				    " ",	 "[",	     "{\"a\":1,}", "{,}",	"[1 2]",     "\"abc",
				    "truefalse", "\"a\tb\"", ".5",	   "+1",	"1e",	     "[1]]",
				    "{\"a\"}",	 "'a'"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_error(OID_JSON, -1, bad[i], "22P02", "invalid input syntax for type json");
}

static void jsonb_refuses_nul_escape_and_lone_surrogates(void)
{
	expect_error(OID_JSONB, -1, "\"\\u0000\"", "22P05", "unsupported Unicode escape sequence");
	expect_error(OID_JSONB, -1, "\"\\ud800\"", "22P02", "invalid input syntax for type json");
	expect_error(OID_JSONB, -1, "\"\\udc00\"", "22P02", NULL);
	expect_error(OID_JSONB, -1, "\"\\ud800\\u0041\"", "22P02", NULL);
	expect_text(OID_JSONB, -1, "\"\\uD834\\uDD1E\"", "\"\\uD834\\uDD1E\"");
}

static void json_nesting_is_limited(void)
{
	/* 1000 levels of containers are fine, 1001 are not. */
	size_t n = 1001;
	char *s = malloc(2 * n + 1);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = 0;
	value v;
	value_error e;
	CHECK_EQ_INT(from_text(OID_JSONB, -1, s, &v, &e), -1);
	CHECK(strcmp(e.sqlstate, "54001") == 0);
	CHECK_EQ_INT(value_from_text(&A, OID_JSONB, -1, s + 1, 2 * n - 2, &v, &e), 0);
	free(s);
	s = malloc(2 * n + 2);
	memset(s, '[', n);
	s[n] = '1';
	memset(s + n + 1, ']', n);
	s[2 * n + 1] = 0;
	CHECK_EQ_INT(from_text(OID_JSON, -1, s, &v, &e), -1);
	CHECK(strcmp(e.sqlstate, "54001") == 0);
	CHECK_EQ_INT(value_from_text(&A, OID_JSON, -1, s + 1, 2 * n - 1, &v, &e), 0);
	free(s);
}

static void bit_bytea_char_input_errors(void)
{
	expect_error(OID_BIT, -1, "102", "22P02", "\"2\" is not a valid binary digit");
	expect_error(OID_VARBIT, -1, "xZZ", "22P02", "\"Z\" is not a valid hexadecimal digit");
	expect_error(OID_VARBIT, -1, "1é", "22P02", "\"é\" is not a valid binary digit");
	expect_error(OID_BIT, 4, "101", "22026", "bit string length 3 does not match type bit(4)");
	expect_error(OID_VARBIT, 3, "1010", "22026", "bit string too long for type bit varying(3)");
	expect_error(OID_BYTEA, -1, "\\x0", "22023", "invalid hexadecimal data: odd number of digits");
	expect_error(OID_BYTEA, -1, "\\xzz", "22023", "invalid hexadecimal digit: \"z\"");
	expect_error(OID_BYTEA, -1, "a\\q", "22P02", "invalid input syntax for type bytea");
	expect_error(OID_BYTEA, -1, "\\", "22P02", NULL);
	expect_error(OID_BYTEA, -1, "\\400", "22P02", NULL);
}

static void string_typmods_limit_length(void)
{
	expect_error(OID_VARCHAR, VARCHAR_TYPMOD(3), "abcd", "22001",
		     "value too long for type character varying(3)");
	expect_error(OID_VARCHAR, VARCHAR_TYPMOD(3), "éèàx", "22001", NULL);
	expect_error(OID_BPCHAR, VARCHAR_TYPMOD(2), "abc", "22001", "value too long for type character(2)");
	char long_name[80];
	memset(long_name, 'a', 70);
	long_name[70] = 0;
	value v = parsed(OID_NAME, -1, long_name);
	CHECK_EQ_INT(v.u.s.len, 63);
	/* A multibyte character is not split. */
	char accents[81] = "";
	for (int i = 0; i < 40; i++)
		strcat(accents, "é");
	v = parsed(OID_NAME, -1, accents);
	CHECK_EQ_INT(v.u.s.len, 62);
}

static void regtype_input_resolves_sql_and_catalog_names(void)
{
	static const struct {
		const char *name;
		pg_oid t;
	} names[] = {
	    {"int4", OID_INT4},
	    {"integer", OID_INT4},
	    {"INT", OID_INT4},
	    {" pg_catalog.int4 ", OID_INT4},
	    {"_int4", OID_INT4_ARRAY},
	    {"int[]", OID_INT4_ARRAY},
	    {"int4[][]", OID_INT4_ARRAY},
	    {"int4 [3]", OID_INT4_ARRAY},
	    {"double precision", OID_FLOAT8},
	    {"float", OID_FLOAT8},
	    {"float(24)", OID_FLOAT4},
	    {"float(25)", OID_FLOAT8},
	    {"real", OID_FLOAT4},
	    {"character varying(10)", OID_VARCHAR},
	    {"varchar", OID_VARCHAR},
	    {"char", OID_BPCHAR},
	    {"\"char\"", OID_CHAR},
	    {"pg_catalog.char", OID_CHAR},
	    {"timestamp with time zone", OID_TIMESTAMPTZ},
	    {"timestamp(3) without time zone", OID_TIMESTAMP},
	    {"timestamptz", OID_TIMESTAMPTZ},
	    {"decimal", OID_NUMERIC},
	    {"numeric(10,2)", OID_NUMERIC},
	    {"bit varying", OID_VARBIT},
	    {"boolean", OID_BOOL},
	    {"jsonb", OID_JSONB},
	    {"vector", OID_VECTOR},
	    {"public.vector", OID_VECTOR},
	    {"_vector", OID_VECTOR_ARRAY},
	    {"vector[]", OID_VECTOR_ARRAY},
	    {"\"vector\"", OID_VECTOR},
	    {"23", OID_INT4},
	    {"-", 0},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		value v = parsed(OID_REGTYPE, -1, names[i].name);
		if (v.u.i != names[i].t)
			fprintf(stderr, "  regtype '%s' gave %lld\n", names[i].name, (long long)v.u.i);
		CHECK_EQ_INT(v.u.i, names[i].t);
	}
	expect_error(OID_REGTYPE, -1, "Foo", "42704", "type \"foo\" does not exist");
	expect_error(OID_REGTYPE, -1, "foo[]", "42704", "type \"foo[]\" does not exist");
	expect_error(OID_REGTYPE, -1, "_int4[]", "42704", "type \"_int4[]\" does not exist");
	expect_error(OID_REGTYPE, -1, "pg_catalog.integer", "42704",
		     "type \"pg_catalog.integer\" does not exist");
	expect_error(OID_REGTYPE, -1, "pg_catalog.vector", "42704", NULL);
	expect_error(OID_REGTYPE, -1, "public.int4", "42704", NULL);
	expect_error(OID_REGTYPE, -1, "\"INT4\"", "42704", "type \"INT4\" does not exist");
	expect_error(OID_REGTYPE, -1, "int4[", "42601", NULL);
	expect_error(OID_REGTYPE, -1, "double", "42601", NULL);
	expect_error(OID_REGTYPE, -1, "", "42601", NULL);
	expect_error(OID_REGTYPE, -1, "a.b.c", "42601", NULL);
}

static void array_text_errors(void)
{
	static const char *bad[] = {"{1,,2}",	  "{1,2}x", "{1,2",	 "{,}",		"{\"a\"b}",
				    "{a\"b}",	  "1,2",    "{1}}",	 "{",		"[1:3]={1,2}",
				    "[1:2]{1,2}", "{1,2,}", "{\"1\" 2}", "{1 2 \"3\"}", "[]={}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_error(OID_INT4_ARRAY, -1, bad[i], "22P02", NULL);
	expect_error(OID_INT4_ARRAY, -1, "{1,,2}", "22P02", "malformed array literal: \"{1,,2}\"");
	expect_error(OID_INT4_ARRAY, -1, "{1 2}", "22P02", "invalid input syntax for type integer: \"1 2\"");
	expect_error(OID_INT4_ARRAY, -1, "{a}", "22P02", "invalid input syntax for type integer: \"a\"");
	expect_error(OID_INT4_ARRAY, -1, "{{1,2},{3,4}}", "0A000", NULL);
	expect_error(OID_INT4_ARRAY, -1, "[0:1]={1,2}", "0A000", NULL);
	expect_error(OID_VECTOR_ARRAY, 3, "{\"[1,2]\"}", "22000", "expected 3 dimensions, not 2");
}

static void vector_input_errors_use_pgvector_messages(void)
{
	expect_error(OID_VECTOR, -1, "[1,2", "22P02", "invalid input syntax for type vector: \"[1,2\"");
	expect_error(OID_VECTOR, -1, "[1,]", "22P02", NULL);
	expect_error(OID_VECTOR, -1, "[1 2]", "22P02", NULL);
	expect_error(OID_VECTOR, -1, "[1]x", "22P02", NULL);
	expect_error(OID_VECTOR, -1, "[]", "22000", "vector must have at least 1 dimension");
	expect_error(OID_VECTOR, -1, "[1,NaN]", "22000", "NaN not allowed in vector");
	expect_error(OID_VECTOR, -1, "[inf]", "22000", "infinite value not allowed in vector");
	expect_error(OID_VECTOR, -1, "[1, 1e39x]", "22003", "\"1e39\" is out of range for type vector");
	expect_error(OID_VECTOR, 3, "[1,2]", "22000", "expected 3 dimensions, not 2");
	size_t n = VECTOR_MAX_DIM + 1;
	char *s = malloc(2 * n + 2);
	char *p = s;
	*p++ = '[';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ",0" : "0");
	strcpy(p, "]");
	expect_error(OID_VECTOR, -1, s, "54000", "vector cannot have more than 16000 dimensions");
	p[-2] = ']';
	p[-1] = 0;
	value v = parsed(OID_VECTOR, -1, s);
	CHECK_EQ_INT(v.u.vec.dim, VECTOR_MAX_DIM);
	free(s);
}

static void text_input_must_be_utf8_without_nul(void)
{
	value v;
	value_error e;
	CHECK_EQ_INT(value_from_text(&A, OID_TEXT, -1, "a\0b", 3, &v, &e), -1);
	CHECK(strcmp(e.sqlstate, "22021") == 0);
	CHECK(strcmp(e.message, "invalid byte sequence for encoding \"UTF8\": 0x00") == 0);
	static const char *bad[] = {"\xc3\x28",		"\xc0\xaf", "\xed\xa0\x80",
				    "\xf4\x90\x80\x80", "\xff",	    "abc\xe2\x82"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ_INT(from_text(OID_TEXT, -1, bad[i], &v, &e), -1);
		CHECK(strcmp(e.sqlstate, "22021") == 0);
	}
	CHECK_EQ_INT(from_text(OID_INT4, -1, "1\xff", &v, &e), -1);
	CHECK(strcmp(e.sqlstate, "22021") == 0);
	CHECK_EQ_INT(from_text(OID_TEXT, -1, "\xf0\x9d\x84\x9e", &v, &e), 0);
}

static void input_reads_only_len_bytes(void)
{
	value v;
	value_error e;
	CHECK_EQ_INT(value_from_text(&A, OID_INT4, -1, "12345", 2, &v, &e), 0);
	CHECK_EQ_INT(v.u.i, 12);
	CHECK_EQ_INT(value_from_text(&A, OID_VECTOR, -1, "[1,2]junk", 5, &v, &e), 0);
	CHECK_EQ_INT(v.u.vec.dim, 2);
	CHECK_EQ_INT(value_from_text(&A, OID_INT4_ARRAY, -1, "{1,2}}", 5, &v, &e), 0);
	CHECK_EQ_INT(value_from_text(&A, OID_JSON, -1, "[1]]", 3, &v, &e), 0);
	CHECK_EQ_INT(value_from_text(&A, OID_TIMESTAMPTZ, -1, "2024-01-02x", 10, &v, &e), 0);
	CHECK_EQ_INT(value_from_text(&A, OID_NUMERIC, -1, "1.5e", 3, &v, &e), 0);
	CHECK(v.u.f == 1.5);
	CHECK_EQ_INT(value_from_text(&A, OID_BYTEA, -1, "\\x0102", 5, &v, &e), -1); /* odd digits */
}

static void binary_input_errors(void)
{
	static const uint8_t four[4] = {0, 0, 0, 1}, eight[8] = {0};
	expect_binary_error(OID_INT4, -1, four, 3, "08P01");
	expect_binary_error(OID_INT4, -1, eight, 5, "22P03");
	expect_binary_error(OID_INT8, -1, four, 4, "08P01");
	expect_binary_error(OID_BOOL, -1, four, 0, "08P01");
	expect_binary_error(OID_BOOL, -1, four, 2, "22P03");
	expect_binary_error(OID_FLOAT8, -1, four, 4, "08P01");
	expect_binary_error(OID_TIMESTAMPTZ, -1, four, 4, "08P01");
	static const uint8_t ts_big[8] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
	expect_binary_error(OID_TIMESTAMPTZ, -1, ts_big, 8, "22008");
	static const uint8_t num_sign[8] = {0, 0, 0, 0, 0x12, 0x34, 0, 0};
	expect_binary_error(OID_NUMERIC, -1, num_sign, 8, "22P03");
	static const uint8_t num_digit[10] = {0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10};
	expect_binary_error(OID_NUMERIC, -1, num_digit, 10, "22P03");
	static const uint8_t num_scale[8] = {0, 0, 0, 0, 0, 0, 0xc0, 0};
	expect_binary_error(OID_NUMERIC, -1, num_scale, 8, "22P03");
	expect_binary_error(OID_NUMERIC, -1, num_digit, 9, "08P01");
	static const uint8_t num_huge[10] = {0, 1, 0x7f, 0xff, 0, 0, 0, 0, 0, 1};
	expect_binary_error(OID_NUMERIC, -1, num_huge, 10, "22003");
	static const uint8_t bits_neg[4] = {0xff, 0xff, 0xff, 0xff};
	expect_binary_error(OID_BIT, -1, bits_neg, 4, "22P03");
	static const uint8_t bits_short[5] = {0, 0, 0, 9, 0xff};
	expect_binary_error(OID_VARBIT, -1, bits_short, 5, "08P01");
	static const uint8_t jsonb_v2[3] = {2, '[', ']'};
	expect_binary_error(OID_JSONB, -1, jsonb_v2, 3, "22P03");
	static const uint8_t jsonb_bad[3] = {1, '[', '['};
	expect_binary_error(OID_JSONB, -1, jsonb_bad, 3, "22P02");
	static const uint8_t text_bad[2] = {0xc3, 0x28};
	expect_binary_error(OID_TEXT, -1, text_bad, 2, "22021");
	uint8_t long_name[64];
	memset(long_name, 'a', sizeof long_name);
	expect_binary_error(OID_NAME, -1, long_name, 64, "42622");
	static const uint8_t vec_unused[8] = {0, 1, 0, 1, 0x3f, 0x80, 0, 0};
	expect_binary_error(OID_VECTOR, -1, vec_unused, 8, "22000");
	static const uint8_t vec_zero[4] = {0, 0, 0, 0};
	expect_binary_error(OID_VECTOR, -1, vec_zero, 4, "22000");
	static const uint8_t vec_big[4] = {0x3e, 0x81, 0, 0};
	expect_binary_error(OID_VECTOR, -1, vec_big, 4, "54000");
	static const uint8_t vec_nan[8] = {0, 1, 0, 0, 0x7f, 0xc0, 0, 0};
	expect_binary_error(OID_VECTOR, -1, vec_nan, 8, "22000");
	static const uint8_t vec_two[12] = {0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0x3f, 0x80, 0, 0};
	expect_binary_error(OID_VECTOR, 3, vec_two, 12, "22000");
	expect_binary_error(OID_VECTOR, -1, vec_two, 11, "08P01");
}

static void binary_array_errors_and_hostile_sizes(void)
{
	/* ndim 1, no nulls, int4, length 2^31-1, lower bound 1: no such data. */
	static const uint8_t huge[24] = {0, 0,	  0,	1,    0,    0,	  0, 0, 0, 0,
					 0, 0x17, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
	expect_binary_error(OID_INT4_ARRAY, -1, huge, sizeof huge, "08P01");
	static const uint8_t wrong_elem[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x19};
	expect_binary_error(OID_INT4_ARRAY, -1, wrong_elem, 12, "42804");
	static const uint8_t flags[12] = {0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x17};
	expect_binary_error(OID_INT4_ARRAY, -1, flags, 12, "22P03");
	static const uint8_t ndim[12] = {0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0x17};
	expect_binary_error(OID_INT4_ARRAY, -1, ndim, 12, "22P03");
	static const uint8_t twodim[12] = {0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x17};
	expect_binary_error(OID_INT4_ARRAY, -1, twodim, 12, "0A000");
	static const uint8_t lbound[20] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x17, 0, 0, 0, 1, 0, 0, 0, 0};
	expect_binary_error(OID_INT4_ARRAY, -1, lbound, 20, "0A000");
	/* An element length past the end, and one below -1. */
	static const uint8_t elem_len[28] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x17, 0, 0,
					     0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0,    0, 1};
	expect_binary_error(OID_INT4_ARRAY, -1, elem_len, 28, "22P03");
	static const uint8_t elem_neg[24] = {0, 0, 0, 1, 0, 0, 0, 0, 0,	   0,	 0,    0x17,
					     0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe};
	expect_binary_error(OID_INT4_ARRAY, -1, elem_neg, 24, "22P03");
	/* A bad element surfaces with the element type's error. */
	static const uint8_t elem_short[26] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x17, 0,
					       0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0,    1};
	expect_binary_error(OID_INT4_ARRAY, -1, elem_short, 26, "08P01");
	expect_binary_error(OID_INT4_ARRAY, -1, elem_short, 11, "08P01");
	uint8_t trailing[13] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x17, 0};
	expect_binary_error(OID_INT4_ARRAY, -1, trailing, 13, "22P03");
}

/* cast src (given as text of type st) to dt: want is the output, or a
 * SQLSTATE when it starts with '!'. */
static void expect_cast(pg_oid st, const char *src, pg_oid dt, int32_t typmod, bool explicit,
			const char *want)
{
	value v = parsed(st, -1, src), out;
	value_error e;
	int rc = value_cast(&A, &v, dt, typmod, explicit, &out, &e);
	const char *got = rc ? e.sqlstate : text_of(&out);
	bool ok = want[0] == '!' ? rc != 0 && strcmp(got, want + 1) == 0 : rc == 0 && strcmp(got, want) == 0;
	if (!ok)
		fprintf(stderr, "  %s '%s' -> %s%s: got %s%s (%s), want %s\n", value_type_name(st), src,
			value_type_name(dt), explicit ? "" : " (implicit)", rc ? "!" : "", got,
			rc ? e.message : "", want);
	CHECK(ok);
	if (rc == 0)
		CHECK_EQ_INT(out.type, dt);
}

static void casts_between_numbers_round_as_postgres(void)
{
	expect_cast(OID_FLOAT8, "2.5", OID_INT4, -1, true, "2"); /* rint: ties to even */
	expect_cast(OID_FLOAT8, "3.5", OID_INT4, -1, true, "4");
	expect_cast(OID_FLOAT8, "-2.5", OID_INT4, -1, true, "-2");
	expect_cast(OID_NUMERIC, "2.5", OID_INT4, -1, true, "3"); /* numeric: half away from zero */
	expect_cast(OID_NUMERIC, "-2.5", OID_INT4, -1, true, "-3");
	expect_cast(OID_FLOAT8, "2147483647.5", OID_INT4, -1, true, "!22003");
	expect_cast(OID_FLOAT8, "NaN", OID_INT4, -1, true, "!22003");
	expect_cast(OID_FLOAT8, "-32768.4", OID_INT2, -1, true, "-32768");
	expect_cast(OID_FLOAT8, "9.3e18", OID_INT8, -1, true, "!22003");
	expect_cast(OID_NUMERIC, "NaN", OID_INT4, -1, true, "!0A000");
	expect_cast(OID_NUMERIC, "-Infinity", OID_INT8, -1, true, "!0A000");
	expect_cast(OID_NUMERIC, "32767.5", OID_INT2, -1, true, "!22003");
	expect_cast(OID_INT4, "32768", OID_INT2, -1, true, "!22003");
	expect_cast(OID_INT8, "-2147483648", OID_INT4, -1, true, "-2147483648");
	expect_cast(OID_INT8, "2147483648", OID_INT4, -1, true, "!22003");
	expect_cast(OID_FLOAT8, "1e39", OID_FLOAT4, -1, true, "!22003");
	expect_cast(OID_FLOAT8, "1e-46", OID_FLOAT4, -1, true, "!22003");
	expect_cast(OID_FLOAT8, "0.1", OID_FLOAT4, -1, true, "0.1");
	expect_cast(OID_NUMERIC, "1e39", OID_FLOAT4, -1, true, "!22003");
	expect_cast(OID_INT4, "16777217", OID_FLOAT4, -1, true, "1.6777216e+07");
	expect_cast(OID_INT8, "9007199254740993", OID_FLOAT8, -1, true, "9.007199254740992e+15");
	/* float8 to numeric keeps 15 significant digits, float4 6. */
	expect_cast(OID_FLOAT8, "0.30000000000000004", OID_NUMERIC, -1, true, "0.3");
	expect_cast(OID_FLOAT8, "3.141592653589793", OID_NUMERIC, -1, true, "3.14159265358979");
	expect_cast(OID_FLOAT4, "1.2345678", OID_NUMERIC, -1, true, "1.23457");
	expect_cast(OID_FLOAT8, "-0", OID_NUMERIC, -1, true, "0");
	expect_cast(OID_FLOAT8, "Infinity", OID_NUMERIC, -1, true, "Infinity");
	expect_cast(OID_FLOAT8, "999.999", OID_NUMERIC, NUMERIC_TYPMOD(5, 2), true, "!22003");
	expect_cast(OID_INT4, "42", OID_NUMERIC, NUMERIC_TYPMOD(5, 2), false, "42");
}

static void cast_levels_follow_pg_cast(void)
{
	/* Widening and int to float/numeric: implicit. */
	expect_cast(OID_INT2, "1", OID_INT8, -1, false, "1");
	expect_cast(OID_INT4, "1", OID_FLOAT8, -1, false, "1");
	expect_cast(OID_NUMERIC, "1.5", OID_FLOAT8, -1, false, "1.5");
	/* Narrowing by assignment, with the range check. */
	expect_cast(OID_INT8, "5", OID_INT2, -1, false, "5");
	expect_cast(OID_FLOAT8, "2.5", OID_INT4, -1, false, "2");
	expect_cast(OID_FLOAT8, "1e10", OID_INT4, -1, false, "!22003");
	/* Explicit only. */
	expect_cast(OID_TEXT, "12", OID_INT4, -1, false, "!42846");
	expect_cast(OID_TEXT, " 12 ", OID_INT4, -1, true, "12");
	expect_cast(OID_INT4, "0", OID_BOOL, -1, false, "!42846");
	expect_cast(OID_INT4, "-5", OID_BOOL, -1, true, "t");
	expect_cast(OID_BOOL, "t", OID_INT4, -1, true, "1");
	expect_cast(OID_JSONB, "1", OID_INT4, -1, false, "!42846");
	/* No cast at all. */
	expect_cast(OID_INT8, "1", OID_BOOL, -1, true, "!42846");
	expect_cast(OID_BOOL, "t", OID_FLOAT8, -1, true, "!42846");
	expect_cast(OID_INT4, "1", OID_TIMESTAMPTZ, -1, true, "!42846");
	expect_cast(OID_INT4, "1", OID_INT4_ARRAY, -1, true, "!42846");
	expect_cast(OID_INT4_ARRAY, "{1}", OID_INT4, -1, true, "!42846");
	expect_cast(OID_TEXT, "a", OID_UNKNOWN, -1, true, "!42846");
	value v = parsed(OID_TEXT, -1, "12"), out;
	value_error e;
	CHECK_EQ_INT(value_cast(&A, &v, OID_INT4, -1, false, &out, &e), -1);
	CHECK(strcmp(e.message, "cannot cast type text to integer") == 0);
}

static void casts_to_and_from_strings(void)
{
	expect_cast(OID_BOOL, "t", OID_TEXT, -1, false, "true"); /* booltext, not boolout */
	expect_cast(OID_BOOL, "f", OID_VARCHAR, -1, true, "false");
	expect_cast(OID_INT4, "-42", OID_TEXT, -1, false, "-42");
	expect_cast(OID_FLOAT8, "1e100", OID_TEXT, -1, false, "1e+100");
	expect_cast(OID_VECTOR, "[1,2]", OID_TEXT, -1, false, "[1,2]");
	expect_cast(OID_INT4_ARRAY, "{1,2}", OID_TEXT, -1, false, "{1,2}");
	expect_cast(OID_JSONB, "{\"a\": 1}", OID_TEXT, -1, false, "{\"a\": 1}");
	expect_cast(OID_TIMESTAMPTZ, "2024-01-02 03:04:05.5", OID_TEXT, -1, false,
		    "2024-01-02 03:04:05.5+00");
	expect_cast(OID_TEXT, "2024-01-02", OID_TIMESTAMPTZ, -1, true, "2024-01-02 00:00:00+00");
	expect_cast(OID_TEXT, "{1,2}", OID_INT4_ARRAY, -1, true, "{1,2}");
	expect_cast(OID_TEXT, "[1,2]", OID_VECTOR, 2, true, "[1,2]");
	expect_cast(OID_TEXT, "{\"a\": 1}", OID_JSONB, -1, true, "{\"a\": 1}");
	expect_cast(OID_TEXT, "{", OID_JSONB, -1, true, "!22P02");
	/* Among string types: implicit; bpchar drops its padding, name is
	 * clipped, explicit casts to varchar(n) truncate. */
	expect_cast(OID_TEXT, "abcd", OID_VARCHAR, VARCHAR_TYPMOD(3), true, "abc");
	expect_cast(OID_TEXT, "abcd", OID_VARCHAR, VARCHAR_TYPMOD(3), false, "!22001");
	expect_cast(OID_TEXT, "ab   ", OID_VARCHAR, VARCHAR_TYPMOD(3), false, "ab ");
	expect_cast(OID_TEXT, "ab", OID_BPCHAR, VARCHAR_TYPMOD(5), false, "ab   ");
	value pad = parsed(OID_BPCHAR, VARCHAR_TYPMOD(5), "ab"), out;
	value_error e;
	CHECK_EQ_INT(value_cast(&A, &pad, OID_TEXT, -1, false, &out, &e), 0);
	CHECK(strcmp(text_of(&out), "ab") == 0);
	expect_cast(OID_TEXT, "hello", OID_CHAR, -1, true, "h");
	expect_cast(OID_CHAR, "\\303", OID_TEXT, -1, false, "\\303");
	expect_cast(OID_TEXT, "int4", OID_REGTYPE, -1, true, "integer");
	expect_cast(OID_TEXT, "nope", OID_REGTYPE, -1, true, "!42704");
	expect_cast(OID_REGTYPE, "real[]", OID_TEXT, -1, false, "real[]");
	expect_cast(OID_TEXT, "1010", OID_BIT, 4, true, "1010");
	expect_cast(OID_TEXT, "\\x01", OID_BYTEA, -1, true, "\\x01");
}

static void casts_between_other_types(void)
{
	expect_cast(OID_INT4, "-1", OID_OID, -1, false, "4294967295");
	expect_cast(OID_INT8, "-1", OID_OID, -1, false, "!22003");
	expect_cast(OID_INT8, "4294967295", OID_OID, -1, false, "4294967295");
	expect_cast(OID_OID, "4294967295", OID_INT4, -1, false, "-1");
	expect_cast(OID_OID, "4294967295", OID_INT8, -1, false, "4294967295");
	expect_cast(OID_INT4, "23", OID_REGTYPE, -1, false, "integer");
	expect_cast(OID_REGTYPE, "int4", OID_OID, -1, false, "23");
	expect_cast(OID_TIMESTAMPTZ, "2024-01-02 03:04:05.123+02", OID_TIMESTAMP, -1, false,
		    "2024-01-02 01:04:05.123");
	expect_cast(OID_TIMESTAMP, "2024-01-02 03:04:05", OID_TIMESTAMPTZ, -1, false,
		    "2024-01-02 03:04:05+00");
	expect_cast(OID_TIMESTAMPTZ, "2024-01-02 03:04:05.5", OID_TIMESTAMPTZ, 0, false,
		    "2024-01-02 03:04:06+00");
	expect_cast(OID_JSON, "{\"a\":1}", OID_JSONB, -1, false, "{\"a\":1}");
	expect_cast(OID_JSON, "\"\\u0000\"", OID_JSONB, -1, false, "!22P05");
	expect_cast(OID_JSONB, "[1]", OID_JSON, -1, false, "[1]");
	expect_cast(OID_JSONB, "1.5", OID_INT4, -1, true, "2");
	expect_cast(OID_JSONB, " 1e2 ", OID_INT4, -1, true, "100");
	expect_cast(OID_JSONB, "1.5", OID_NUMERIC, -1, true, "1.5");
	expect_cast(OID_JSONB, "true", OID_BOOL, -1, true, "t");
	expect_cast(OID_JSONB, "\"a\"", OID_INT4, -1, true, "!22023");
	expect_cast(OID_JSONB, "1", OID_BOOL, -1, true, "!22023");
	value v = parsed(OID_JSONB, -1, "null"), out;
	value_error e;
	CHECK_EQ_INT(value_cast(&A, &v, OID_INT4, -1, true, &out, &e), -1);
	CHECK(strcmp(e.message, "cannot cast jsonb null to type integer") == 0);
	expect_cast(OID_BIT, "1010", OID_VARBIT, -1, false, "1010");
	expect_cast(OID_VARBIT, "101", OID_BIT, 2, true, "10");
	expect_cast(OID_VARBIT, "101", OID_BIT, 6, true, "101000");
	expect_cast(OID_VARBIT, "101", OID_BIT, 2, false, "!22026");
	expect_cast(OID_VARBIT, "1010", OID_VARBIT, 2, true, "10");
	expect_cast(OID_INT4_ARRAY, "{1,2,NULL}", OID_FLOAT8_ARRAY, -1, false, "{1,2,NULL}");
	expect_cast(OID_FLOAT8_ARRAY, "{1.5,2.5}", OID_INT4_ARRAY, -1, false, "{2,2}");
	expect_cast(OID_TEXT_ARRAY, "{1,x}", OID_INT4_ARRAY, -1, true, "!22P02");
	expect_cast(OID_TEXT_ARRAY, "{1,2}", OID_INT4_ARRAY, -1, false, "!42846");
	expect_cast(OID_INT4_ARRAY, "{1,2}", OID_TEXT_ARRAY, -1, false, "{1,2}");
	expect_cast(OID_FLOAT8_ARRAY, "{1e39}", OID_FLOAT4_ARRAY, -1, true, "!22003");
}

static void unknown_literals_read_through_input_functions(void)
{
	value u = value_text(OID_UNKNOWN, "[1,2,3]xyz", 7), out;
	value_error e;
	CHECK_EQ_INT(value_cast(&A, &u, OID_VECTOR, 3, false, &out, &e), 0);
	CHECK(strcmp(text_of(&out), "[1,2,3]") == 0);
	CHECK_EQ_INT(value_cast(&A, &u, OID_VECTOR, 2, false, &out, &e), -1);
	CHECK(strcmp(e.sqlstate, "22000") == 0 && strcmp(e.message, "expected 2 dimensions, not 3") == 0);
	u = value_text(OID_UNKNOWN, "abcd", 4);
	CHECK_EQ_INT(value_cast(&A, &u, OID_VARCHAR, VARCHAR_TYPMOD(3), true, &out, &e), 0);
	CHECK(strcmp(text_of(&out), "abc") == 0);
	CHECK_EQ_INT(value_cast(&A, &u, OID_VARCHAR, VARCHAR_TYPMOD(3), false, &out, &e), -1);
	CHECK(strcmp(e.sqlstate, "22001") == 0);
	u = value_text(OID_UNKNOWN, "x", 1);
	CHECK_EQ_INT(value_cast(&A, &u, OID_INT4, -1, false, &out, &e), -1);
	CHECK(strcmp(e.sqlstate, "22P02") == 0);
}

static void vector_casts_follow_pgvector(void)
{
	expect_cast(OID_INT4_ARRAY, "{1,2,3}", OID_VECTOR, -1, false, "[1,2,3]");
	expect_cast(OID_FLOAT8_ARRAY, "{0.1,2}", OID_VECTOR, 2, false, "[0.1,2]");
	expect_cast(OID_FLOAT4_ARRAY, "{0.1,2}", OID_VECTOR, -1, false, "[0.1,2]");
	expect_cast(OID_NUMERIC_ARRAY, "{1.5,2}", OID_VECTOR, -1, false, "[1.5,2]");
	expect_cast(OID_INT4_ARRAY, "{1,2,3}", OID_VECTOR, 2, false, "!22000");
	expect_cast(OID_INT4_ARRAY, "{1,NULL}", OID_VECTOR, -1, false, "!22004");
	expect_cast(OID_INT4_ARRAY, "{}", OID_VECTOR, -1, false, "!22000");
	expect_cast(OID_FLOAT8_ARRAY, "{1e39}", OID_VECTOR, -1, false, "!22000");
	expect_cast(OID_FLOAT8_ARRAY, "{NaN}", OID_VECTOR, -1, false, "!22000");
	expect_cast(OID_NUMERIC_ARRAY, "{1e39}", OID_VECTOR, -1, false, "!22003");
	expect_cast(OID_INT8_ARRAY, "{1}", OID_VECTOR, -1, true, "!42846");
	expect_cast(OID_VECTOR, "[1,2.5]", OID_FLOAT4_ARRAY, -1, false, "{1,2.5}");
	expect_cast(OID_VECTOR, "[1,2]", OID_FLOAT8_ARRAY, -1, true, "!42846");
	expect_cast(OID_VECTOR, "[1,2]", OID_VECTOR, 2, false, "[1,2]");
	expect_cast(OID_VECTOR, "[1,2]", OID_VECTOR, 3, true, "!22000");
	value v = parsed(OID_INT4_ARRAY, -1, "{1,NULL}"), out;
	value_error e;
	CHECK_EQ_INT(value_cast(&A, &v, OID_VECTOR, -1, false, &out, &e), -1);
	CHECK(strcmp(e.message, "array must not contain nulls") == 0);
}

static void null_casts_need_a_cast(void)
{
	value n = value_null(OID_INT4), out;
	value_error e;
	CHECK_EQ_INT(value_cast(&A, &n, OID_INT8, -1, false, &out, &e), 0);
	CHECK(out.isnull && out.type == OID_INT8);
	CHECK_EQ_INT(value_cast(&A, &n, OID_VECTOR, -1, true, &out, &e), -1);
	CHECK(strcmp(e.sqlstate, "42846") == 0);
	CHECK(strcmp(e.message, "cannot cast type integer to vector") == 0);
	char *s;
	size_t len;
	CHECK_EQ_INT(value_to_text(&A, &n, &s, &len, &e), -1);
}

static int cmp_of(pg_oid at, const char *a, pg_oid bt, const char *b)
{
	value x = parsed(at, -1, a), y = parsed(bt, -1, b);
	value_error e;
	int c = 99;
	if (value_compare(&x, &y, &c, &e))
		fprintf(stderr, "  compare %s with %s: %s\n", a, b, e.message);
	return c;
}

static void compare_numbers_across_types(void)
{
	CHECK_EQ_INT(cmp_of(OID_INT4, "1", OID_INT8, "2"), -1);
	CHECK_EQ_INT(cmp_of(OID_INT2, "2", OID_FLOAT8, "1.5"), 1);
	CHECK_EQ_INT(cmp_of(OID_INT4, "2", OID_NUMERIC, "2.0"), 0);
	CHECK_EQ_INT(cmp_of(OID_FLOAT4, "0.1", OID_FLOAT8, "0.1"), 1); /* float4 0.1 is a bit above */
	CHECK_EQ_INT(cmp_of(OID_FLOAT8, "NaN", OID_FLOAT8, "Infinity"), 1);
	CHECK_EQ_INT(cmp_of(OID_FLOAT8, "NaN", OID_NUMERIC, "NaN"), 0);
	CHECK_EQ_INT(cmp_of(OID_FLOAT8, "-0", OID_FLOAT8, "0"), 0);
	/* An int8 meets a numeric exactly, a float8 as float8. */
	CHECK_EQ_INT(cmp_of(OID_INT8, "9007199254740993", OID_NUMERIC, "9007199254740992"), 1);
	CHECK_EQ_INT(cmp_of(OID_INT8, "9007199254740993", OID_FLOAT8, "9007199254740992"), 0);
	CHECK_EQ_INT(cmp_of(OID_INT8, "3", OID_NUMERIC, "2.5"), 1);
	CHECK_EQ_INT(cmp_of(OID_NUMERIC, "-2.5", OID_INT4, "-2"), -1);
	CHECK_EQ_INT(cmp_of(OID_INT4, "-1", OID_OID, "4294967295"), 0);
}

static void compare_other_families(void)
{
	CHECK_EQ_INT(cmp_of(OID_TEXT, "abc", OID_TEXT, "abd"), -1);
	CHECK_EQ_INT(cmp_of(OID_TEXT, "ab", OID_TEXT, "abc"), -1);
	CHECK_EQ_INT(cmp_of(OID_TEXT, "B", OID_TEXT, "a"), -1); /* C collation */
	CHECK_EQ_INT(cmp_of(OID_TEXT, "é", OID_TEXT, "z"), 1);
	CHECK_EQ_INT(cmp_of(OID_VARCHAR, "x", OID_NAME, "x"), 0);
	value p = parsed(OID_BPCHAR, VARCHAR_TYPMOD(5), "ab"), q = parsed(OID_BPCHAR, -1, "ab"),
	      t = parsed(OID_TEXT, -1, "ab ");
	value_error e;
	int c;
	CHECK(value_compare(&p, &q, &c, &e) == 0 && c == 0);
	CHECK(value_compare(&p, &t, &c, &e) == 0 && c == -1);
	CHECK_EQ_INT(cmp_of(OID_BOOL, "f", OID_BOOL, "t"), -1);
	CHECK_EQ_INT(cmp_of(OID_TIMESTAMPTZ, "2024-01-01", OID_TIMESTAMP, "2024-01-01 00:00:01"), -1);
	CHECK_EQ_INT(cmp_of(OID_TIMESTAMPTZ, "infinity", OID_TIMESTAMPTZ, "294276-01-01"), 1);
	CHECK_EQ_INT(cmp_of(OID_VECTOR, "[1,2]", OID_VECTOR, "[1,2,0]"), -1);
	CHECK_EQ_INT(cmp_of(OID_VECTOR, "[2]", OID_VECTOR, "[1,5]"), 1);
	CHECK_EQ_INT(cmp_of(OID_BIT, "1", OID_VARBIT, "10"), -1);
	CHECK_EQ_INT(cmp_of(OID_BIT, "11", OID_BIT, "101"), 1);
	CHECK_EQ_INT(cmp_of(OID_BYTEA, "\\x01", OID_BYTEA, "\\x0100"), -1);
	CHECK_EQ_INT(cmp_of(OID_JSONB, "{\"a\":1}", OID_JSONB, "{\"a\":1}"), 0);
	CHECK(cmp_of(OID_JSONB, "{\"a\":1}", OID_JSONB, "{\"a\": 1}") != 0);
	CHECK_EQ_INT(cmp_of(OID_INT4_ARRAY, "{1,2}", OID_INT4_ARRAY, "{1,2,3}"), -1);
	CHECK_EQ_INT(cmp_of(OID_INT4_ARRAY, "{1,NULL}", OID_INT4_ARRAY, "{1,5}"), 1);
	CHECK_EQ_INT(cmp_of(OID_INT4_ARRAY, "{NULL}", OID_INT4_ARRAY, "{NULL}"), 0);
	CHECK_EQ_INT(cmp_of(OID_INT4_ARRAY, "{2}", OID_FLOAT8_ARRAY, "{1.5,3}"), 1);
}

static void compare_rejects_incomparable_types(void)
{
	static const struct {
		pg_oid at;
		const char *a;
		pg_oid bt;
		const char *b;
	} pairs[] = {
	    {OID_INT4, "1", OID_TEXT, "1"},
	    {OID_BOOL, "t", OID_INT4, "1"},
	    {OID_VECTOR, "[1]", OID_FLOAT4_ARRAY, "{1}"},
	    {OID_JSON, "1", OID_JSON, "1"},
	    {OID_TIMESTAMPTZ, "2024-01-01", OID_TEXT, "2024-01-01"},
	    {OID_INT4_ARRAY, "{1}", OID_TEXT_ARRAY, "{1}"},
	    {OID_INT4_ARRAY, "{}", OID_TEXT_ARRAY, "{}"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		value x = parsed(pairs[i].at, -1, pairs[i].a), y = parsed(pairs[i].bt, -1, pairs[i].b);
		value_error e;
		int c;
		CHECK_EQ_INT(value_compare(&x, &y, &c, &e), -1);
		CHECK(strcmp(e.sqlstate, "42883") == 0);
	}
}

TEST_MAIN(TEST(type_names_follow_format_type), TEST(type_lengths_follow_pg_type),
	  TEST(array_types_map_both_ways), TEST(text_round_trips_every_type),
	  TEST(binary_round_trips_every_type), TEST(binary_formats_match_postgres_bytes),
	  TEST(integer_input_errors_match_postgres), TEST(float_input_errors_match_postgres),
	  TEST(numeric_input_errors_and_typmod), TEST(bool_input_takes_postgres_spellings),
	  TEST(timestamp_input_errors_match_postgres), TEST(timestamp_now_is_current_time),
	  TEST(json_validation_is_strict), TEST(jsonb_refuses_nul_escape_and_lone_surrogates),
	  TEST(json_nesting_is_limited), TEST(bit_bytea_char_input_errors), TEST(string_typmods_limit_length),
	  TEST(regtype_input_resolves_sql_and_catalog_names), TEST(array_text_errors),
	  TEST(vector_input_errors_use_pgvector_messages), TEST(text_input_must_be_utf8_without_nul),
	  TEST(input_reads_only_len_bytes), TEST(binary_input_errors),
	  TEST(binary_array_errors_and_hostile_sizes), TEST(casts_between_numbers_round_as_postgres),
	  TEST(cast_levels_follow_pg_cast), TEST(casts_to_and_from_strings), TEST(casts_between_other_types),
	  TEST(unknown_literals_read_through_input_functions), TEST(vector_casts_follow_pgvector),
	  TEST(null_casts_need_a_cast), TEST(compare_numbers_across_types), TEST(compare_other_families),
	  TEST(compare_rejects_incomparable_types))
