/* Delivery of one message over one channel (see notify.h): e-mail through
 * a libcurl SMTP easy handle, webhooks through http_xfer, both on curlev.
 *
 * The settings are a reference-counted copy of the configuration: every
 * send holds the copy it started with, so a reload (which frees the old
 * configuration) never pulls a string from under a transfer in flight. */
#include "notify/notify.h"

#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/values.h"
#include "net/curlev.h"
#include "net/http.h"
#include "notify/notify-render.h"
#include "notify/smtp-worker.h"
#include "util/clock.h"
#include "util/strbuf.h"

#define EMAIL_TIMEOUT_DEFAULT 30
#define NOTIFY_SMTP_WORKERS 4
#define WEBHOOK_TIMEOUT_DEFAULT 15
#define CONNECT_TIMEOUT_MAX_MS 10000L
/* A webhook's answer is a status; its body is not read beyond this. */
#define WEBHOOK_MAX_BODY (64 * 1024)

struct nhook {
	char *name;
	enum config_webhook_type type;
	char *url; /* the URL, or for Matrix the homeserver */
	char *room;
	char *token; /* Matrix access token */
	int timeout_sec;
	char *ca_file;
};

struct nsettings {
	unsigned refs;
	char *smtp_url; /* NULL: no e-mail */
	long use_ssl;   /* CURLUSESSL_* */
	char *from;
	char *user, *password;
	int email_timeout_sec;
	char *email_ca_file;
	struct nhook *hooks;
	size_t n_hooks;
};

struct nsend {
	struct notify *n;
	struct nsettings *s;
	struct nsend *prev, *next;
	notify_done_fn done;
	void *arg;
	/* e-mail */
	CURL *easy;
	struct curl_slist *rcpt;
	struct strbuf mail;
	size_t off;
	char errbuf[CURL_ERROR_SIZE];
	/* webhook */
	struct http_xfer *x;
	/* an attempt that ended before it started, reported from the loop */
	struct event *ev;
	enum notify_result r;
	char detail[256];
};

struct notify {
	struct curlev *e;
	/* Started at the first e-mail.  Several, because each waits for its
	 * server's answer to a message in a blocking poll (smtp-worker.h):
	 * with more than one, those waits overlap. */
	struct smtp_worker *smtp[NOTIFY_SMTP_WORKERS];
	unsigned next_smtp;
	struct nsettings *s;
	struct nsend *sends;
};

static void free_str_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void settings_unref(struct nsettings *s)
{
	if (!s || --s->refs > 0)
		return;
	free(s->smtp_url);
	free(s->from);
	free_str_secret(s->user);
	free_str_secret(s->password);
	free(s->email_ca_file);
	for (size_t i = 0; i < s->n_hooks; i++) {
		free(s->hooks[i].name);
		free_str_secret(s->hooks[i].url);
		free(s->hooks[i].room);
		free_str_secret(s->hooks[i].token);
		free(s->hooks[i].ca_file);
	}
	free(s->hooks);
	free(s);
}

/* strdup of a possibly NULL string; *ok turns false when memory ran out. */
static char *dup_opt(const char *s, bool *ok)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*ok = false;
	return d;
}

static int settings_new(const struct config *cfg, struct nsettings **ret)
{
	struct nsettings *s = calloc(1, sizeof(*s));
	const struct config_email *e = &cfg->email;
	bool ok = s != NULL;

	if (!s)
		return -ENOMEM;
	s->refs = 1;
	s->smtp_url = dup_opt(e->smtp_url, &ok);
	s->from = dup_opt(e->from, &ok);
	s->user = dup_opt(e->user ? e->user : e->user_secret.value, &ok);
	s->password = dup_opt(e->password.value, &ok);
	s->email_ca_file = dup_opt(e->ca_file, &ok);
	s->email_timeout_sec = e->timeout_sec > 0 ? e->timeout_sec : EMAIL_TIMEOUT_DEFAULT;
	s->use_ssl = e->smtp_url && strncmp(e->smtp_url, "smtps://", 8) == 0 ? CURLUSESSL_ALL
	             : e->starttls == CONFIG_STARTTLS_TRY                    ? CURLUSESSL_TRY
	             : e->starttls == CONFIG_STARTTLS_NO                     ? CURLUSESSL_NONE
	                                                                     : CURLUSESSL_ALL;
	if (ok && cfg->n_webhooks) {
		s->hooks = calloc(cfg->n_webhooks, sizeof(*s->hooks));
		ok = s->hooks != NULL;
	}
	for (size_t i = 0; ok && i < cfg->n_webhooks; i++) {
		const struct config_webhook *w = &cfg->webhooks[i];
		struct nhook *h = &s->hooks[s->n_hooks++];
		h->name = dup_opt(w->name, &ok);
		h->type = w->type;
		h->url = dup_opt(w->type == CONFIG_WEBHOOK_MATRIX ? w->homeserver
		                 : w->url                         ? w->url
		                                                  : w->url_secret.value,
		                 &ok);
		h->room = dup_opt(w->room, &ok);
		h->token = dup_opt(w->access_token.value, &ok);
		h->ca_file = dup_opt(w->ca_file, &ok);
		h->timeout_sec = w->timeout_sec > 0 ? w->timeout_sec : WEBHOOK_TIMEOUT_DEFAULT;
	}
	if (!ok) {
		settings_unref(s);
		return -ENOMEM;
	}
	*ret = s;
	return 0;
}

