/* The daemon's rule set check (pipeline_rules_check): a rule set loaded
 * with its examples deferred filters nothing until they ran; they run once
 * per rule files and vaktd build, and a failing example is refused however
 * often the files were proved before. */
#include "t.h"
#include "tfs.h"

#include <errno.h>

#include "pipeline/pipeline.h"
#include "store/store-db.h"
#include "util/readfile.h"

#define NOW (INT64_C(1795424400) * 1000000)

static const char failing_example[] = "rule sv.test.wrong-example\n"
                                      "  title     A rule whose own example does not match\n"
                                      "  category  spam\n"
                                      "  statute   kommentarsregler\n"
                                      "  tier      possible\n"
                                      "  severity  1\n"
                                      "  actions   review\n"
                                      "  pattern   \\bkop billigt\\b\n"
                                      "  match     kop billigt nu\n"
                                      "  match     kop billigt idag\n"
                                      "  match     this example does not match at all\n"
                                      "  nomatch   d\n"
                                      "  nomatch   e\n"
                                      "  nomatch   f\n"
                                      "end\n";

static const char broken_pattern[] = "rule sv.test.broken\n"
                                     "  title     A rule whose pattern does not compile\n"
                                     "  category  spam\n"
                                     "  statute   kommentarsregler\n"
                                     "  tier      possible\n"
                                     "  severity  1\n"
                                     "  actions   review\n"
                                     "  pattern   \\bkop (billigt\\b\n"
                                     "  match     kop billigt nu\n"
                                     "  match     kop billigt idag\n"
                                     "  match     kop billigt i morgon\n"
                                     "  nomatch   d\n"
                                     "  nomatch   e\n"
                                     "  nomatch   f\n"
                                     "end\n";

/* A rules directory with a copy of the unit tests' good rules. */
static char *good_rules(void)
{
	char *dir = tfs_mkdtemp();
	const char *files[] = { "10-threat.rules", "20-personal.rules" };
	for (size_t i = 0; i < 2; i++) {
		char src[4200];
		char *text = NULL;
		size_t len = 0;
		snprintf(src, sizeof(src), "%s/tests/unit/data/filter/good/%s", SRCDIR, files[i]);
		if (readfile_regular(src, 1 << 20, &text, &len))
			abort();
		tfs_write(dir, files[i], text);
		free(text);
	}
	return dir;
}

static struct store *new_store(char **ret_dir)
{
	char path[4200];
	struct store *s = NULL;
	*ret_dir = tfs_mkdtemp();
	snprintf(path, sizeof(path), "%s/vakt.db", *ret_dir);
	if (store_open(path, &s, NULL, 0))
		abort();
	return s;
}

static int64_t one_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static struct pipeline_rules *load_deferred(const char *dir)
{
	struct diag_list dl = { 0 };
	struct pipeline_rules *pr = NULL;
	T_EQ_INT(0, pipeline_rules_load_flags(dir, 0, PIPELINE_RULES_DEFER_EXAMPLES, &pr, &dl));
	diag_list_clear(&dl);
	return pr;
}

/* Once checked, the engine holds no example (pipeline_rules_check()
 * frees them: nothing runs them again), and pr still says how many the
 * files hold. */
static int engine_examples(const struct pipeline_rules *pr)
{
	size_t n = 0;
	for (size_t i = 0; i < filter_engine_rule_count(pr->engine); i++)
		n += filter_engine_rule(pr->engine, i)->nmatches +
		     filter_engine_rule(pr->engine, i)->nnomatches;
	return (int)n;
}

