/* SQL values as the coordinator handles them: a PostgreSQL type oid and a
 * datum, with PostgreSQL's text and binary wire formats for each type and
 * the conversions between SQL types and the shard's typed Values. Memory
 * for strings, vectors and arrays comes from the statement's arena.
 * Input rules follow PostgreSQL 17 (integers also in 0x/0o/0b with '_'
 * separators) with the session settings OmenDB fixes: TimeZone UTC,
 * DateStyle ISO, extra_float_digits 1, bytea_output hex, server encoding
 * UTF8. Where OmenDB's representation is narrower than PostgreSQL's the
 * comment on the type says so. */
#ifndef OMEN_VALUE_H
#define OMEN_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* PostgreSQL's built-in type oids (pg_type.dat) and OmenDB's stable oids for
 * pgvector's types (pgvector's are assigned at CREATE EXTENSION; drivers look
 * them up by name, so any unused oid above 16383 works; these never change). */
enum {
	OID_BOOL = 16,
	OID_BYTEA = 17,
	OID_CHAR = 18,
	OID_NAME = 19,
	OID_INT8 = 20,
	OID_INT2 = 21,
	OID_INT4 = 23,
	OID_REGPROC = 24,
	OID_TEXT = 25,
	OID_OID = 26,
	OID_JSON = 114,
	OID_JSON_ARRAY = 199,
	OID_FLOAT4 = 700,
	OID_FLOAT8 = 701,
	OID_UNKNOWN = 705,
	OID_BOOL_ARRAY = 1000,
	OID_BYTEA_ARRAY = 1001,
	OID_CHAR_ARRAY = 1002,
	OID_NAME_ARRAY = 1003,
	OID_INT2_ARRAY = 1005,
	OID_INT4_ARRAY = 1007,
	OID_REGPROC_ARRAY = 1008,
	OID_TEXT_ARRAY = 1009,
	OID_BPCHAR_ARRAY = 1014,
	OID_VARCHAR_ARRAY = 1015,
	OID_INT8_ARRAY = 1016,
	OID_FLOAT4_ARRAY = 1021,
	OID_FLOAT8_ARRAY = 1022,
	OID_OID_ARRAY = 1028,
	OID_BPCHAR = 1042,
	OID_VARCHAR = 1043,
	OID_TIMESTAMP = 1114,
	OID_TIMESTAMP_ARRAY = 1115,
	OID_TIMESTAMPTZ = 1184,
	OID_TIMESTAMPTZ_ARRAY = 1185,
	OID_NUMERIC_ARRAY = 1231,
	OID_BIT = 1560,
	OID_BIT_ARRAY = 1561,
	OID_VARBIT = 1562,
	OID_VARBIT_ARRAY = 1563,
	OID_NUMERIC = 1700,
	OID_REGCLASS = 2205,
	OID_REGTYPE = 2206,
	OID_REGCLASS_ARRAY = 2210,
	OID_REGTYPE_ARRAY = 2211,
	OID_VOID = 2278,
	OID_RECORD = 2249,
	OID_JSONB = 3802,
	OID_JSONB_ARRAY = 3807,
	OID_VECTOR = 16389,
	OID_VECTOR_ARRAY = 16394,
};

typedef uint32_t pg_oid;

/* One datum. For types without a case of their own: int2/int4/int8/oid/
 * regtype/regclass/regproc (oids as 0..4294967295) and timestamp/
 * timestamptz (microseconds since 2000-01-01 UTC, INT64_MIN/INT64_MAX for
 * -infinity/infinity) use i; float4/float8/numeric use f (a float4 holds a
 * value a float represents exactly); bool uses b; text/varchar/name/bpchar/
 * "char"/bytea/json/jsonb/unknown/bit/varbit (as '0'/'1' text) use s;
 * vector uses vec; one-dimensional arrays with lower bound 1 use arr.
 *
 * numeric is carried as a double: constants like 1.5 are numeric in
 * PostgreSQL, and vectors are float4 anyway. So a numeric keeps about 15-17
 * significant digits, prints the shortest text that reads back as the same
 * double in fixed-point (1.5, 100000000000000000000, 0.0000001), drops
 * trailing zeros of its scale (1.50 prints 1.5), reads beyond the double
 * range as "value overflows numeric format" and below it as 0.
 * jsonb keeps the text it was given (validated, not normalised): its output
 * is that text, not PostgreSQL's canonical jsonb form. */
typedef struct value {
	pg_oid type;
	bool isnull;
	union {
		int64_t i;
		double f;
		bool b;
		struct {
			char *ptr;
			size_t len;
		} s;
		struct {
			float *x;
			uint32_t dim;
		} vec;
		struct {
			struct value *items;
			uint32_t n;
			pg_oid elem;
		} arr;
	} u;
} value;

