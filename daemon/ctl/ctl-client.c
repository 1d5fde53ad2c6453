/* vaktctl's HTTP client for the daemon's Unix-socket API (libcurl). */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctl/ctl.h"
#include "util/strbuf.h"

/* The API never answers with more than this; anything larger is a bug or
 * not our daemon. */
#define CTL_MAX_RESPONSE (64u * 1024 * 1024)

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct strbuf *sb = userdata;
	size_t n = size * nmemb;
	if (sb->len + n > CTL_MAX_RESPONSE || strbuf_add(sb, data, n) < 0)
		return 0;
	return n;
}

const char *ctl_json_str(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : dflt;
}

double ctl_json_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

int ctl_print_json(const cJSON *v)
{
	char *s = cJSON_PrintUnformatted(v);
	if (!s) {
		fprintf(stderr, "vaktctl: out of memory\n");
		return CTL_EXIT_ERROR;
	}
	puts(s);
	free(s);
	return CTL_EXIT_OK;
}

int ctl_api_show(struct ctl_ctx *ctx, const char *method, const char *path, const cJSON *body,
                 ctl_show_fn show, void *userdata)
{
	cJSON *res = NULL;
	int rc = ctl_api_call(ctx, method, path, body, &res);
	if (rc)
		return rc;
	rc = ctx->json ? ctl_print_json(res) : show(res, userdata);
	cJSON_Delete(res);
	return rc;
}

int ctl_api_request(struct ctl_ctx *ctx, const char *method, const char *path, const cJSON *body,
                    long *ret_status, cJSON **ret_json)
{
	struct strbuf resp = { 0 };
	struct curl_slist *hdrs = NULL;
	char url[1024], errbuf[CURL_ERROR_SIZE] = "";
	char *payload = NULL;
	long status = 0;
	int rc = CTL_EXIT_ERROR;
	CURL *h = curl_easy_init();

	if (!h)
		return CTL_EXIT_ERROR;
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, ctx->socket_path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, ctx->timeout_sec > 0 ? ctx->timeout_sec : 30L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body) {
		payload = cJSON_PrintUnformatted(body);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload ? payload : "");
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	CURLcode cc = curl_easy_perform(h);
	if (cc != CURLE_OK) {
		fprintf(stderr, "vaktctl: cannot reach vaktd at %s: %s\n", ctx->socket_path,
		        *errbuf ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	cJSON *json = cJSON_ParseWithLength(resp.buf ? resp.buf : "", resp.len);
	if (!json) {
		fprintf(stderr, "vaktctl: %s %s: %ld, response is not JSON\n", method, path,
		        status);
		goto out;
	}
	*ret_status = status;
	*ret_json = json;
	rc = 0;
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(payload);
	strbuf_free(&resp);
	return rc;
}

int ctl_api_call(struct ctl_ctx *ctx, const char *method, const char *path, const cJSON *body,
                 cJSON **ret_json)
{
	cJSON *json = NULL;
	long status = 0;
	int rc = ctl_api_request(ctx, method, path, body, &status, &json);
	if (rc)
		return rc;
	if (status < 200 || status > 299) {
		const cJSON *msg =
		        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(json,
		                                                                          "error"),
		                                         "message");
		fprintf(stderr, "vaktctl: %s %s: %ld %s\n", method, path, status,
		        cJSON_IsString(msg) ? msg->valuestring : "unexpected response");
		cJSON_Delete(json);
		return CTL_EXIT_ERROR;
	}
	*ret_json = json;
	return 0;
}
