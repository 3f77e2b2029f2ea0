#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u << 10)

struct arena_block {
	arena_block *next;
	size_t size;
	size_t off;
	_Alignas(16) unsigned char data[];
};

void *arena_alloc(arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	if (a->limit && (size > a->limit || a->used > a->limit - size))
		return NULL;
	arena_block *b = a->head;
	if (!b || b->size - b->off < size) {
		size_t bs = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		if (bs > SIZE_MAX - sizeof *b)
			return NULL;
		arena_block *nb = malloc(sizeof *nb + bs);
		if (!nb)
			return NULL;
		nb->size = bs;
		nb->off = 0;
		/* A big one-off allocation goes behind the current block so the
		 * current block's free space stays usable. */
		if (b && size > ARENA_BLOCK) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	void *p = b->data + b->off;
	b->off += size;
	a->used += size;
	return p;
}

void *arena_calloc(arena *a, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	void *p = arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *arena_strndup(arena *a, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = arena_alloc(a, len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = 0;
	return p;
}

char *arena_strdup(arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_reset(arena *a)
{
	arena_block *b = a->head;
	if (!b)
		return;
	/* Keep one ordinary block for the next statement. */
	arena_block *keep = NULL;
	while (b) {
		arena_block *next = b->next;
		if (!keep && b->size == ARENA_BLOCK) {
			keep = b;
			keep->off = 0;
		} else {
			free(b);
		}
		b = next;
	}
	if (keep)
		keep->next = NULL;
	a->head = keep;
	a->used = 0;
}

void arena_destroy(arena *a)
{
	arena_block *b = a->head;
	while (b) {
		arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}
