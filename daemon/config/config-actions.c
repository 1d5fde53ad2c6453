/* AutoActions=: what vakt may do on a platform without a human.
 *
 * vaktd.conf's [Actions] AutoActions= is the site's default, an account
 * file's [Account] AutoActions= replaces it for that account.  Unset, vakt
 * hides obvious-tier verdicts where the platform can hide, and nothing
 * else (CONFIG_AUTO_DEFAULT); everything else a rule asks for waits for a
 * moderator (docs/configuration.md, docs/connectors.md "Actions"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config-internal.h"

int config_auto_actions_parse(const char *value, unsigned *ret)
{
	unsigned v = 0;
	bool none = false, some = false;
	const char *p = value;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t");
		if (n == 0)
			break;
		char w[32];
		if (n >= sizeof(w))
			return -EINVAL;
		memcpy(w, p, n);
		w[n] = '\0';
		p += n;
		if (strcmp(w, "none") == 0) {
			none = true;
			continue;
		}
		some = true;
		char *colon = strchr(w, ':');
		bool possible = false;
		if (colon) {
			*colon = '\0';
			if (strcmp(colon + 1, "possible") == 0)
				possible = true;
			else if (strcmp(colon + 1, "obvious") != 0)
				return -EINVAL;
		}
		if (strcmp(w, "hide") == 0)
			v |= CONFIG_AUTO_HIDE_OBVIOUS | (possible ? CONFIG_AUTO_HIDE_POSSIBLE : 0);
		else if (strcmp(w, "delete") == 0)
			v |= CONFIG_AUTO_DELETE_OBVIOUS |
			     (possible ? CONFIG_AUTO_DELETE_POSSIBLE : 0);
		else
			return -EINVAL;
	}
	if (none && some)
		return -EINVAL; /* "none hide" says two things */
	*ret = v;
	return 0;
}

static bool parse_or_say(struct config_load *ld, const char *value, const char *file, unsigned line,
                         unsigned *ret)
{
	if (config_auto_actions_parse(value, ret) == 0)
		return true;
	diag_add(ld->diags, file, line,
	         "AutoActions= must be none, or hide and/or delete, each optionally :obvious "
	         "(the default) or :possible, got '%s'",
	         value);
	return false;
}

void config_actions_value(struct config_load *ld, const char *key, const char *value,
                          const char *file, unsigned line)
{
	if (strcmp(key, "AutoActions") == 0) {
		unsigned v;
		if (parse_or_say(ld, value, file, line, &v))
			ld->cfg->auto_actions = v;
		return;
	}
	diag_add(ld->diags, file, line, "unknown key '%s' in [Actions] (AutoActions=)", key);
}

void config_account_auto_actions(struct config_load *ld, const char *value, const char *file,
                                 unsigned line)
{
	unsigned v;
	if (parse_or_say(ld, value, file, line, &v)) {
		ld->account->auto_actions_own = v;
		ld->account->auto_actions_set = true;
	}
}
