/* A bump allocator for everything one statement needs (parse tree, values,
 * rows in flight): allocations are never freed one by one; arena_reset or
 * arena_destroy releases them all at once, so statement code has no
 * per-object ownership to track. */
#ifndef OMEN_ARENA_H
#define OMEN_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
	arena_block *head;
	size_t used;  /* bytes handed out since the last reset */
	size_t limit; /* 0 = none; past it arena_alloc fails (a statement's memory cap) */
} arena;

/* An arena is usable after zero-initialisation; limit may be set then. */

/* size bytes aligned to 16, uninitialised; NULL when out of memory or past
 * the limit. */
void *arena_alloc(arena *a, size_t size);
/* Zeroed n * size bytes; NULL on overflow, out of memory or past the limit. */
void *arena_calloc(arena *a, size_t n, size_t size);
/* A NUL-terminated copy of len bytes of s (len may be 0); NULL as above. */
char *arena_strndup(arena *a, const char *s, size_t len);
char *arena_strdup(arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Frees every block but the first and forgets every allocation. */
void arena_reset(arena *a);
void arena_destroy(arena *a);

#endif
