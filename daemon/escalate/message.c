/* What a delivery says.  Swedish by default, English with Language=en.
 * Only masked text leaves vakt: the verdict's masked_text (personnummer,
 * card and account numbers already replaced), never a token. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar/bizmath.h"
#include "calendar/instant.h"
#include "escalate/escalate.h"
#include "util/strbuf.h"

struct words {
	const char *threat, *pileon, *warning, *breach, *health, *test, *repeat;
	const char *reviews, *reviews_reason, *reviews_advice;
	const char *account, *unit, *item, *categories, *comment, *due, *count, *ack, *ack_cli,
	        *reason, *notified, *link, *tier, *rules, *left;
};

static const struct words sv = {
	"Hot eller brott",
	"Många träffar på samma inlägg",
	"Frist snart ute",
	"Frist överskriden",
	"Konto ur funktion",
	"Test av larmväg",
	"Påminnelse",
	"Kränkande recensioner upprepas",
	"upprepade recensioner med hot, brott, trakasserier eller hat",
	"Recensioner på en Facebooksida kan inte döljas eller tas bort en och en, och\n"
	"från Graph API v22 kan vakt inte längre läsa dem. Det enda som stoppar dem är\n"
	"att sidans administratör stänger av recensioner i sidans inställningar\n"
	"(vanligen Inställningar → Integritet → Sida och taggning → Recensioner).\n"
	"Ta skärmbilder först om någon recension kan behöva polisanmälas.",
	"Konto",
	"Enhet",
	"Inlägg",
	"Kategorier",
	"Kommentar (maskerad)",
	"Frist",
	"Antal",
	"Kvittera",
	"Kvittera med",
	"Orsak",
	"Meddelandet gick till",
	"Länk",
	"Nivå",
	"Regler",
	"Arbetstid kvar",
};
static const struct words en = {
	"Threat or crime",
	"Many hits on one post",
	"Deadline approaching",
	"Deadline breached",
	"Account not working",
	"Route test",
	"Reminder",
	"Harmful reviews keep coming",
	"repeated reviews with threats, crimes, harassment or hate",
	"Reviews on a Facebook Page cannot be hidden or removed one by one, and from\n"
	"Graph API v22 vakt can no longer read them. The only remedy is for a Page admin\n"
	"to turn reviews off in the Page's settings (usually Settings → Privacy →\n"
	"Page and tagging → Reviews). Take screenshots first if a review may need to\n"
	"be reported to the police.",
	"Account",
	"Unit",
	"Item",
	"Categories",
	"Comment (masked)",
	"Due",
	"Count",
	"Acknowledge",
	"Acknowledge with",
	"Reason",
	"Sent to",
	"Link",
	"Tier",
	"Rules",
	"Business time left",
};

/* A health escalation about repeated harmful reviews (escalate_reviews). */
static bool is_reviews(const struct store_escalation *e)
{
	return strcmp(e->kind, "health") == 0 && strcmp(e->reason, "reviews") == 0;
}

static const char *title(const struct words *w, const char *kind)
{
	if (strcmp(kind, "threat") == 0)
		return w->threat;
	if (strcmp(kind, "pileon") == 0)
		return w->pileon;
	if (strcmp(kind, "warning") == 0)
		return w->warning;
	if (strcmp(kind, "breach") == 0)
		return w->breach;
	if (strcmp(kind, "health") == 0)
		return w->health;
	return w->test;
}

void escalate_text_clear(struct escalate_text *t)
{
	if (!t)
		return;
	free(t->subject);
	free(t->text);
	free(t->ack_url);
	free(t->message_key);
	memset(t, 0, sizeof(*t));
}

