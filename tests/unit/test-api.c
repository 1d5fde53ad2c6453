/* The control API's routes and its JSON error shapes. */
#include "t.h"
#include "tfs.h"

#include "api/api.h"
#include "util/clock.h"

static struct config cfg;
static struct store *store;

static struct api_env env(void)
{
	return (struct api_env){
		.store = store,
		.config = &cfg,
		.config_generation = 3,
		.started_usec = clock_now_usec(),
		.config_loaded_usec = clock_now_usec(),
		.state = "running",
	};
}

static void check_error(struct api_response *r, int status, const char *code)
{
	T_EQ_INT(status, r->status);
	cJSON *e = cJSON_GetObjectItemCaseSensitive(r->body, "error");
	T_ASSERT(cJSON_IsObject(e));
	T_EQ_INT(status, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "status")));
	T_EQ_STR(code, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code")));
	T_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "message")));
}

static void test_unknown_path_is_404_json(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/nothing", NULL, NULL, 0, &r));
	check_error(&r, 404, "not_found");
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "GET", "/status", NULL, NULL, 0, &r));
	check_error(&r, 404, "not_found");
	api_response_clear(&r);
}

static void test_wrong_method_is_405_json(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "DELETE", "/v1/status", NULL, NULL, 0, &r));
	check_error(&r, 405, "method_not_allowed");
	api_response_clear(&r);
}

/* Found by fuzzing: an odd method was echoed into the message, which then
 * was not valid UTF-8. */
static void test_odd_method_is_not_echoed(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "\xff\xfe\x01", "/v1/accounts", NULL, NULL, 0, &r));
	check_error(&r, 405, "method_not_allowed");
	cJSON *err = cJSON_GetObjectItemCaseSensitive(r.body, "error");
	T_EQ_STR("this method is not allowed on /v1/accounts",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "message")));
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "PUT", "/v1/accounts", NULL, NULL, 0, &r));
	err = cJSON_GetObjectItemCaseSensitive(r.body, "error");
	T_EQ_STR("PUT is not allowed on /v1/accounts",
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "message")));
	api_response_clear(&r);
}

static void test_odd_path_is_400_json(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/status\"<script>", NULL, NULL, 0, &r));
	check_error(&r, 400, "bad_path");
	api_response_clear(&r);
	T_EQ_INT(0, api_route(&e, "GET", "relative", NULL, NULL, 0, &r));
	check_error(&r, 400, "bad_path");
	api_response_clear(&r);
}

static void test_status_reports_counts(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/status", NULL, NULL, 0, &r));
	T_EQ_INT(200, r.status);
	T_EQ_STR(VAKT_VERSION,
	         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r.body, "version")));
	T_EQ_INT(1, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r.body, "accounts")));
	T_EQ_INT(3, cJSON_GetNumberValue(
	                    cJSON_GetObjectItemCaseSensitive(r.body, "config_generation")));
	cJSON *p = cJSON_GetObjectItemCaseSensitive(r.body, "pending");
	T_ASSERT(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "review")));
	api_response_clear(&r);
}

static void test_accounts_never_show_tokens(void)
{
	struct api_env e = env();
	struct api_response r;
	T_EQ_INT(0, api_route(&e, "GET", "/v1/accounts", NULL, NULL, 0, &r));
	T_EQ_INT(200, r.status);
	char *txt = cJSON_PrintUnformatted(r.body);
	T_CONTAINS(txt, "\"id\":\"kultur-fb\"");
	T_CONTAINS(txt, "\"token\":true");
	T_ASSERT(strstr(txt, "very-secret") == NULL);
	free(txt);
	api_response_clear(&r);
}

static void test_too_long_query_is_refused_not_ignored(void)
{
	/* Ignoring a filter that does not fit would show every unit's queue. */
	struct api_env e = env();
	struct api_response r;
	char q[400];
	snprintf(q, sizeof(q), "unit=%0300d", 0);
	T_EQ_INT(0, api_route(&e, "GET", "/v1/queue", q, NULL, 0, &r));
	check_error(&r, 400, "bad_query");
	api_response_clear(&r);
}

int main(void)
{
	char *dir = tfs_mkdtemp(), path[4200];
	static struct config_unit unit = { .id = "kultur", .title = "Kultur" };
	static struct config_account acc = { .id = "kultur-fb",
		                             .platform = PLATFORM_FACEBOOK,
		                             .unit = "kultur",
		                             .external_id = "1",
		                             .enabled = true,
		                             .token = { .value = "very-secret", .len = 11 } };
	cfg = (struct config){
		.dir = "/etc/vakt", .units = &unit, .n_units = 1, .accounts = &acc, .n_accounts = 1
	};
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	if (store_open(path, &store, NULL, 0) != 0)
		return 1;
	T_RUN(test_unknown_path_is_404_json);
	T_RUN(test_wrong_method_is_405_json);
	T_RUN(test_odd_path_is_400_json);
	T_RUN(test_odd_method_is_not_echoed);
	T_RUN(test_status_reports_counts);
	T_RUN(test_accounts_never_show_tokens);
	T_RUN(test_too_long_query_is_refused_not_ignored);
	store_close(store);
	tfs_rmrf(dir);
	return t_done();
}
