/* vaktctl filters scan|test: the filter engine offline, without the daemon.
 *
 * Rules are loaded straight from the rule files: --rules DIR, else
 * $VAKT_RULES_DIR, else the installed VAKT_RULES_DIR (meson.build). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "filter/engine.h"
#include "filter/examples.h"
#include "util/strbuf.h"

#ifndef VAKT_RULES_DIR
#define VAKT_RULES_DIR "/usr/local/share/vakt/filters"
#endif

const char *ctl_filters_rules_dir(const char *opt)
{
	const char *env = getenv("VAKT_RULES_DIR");
	if (opt)
		return opt;
	return env && *env ? env : VAKT_RULES_DIR;
}

static int load_engine(const char *dir, const struct filter_options *o, struct filter_engine **ret)
{
	struct diag_list errs = { 0 }, warns = { 0 };
	int r = filter_engine_load(dir, o, ret, &errs, &warns);
	diag_print(&warns, stderr);
	diag_print(&errs, stderr);
	if (r < 0 && errs.n == 0)
		fprintf(stderr, "vaktctl: %s: %s\n", dir, strerror(-r));
	else if (r > 0)
		fprintf(stderr, "vaktctl: %zu error%s in the rules of %s\n", errs.n,
		        errs.n == 1 ? "" : "s", dir);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	return r == 0 ? 0 : -1;
}

int ctl_filters_load_engine(const char *dir, struct filter_engine **ret)
{
	return load_engine(dir, NULL, ret);
}

/* Reads stdin line by line, keeping at most `keep` bytes of each line but
 * counting all of them, so a line of any length costs bounded memory. */
struct line_reader {
	char buf[64 * 1024];
	size_t pos, len;
	int eof;
};

/* Returns 1 with a line (line[0..*ret_kept), *ret_total bytes long without
 * the newline), 0 at the end of input. */
static int read_line(struct line_reader *lr, FILE *in, char *line, size_t keep, size_t *ret_kept,
                     size_t *ret_total)
{
	size_t kept = 0, total = 0;
	int any = 0;
	for (;;) {
		if (lr->pos == lr->len) {
			if (lr->eof)
				break;
			lr->len = fread(lr->buf, 1, sizeof(lr->buf), in);
			lr->pos = 0;
			if (lr->len == 0) {
				lr->eof = 1;
				break;
			}
		}
		any = 1;
		char *nl = memchr(lr->buf + lr->pos, '\n', lr->len - lr->pos);
		size_t n = nl ? (size_t)(nl - (lr->buf + lr->pos)) : lr->len - lr->pos;
		size_t take = n < keep - kept ? n : keep - kept;
		memcpy(line + kept, lr->buf + lr->pos, take);
		kept += take;
		total += n;
		lr->pos += n;
		if (nl) {
			lr->pos++;
			break;
		}
	}
	if (!any)
		return 0;
	if (kept == total && kept > 0 && line[kept - 1] == '\r') {
		kept--;
		total--;
	}
	*ret_kept = kept;
	*ret_total = total;
	return 1;
}

static int filters_scan(struct ctl_ctx *ctx, const char *dir, const char *plan_cache)
{
	struct filter_engine *e = NULL;
	struct filter_options o;
	struct line_reader *lr = calloc(1, sizeof(*lr));
	size_t keep, kept, total;
	char *line = NULL;
	int rc = CTL_EXIT_ERROR;

	filter_options_default(&o);
	/* A little more than is scanned, so the engine sees the truncation;
	 * the rest of a long line is counted, not kept. */
	keep = o.max_scan_bytes + 8;
	line = malloc(keep);
	if (!lr || !line)
		goto out;
	o.plan_cache = plan_cache; /* the plan read from, or written to, this file */
	if (load_engine(dir, &o, &e) < 0)
		goto out;
	const char *note = NULL;
	filter_engine_plan_from(e, &note);
	if (note && note[0])
		fprintf(stderr, "vaktctl: filter %s\n", note);
	while (read_line(lr, stdin, line, keep, &kept, &total)) {
		struct filter_verdict *v;
		if (filter_engine_scan(e, line, kept, 0, &v) < 0) {
			fprintf(stderr, "vaktctl: out of memory\n");
			goto out;
		}
		if (total > kept) {
			v->input_len = total;
			v->truncated = 1;
		}
		if (ctx->json) {
			cJSON *j = filter_verdict_to_json(v);
			int pr = j ? ctl_print_json(j) : CTL_EXIT_ERROR;
			cJSON_Delete(j);
			if (pr != CTL_EXIT_OK) {
				if (!j)
					fprintf(stderr, "vaktctl: out of memory\n");
				filter_verdict_free(v);
				goto out;
			}
		} else {
			struct strbuf sb = { 0 };
			int sr = filter_verdict_summary(v, &sb);
			if (sr == 0)
				puts(sb.buf);
			strbuf_free(&sb);
			if (sr < 0) {
				fprintf(stderr, "vaktctl: out of memory\n");
				filter_verdict_free(v);
				goto out;
			}
		}
		filter_verdict_free(v);
	}
	if (ferror(stdin)) {
		fprintf(stderr, "vaktctl: error reading standard input\n");
		goto out;
	}
	rc = fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERROR;
out:
	filter_engine_free(e);
	free(line);
	free(lr);
	return rc;
}

