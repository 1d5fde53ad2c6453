/* notify_send over webhooks against a tiny HTTP server in the same loop on
 * 127.0.0.1: how each answer maps to SENT/RETRY/FAILED, Retry-After, the
 * Idempotency-Key, Matrix's PUT with its token, failures reported from the
 * loop, a reload while a send is in flight, abandoning on notify_free.
 * SMTP is tested against a real SMTP server (tests/integration/
 * test_notify_smtp.py). */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "t.h"
#include "tfs.h"

#include "config/config.h"
#include "net/curlev.h"
#include "notify/notify-render.h"
#include "notify/notify.h"

static struct event_base *base;
static struct evconnlistener *listener;
static int port;
static struct bufferevent *conns[64];
static size_t n_conns;
/* The last request the server saw, whole. */
static char last_req[65536];

static void srv_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	char *req = malloc(len + 1);
	evbuffer_copyout(in, req, len);
	req[len] = '\0';
	char *end = strstr(req, "\r\n\r\n");
	const char *cl = strcasestr(req, "Content-Length:");
	size_t body_len = cl ? strtoul(cl + 15, NULL, 10) : 0;
	if (!end || len < (size_t)(end + 4 - req) + body_len) {
		free(req);
		return;
	}
	evbuffer_drain(in, len);
	snprintf(last_req, sizeof(last_req), "%s", req);
	char path[512] = "";
	sscanf(req, "%*s %511s", path);
	free(req);
	struct evbuffer *out = bufferevent_get_output(bev);
	if (strstr(path, "/slow"))
		return;
	if (strncmp(path, "/status/", 8) == 0)
		evbuffer_add_printf(
		        out, "HTTP/1.1 %.3s X\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\n{}",
		        path + 8);
	else
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
}

static void srv_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		for (size_t i = 0; i < n_conns; i++)
			if (conns[i] == bev)
				conns[i] = conns[--n_conns];
		bufferevent_free(bev);
	}
}

static void srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                       void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, srv_read, NULL, srv_event, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	if (n_conns < sizeof(conns) / sizeof(conns[0]))
		conns[n_conns++] = bev;
}

/* A port nothing listens on: bound, never listened to, then closed. */
static int closed_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &slen);
	close(fd);
	return ntohs(sin.sin_port);
}

static char *dir;
static struct curlev *engine;

static struct config *make_config(const char *extra)
{
	char conf[8192], tok[4096];
	struct diag_list dl = { 0 };
	struct config *c = NULL;
	snprintf(tok, sizeof(tok), "%s/token", dir);
	tfs_write(dir, "token", "matrix-secret-token\n");
	snprintf(conf, sizeof(conf),
	         "[Unit u]\nTitle=U\nManagerEmail=m@example.se\n"
	         "[Webhook ok]\nType=json\nUrl=http://127.0.0.1:%d/hook\n"
	         "[Webhook slow]\nType=slack\nUrl=http://127.0.0.1:%d/slow\nTimeoutSec=1\n"
	         "[Webhook down]\nType=teams\nUrl=http://127.0.0.1:%d/x\n"
	         "[Webhook s429]\nType=json\nUrl=http://127.0.0.1:%d/status/429\n"
	         "[Webhook s503]\nType=json\nUrl=http://127.0.0.1:%d/status/503\n"
	         "[Webhook s500]\nType=json\nUrl=http://127.0.0.1:%d/status/500\n"
	         "[Webhook s408]\nType=json\nUrl=http://127.0.0.1:%d/status/408\n"
	         "[Webhook s404]\nType=json\nUrl=http://127.0.0.1:%d/status/404\n"
	         "[Webhook s400]\nType=json\nUrl=http://127.0.0.1:%d/status/400\n"
	         "[Webhook s301]\nType=json\nUrl=http://127.0.0.1:%d/status/301\n"
	         "[Webhook mx]\nType=matrix\nHomeserver=http://127.0.0.1:%d/\n"
	         "Room=!room:example.org\nAccessTokenFile=%s\n%s",
	         port, port, closed_port(), port, port, port, port, port, port, port, port, tok,
	         extra);
	tfs_write(dir, "vaktd.conf", conf);
	int r = config_load(dir, NULL, &c, &dl);
	T_EQ_INT(0, r);
	for (size_t i = 0; i < dl.n; i++) {
		char buf[512];
		printf("# %s\n", diag_format(&dl.v[i], buf, sizeof(buf)));
	}
	diag_list_clear(&dl);
	return c;
}

