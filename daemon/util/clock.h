/* The one clock of vakt.
 *
 * Every instant the daemon and its library use comes from clock_now_usec().
 * Normally that is CLOCK_REALTIME.  For tests the daemon can run on a
 * simulated clock: a start instant and a speed-up factor.  Simulated time
 * then advances `factor` times faster than the monotonic clock, so a test
 * can live through a business week in seconds without sleeping.
 *
 * Or the simulated clock stands still (manual mode, "START,manual") and
 * moves only when told to (clock_manual_set(), through the daemon's stepped
 * timers), so a test never races the machine's speed.
 *
 * Timers in the event loop are expressed in simulated time (util/ctimer.h)
 * and converted to real delays with clock_sim_to_real().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#define USEC_PER_SEC INT64_C(1000000)

/* Microseconds since the Unix epoch, on the (possibly simulated) clock. */
int64_t clock_now_usec(void);

/* Seconds since the Unix epoch, on the (possibly simulated) clock. */
time_t clock_now(void);

/* Switch to simulated time starting at `start_usec` (epoch microseconds)
 * now, running `factor` times real speed (factor >= 1). */
void clock_set_simulated(int64_t start_usec, double factor);

/* Switch to the manual test clock: simulated time stands still at
 * `start_usec` until clock_manual_set() moves it. */
void clock_set_manual(int64_t start_usec);

/* Move the manual clock to `usec` (never backwards: an earlier instant is
 * ignored).  Does nothing unless the clock is manual. */
void clock_manual_set(int64_t usec);

/* true when the clock is the manual test clock. */
bool clock_is_manual(void);

/* Back to the real clock. */
void clock_set_real(void);

/* true when simulated (sped up or manual); the factor is written to
 * *ret_factor (CLOCK_MANUAL when manual). */
bool clock_is_simulated(double *ret_factor);

/* Convert a span of simulated time to the real delay the event loop must
 * wait.  Never returns a negative delay. */
struct timeval clock_sim_to_real(int64_t sim_usec);

/* The factor clock_parse_spec() and clock_is_simulated() report for the
 * manual clock. */
#define CLOCK_MANUAL 0.0

/* Parse a --test-clock argument: "2026-06-18T07:00:00+02:00,x3600" (the
 * factor part ",xN" is optional and defaults to 1) or
 * "2026-06-18T07:00:00+02:00,manual" (*ret_factor is CLOCK_MANUAL).
 * Returns 0 or -EINVAL. */
int clock_parse_spec(const char *spec, int64_t *ret_start_usec, double *ret_factor);

/* Parse an ISO 8601 instant with an explicit offset or Z
 * ("2026-06-18T07:00:00+02:00", "2026-06-18T05:00:00Z", optional
 * fractional seconds).  Returns 0 or -EINVAL. */
int clock_parse_iso8601(const char *s, int64_t *ret_usec);

/* Format epoch microseconds as UTC ISO 8601 with milliseconds
 * ("2026-06-18T05:00:00.000Z") into buf (at least 32 bytes). */
char *clock_format_utc(int64_t usec, char *buf, size_t len);
