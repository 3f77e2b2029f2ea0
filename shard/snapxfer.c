#include "snapxfer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "log.h"
#include "read.h"
#include "rpc.h"

#define MAX_SESSIONS 4
#define IDLE_SECONDS 300
#define MAX_FILES 100000

struct session {
	uint64_t id;
	char dir[700];
	char **names;
	uint64_t *sizes;
	size_t nfiles;
	time_t last_used;
	int users; /* reads in progress */
};

struct snapxfer {
	fsm *f;
	char root[600];
	pthread_mutex_t mu;
	struct session *sessions[MAX_SESSIONS];
	uint64_t next_id;
};

static void session_free(struct session *s)
{
	if (!s)
		return;
	fsutil_remove_tree(s->dir);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->names[i]);
	free(s->names);
	free(s->sizes);
	free(s);
}

int snapxfer_create(fsm *f, const char *data_dir, snapxfer **out)
{
	snapxfer *x = calloc(1, sizeof *x);
	if (!x)
		return OMEN_ENOMEM;
	x->f = f;
	snprintf(x->root, sizeof x->root, "%s/checkpoints", data_dir);
	fsutil_remove_tree(x->root);
	if (fsutil_mkdirs(x->root) != OMEN_OK) {
		free(x);
		return OMEN_EIO;
	}
	pthread_mutex_init(&x->mu, NULL);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	x->next_id = ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec;
	*out = x;
	return OMEN_OK;
}

void snapxfer_destroy(snapxfer *x)
{
	if (!x)
		return;
	for (int i = 0; i < MAX_SESSIONS; i++)
		session_free(x->sessions[i]);
	fsutil_remove_tree(x->root);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

/* Drops sessions idle for too long; under mu. */
static void expire(snapxfer *x)
{
	time_t now = time(NULL);
	for (int i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = x->sessions[i];
		if (s && s->users == 0 && now - s->last_used > IDLE_SECONDS) {
			log_info("snapshot session %llu expired", (unsigned long long)s->id);
			session_free(s);
			x->sessions[i] = NULL;
		}
	}
}

static int list_files(struct session *s)
{
	DIR *d = opendir(s->dir);
	if (!d)
		return OMEN_EIO;
	struct dirent *e;
	int rc = OMEN_OK;
	while (rc == OMEN_OK && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[1200];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || s->nfiles == MAX_FILES) {
			rc = OMEN_EIO;
			break;
		}
		char **names = realloc(s->names, (s->nfiles + 1) * sizeof *names);
		uint64_t *sizes = names ? realloc(s->sizes, (s->nfiles + 1) * sizeof *sizes) : NULL;
		if (names)
			s->names = names;
		if (sizes)
			s->sizes = sizes;
		if (!names || !sizes || !(s->names[s->nfiles] = strdup(e->d_name))) {
			rc = OMEN_ENOMEM;
			break;
		}
		s->sizes[s->nfiles++] = (uint64_t)st.st_size;
	}
	closedir(d);
	return rc;
}

void snapxfer_open(snapxfer *x, const Omendb__SnapshotOpen *q, Omendb__Response *resp)
{
	struct session *s = calloc(1, sizeof *s);
	if (!s) {
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		return;
	}
	pthread_mutex_lock(&x->mu);
	expire(x);
	int slot = -1;
	for (int i = 0; i < MAX_SESSIONS && slot < 0; i++)
		if (!x->sessions[i])
			slot = i;
	s->id = ++x->next_id;
	pthread_mutex_unlock(&x->mu);
	if (slot < 0) {
		free(s);
		read_error(resp, OMENDB__STATUS__STATUS_UNAVAILABLE,
			   "too many snapshot transfers in progress");
		return;
	}
	snprintf(s->dir, sizeof s->dir, "%s/%llu", x->root, (unsigned long long)s->id);
	uint64_t applied;
	char err[256];
	int rc = fsm_checkpoint(x->f, s->dir, &applied, err, sizeof err);
	if (rc == OMEN_OK && applied < q->min_applied_index) {
		read_error(resp, OMENDB__STATUS__STATUS_UNAVAILABLE,
			   "this replica has applied %llu, not %llu", (unsigned long long)applied,
			   (unsigned long long)q->min_applied_index);
		session_free(s);
		return;
	}
	if (rc == OMEN_OK)
		rc = list_files(s);
	if (rc != OMEN_OK) {
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "checkpoint failed: %s", error_message(rc));
		session_free(s);
		return;
	}
	Omendb__SnapshotOpenResponse *o = malloc(sizeof *o);
	Omendb__SnapshotFile **files = calloc(s->nfiles ? s->nfiles : 1, sizeof *files);
	if (!o || !files) {
		free(o);
		free(files);
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
		session_free(s);
		return;
	}
	omendb__snapshot_open_response__init(o);
	o->files = files;
	resp->snapshot_open = o;
	resp->body_case = OMENDB__RESPONSE__BODY_SNAPSHOT_OPEN;
	o->session = s->id;
	o->applied_index = applied;
	for (size_t i = 0; i < s->nfiles; i++) {
		Omendb__SnapshotFile *sf = malloc(sizeof *sf);
		if (!sf || !(files[i] = sf)) {
			read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "out of memory");
			session_free(s);
			return;
		}
		omendb__snapshot_file__init(sf);
		o->n_files++;
		sf->name = strdup(s->names[i]);
		sf->size = s->sizes[i];
	}
	s->last_used = time(NULL);
	pthread_mutex_lock(&x->mu);
	if (x->sessions[slot]) { /* taken meanwhile */
		pthread_mutex_unlock(&x->mu);
		read_error(resp, OMENDB__STATUS__STATUS_UNAVAILABLE,
			   "too many snapshot transfers in progress");
		session_free(s);
		return;
	}
	x->sessions[slot] = s;
	pthread_mutex_unlock(&x->mu);
	log_info("snapshot session %llu: checkpoint at applied index %llu, %zu files",
		 (unsigned long long)s->id, (unsigned long long)applied, s->nfiles);
}

