#include "dataset.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>

#include "error.h"

/* TEXMEX files are little-endian and we copy records without swapping. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "dataset.c assumes a little-endian host"
#endif

void dataset_fmat_free(dataset_fmat *m)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
}

void dataset_imat_free(dataset_imat *m)
{
	free(m->data);
	memset(m, 0, sizeof(*m));
}

void dataset_set_free(dataset_set *s)
{
	dataset_fmat_free(&s->base);
	dataset_fmat_free(&s->queries);
	dataset_imat_free(&s->gt);
	s->metric[0] = '\0';
}

/* --- TEXMEX .fvecs / .ivecs / .bvecs --- */

enum vecs_kind { VECS_F32, VECS_I32, VECS_U8 };

static size_t vecs_elem_size(enum vecs_kind kind)
{
	return kind == VECS_U8 ? 1 : 4;
}

/* Reads whole records in blocks of about this many bytes, so a huge file
 * costs one output allocation and a small bounce buffer. */
#define VECS_BLOCK_BYTES (1u << 20)

/* One reader for the three formats: they differ only in element width, and
 * every output element is 4 bytes (float or int32). */
static int vecs_read(const char *path, enum vecs_kind kind, size_t max_rows, void **data_out,
		     size_t *rows_out, size_t *dim_out)
{
	int rc = OMEN_OK;
	unsigned char *block = NULL;
	unsigned char *data = NULL;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return OMEN_EIO;

	struct stat st;
	if (fstat(fileno(f), &st) != 0) {
		rc = OMEN_EIO;
		goto err_after_open;
	}
	/* A pipe or device has no size to check records against. */
	if (!S_ISREG(st.st_mode) || st.st_size < 4) {
		rc = OMEN_EFORMAT;
		goto err_after_open;
	}
	int32_t first_dim;
	if (fread(&first_dim, sizeof(first_dim), 1, f) != 1) {
		rc = ferror(f) ? OMEN_EIO : OMEN_EFORMAT;
		goto err_after_open;
	}
	if (first_dim <= 0 || (uint32_t)first_dim > DATASET_MAX_DIM) {
		rc = OMEN_EFORMAT;
		goto err_after_open;
	}
	const size_t dim = (size_t)first_dim;
	const size_t payload = dim * vecs_elem_size(kind);
	const size_t record = 4 + payload;
	const size_t file_size = (size_t)st.st_size;
	if (file_size % record != 0) {
		rc = OMEN_EFORMAT;
		goto err_after_open;
	}
	size_t rows = file_size / record;
	if (max_rows != 0 && max_rows < rows)
		rows = max_rows;
	if (rows > SIZE_MAX / 4 / dim) {
		rc = OMEN_ENOMEM;
		goto err_after_open;
	}
	data = malloc(rows * dim * 4);
	const size_t per_block = record >= VECS_BLOCK_BYTES ? 1 : VECS_BLOCK_BYTES / record;
	block = malloc(per_block * record);
	if (data == NULL || block == NULL) {
		rc = OMEN_ENOMEM;
		goto err_after_alloc;
	}
	if (fseek(f, 0, SEEK_SET) != 0) {
		rc = OMEN_EIO;
		goto err_after_alloc;
	}

	for (size_t row = 0; row < rows;) {
		size_t want = rows - row < per_block ? rows - row : per_block;
		if (fread(block, record, want, f) != want) {
			/* The size was checked, so a short read means the file
			 * shrank under us or the device failed. */
			rc = ferror(f) ? OMEN_EIO : OMEN_EFORMAT;
			goto err_after_alloc;
		}
		for (size_t i = 0; i < want; i++, row++) {
			const unsigned char *rec = block + i * record;
			int32_t d;
			memcpy(&d, rec, sizeof(d));
			if (d != first_dim) {
				rc = OMEN_EFORMAT;
				goto err_after_alloc;
			}
			unsigned char *dst = data + row * dim * 4;
			if (kind == VECS_U8) {
				float *fdst = (float *)(void *)dst;
				for (size_t j = 0; j < dim; j++)
					fdst[j] = (float)rec[4 + j];
			} else {
				memcpy(dst, rec + 4, payload);
			}
		}
	}

	free(block);
	fclose(f);
	*data_out = data;
	*rows_out = rows;
	*dim_out = dim;
	return OMEN_OK;

err_after_alloc:
	free(block);
	free(data);
err_after_open:
	fclose(f);
	return rc;
}

int dataset_read_fvecs(const char *path, size_t max_rows, dataset_fmat *out)
{
	void *data;
	memset(out, 0, sizeof(*out));
	int rc = vecs_read(path, VECS_F32, max_rows, &data, &out->rows, &out->dim);
	if (rc == OMEN_OK)
		out->data = data;
	else
		memset(out, 0, sizeof(*out));
	return rc;
}

int dataset_read_ivecs(const char *path, size_t max_rows, dataset_imat *out)
{
	void *data;
	memset(out, 0, sizeof(*out));
	int rc = vecs_read(path, VECS_I32, max_rows, &data, &out->rows, &out->dim);
	if (rc == OMEN_OK)
		out->data = data;
	else
		memset(out, 0, sizeof(*out));
	return rc;
}

