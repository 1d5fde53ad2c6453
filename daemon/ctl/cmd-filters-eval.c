/* vaktctl filters eval: recall, precision and false alarms of the rules on
 * a labelled corpus (the TSV files in tests/data/), offline, through the
 * same engine vaktd uses.
 *
 * What counts (docs/filter.md, "Measuring recall"): a row is caught for a
 * category when the verdict's *active* hits include that category, at
 * either tier.  Shadow hits take no action in vaktd, so they count for
 * nothing here; they are only shown beside a miss or a false alarm.  A
 * label ~CAT (counter-speech) tolerates a `possible` hit in CAT, not an
 * `obvious` one; --merge FROM=TO maps categories before anything counts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "filter/engine.h"
#include "util/readfile.h"

#define EVAL_MAX_FILE (256u * 1024 * 1024)
#define EVAL_ANY FILTER_CAT_COUNT /* the pseudo-category "any" of --max-fpr */

struct eval_row {
	unsigned line;
	char *text; /* unescaped; may hold NUL only if the file did */
	size_t len;
	unsigned labels;    /* bit (1 << enum filter_category); 0: ordinary comment */
	unsigned tolerated; /* ~CATEGORY: a `possible` hit is no false alarm */
	const char *form;
};

struct eval_corpus {
	struct eval_row *v;
	size_t n, cap;
	char *buf; /* the file; forms point into it */
};

struct eval_count {
	size_t labelled;         /* rows labelled with the category */
	size_t caught;           /* of those, rows the rules flagged with it */
	size_t flagged;          /* rows flagged with it, labelled or not */
	size_t ordinary_flagged; /* unlabelled rows flagged with it */
	size_t ordinary_obvious; /* of those, flagged at tier obvious */
};

struct eval_limits {
	double min_recall[FILTER_CAT_COUNT]; /* < 0: none */
	double all_recall; /* --min-recall R: every labelled category without its own; < 0: none */
	double max_fpr[FILTER_CAT_COUNT + 1];
	int as[FILTER_CAT_COUNT]; /* --merge FROM=TO: a hit in FROM counts as TO */
};

/* Rows of one form, and how many of them the rules got wrong. */
struct eval_form {
	const char *form;
	size_t rows, missed, alarmed;
};

static struct eval_form *form_slot(struct eval_form *v, size_t *n, const char *form)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i].form, form) == 0)
			return &v[i];
	v[*n].form = form;
	return &v[(*n)++];
}

static int form_cmp(const void *a, const void *b)
{
	return strcmp(((const struct eval_form *)a)->form, ((const struct eval_form *)b)->form);
}

static unsigned merged(const struct eval_limits *lim, unsigned bits)
{
	unsigned out = 0;
	for (int k = 0; k < FILTER_CAT_COUNT; k++)
		if (bits & (1u << k))
			out |= 1u << lim->as[k];
	return out;
}

static void corpus_free(struct eval_corpus *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].text);
	free(c->v);
	free(c->buf);
}

static int category_from_name(const char *s, size_t len)
{
	for (int c = 0; c < FILTER_CAT_COUNT; c++) {
		const char *name = filter_category_name((enum filter_category)c);
		if (strlen(name) == len && memcmp(name, s, len) == 0)
			return c;
	}
	return -1;
}

/* \n \t \r \\ in the text field stand for themselves; any other backslash
 * is kept as written. */
static char *unescape(const char *s, size_t len, size_t *ret_len)
{
	char *out = malloc(len + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '\\' && i + 1 < len && strchr("ntr\\", s[i + 1])) {
			char e = s[++i];
			ch = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : '\\';
		}
		out[o++] = ch;
	}
	out[o] = '\0';
	*ret_len = o;
	return out;
}

static void list_categories(FILE *f)
{
	for (int c = 0; c < FILTER_CAT_COUNT; c++)
		fprintf(f, "%s%s", c ? " " : "", filter_category_name((enum filter_category)c));
}

