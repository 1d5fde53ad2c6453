/* The prefilter plan on disk: a restart with unchanged rules reads the
 * plan (prefcache.h) back instead of building it (docs/filter.md, "Plan
 * cache").
 *
 * A plan follows from its slots' sources and tags (prefcache.h), the
 * engine's code and PCRE2's.  The file's key is a SHA-256 over all of
 * them: every slot's source text and tag in order, the running program's
 * GNU build ID (util/buildid.h: any rebuild of vaktd, a changed compiler
 * or flag included, changes it, where a hash of the filter's sources
 * would miss the compiler, the flags and the libraries linked in), the
 * PCRE2 version, the format version and the sizes and byte order the
 * file was written with.  The payload has its own SHA-256, checked
 * before it is read; what it holds is then checked too (every set, slot,
 * offset and automaton state within its array: aho_image_read()), so a
 * damaged file can make the engine rebuild but never scan wrong memory.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct prefilter_plan;

#define PLAN_DISK_KEY_LEN 32
/* Bump when the file's layout, or what a plan means, changes. */
#define PLAN_DISK_FORMAT 1u

/* The key of the plan of n slots (src[s]: slot s's pattern source, tag[s]
 * its PLAN_TAG).  first[s] is s, or an earlier slot with the same source
 * text, whose index is hashed instead of the text again (a lexicon's
 * pattern recurs in dozens of rules; SHA-256 of all the texts is 6.5 MB,
 * 184 M instructions under callgrind).  Returns 0, -ENOENT when the
 * program has no build ID (no cache then) or -ENOMEM. */
int plan_disk_key(const char *const *src, const uint32_t *first, const uint8_t *tag, size_t n,
                  unsigned char key[PLAN_DISK_KEY_LEN]);

/* Read the plan of path into p (new, from prefilter_plan_new() with the
 * key's slots): its slots' plans, sets, fan and automata.  Returns 0,
 * -ENOENT (no file), -EINVAL (not this key's plan or damaged: why says
 * which) or -ENOMEM; on failure p holds no part of the file. */
int plan_disk_load(const char *path, const unsigned char key[PLAN_DISK_KEY_LEN],
                   struct prefilter_plan *p, char *why, size_t whylen);

/* Write plan p under key to path: a temporary file beside it, fsync, then
 * rename over path, so a reader sees the old file or the new one whole.
 * Returns 0 or a negative errno (why says what failed). */
int plan_disk_save(const char *path, const unsigned char key[PLAN_DISK_KEY_LEN],
                   const struct prefilter_plan *p, char *why, size_t whylen);

/* Where the header's fields are (tests damage them on purpose). */
#define PLAN_DISK_OFF_FORMAT 8
#define PLAN_DISK_HEADER 100
