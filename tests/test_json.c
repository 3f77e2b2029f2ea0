/* The JSON reader behind ->, ->> and @>: RFC 8259 validity (a corpus of
 * valid and invalid texts), the nesting cap against hostile depth, and the
 * operators on the examples of PostgreSQL's docs (functions-json, "jsonb
 * Containment and Existence"). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"

static int validate(const char *s)
{
	return json_validate(s, strlen(s));
}

static void test_valid_corpus(void)
{
	static const char *const ok[] = {
	    "0",
	    "-0",
	    "1.5e10",
	    "-12.0E-3",
	    "1E+2",
	    "\"\"",
	    "true",
	    "false",
	    "null",
	    " \t\r\n[ ] ",
	    "{}",
	    "{\"a\":1,\"b\":[1,2,{\"c\":null}]}",
	    "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
	    "\"\\u00e9\\uD83D\\uDE00\"",
	    "\"caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac\"",
	    "[\"\\u0000\"]",
	    "{\"a\":1,\"a\":2}",
	    "\"\x7f\"",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (validate(ok[i]) != 0)
			fprintf(stderr, "expected valid: %s\n", ok[i]);
		CHECK_EQ_INT(validate(ok[i]), 0);
	}
}

static void test_invalid_corpus(void)
{
	static const char *const bad[] = {
	    "",
	    "   ",
	    "[1,]",
	    "{\"a\":1,}",
	    "[,1]",
	    "{,}",
	    "01",
	    "-",
	    "1.",
	    ".5",
	    "1e",
	    "1e+",
	    "+1",
	    "0x10",
	    "NaN",
	    "Infinity",
	    "tru",
	    "nul",
	    "True",
	    "[1 2]",
	    "{\"a\" 1}",
	    "{\"a\":}",
	    "{a:1}",
	    "{'a':1}",
	    "\"abc",
	    "\"a\tb\"",
	    "\"a\nb\"",
	    "\"\\x41\"",
	    "\"\\u12\"",
	    "\"\\u12G4\"",
	    "\"\\uD83D\"",
	    "\"\\uDE00\"",
	    "\"\\uD83D\\u0041\"",
	    "\"\\uD83Dx\"",
	    "[1] [2]",
	    "1 2",
	    "[1]]",
	    "[[1]",
	    "{\"a\":1]",
	    "[1}",
	    "/* c */ 1",
	    "1 // c",
	    "\"\xff\"",
	    "\"\xc0\xaf\"",
	    "\"\xed\xa0\x80\"",
	    "\"\xf4\x90\x80\x80\"",
	    "\"\xe2\x82\"",
	    "\xef\xbb\xbf{}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (validate(bad[i]) != -1)
			fprintf(stderr, "expected invalid: %s\n", bad[i]);
		CHECK_EQ_INT(validate(bad[i]), -1);
	}
	/* an embedded NUL byte ends nothing: it is an invalid character */
	CHECK_EQ_INT(json_validate("[1]\0", 4), -1);
	CHECK_EQ_INT(json_validate("\"a\0\"", 4), -1);
}

static char *nested(size_t depth, char open, char close)
{
	char *s = malloc(2 * depth + 1);
	if (!s)
		abort();
	memset(s, open, depth);
	memset(s + depth, close, depth);
	s[2 * depth] = 0;
	return s;
}

static void test_depth_capped_at_max(void)
{
	char *s = nested(JSON_MAX_DEPTH, '[', ']');
	CHECK_EQ_INT(validate(s), 0);
	free(s);
	s = nested(JSON_MAX_DEPTH + 1, '[', ']');
	CHECK_EQ_INT(validate(s), -1);
	free(s);
}