static void test_deferred_rules_filter_nothing_until_checked(void)
{
	char *rdir = good_rules(), *sdir;
	struct store *s = new_store(&sdir);
	struct pipeline_rules *pr = load_deferred(rdir);
	struct diag_list dl = { 0 };
	T_ASSERT(pr && !pr->examples_checked && pr->examples_ran == 0 && pr->examples > 0);
	T_EQ_INT((int)pr->examples, engine_examples(pr));
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(store_db(s),
	                      "INSERT INTO accounts(id, platform, unit, external_id, created_at, "
	                      "updated_at) VALUES ('kultur-fb','facebook','kultur','1',1,1)",
	                      NULL, NULL, NULL));
	struct store_item_in in = { .account = "kultur-fb",
		                    .platform_id = "c1",
		                    .kind = "comment",
		                    .text = "Hej, fin bild",
		                    .published_at = NOW,
		                    .platform_state = "visible" };
	struct config_account acc = { .id = "kultur-fb", .unit = "kultur", .enabled = true };
	struct pipeline_result res = { 0 };
	/* The item is kept (for the repair after the check), not filtered;
	 * that is no failure (a fetch's batch stays whole). */
	T_EQ_INT(0, pipeline_ingest(s, pr, &acc, &in, NOW, &res));
	T_ASSERT(res.waiting && res.item_id > 0 && res.version_id > 0 && res.verdict_id == 0);
	T_EQ_INT(1, one_int(s, "SELECT count(*) FROM items_unevaluated"));
	T_EQ_INT(0, one_int(s, "SELECT count(*) FROM verdicts"));

	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(pr->examples_checked);
	T_EQ_INT((int64_t)pr->examples, (int64_t)pr->examples_ran);
	T_EQ_INT(0, (int64_t)dl.n);
	T_EQ_INT(0, engine_examples(pr));
	int64_t item = one_int(s, "SELECT item_id FROM items_unevaluated");
	T_EQ_INT(0, pipeline_evaluate(s, pr, &acc, item, NOW, &res));
	T_EQ_INT(1, one_int(s, "SELECT count(*) FROM verdicts"));
	pipeline_rules_free(pr);
	store_close(s);
	tfs_rmrf(sdir);
	tfs_rmrf(rdir);
}

