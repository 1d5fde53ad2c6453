/* The benchmarks' generator (bench-corpus.c, bench-store.c): xorshift64
 * (Marsaglia 2003) from a fixed seed, so that every run builds the same
 * corpus and store.  Changing it changes what bench-store caches (bump its
 * GENERATOR) and every corpus-based figure. */
#pragma once

#include <stdint.h>

#define BENCH_RNG_SEED UINT64_C(0x2545F4914F6CDD1D)

/* The next number of *state below n (n > 0). */
static inline unsigned bench_rng_below(uint64_t *state, unsigned n)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (unsigned)(x % n);
}