int dataset_read_bvecs(const char *path, size_t max_rows, dataset_fmat *out)
{
	void *data;
	memset(out, 0, sizeof(*out));
	int rc = vecs_read(path, VECS_U8, max_rows, &data, &out->rows, &out->dim);
	if (rc == OMEN_OK)
		out->data = data;
	else
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Both writable formats have 4-byte elements. */
static int vecs_write(const char *path, const void *data, size_t rows, size_t dim)
{
	if (rows == 0 || dim == 0 || dim > DATASET_MAX_DIM)
		return OMEN_EINVAL;
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return OMEN_EIO;
	const int32_t d = (int32_t)dim;
	const unsigned char *p = data;
	bool ok = true;
	for (size_t i = 0; i < rows && ok; i++) {
		ok = fwrite(&d, sizeof(d), 1, f) == 1 && fwrite(p + i * dim * 4, 4, dim, f) == dim;
	}
	/* fclose flushes: its failure is a lost write too. */
	if (fclose(f) != 0)
		ok = false;
	return ok ? OMEN_OK : OMEN_EIO;
}

int dataset_write_fvecs(const char *path, const float *data, size_t rows, size_t dim)
{
	return vecs_write(path, data, rows, dim);
}

int dataset_write_ivecs(const char *path, const int32_t *data, size_t rows, size_t dim)
{
	return vecs_write(path, data, rows, dim);
}

/* --- Consistency of a loaded set --- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int set_check(const dataset_set *s)
{
	if (s->queries.dim != s->base.dim || s->gt.rows < s->queries.rows)
		return OMEN_EFORMAT;
	const size_t n = s->gt.rows * s->gt.dim;
	for (size_t i = 0; i < n; i++) {
		if (s->gt.data[i] < 0 || (size_t)s->gt.data[i] >= s->base.rows)
			return OMEN_EFORMAT;
	}
	return OMEN_OK;
}

int dataset_load_files(const char *base_path, const char *query_path, const char *gt_path, size_t max_queries,
		       dataset_set *out)
{
	memset(out, 0, sizeof(*out));
	int rc;
	if (ends_with(base_path, ".bvecs"))
		rc = dataset_read_bvecs(base_path, 0, &out->base);
	else
		rc = dataset_read_fvecs(base_path, 0, &out->base);
	if (rc != OMEN_OK)
		goto err;
	if (ends_with(query_path, ".bvecs"))
		rc = dataset_read_bvecs(query_path, max_queries, &out->queries);
	else
		rc = dataset_read_fvecs(query_path, max_queries, &out->queries);
	if (rc != OMEN_OK)
		goto err;
	rc = dataset_read_ivecs(gt_path, out->queries.rows, &out->gt);
	if (rc != OMEN_OK)
		goto err;
	rc = set_check(out);
	if (rc != OMEN_OK)
		goto err;
	return OMEN_OK;
err:
	dataset_set_free(out);
	return rc;
}

/* --- ann-benchmarks HDF5 --- */

/* Reads the first `limit` rows (0 = all) of a 2-D dataset, converted by HDF5
 * to mem_type (4-byte float or int32). */
static int h5_read_matrix(hid_t file, const char *name, hid_t mem_type, bool want_int, size_t limit,
			  void **data_out, size_t *rows_out, size_t *dim_out)
{
	int rc = OMEN_EFORMAT;
	hid_t space = H5I_INVALID_HID, type = H5I_INVALID_HID, mem_space = H5I_INVALID_HID;
	void *data = NULL;

	if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
		return OMEN_EFORMAT;
	hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
	if (dset < 0)
		return OMEN_EFORMAT;
	space = H5Dget_space(dset);
	type = H5Dget_type(dset);
	if (space < 0 || type < 0 || H5Sget_simple_extent_ndims(space) != 2)
		goto out;
	H5T_class_t cls = H5Tget_class(type);
	if (want_int ? cls != H5T_INTEGER : (cls != H5T_FLOAT && cls != H5T_INTEGER))
		goto out;
	hsize_t dims[2];
	if (H5Sget_simple_extent_dims(space, dims, NULL) != 2)
		goto out;
	if (dims[0] == 0 || dims[1] == 0 || dims[1] > DATASET_MAX_DIM)
		goto out;
	hsize_t rows = dims[0];
	if (limit != 0 && limit < rows)
		rows = limit;
	if (rows > SIZE_MAX / 4 / dims[1]) {
		rc = OMEN_ENOMEM;
		goto out;
	}
	data = malloc((size_t)rows * (size_t)dims[1] * 4);
	if (data == NULL) {
		rc = OMEN_ENOMEM;
		goto out;
	}
	hsize_t start[2] = {0, 0};
	hsize_t count[2] = {rows, dims[1]};
	mem_space = H5Screate_simple(2, count, NULL);
	if (mem_space < 0 || H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
		goto out;
	if (H5Dread(dset, mem_type, mem_space, space, H5P_DEFAULT, data) < 0) {
		/* The file opened and described itself; a failed read is
		 * damaged content (bad chunk, failed filter). */
		rc = OMEN_EFORMAT;
		goto out;
	}
	*data_out = data;
	data = NULL;
	*rows_out = (size_t)rows;
	*dim_out = (size_t)dims[1];
	rc = OMEN_OK;
out:
	free(data);
	if (mem_space >= 0)
		H5Sclose(mem_space);
	if (type >= 0)
		H5Tclose(type);
	if (space >= 0)
		H5Sclose(space);
	H5Dclose(dset);
	return rc;
}

/* Copies the root string attribute `name` (fixed or variable length, as h5py
 * writes it) into buf. */
static int h5_read_string_attr(hid_t file, const char *name, char *buf, size_t buf_size)
{
	int rc = OMEN_EFORMAT;
	if (H5Aexists(file, name) <= 0)
		return OMEN_EFORMAT;
	hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
	if (attr < 0)
		return OMEN_EFORMAT;
	hid_t type = H5Aget_type(attr);
	hid_t space = H5Aget_space(attr);
	hid_t mem = H5I_INVALID_HID;
	if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING ||
	    H5Sget_simple_extent_npoints(space) != 1)
		goto out;
	mem = H5Tcopy(H5T_C_S1);
	if (mem < 0)
		goto out;
	htri_t variable = H5Tis_variable_str(type);
	if (variable < 0)
		goto out;
	if (variable) {
		char *s = NULL;
		if (H5Tset_size(mem, H5T_VARIABLE) < 0 || H5Tset_cset(mem, H5Tget_cset(type)) < 0 ||
		    H5Aread(attr, mem, &s) < 0 || s == NULL)
			goto out;
		size_t len = strlen(s);
		if (len < buf_size) {
			memcpy(buf, s, len + 1);
			rc = OMEN_OK;
		}
		H5free_memory(s);
	} else {
		size_t len = H5Tget_size(type);
		if (len == 0 || len >= buf_size || H5Tset_size(mem, len + 1) < 0 ||
		    H5Tset_strpad(mem, H5T_STR_NULLTERM) < 0 || H5Aread(attr, mem, buf) < 0)
			goto out;
		buf[len] = '\0';
		rc = OMEN_OK;
	}
out:
	if (mem >= 0)
		H5Tclose(mem);
	if (space >= 0)
		H5Sclose(space);
	if (type >= 0)
		H5Tclose(type);
	H5Aclose(attr);
	return rc;
}

static const char *metric_for_distance(const char *distance)
{
	if (strcmp(distance, "euclidean") == 0 || strcmp(distance, "l2") == 0)
		return "l2";
	if (strcmp(distance, "angular") == 0 || strcmp(distance, "cosine") == 0)
		return "cosine";
	if (strcmp(distance, "dot") == 0 || strcmp(distance, "ip") == 0)
		return "ip";
	return NULL;
}

static int hdf5_load(hid_t file, size_t max_queries, dataset_set *out)
{
	char distance[64];
	int rc = h5_read_string_attr(file, "distance", distance, sizeof(distance));
	if (rc != OMEN_OK)
		return rc;
	const char *metric = metric_for_distance(distance);
	if (metric == NULL)
		return OMEN_EFORMAT;
	snprintf(out->metric, sizeof(out->metric), "%s", metric);

	void *p;
	rc = h5_read_matrix(file, "train", H5T_NATIVE_FLOAT, false, 0, &p, &out->base.rows, &out->base.dim);
	if (rc != OMEN_OK)
		return rc;
	out->base.data = p;
	rc = h5_read_matrix(file, "test", H5T_NATIVE_FLOAT, false, max_queries, &p, &out->queries.rows,
			    &out->queries.dim);
	if (rc != OMEN_OK)
		return rc;
	out->queries.data = p;
	rc = h5_read_matrix(file, "neighbors", H5T_NATIVE_INT32, true, out->queries.rows, &p, &out->gt.rows,
			    &out->gt.dim);
	if (rc != OMEN_OK)
		return rc;
	out->gt.data = p;
	return set_check(out);
}

int dataset_load_hdf5(const char *path, size_t max_queries, dataset_set *out)
{
	memset(out, 0, sizeof(*out));
	/* Tell "cannot open" (EIO, errno set) from "not HDF5" (EFORMAT):
	 * HDF5 itself reports both the same way. */
	FILE *probe = fopen(path, "rb");
	if (probe == NULL)
		return OMEN_EIO;
	fclose(probe);

	/* HDF5 prints its error stack on every failed call by default; a
	 * malformed file is an expected outcome here, reported by our code. */
	H5E_auto2_t old_func;
	void *old_data;
	H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

	int rc = OMEN_EFORMAT;
	hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (file >= 0) {
		rc = hdf5_load(file, max_queries, out);
		H5Fclose(file);
	}
	H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
	if (rc != OMEN_OK)
		dataset_set_free(out);
	return rc;
}
