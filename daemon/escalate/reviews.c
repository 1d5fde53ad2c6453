/* Repeated harmful reviews on a Facebook Page: the one remedy is the
 * owner's (escalate/escalate.h, escalate_reviews). */
#include <errno.h>

#include "escalate/escalate.h"
#include "store/reviews.h"
#include "util/log.h"

#define REVIEWS_REASON "reviews"

int escalate_reviews(struct store *s, const struct config_account *acc, int64_t item,
                     int64_t published, int64_t now, int64_t *ret_id)
{
	int64_t window = acc->esc_review_abuse_window_usec, id = 0, prev = 0, n = 0;
	int harmful = 0, fresh = 0;
	if (ret_id)
		*ret_id = 0;
	if (acc->platform != PLATFORM_FACEBOOK || !acc->esc_review_abuse_count || window <= 0)
		return 0;
	int r = store_review_is_harmful(s, item, &harmful);
	if (r || !harmful)
		return r;
	/* A quiet window since the last harmful review ends the incident:
	 * abuse that starts again is told again. */
	r = store_review_harmful_before(s, acc->id, item, published, &prev);
	if (r == 0 && (!prev || published - prev > window))
		r = escalate_health_clear(s, acc->id, REVIEWS_REASON, now);
	if (r == 0)
		r = store_reviews_harmful_count(s, acc->id, published - window, published, &n);
	if (r || n < (int64_t)acc->esc_review_abuse_count)
		return r;
	r = escalate_health(s, acc->id, REVIEWS_REASON, now, &id, &fresh);
	if (r)
		return r;
	if (fresh)
		log_full(LOG_WARNING, acc->id, item,
		         "%lld harmful reviews within the review abuse window: the Page's owner is "
		         "told to turn reviews off (escalation %lld)",
		         (long long)n, (long long)id);
	if (ret_id)
		*ret_id = id;
	return 0;
}
