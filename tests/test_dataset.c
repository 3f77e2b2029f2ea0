/* bench/dataset: TEXMEX files survive a write/read round trip, ann-benchmarks
 * HDF5 files load with their metric, and every kind of malformed file
 * (truncated, bad or inconsistent dimension, empty, missing HDF5 dataset or
 * attribute, ids outside the base) is refused with OMEN_EFORMAT. All files
 * live in a fresh mkdtemp directory that is removed at the end. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "dataset.h"
#include "error.h"
#include "test.h"

/* Compares error codes and names both sides when they differ. */
#define CHECK_RC(expr, want)                                                                                 \
	do {                                                                                                 \
		int rc_ = (expr), want_ = (want);                                                            \
		if (rc_ != want_) {                                                                          \
			fprintf(stderr, "%s:%d: %s gave %s, expected %s\n", __FILE__, __LINE__, #expr,       \
				error_name(rc_), error_name(want_));                                         \
			test_failures++;                                                                     \
		}                                                                                            \
	} while (0)

static char tmpdir[64];

/* A path inside the temporary directory (one static buffer per slot, so a
 * test can hold a few at once). */
static const char *tmp_path(int slot, const char *name)
{
	static char buf[4][512];
	snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", tmpdir, name);
	return buf[slot];
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(len == 0 || fwrite(data, 1, len, f) == len);
	CHECK(fclose(f) == 0);
}

/* One record: int32 dimension header, then `dim` 4-byte values. */
static size_t put_record(unsigned char *buf, int32_t header, const float *vals, size_t dim)
{
	memcpy(buf, &header, 4);
	memcpy(buf + 4, vals, dim * 4);
	return 4 + dim * 4;
}

static void test_fvecs_round_trip(void)
{
	float data[3 * 5];
	for (size_t i = 0; i < 15; i++)
		data[i] = (float)i * 0.5f - 3.0f;
	const char *p = tmp_path(0, "rt.fvecs");
	CHECK_RC(dataset_write_fvecs(p, data, 3, 5), OMEN_OK);
	dataset_fmat m;
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_OK);
	CHECK(m.rows == 3 && m.dim == 5 && m.data != NULL);
	CHECK(m.data != NULL && memcmp(m.data, data, sizeof(data)) == 0);
	dataset_fmat_free(&m);
	CHECK(m.data == NULL && m.rows == 0);
}

static void test_ivecs_round_trip(void)
{
	int32_t data[4 * 3] = {0, 1, 2, -5, 7, 9, 100000, 3, 4, INT32_MAX, INT32_MIN, 0};
	const char *p = tmp_path(0, "rt.ivecs");
	CHECK_RC(dataset_write_ivecs(p, data, 4, 3), OMEN_OK);
	dataset_imat m;
	CHECK_RC(dataset_read_ivecs(p, 0, &m), OMEN_OK);
	CHECK(m.rows == 4 && m.dim == 3);
	CHECK(m.data != NULL && memcmp(m.data, data, sizeof(data)) == 0);
	dataset_imat_free(&m);
}

static void test_max_rows_reads_a_prefix(void)
{
	float data[10 * 2];
	for (size_t i = 0; i < 20; i++)
		data[i] = (float)i;
	const char *p = tmp_path(0, "prefix.fvecs");
	CHECK_RC(dataset_write_fvecs(p, data, 10, 2), OMEN_OK);
	dataset_fmat m;
	CHECK_RC(dataset_read_fvecs(p, 4, &m), OMEN_OK);
	CHECK(m.rows == 4 && m.dim == 2);
	CHECK(m.data != NULL && memcmp(m.data, data, 8 * sizeof(float)) == 0);
	dataset_fmat_free(&m);
	/* More than the file holds reads the whole file. */
	CHECK_RC(dataset_read_fvecs(p, 1000, &m), OMEN_OK);
	CHECK(m.rows == 10);
	dataset_fmat_free(&m);
}

static void test_bvecs_widen_to_float(void)
{
	unsigned char buf[2 * (4 + 3)];
	const int32_t dim = 3;
	const unsigned char rows[2][3] = {{0, 128, 255}, {1, 2, 3}};
	for (int r = 0; r < 2; r++) {
		memcpy(buf + r * 7, &dim, 4);
		memcpy(buf + r * 7 + 4, rows[r], 3);
	}
	const char *p = tmp_path(0, "b.bvecs");
	write_bytes(p, buf, sizeof(buf));
	dataset_fmat m;
	CHECK_RC(dataset_read_bvecs(p, 0, &m), OMEN_OK);
	CHECK(m.rows == 2 && m.dim == 3);
	if (m.data != NULL) {
		CHECK(m.data[0] == 0.0f && m.data[1] == 128.0f && m.data[2] == 255.0f);
		CHECK(m.data[3] == 1.0f && m.data[5] == 3.0f);
	}
	dataset_fmat_free(&m);
}