/* The session with this id, marked in use; NULL if unknown. */
static struct session *session_get(snapxfer *x, uint64_t id)
{
	pthread_mutex_lock(&x->mu);
	struct session *s = NULL;
	for (int i = 0; i < MAX_SESSIONS && !s; i++)
		if (x->sessions[i] && x->sessions[i]->id == id)
			s = x->sessions[i];
	if (s) {
		s->users++;
		s->last_used = time(NULL);
	}
	pthread_mutex_unlock(&x->mu);
	return s;
}

void snapxfer_read(snapxfer *x, const Omendb__SnapshotRead *q, Omendb__Response *resp)
{
	struct session *s = session_get(x, q->session);
	if (!s) {
		read_error(resp, OMENDB__STATUS__STATUS_NOT_FOUND, "no snapshot session %llu",
			   (unsigned long long)q->session);
		return;
	}
	uint32_t len = q->length ? q->length : SNAPXFER_CHUNK;
	if (q->file >= s->nfiles || len > SNAPXFER_MAX_CHUNK || q->offset > s->sizes[q->file]) {
		read_error(resp, OMENDB__STATUS__STATUS_INVALID,
			   "file index below %zu, offset within the file, length at most %u", s->nfiles,
			   SNAPXFER_MAX_CHUNK);
		goto out;
	}
	uint64_t left = s->sizes[q->file] - q->offset;
	if (left < len)
		len = (uint32_t)left;
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", s->dir, s->names[q->file]);
	Omendb__SnapshotChunk *c = malloc(sizeof *c);
	uint8_t *data = malloc(len ? len : 1);
	int fd = c && data ? open(path, O_RDONLY) : -1;
	ssize_t got = fd >= 0 ? pread(fd, data, len, (off_t)q->offset) : -1;
	if (fd >= 0)
		close(fd);
	if (got != (ssize_t)len) {
		free(c);
		free(data);
		read_error(resp, OMENDB__STATUS__STATUS_INTERNAL, "reading %s: %s", s->names[q->file],
			   strerror(errno));
		goto out;
	}
	omendb__snapshot_chunk__init(c);
	c->data.data = data;
	c->data.len = len;
	resp->snapshot_chunk = c;
	resp->body_case = OMENDB__RESPONSE__BODY_SNAPSHOT_CHUNK;
out:
	pthread_mutex_lock(&x->mu);
	s->users--;
	pthread_mutex_unlock(&x->mu);
}

void snapxfer_close(snapxfer *x, const Omendb__SnapshotClose *q, Omendb__Response *resp)
{
	pthread_mutex_lock(&x->mu);
	struct session *s = NULL;
	for (int i = 0; i < MAX_SESSIONS; i++) {
		if (x->sessions[i] && x->sessions[i]->id == q->session && x->sessions[i]->users == 0) {
			s = x->sessions[i];
			x->sessions[i] = NULL;
		}
	}
	pthread_mutex_unlock(&x->mu);
	if (!s) {
		read_error(resp, OMENDB__STATUS__STATUS_NOT_FOUND, "no idle snapshot session %llu",
			   (unsigned long long)q->session);
		return;
	}
	session_free(s);
}

/* ---------- fetching ---------- */

static int call(rpc_client *c, Omendb__Request *req, uint32_t group, Omendb__Response **resp, char *err,
		size_t errlen)
{
	req->group_id = group;
	int rc = rpc_call(c, req, resp);
	if (rc != OMEN_OK) {
		snprintf(err, errlen, "%s: %s", rpc_client_address(c), error_message(rc));
		return rc;
	}
	if ((*resp)->status != OMENDB__STATUS__STATUS_OK) {
		snprintf(err, errlen, "%s: %s", rpc_client_address(c), (*resp)->message);
		omendb__response__free_unpacked(*resp, NULL);
		*resp = NULL;
		return OMEN_EIO;
	}
	return OMEN_OK;
}

static bool safe_name(const char *n)
{
	return n && n[0] && n[0] != '.' && !strchr(n, '/') && strlen(n) < 256;
}