value value_null(pg_oid type);
value value_int(pg_oid type, int64_t i);
value value_float(pg_oid type, double f);
value value_bool(bool b);
/* s is not copied: it must live as long as the value (an arena string). */
value value_text(pg_oid type, char *s, size_t len);

/* The element type of an array type (OID_FLOAT4 for OID_FLOAT4_ARRAY), 0
 * when t is not an array type; and the array type of an element type. */
pg_oid value_array_elem(pg_oid t);
pg_oid value_array_of(pg_oid elem);
/* "integer", "vector", "real[]"...: PostgreSQL's format_type names. */
const char *value_type_name(pg_oid t);
/* The wire size (pg_type.typlen) of a type: -1 for variable length, -2 for
 * unknown (a C string in pg_type), -1 too for an oid not known here. */
int16_t value_type_len(pg_oid t);

/* Errors carry a SQLSTATE and a message written into the caller's buffer. */
typedef struct value_error {
	char sqlstate[6];
	char message[256];
} value_error;

/* Parses PostgreSQL's text format of type t (len bytes, not necessarily NUL
 * terminated; it must be valid UTF-8 without NUL bytes, else 22021) into
 * *out. Strings in *out are arena copies (NUL-terminated past len).
 * typmod is PostgreSQL's atttypmod (-1 = none) and is enforced as an input
 * function or an assignment does: vector(3): 3, bit(n)/varbit(n): n,
 * timestamptz(p): p, varchar(n)/bpchar(n): n + 4, numeric(p,s):
 * ((p << 16) | s) + 4. Errors: 22P02 invalid_text_representation, 22003
 * numeric_value_out_of_range, 22000 data_exception (vector dimension
 * mismatch is 22000 as in pgvector), 22007/22008/22009 for timestamps,
 * 22001 string too long, 22026 bit length, 42704 unknown type name
 * (regtype), 0A000 for a type without a text input here (record; regclass
 * and regproc by name, which need the catalog; arrays with more than one
 * dimension or a lower bound other than 1), 53200 out of memory. Returns 0
 * or -1 with err filled. */
int value_from_text(arena *a, pg_oid t, int32_t typmod, const char *s, size_t len, value *out,
		    value_error *err);
/* The binary format (the one PostgreSQL's typsend/typreceive use). Errors:
 * 22P03 invalid_binary_representation (trailing bytes, bad fields), 08P01
 * "insufficient data left in message" when p is too short, 42804 for an
 * array of another element type, and the typmod errors above. */
int value_from_binary(arena *a, pg_oid t, int32_t typmod, const uint8_t *p, size_t len, value *out,
		      value_error *err);
/* The text output of a non-null value; *out is an arena string
 * (NUL-terminated), *len its length. A null value is an error (22004). */
int value_to_text(arena *a, const value *v, char **out, size_t *len, value_error *err);
/* The binary output of a non-null value. */
int value_to_binary(arena *a, const value *v, uint8_t **out, size_t *len, value_error *err);

/* Converts v to type t (with typmod) as an explicit cast (CAST / ::) or an
 * implicit/assignment coercion (explicit = false) would; unknown literals
 * are parsed with value_from_text. Explicit casts to varchar(n), bpchar(n)
 * and bit(n)/varbit(n) truncate; coercions raise 22001 / 22026 instead. A
 * null v gives a null of type t when the cast exists. 42846 cannot_coerce
 * when no cast exists at the requested level (PostgreSQL words the
 * assignment case with the column name; the caller may reword it), 22003 /
 * 22P02 / 22000 as above, 0A000 for NaN or infinity to an integer.
 * typmod is the target's atttypmod as in value_from_text: note that SQL's
 * bare "bit" and "char" mean bit(1) and char(1), which the caller spells. */
int value_cast(arena *a, const value *v, pg_oid t, int32_t typmod, bool explicit, value *out,
	       value_error *err);

/* Three-way comparison of two non-null values of the same comparable type
 * family (numbers with numbers across int/float/numeric, with NaN above
 * everything as PostgreSQL sorts it; strings with strings byte-wise, that
 * is in the C collation, bpchar without its trailing spaces; bool;
 * timestamp with timestamptz; bit strings; bytea; vectors as pgvector
 * orders them; arrays element by element, NULL elements last, then by
 * length). jsonb compares its stored text byte-wise: only equality is
 * meaningful, and only for identically written documents. Returns 0 and
 * sets *cmp to -1, 0 or 1, or -1 (42883 undefined_function) when the types
 * do not compare (json has no comparison in PostgreSQL either). */
int value_compare(const value *a, const value *b, int *cmp, value_error *err);

#endif