static void test_truncated_file_is_rejected(void)
{
	float data[3 * 4] = {0};
	const char *p = tmp_path(0, "trunc.fvecs");
	CHECK_RC(dataset_write_fvecs(p, data, 3, 4), OMEN_OK);
	/* Cut the last record short: the size is no longer whole records. */
	CHECK(truncate(p, 3 * 20 - 5) == 0);
	dataset_fmat m;
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);
	CHECK(m.data == NULL && m.rows == 0);
	/* Only the header left. */
	CHECK(truncate(p, 4) == 0);
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);
	/* Not even a whole header. */
	CHECK(truncate(p, 2) == 0);
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);
}

static void test_bad_dimension_is_rejected(void)
{
	const float vals[4] = {1, 2, 3, 4};
	unsigned char buf[64];
	dataset_fmat m;
	dataset_imat im;
	const char *p = tmp_path(0, "dim.fvecs");

	/* Dimension 0: records of 4 bytes each, a well-sized file. */
	int32_t zero = 0;
	memcpy(buf, &zero, 4);
	memcpy(buf + 4, &zero, 4);
	write_bytes(p, buf, 8);
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);
	CHECK_RC(dataset_read_ivecs(p, 0, &im), OMEN_EFORMAT);

	/* Negative dimension. */
	size_t len = put_record(buf, -4, vals, 4);
	write_bytes(p, buf, len);
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);

	/* Absurd dimension: rejected before any allocation is sized by it. */
	len = put_record(buf, (int32_t)(DATASET_MAX_DIM + 1), vals, 4);
	write_bytes(p, buf, len);
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);
	len = put_record(buf, INT32_MAX, vals, 4);
	write_bytes(p, buf, len);
	CHECK_RC(dataset_read_bvecs(p, 0, &m), OMEN_EFORMAT);
}

static void test_inconsistent_dimensions_are_rejected(void)
{
	/* Three records of 4 bytes + 4 floats; the third header claims 3. The
	 * size is a whole number of records, so only the per-record check can
	 * catch it. */
	const float vals[4] = {1, 2, 3, 4};
	unsigned char buf[3 * 20];
	size_t len = 0;
	len += put_record(buf + len, 4, vals, 4);
	len += put_record(buf + len, 4, vals, 4);
	len += put_record(buf + len, 3, vals, 4);
	const char *p = tmp_path(0, "mixed.fvecs");
	write_bytes(p, buf, len);
	dataset_fmat m;
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);
	CHECK(m.data == NULL);
	/* The first two records alone are fine. */
	CHECK_RC(dataset_read_fvecs(p, 2, &m), OMEN_OK);
	dataset_fmat_free(&m);
}

static void test_empty_and_missing_files(void)
{
	const char *p = tmp_path(0, "empty.fvecs");
	write_bytes(p, "", 0);
	dataset_fmat m;
	dataset_imat im;
	CHECK_RC(dataset_read_fvecs(p, 0, &m), OMEN_EFORMAT);
	CHECK_RC(dataset_read_ivecs(p, 0, &im), OMEN_EFORMAT);
	CHECK_RC(dataset_read_bvecs(p, 0, &m), OMEN_EFORMAT);
	CHECK_RC(dataset_read_fvecs(tmp_path(1, "no-such-file.fvecs"), 0, &m), OMEN_EIO);
	/* A directory is not a vector file. */
	CHECK_RC(dataset_read_fvecs(tmpdir, 0, &m), OMEN_EFORMAT);
}

static void test_writer_checks_arguments(void)
{
	float v[2] = {1, 2};
	const char *p = tmp_path(0, "w.fvecs");
	CHECK_RC(dataset_write_fvecs(p, v, 0, 2), OMEN_EINVAL);
	CHECK_RC(dataset_write_fvecs(p, v, 1, 0), OMEN_EINVAL);
	CHECK_RC(dataset_write_fvecs(tmp_path(1, "no-dir/x.fvecs"), v, 1, 2), OMEN_EIO);
}