static int fetch_from(rpc_client *c, uint32_t group, uint64_t min_applied, const char *out_dir, char *err,
		      size_t errlen)
{
	Omendb__Request req = OMENDB__REQUEST__INIT;
	Omendb__SnapshotOpen open_q = OMENDB__SNAPSHOT_OPEN__INIT;
	open_q.min_applied_index = min_applied;
	req.body_case = OMENDB__REQUEST__BODY_SNAPSHOT_OPEN;
	req.snapshot_open = &open_q;
	Omendb__Response *resp = NULL;
	int rc = call(c, &req, group, &resp, err, errlen);
	if (rc != OMEN_OK)
		return rc;
	if (resp->body_case != OMENDB__RESPONSE__BODY_SNAPSHOT_OPEN) {
		omendb__response__free_unpacked(resp, NULL);
		snprintf(err, errlen, "%s: no session in the answer", rpc_client_address(c));
		return OMEN_EFORMAT;
	}
	Omendb__SnapshotOpenResponse *o = resp->snapshot_open;
	uint64_t total = 0;
	for (size_t i = 0; rc == OMEN_OK && i < o->n_files; i++) {
		const Omendb__SnapshotFile *sf = o->files[i];
		if (!safe_name(sf->name)) {
			snprintf(err, errlen, "%s: refusing file name", rpc_client_address(c));
			rc = OMEN_EFORMAT;
			break;
		}
		char path[1200];
		snprintf(path, sizeof path, "%s/%s", out_dir, sf->name);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "creating %s: %s", path, strerror(errno));
			rc = OMEN_EIO;
			break;
		}
		for (uint64_t off = 0; rc == OMEN_OK && off < sf->size;) {
			Omendb__SnapshotRead rq = OMENDB__SNAPSHOT_READ__INIT;
			rq.session = o->session;
			rq.file = (uint32_t)i;
			rq.offset = off;
			rq.length = SNAPXFER_CHUNK;
			Omendb__Request rr = OMENDB__REQUEST__INIT;
			rr.body_case = OMENDB__REQUEST__BODY_SNAPSHOT_READ;
			rr.snapshot_read = &rq;
			Omendb__Response *cr = NULL;
			rc = call(c, &rr, group, &cr, err, errlen);
			if (rc != OMEN_OK)
				break;
			if (cr->body_case != OMENDB__RESPONSE__BODY_SNAPSHOT_CHUNK ||
			    cr->snapshot_chunk->data.len == 0 ||
			    off + cr->snapshot_chunk->data.len > sf->size) {
				snprintf(err, errlen, "%s: bad chunk of %s", rpc_client_address(c), sf->name);
				rc = OMEN_EFORMAT;
			} else if (write(fd, cr->snapshot_chunk->data.data, cr->snapshot_chunk->data.len) !=
				   (ssize_t)cr->snapshot_chunk->data.len) {
				snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
				rc = OMEN_EIO;
			} else {
				off += cr->snapshot_chunk->data.len;
				total += cr->snapshot_chunk->data.len;
			}
			omendb__response__free_unpacked(cr, NULL);
		}
		if (rc == OMEN_OK && fsync(fd) != 0)
			rc = OMEN_EIO;
		close(fd);
	}
	Omendb__SnapshotClose cq = OMENDB__SNAPSHOT_CLOSE__INIT;
	cq.session = o->session;
	Omendb__Request cr = OMENDB__REQUEST__INIT;
	cr.body_case = OMENDB__REQUEST__BODY_SNAPSHOT_CLOSE;
	cr.snapshot_close = &cq;
	Omendb__Response *closed = NULL;
	char ignored[64];
	if (call(c, &cr, group, &closed, ignored, sizeof ignored) == OMEN_OK)
		omendb__response__free_unpacked(closed, NULL);
	if (rc == OMEN_OK)
		log_info("fetched a checkpoint at applied index %llu from %s: %zu files, %llu bytes",
			 (unsigned long long)o->applied_index, rpc_client_address(c), o->n_files,
			 (unsigned long long)total);
	omendb__response__free_unpacked(resp, NULL);
	return rc;
}

int snapxfer_fetch(const char *const *peers, size_t npeers, uint32_t group, uint64_t min_applied,
		   const char *out_dir, char *err, size_t errlen)
{
	int rc = OMEN_ENOTFOUND;
	snprintf(err, errlen, "no peer to fetch a snapshot from");
	for (size_t i = 0; i < npeers && rc != OMEN_OK; i++) {
		fsutil_remove_tree(out_dir);
		if (fsutil_mkdirs(out_dir) != OMEN_OK) {
			snprintf(err, errlen, "cannot create %s", out_dir);
			return OMEN_EIO;
		}
		rpc_client *c;
		if (rpc_client_open(peers[i], 30000, &c) != OMEN_OK)
			continue;
		rc = fetch_from(c, group, min_applied, out_dir, err, errlen);
		rpc_client_close(c);
		if (rc != OMEN_OK)
			log_warn("snapshot fetch from %s failed: %s", peers[i], err);
	}
	if (rc == OMEN_OK)
		fsutil_sync_dir(out_dir);
	return rc;
}
