/* Row filters (proto/shard.proto, Filter): checks a postfix filter program
 * against a table definition, then evaluates it on rows with SQL's
 * three-valued logic. Pure logic: no I/O, no allocation, no recursion. */
#ifndef OMEN_FILTER_H
#define OMEN_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "shard.pb-c.h"

#define FILTER_MAX_NODES 256	  /* also the evaluation stack's depth */
#define FILTER_MAX_IN_VALUES 1024 /* values in one IN list */

/* Checks f against table t (non-NULL) before any row is matched:
 * - at most FILTER_MAX_NODES nodes, each op a known FilterOp;
 * - comparisons (EQ..GE) carry one value, IN 1..FILTER_MAX_IN_VALUES,
 *   IS_NULL none; AND/OR have arity >= 2 and no values; NOT no values;
 * - leaf columns exist in t; vector and jsonb columns take only IS_NULL;
 * - each value's kind fits its column: integer, bigint and timestamptz take
 *   int or float values, real and double float or int values, text text,
 *   boolean bool; an unset kind (SQL NULL) fits any column;
 * - run as a stack machine, the program never pops an empty stack and leaves
 *   exactly one truth value.
 * NULL or an empty f is valid and passes every row. Returns OMEN_OK, or
 * OMEN_EINVAL with a message naming the node by its 0-based position, written
 * to err (errlen bytes, always NUL-terminated; err may be NULL). */
int filter_validate(const Omendb__Filter *f, const Omendb__TableDef *t, char *err, size_t errlen);

/* True when row passes f, i.e. f evaluates to TRUE (FALSE and UNKNOWN
 * reject). f must have passed filter_validate against row's table; an
 * unvalidated program is still evaluated safely but its result means
 * nothing. row->values are the cells in column order; cells past
 * row->n_values, NULL cells and cells with no kind set are SQL NULL.
 *
 * Semantics are PostgreSQL's: a comparison or IN with NULL on either side is
 * UNKNOWN (x IN (a, NULL) is TRUE when x = a, else UNKNOWN); AND, OR and NOT
 * follow Kleene's logic; IS NULL is TRUE or FALSE. Numbers compare as
 * int64 when both are integers, else as float8 with PostgreSQL's NaN rule
 * (NaN equals NaN and is greater than every other number, infinity
 * included). Text compares bytewise (memcmp; a prefix sorts first), which is
 * PostgreSQL's C collation. false < true. A cell whose kind cannot compare
 * with the filter value (the row does not fit its table) gives UNKNOWN. */
bool filter_match(const Omendb__Filter *f, const Omendb__Row *row);

#endif
