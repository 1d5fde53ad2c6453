/* Rule file parser: good files load, every mistake is reported as
 * file:line in one pass. */
#include <errno.h>

#include "t.h"
#include "tfs.h"
#include "filter/rules.h"
#include "util/clock.h"

#define DATA SRCDIR "/tests/unit/data/filter"

/* 1 when some entry of dl formats exactly as `want`. */
static int has_diag(const struct diag_list *dl, const char *want)
{
	char buf[1024];
	for (size_t i = 0; i < dl->n; i++)
		if (strcmp(diag_format(&dl->v[i], buf, sizeof(buf)), want) == 0)
			return 1;
	return 0;
}

static void dump(const struct diag_list *dl)
{
	char buf[1024];
	for (size_t i = 0; i < dl->n; i++)
		printf("#     %s\n", diag_format(&dl->v[i], buf, sizeof(buf)));
}

#define T_DIAG(dl, want)                                                                           \
	do {                                                                                       \
		if (!has_diag((dl), (want)))                                                       \
			T_FAIL_("missing diagnostic: %s", (want));                                 \
	} while (0)

static void test_loads_good_directory(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(0, rules_load_dir(DATA "/good", clock_now(), &rs, &errs, &warns));
	dump(&errs);
	T_EQ_INT(0, errs.n);
	T_EQ_INT(8, rs.n);
	/* sorted file order, then order within the file */
	T_EQ_STR("sv.threat.kill-direct", rs.v[0].id);
	T_EQ_STR("any.personal_data.personnummer", rs.v[4].id);
	const struct filter_rule *r = &rs.v[0];
	T_EQ_INT(FILTER_CAT_THREAT, r->category);
	T_EQ_INT(FILTER_TIER_OBVIOUS, r->tier);
	T_EQ_INT(5, r->severity);
	T_EQ_INT(FILTER_ACT_HIDE | FILTER_ACT_ESCALATE, r->actions);
	T_EQ_INT(2, r->npatterns);
	T_EQ_INT(2, r->nexcepts);
	T_EQ_INT(5, r->nmatches);
	T_EQ_INT(3, r->line);
	T_EQ_STR("Jag ska döda dig", r->matches[0].text);
	T_EQ_STR("sv", r->lang);
	T_EQ_INT(FILTER_MODE_SHADOW, rs.v[2].mode);
	T_EQ_STR("2020-01-31", rs.v[3].expires);
	T_EQ_INT(FILTER_INPUT_RAW, rs.v[4].input);
	T_EQ_INT(1, rs.v[4].nvalidators);
	T_ASSERT(rs.v[4].patterns[0].vgroup > 0);
	/* the expired rule is loaded, with a warning */
	T_EQ_INT(1, warns.n);
	T_DIAG(&warns, DATA "/good/10-threat.rules:66: warning: rule 'sv.spam.old-campaign' "
	                    "expired on 2020-01-31 and is not applied");
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

static void test_reports_every_error_with_file_and_line(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(1, rules_load_dir(DATA "/broken", clock_now(), &rs, &errs, &warns));
	T_EQ_INT(0, rs.n); /* nothing is handed out */
#define F DATA "/broken/bad.rules:"
	T_DIAG(&errs, F "4: unknown category 'threats' (expected criminal, threat, harassment, "
	                "hate, personal_data, confidential, question or spam)");
	T_DIAG(&errs, F "6: unknown tier 'maybe' (expected obvious or possible)");
	T_DIAG(&errs, F "7: severity must be an integer from 1 to 5, not '9'");
	T_DIAG(&errs, F "8: unknown action 'nuke' (expected hide, delete, review, escalate, "
	                "respond, mask or log-only)");
	T_DIAG(&errs, F "9: unknown key 'colour'");
	T_DIAG(&errs, F "10: pattern does not compile: missing closing parenthesis at offset 9");
	T_DIAG(&errs, F "11: unknown validator 'no_such_validator'");
	T_DIAG(&errs, F "12: expires must be a date YYYY-MM-DD, not '2026-02-30'");
	T_DIAG(&errs, F "2: rule 'sv.threat.broken': 1 'match' example, at least 3 are required");
	T_DIAG(&errs, F "2: rule 'sv.threat.broken': 1 'nomatch' example, at least 3 are required");
	T_DIAG(&errs, F "22: duplicate key 'title' (first at line 18)");
	T_DIAG(&errs, F "20: rule 'sv.threat.no-statute': a threat rule must name the statute it "
	                "serves, not only kommentarsregler");
	T_DIAG(&errs, F "34: duplicate rule id 'sv.threat.no-statute' (first defined at " F "17)");
	T_DIAG(&errs, F "34: rule 'sv.threat.no-statute': missing required key 'category'");
	T_DIAG(&errs, F "34: rule 'sv.threat.no-statute': missing required key 'actions'");
	T_DIAG(&errs, F "36: pattern does not compile: missing closing parenthesis at offset 2");
	T_DIAG(&errs, F "37: except does not compile: missing terminating ] for character class "
	                "at offset 2");
	T_DIAG(&errs, F "40: invalid rule id 'Bad_ID' (allowed: a-z 0-9 . _ -)");
	T_DIAG(&errs, F "40: rule 'Bad_ID' has no 'end' before the end of the file");
#undef F
	T_ASSERT(errs.n >= 25);
	if (t_cur_failed)
		dump(&errs);
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

static int parse(const char *text, struct diag_list *errs)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list warns = { 0 };
	int r = rules_parse_buffer(&rs, "t.rules", text, strlen(text), 0, errs, &warns);
	filter_ruleset_clear(&rs);
	diag_list_clear(&warns);
	return r;
}

#define GOOD_BODY                                                                                  \
	"  title t\n  category spam\n  statute kommentarsregler\n  tier possible\n"                \
	"  severity 1\n  actions review\n  pattern x\n  match x\n  match x\n  match x\n"           \
	"  nomatch y\n  nomatch y\n  nomatch y\n"

static void test_structure_errors(void)
{
	struct diag_list errs = { 0 };
	T_EQ_INT(0, parse("# c\n\nrule a\n" GOOD_BODY "end\n", &errs));
	T_EQ_INT(0, errs.n);
	T_EQ_INT(1, parse("stray line\nend\nrule a\n" GOOD_BODY "rule b\n" GOOD_BODY "end x\n",
	                  &errs));
	T_DIAG(&errs, "t.rules:1: expected 'rule ID', found 'stray'");
	T_DIAG(&errs, "t.rules:2: 'end' outside a rule");
	T_DIAG(&errs, "t.rules:3: rule 'a' has no 'end' before line 17");
	T_DIAG(&errs, "t.rules:31: 'end' takes no value");
	diag_list_clear(&errs);
	T_EQ_INT(1, parse("rule a\n  title\n" GOOD_BODY "end\n", &errs));
	T_DIAG(&errs, "t.rules:2: key 'title' needs a value");
	diag_list_clear(&errs);
	T_EQ_INT(1, parse("rule a\n" GOOD_BODY "  actions\thide\n  tier possible\nend\n", &errs));
	T_DIAG(&errs, "t.rules:15: duplicate key 'actions' (first at line 7)");
	diag_list_clear(&errs);
	T_EQ_INT(1, parse("rule a\n" GOOD_BODY "  mode loud\n  input cooked\n  lang fi\nend\n",
	                  &errs));
	T_EQ_INT(3, errs.n);
	diag_list_clear(&errs);
	T_EQ_INT(1, parse("rule a\n" GOOD_BODY "  match \xff\nend\n", &errs));
	T_DIAG(&errs, "t.rules:15: line is not valid UTF-8 (or contains a NUL byte)");
	diag_list_clear(&errs);
}

static void test_harassment_must_name_comment_rules(void)
{
	struct diag_list errs = { 0 };
	const char *txt = "rule a\n  title t\n  category harassment\n  statute BrB 5:3\n"
	                  "  tier possible\n  severity 1\n  actions review\n  pattern x\n"
	                  "  match x\n  match x\n  match x\n  nomatch y\n  nomatch y\n"
	                  "  nomatch y\nend\n";
	T_EQ_INT(1, parse(txt, &errs));
	T_DIAG(&errs, "t.rules:4: rule 'a': a harassment rule must name 'kommentarsregler' "
	              "(1998:112 5 § does not cover it)");
	diag_list_clear(&errs);
}

static void test_value_is_verbatim_with_trailing_space_stripped(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	const char *txt = "rule a\r\n" GOOD_BODY "  match \t  a;b = \"c\"  # not a comment \t\r\n"
	                  "end\r\n";
	T_EQ_INT(0, rules_parse_buffer(&rs, "t.rules", txt, strlen(txt), 0, &errs, &warns));
	T_EQ_INT(4, rs.v[0].nmatches);
	T_EQ_STR("a;b = \"c\"  # not a comment", rs.v[0].matches[3].text);
	filter_ruleset_clear(&rs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
}

static void test_expiry_is_end_of_day_in_stockholm(void)
{
	time_t t;
	int64_t want;
	T_EQ_INT(0, rules_expiry_instant("2026-06-30", &t));
	clock_parse_iso8601("2026-07-01T00:00:00+02:00", &want);
	T_EQ_INT(want / USEC_PER_SEC, t);
	T_EQ_INT(0, rules_expiry_instant("2026-12-31", &t));
	clock_parse_iso8601("2027-01-01T00:00:00+01:00", &want);
	T_EQ_INT(want / USEC_PER_SEC, t);
	/* the night summer time starts: midnight is still UTC+1 */
	T_EQ_INT(0, rules_expiry_instant("2026-03-28", &t));
	clock_parse_iso8601("2026-03-29T00:00:00+01:00", &want);
	T_EQ_INT(want / USEC_PER_SEC, t);
	T_EQ_INT(0, rules_expiry_instant("2026-10-24", &t));
	clock_parse_iso8601("2026-10-25T00:00:00+02:00", &want);
	T_EQ_INT(want / USEC_PER_SEC, t);
	T_EQ_INT(-EINVAL, rules_expiry_instant("2026-02-29", &t));
	T_EQ_INT(0, rules_expiry_instant("2028-02-29", &t));
	T_EQ_INT(-EINVAL, rules_expiry_instant("2026-1-01", &t));
	T_EQ_INT(-EINVAL, rules_expiry_instant("2026-01-01x", &t));
}

static void test_missing_directory_is_an_error(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	T_EQ_INT(-ENOENT, rules_load_dir(DATA "/nonexistent", 0, &rs, &errs, &warns));
	T_EQ_INT(1, errs.n);
	diag_list_clear(&errs);
}

/* A FIFO (no writer) or a directory among the rule files is refused at
 * once instead of blocking the load. */
static void test_fifo_and_directory_rule_files_are_refused(void)
{
	struct filter_ruleset rs = { 0 };
	struct diag_list errs = { 0 }, warns = { 0 };
	char *dir = tfs_mkdtemp(), path[4096], want[8192];
	snprintf(path, sizeof(path), "%s/a-fifo.rules", dir);
	T_EQ_INT(0, mkfifo(path, 0600));
	snprintf(path, sizeof(path), "%s/b-dir.rules", dir);
	T_EQ_INT(0, mkdir(path, 0700));
	T_EQ_INT(1, rules_load_dir(dir, 0, &rs, &errs, &warns));
	snprintf(want, sizeof(want),
	         "%s/a-fifo.rules: cannot open: not a regular file (a FIFO, socket or device)",
	         dir);
	T_DIAG(&errs, want);
	snprintf(want, sizeof(want),
	         "%s/b-dir.rules: cannot open: is a directory, not a regular file", dir);
	T_DIAG(&errs, want);
	if (errs.n != 2)
		dump(&errs);
	diag_list_clear(&errs);
	diag_list_clear(&warns);
	tfs_rmrf(dir);
}

int main(void)
{
	T_RUN(test_loads_good_directory);
	T_RUN(test_reports_every_error_with_file_and_line);
	T_RUN(test_structure_errors);
	T_RUN(test_harassment_must_name_comment_rules);
	T_RUN(test_value_is_verbatim_with_trailing_space_stripped);
	T_RUN(test_expiry_is_end_of_day_in_stockholm);
	T_RUN(test_missing_directory_is_an_error);
	T_RUN(test_fifo_and_directory_rule_files_are_refused);
	return t_done();
}
