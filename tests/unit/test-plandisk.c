/* The prefilter plan on disk (plandisk.h): an engine whose plan was read
 * from the file gives the verdicts of one built afresh; a file that is
 * damaged, truncated, of other rules or another format makes the engine
 * build its plan (and write the file again), never read wrong memory. */
#include "t.h"
#include "trounds.h"
#include "filter/aho.h"
#include "filter/engine.h"
#include "filter/plandisk.h"
#include "filter/prefcache.h"
#include "util/clock.h"
#include "tengine.h"

#include <errno.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#define RULES SRCDIR "/filters"
#define DEV SRCDIR "/tests/data/filters-dev.tsv"

static char dir[] = "/tmp/test-plandisk-XXXXXX";
static char path[512];

static struct filter_engine *load(const char *cache)
{
	struct filter_options o;
	filter_options_default(&o);
	o.plan_cache = cache;
	return tengine_load(RULES, &o);
}

/* Texts: every 19th row of the development corpus, and the rows joined 40
 * and 300 to a text (windows on long texts). */
static void texts_add(struct tengine_texts *t, const char *s)
{
	T_ASSERT(s != NULL);
	if (s)
		T_EQ_INT(0, tengine_texts_add(t, s, strlen(s)));
}

static void join_rows(struct tengine_texts *t, char **rows, size_t n, size_t per)
{
	for (size_t i = 0; i + per <= n; i += per * 3) {
		size_t len = 0;
		for (size_t k = 0; k < per; k++)
			len += strlen(rows[i + k]) + 1;
		char *s = malloc(len + 1);
		if (!s)
			return;
		s[0] = '\0';
		for (size_t k = 0; k < per; k++) {
			strcat(s, rows[i + k]);
			strcat(s, " ");
		}
		texts_add(t, s);
		free(s);
	}
}

static void texts_make(struct tengine_texts *t)
{
	FILE *f = fopen(DEV, "r");
	char line[8192];
	char **rows = NULL;
	size_t n = 0;
	T_ASSERT(f != NULL);
	if (!f)
		return;
	for (size_t i = 0; fgets(line, sizeof(line), f); i++) {
		char *tab = strchr(line, '\t');
		if (i == 0 || !tab)
			continue; /* the header */
		*tab = '\0';
		char **nr = realloc(rows, (n + 1) * sizeof(*nr));
		if (!nr)
			break;
		rows = nr;
		rows[n++] = strdup(line);
	}
	fclose(f);
	for (size_t i = 0; i < n; i += 19)
		texts_add(t, rows[i]);
	join_rows(t, rows, n, 40);
	join_rows(t, rows, n, 300);
	for (size_t i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
}

static struct tengine_texts texts;
static char *want; /* verdicts of an engine without a cache */

static unsigned char *slurp(const char *p, size_t *ret_len)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf = NULL;
	long len;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)len)) && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	*ret_len = buf ? (size_t)len : 0;
	fclose(f);
	return buf;
}

static void spit(const char *p, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(p, "wb");
	T_ASSERT(f != NULL);
	if (!f)
		return;
	T_EQ_INT(len, fwrite(buf, 1, len, f));
	fclose(f);
}

/* The payload's checksum made right again (the header's last 32 bytes). */
static void reseal(unsigned char *buf, size_t len)
{
	unsigned int n = 0;
	EVP_Digest(buf + PLAN_DISK_HEADER, len - PLAN_DISK_HEADER, buf + PLAN_DISK_HEADER - 32, &n,
	           EVP_sha256(), NULL);
}

/* Load with the cache; the plan came from `from`, the note says `note`;
 * with `compare`, the verdicts are `want` (running every text costs each
 * engine its patterns' compilation: done where it tells). */
static void check_engine_verdicts(enum filter_plan_from from, const char *note, int compare)
{
	struct filter_engine *e = load(path);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	const char *got_note = NULL;
	T_EQ_INT(from, filter_engine_plan_from(e, &got_note));
	T_CONTAINS(got_note, note);
	if (compare) {
		char *got = tengine_verdicts(e, &texts, 0);
		T_ASSERT(got && want && strcmp(got, want) == 0);
		free(got);
	}
	filter_engine_free(e);
}

static void check_engine(enum filter_plan_from from, const char *note)
{
	check_engine_verdicts(from, note, 0);
}

static void test_written_plan_gives_same_verdicts(void)
{
	struct filter_engine *e = load(NULL);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	const char *note = NULL;
	T_EQ_INT(FILTER_PLAN_BUILT, filter_engine_plan_from(e, &note));
	T_EQ_STR("", note);
	texts_make(&texts);
	T_ASSERT(texts.n > 700);
	want = tengine_verdicts(e, &texts, 0);
	T_ASSERT(want != NULL);
	filter_engine_free(e); /* no engine in memory to share a plan with */
	unlink(path);
	check_engine_verdicts(FILTER_PLAN_BUILT, "absent; plan built and written", 1);
	struct stat st;
	T_EQ_INT(0, stat(path, &st));
	check_engine_verdicts(FILTER_PLAN_LOADED, "read", 1);
	/* read again: the file a read leaves is read as well (its verdicts,
	 * those of the same bytes, were compared just above) */
	check_engine(FILTER_PLAN_LOADED, "read");
}

