/* vaktctl items [--account A] [--since T] [--limit N] [--after CURSOR]:
 * stored items, newest published first, a page at a time. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/ctl-args.h"
#include "ctl/ctl.h"

static int show_items(const cJSON *res, void *userdata)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(res, "items"), *it;
	printf("%-8s %-20s %-28s %-8s %-8s %-25s %-9s %-8s %s\n", "ID", "ACCOUNT", "PLATFORM ID",
	       "KIND", "PARENT", "PUBLISHED", "STATE", "ON PLAT.", "CATEGORIES");
	cJSON_ArrayForEach(it, arr) {
		char parent[24] = "-";
		const cJSON *par = cJSON_GetObjectItemCaseSensitive(it, "parent");
		const cJSON *cat = cJSON_GetObjectItemCaseSensitive(it, "categories");
		if (cJSON_IsNumber(par))
			snprintf(parent, sizeof(parent), "%.0f", par->valuedouble);
		else if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "parent_platform_id")))
			snprintf(parent, sizeof(parent), "(later)");
		printf("%-8.0f %-20s %-28s %-8s %-8s %-25s %-9s %-8s %s\n",
		       ctl_json_num(it, "id", 0), ctl_json_str(it, "account", "?"),
		       ctl_json_str(it, "platform_id", "?"), ctl_json_str(it, "kind", "?"), parent,
		       ctl_json_str(it, "published_at", "-"), ctl_json_str(it, "state", "?"),
		       ctl_json_str(it, "platform_state", "?"),
		       cJSON_IsString(cat) ? (*cat->valuestring ? cat->valuestring : "clean")
		                           : "not evaluated");
	}
	const char *next = ctl_json_str(res, "next", NULL);
	if (next)
		printf("%d item(s) on this page; more with --after %s\n", cJSON_GetArraySize(arr),
		       next);
	else
		printf("%d item(s)\n", cJSON_GetArraySize(arr));
	return CTL_EXIT_OK;
}

/* A value a query string carries as it is, apart from '+' and ':' in an
 * instant, which are escaped here. */
static bool query_value(const char *v, char *buf, size_t len)
{
	size_t k = 0, n = strlen(v);
	if (n == 0 || n > 60)
		return false;
	for (; *v; v++) {
		const char *esc = *v == '+' ? "%2B" : *v == ':' ? "%3A" : NULL;
		if (!esc &&
		    !strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_",
		            *v))
			return false;
		size_t add = esc ? 3 : 1;
		if (k + add >= len)
			return false;
		memcpy(buf + k, esc ? esc : v, add);
		k += add;
	}
	buf[k] = '\0';
	return true;
}

static int run_items(struct ctl_ctx *ctx, int argc, char **argv)
{
	const char *keys[] = { "account", "since", "limit", "after" };
	char vals[4][200] = { "" };
	char path[1024];

	for (int i = 1; i < argc; i++) {
		size_t k = 0;
		while (k < 4 &&
		       !(strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, keys[k]) == 0))
			k++;
		if (k == 4 || i + 1 >= argc || vals[k][0])
			return ctl_usage(&ctl_cmd_items);
		const char *v = argv[++i];
		if (k == 0 ? !ctl_is_ident(v) : !query_value(v, vals[k], sizeof(vals[k])))
			return ctl_usage(&ctl_cmd_items);
		if (k == 0)
			snprintf(vals[0], sizeof(vals[0]), "%s", v);
	}
	size_t len = (size_t)snprintf(path, sizeof(path), "/v1/items");
	for (size_t k = 0; k < 4; k++)
		if (vals[k][0] && len < sizeof(path))
			len += (size_t)snprintf(path + len, sizeof(path) - len, "%s%s=%s",
			                        len == strlen("/v1/items") ? "?" : "&", keys[k],
			                        vals[k]);
	if (len >= sizeof(path))
		return ctl_usage(&ctl_cmd_items);
	return ctl_api_show(ctx, "GET", path, NULL, show_items, NULL);
}

const struct ctl_cmd ctl_cmd_items = {
	.name = "items",
	.usage = "[--account A] [--since T] [--limit N] [--after CURSOR] [--json]",
	.summary = "stored items, newest first, with state and the latest verdict's categories",
	.run = run_items,
};