int escalate_text_build(const struct config *cfg, struct store *s, const struct store_escalation *e,
                        const struct store_delivery *d, int64_t now, struct escalate_text *ret)
{
	const struct words *w = cfg->esc.english ? &en : &sv;
	const struct config_account *acc =
	        e->account[0] ? config_find_account(cfg, e->account) : NULL;
	const struct config_unit *u = acc ? config_find_unit(cfg, acc->unit) : NULL;
	const struct cal *cal = acc && acc->cal ? acc->cal : config_find_calendar(cfg, "default");
	struct escalate_text t = { 0 };
	struct strbuf sub = { 0 }, body = { 0 };
	char when[CAL_INSTANT_BUF];
	int r = 0;

	snprintf(t.unit, sizeof(t.unit), "%s", u ? u->id : "");
	r |= strbuf_addf(&sub, "[vakt] %s%s%s: %s", d->round ? w->repeat : "",
	                 d->round ? " – " : "", is_reviews(e) ? w->reviews : title(w, e->kind),
	                 e->account[0] ? e->account : "vakt");
	if (e->count > 1)
		r |= strbuf_addf(&sub, " (%d)", e->count);
	r |= strbuf_addf(&body, "%s\n\n", is_reviews(e) ? w->reviews : title(w, e->kind));
	if (e->account[0])
		r |= strbuf_addf(&body, "%s: %s%s%s%s\n", w->account, e->account,
		                 acc && acc->title ? " (" : "", acc && acc->title ? acc->title : "",
		                 acc && acc->title ? ")" : "");
	if (u)
		r |= strbuf_addf(&body, "%s: %s%s%s%s\n", w->unit, u->id, u->title ? " (" : "",
		                 u->title ? u->title : "", u->title ? ")" : "");
	if (e->reason[0])
		r |= strbuf_addf(&body, "%s: %s\n", e->cause[0] == 'v' ? w->categories : w->reason,
		                 is_reviews(e) ? w->reviews_reason : e->reason);
	if (is_reviews(e))
		r |= strbuf_addf(&body, "\n%s\n\n", w->reviews_advice);
	if (e->due_at && cal)
		r |= strbuf_addf(&body, "%s: %s\n", w->due,
		                 cal_format_instant(cal, e->due_at, when, sizeof(when), NULL));
	if (e->due_at && cal && e->due_at > now && strcmp(e->kind, "warning") == 0) {
		int64_t left = 0;
		if (cal_business_between(cal, now, e->due_at, &left) == 0)
			r |= strbuf_addf(&body, "%s: %lldh %02lldmin\n", w->left,
			                 (long long)(left / 3600000000LL),
			                 (long long)(left / 60000000LL % 60));
	}
	if (e->count > 1)
		r |= strbuf_addf(&body, "%s: %d\n", w->count, e->count);
	struct store_escalation_context ctx;
	if (e->item_id && store_escalation_context(s, e->item_id, e->verdict_id, &ctx) == 0) {
		if (ctx.permalink[0])
			r |= strbuf_addf(&body, "%s: %s\n", w->link, ctx.permalink);
		if (ctx.tier[0])
			r |= strbuf_addf(&body, "%s: %s\n", w->tier, ctx.tier);
		if (ctx.rules[0])
			r |= strbuf_addf(&body, "%s:\n  %s\n", w->rules, ctx.rules);
	}
	if (e->item_id) {
		struct store_item_view v = { 0 };
		int64_t *items = NULL;
		size_t n = 0;
		if (store_escalation_items(s, e->id, 50, &items, &n) == 0 && n > 1) {
			r |= strbuf_addf(&body, "%s:", w->item);
			for (size_t i = 0; i < n; i++)
				r |= strbuf_addf(&body, " %" PRId64, items[i]);
			r |= strbuf_adds(&body, "\n");
		} else {
			r |= strbuf_addf(&body, "%s: %" PRId64 "\n", w->item, e->item_id);
		}
		free(items);
		if (store_item_view(s, e->item_id, &v) == 0 && v.masked_text)
			r |= strbuf_addf(&body, "%s:\n  %.600s\n", w->comment, v.masked_text);
		store_item_view_clear(&v);
	}
	/* Who else got this step: nobody wonders whether the others know. */
	struct store_delivery *all = NULL;
	size_t nall = 0;
	if (store_deliveries_of(s, e->id, &all, &nall) == 0 && nall) {
		const char *sep = "";
		r |= strbuf_addf(&body, "%s: ", w->notified);
		for (size_t i = 0; i < nall; i++)
			if (all[i].level == d->level && all[i].round == d->round) {
				r |= strbuf_addf(&body, "%s%s", sep, all[i].recipient);
				sep = ", ";
			}
		r |= strbuf_adds(&body, "\n");
	}
	free(all);
	r |= strbuf_addf(&body, "\n%s: vaktctl ack %" PRId64 "\n", w->ack_cli, e->id);
	if (cfg->esc.public_base_url && cfg->esc.ack_key.value) {
		char tok[ESCALATE_TOKEN_MAX];
		if (escalate_token_sign(&cfg->esc.ack_key, e->id, d->id,
		                        now + cfg->esc.ack_valid_usec, tok) == 0 &&
		    asprintf(&t.ack_url, "%s/v1/ack/%s", cfg->esc.public_base_url, tok) < 0) {
			t.ack_url = NULL;
			r = -ENOMEM;
		}
		if (t.ack_url)
			r |= strbuf_addf(&body, "%s: %s\n", w->ack, t.ack_url);
	}
	if (asprintf(&t.message_key, "%s.l%d.r%d", e->key, d->level, d->round) < 0) {
		t.message_key = NULL;
		r = -ENOMEM;
	}
	if (r) {
		strbuf_free(&sub);
		strbuf_free(&body);
		escalate_text_clear(&t);
		return -ENOMEM;
	}
	t.subject = sub.buf;
	t.text = body.buf;
	*ret = t;
	return 0;
}