static void setup(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);

	base = event_base_new();
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = evconnlistener_new_bind(base, srv_accept, NULL,
	                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
	                                   (struct sockaddr *)&sin, sizeof(sin));
	getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &slen);
	port = ntohs(sin.sin_port);
	dir = tfs_mkdtemp();
	curlev_new(base, NULL, &engine);
	last_req[0] = '\0';
}

static void teardown(void)
{
	curlev_free(engine);
	while (n_conns)
		bufferevent_free(conns[--n_conns]);
	evconnlistener_free(listener);
	event_base_free(base);
	tfs_rmrf(dir);
}

struct outcome {
	int calls;
	enum notify_result r;
	char detail[256];
};

static void on_done(void *arg, enum notify_result r, const char *detail)
{
	struct outcome *o = arg;
	o->calls++;
	o->r = r;
	snprintf(o->detail, sizeof(o->detail), "%s", detail);
}

static void run_until(struct outcome *o)
{
	while (!o->calls)
		event_base_loop(base, EVLOOP_ONCE);
}

static struct notify_message msg(const char *key)
{
	return (struct notify_message){ .key = key,
		                        .kind = "threat",
		                        .subject = "Hot på kultur-fb",
		                        .text = "Kommentar (maskerad): ***",
		                        .count = 1,
		                        .created_at = 1000000 };
}

/* Send m to recipient and wait for the result. */
static struct outcome send_one(struct notify *n, const char *recipient,
                               const struct notify_message *m)
{
	struct notify_target t;
	struct outcome o = { 0 };
	T_EQ_INT(0, notify_target_parse(recipient, &t));
	T_EQ_INT(0, notify_send(n, &t, m, on_done, &o));
	T_EQ_INT(0, o.calls); /* never from inside notify_send */
	run_until(&o);
	T_EQ_INT(1, o.calls);
	return o;
}

static void test_json_webhook_is_sent_with_idempotency_key(void)
{
	struct notify *n = NULL;
	setup();
	struct config *c = make_config("");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("esc:7:threat:0");
	struct outcome o = send_one(n, "webhook:ok", &m);
	T_EQ_INT(NOTIFY_SENT, o.r);
	T_EQ_STR("HTTP 200", o.detail);
	T_ASSERT(strncmp(last_req, "POST /hook ", 11) == 0);
	T_CONTAINS(last_req, "Idempotency-Key: esc:7:threat:0\r\n");
	T_CONTAINS(last_req, "Content-Type: application/json\r\n");
	cJSON *j = cJSON_Parse(strstr(last_req, "\r\n\r\n") + 4);
	T_ASSERT(j != NULL);
	T_EQ_STR("esc:7:threat:0", cJSON_GetObjectItem(j, "key")->valuestring);
	cJSON_Delete(j);
	notify_free(n);
	config_free(c);
	teardown();
}

