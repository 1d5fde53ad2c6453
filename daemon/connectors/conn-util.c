/* Helpers the connectors share (see conn-util.h). */
#include "connectors/conn-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *conn_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int conn_dup(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

int conn_set(char **dst, const char *s)
{
	char *c = s ? strdup(s) : NULL;
	if (s && !c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int conn_id_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

bool conn_id_ok(const char *s, size_t max)
{
	if (!s || !*s || strlen(s) > max)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

void conn_get(struct conn_request *ret, struct strbuf *url, uint64_t tag)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->method, sizeof(ret->method), "GET");
	ret->url = url->buf;
	ret->tag = tag;
	*url = (struct strbuf){ 0 };
}

void conn_malformed(struct conn_batch *b)
{
	conn_batch_clear(b);
	b->outcome = CONN_MALFORMED;
	b->message = strdup("the answer is not the expected JSON");
}

char *conn_status_message(long status, const char *body, size_t len, const char *field)
{
	cJSON *j = field ? cJSON_ParseWithLength(body, len) : NULL;
	const char *what = conn_json_str(j, field);
	char m[96];

	snprintf(m, sizeof(m), "HTTP %ld%s%s", status, what ? " " : "", what ? what : "");
	cJSON_Delete(j);
	return strdup(m);
}

int conn_window_cursor_parse(const char *text, int64_t *ret_newest, cJSON **ret_counts)
{
	cJSON *j, *counts;
	const cJSON *t, *c;
	char *end = NULL;
	int64_t newest = 0;

	if (!text) {
		counts = cJSON_CreateObject();
		if (!counts)
			return -ENOMEM;
		*ret_newest = 0;
		*ret_counts = counts;
		return 0;
	}
	j = cJSON_Parse(text);
	t = cJSON_GetObjectItemCaseSensitive(j, "t");
	c = cJSON_GetObjectItemCaseSensitive(j, "c");
	if (!cJSON_IsObject(j) || (t && !cJSON_IsString(t)) || (c && !cJSON_IsObject(c)))
		goto bad;
	for (const cJSON *e = c ? c->child : NULL; e; e = e->next)
		if (!cJSON_IsNumber(e))
			goto bad;
	if (t) {
		newest = strtoll(t->valuestring, &end, 10);
		if (end == t->valuestring || *end || newest < 0)
			goto bad;
	}
	counts = c ? cJSON_DetachItemViaPointer(j, (cJSON *)c) : cJSON_CreateObject();
	cJSON_Delete(j);
	if (!counts)
		return -ENOMEM;
	*ret_newest = newest;
	*ret_counts = counts;
	return 0;
bad:
	cJSON_Delete(j);
	return -EINVAL;
}

int conn_window_cursor_text(int64_t newest, const cJSON *counts, char **ret)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *copy = cJSON_Duplicate(counts, true);
	char t[24], *text = NULL;

	snprintf(t, sizeof(t), "%lld", (long long)newest);
	if (j && copy && cJSON_AddStringToObject(j, "t", t) &&
	    cJSON_AddItemToObject(j, "c", copy)) {
		copy = NULL;
		text = cJSON_PrintUnformatted(j);
	}
	cJSON_Delete(copy);
	cJSON_Delete(j);
	if (!text)
		return -ENOMEM;
	*ret = text;
	return 0;
}

int64_t conn_window_stop(int64_t now, int64_t lookback, int64_t newest, int64_t backfill_from)
{
	int64_t window = now - lookback;
	int64_t stop = newest && newest < window ? newest : window;

	return !newest || stop < backfill_from ? backfill_from : stop;
}

int conn_json_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *ret)
{
	if (!cJSON_IsNumber(v))
		return -EINVAL;
	double d = v->valuedouble;
	/* NaN fails both comparisons. */
	if (!(d >= (double)lo && d <= (double)hi))
		return -EINVAL;
	*ret = (int64_t)d;
	return 0;
}

int conn_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t want = *cap ? *cap * 2 : 8;
	void *grown = realloc(*arr, want * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = want;
	return 0;
}

void conn_retry_after(const struct conn_answer *a, struct conn_rate *rate)
{
	const char *v = a->header ? a->header(a->header_ctx, "Retry-After") : NULL;
	char *end;
	long long s;

	if (!v || *v < '0' || *v > '9')
		return;
	errno = 0;
	s = strtoll(v, &end, 10);
	/* More than a week is not a wait but a broken header. */
	if (errno || *end || s <= 0 || s > 7 * 86400)
		return;
	if (s * 1000000 > rate->retry_after_usec)
		rate->retry_after_usec = s * 1000000;
}
