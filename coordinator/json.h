/* The jsonb operators OmenDB evaluates (->, ->>, @>) over JSON text: a
 * strict, non-recursive-on-hostile-input reader (nesting depth capped) that
 * navigates a document without building a tree. */
#ifndef OMEN_JSON_H
#define OMEN_JSON_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 512

/* 0 when s[0..len) is one valid JSON value (RFC 8259, surrounding whitespace
 * allowed, nesting at most JSON_MAX_DEPTH, strings in UTF-8 with \u
 * surrogates only in pairs), else -1. Uses no recursion. */
int json_validate(const char *s, size_t len);

/* The member `key` of the object in s (or, when s is an array and key is
 * NULL, element index; negative counts from the end as PostgreSQL's ->
 * does): *out and *out_len span the member's JSON text inside s (whitespace
 * trimmed). Returns 1 when found, 0 when absent or s is not an object (an
 * array for index), -1 when s is not valid JSON. For duplicate keys the
 * last one wins, as jsonb keeps the last. */
int json_get(const char *s, size_t len, const char *key, size_t key_len, long index, const char **out,
	     size_t *out_len);

/* ->> : the value s (typically a span from json_get) as text: a JSON
 * string is unescaped (into buf, cap bytes, not NUL-terminated; *out points
 * into buf then; cap >= len always suffices) and JSON null gives SQL NULL
 * (*is_null, *out NULL); other values are their JSON text as stored in s
 * (*out points into s; PostgreSQL's jsonb would print its normalised
 * whitespace instead). Returns 1, or -1 when s is not valid JSON, when the
 * unescaped string would not fit in cap, or when it holds \u0000, which
 * text cannot (PostgreSQL refuses it too). */
int json_as_text(const char *s, size_t len, char *buf, size_t cap, const char **out, size_t *out_len,
		 bool *is_null);

/* jsonb @> : true when a contains b by PostgreSQL's rules (objects: every
 * key of b in a with a containing value; arrays: every element of b
 * contained in some element of a; a top-level array contains a bare
 * scalar, but not the other way round; scalars equal, numbers compared
 * numerically, strings after unescaping; duplicate keys: the last counts).
 * Returns 1, 0, or -1 when either is not valid JSON. No tree is built, so
 * the cost grows with |a| * |b|. */
int json_contains(const char *a, size_t alen, const char *b, size_t blen);

#endif