int notify_target_parse(const char *recipient, struct notify_target *ret)
{
	struct notify_target t = { 0 };

	if (!recipient || strlen(recipient) >= sizeof(t.address))
		return -EINVAL;
	for (const char *p = recipient; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	if (strncmp(recipient, "webhook:", 8) == 0) {
		if (value_ident(recipient + 8) < 0)
			return -EINVAL;
		t.channel = NOTIFY_WEBHOOK;
		snprintf(t.address, sizeof(t.address), "%s", recipient + 8);
	} else {
		if (value_email(recipient) < 0 || strpbrk(recipient, "()[]:\"\\"))
			return -EINVAL;
		t.channel = NOTIFY_EMAIL;
		snprintf(t.address, sizeof(t.address), "%s", recipient);
	}
	*ret = t;
	return 0;
}

int notify_target_check(const struct config *cfg, const struct notify_target *t)
{
	if (t->channel == NOTIFY_EMAIL)
		return cfg->email.smtp_url && cfg->email.from ? 0 : -ENOENT;
	return config_find_webhook(cfg, t->address) ? 0 : -ENOENT;
}

int notify_detail_retry_after(const char *detail, int64_t *ret_sec)
{
	const char *p = detail ? strstr(detail, "retry-after=") : NULL;
	char *end;

	if (!p)
		return -ENOENT;
	long long v = strtoll(p + 12, &end, 10);
	if (end == p + 12 || v < 0)
		return -ENOENT;
	*ret_sec = v;
	return 0;
}

int notify_new(struct curlev *e, const struct config *cfg, struct notify **ret)
{
	struct notify *n;
	int r;

	if (!e || !cfg)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	r = settings_new(cfg, &n->s);
	if (r < 0) {
		free(n);
		return r;
	}
	n->e = e;
	*ret = n;
	return 0;
}

int notify_reconfigure(struct notify *n, const struct config *cfg)
{
	struct nsettings *s;
	int r = settings_new(cfg, &s);
	if (r < 0)
		return r;
	settings_unref(n->s);
	n->s = s;
	return 0;
}

static void send_unlink(struct nsend *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else if (d->n->sends == d)
		d->n->sends = d->next;
	if (d->next)
		d->next->prev = d->prev;
	d->prev = d->next = NULL;
}

static void send_free(struct nsend *d)
{
	if (d->ev)
		event_free(d->ev);
	/* An e-mail's handle is back from the SMTP worker (completed, or the
	 * worker was stopped by notify_free first). */
	if (d->easy)
		curl_easy_cleanup(d->easy);
	curl_slist_free_all(d->rcpt);
	if (d->mail.buf)
		explicit_bzero(d->mail.buf, d->mail.len);
	strbuf_free(&d->mail);
	http_xfer_free(d->x);
	settings_unref(d->s);
	free(d);
}

/* A detail line, cut short when long (libcurl's messages may be). */
static void __attribute__((format(printf, 3, 4)))
detailf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

/* Report and forget: the send leaves the list before done runs, so done
 * may start new sends or free the notify. */
static void send_finish(struct nsend *d, enum notify_result r, const char *detail)
{
	notify_done_fn done = d->done;
	void *arg = d->arg;
	char copy[sizeof(d->detail)];

	detailf(copy, sizeof(copy), "%s", detail);
	send_unlink(d);
	send_free(d);
	done(arg, r, copy);
}

static void on_deferred(evutil_socket_t fd, short what, void *arg)
{
	struct nsend *d = arg;
	send_finish(d, d->r, d->detail);
}

/* An attempt that ended before any transfer: reported from the loop, as
 * notify.h promises. */
static int send_fail_later(struct nsend *d, enum notify_result r, const char *detail)
{
	d->ev = event_new(curlev_base(d->n->e), -1, 0, on_deferred, d);
	if (!d->ev)
		return -ENOMEM;
	d->r = r;
	detailf(d->detail, sizeof(d->detail), "%s", detail);
	event_active(d->ev, EV_TIMEOUT, 0);
	return 0;
}

static size_t smtp_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct nsend *d = arg;
	size_t want = size * nitems, left = d->mail.len - d->off;
	size_t n = want < left ? want : left;
	memcpy(buf, d->mail.buf + d->off, n);
	d->off += n;
	return n;
}