static void test_hostile_depth_fails_without_overflow(void)
{
	/* 100000 open brackets, unclosed and closed: both refused at the cap */
	size_t n = 100000;
	char *s = malloc(n);
	if (!s)
		abort();
	memset(s, '[', n);
	CHECK_EQ_INT(json_validate(s, n), -1);
	free(s);
	s = nested(n, '[', ']');
	CHECK_EQ_INT(validate(s), -1);
	const char *out;
	size_t out_len;
	CHECK_EQ_INT(json_get(s, strlen(s), NULL, 0, 0, &out, &out_len), -1);
	CHECK_EQ_INT(json_contains(s, strlen(s), "[]", 2), -1);
	free(s);
	/* objects count towards the same depth */
	size_t depth = JSON_MAX_DEPTH + 1;
	char *o = malloc(depth * 6 + 2);
	if (!o)
		abort();
	size_t k = 0;
	for (size_t i = 0; i < depth; i++) {
		memcpy(o + k, "{\"a\":", 5);
		k += 5;
	}
	o[k++] = '1';
	memset(o + k, '}', depth);
	k += depth;
	CHECK_EQ_INT(json_validate(o, k), -1);
	CHECK_EQ_INT(json_validate(o + 5, k - 6), 0);
	free(o);
}

/* json_get's span as a NUL-terminated string for comparison, or "<absent>"
 * / "<invalid>". */
static const char *get(const char *doc, const char *key, long index)
{
	static char buf[256];
	const char *out;
	size_t n;
	int rc = json_get(doc, strlen(doc), key, key ? strlen(key) : 0, index, &out, &n);
	if (rc < 0)
		return "<invalid>";
	if (rc == 0)
		return "<absent>";
	snprintf(buf, sizeof buf, "%.*s", (int)n, out);
	return buf;
}

static void test_get_object_member(void)
{
	/* docs: '{"a": {"b":"foo"}}'::json -> 'a' = {"b":"foo"} */
	CHECK(strcmp(get("{\"a\": {\"b\":\"foo\"}}", "a", 0), "{\"b\":\"foo\"}") == 0);
	CHECK(strcmp(get(" { \"x\" : 1 , \"y\" : [ 2 ] } ", "y", 0), "[ 2 ]") == 0);
	CHECK(strcmp(get("{\"a\":1}", "b", 0), "<absent>") == 0);
	CHECK(strcmp(get("{\"a\":1}", "", 0), "<absent>") == 0);
	CHECK(strcmp(get("{\"\":7}", "", 0), "7") == 0);
	/* a key is a whole member name, not a prefix */
	CHECK(strcmp(get("{\"ab\":1}", "a", 0), "<absent>") == 0);
	CHECK(strcmp(get("{\"a\":1}", "ab", 0), "<absent>") == 0);
}

static void test_get_key_matches_unescaped_name(void)
{
	CHECK(strcmp(get("{\"caf\\u00e9\":1}", "caf\xc3\xa9", 0), "1") == 0);
	CHECK(strcmp(get("{\"a\\\"b\":2}", "a\"b", 0), "2") == 0);
	CHECK(strcmp(get("{\"\\ud83d\\ude00\":3}", "\xf0\x9f\x98\x80", 0), "3") == 0);
	CHECK(strcmp(get("{\"a\\/b\":4}", "a/b", 0), "4") == 0);
	/* the raw key is not unescaped: "a\/b" names a/b, not a\/b */
	CHECK(strcmp(get("{\"a\\/b\":4}", "a\\/b", 0), "<absent>") == 0);
}

static void test_get_duplicate_key_last_wins(void)
{
	CHECK(strcmp(get("{\"a\":1,\"b\":0,\"a\":2}", "a", 0), "2") == 0);
}

static void test_get_array_index(void)
{
	/* docs: '[{"a":"foo"},{"b":"bar"},{"c":"baz"}]'::json -> 2 = {"c":"baz"} */
	const char *doc = "[{\"a\":\"foo\"},{\"b\":\"bar\"},{\"c\":\"baz\"}]";
	CHECK(strcmp(get(doc, NULL, 2), "{\"c\":\"baz\"}") == 0);
	CHECK(strcmp(get(doc, NULL, 0), "{\"a\":\"foo\"}") == 0);
	CHECK(strcmp(get(doc, NULL, 3), "<absent>") == 0);
	CHECK(strcmp(get("[]", NULL, 0), "<absent>") == 0);
}

