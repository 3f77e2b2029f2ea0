/* What the C driver tests (test_libpq, load_test) share: a seeded data set
 * of vectors with an integer category per row, exact nearest neighbours to
 * measure recall against, and pgvector's text and binary formats written and
 * read on the client side. Nothing here knows about OmenDB: the tests run
 * against PostgreSQL with pgvector too. */
#ifndef OMEN_PGDATA_H
#define OMEN_PGDATA_H

#include <stddef.h>
#include <stdint.h>

#define PGDATA_CATEGORIES 10

/* rows vectors of dim float4s uniform in [0, 1); row i (0-based) has id
 * i + 1, vector vectors[i * dim ...] and category categories[i] in
 * 0..PGDATA_CATEGORIES-1. Owned by the struct: pgdata_free releases them. */
typedef struct pgdata {
	uint32_t rows, dim;
	float *vectors;
	int32_t *categories;
} pgdata;

/* Fills d from seed (the same seed gives the same data on every machine).
 * Returns 0, or -1 when out of memory (d is then empty). */
int pgdata_init(pgdata *d, uint64_t seed, uint32_t rows, uint32_t dim);
void pgdata_free(pgdata *d);

/* A seeded generator for queries and workloads: splitmix64. */
uint64_t pgdata_next(uint64_t *state);
/* A float uniform in [0, 1) from the generator. */
float pgdata_uniform(uint64_t *state);
/* dim uniform floats into out. */
void pgdata_random_vector(uint64_t *state, float *out, uint32_t dim);

/* The ids of the k rows nearest to q by L2 distance (computed in double),
 * among rows of category when category >= 0, nearest first, into ids[k].
 * Returns how many were written (fewer than k when fewer rows match), or 0
 * when out of memory. */
size_t pgdata_exact(const pgdata *d, const float *q, int32_t category, int64_t *ids, size_t k);

/* Share of exact[0..k) present in found[0..nfound). */
double pgdata_recall(const int64_t *found, size_t nfound, const int64_t *exact, size_t k);

/* pgvector's text format "[x,y,...]" with each float printed to 9
 * significant digits (enough to read back the same float4). buf must hold
 * pgdata_text_max(dim) bytes; returns the length (NUL-terminated). */
size_t pgdata_text_max(uint32_t dim);
size_t pgdata_vector_text(const float *v, uint32_t dim, char *buf);

/* pgvector's binary format: int16 dim, int16 unused = 0, dim float4s, all
 * in network byte order; out must hold 4 + 4 * dim bytes. */
void pgdata_vector_binary(const float *v, uint32_t dim, unsigned char *out);
/* Reads that format: 0 and *dim on success; -1 when len does not match the
 * dimension it announces, unused is not 0, or it exceeds cap floats. */
int pgdata_vector_from_binary(const unsigned char *b, size_t len, float *out, uint32_t cap, uint32_t *dim);

#endif
