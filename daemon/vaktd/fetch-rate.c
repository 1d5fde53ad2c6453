/* Backoff and what the platform says of its limits. */
#include "vaktd/fetch-internal.h"

#include "util/clock.h"

int64_t fetch_backoff(int attempt, int64_t base, int64_t max, double rnd, int64_t retry_after)
{
	int64_t d = base;
	for (int i = 1; i < attempt && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	/* Jitter spreads accounts that failed together (a platform outage)
	 * so they do not all come back in the same second. */
	d = (int64_t)((double)d * (0.5 + rnd));
	return d < retry_after ? retry_after : d;
}

void fetch_rate_apply(const struct conn_rate *rate, int64_t now, int64_t *not_before, bool *slow)
{
	int64_t nb = *not_before;
	if (rate->retry_after_usec > 0 && now + rate->retry_after_usec > nb)
		nb = now + rate->retry_after_usec;
	bool exhausted = rate->remaining == 0 || rate->usage_percent >= 95;
	if (exhausted) {
		/* Until the window resets, or a minute when the platform did
		 * not say when. */
		int64_t until = rate->reset_at > now ? rate->reset_at : now + 60 * USEC_PER_SEC;
		if (until > nb)
			nb = until;
	}
	if (rate->usage_percent >= 80 || exhausted)
		*slow = true;
	*not_before = nb;
}

void fetch_rate_apply_app(const struct conn_rate *rate, int64_t now, int64_t *not_before,
                          bool *slow)
{
	if (rate->app_usage_percent < 0)
		return;
	*slow = rate->app_usage_percent >= 80;
	if (rate->app_usage_percent >= 95) {
		int64_t until = rate->reset_at > now ? rate->reset_at : now + 60 * USEC_PER_SEC;
		if (until > *not_before)
			*not_before = until;
	}
}