static void test_get_negative_index_counts_from_end(void)
{
	/* docs: '[1,2,3]'::json -> -3 = 1 */
	CHECK(strcmp(get("[1,2,3]", NULL, -3), "1") == 0);
	CHECK(strcmp(get("[1,2,3]", NULL, -1), "3") == 0);
	CHECK(strcmp(get("[1,2,3]", NULL, -4), "<absent>") == 0);
	CHECK(strcmp(get("[1,2,3]", NULL, -9223372036854775807L - 1), "<absent>") == 0);
	CHECK(strcmp(get("[]", NULL, -1), "<absent>") == 0);
}

static void test_get_wrong_container_is_absent(void)
{
	CHECK(strcmp(get("[1,2]", "a", 0), "<absent>") == 0);
	CHECK(strcmp(get("{\"a\":1}", NULL, 0), "<absent>") == 0);
	CHECK(strcmp(get("\"a\"", "a", 0), "<absent>") == 0);
	CHECK(strcmp(get("5", NULL, 0), "<absent>") == 0);
}

static void test_get_invalid_document(void)
{
	CHECK(strcmp(get("{\"a\":1,}", "a", 0), "<invalid>") == 0);
	CHECK(strcmp(get("[1,2", NULL, 0), "<invalid>") == 0);
	/* the whole document is checked, not only the part before the member */
	CHECK(strcmp(get("{\"a\":1,\"b\":01}", "a", 0), "<invalid>") == 0);
}

/* json_as_text as a string: "<null>", "<error>" or the text. */
static const char *as_text(const char *v)
{
	static char out[256];
	char buf[64];
	const char *t;
	size_t n;
	bool is_null = false;
	if (json_as_text(v, strlen(v), buf, sizeof buf, &t, &n, &is_null) != 1)
		return "<error>";
	if (is_null)
		return "<null>";
	snprintf(out, sizeof out, "%.*s", (int)n, t);
	return out;
}

static void test_as_text_unescapes_strings(void)
{
	/* docs: '{"a":1,"b":2}'::json ->> 'b' = 2; strings lose their quotes */
	CHECK(strcmp(as_text("\"foo\""), "foo") == 0);
	CHECK(strcmp(as_text(" \"a\\tb\\n\\\"q\\\"\\\\\" "), "a\tb\n\"q\"\\") == 0);
	CHECK(strcmp(as_text("\"caf\\u00e9 \\u20ac\""), "caf\xc3\xa9 \xe2\x82\xac") == 0);
	CHECK(strcmp(as_text("\"\\uD83D\\uDE00\""), "\xf0\x9f\x98\x80") == 0);
	CHECK(strcmp(as_text("\"\\u0041\\u00410\""), "AA0") == 0);
	CHECK(strcmp(as_text("\"\xf0\x9f\x98\x80\""), "\xf0\x9f\x98\x80") == 0);
}

static void test_as_text_null_is_sql_null(void)
{
	CHECK(strcmp(as_text("null"), "<null>") == 0);
	/* the string "null" is text, not NULL */
	CHECK(strcmp(as_text("\"null\""), "null") == 0);
}

static void test_as_text_other_values_are_their_json(void)
{
	CHECK(strcmp(as_text("3"), "3") == 0);
	CHECK(strcmp(as_text(" 1.50 "), "1.50") == 0);
	CHECK(strcmp(as_text("true"), "true") == 0);
	CHECK(strcmp(as_text("{\"a\": [1, 2]}"), "{\"a\": [1, 2]}") == 0);
}

static void test_as_text_refuses_what_text_cannot_hold(void)
{
	CHECK(strcmp(as_text("\"a\\u0000b\""), "<error>") == 0);
	CHECK(strcmp(as_text("\"abc"), "<error>") == 0);
	/* a buffer too small for the unescaped string */
	char buf[2];
	const char *t;
	size_t n;
	bool is_null;
	CHECK_EQ_INT(json_as_text("\"abc\"", 5, buf, sizeof buf, &t, &n, &is_null), -1);
	CHECK_EQ_INT(json_as_text("\"ab\"", 4, buf, sizeof buf, &t, &n, &is_null), 1);
	CHECK_EQ_INT(n, 2);
}

