/* The engine tests' shared helpers (tengine.h). */
#include "tengine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

int tengine_texts_add(struct tengine_texts *t, const char *s, size_t len)
{
	char **nv = realloc(t->v, (t->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	t->v = nv;
	t->v[t->n] = strndup(s, len);
	if (!t->v[t->n])
		return -ENOMEM;
	t->n++;
	return 0;
}

void tengine_texts_free(struct tengine_texts *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

struct filter_engine *tengine_load(const char *dir, const struct filter_options *o)
{
	struct filter_engine *e = NULL;
	struct diag_list errs = { 0 }, warns = { 0 };
	int r = filter_engine_load(dir, o, &e, &errs, &warns);
	if (r != 0) {
		printf("# load of %s failed: %d\n", dir, r);
		diag_print(&errs, stdout);
	}
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return e;
}

/* The verdict of e on text as one JSON line (no newline), or NULL. */
static char *verdict_json(struct filter_engine *e, const char *text, unsigned flags)
{
	struct filter_verdict *v = NULL;
	int r = filter_engine_scan(e, text, strlen(text), flags, &v);
	cJSON *x = r == 0 && v ? filter_verdict_to_json(v) : NULL;
	char *j = x ? cJSON_PrintUnformatted(x) : NULL;
	if (!j)
		printf("# no verdict (scan %d) for \"%.60s\"\n", r, text);
	cJSON_Delete(x);
	filter_verdict_free(v);
	return j;
}

/* Append s and a newline to *out (of *len bytes in *cap); 0 or -ENOMEM. */
static int append_line(char **out, size_t *len, size_t *cap, const char *s)
{
	size_t l = strlen(s);
	while (*len + l + 2 > *cap) {
		char *no = realloc(*out, *cap * 2);
		if (!no)
			return -ENOMEM;
		*out = no;
		*cap *= 2;
	}
	memcpy(*out + *len, s, l);
	*len += l;
	(*out)[(*len)++] = '\n';
	(*out)[*len] = '\0';
	return 0;
}

char *tengine_verdicts(struct filter_engine *e, const struct tengine_texts *t, unsigned flags)
{
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < t->n; i++) {
		char *j = verdict_json(e, t->v[i], flags);
		int r = j ? append_line(&out, &len, &cap, j) : -EINVAL;
		free(j);
		if (r < 0) {
			free(out);
			return NULL;
		}
	}
	return out;
}
