#include "rpc.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct rpc_client {
	nng_socket sock;
	bool open;
	int timeout_ms;
	char address[256];
};

int rpc_url(const char *address, char *url, size_t size)
{
	const char *colon = strrchr(address, ':');
	if (!colon || colon == address || colon[1] == '\0' || strlen(address) > 200)
		return OMEN_EINVAL;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return OMEN_EINVAL;
	int n = snprintf(url, size, "tcp://%s", address);
	return n > 0 && (size_t)n < size ? OMEN_OK : OMEN_EINVAL;
}

int rpc_client_open(const char *address, int timeout_ms, rpc_client **out)
{
	char url[256];
	if (rpc_url(address, url, sizeof url) != OMEN_OK || timeout_ms <= 0)
		return OMEN_EINVAL;
	rpc_client *c = calloc(1, sizeof *c);
	if (!c)
		return OMEN_ENOMEM;
	snprintf(c->address, sizeof c->address, "%s", address);
	c->timeout_ms = timeout_ms;
	*out = c;
	return OMEN_OK;
}

void rpc_client_close(rpc_client *c)
{
	if (!c)
		return;
	if (c->open)
		nng_close(c->sock);
	free(c);
}

const char *rpc_client_address(const rpc_client *c)
{
	return c->address;
}

static int ensure_open(rpc_client *c)
{
	if (c->open)
		return OMEN_OK;
	char url[256];
	rpc_url(c->address, url, sizeof url);
	if (nng_req0_open(&c->sock) != 0)
		return OMEN_EIO;
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, RPC_MAX_MESSAGE);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO, c->timeout_ms);
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, c->timeout_ms);
	/* REQ resends after this long; a request is answered once, so a long
	 * resend time keeps writes from being proposed twice by the socket. */
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 20);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 500);
	if (nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK) != 0) {
		nng_close(c->sock);
		return OMEN_EIO;
	}
	c->open = true;
	return OMEN_OK;
}

int rpc_call_raw(rpc_client *c, const void *buf, size_t len, void **out, size_t *out_len)
{
	/* The server would drop it (its limit counts the 4-byte REQ header),
	 * and nng 1.5.2 can then hang closing this socket (nng#648). */
	if (len > RPC_MAX_MESSAGE - 4)
		return OMEN_EINVAL;
	int rc = ensure_open(c);
	if (rc != OMEN_OK)
		return rc;
	int nrv = nng_send(c->sock, (void *)buf, len, 0);
	if (nrv == 0) {
		void *data;
		size_t n;
		nrv = nng_recv(c->sock, &data, &n, NNG_FLAG_ALLOC);
		if (nrv == 0) {
			*out = malloc(n ? n : 1);
			if (*out)
				memcpy(*out, data, n);
			*out_len = n;
			nng_free(data, n);
			return *out ? OMEN_OK : OMEN_ENOMEM;
		}
	}
	if (nrv == NNG_ETIMEDOUT)
		return OMEN_ETIMEDOUT;
	/* The socket may be in a bad state (a REQ waiting for a reply that will
	 * not come): start over with a fresh one on the next call. */
	nng_close(c->sock);
	c->open = false;
	return nrv == NNG_ECLOSED ? OMEN_ECLOSED : OMEN_EIO;
}

int rpc_call(rpc_client *c, Omendb__Request *req, Omendb__Response **resp)
{
	static _Atomic uint64_t next_id = 1;
	Omendb__RpcHeader hdr = OMENDB__RPC_HEADER__INIT;
	if (!req->header)
		req->header = &hdr;
	req->header->protocol_version = RPC_PROTOCOL_VERSION;
	if (req->header->request_id == 0)
		req->header->request_id = atomic_fetch_add(&next_id, 1);
	size_t len = omendb__request__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		if (req->header == &hdr)
			req->header = NULL;
		return OMEN_ENOMEM;
	}
	omendb__request__pack(req, buf);
	if (req->header == &hdr)
		req->header = NULL;
	void *out;
	size_t out_len;
	int rc = rpc_call_raw(c, buf, len, &out, &out_len);
	free(buf);
	if (rc != OMEN_OK) {
		if (rc == OMEN_ETIMEDOUT) {
			nng_close(c->sock);
			c->open = false;
		}
		return rc;
	}
	*resp = omendb__response__unpack(NULL, out_len, out);
	free(out);
	return *resp ? OMEN_OK : OMEN_EFORMAT;
}
