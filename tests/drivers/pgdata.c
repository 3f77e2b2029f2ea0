/* Seeded test data and exact answers for the C driver tests (pgdata.h). */
#include "pgdata.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t pgdata_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

float pgdata_uniform(uint64_t *state)
{
	return (float)(pgdata_next(state) >> 40) / (float)(1u << 24);
}

void pgdata_random_vector(uint64_t *state, float *out, uint32_t dim)
{
	for (uint32_t i = 0; i < dim; i++)
		out[i] = pgdata_uniform(state);
}

int pgdata_init(pgdata *d, uint64_t seed, uint32_t rows, uint32_t dim)
{
	d->rows = rows;
	d->dim = dim;
	d->vectors = malloc((size_t)rows * dim * sizeof *d->vectors);
	d->categories = malloc((size_t)rows * sizeof *d->categories);
	if (!d->vectors || !d->categories) {
		pgdata_free(d);
		return -1;
	}
	uint64_t s = seed;
	for (uint32_t i = 0; i < rows; i++) {
		pgdata_random_vector(&s, d->vectors + (size_t)i * dim, dim);
		d->categories[i] = (int32_t)(pgdata_next(&s) % PGDATA_CATEGORIES);
	}
	return 0;
}

void pgdata_free(pgdata *d)
{
	free(d->vectors);
	free(d->categories);
	d->vectors = NULL;
	d->categories = NULL;
	d->rows = 0;
}

typedef struct scored {
	double dist;
	int64_t id;
} scored;

static int scored_cmp(const void *a, const void *b)
{
	const scored *x = a, *y = b;
	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t pgdata_exact(const pgdata *d, const float *q, int32_t category, int64_t *ids, size_t k)
{
	scored *all = malloc((size_t)d->rows * sizeof *all);
	if (!all)
		return 0;
	size_t n = 0;
	for (uint32_t i = 0; i < d->rows; i++) {
		if (category >= 0 && d->categories[i] != category)
			continue;
		const float *v = d->vectors + (size_t)i * d->dim;
		double s = 0;
		for (uint32_t j = 0; j < d->dim; j++) {
			double diff = (double)v[j] - (double)q[j];
			s += diff * diff;
		}
		all[n++] = (scored){s, (int64_t)i + 1};
	}
	qsort(all, n, sizeof *all, scored_cmp);
	if (n > k)
		n = k;
	for (size_t i = 0; i < n; i++)
		ids[i] = all[i].id;
	free(all);
	return n;
}

double pgdata_recall(const int64_t *found, size_t nfound, const int64_t *exact, size_t k)
{
	size_t hit = 0;
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < nfound; j++)
			if (found[j] == exact[i]) {
				hit++;
				break;
			}
	return k ? (double)hit / (double)k : 0;
}

/* Each float takes at most 16 characters ("-1.23456789e-38") plus a comma. */
size_t pgdata_text_max(uint32_t dim)
{
	return 3 + (size_t)dim * 17;
}

size_t pgdata_vector_text(const float *v, uint32_t dim, char *buf)
{
	size_t n = 0;
	buf[n++] = '[';
	for (uint32_t i = 0; i < dim; i++) {
		if (i)
			buf[n++] = ',';
		n += (size_t)sprintf(buf + n, "%.9g", (double)v[i]);
	}
	buf[n++] = ']';
	buf[n] = 0;
	return n;
}

void pgdata_vector_binary(const float *v, uint32_t dim, unsigned char *out)
{
	uint16_t h[2] = {htons((uint16_t)dim), 0};
	memcpy(out, h, 4);
	for (uint32_t i = 0; i < dim; i++) {
		uint32_t u;
		memcpy(&u, &v[i], 4);
		u = htonl(u);
		memcpy(out + 4 + 4 * (size_t)i, &u, 4);
	}
}

int pgdata_vector_from_binary(const unsigned char *b, size_t len, float *out, uint32_t cap, uint32_t *dim)
{
	if (len < 4)
		return -1;
	uint32_t n = (uint32_t)b[0] << 8 | b[1];
	if (b[2] || b[3] || n > cap || len != 4 + 4 * (size_t)n)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, b + 4 + 4 * (size_t)i, 4);
		u = ntohl(u);
		memcpy(&out[i], &u, 4);
	}
	*dim = n;
	return 0;
}