static void test_statuses_map_to_results(void)
{
	static const struct {
		const char *hook;
		enum notify_result r;
		const char *detail;
	} cases[] = {
		{ "webhook:s429", NOTIFY_RETRY, "HTTP 429; retry-after=7" },
		{ "webhook:s503", NOTIFY_RETRY, "HTTP 503; retry-after=7" },
		{ "webhook:s500", NOTIFY_RETRY, "HTTP 500; retry-after=7" },
		{ "webhook:s408", NOTIFY_RETRY, "HTTP 408; retry-after=7" },
		{ "webhook:s404", NOTIFY_FAILED, "HTTP 404" },
		{ "webhook:s400", NOTIFY_FAILED, "HTTP 400" },
		{ "webhook:s301", NOTIFY_FAILED, "HTTP 301" },
	};
	struct notify *n = NULL;
	setup();
	struct config *c = make_config("");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outcome o = send_one(n, cases[i].hook, &m);
		T_EQ_INT(cases[i].r, o.r);
		T_EQ_STR(cases[i].detail, o.detail);
	}
	struct outcome o = send_one(n, "webhook:s429", &m);
	int64_t sec = 0;
	T_EQ_INT(0, notify_detail_retry_after(o.detail, &sec));
	T_EQ_INT(7, sec);
	notify_free(n);
	config_free(c);
	teardown();
}

static void test_timeout_and_refused_are_retried(void)
{
	struct notify *n = NULL;
	setup();
	struct config *c = make_config("");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	struct outcome o = send_one(n, "webhook:slow", &m);
	T_EQ_INT(NOTIFY_RETRY, o.r);
	T_EQ_STR("timeout", o.detail);
	o = send_one(n, "webhook:down", &m);
	T_EQ_INT(NOTIFY_RETRY, o.r);
	T_CONTAINS(o.detail, "cannot connect");
	notify_free(n);
	config_free(c);
	teardown();
}

static void test_matrix_puts_with_token_and_txn(void)
{
	struct notify *n = NULL;
	char txn[NOTIFY_TXN_MAX], want[256];
	setup();
	struct config *c = make_config("");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("esc:9:threat:0");
	struct outcome o = send_one(n, "webhook:mx", &m);
	T_EQ_INT(NOTIFY_SENT, o.r);
	notify_txn_id("esc:9:threat:0", txn);
	snprintf(want, sizeof(want),
	         "PUT /_matrix/client/v3/rooms/%%21room%%3Aexample.org/send/m.room.message/%s ",
	         txn);
	T_ASSERT(strncmp(last_req, want, strlen(want)) == 0);
	T_CONTAINS(last_req, "Authorization: Bearer matrix-secret-token\r\n");
	T_ASSERT(strstr(last_req, "Idempotency-Key") == NULL);
	/* The same key gives the same transaction: the homeserver drops it. */
	o = send_one(n, "webhook:mx", &m);
	T_ASSERT(strncmp(last_req, want, strlen(want)) == 0);
	T_ASSERT(strstr(o.detail, "matrix-secret-token") == NULL);
	notify_free(n);
	config_free(c);
	teardown();
}

static void test_unconfigured_channels_fail_from_the_loop(void)
{
	struct notify *n = NULL;
	setup();
	struct config *c = make_config("");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	struct outcome o = send_one(n, "webhook:nosuch", &m);
	T_EQ_INT(NOTIFY_FAILED, o.r);
	o = send_one(n, "someone@example.se", &m);
	T_EQ_INT(NOTIFY_FAILED, o.r);
	T_CONTAINS(o.detail, "not configured");
	/* A missing key is the caller's bug: refused, done never runs. */
	struct notify_target t;
	notify_target_parse("webhook:ok", &t);
	m.key = NULL;
	T_EQ_INT(-EINVAL, notify_send(n, &t, &m, on_done, &o));
	notify_free(n);
	config_free(c);
	teardown();
}

static void test_header_injection_fails_the_mail(void)
{
	struct notify *n = NULL;
	setup();
	struct config *c = make_config("[Email]\nSmtpUrl=smtp://127.0.0.1:9\nStartTls=no\n"
	                               "From=vakt@example.se\n");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	m.subject = "Hot\r\nBcc: everyone@example.se";
	struct outcome o = send_one(n, "chef@example.se", &m);
	T_EQ_INT(NOTIFY_FAILED, o.r);
	T_CONTAINS(o.detail, "refused");
	notify_free(n);
	config_free(c);
	teardown();
}