/* An engine alive shares its plan: the file is not read. */
static void test_live_engine_shares_before_file(void)
{
	struct filter_engine *a = load(path), *b = load(path);
	T_ASSERT(a && b);
	if (a && b) {
		T_EQ_INT(FILTER_PLAN_LOADED, filter_engine_plan_from(a, NULL));
		T_EQ_INT(FILTER_PLAN_SHARED, filter_engine_plan_from(b, NULL));
	}
	filter_engine_free(a);
	filter_engine_free(b);
}

/* Damage at `at` (XOR x), with the checksum left wrong or made right. */
static void damage(size_t at, unsigned char x, int sealed)
{
	size_t len = 0;
	unsigned char *buf = slurp(path, &len);
	T_ASSERT(buf && at < len);
	if (!buf || at >= len) {
		free(buf);
		return;
	}
	buf[at] ^= x;
	if (sealed)
		reseal(buf, len);
	spit(path, buf, len);
	free(buf);
}

static void test_corrupt_byte_rebuilds(void)
{
	size_t len = 0;
	free(slurp(path, &len));
	damage(len / 2, 0x20, 0);
	check_engine_verdicts(FILTER_PLAN_BUILT, "checksum mismatch; plan built and written", 1);
	check_engine_verdicts(FILTER_PLAN_LOADED, "read", 1);
	damage(40, 0x01, 0); /* in the key */
	check_engine(FILTER_PLAN_BUILT, "key differs");
	check_engine(FILTER_PLAN_LOADED, "read");
}

static void test_truncated_file_rebuilds(void)
{
	size_t len = 0;
	unsigned char *buf = slurp(path, &len);
	T_ASSERT(buf != NULL);
	if (!buf)
		return;
	spit(path, buf, len - 1000);
	check_engine(FILTER_PLAN_BUILT, "file truncated");
	spit(path, buf, 50);
	check_engine(FILTER_PLAN_BUILT, "no header");
	spit(path, buf, 0);
	check_engine(FILTER_PLAN_BUILT, "no header");
	check_engine(FILTER_PLAN_LOADED, "read");
	free(buf);
}

static void test_other_format_rebuilds(void)
{
	damage(PLAN_DISK_OFF_FORMAT, 0x03, 0);
	check_engine(FILTER_PLAN_BUILT, "another format version");
	damage(0, 0xff, 0);
	check_engine(FILTER_PLAN_BUILT, "not a plan file");
	check_engine(FILTER_PLAN_LOADED, "read");
}

/* A right checksum over a wrong plan: a fan entry naming no slot. */
static void test_sealed_bad_plan_rebuilds(void)
{
	size_t len = 0;
	unsigned char *buf = slurp(path, &len);
	T_ASSERT(buf != NULL);
	if (!buf)
		return;
	uint64_t n[4];
	memcpy(n, buf + PLAN_DISK_HEADER, sizeof(n)); /* nslots nsets nprimary nfan */
	T_ASSERT(n[3] > 0);
	size_t fan = PLAN_DISK_HEADER + sizeof(n) + n[0] * 57 + (n[1] + 2) * 4;
	memset(buf + fan, 0xfe, 4);
	reseal(buf, len);
	spit(path, buf, len);
	check_engine(FILTER_PLAN_BUILT, "fan: slot out of range");
	free(buf);
	check_engine(FILTER_PLAN_LOADED, "read");
}

/* Bytes of the payload changed, the checksum made right: each file is
 * refused or read, and what is read can be scanned without reading out
 * of bounds (ASan) or looping. */