/* Parses the corpus; every mistake is said on stderr as FILE:LINE:.
 * Returns 0, 1 when the file has mistakes, -errno / -ENOMEM. */
static int corpus_load(const char *path, struct eval_corpus *c)
{
	size_t len, nfields = 0;
	unsigned lineno = 0, bad = 0;
	char *p, *end;
	int r = readfile_regular(path, EVAL_MAX_FILE, &c->buf, &len);

	if (r < 0) {
		fprintf(stderr, "vaktctl: %s: %s\n", path, readfile_strerror(r));
		return r;
	}
	p = c->buf;
	end = c->buf + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end, *f[3];
		size_t n = 1;

		lineno++;
		*le = '\0';
		if (le > p && le[-1] == '\r')
			*--le = '\0';
		f[0] = p;
		for (char *q = p; q < le; q++)
			if (*q == '\t') {
				*q = '\0';
				if (n < 3)
					f[n] = q + 1;
				n++;
			}
		if (lineno == 1) {
			if (!(n >= 2 && n <= 3 && strcmp(f[0], "text") == 0 &&
			      strcmp(f[1], "labels") == 0 &&
			      (n == 2 || strcmp(f[2], "form") == 0))) {
				fprintf(stderr,
				        "vaktctl: %s:1: the header must be text<TAB>labels or "
				        "text<TAB>labels<TAB>form\n",
				        path);
				return 1;
			}
			nfields = n;
		} else if (le == p) {
			/* a blank line separates nothing and is skipped */
		} else if (n != nfields) {
			fprintf(stderr,
			        "vaktctl: %s:%u: %zu tab-separated field%s, the header has %zu\n",
			        path, lineno, n, n == 1 ? "" : "s", nfields);
			bad++;
		} else if (*f[0] == '\0') {
			fprintf(stderr, "vaktctl: %s:%u: empty text\n", path, lineno);
			bad++;
		} else {
			struct eval_row row = { .line = lineno, .form = nfields == 3 ? f[2] : "" };
			int unknown = 0;
			for (const char *s = f[1]; *s;) {
				size_t wl = strcspn(s, " ");
				int tilde = *s == '~';
				int cat =
				        wl ? category_from_name(s + tilde, wl - (size_t)tilde) : 0;
				if (cat < 0) {
					fprintf(stderr,
					        "vaktctl: %s:%u: unknown category '%.*s' (known: ",
					        path, lineno, (int)wl, s);
					list_categories(stderr);
					fputs(")\n", stderr);
					bad++;
					unknown = 1;
					break;
				}
				if (wl && tilde)
					row.tolerated |= 1u << cat;
				else if (wl)
					row.labels |= 1u << cat;
				s += wl;
				s += strspn(s, " ");
			}
			if (unknown) {
				p = nl ? nl + 1 : end;
				continue;
			}
			if (c->n == c->cap) {
				size_t cap = c->cap ? 2 * c->cap : 1024;
				struct eval_row *v = realloc(c->v, cap * sizeof(*v));
				if (!v)
					return -ENOMEM;
				c->v = v;
				c->cap = cap;
			}
			row.text = unescape(f[0], strlen(f[0]), &row.len);
			if (!row.text)
				return -ENOMEM;
			c->v[c->n++] = row;
		}
		p = nl ? nl + 1 : end;
	}
	if (lineno == 0) {
		fprintf(stderr, "vaktctl: %s: empty file: no header (text<TAB>labels<TAB>form)\n",
		        path);
		return 1;
	}
	if (bad)
		return 1;
	if (c->n == 0) {
		fprintf(stderr, "vaktctl: %s: no rows after the header\n", path);
		return 1;
	}
	return 0;
}

