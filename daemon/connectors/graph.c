/* Meta's Graph API, shared by connectors/facebook.c and instagram.c:
 * errors, usage headers, times, URLs, batches.  See graph.h. */
#include "connectors/graph.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connectors/conn-util.h"
#include "util/clock.h"

const char *graph_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int graph_time(const char *s, int64_t *ret_usec)
{
	if (!s)
		return -EINVAL;
	return clock_parse_iso8601(s, ret_usec);
}

/* ---------------------------------------------------------------- usage */

static int usage_max(const cJSON *o)
{
	static const char *const keys[] = { "call_count", "total_cputime", "total_time",
		                            "acc_id_util_pct" };
	int best = -1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e6 &&
		    (int)v->valuedouble > best)
			best = (int)v->valuedouble;
	}
	return best;
}

static void usage_header(const struct conn_answer *a, const char *name, int *pct,
                         int64_t *regain_min)
{
	const char *h = a->header ? a->header(a->header_ctx, name) : NULL;
	if (!h)
		return;
	cJSON *o = cJSON_Parse(h);
	if (!cJSON_IsObject(o))
		goto out;
	int m = usage_max(o);
	if (m > *pct)
		*pct = m;
	/* X-Business-Use-Case-Usage: {"<id>":[{type, call_count, …,
	 * estimated_time_to_regain_access}]} */
	const cJSON *per;
	cJSON_ArrayForEach(per, o) {
		const cJSON *e;
		if (!cJSON_IsArray(per))
			continue;
		cJSON_ArrayForEach(e, per) {
			m = usage_max(e);
			if (m > *pct)
				*pct = m;
			const cJSON *r =
			        cJSON_GetObjectItemCaseSensitive(e,
			                                         "estimated_time_to_regain_access");
			if (cJSON_IsNumber(r) && r->valuedouble > *regain_min &&
			    r->valuedouble < 7 * 24 * 60)
				*regain_min = (int64_t)r->valuedouble;
		}
	}
out:
	cJSON_Delete(o);
}

void graph_rate(const struct conn_answer *a, struct conn_rate *rate)
{
	int pct = -1, app = -1;
	int64_t regain_min = 0, after = 0;
	usage_header(a, "X-App-Usage", &app, &regain_min);
	pct = app;
	usage_header(a, "X-Page-Usage", &pct, &regain_min);
	usage_header(a, "X-Business-Use-Case-Usage", &pct, &regain_min);
	if (pct >= 0)
		rate->usage_percent = pct;
	if (app >= 0)
		rate->app_usage_percent = app;
	const char *ra = a->header ? a->header(a->header_ctx, "Retry-After") : NULL;
	if (ra) {
		char *end;
		long s = strtol(ra, &end, 10);
		if (end != ra && s > 0 && s < 7 * 86400)
			after = (int64_t)s * 1000000;
	}
	if (regain_min * 60 * 1000000 > after)
		after = regain_min * 60 * 1000000;
	if (after > rate->retry_after_usec)
		rate->retry_after_usec = after;
}

/* ---------------------------------------------------------------- errors */

bool graph_error_read(const cJSON *err, struct graph_error *ret)
{
	if (!cJSON_IsObject(err))
		return false;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
	if (!cJSON_IsNumber(code))
		return false;
	struct graph_error e = { .code = code->valueint };
	const cJSON *sub = cJSON_GetObjectItemCaseSensitive(err, "error_subcode");
	if (cJSON_IsNumber(sub))
		e.subcode = sub->valueint;
	e.transient = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err, "is_transient"));
	const char *msg = graph_str(err, "message");
	if (msg)
		snprintf(e.message, sizeof(e.message), "%s", msg);
	*ret = e;
	return true;
}

static bool is_throttle(int code)
{
	/* 4 app, 17 user, 32 page, 613 custom, 341 application limit,
	 * 80000-80014 Business Use Case limits (80001 pages, 80002
	 * Instagram). */
	return code == 4 || code == 17 || code == 32 || code == 613 || code == 341 ||
	       (code >= 80000 && code <= 80014);
}

