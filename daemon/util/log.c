/* Journal or stderr logging with structured fields. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

static const char *log_ident = "vakt";
static int log_max = LOG_INFO;
static int log_to_journal;

/* systemd sets JOURNAL_STREAM to "dev:ino" of the stream it connected to
 * stderr; only when that still is our stderr do we talk to the journal. */
static int stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%lu:%lu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) < 0)
		return 0;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void log_open(const char *ident)
{
	if (ident)
		log_ident = ident;
	log_to_journal = stderr_is_journal();
}

void log_set_max_level(int prio)
{
	log_max = prio;
}

static const char *prio_name(int prio)
{
	static const char *names[] = { "emerg",   "alert",  "crit", "error",
		                       "warning", "notice", "info", "debug" };
	return prio >= 0 && prio <= 7 ? names[prio] : "log";
}

void log_full(int prio, const char *account, int64_t item, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;

	if (prio > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_to_journal) {
		char f_msg[4200], f_prio[32], f_acct[300], f_item[64], f_id[64];
		struct iovec iov[5];
		int n = 0;

		snprintf(f_msg, sizeof(f_msg), "MESSAGE=%s", msg);
		snprintf(f_prio, sizeof(f_prio), "PRIORITY=%d", prio);
		snprintf(f_id, sizeof(f_id), "SYSLOG_IDENTIFIER=%s", log_ident);
		iov[n++] = (struct iovec){ f_msg, strlen(f_msg) };
		iov[n++] = (struct iovec){ f_prio, strlen(f_prio) };
		iov[n++] = (struct iovec){ f_id, strlen(f_id) };
		if (account) {
			snprintf(f_acct, sizeof(f_acct), "VAKT_ACCOUNT=%s", account);
			iov[n++] = (struct iovec){ f_acct, strlen(f_acct) };
		}
		if (item) {
			snprintf(f_item, sizeof(f_item), "VAKT_ITEM=%lld", (long long)item);
			iov[n++] = (struct iovec){ f_item, strlen(f_item) };
		}
		if (sd_journal_sendv(iov, n) >= 0)
			return;
	}
	if (account && item)
		fprintf(stderr, "%s[%d]: %s: [%s item %lld] %s\n", log_ident, (int)getpid(),
		        prio_name(prio), account, (long long)item, msg);
	else if (account)
		fprintf(stderr, "%s[%d]: %s: [%s] %s\n", log_ident, (int)getpid(), prio_name(prio),
		        account, msg);
	else
		fprintf(stderr, "%s[%d]: %s: %s\n", log_ident, (int)getpid(), prio_name(prio), msg);
}