static void smtp_done(CURL *easy, CURLcode rc, void *arg)
{
	struct nsend *d = arg;
	long code = 0;
	char detail[256];
	enum notify_result r;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	const char *why = d->errbuf[0] ? d->errbuf : curl_easy_strerror(rc);
	if (rc == CURLE_OK) {
		r = NOTIFY_SENT;
		snprintf(detail, sizeof(detail), "SMTP %ld", code ? code : 250L);
	} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
		r = NOTIFY_RETRY;
		snprintf(detail, sizeof(detail), "aborted");
	} else if (code >= 500 && code < 600) {
		/* Permanent: a mailbox that does not exist, a policy refusal. */
		r = NOTIFY_FAILED;
		detailf(detail, sizeof(detail), "SMTP %ld: %s", code, why);
	} else if (code >= 400 && code < 500) {
		r = NOTIFY_RETRY;
		detailf(detail, sizeof(detail), "SMTP %ld: %s", code, why);
	} else {
		/* Refused, unreachable, timed out, TLS: the server may come back. */
		r = NOTIFY_RETRY;
		detailf(detail, sizeof(detail), "%s", why);
	}
	send_finish(d, r, detail);
}

static int email_start(struct nsend *d, const struct notify_target *t,
                       const struct notify_message *m)
{
	const struct nsettings *s = d->s;
	char angle[300];
	int r;

	if (!s->smtp_url || !s->from)
		return send_fail_later(d, NOTIFY_FAILED, "e-mail is not configured ([Email])");
	r = notify_mime_render(m, s->from, t->address, &d->mail);
	if (r == -EINVAL)
		return send_fail_later(d, NOTIFY_FAILED,
		                       "refused: a control character in the subject or a bad "
		                       "address");
	if (r < 0)
		return r;
	snprintf(angle, sizeof(angle), "<%s>", t->address);
	d->rcpt = curl_slist_append(NULL, angle);
	d->easy = curl_easy_init();
	if (!d->rcpt || !d->easy)
		return -ENOMEM;

	long timeout_ms = (long)s->email_timeout_sec * 1000L;
	CURL *h = d->easy;
	curl_easy_setopt(h, CURLOPT_URL, s->smtp_url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USE_SSL, s->use_ssl);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->email_ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, s->email_ca_file);
	if (s->user) {
		curl_easy_setopt(h, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, s->password ? s->password : "");
	}
	snprintf(angle, sizeof(angle), "<%s>", s->from);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, angle);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, d->rcpt);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(h, CURLOPT_READDATA, d);
	curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)d->mail.len);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	                 timeout_ms < CONNECT_TIMEOUT_MAX_MS ? timeout_ms : CONNECT_TIMEOUT_MAX_MS);
	/* libcurl's waits for the answer to the message and to QUIT block
	 * (see smtp-worker.h); this bounds them, on the worker thread. */
	curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)s->email_timeout_sec);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, d->errbuf);
	struct smtp_worker **w = &d->n->smtp[d->n->next_smtp++ % NOTIFY_SMTP_WORKERS];
	if (!*w) {
		r = smtp_worker_new(curlev_base(d->n->e), w);
		if (r < 0)
			return r;
	}
	return smtp_worker_add(*w, h, smtp_done, d);
}

static void http_done(struct http_xfer *x, void *arg)
{
	struct nsend *d = arg;
	long st = http_xfer_status(x);
	char detail[256];
	enum notify_result r;

	switch (http_xfer_failure(x)) {
	case HTTP_OK:
	case HTTP_TOO_LARGE:
		if (st >= 200 && st < 300) {
			r = NOTIFY_SENT;
			snprintf(detail, sizeof(detail), "HTTP %ld", st);
		} else if (st == 408 || st == 425 || st == 429 || (st >= 500 && st < 600)) {
			const char *ra = http_xfer_response_header(x, "Retry-After");
			int64_t sec = -1;
			if (ra && isdigit((unsigned char)*ra)) {
				sec = strtoll(ra, NULL, 10);
			} else if (ra) {
				time_t when = curl_getdate(ra, NULL);
				if (when > 0)
					sec = (int64_t)when - clock_now_usec() / 1000000;
				if (when > 0 && sec < 0)
					sec = 0;
			}
			r = NOTIFY_RETRY;
			if (sec >= 0)
				snprintf(detail, sizeof(detail), "HTTP %ld; retry-after=%lld", st,
				         (long long)(sec > 86400 ? 86400 : sec));
			else
				snprintf(detail, sizeof(detail), "HTTP %ld", st);
		} else if (st == 0) {
			r = NOTIFY_RETRY;
			snprintf(detail, sizeof(detail), "no HTTP status");
		} else {
			/* Bad URL, revoked token, malformed payload: retrying will
			 * not help. */
			r = NOTIFY_FAILED;
			snprintf(detail, sizeof(detail), "HTTP %ld", st);
		}
		break;
	case HTTP_TIMEOUT:
		r = NOTIFY_RETRY;
		snprintf(detail, sizeof(detail), "timeout");
		break;
	case HTTP_CONNECT:
		r = NOTIFY_RETRY;
		detailf(detail, sizeof(detail), "cannot connect: %s", http_xfer_error(x));
		break;
	case HTTP_ABORTED:
		r = NOTIFY_RETRY;
		snprintf(detail, sizeof(detail), "aborted");
		break;
	default:
		r = NOTIFY_RETRY;
		snprintf(detail, sizeof(detail), "transfer failed");
		break;
	}
	send_finish(d, r, detail);
}