/* "0.9", "90%"; with cat_ok, also "threat=0.9" (and "any=" when any_ok). */
static int parse_limit(const char *arg, int any_ok, int *ret_cat, double *ret_v)
{
	const char *eq = strchr(arg, '='), *num = arg;
	int cat = -1;
	char *e;
	double v;

	if (eq) {
		size_t l = (size_t)(eq - arg);
		cat = category_from_name(arg, l);
		if (cat < 0 && any_ok && l == 3 && memcmp(arg, "any", 3) == 0)
			cat = EVAL_ANY;
		if (cat < 0)
			return -EINVAL;
		num = eq + 1;
	}
	errno = 0;
	v = strtod(num, &e);
	if (e == num || errno)
		return -EINVAL;
	if (*e == '%') {
		v /= 100.0;
		e++;
	}
	if (*e || !(v >= 0.0 && v <= 1.0))
		return -EINVAL;
	*ret_cat = cat;
	*ret_v = v;
	return 0;
}

static double ratio(size_t a, size_t b)
{
	return b ? (double)a / (double)b : -1.0;
}

static cJSON *num_or_null(double v)
{
	return v < 0 ? cJSON_CreateNull() : cJSON_CreateNumber(v);
}

static cJSON *cats_json(unsigned bits)
{
	cJSON *a = cJSON_CreateArray();
	for (int c = 0; a && c < FILTER_CAT_COUNT; c++)
		if (bits & (1u << c))
			cJSON_AddItemToArray(a, cJSON_CreateString(filter_category_name(
			                                (enum filter_category)c)));
	return a;
}

/* One miss or false alarm: the row, the category in question, and what the
 * rules said about it. */
static cJSON *case_json(const char *path, const struct eval_row *row, int cat,
                        const struct filter_verdict *v)
{
	cJSON *o = cJSON_CreateObject(), *rules = cJSON_CreateArray(),
	      *shadow = cJSON_CreateArray();
	if (!o || !rules || !shadow) {
		cJSON_Delete(o);
		cJSON_Delete(rules);
		cJSON_Delete(shadow);
		return NULL;
	}
	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddNumberToObject(o, "line", row->line);
	cJSON_AddStringToObject(o, "category", filter_category_name((enum filter_category)cat));
	cJSON_AddStringToObject(o, "form", row->form);
	cJSON_AddStringToObject(o, "text", row->text);
	cJSON_AddItemToObject(o, "expected", cats_json(row->labels));
	cJSON_AddItemToObject(o, "tolerated", cats_json(row->tolerated));
	cJSON_AddItemToObject(o, "got", cats_json(v->categories));
	cJSON_AddStringToObject(o, "tier", filter_tier_name(v->tier));
	for (size_t i = 0; i < v->nhits; i++)
		cJSON_AddItemToArray(v->hits[i].shadow ? shadow : rules,
		                     cJSON_CreateString(v->hits[i].rule));
	cJSON_AddItemToObject(o, "rules", rules);
	cJSON_AddItemToObject(o, "shadow", shadow);
	return o;
}

/* The text on one line: newlines and tabs as \n and \t. */
static void print_text(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s != '\r')
			putchar(*s);
	}
}

static void print_case(const cJSON *o)
{
	const cJSON *x;
	int first = 1;
	printf("  %s:%.0f %s [%s] expected ", ctl_json_str(o, "file", ""),
	       ctl_json_num(o, "line", 0), ctl_json_str(o, "category", ""),
	       ctl_json_str(o, "form", ""));
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "expected")) {
		printf("%s%s", first ? "" : ",", x->valuestring);
		first = 0;
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "tolerated")) {
		printf("%s~%s", first ? "" : ",", x->valuestring);
		first = 0;
	}
	printf("%s got ", first ? "-" : "");
	first = 1;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "got")) {
		printf("%s%s", first ? "" : ",", x->valuestring);
		first = 0;
	}
	printf("%s", first ? "-" : "");
	first = 1;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "rules")) {
		printf("%s%s", first ? " rules=" : ",", x->valuestring);
		first = 0;
	}
	first = 1;
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(o, "shadow")) {
		printf("%s%s", first ? " shadow=" : ",", x->valuestring);
		first = 0;
	}
	fputs(" | ", stdout);
	print_text(ctl_json_str(o, "text", ""));
	putchar('\n');
}

