/* Benchmark datasets on disk: the TEXMEX vector files (.fvecs, .ivecs, .bvecs)
 * used by SIFT1M and GIST1M, and the HDF5 files of ann-benchmarks (GloVe, ...).
 * Every reader checks each record and turns a malformed file into
 * OMEN_EFORMAT; nothing read from a file is trusted. */
#ifndef OMEN_BENCH_DATASET_H
#define OMEN_BENCH_DATASET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest dimension a reader accepts: far above any real benchmark set, low
 * enough that a garbage header cannot ask for an absurd allocation per row. */
#define DATASET_MAX_DIM (1u << 20)

/* A row-major matrix: rows * dim values. data is owned by the struct and
 * freed by dataset_fmat_free / dataset_imat_free. */
typedef struct dataset_fmat {
	float *data;
	size_t rows;
	size_t dim;
} dataset_fmat;

typedef struct dataset_imat {
	int32_t *data;
	size_t rows;
	size_t dim;
} dataset_imat;

/* Releases m->data and zeroes m; safe on a zeroed struct. */
void dataset_fmat_free(dataset_fmat *m);
void dataset_imat_free(dataset_imat *m);

/* TEXMEX formats: each record is a little-endian int32 dimension followed by
 * that many float32 (.fvecs), int32 (.ivecs) or uint8 (.bvecs) values.
 *
 * Reads at most max_rows records (0 = all). On success *out owns a fresh
 * matrix (bvecs bytes are widened to floats); on error *out is zeroed and
 * nothing is allocated. Errors: OMEN_EIO if the file cannot be opened or read
 * (errno tells why), OMEN_EFORMAT for an empty file, a dimension of 0 or
 * above DATASET_MAX_DIM, a record whose dimension differs from the first, or
 * a size that is not a whole number of records (truncated file),
 * OMEN_ENOMEM. */
int dataset_read_fvecs(const char *path, size_t max_rows, dataset_fmat *out);
int dataset_read_ivecs(const char *path, size_t max_rows, dataset_imat *out);
int dataset_read_bvecs(const char *path, size_t max_rows, dataset_fmat *out);

/* Writes rows records of dim values from data (row-major; not taken over).
 * Creates or truncates path. OMEN_EINVAL for rows 0 or a dim outside
 * [1, DATASET_MAX_DIM], OMEN_EIO on any write error (the file may then hold
 * a prefix). */
int dataset_write_fvecs(const char *path, const float *data, size_t rows, size_t dim);
int dataset_write_ivecs(const char *path, const int32_t *data, size_t rows, size_t dim);

/* One benchmark: base vectors to index, queries, and for each query the ids
 * (rows of base) of its true nearest neighbours, nearest first. */
typedef struct dataset_set {
	dataset_fmat base;
	dataset_fmat queries;
	dataset_imat gt;
	/* The metric the ground truth was computed for, as distance.h names it
	 * ("l2", "cosine", "ip"); "" when the files do not say (TEXMEX). */
	char metric[16];
} dataset_set;

/* Loads base and query vectors (.fvecs or .bvecs, chosen by the file name's
 * ending) and ground truth (.ivecs), keeping the first max_queries queries
 * (0 = all). Besides the reader errors, OMEN_EFORMAT when queries and base
 * differ in dimension, when there are fewer ground-truth rows than queries,
 * or when a ground-truth id is not a row of base. On success *out owns
 * everything (free with dataset_set_free); on error *out is zeroed. */
int dataset_load_files(const char *base_path, const char *query_path, const char *gt_path, size_t max_queries,
		       dataset_set *out);

/* Loads an ann-benchmarks HDF5 file: 2-D datasets "train" (base), "test"
 * (queries), "neighbors" (ground truth) and the root attribute "distance"
 * ("euclidean" gives metric "l2", "angular" gives "cosine", "dot" or "ip"
 * give "ip"). Same checks and ownership as dataset_load_files; also
 * OMEN_EFORMAT for a file that is not HDF5, a missing or non-2-D dataset, a
 * missing or unknown distance. The HDF5 library is not thread-safe in
 * Debian's serial build: call from one thread at a time. */
int dataset_load_hdf5(const char *path, size_t max_queries, dataset_set *out);

void dataset_set_free(dataset_set *s);

#ifdef __cplusplus
}
#endif

#endif