static void test_sealed_damage_never_scans_out_of_bounds(void)
{
	size_t len = 0, nread = 0, ntried = 0;
	unsigned char *orig = slurp(path, &len), *buf = orig ? malloc(len) : NULL;
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.fuzz", path);
	T_ASSERT(buf != NULL);
	if (!buf) {
		free(orig);
		return;
	}
	unsigned char key[PLAN_DISK_KEY_LEN];
	memcpy(key, orig + 28, sizeof(key));
	uint64_t nslots;
	memcpy(&nslots, orig + PLAN_DISK_HEADER, sizeof(nslots));
	const void **src = calloc(nslots, sizeof(*src));
	uint8_t *tag = calloc(nslots, 1);
	T_ASSERT(src && tag);
	const size_t payload = len - PLAN_DISK_HEADER;
	uint64_t rnd = 0x9E3779B97F4A7C15ull;
	/* 250 files, 100 under AddressSanitizer (trounds.h), two in five of
	 * them damaged near the start */
	const size_t files = T_ROUNDS(250, 100), near = files * 2 / 5;
	for (size_t i = 0; src && tag && i < files; i++) {
		memcpy(buf, orig, len);
		/* the counts and the slots' start often, the rest spread out */
		rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
		size_t at = PLAN_DISK_HEADER +
		            (i < near ? (size_t)(rnd >> 33) % 400 : (size_t)(rnd >> 20) % payload);
		unsigned char x = (unsigned char)(rnd >> 8) | 1;
		buf[at] ^= x;
		reseal(buf, len);
		spit(tmp, buf, len);
		struct prefilter_plan *p = prefilter_plan_new(src, tag, nslots);
		char why[256];
		ntried++;
		if (p && plan_disk_load(tmp, key, p, why, sizeof(why)) == 0) {
			nread++;
			for (int in = 0; in < 2; in++) {
				uint32_t *stamp = calloc(aho_stamps(p->aho[in]) + 1, 4);
				uint32_t *out = calloc(aho_outputs(p->aho[in]) + 1, 4);
				for (size_t k = 0; stamp && out && k < texts.n; k += 50)
					aho_scan(p->aho[in], texts.v[k], strlen(texts.v[k]), stamp,
					         (uint32_t)k + 1, out);
				free(stamp);
				free(out);
			}
		}
		prefilter_plan_drop(p);
	}
	printf("# %zu damaged files, %zu read (harmless bytes), the others refused\n", ntried,
	       nread);
	unlink(tmp);
	free(src);
	free(tag);
	free(buf);
	free(orig);
}

/* Another rule set: the key differs, the plan is built for it. */
static void test_changed_rule_rebuilds(void)
{
	static const char *const fmt = "rule t.one\n title t\n category threat\n statute s\n"
	                               " tier possible\n severity 2\n actions review\n"
	                               " input normalized\n pattern \\bjag ska %s dig\\b\n"
	                               " match jag ska %s dig\n match Jag ska %s dig!\n"
	                               " match nu jag ska %s dig\n"
	                               " nomatch hej\n nomatch hej då\n nomatch hallå\nend\n";
	char txt[2][1024];
	snprintf(txt[0], sizeof(txt[0]), fmt, "skada", "skada", "skada", "skada");
	snprintf(txt[1], sizeof(txt[1]), fmt, "sparka", "sparka", "sparka", "sparka");
	for (int round = 0; round < 3; round++) {
		const char *t = txt[round == 1];
		struct filter_ruleset rs = { 0 };
		struct diag_list errs = { 0 }, warns = { 0 };
		struct filter_engine *e = NULL;
		struct filter_options o;
		filter_options_default(&o);
		o.plan_cache = path;
		T_EQ_INT(0, rules_parse_buffer(&rs, "t.rules", t, strlen(t), clock_now(), &errs,
		                               &warns));
		diag_print(&errs, stdout);
		T_EQ_INT(0, filter_engine_new(&rs, &o, &e));
		diag_list_clear(&errs);
		diag_list_clear(&warns);
		if (!e)
			continue;
		const char *note = NULL;
		T_EQ_INT(FILTER_PLAN_BUILT, filter_engine_plan_from(e, &note));
		T_CONTAINS(note, "plan built and written");
		if (round)
			T_CONTAINS(note, "not used: key differs");
		struct filter_verdict *v = NULL;
		T_EQ_INT(0, filter_engine_scan(e, "jag ska skada dig", 17, 0, &v));
		T_EQ_INT(round == 1 ? 0 : 1, v ? (int)v->nhits : -1);
		filter_verdict_free(v);
		filter_engine_free(e);
	}
}

static void test_unwritable_directory_still_builds(void)
{
	char bad[600];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/plan", dir);
	struct filter_engine *e = load(bad);
	T_ASSERT(e != NULL);
	if (!e)
		return;
	const char *note = NULL;
	T_EQ_INT(FILTER_PLAN_BUILT, filter_engine_plan_from(e, &note));
	T_CONTAINS(note, "not written");
	char *got = tengine_verdicts(e, &texts, 0);
	T_ASSERT(got && want && strcmp(got, want) == 0);
	free(got);
	filter_engine_free(e);
	/* a file in the way of the directory */
	snprintf(bad, sizeof(bad), "%s/plan", path);
	e = load(bad);
	T_ASSERT(e != NULL);
	if (e) {
		T_EQ_INT(FILTER_PLAN_BUILT, filter_engine_plan_from(e, &note));
		T_CONTAINS(note, "not written");
	}
	filter_engine_free(e);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/filter-plan", dir);
	T_RUN(test_written_plan_gives_same_verdicts);
	T_RUN(test_live_engine_shares_before_file);
	T_RUN(test_corrupt_byte_rebuilds);
	T_RUN(test_truncated_file_rebuilds);
	T_RUN(test_other_format_rebuilds);
	T_RUN(test_sealed_bad_plan_rebuilds);
	T_RUN(test_sealed_damage_never_scans_out_of_bounds);
	T_RUN(test_unwritable_directory_still_builds);
	T_RUN(test_changed_rule_rebuilds);
	free(want);
	tengine_texts_free(&texts);
	unlink(path);
	rmdir(dir);
	return t_done();
}
