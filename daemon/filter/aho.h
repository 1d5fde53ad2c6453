/* Aho–Corasick: find which of many literals occur in a text, in one pass.
 *
 * Literals are given with an id (the engine uses the rule index).  Matching
 * is ASCII case-insensitive: literals must be lowercase, text may be mixed.
 * The automaton works over byte classes (only bytes that occur in some
 * literal get a class of their own).  Its shallowest states have a full
 * row of transitions, one lookup per byte; deeper ones their trie edges
 * and a failure link, in records laid out along the trie's chains of
 * one-child states (aho.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct aho;

/* Build from n literals (lit[i], len[i] > 0) with ids ids[i].  Returns 0 or
 * -ENOMEM / -E2BIG (more than 2^24 states, records of more than 2^24
 * words, about 7 million states, or more than 2^24 ids in the distinct
 * lists that output states report). */
int aho_build(const char *const *lit, const size_t *len, const uint32_t *ids, size_t n,
              struct aho **ret);

/* aho_build() with at most dense_max states (the shallowest) given a full
 * row of transitions, at least one; for tests and measurements. */
int aho_build_dense(const char *const *lit, const size_t *len, const uint32_t *ids, size_t n,
                    size_t dense_max, struct aho **ret);

/* Number of states of the automaton. */
size_t aho_states(const struct aho *a);

/* Scans need a stamp array this long (two words for every 32 states that
 * end a literal). */
size_t aho_stamps(const struct aho *a);

/* The states that end a literal, and one: a trace's entries are below. */
size_t aho_report_states(const struct aho *a);

/* Number of distinct (literal, id) outputs: the most one scan can report
 * (output states with the same ids share one list, aho.c, but each
 * reports it). */
size_t aho_outputs(const struct aho *a);

/* Write to out (aho_outputs() entries) the id of every literal that occurs
 * in text and return how many were written.  An id may be written more
 * than once (several literals can share it) but each literal's only once
 * per scan: `stamp` (aho_stamps() entries, zeroed once) and a `gen` that
 * differs from every previous scan's make that so. */
size_t aho_scan(const struct aho *a, const char *text, size_t len, uint32_t *stamp, uint32_t gen,
                uint32_t *out);

/* Call fn(ctx, id, end) for every occurrence of every literal in text
 * whose id is wanted (want == NULL: every id; else want[id] == gen), in
 * the order of their end offsets (end: the offset just after the
 * literal's last byte); returns the number of calls.  Slower than
 * aho_scan(): for texts where the engine wants to know where. */
typedef void aho_each_fn(void *ctx, uint32_t id, size_t end);
size_t aho_scan_all(const struct aho *a, const char *text, size_t len, const uint32_t *want,
                    uint32_t gen, aho_each_fn *fn, void *ctx);

/* Per id, for aho_scan_first(): whether it was seen in scan `gen` and
 * where it first ends.  Both in one record: a new id costs one cache
 * line, not two (ten times the rules: 1,200 new ids a comment in 43,000
 * ids' records, 340 KB). */
struct aho_mark {
	uint32_t gen;
	uint32_t first; /* valid when gen is the scan's */
};

/* aho_scan() for the prefilter of a short text: where each id first
 * occurs, and only new ids of interest written.  For each id reported
 * whose mark[id].gen != gen, it sets mark[id].gen = gen and
 * mark[id].first to the end offset of the id's first occurrence in text
 * (just after the literal's last byte: an output state reports once a
 * scan, with the chain after it up to one that reported earlier, so an
 * id's first report is at its first end), and writes the id to out when
 * it is below nkeep.  mark has an entry per id; ids already seen in this
 * generation (by an earlier scan with the same gen) are left as they
 * are.  Returns the number written (at most aho_outputs()). */
size_t aho_scan_first(const struct aho *a, const char *text, size_t len, uint32_t *stamp,
                      uint32_t gen, struct aho_mark *mark, uint32_t nkeep, uint32_t *out);

/* aho_scan() that also keeps, in trace, the end offset and reporting
 * state of every position where some literal ends, so that
 * aho_replay_all() can later give what aho_scan_all() would without a
 * second walk of the automaton (on long texts the walk, a table lookup per
 * byte in a table of megabytes, is most of a scan's cost).  The trace's
 * arrays grow to hold len entries; on ENOMEM trace->failed is set and the
 * scan's output is still complete. */
struct aho_trace {
	uint32_t *rep, *end; /* output state (< aho_report_states()), end offset */
	size_t n, cap;
	int failed;
};
size_t aho_scan_trace(const struct aho *a, const char *text, size_t len, uint32_t *stamp,
                      uint32_t gen, uint32_t *out, struct aho_trace *trace);

/* What aho_scan_all() on the traced text would call and return, from a
 * trace of aho_scan_trace() (not failed) with the same automaton. */
size_t aho_replay_all(const struct aho *a, const struct aho_trace *trace, const uint32_t *want,
                      uint32_t gen, aho_each_fn *fn, void *ctx);

/* The wanted ids (want[id] == gen) that output state r's report chain
 * holds, in the order aho_replay_all() reports them at an entry of r
 * (an id twice when two literals of the chain carry it): up to max of
 * them into out.  Returns how many there are (more than max: out holds
 * the first max).  For a caller that replays a long trace itself, once
 * per distinct r, without walking the chain's unwanted ids at every
 * entry. */
size_t aho_chain_wanted(const struct aho *a, uint32_t r, const uint32_t *want, uint32_t gen,
                        uint32_t *out, size_t max);

void aho_trace_free(struct aho_trace *trace);

/* Bytes the automaton holds (its tables), for benchmarks and stats. */
size_t aho_memory(const struct aho *a);

void aho_free(struct aho *a);

/* The automaton as bytes, for the plan cache's file (plandisk.h): exactly
 * aho_image_size() bytes, in the host's byte order and sizes (the file's
 * header says which). */
size_t aho_image_size(const struct aho *a);
void aho_image_write(const struct aho *a, unsigned char *out);

/* An automaton from an image at buf (len bytes there; *ret_used: how many
 * it took).  Every number a scan follows is checked: byte classes, dense
 * rows, records that tile their words, failure chains that reach a dense
 * state, output chains that go to lower numbers, lists within ids[] and
 * ids below id_limit; so a damaged image cannot make a scan read out of
 * bounds or loop, whatever its checksum said.  Returns 0, -EINVAL (*why:
 * what was wrong) or -ENOMEM. */
int aho_image_read(const unsigned char *buf, size_t len, uint32_t id_limit, size_t *ret_used,
                   struct aho **ret, const char **why);