static void test_reload_keeps_sends_in_flight(void)
{
	struct notify *n = NULL;
	struct notify_target t;
	struct outcome o = { 0 };
	setup();
	struct config *c = make_config("");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	notify_target_parse("webhook:ok", &t);
	T_EQ_INT(0, notify_send(n, &t, &m, on_done, &o));
	/* The new configuration has no webhooks; the old one is freed while
	 * the send is still on its way. */
	struct diag_list dl = { 0 };
	struct config *c2 = NULL;
	tfs_write(dir, "vaktd.conf", "[Unit u]\nTitle=U\nManagerEmail=m@example.se\n");
	T_EQ_INT(0, config_load(dir, NULL, &c2, &dl));
	T_EQ_INT(0, notify_reconfigure(n, c2));
	config_free(c);
	run_until(&o);
	T_EQ_INT(NOTIFY_SENT, o.r);
	struct outcome o2 = send_one(n, "webhook:ok", &m);
	T_EQ_INT(NOTIFY_FAILED, o2.r);
	notify_free(n);
	config_free(c2);
	teardown();
}

static void test_free_abandons_sends_as_retry(void)
{
	struct notify *n = NULL;
	struct notify_target t;
	struct outcome o[3] = { 0 };
	setup();
	struct config *c = make_config("");
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	notify_target_parse("webhook:slow", &t);
	T_EQ_INT(0, notify_send(n, &t, &m, on_done, &o[0]));
	T_EQ_INT(0, notify_send(n, &t, &m, on_done, &o[1]));
	notify_target_parse("webhook:nosuch", &t);
	T_EQ_INT(0, notify_send(n, &t, &m, on_done, &o[2]));
	event_base_loop(base, EVLOOP_NONBLOCK);
	notify_free(n);
	T_EQ_INT(1, o[0].calls);
	T_EQ_INT(NOTIFY_RETRY, o[0].r);
	T_EQ_STR("aborted", o[0].detail);
	T_EQ_INT(1, o[1].calls);
	T_EQ_INT(NOTIFY_RETRY, o[1].r);
	T_EQ_INT(1, o[2].calls);
	T_EQ_INT(NOTIFY_FAILED, o[2].r);
	T_EQ_INT(0, curlev_pending(engine));
	notify_free(NULL);
	config_free(c);
	teardown();
}

/* A mail server that answers everything but (unless smtp_answer_data) the
 * end of the message: libcurl waits for that answer in a blocking poll().
 * It runs on a thread and loop of its own, so that it answers while this
 * thread waits for the SMTP thread (notify_free() in a done callback): on
 * this thread's loop it could not, and libcurl waited out its timeouts.
 * Each connection is in its message or not on its own. */
static struct event_base *smtp_base;
static struct evconnlistener *smtp_listener;
static struct event *smtp_stop_ev;
static int smtp_stop_fds[2]; /* a byte on [1] ends the thread's loop */
static pthread_t smtp_thread;
static struct smtp_conn {
	struct bufferevent *bev;
	bool in_data;
} smtp_conns[8];
static size_t n_smtp_conns;
/* Messages begun (DATA) and ended ("."), counted on the server's thread. */
static atomic_uint smtp_data_begun, smtp_data_ended;
static atomic_bool smtp_answer_data; /* else the end of data is never answered */

static void smtp_read(struct bufferevent *bev, void *arg)
{
	struct smtp_conn *sc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	char *line;
	size_t n;
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF))) {
		if (sc->in_data) {
			if (strcmp(line, ".") == 0) {
				sc->in_data = false;
				atomic_fetch_add(&smtp_data_ended, 1);
				if (atomic_load(&smtp_answer_data))
					evbuffer_add_printf(out, "250 queued\r\n");
			}
		} else if (strncmp(line, "DATA", 4) == 0) {
			sc->in_data = true;
			atomic_fetch_add(&smtp_data_begun, 1);
			evbuffer_add_printf(out, "354 go on\r\n");
		} else if (strncmp(line, "QUIT", 4) == 0) {
			evbuffer_add_printf(out, "221 bye\r\n");
		} else {
			evbuffer_add_printf(out, "250 ok\r\n");
		}
		free(line);
	}
}

