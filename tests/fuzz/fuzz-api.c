/* The API's request handling: api_route() with any method, path, query
 * and JSON body, against a store holding the demo configuration's
 * accounts and a few filtered comments (so item, verdict and deadline ids
 * exist).
 *
 * Framing: line 1 the method, line 2 the path, line 3 the query (empty:
 * none), the rest the body (empty: none).  Each request runs inside a
 * transaction that is rolled back, so every input sees the same store.
 * Checked besides the sanitizers: the answer is a JSON object with a
 * status from 200 to 599, it prints as valid UTF-8, and the handler left
 * no transaction open. */
#include "fuzz.h"

#include "api/api.h"
#include "filter/utf8.h"
#include "pipeline/pipeline.h"
#include "store/store-db.h"
#include "util/clock.h"

static struct config *cfg;
static struct store *store;
static struct pipeline_rules *rules;
static struct api_env env;
static char *root;

static void cleanup(void)
{
	store_close(store);
	pipeline_rules_free(rules);
	config_free(cfg);
	if (root)
		fuzz_rmrf(root);
}

static void ingest(const char *account, const char *id, const char *parent, const char *text,
                   int64_t now)
{
	const struct config_account *acc = config_find_account(cfg, account);
	struct store_item_in in = {
		.account = account,
		.platform_id = id,
		.kind = parent ? "reply" : "comment",
		.parent_platform_id = parent,
		.author_id = "u1",
		.author_name = "Fuzz",
		.text = text,
		.permalink = "https://example.invalid/1",
		.published_at = now,
		.platform_state = "visible",
	};
	struct pipeline_result r;
	if (!acc || pipeline_ingest(store, rules, acc, &in, now, &r) != 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4096], state[4096];
	struct diag_list dl = { 0 };
	(void)argc, (void)argv;
	root = fuzz_mkdtemp();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/config/demo", fuzz_srcdir());
	snprintf(state, sizeof(state), "%s/vakt.db", root);
	struct config_overrides ovr = { .state_dir = root };
	if (config_load(path, &ovr, &cfg, &dl) != 0) {
		diag_print(&dl, stderr);
		abort();
	}
	snprintf(path, sizeof(path), "%s/filters", fuzz_srcdir());
	if (pipeline_rules_load(path, 0, &rules, &dl) != 0) {
		diag_print(&dl, stderr);
		abort();
	}
	if (store_open(state, &store, NULL, 0) != 0 || store_accounts_sync(store, cfg, "fuzz") != 0)
		abort();
	/* 2026-11-23 (a Monday) 10:00 Europe/Stockholm, then a minute apart. */
	int64_t t = INT64_C(1795424400) * USEC_PER_SEC;
	ingest("stockholm-fb", "p1", NULL, "När öppnar badhuset i Farsta igen?", t);
	ingest("stockholm-fb", "p2", "p1", "Jag vet var du bor och du kommer att få ångra det här",
	       t + 60 * USEC_PER_SEC);
	ingest("kultur-ig", "p3", NULL, "Mitt personnummer är 19811218-9876, ring mig",
	       t + 120 * USEC_PER_SEC);
	ingest("trafik-x", "p4", NULL, "Tack för en fin konsert!", t + 180 * USEC_PER_SEC);
	env = (struct api_env){
		.store = store,
		.rules = rules,
		.config = cfg,
		.config_generation = 1,
		.config_loaded_usec = t,
		.started_usec = t,
		.state = "running",
	};
	return 0;
}

/* Split off the next line of [*p, end): NUL-terminated copy. */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = fuzz_strndup(*p, n);
	*p += n + (nl ? 1 : 0);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *method = next_line(&p, end), *path = next_line(&p, end), *query = next_line(&p, end);
	size_t body_len = (size_t)(end - p);
	char *body = fuzz_strndup(p, body_len);
	struct api_response r = { 0 };

	if (store_begin(store) != 0)
		abort();
	int rc = api_route(&env, method, path, *query ? query : NULL, body_len ? body : NULL,
	                   body_len, &r);
	store_rollback(store);
	if (!sqlite3_get_autocommit(store_db(store))) {
		fprintf(stderr, "the handler left a transaction open\n");
		abort();
	}
	if (rc == 0) {
		if (r.status < 200 || r.status > 599 || !cJSON_IsObject(r.body)) {
			fprintf(stderr, "bad response: status %d\n", r.status);
			abort();
		}
		char *txt = cJSON_PrintUnformatted(r.body);
		if (txt) {
			size_t n = strlen(txt), pos = 0;
			while (pos < n) {
				size_t start = pos;
				if (utf8_next(txt, n, &pos) == UTF8_REPLACEMENT &&
				    (pos - start != 3 ||
				     memcmp(txt + start, "\xEF\xBF\xBD", 3) != 0)) {
					fprintf(stderr, "response is not valid UTF-8: %s\n", txt);
					abort();
				}
			}
			free(txt);
		}
	}
	api_response_clear(&r);
	free(method);
	free(path);
	free(query);
	free(body);
	return 0;
}
