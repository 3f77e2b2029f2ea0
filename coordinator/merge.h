/* The global top-k of a fanned-out search: each group answers its local
 * top-k nearest first; the k nearest of all of them, ties broken by key
 * bytes so that the answer does not depend on which group answered first. */
#ifndef OMEN_MERGE_H
#define OMEN_MERGE_H

#include <stddef.h>

#include "shard.pb-c.h"

/* Merges the hits of n responses (NULL entries are skipped; each one's hits
 * are nearest first) into out (room for k pointers, which point into the
 * responses: they live as long as those do). Returns the number written,
 * at most k. Stable: among equal distances the smaller key comes first. */
size_t merge_topk(Omendb__SearchResponse *const *parts, size_t n, size_t k, Omendb__SearchHit **out);

#endif