static void smtp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                        void *arg)
{
	struct bufferevent *bev = NULL;
	if (n_smtp_conns < sizeof(smtp_conns) / sizeof(smtp_conns[0]))
		bev = bufferevent_socket_new(smtp_base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!bev) { /* more connections than any test opens: refused */
		close(fd);
		return;
	}
	struct smtp_conn *sc = &smtp_conns[n_smtp_conns++];
	*sc = (struct smtp_conn){ .bev = bev };
	bufferevent_setcb(bev, smtp_read, NULL, NULL, sc);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	evbuffer_add_printf(bufferevent_get_output(bev), "220 test\r\n");
}

static void smtp_stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(smtp_base);
}

static void *smtp_run(void *arg)
{
	event_base_dispatch(smtp_base);
	return NULL;
}

/* Start the mail server; its port. */
static int smtp_setup(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	atomic_store(&smtp_data_begun, 0);
	atomic_store(&smtp_data_ended, 0);
	atomic_store(&smtp_answer_data, false);
	smtp_base = event_base_new();
	T_ASSERT(smtp_base != NULL && pipe(smtp_stop_fds) == 0);
	smtp_listener = evconnlistener_new_bind(smtp_base, smtp_accept, NULL,
	                                        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8,
	                                        (struct sockaddr *)&sin, sizeof(sin));
	smtp_stop_ev = event_new(smtp_base, smtp_stop_fds[0], EV_READ, smtp_stop, NULL);
	T_ASSERT(smtp_listener != NULL && smtp_stop_ev != NULL);
	event_add(smtp_stop_ev, NULL);
	getsockname(evconnlistener_get_fd(smtp_listener), (struct sockaddr *)&sin, &slen);
	T_EQ_INT(0, pthread_create(&smtp_thread, NULL, smtp_run, NULL));
	return ntohs(sin.sin_port);
}

static void smtp_teardown(void)
{
	T_EQ_INT(1, write(smtp_stop_fds[1], "x", 1));
	pthread_join(smtp_thread, NULL);
	while (n_smtp_conns)
		bufferevent_free(smtp_conns[--n_smtp_conns].bev);
	evconnlistener_free(smtp_listener);
	event_free(smtp_stop_ev);
	close(smtp_stop_fds[0]);
	close(smtp_stop_fds[1]);
	event_base_free(smtp_base);
}

/* Run this thread's loop until the mail server's counter has reached n;
 * the loop runs a millisecond at a time, as the counter moves on the
 * server's own thread. */
static void run_until_smtp_count(atomic_uint *counter, unsigned n)
{
	static const struct timeval tick = { 0, 1000 };
	while (atomic_load(counter) < n) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
}

static void test_stalled_mail_server_does_not_block_the_loop(void)
{
	struct notify *n = NULL;
	struct notify_target mail, hook;
	struct outcome om = { 0 }, oh = { 0 };
	char extra[256];
	setup();
	snprintf(extra, sizeof(extra),
	         "[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\nFrom=vakt@example.se\n"
	         "TimeoutSec=2\n",
	         smtp_setup());
	struct config *c = make_config(extra);
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	notify_target_parse("chef@example.se", &mail);
	notify_target_parse("webhook:ok", &hook);
	T_EQ_INT(0, notify_send(n, &mail, &m, on_done, &om));
	/* Let the mail reach its end of data before the webhook starts. */
	run_until_smtp_count(&smtp_data_ended, 1);
	T_EQ_INT(0, notify_send(n, &hook, &m, on_done, &oh));
	run_until(&oh);
	T_EQ_INT(NOTIFY_SENT, oh.r);
	/* The webhook was answered while the mail still waits. */
	T_EQ_INT(0, om.calls);
	run_until(&om);
	T_EQ_INT(NOTIFY_RETRY, om.r);
	notify_free(n);
	config_free(c);
	smtp_teardown();
	teardown();
}

