/* A fast hash of bytes for the filter's tables (not for anything an
 * attacker may aim at: the tables hold the rules' own strings). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Eight bytes at a step: the rules' sources and literal sets are a few MB
 * hashed while vaktd starts, and a byte at a step was most of that. */
static inline uint64_t filter_hash_bytes(const char *s, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ ((uint64_t)n * 0x9E3779B97F4A7C15u), w;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
	return h ^ (h >> 29);
}