enum conn_outcome graph_outcome(long status, const struct graph_error *e)
{
	int c = e ? e->code : 0;
	if (c == 190 || c == 102 || c == 104 || c == 2500)
		return CONN_TOKEN;
	if (c == 10 || (c >= 200 && c <= 299))
		return CONN_PERMISSION;
	if (c == 100) {
		/* 100 is "invalid parameter" with many faces: subcode 33 and
		 * "Unsupported get request" are a deleted object; the
		 * "requires … permission" text is a missing permission. */
		if (e->subcode == 33)
			return CONN_GONE;
		if (strstr(e->message, "requires") || strstr(e->message, "Requires") ||
		    strstr(e->message, "appsecret_proof"))
			return CONN_PERMISSION; /* or the app's configuration */
		if (strncmp(e->message, "Unsupported ", 12) == 0 ||
		    strstr(e->message, "does not exist"))
			return CONN_GONE;
		return status >= 500 ? CONN_RETRY : CONN_MALFORMED;
	}
	if (c == 803)
		return CONN_GONE;
	if (c == 12)
		return CONN_NOT_ALLOWED;
	if (c == 368)
		return CONN_STOP;
	if (is_throttle(c) || c == 1 || c == 2 || status == 429 || status >= 500)
		return CONN_RETRY;
	if (c && e->transient)
		return CONN_RETRY;
	return CONN_MALFORMED;
}

static const char *outcome_why(enum conn_outcome o, int code)
{
	switch (o) {
	case CONN_RETRY:
		return is_throttle(code) ? "throttled" : "transient";
	case CONN_TOKEN:
		return "token invalid or expired";
	case CONN_PERMISSION:
		return "permission missing";
	case CONN_GONE:
		return "object gone";
	case CONN_STOP:
		return "temporarily blocked";
	case CONN_NOT_ALLOWED:
		return "deprecated on this API version";
	default:
		return "unexpected answer";
	}
}

/* A message without the platform's text (it may quote names or
 * tokens): code, subcode, HTTP status and what it means. */
static char *error_message(long status, const struct graph_error *e, enum conn_outcome o)
{
	char buf[160];
	if (e->code)
		snprintf(buf, sizeof(buf), "Graph error %d%s%.0d (HTTP %ld): %s", e->code,
		         e->subcode ? "/" : "", e->subcode, status, outcome_why(o, e->code));
	else
		snprintf(buf, sizeof(buf), "HTTP %ld: %s", status, outcome_why(o, 0));
	return strdup(buf);
}

int graph_check(const struct conn_answer *a, struct conn_batch *b, cJSON **ret_root,
                struct graph_error *ret_err)
{
	struct graph_error e = { 0 };
	graph_rate(a, &b->rate);
	cJSON *root = a->body && a->body_len ? cJSON_ParseWithLength(a->body, a->body_len) : NULL;
	const cJSON *err =
	        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "error") : NULL;
	if (err) {
		if (!graph_error_read(err, &e)) {
			b->outcome = CONN_MALFORMED;
			b->message = strdup("Graph error object without a code");
		} else {
			b->outcome = graph_outcome(a->status, &e);
			b->message = error_message(a->status, &e, b->outcome);
		}
	} else if (a->status >= 200 && a->status < 300) {
		if (root) {
			b->outcome = CONN_OK;
			*ret_root = root;
			return 0;
		}
		b->outcome = CONN_MALFORMED;
		b->message = strdup("answer is not JSON");
	} else {
		b->outcome = graph_outcome(a->status, NULL);
		b->message = error_message(a->status, &e, b->outcome);
	}
	cJSON_Delete(root);
	*ret_root = NULL;
	if (ret_err)
		*ret_err = e;
	return b->message ? 0 : -ENOMEM;
}

enum conn_outcome graph_action_answer(const struct conn_answer *a, struct conn_rate *rate,
                                      char **ret_message)
{
	struct conn_batch b;
	struct graph_error e;
	cJSON *root = NULL;
	conn_batch_init(&b);
	if (graph_check(a, &b, &root, &e) < 0) {
		conn_batch_clear(&b);
		return CONN_RETRY;
	}
	enum conn_outcome o = b.outcome;
	/* An action refused with a plain code 100 ("the Page cannot hide its
	 * own content", "cannot reply to a hidden comment") will not succeed
	 * later either. */
	if (o == CONN_MALFORMED && e.code == 100)
		o = CONN_NOT_ALLOWED;
	if (o == CONN_OK && cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(root, "success"))) {
		o = CONN_MALFORMED;
		b.message = strdup("Graph answered success:false");
	}
	if (rate)
		*rate = b.rate;
	if (ret_message) {
		*ret_message = b.message;
		b.message = NULL;
	}
	cJSON_Delete(root);
	conn_batch_clear(&b);
	return o;
}