/* Checks one threshold; says and records a missed one.  Returns 1 when met. */
static int check_limit(cJSON *arr, const char *what, const char *cat, double limit, double value,
                       int is_min, const char *why_undefined)
{
	int ok = value >= 0 && (is_min ? value >= limit : value <= limit);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "what", what);
		cJSON_AddStringToObject(o, "category", cat);
		cJSON_AddNumberToObject(o, "limit", limit);
		cJSON_AddItemToObject(o, "value", num_or_null(value));
		cJSON_AddBoolToObject(o, "ok", ok);
		cJSON_AddItemToArray(arr, o);
	}
	if (!ok) {
		if (value < 0)
			fprintf(stderr, "vaktctl: %s of %s: no figure (%s)\n", what, cat,
			        why_undefined);
		else
			fprintf(stderr, "vaktctl: %s of %s is %.4f, %s %.4f\n", what, cat, value,
			        is_min ? "below the minimum" : "above the maximum", limit);
	}
	return ok;
}

static int evaluate(struct ctl_ctx *ctx, const char *path, const char *dir,
                    const struct eval_limits *lim)
{
	struct eval_corpus c = { 0 };
	struct eval_count cnt[FILTER_CAT_COUNT] = { 0 };
	struct eval_form *forms = NULL;
	size_t nforms = 0;
	struct filter_engine *e = NULL;
	size_t ordinary = 0, any_flagged = 0, error_rows = 0;
	cJSON *out = cJSON_CreateObject(), *misses = cJSON_CreateArray(),
	      *alarms = cJSON_CreateArray(), *cats = cJSON_CreateObject(),
	      *checks = cJSON_CreateArray();
	int rc = CTL_EXIT_ERROR, ok = 1, r;
	bool misses_owned = true, alarms_owned = true; /* not yet in out */

	if (!out || !misses || !alarms || !cats || !checks)
		goto oom;
	r = corpus_load(path, &c);
	if (r == -ENOMEM)
		goto oom;
	if (r != 0)
		goto done;
	if (ctl_filters_load_engine(dir, &e) < 0)
		goto done;
	forms = calloc(c.n, sizeof(*forms)); /* at most one form per row */
	if (!forms)
		goto oom;

	for (size_t i = 0; i < c.n; i++) {
		const struct eval_row *row = &c.v[i];
		struct filter_verdict *v;
		if (filter_engine_scan(e, row->text, row->len, 0, &v) < 0)
			goto oom;
		v->categories = merged(lim, v->categories);
		/* The categories that count: all of the verdict's, except a
		 * tolerated one (~CAT) that no obvious hit gave. */
		unsigned obvious = 0, got_bits = v->categories;
		for (size_t h = 0; h < v->nhits; h++)
			if (!v->hits[h].shadow && v->hits[h].tier == FILTER_TIER_OBVIOUS)
				obvious |= 1u << lim->as[v->hits[h].category];
		got_bits &= ~(row->tolerated & ~row->labels & ~obvious);
		struct eval_form *fm = form_slot(forms, &nforms, row->form);
		unsigned labels = row->labels;
		fm->rows++;
		fm->missed += (labels & ~got_bits) != 0;
		fm->alarmed += (got_bits & ~labels) != 0;
		if (v->nerrors)
			error_rows++;
		if (!row->labels) {
			ordinary++;
			any_flagged += got_bits != 0;
		}
		for (int k = 0; k < FILTER_CAT_COUNT; k++) {
			unsigned bit = 1u << k;
			int want = (row->labels & bit) != 0, got = (got_bits & bit) != 0;
			cnt[k].labelled += want;
			cnt[k].caught += want && got;
			cnt[k].flagged += got;
			if (got && !row->labels) {
				cnt[k].ordinary_flagged++;
				cnt[k].ordinary_obvious += (obvious & bit) != 0;
			}
			if (want != got) {
				cJSON *o = case_json(path, row, k, v);
				if (!o) {
					filter_verdict_free(v);
					goto oom;
				}
				cJSON_AddItemToArray(want ? misses : alarms, o);
			}
		}
		filter_verdict_free(v);
	}

	cJSON_AddStringToObject(out, "file", path);
	cJSON_AddStringToObject(out, "rules_dir", dir);
	cJSON_AddNumberToObject(out, "rules", (double)filter_engine_rule_count(e));
	{
		cJSON *mg = cJSON_AddObjectToObject(out, "merged");
		for (int k = 0; mg && k < FILTER_CAT_COUNT; k++)
			if (lim->as[k] != k)
				cJSON_AddStringToObject(mg,
				                        filter_category_name(
				                                (enum filter_category)k),
				                        filter_category_name(
				                                (enum filter_category)lim->as[k]));
	}
	cJSON_AddNumberToObject(out, "rows", (double)c.n);
	cJSON_AddNumberToObject(out, "ordinary", (double)ordinary);
	cJSON_AddNumberToObject(out, "rows_with_rule_errors", (double)error_rows);
	for (int k = 0; k < FILTER_CAT_COUNT; k++) {
		const struct eval_count *n = &cnt[k];
		cJSON *o;
		if (!n->labelled && !n->flagged)
			continue;
		o = cJSON_AddObjectToObject(cats, filter_category_name((enum filter_category)k));
		if (!o)
			goto oom;
		cJSON_AddNumberToObject(o, "labelled", (double)n->labelled);
		cJSON_AddNumberToObject(o, "caught", (double)n->caught);
		cJSON_AddNumberToObject(o, "missed", (double)(n->labelled - n->caught));
		cJSON_AddNumberToObject(o, "flagged", (double)n->flagged);
		cJSON_AddNumberToObject(o, "false_alarms", (double)(n->flagged - n->caught));
		cJSON_AddNumberToObject(o, "ordinary_flagged", (double)n->ordinary_flagged);
		cJSON_AddNumberToObject(o, "ordinary_obvious", (double)n->ordinary_obvious);
		cJSON_AddItemToObject(o, "recall", num_or_null(ratio(n->caught, n->labelled)));
		cJSON_AddItemToObject(o, "precision", num_or_null(ratio(n->caught, n->flagged)));
		cJSON_AddItemToObject(o, "fpr", num_or_null(ratio(n->ordinary_flagged, ordinary)));
	}
	cJSON_AddItemToObject(out, "categories", cats);
	cats = NULL;
	{
		cJSON *any = cJSON_AddObjectToObject(out, "any");
		if (!any)
			goto oom;
		cJSON_AddNumberToObject(any, "ordinary_flagged", (double)any_flagged);
		cJSON_AddItemToObject(any, "fpr", num_or_null(ratio(any_flagged, ordinary)));
	}

	/* thresholds */
	for (int k = 0; k <= FILTER_CAT_COUNT; k++) {
		const char *name =
		        k == EVAL_ANY ? "any" : filter_category_name((enum filter_category)k);
		double min = k < FILTER_CAT_COUNT ? lim->min_recall[k] : -1;
		if (min < 0 && k < FILTER_CAT_COUNT && cnt[k].labelled)
			min = lim->all_recall;
		if (min >= 0)
			ok &= check_limit(checks, "recall", name, min,
			                  ratio(cnt[k].caught, cnt[k].labelled), 1,
			                  "no row is labelled with it");
		if (lim->max_fpr[k] >= 0)
			ok &= check_limit(checks, "fpr", name, lim->max_fpr[k],
			                  ratio(k == EVAL_ANY ? any_flagged
			                                      : cnt[k].ordinary_flagged,
			                        ordinary),
			                  0, "the corpus has no ordinary comment");
	}
	cJSON_AddItemToObject(out, "thresholds", checks);
	checks = NULL;
	cJSON_AddBoolToObject(out, "ok", ok);
	qsort(forms, nforms, sizeof(*forms), form_cmp);
	{
		cJSON *fo = cJSON_AddObjectToObject(out, "forms");
		for (size_t i = 0; fo && i < nforms; i++) {
			cJSON *o = cJSON_AddObjectToObject(fo, forms[i].form);
			if (!o)
				goto oom;
			cJSON_AddNumberToObject(o, "rows", (double)forms[i].rows);
			cJSON_AddNumberToObject(o, "missed", (double)forms[i].missed);
			cJSON_AddNumberToObject(o, "false_alarms", (double)forms[i].alarmed);
		}
		if (!fo)
			goto oom;
	}
	cJSON_AddItemToObject(out, "misses", misses);
	cJSON_AddItemToObject(out, "false_alarms", alarms);
	misses_owned = alarms_owned = false;

	if (ctx->json) {
		if (ctl_print_json(out) != CTL_EXIT_OK)
			goto done;
	} else {
		const cJSON *o;
		printf("%s: %zu rows, %zu ordinary; %s: %zu rules\n", path, c.n, ordinary, dir,
		       filter_engine_rule_count(e));
		for (int k = 0; k < FILTER_CAT_COUNT; k++)
			if (lim->as[k] != k)
				printf("hits in %s count as %s\n",
				       filter_category_name((enum filter_category)k),
				       filter_category_name((enum filter_category)lim->as[k]));
		printf("\n%-14s %8s %7s %7s %7s %9s %9s %8s %7s\n", "CATEGORY", "LABELLED",
		       "CAUGHT", "RECALL", "FLAGGED", "PRECISION", "ORDINARY", "OBVIOUS", "FPR");
		cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(out, "categories")) {
			double rec = ctl_json_num(o, "recall", -1),
			       pre = ctl_json_num(o, "precision", -1),
			       fpr = ctl_json_num(o, "fpr", -1);
			char rs[16] = "-", ps[16] = "-", fs[16] = "-";
			if (rec >= 0)
				snprintf(rs, sizeof(rs), "%.3f", rec);
			if (pre >= 0)
				snprintf(ps, sizeof(ps), "%.3f", pre);
			if (fpr >= 0)
				snprintf(fs, sizeof(fs), "%.1f%%", 100.0 * fpr);
			printf("%-14s %8.0f %7.0f %7s %7.0f %9s %9.0f %8.0f %7s\n", o->string,
			       ctl_json_num(o, "labelled", 0), ctl_json_num(o, "caught", 0), rs,
			       ctl_json_num(o, "flagged", 0), ps,
			       ctl_json_num(o, "ordinary_flagged", 0),
			       ctl_json_num(o, "ordinary_obvious", 0), fs);
		}
		if (ordinary)
			printf("\nordinary comments flagged in any category: %zu of %zu (%.1f%%)\n",
			       any_flagged, ordinary,
			       100.0 * (double)any_flagged / (double)ordinary);
		else
			printf("\nno ordinary (unlabelled) comments: no false-positive rate\n");
		if (error_rows)
			printf("rows where a rule hit a matching limit: %zu\n", error_rows);
		printf("\n%-40s %6s %7s %12s\n", "FORM", "ROWS", "MISSED", "FALSE-ALARM");
		for (size_t i = 0; i < nforms; i++)
			printf("%-40s %6zu %7zu %12zu\n", *forms[i].form ? forms[i].form : "-",
			       forms[i].rows, forms[i].missed, forms[i].alarmed);
		printf("\nmisses (%d):\n", cJSON_GetArraySize(misses));
		cJSON_ArrayForEach(o, misses)
			print_case(o);
		printf("\nfalse alarms (%d):\n", cJSON_GetArraySize(alarms));
		cJSON_ArrayForEach(o, alarms)
			print_case(o);
	}
	if (fflush(stdout) != 0)
		goto done;
	rc = ok ? CTL_EXIT_OK : CTL_EXIT_ERROR;
	goto done;