/* base: n x dim, queries: nq x dim, gt: nq x k ids (all written). */
static void write_set(size_t n, size_t nq, size_t dim, size_t k, int32_t bad_id)
{
	float *base = calloc(n * dim, sizeof(float));
	float *queries = calloc(nq * dim, sizeof(float));
	int32_t *gt = calloc(nq * k, sizeof(int32_t));
	CHECK(base && queries && gt);
	if (!base || !queries || !gt)
		goto out;
	for (size_t i = 0; i < n * dim; i++)
		base[i] = (float)(i % 17);
	for (size_t i = 0; i < nq * dim; i++)
		queries[i] = (float)(i % 5);
	for (size_t i = 0; i < nq * k; i++)
		gt[i] = (int32_t)(i % n);
	gt[nq * k - 1] = bad_id >= 0 ? bad_id : gt[nq * k - 1];
	CHECK_RC(dataset_write_fvecs(tmp_path(0, "s.base.fvecs"), base, n, dim), OMEN_OK);
	CHECK_RC(dataset_write_fvecs(tmp_path(1, "s.query.fvecs"), queries, nq, dim), OMEN_OK);
	CHECK_RC(dataset_write_ivecs(tmp_path(2, "s.gt.ivecs"), gt, nq, k), OMEN_OK);
out:
	free(base);
	free(queries);
	free(gt);
}

static int load_set(size_t max_queries, dataset_set *s)
{
	return dataset_load_files(tmp_path(0, "s.base.fvecs"), tmp_path(1, "s.query.fvecs"),
				  tmp_path(2, "s.gt.ivecs"), max_queries, s);
}

static void test_load_files_checks_consistency(void)
{
	dataset_set s;
	write_set(50, 8, 6, 10, -1);
	CHECK_RC(load_set(0, &s), OMEN_OK);
	CHECK(s.base.rows == 50 && s.queries.rows == 8 && s.gt.rows == 8 && s.gt.dim == 10);
	CHECK(s.metric[0] == '\0');
	dataset_set_free(&s);
	CHECK_RC(load_set(3, &s), OMEN_OK);
	CHECK(s.queries.rows == 3 && s.gt.rows == 3);
	dataset_set_free(&s);

	/* A ground-truth id past the base. */
	write_set(50, 8, 6, 10, 50);
	CHECK_RC(load_set(0, &s), OMEN_EFORMAT);
	CHECK(s.base.data == NULL && s.queries.data == NULL && s.gt.data == NULL);

	/* Queries of another dimension. */
	write_set(50, 8, 6, 10, -1);
	float q[7] = {0};
	CHECK_RC(dataset_write_fvecs(tmp_path(1, "s.query.fvecs"), q, 1, 7), OMEN_OK);
	CHECK_RC(load_set(0, &s), OMEN_EFORMAT);

	/* Fewer ground-truth rows than queries. */
	write_set(50, 8, 6, 10, -1);
	int32_t gt[10] = {0};
	CHECK_RC(dataset_write_ivecs(tmp_path(2, "s.gt.ivecs"), gt, 1, 10), OMEN_OK);
	CHECK_RC(load_set(0, &s), OMEN_EFORMAT);
	CHECK_RC(load_set(1, &s), OMEN_OK);
	dataset_set_free(&s);
}

/* --- HDF5 fixtures, written the way h5py writes ann-benchmarks files --- */

enum h5_flaw {
	H5_GOOD,
	H5_NO_NEIGHBORS,
	H5_NO_DISTANCE,
	H5_FIXED_STRING, /* distance as a fixed-length string (older writers) */
	H5_ONE_D_TRAIN,
	H5_BAD_ID,
	H5_UNKNOWN_DISTANCE,
};