static int webhook_start(struct nsend *d, const struct notify_target *t,
                         const struct notify_message *m)
{
	const struct nhook *h = NULL;
	char txn[NOTIFY_TXN_MAX], *json = NULL, *url = NULL;
	struct strbuf auth = { 0 };
	int r;

	for (size_t i = 0; i < d->s->n_hooks; i++)
		if (strcmp(d->s->hooks[i].name, t->address) == 0)
			h = &d->s->hooks[i];
	if (!h || !h->url)
		return send_fail_later(d, NOTIFY_FAILED, "no such [Webhook] in the configuration");
	r = notify_webhook_render(h->type, m, &json);
	if (r == -EINVAL)
		return send_fail_later(d, NOTIFY_FAILED, "refused: message incomplete");
	if (r < 0)
		return r;
	struct http_opts o = {
		.timeout_ms = (long)h->timeout_sec * 1000L,
		.max_body = WEBHOOK_MAX_BODY,
		.ca_file = h->ca_file,
	};
	o.connect_timeout_ms =
	        o.timeout_ms < CONNECT_TIMEOUT_MAX_MS ? o.timeout_ms : CONNECT_TIMEOUT_MAX_MS;
	if (h->type == CONFIG_WEBHOOK_MATRIX) {
		/* The transaction id makes a repeat of the same key idempotent on
		 * the homeserver (per access token). */
		notify_txn_id(m->key, txn);
		r = notify_matrix_url(h->url, h->room, txn, &url);
		if (r == 0)
			r = http_xfer_new("PUT", url, &o, &d->x);
		if (r == 0)
			r = strbuf_addf(&auth, "Bearer %s", h->token ? h->token : "");
		if (r == 0)
			r = http_xfer_header(d->x, "Authorization", auth.buf);
	} else {
		r = http_xfer_new("POST", h->url, &o, &d->x);
		if (r == 0 && h->type == CONFIG_WEBHOOK_JSON &&
		    http_xfer_header(d->x, "Idempotency-Key", m->key) < 0)
			r = -EINVAL;
	}
	if (r == 0)
		r = http_xfer_body(d->x, "application/json", json, strlen(json));
	if (r == 0)
		r = http_xfer_start(d->x, d->n->e, http_done, d);
	if (auth.buf)
		explicit_bzero(auth.buf, auth.len);
	strbuf_free(&auth);
	free(url);
	free(json);
	if (r == -EINVAL) {
		http_xfer_free(d->x);
		d->x = NULL;
		return send_fail_later(d, NOTIFY_FAILED, "refused: the key cannot be a header");
	}
	return r;
}

int notify_send(struct notify *n, const struct notify_target *t, const struct notify_message *m,
                notify_done_fn done, void *arg)
{
	struct notify_message mm;
	struct nsend *d;
	int r;

	if (!n || !t || !m || !done || !m->key || !m->subject || !m->text)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->n = n;
	d->s = n->s;
	d->s->refs++;
	d->done = done;
	d->arg = arg;
	d->next = n->sends;
	if (n->sends)
		n->sends->prev = d;
	n->sends = d;

	mm = *m;
	if (!mm.created_at)
		mm.created_at = clock_now_usec();
	r = t->channel == NOTIFY_EMAIL ? email_start(d, t, &mm) : webhook_start(d, t, &mm);
	if (r < 0) {
		send_unlink(d);
		send_free(d);
	}
	return r;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	/* First the thread: afterwards every e-mail handle is ours again. */
	for (size_t i = 0; i < NOTIFY_SMTP_WORKERS; i++) {
		smtp_worker_free(n->smtp[i]);
		n->smtp[i] = NULL;
	}
	while (n->sends) {
		struct nsend *d = n->sends;
		if (d->ev)
			send_finish(d, d->r, d->detail);
		else
			send_finish(d, NOTIFY_RETRY, "aborted");
	}
	settings_unref(n->s);
	free(n);
}
