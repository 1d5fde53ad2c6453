/* What the engine tests share (test-engine.c, test-filter-share.c,
 * test-plandisk.c): an engine loaded from a rules directory, and the
 * verdicts of an engine on a list of texts as JSON lines, so that two
 * engines (or two ways of scanning) are compared as strings.
 *
 * Compiled once (tengine.c, listed in tests/unit/meson.build): it reports
 * failures by its return value and a TAP comment, never through t.h's
 * checks, whose counters are each test program's own. */
#pragma once

#include <stddef.h>

#include "filter/engine.h"

/* Texts owned by the list (tengine_texts_free() frees them). */
struct tengine_texts {
	char **v;
	size_t n;
};

/* A copy of s[0..len) appended; 0, or -ENOMEM. */
int tengine_texts_add(struct tengine_texts *t, const char *s, size_t len);
void tengine_texts_free(struct tengine_texts *t);

/* filter_engine_load(dir, o): the engine, or NULL with the loader's
 * errors printed as TAP comments. */
struct filter_engine *tengine_load(const char *dir, const struct filter_options *o);

/* Every verdict of e on the texts (scanned with flags), one JSON line
 * each; NULL when a scan or its JSON fails (the text is named in a TAP
 * comment) or memory runs out.  The caller frees the string. */
char *tengine_verdicts(struct filter_engine *e, const struct tengine_texts *t, unsigned flags);