static void test_free_abandons_a_mail_in_flight(void)
{
	struct notify *n = NULL;
	struct notify_target mail;
	struct outcome om = { 0 };
	char extra[256];
	setup();
	snprintf(extra, sizeof(extra),
	         "[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\nFrom=vakt@example.se\n"
	         "TimeoutSec=2\n",
	         smtp_setup());
	struct config *c = make_config(extra);
	T_EQ_INT(0, notify_new(engine, c, &n));
	struct notify_message m = msg("k");
	notify_target_parse("chef@example.se", &mail);
	T_EQ_INT(0, notify_send(n, &mail, &m, on_done, &om));
	run_until_smtp_count(&smtp_data_begun, 1);
	notify_free(n);
	T_EQ_INT(1, om.calls);
	T_EQ_INT(NOTIFY_RETRY, om.r);
	T_EQ_STR("aborted", om.detail);
	config_free(c);
	smtp_teardown();
	teardown();
}

/* A done callback that frees the notify (the daemon stopping on the first
 * result): every other send still ends exactly once. */
static struct notify *freeing_notify;
static int freeing_calls;

static void on_done_free(void *arg, enum notify_result r, const char *detail)
{
	on_done(arg, r, detail);
	freeing_calls++;
	struct notify *n = freeing_notify;
	freeing_notify = NULL;
	notify_free(n);
}

static void test_done_may_free_the_notify(void)
{
	struct notify_target mail;
	struct outcome o[6] = { 0 };
	char extra[256];
	setup();
	/* The notify freed on the first result closes the other connections
	 * with QUIT; one still in its message takes that for the message's
	 * text, and libcurl waits for an answer until TimeoutSec= (30 s by
	 * default; seen under ASan, where the sends are slower). */
	snprintf(extra, sizeof(extra),
	         "[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\nFrom=vakt@example.se\n"
	         "TimeoutSec=5\n",
	         smtp_setup());
	atomic_store(&smtp_answer_data, true);
	struct config *c = make_config(extra);
	T_EQ_INT(0, notify_new(engine, c, &freeing_notify));
	struct notify_message m = msg("k");
	notify_target_parse("chef@example.se", &mail);
	for (int i = 0; i < 6; i++)
		T_EQ_INT(0, notify_send(freeing_notify, &mail, &m, on_done_free, &o[i]));
	while (freeing_calls < 6)
		event_base_loop(base, EVLOOP_ONCE);
	int sent = 0;
	for (int i = 0; i < 6; i++) {
		T_EQ_INT(1, o[i].calls);
		sent += o[i].r == NOTIFY_SENT;
	}
	T_EQ_INT(1, sent);
	T_ASSERT(freeing_notify == NULL);
	config_free(c);
	smtp_teardown();
	teardown();
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	T_RUN(test_json_webhook_is_sent_with_idempotency_key);
	T_RUN(test_statuses_map_to_results);
	T_RUN(test_timeout_and_refused_are_retried);
	T_RUN(test_matrix_puts_with_token_and_txn);
	T_RUN(test_unconfigured_channels_fail_from_the_loop);
	T_RUN(test_header_injection_fails_the_mail);
	T_RUN(test_reload_keeps_sends_in_flight);
	T_RUN(test_free_abandons_sends_as_retry);
	T_RUN(test_stalled_mail_server_does_not_block_the_loop);
	T_RUN(test_free_abandons_a_mail_in_flight);
	T_RUN(test_done_may_free_the_notify);
	curl_global_cleanup();
	return t_done();
}