static void test_examples_run_once_per_rule_files_and_build(void)
{
	char *rdir = good_rules(), *sdir, engine[256];
	struct store *s = new_store(&sdir);
	struct diag_list dl = { 0 };
	T_EQ_INT(0, pipeline_rules_engine_id(engine, sizeof(engine)));
	T_CONTAINS(engine, "pcre2 ");

	struct pipeline_rules *pr = load_deferred(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(pr->examples_ran > 0);
	size_t examples = pr->examples;
	pipeline_rules_free(pr);
	T_EQ_INT(1, one_int(s, "SELECT count(*) FROM ruleset_checks"));
	T_EQ_INT((int64_t)examples, one_int(s, "SELECT examples FROM ruleset_checks"));

	/* The same files with the same build: proved, not run again. */
	pr = load_deferred(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(pr->examples_checked);
	T_EQ_INT(0, (int64_t)pr->examples_ran);
	T_EQ_INT(0, engine_examples(pr)); /* proved before: dropped unrun */
	T_ASSERT(pr->examples > 0);
	/* Nothing ran, so nothing was JIT-compiled yet: that waits for the
	 * first comment that reaches a pattern. */
	T_EQ_INT(0, (int64_t)filter_engine_jit_patterns(pr->engine));
	pipeline_rules_free(pr);

	/* Another build of vaktd (or PCRE2) proved them, not this one: run. */
	T_EQ_INT(SQLITE_OK,
	         sqlite3_exec(store_db(s), "UPDATE ruleset_checks SET engine = 'build 00 pcre2 x'",
	                      NULL, NULL, NULL));
	pr = load_deferred(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_EQ_INT((int64_t)examples, (int64_t)pr->examples_ran);
	pipeline_rules_free(pr);
	T_EQ_INT(2, one_int(s, "SELECT count(*) FROM ruleset_checks"));

	/* A changed rule file is a new rule set: run. */
	tfs_write(rdir, "30-comment.rules", "# only a comment\n");
	pr = load_deferred(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_EQ_INT((int64_t)examples, (int64_t)pr->examples_ran);
	pipeline_rules_free(pr);
	T_EQ_INT(0, (int64_t)dl.n);

	store_close(s);
	tfs_rmrf(sdir);
	tfs_rmrf(rdir);
}

static void test_failing_example_is_refused_with_file_and_line(void)
{
	char *rdir = good_rules(), *sdir, buf[1024];
	struct store *s = new_store(&sdir);
	struct diag_list dl = { 0 };

	/* The good files were proved; a new file with a failing example
	 * makes a new rule set, whose examples run and fail. */
	struct pipeline_rules *pr = load_deferred(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	pipeline_rules_free(pr);
	tfs_write(rdir, "90-wrong.rules", failing_example);
	pr = load_deferred(rdir);
	T_ASSERT(pr != NULL);
	T_EQ_INT(-EINVAL, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(!pr->examples_checked);
	T_EQ_INT(1, (int64_t)dl.n);
	if (dl.n)
		T_CONTAINS(diag_format(&dl.v[0], buf, sizeof(buf)),
		           "90-wrong.rules:11: rule sv.test.wrong-example: example");
	diag_list_clear(&dl);
	/* Nothing recorded: the next try runs them again and fails again. */
	T_EQ_INT(1, one_int(s, "SELECT count(*) FROM ruleset_checks"));
	T_EQ_INT(-EINVAL, pipeline_rules_check(pr, s, NOW, &dl));
	diag_list_clear(&dl);
	pipeline_rules_free(pr);

	/* Without the store, every example runs at load (--check-config). */
	T_EQ_INT(-EINVAL, pipeline_rules_load(rdir, 0, &pr, &dl));
	T_EQ_INT(1, (int64_t)dl.n);
	diag_list_clear(&dl);

	store_close(s);
	tfs_rmrf(sdir);
	tfs_rmrf(rdir);
}

static struct pipeline_rules *load_unparsed(const char *dir)
{
	struct diag_list dl = { 0 };
	struct pipeline_rules *pr = NULL;
	T_EQ_INT(0, pipeline_rules_load_flags(dir, 0, PIPELINE_RULES_DEFER_COMPILE, &pr, &dl));
	T_EQ_INT(0, (int64_t)dl.n);
	diag_list_clear(&dl);
	T_ASSERT(pr && !pr->engine && !pr->examples_checked);
	return pr;
}

/* vaktd's start and reload: the patterns are compiled by the check, unless
 * this build checked these very files (lexicons included) before. */
static void test_deferred_compile(void)
{
	char *rdir = good_rules(), *sdir, engine[256], want[1024], got[1024];
	struct store *s = new_store(&sdir);
	struct diag_list dl = { 0 };
	T_EQ_INT(0, pipeline_rules_engine_id(engine, sizeof(engine)));

	struct pipeline_rules *pr = load_unparsed(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(pr->engine && pr->examples_checked && pr->examples_ran == pr->examples);
	T_EQ_INT((int64_t)pr->nrules, (int64_t)filter_engine_rule_count(pr->engine));
	char digest[17];
	memcpy(digest, pr->digest, sizeof(digest));
	pipeline_rules_free(pr);
	/* The same digest as a load that compiles at once. */
	T_EQ_INT(0, pipeline_rules_load(rdir, 0, &pr, &dl));
	T_EQ_STR(digest, pr->digest);
	pipeline_rules_free(pr);
	pr = load_unparsed(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(pr->engine && pr->examples_checked && pr->examples_ran == 0);
	pipeline_rules_free(pr);

	/* A lexicon is part of the rule set: a new one is a new digest. */
	tfs_write(rdir, "lexicon/things.txt", "bil\nbat\n");
	pr = load_unparsed(rdir);
	T_ASSERT(strcmp(digest, pr->digest) != 0);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_EQ_INT((int64_t)pr->examples, (int64_t)pr->examples_ran);
	pipeline_rules_free(pr);

	/* A pattern that does not compile is found by the check, reported as
	 * a load that compiles at once reports it, and nothing is recorded. */
	tfs_write(rdir, "90-broken.rules", broken_pattern);
	T_EQ_INT(-EINVAL, pipeline_rules_load(rdir, 0, &pr, &dl));
	T_EQ_INT(1, (int64_t)dl.n);
	diag_format(&dl.v[0], want, sizeof(want));
	T_CONTAINS(want,
	           "90-broken.rules:8: pattern does not compile: missing closing parenthesis");
	diag_list_clear(&dl);
	int64_t checks = one_int(s, "SELECT count(*) FROM ruleset_checks");
	pr = load_unparsed(rdir);
	T_EQ_INT(-EINVAL, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(!pr->engine && !pr->examples_checked);
	T_EQ_INT(1, (int64_t)dl.n);
	if (dl.n)
		T_EQ_STR(want, diag_format(&dl.v[0], got, sizeof(got)));
	diag_list_clear(&dl);
	T_EQ_INT(checks, one_int(s, "SELECT count(*) FROM ruleset_checks"));

	/* What the store vouches for is not compiled again: recorded (as no
	 * vaktd would record it), the broken rule set is taken as it is. */
	T_EQ_INT(0, store_ruleset_check_record(s, pr->digest, engine, 0, NOW));
	pipeline_rules_free(pr);
	pr = load_unparsed(rdir);
	T_EQ_INT(0, pipeline_rules_check(pr, s, NOW, &dl));
	T_ASSERT(pr->engine && pr->examples_checked && pr->examples_ran == 0);
	T_EQ_INT(0, (int64_t)dl.n);
	pipeline_rules_free(pr);

	store_close(s);
	tfs_rmrf(sdir);
	tfs_rmrf(rdir);
}

int main(void)
{
	T_RUN(test_deferred_compile);
	T_RUN(test_deferred_rules_filter_nothing_until_checked);
	T_RUN(test_examples_run_once_per_rule_files_and_build);
	T_RUN(test_failing_example_is_refused_with_file_and_line);
	return t_done();
}