static void on_example_failure(void *ctx, const struct filter_rule *r,
                               const struct filter_example *ex, int expected_match,
                               const struct filter_verdict *v)
{
	printf("%s:%u: rule %s: example \"%s\": ", r->file, ex->line, r->id, ex->text);
	if (expected_match) {
		printf("expected match, got none");
		for (size_t i = 0; i < v->nerrors; i++)
			if (strcmp(v->errors[i].rule, r->id) == 0)
				printf(" (error: %s)", v->errors[i].msg);
	} else {
		printf("expected no match, got match");
		for (size_t i = 0; i < v->nhits; i++)
			if (strcmp(v->hits[i].rule, r->id) == 0 && v->hits[i].nspans) {
				/* spans are offsets into the example text itself */
				const struct filter_span *sp = &v->hits[i].spans[0];
				printf(" \"%.*s\"", (int)(sp->end - sp->start),
				       ex->text + sp->start);
			}
	}
	putchar('\n');
}

static int filters_test(const char *dir)
{
	struct filter_engine *e = NULL;
	size_t total = 0, failed = 0;
	int rc = CTL_EXIT_ERROR;

	if (ctl_filters_load_engine(dir, &e) < 0)
		return CTL_EXIT_ERROR;
	if (filter_examples_run(e, on_example_failure, NULL, &total, &failed) < 0) {
		fprintf(stderr, "vaktctl: out of memory\n");
		goto out;
	}
	printf("%zu rule%s, %zu examples, %zu failed\n", filter_engine_rule_count(e),
	       filter_engine_rule_count(e) == 1 ? "" : "s", total, failed);
	rc = failed ? CTL_EXIT_ERROR : CTL_EXIT_OK;
out:
	filter_engine_free(e);
	return rc;
}

static int run_filters(struct ctl_ctx *ctx, int argc, char **argv)
{
	const char *dir = NULL, *plan_cache = NULL;

	if (argc < 2)
		return ctl_usage(&ctl_cmd_filters);
	if (strcmp(argv[1], "stats") == 0)
		return argc == 2 ? ctl_filters_stats(ctx) : ctl_usage(&ctl_cmd_filters);
	if (strcmp(argv[1], "eval") == 0)
		return ctl_filters_eval(ctx, &ctl_cmd_filters, argc, argv);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strncmp(argv[i], "--rules=", 8) == 0)
			dir = argv[i] + 8;
		else if (strcmp(argv[1], "scan") == 0 && strcmp(argv[i], "--plan-cache") == 0 &&
		         i + 1 < argc)
			plan_cache = argv[++i];
		else
			return ctl_usage(&ctl_cmd_filters);
	}
	if (strcmp(argv[1], "scan") == 0)
		return filters_scan(ctx, ctl_filters_rules_dir(dir), plan_cache);
	if (strcmp(argv[1], "test") == 0)
		return filters_test(ctl_filters_rules_dir(dir));
	return ctl_usage(&ctl_cmd_filters);
}

const struct ctl_cmd ctl_cmd_filters = {
	.name = "filters",
	.usage = "scan|test [--rules DIR] [--json] (scan: [--plan-cache FILE]) | eval FILE "
	         "[--rules DIR] [--json] "
	         "[--merge FROM=TO] [--min-recall [CAT=]R] [--max-fpr [CAT=]F] | stats [--json]",
	.summary = "scan comments from stdin, run every rule's examples, measure the rules on a "
	           "labelled corpus, or the daemon's per-rule statistics",
	.run = run_filters,
};
