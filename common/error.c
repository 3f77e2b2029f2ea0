#include "error.h"

static const struct {
	const char *name;
	const char *message;
} error_table[OMEN_ERROR_COUNT] = {
    [OMEN_OK] = {"OMEN_OK", "success"},
    [OMEN_EINVAL] = {"OMEN_EINVAL", "invalid argument"},
    [OMEN_ENOMEM] = {"OMEN_ENOMEM", "out of memory"},
    [OMEN_EDIM] = {"OMEN_EDIM", "vector dimension out of range or mismatched"},
    [OMEN_ENONFINITE] = {"OMEN_ENONFINITE", "vector contains NaN or infinity"},
    [OMEN_EZERONORM] = {"OMEN_EZERONORM", "zero vector has no direction (cosine)"},
    [OMEN_EEXIST] = {"OMEN_EEXIST", "label already exists"},
    [OMEN_ENOTFOUND] = {"OMEN_ENOTFOUND", "not found"},
    [OMEN_EFULL] = {"OMEN_EFULL", "capacity exhausted"},
    [OMEN_ECORRUPT] = {"OMEN_ECORRUPT", "inconsistent data"},
    [OMEN_EIO] = {"OMEN_EIO", "input/output error"},
    [OMEN_EFORMAT] = {"OMEN_EFORMAT", "malformed input"},
    [OMEN_ERANGE] = {"OMEN_ERANGE", "value out of range for the storage type"},
    [OMEN_ETIMEDOUT] = {"OMEN_ETIMEDOUT", "timed out"},
    [OMEN_ECLOSED] = {"OMEN_ECLOSED", "connection or socket closed"},
};

const char *error_name(int code)
{
	if (code < 0 || code >= OMEN_ERROR_COUNT)
		return "OMEN_UNKNOWN";
	return error_table[code].name;
}

const char *error_message(int code)
{
	if (code < 0 || code >= OMEN_ERROR_COUNT)
		return "unknown error";
	return error_table[code].message;
}
