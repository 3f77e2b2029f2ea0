/* Project-wide error codes: every fallible function returns one of these
 * (0 = success), so callers and tests compare values, never strings. */
#ifndef OMEN_ERROR_H
#define OMEN_ERROR_H

enum omen_error {
	OMEN_OK = 0,
	OMEN_EINVAL,	 /* an argument is out of its documented range */
	OMEN_ENOMEM,	 /* an allocation failed; the object is unchanged */
	OMEN_EDIM,	 /* vector dimension is 0, too large, or mismatched */
	OMEN_ENONFINITE, /* a vector holds NaN or an infinity */
	OMEN_EZERONORM,	 /* a zero vector cannot be normalised (cosine) */
	OMEN_EEXIST,	 /* the label is already present */
	OMEN_ENOTFOUND,	 /* no such label or node */
	OMEN_EFULL,	 /* a fixed capacity is exhausted */
	OMEN_ECORRUPT,	 /* restored data is inconsistent */
	OMEN_EIO,	 /* a read or write failed; errno tells more */
	OMEN_EFORMAT,	 /* a file or message is not in the expected format */
	OMEN_ERANGE,	 /* a value is outside what its storage type holds */
	OMEN_ETIMEDOUT,	 /* no answer within the deadline */
	OMEN_ECLOSED,	 /* the peer or the socket was closed */
	OMEN_ERROR_COUNT
};

/* The symbolic name ("OMEN_EDIM") and a one-line description of a code.
 * Both return static strings; unknown codes give "OMEN_UNKNOWN". */
const char *error_name(int code);
const char *error_message(int code);

#endif