static void test_get_then_as_text(void)
{
	/* ->> as eval runs it: the member span, then its text */
	const char *doc = "{\"a\":1,\"b\":\"x\\u0079z\"}";
	const char *span, *t;
	size_t sn, n;
	bool is_null;
	char buf[32];
	CHECK_EQ_INT(json_get(doc, strlen(doc), "b", 1, 0, &span, &sn), 1);
	CHECK_EQ_INT(json_as_text(span, sn, buf, sn + 1, &t, &n, &is_null), 1);
	CHECK(n == 3 && memcmp(t, "xyz", 3) == 0);
	CHECK(!is_null);
}

static int contains(const char *a, const char *b)
{
	return json_contains(a, strlen(a), b, strlen(b));
}

static void test_contains_docs_examples(void)
{
	/* PostgreSQL docs, section "jsonb Containment and Existence" */
	CHECK_EQ_INT(contains("\"foo\"", "\"foo\""), 1);
	CHECK_EQ_INT(contains("[1, 2, 3]", "[1, 3]"), 1);
	CHECK_EQ_INT(contains("[1, 2, 3]", "[3, 1]"), 1);
	CHECK_EQ_INT(contains("[1, 2, 3]", "[1, 2, 2]"), 1);
	CHECK_EQ_INT(contains("{\"product\": \"PostgreSQL\", \"version\": 9.4, \"jsonb\": true}",
			      "{\"version\": 9.4}"),
		     1);
	CHECK_EQ_INT(contains("[1, 2, [1, 3]]", "[1, 3]"), 0);
	CHECK_EQ_INT(contains("[1, 2, [1, 3]]", "[[1, 3]]"), 1);
	CHECK_EQ_INT(contains("{\"foo\": {\"bar\": \"baz\"}}", "{\"bar\": \"baz\"}"), 0);
	CHECK_EQ_INT(contains("{\"foo\": {\"bar\": \"baz\"}}", "{\"foo\": {}}"), 1);
	CHECK_EQ_INT(contains("[\"foo\", \"bar\"]", "\"foo\""), 1);
	CHECK_EQ_INT(contains("\"foo\"", "[\"foo\"]"), 0);
	/* operator table: '{"a":1, "b":2}'::jsonb @> '{"b":2}'::jsonb */
	CHECK_EQ_INT(contains("{\"a\":1, \"b\":2}", "{\"b\":2}"), 1);
	CHECK_EQ_INT(contains("{\"b\":2}", "{\"a\":1, \"b\":2}"), 0);
}

static void test_contains_scalar_exception_only_at_top(void)
{
	/* a nested array does not contain a bare scalar */
	CHECK_EQ_INT(contains("{\"a\": [1, 2]}", "{\"a\": 1}"), 0);
	CHECK_EQ_INT(contains("{\"a\": [1, 2]}", "{\"a\": [1]}"), 1);
	CHECK_EQ_INT(contains("[[1, 2]]", "1"), 0);
	CHECK_EQ_INT(contains("[]", "1"), 0);
	/* an object never contains a scalar */
	CHECK_EQ_INT(contains("{\"a\": 1}", "1"), 0);
}

static void test_contains_numbers_compare_numerically(void)
{
	CHECK_EQ_INT(contains("1", "1.0"), 1);
	CHECK_EQ_INT(contains("[1.50]", "[1.5]"), 1);
	CHECK_EQ_INT(contains("100", "1e2"), 1);
	CHECK_EQ_INT(contains("0.001", "1E-3"), 1);
	CHECK_EQ_INT(contains("-0", "0.0"), 1);
	CHECK_EQ_INT(contains("{\"v\": 10}", "{\"v\": 10.000}"), 1);
	CHECK_EQ_INT(contains("1", "-1"), 0);
	CHECK_EQ_INT(contains("1", "10"), 0);
	CHECK_EQ_INT(contains("12", "1.2e1"), 1);
	CHECK_EQ_INT(contains("12", "1.3e1"), 0);
	/* beyond double precision: numeric keeps every digit */
	CHECK_EQ_INT(contains("9007199254740993", "9007199254740992"), 0);
	CHECK_EQ_INT(contains("9007199254740993", "9007199254740993.0"), 1);
	/* a number is not the string of its digits */
	CHECK_EQ_INT(contains("1", "\"1\""), 0);
}