static void h5_put(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data)
{
	hid_t space = H5Screate_simple(rank, dims, NULL);
	hid_t dset = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	CHECK(dset >= 0);
	CHECK(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
	H5Dclose(dset);
	H5Sclose(space);
}

static void write_hdf5(const char *path, enum h5_flaw flaw, const char *distance)
{
	enum { N = 40, NQ = 5, D = 4, K = 10 };
	float train[N * D], test[NQ * D];
	int32_t neighbors[NQ * K];
	for (int i = 0; i < N * D; i++)
		train[i] = (float)(i % 13) + 1.0f;
	for (int i = 0; i < NQ * D; i++)
		test[i] = (float)(i % 7) + 1.0f;
	for (int i = 0; i < NQ * K; i++)
		neighbors[i] = i % N;
	if (flaw == H5_BAD_ID)
		neighbors[3] = N + 2;

	hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	CHECK(file >= 0);
	hsize_t train_dims[2] = {N, D}, test_dims[2] = {NQ, D}, nb_dims[2] = {NQ, K};
	hsize_t flat[1] = {N * D};
	if (flaw == H5_ONE_D_TRAIN)
		h5_put(file, "train", H5T_NATIVE_FLOAT, 1, flat, train);
	else
		h5_put(file, "train", H5T_NATIVE_FLOAT, 2, train_dims, train);
	h5_put(file, "test", H5T_NATIVE_FLOAT, 2, test_dims, test);
	if (flaw != H5_NO_NEIGHBORS)
		h5_put(file, "neighbors", H5T_NATIVE_INT32, 2, nb_dims, neighbors);

	if (flaw != H5_NO_DISTANCE) {
		hid_t type = H5Tcopy(H5T_C_S1);
		hid_t space = H5Screate(H5S_SCALAR);
		if (flaw == H5_FIXED_STRING) {
			/* numpy's 'S' strings: padded with NULs, none stored
			 * when the text fills the field. */
			H5Tset_size(type, strlen(distance));
			H5Tset_strpad(type, H5T_STR_NULLPAD);
		} else {
			H5Tset_size(type, H5T_VARIABLE);
			H5Tset_cset(type, H5T_CSET_UTF8);
		}
		hid_t attr = H5Acreate2(file, "distance", type, space, H5P_DEFAULT, H5P_DEFAULT);
		CHECK(attr >= 0);
		if (flaw == H5_FIXED_STRING)
			CHECK(H5Awrite(attr, type, distance) >= 0);
		else
			CHECK(H5Awrite(attr, type, &distance) >= 0);
		H5Aclose(attr);
		H5Sclose(space);
		H5Tclose(type);
	}
	H5Fclose(file);
}

static void test_hdf5_loads_ann_benchmarks_layout(void)
{
	const char *p = tmp_path(0, "good.hdf5");
	dataset_set s;
	write_hdf5(p, H5_GOOD, "euclidean");
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_OK);
	CHECK(s.base.rows == 40 && s.base.dim == 4 && s.queries.rows == 5 && s.gt.dim == 10);
	CHECK(strcmp(s.metric, "l2") == 0);
	CHECK(s.base.data != NULL && s.base.data[0] == 1.0f && s.base.data[13] == 1.0f);
	CHECK(s.gt.data != NULL && s.gt.data[7] == 7);
	dataset_set_free(&s);

	write_hdf5(p, H5_GOOD, "angular");
	CHECK_RC(dataset_load_hdf5(p, 2, &s), OMEN_OK);
	CHECK(strcmp(s.metric, "cosine") == 0);
	CHECK(s.queries.rows == 2 && s.gt.rows == 2);
	dataset_set_free(&s);

	write_hdf5(p, H5_FIXED_STRING, "euclidean");
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_OK);
	CHECK(strcmp(s.metric, "l2") == 0);
	dataset_set_free(&s);
}

static void test_hdf5_malformed_is_rejected(void)
{
	const char *p = tmp_path(0, "bad.hdf5");
	dataset_set s;
	write_hdf5(p, H5_NO_NEIGHBORS, "euclidean");
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_EFORMAT);
	CHECK(s.base.data == NULL && s.queries.data == NULL);
	write_hdf5(p, H5_NO_DISTANCE, "euclidean");
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_EFORMAT);
	write_hdf5(p, H5_UNKNOWN_DISTANCE, "hamming");
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_EFORMAT);
	write_hdf5(p, H5_ONE_D_TRAIN, "euclidean");
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_EFORMAT);
	write_hdf5(p, H5_BAD_ID, "euclidean");
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_EFORMAT);

	/* Not HDF5 at all, and an empty file. */
	write_bytes(p, "this is not an HDF5 file, just text\n", 36);
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_EFORMAT);
	write_bytes(p, "", 0);
	CHECK_RC(dataset_load_hdf5(p, 0, &s), OMEN_EFORMAT);
	CHECK_RC(dataset_load_hdf5(tmp_path(1, "missing.hdf5"), 0, &s), OMEN_EIO);
}

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlink(tmp_path(3, e->d_name));
	}
	closedir(d);
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	static const test_case tests[] = {
	    TEST(test_fvecs_round_trip),
	    TEST(test_ivecs_round_trip),
	    TEST(test_max_rows_reads_a_prefix),
	    TEST(test_bvecs_widen_to_float),
	    TEST(test_truncated_file_is_rejected),
	    TEST(test_bad_dimension_is_rejected),
	    TEST(test_inconsistent_dimensions_are_rejected),
	    TEST(test_empty_and_missing_files),
	    TEST(test_writer_checks_arguments),
	    TEST(test_load_files_checks_consistency),
	    TEST(test_hdf5_loads_ann_benchmarks_layout),
	    TEST(test_hdf5_malformed_is_rejected),
	};
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/omen-dataset-XXXXXX", base && strlen(base) < 32 ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	int rc = test_run(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
	remove_tmpdir();
	return rc;
}
