/* Logging for vaktd and vaktctl.
 *
 * Under systemd (JOURNAL_STREAM names our stderr) messages go to the journal
 * with structured fields (VAKT_ACCOUNT=, VAKT_ITEM=); otherwise to stderr as
 * "vaktd[pid]: level: message".  Library code logs at debug at most; the
 * daemon logs once where a decision is made.  Never pass a token or
 * personal data to these functions.
 */
#pragma once

#include <stdint.h>
#include <syslog.h>

void log_open(const char *ident);
void log_set_max_level(int prio);

/* account may be NULL, item 0 when not about an item. */
void log_full(int prio, const char *account, int64_t item, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#define log_error(...) log_full(LOG_ERR, NULL, 0, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, NULL, 0, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, NULL, 0, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, NULL, 0, __VA_ARGS__)
#define log_debug(...) log_full(LOG_DEBUG, NULL, 0, __VA_ARGS__)
