/* pgvector's vector type outside the index: its text format ("[1,2,3]") and
 * binary format (int16 dim, int16 unused = 0, dim float4s, network byte
 * order) exactly as pgvector 0.8 reads and writes them, and pgvector's
 * functions and operators over plain float arrays. Both processes use it:
 * the coordinator for SQL values, tests and tools for checking answers. */
#ifndef OMEN_VECTOR_H
#define OMEN_VECTOR_H

#include <stddef.h>
#include <stdint.h>

#define VECTOR_MAX_DIM 16000 /* pgvector's VECTOR_MAX_DIM */

/* Parses pgvector's text input (vector_in): optional whitespace, '[',
 * comma-separated float4 literals as strtof reads them in the C locale
 * (whitespace around each allowed; like pgvector, an underflow reads as 0 or
 * a denormal), ']', optional whitespace, nothing else. s need not be NUL
 * terminated; a NUL byte inside is malformed.
 * out has room for cap floats; *dim gets the count. Errors (0 = ok), in the
 * order pgvector checks them while reading left to right:
 * OMEN_EFORMAT malformed (pgvector: "invalid input syntax for type vector"),
 * OMEN_EDIM "[]" ("vector must have at least 1 dimension", *dim = 0) or more
 * than VECTOR_MAX_DIM or than cap elements ("vector cannot have more than
 * 16000 dimensions", *dim = the limit), OMEN_ERANGE a literal beyond float4
 * ("... is out of range for type vector"), OMEN_ENONFINITE NaN or infinity
 * ("NaN not allowed in vector", "infinite value not allowed in vector": then
 * out[*dim] holds the offending value), OMEN_ENOMEM. On an error *dim is the
 * number of elements read before the one that failed. */
int vector_parse_text(const char *s, size_t len, float *out, uint32_t cap, uint32_t *dim);

/* Writes pgvector's text output (vector_out): '[' elements ',' ... ']',
 * each the shortest text that reads back as the same float4 (PostgreSQL's
 * float4out with extra_float_digits = 1, e.g. 1, 0.1, 1e+20, 1.5e-07).
 * buf must hold vector_text_max(dim) bytes; returns the length written
 * (NUL-terminated). */
size_t vector_text_max(uint32_t dim);
size_t vector_format_text(const float *x, uint32_t dim, char *buf);

/* One float4 as PostgreSQL's float4out prints it (extra_float_digits = 1,
 * Ryu's shortest round trip): fixed-point for decimal exponents -4..5, else
 * scientific ("1e+06", "1.5e-07"); "NaN", "Infinity", "-Infinity", "-0".
 * buf holds VECTOR_FLOAT_TEXT_MAX bytes; returns the length (NUL-terminated). */
#define VECTOR_FLOAT_TEXT_MAX 16
size_t vector_format_float(float f, char *buf);

/* Binary format (vector_recv / vector_send). parse: OMEN_EDIM for dim < 1
 * (the int16 is signed) or above VECTOR_MAX_DIM or cap, OMEN_EFORMAT for
 * fewer than 4 bytes, a non-zero unused field ("expected unused to be 0")
 * or a length that is not 4 + 4 * dim, OMEN_ENONFINITE for NaN/inf (out[*dim]
 * holds it). format: buf holds 4 + 4 * dim bytes; returns that. */
int vector_parse_binary(const uint8_t *p, size_t len, float *out, uint32_t cap, uint32_t *dim);
size_t vector_format_binary(const float *x, uint32_t dim, uint8_t *buf);

/* pgvector's functions, computed as pgvector computes them (float
 * accumulation for l2/ip/cosine/l1 as in its C code, results as double).
 * cosine_distance of a zero vector is NaN, as pgvector returns. */
double vector_l2_distance(const float *a, const float *b, uint32_t dim);
double vector_inner_product(const float *a, const float *b, uint32_t dim);
double vector_negative_inner_product(const float *a, const float *b, uint32_t dim); /* <#> */
double vector_cosine_distance(const float *a, const float *b, uint32_t dim);
double vector_l1_distance(const float *a, const float *b, uint32_t dim);
double vector_norm(const float *a, uint32_t dim);
/* out = a / |a| (a zero vector stays zero, as pgvector). */
void vector_l2_normalize(const float *a, uint32_t dim, float *out);
/* pgvector's vector_cmp: element by element, then the shorter one first. */
int vector_compare(const float *a, uint32_t adim, const float *b, uint32_t bdim);
/* Element-wise +, -, * into out; OMEN_ENONFINITE when a result overflows
 * ("value out of range: overflow"); vector_mul also OMEN_ERANGE when a
 * product of non-zero elements underflows to 0 ("value out of range:
 * underflow"). Both are SQLSTATE 22003 in pgvector. */
int vector_add(const float *a, const float *b, uint32_t dim, float *out);
int vector_sub(const float *a, const float *b, uint32_t dim, float *out);
int vector_mul(const float *a, const float *b, uint32_t dim, float *out);
/* binary_quantize: bit i is 1 when a[i] > 0; out gets dim '0'/'1' chars. */
void vector_binary_quantize(const float *a, uint32_t dim, char *out);

#endif