static void test_contains_strings_compare_unescaped(void)
{
	CHECK_EQ_INT(contains("\"caf\xc3\xa9\"", "\"caf\\u00e9\""), 1);
	CHECK_EQ_INT(contains("{\"k\\u0065y\": \"a/b\"}", "{\"key\": \"a\\/b\"}"), 1);
	CHECK_EQ_INT(contains("\"ab\"", "\"a\""), 0);
	CHECK_EQ_INT(contains("\"a\"", "\"ab\""), 0);
}

static void test_contains_literals_by_kind(void)
{
	CHECK_EQ_INT(contains("true", "true"), 1);
	CHECK_EQ_INT(contains("true", "false"), 0);
	CHECK_EQ_INT(contains("[null]", "[null]"), 1);
	CHECK_EQ_INT(contains("[null]", "[false]"), 0);
	CHECK_EQ_INT(contains("{\"a\": null}", "{\"a\": null}"), 1);
}

static void test_contains_duplicate_keys_last_counts(void)
{
	/* jsonb keeps the last of duplicate keys, on both sides */
	CHECK_EQ_INT(contains("{\"a\": 1, \"a\": 2}", "{\"a\": 2}"), 1);
	CHECK_EQ_INT(contains("{\"a\": 1, \"a\": 2}", "{\"a\": 1}"), 0);
	CHECK_EQ_INT(contains("{\"a\": 2}", "{\"a\": 1, \"a\": 2}"), 1);
	CHECK_EQ_INT(contains("{\"a\": 1}", "{\"a\": 1, \"a\": 2}"), 0);
}

static void test_contains_nested_arrays_of_objects(void)
{
	const char *doc = "{\"tags\": [{\"n\": \"x\", \"v\": 1}, {\"n\": \"y\", \"v\": 2}], \"id\": 7}";
	CHECK_EQ_INT(contains(doc, "{\"tags\": [{\"n\": \"y\"}]}"), 1);
	CHECK_EQ_INT(contains(doc, "{\"tags\": [{\"n\": \"y\", \"v\": 1}]}"), 0);
	CHECK_EQ_INT(contains(doc, "{\"tags\": [], \"id\": 7}"), 1);
	CHECK_EQ_INT(contains(doc, "{\"tags\": {}}"), 0);
	CHECK_EQ_INT(contains(doc, "{}"), 1);
	CHECK_EQ_INT(contains("[]", "[]"), 1);
	CHECK_EQ_INT(contains("{}", "[]"), 0);
}

static void test_contains_invalid_input(void)
{
	CHECK_EQ_INT(contains("{\"a\":1}", "{\"a\":}"), -1);
	CHECK_EQ_INT(contains("[1,]", "[1]"), -1);
}

TEST_MAIN(TEST(test_valid_corpus), TEST(test_invalid_corpus), TEST(test_depth_capped_at_max),
	  TEST(test_hostile_depth_fails_without_overflow), TEST(test_get_object_member),
	  TEST(test_get_key_matches_unescaped_name), TEST(test_get_duplicate_key_last_wins),
	  TEST(test_get_array_index), TEST(test_get_negative_index_counts_from_end),
	  TEST(test_get_wrong_container_is_absent), TEST(test_get_invalid_document),
	  TEST(test_as_text_unescapes_strings), TEST(test_as_text_null_is_sql_null),
	  TEST(test_as_text_other_values_are_their_json), TEST(test_as_text_refuses_what_text_cannot_hold),
	  TEST(test_get_then_as_text), TEST(test_contains_docs_examples),
	  TEST(test_contains_scalar_exception_only_at_top), TEST(test_contains_numbers_compare_numerically),
	  TEST(test_contains_strings_compare_unescaped), TEST(test_contains_literals_by_kind),
	  TEST(test_contains_duplicate_keys_last_counts), TEST(test_contains_nested_arrays_of_objects),
	  TEST(test_contains_invalid_input))