/* ---------------------------------------------------------------- URLs */

int graph_urlenc(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[4];
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			if (strbuf_add(sb, p, 1) < 0)
				return -ENOMEM;
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[*p >> 4];
		enc[2] = hex[*p & 15];
		if (strbuf_add(sb, enc, 3) < 0)
			return -ENOMEM;
	}
	return 0;
}

char *graph_query_param(const char *url, const char *name)
{
	const char *q = url ? strchr(url, '?') : NULL;
	size_t nl = strlen(name);
	while (q && *q) {
		q++; /* past '?' or '&' */
		const char *end = strchr(q, '&');
		size_t len = end ? (size_t)(end - q) : strlen(q);
		if (len > nl && strncmp(q, name, nl) == 0 && q[nl] == '=')
			return len - nl - 1 ? strndup(q + nl + 1, len - nl - 1) : NULL;
		q = end;
	}
	return NULL;
}

/* ---------------------------------------------------------------- id set */

static size_t id_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

bool graph_idset_has(const struct graph_idset *s, const char *id)
{
	if (!s->cap)
		return false;
	for (size_t i = id_hash(id) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->slots[i])
			return false;
		if (strcmp(s->slots[i], id) == 0)
			return true;
	}
}

int graph_idset_add(struct graph_idset *s, const char *id)
{
	if (graph_idset_has(s, id))
		return 0;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **slots = calloc(cap, sizeof(*slots));
		if (!slots)
			return -ENOMEM;
		for (size_t j = 0; j < s->cap; j++) {
			if (!s->slots[j])
				continue;
			size_t i = id_hash(s->slots[j]) & (cap - 1);
			while (slots[i])
				i = (i + 1) & (cap - 1);
			slots[i] = s->slots[j];
		}
		free(s->slots);
		s->slots = slots;
		s->cap = cap;
	}
	char *copy = strdup(id);
	if (!copy)
		return -ENOMEM;
	size_t i = id_hash(id) & (s->cap - 1);
	while (s->slots[i])
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = copy;
	s->n++;
	return 1;
}

void graph_idset_free(struct graph_idset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

/* ---------------------------------------------------------------- batch */

static const char *part_header(const void *ctx, const char *name)
{
	const cJSON *h, *found = NULL;
	cJSON_ArrayForEach(h, (const cJSON *)ctx) {
		const char *n = graph_str(h, "name");
		if (n && strcasecmp(n, name) == 0 && graph_str(h, "value"))
			found = h; /* the last one of that name */
	}
	return found ? graph_str(found, "value") : NULL;
}

int graph_batch_split(const cJSON *root, struct graph_part **ret_parts, size_t *ret_n)
{
	if (!cJSON_IsArray(root))
		return -EINVAL;
	size_t n = (size_t)cJSON_GetArraySize(root);
	struct graph_part *parts = calloc(n ? n : 1, sizeof(*parts));
	if (!parts)
		return -ENOMEM;
	size_t i = 0;
	const cJSON *el;
	cJSON_ArrayForEach(el, root) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(el, "code");
		const char *body = graph_str(el, "body");
		int64_t status;
		if (conn_json_int(code, 100, 599, &status) < 0) {
			/* a null part: the request depended on one that failed */
			free(parts);
			return -EINVAL;
		}
		parts[i].headers = cJSON_GetObjectItemCaseSensitive(el, "headers");
		parts[i].answer = (struct conn_answer){
			.status = (long)status,
			.body = body,
			.body_len = body ? strlen(body) : 0,
			.header = part_header,
			.header_ctx = parts[i].headers,
		};
		i++;
	}
	*ret_parts = parts;
	*ret_n = n;
	return 0;
}
