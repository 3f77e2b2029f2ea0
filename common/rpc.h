/* The client side of OmenDB's RPC: one protobuf-c Request over an nng REQ
 * socket to a replica's REP socket, one Response back. Used by coordinators,
 * by replicas fetching a snapshot from a peer, and by tests. */
#ifndef OMEN_RPC_H
#define OMEN_RPC_H

#include <stddef.h>

#include "shard.pb-c.h"

#define RPC_PROTOCOL_VERSION 1
/* Largest message any OmenDB socket accepts (NNG_OPT_RECVMAXSZ). */
#define RPC_MAX_MESSAGE (64u << 20)

typedef struct rpc_client rpc_client;

/* Dials address ("host:port") lazily; timeout_ms bounds every call.
 * OMEN_EINVAL for an address that is not host:port, OMEN_ENOMEM. */
int rpc_client_open(const char *address, int timeout_ms, rpc_client **out);
void rpc_client_close(rpc_client *c);
const char *rpc_client_address(const rpc_client *c);

/* Packs req (its header's protocol_version is set here), sends it and waits
 * for the answer. On success *resp is the caller's: free it with
 * omendb__response__free_unpacked(*resp, NULL). OMEN_ETIMEDOUT when no
 * answer came in time, OMEN_EIO on a transport error, OMEN_EFORMAT when the
 * answer does not decode. */
int rpc_call(rpc_client *c, Omendb__Request *req, Omendb__Response **resp);

/* Sends len raw bytes and returns the raw answer in *out (malloc'd, the
 * caller frees it), for tests of hostile input. */
int rpc_call_raw(rpc_client *c, const void *buf, size_t len, void **out, size_t *out_len);

/* Network address helpers: "host:port" -> "tcp://host:port". */
int rpc_url(const char *address, char *url, size_t size);

#endif