oom:
	fprintf(stderr, "vaktctl: out of memory\n");
done:
	cJSON_Delete(out);
	if (misses_owned)
		cJSON_Delete(misses);
	if (alarms_owned)
		cJSON_Delete(alarms);
	cJSON_Delete(cats);
	cJSON_Delete(checks);
	filter_engine_free(e);
	corpus_free(&c);
	free(forms);
	return rc;
}

int ctl_filters_eval(struct ctl_ctx *ctx, const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct eval_limits lim;
	const char *file = NULL, *dir = NULL;

	for (int k = 0; k < FILTER_CAT_COUNT; k++) {
		lim.min_recall[k] = -1;
		lim.as[k] = k;
	}
	lim.all_recall = -1;
	for (int k = 0; k <= FILTER_CAT_COUNT; k++)
		lim.max_fpr[k] = -1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int is_recall = 0;
		if (strcmp(a, "--rules") == 0 && i + 1 < argc) {
			dir = argv[++i];
			continue;
		}
		if (strncmp(a, "--rules=", 8) == 0) {
			dir = a + 8;
			continue;
		}
		if (strcmp(a, "--merge") == 0 || strncmp(a, "--merge=", 8) == 0) {
			const char *m = a[7] == '=' ? a + 8 : i + 1 < argc ? argv[++i] : NULL;
			const char *eq = m ? strchr(m, '=') : NULL;
			int from = eq ? category_from_name(m, (size_t)(eq - m)) : -1;
			int to = eq ? category_from_name(eq + 1, strlen(eq + 1)) : -1;
			if (!m)
				return ctl_usage(cmd);
			if (from < 0 || to < 0) {
				fprintf(stderr,
				        "vaktctl: --merge: '%s': expected FROM=TO, two of (", m);
				list_categories(stderr);
				fputs(")\n", stderr);
				return CTL_EXIT_USAGE;
			}
			lim.as[from] = to;
			continue;
		}
		if (strcmp(a, "--min-recall") == 0 || strcmp(a, "--max-fpr") == 0) {
			if (i + 1 >= argc)
				return ctl_usage(cmd);
			is_recall = a[2] == 'm' && a[3] == 'i';
			val = argv[++i];
		} else if (strncmp(a, "--min-recall=", 13) == 0) {
			is_recall = 1;
			val = a + 13;
		} else if (strncmp(a, "--max-fpr=", 10) == 0) {
			val = a + 10;
		} else if (a[0] != '-' && !file) {
			file = a;
			continue;
		} else {
			return ctl_usage(cmd);
		}
		int cat;
		double v;
		if (parse_limit(val, !is_recall, &cat, &v) < 0) {
			fprintf(stderr,
			        "vaktctl: %s: '%s': expected a fraction 0..1 or a percentage, "
			        "optionally after CATEGORY=%s\n",
			        is_recall ? "--min-recall" : "--max-fpr", val,
			        is_recall ? "" : " (or any=)");
			return CTL_EXIT_USAGE;
		}
		/* Without a category: recall of every category some row is
		 * labelled with; the false-positive rate of every category and
		 * of "any". */
		if (is_recall && cat < 0)
			lim.all_recall = v;
		else if (is_recall)
			lim.min_recall[cat] = v;
		else
			for (int k = 0; k <= FILTER_CAT_COUNT; k++)
				if (cat < 0 || k == cat)
					lim.max_fpr[k] = v;
	}
	if (!file)
		return ctl_usage(cmd);
	return evaluate(ctx, file, ctl_filters_rules_dir(dir), &lim);
}
