/* The fetch driver with a fake connector against an in-loop HTTP server on
 * 127.0.0.1, on the manual test clock: paging, the concurrency limits,
 * retries with backoff, Retry-After, a token error, a transfer timeout
 * isolated to its account, a cursor committed only with its batch, the
 * shutdown bound.
 *
 * The fake platform's answers are lines: "item ID [own] [parent=P]",
 * "next PATH" (another request), "cursor C" (the new cursor), "gone ID". */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "t.h"
#include "tfs.h"

#include "deadline/deadline.h"
#include "net/curlev.h"
#include "pipeline/pipeline.h"
#include "store/fetch-store.h"
#include "store/store-db.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/ctimer.h"
#include "vaktd/fetch-internal.h"
#include "vaktd/fetch.h"

#define SEC USEC_PER_SEC
#define T0 (INT64_C(1781593200) * SEC)

/* --- the server --------------------------------------------------------- */

struct route {
	char path[64];
	int fail_times;   /* the first N requests get fail_status */
	int fail_status;  /* 0: never answer (a timeout) */
	int retry_after;  /* seconds, with a 429 */
	const char *body; /* the 200 answer */
	int hits;
};

static struct event_base *base;
static struct evconnlistener *listener;
static int port;
static struct route routes[32];
static size_t n_routes;
static int outstanding, max_outstanding;
static struct bufferevent *conns[256];
static size_t n_conns;

static struct route *route(const char *path, const char *body)
{
	struct route *r = &routes[n_routes++];
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->body = body;
	return r;
}

static struct route *find_route(const char *path)
{
	for (size_t i = 0; i < n_routes; i++)
		if (strcmp(routes[i].path, path) == 0)
			return &routes[i];
	return NULL;
}

struct pending_answer {
	struct bufferevent *bev;
	char *text;
};

/* Answers leave a moment later, so that requests overlap and the test can
 * see how many were open at once. */
static void send_later(evutil_socket_t fd, short what, void *arg)
{
	struct pending_answer *a = arg;
	for (size_t i = 0; i < n_conns; i++)
		if (conns[i] == a->bev)
			evbuffer_add(bufferevent_get_output(a->bev), a->text, strlen(a->text));
	outstanding--;
	free(a->text);
	free(a);
}

static void srv_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	char *req = malloc(len + 1);
	evbuffer_copyout(in, req, len);
	req[len] = '\0';
	if (!strstr(req, "\r\n\r\n")) {
		free(req);
		return;
	}
	evbuffer_drain(in, len);
	char method[16] = "", path[256] = "";
	sscanf(req, "%15s %255s", method, path);
	bool authorized = strstr(req, "Authorization: Bearer secret-token") != NULL;
	free(req);
	struct route *r = find_route(path);
	char *text = NULL;
	if (r)
		r->hits++;
	if (!authorized) {
		if (asprintf(&text, "HTTP/1.1 401 No\r\nContent-Length: 0\r\n\r\n") < 0)
			abort();
	} else if (!r) {
		if (asprintf(&text, "HTTP/1.1 404 No\r\nContent-Length: 0\r\n\r\n") < 0)
			abort();
	} else if (r->hits <= r->fail_times) {
		if (r->fail_status == 0)
			return; /* never answers */
		if (asprintf(&text,
		             "HTTP/1.1 %d Failing\r\nRetry-After: %d\r\nContent-Length: 0\r\n\r\n",
		             r->fail_status, r->retry_after) < 0)
			abort();
	} else if (asprintf(&text, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
	                    strlen(r->body), r->body) < 0) {
		abort();
	}
	struct pending_answer *a = malloc(sizeof(*a));
	a->bev = bev;
	a->text = text;
	if (++outstanding > max_outstanding)
		max_outstanding = outstanding;
	struct timeval tv = { 0, 20000 };
	event_base_once(base, -1, EV_TIMEOUT, send_later, a, &tv);
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

/* --- the fake connector ------------------------------------------------- */

static int fake_concurrency = 1;
static int fake_paths_at_start = 1;

struct conn_poll {
	char base[256];
	char *queue[64]; /* paths to request */
	size_t n_queue;
	int out; /* requests handed out and not answered */
	char *cursor;
};

static void push(struct conn_poll *p, const char *path)
{
	if (p->n_queue < 64)
		p->queue[p->n_queue++] = strdup(path);
}

static int fake_poll_new(const struct conn_account *acc, struct conn_poll **ret)
{
	struct conn_poll *p = calloc(1, sizeof(*p));
	snprintf(p->base, sizeof(p->base), "%s", acc->base_url);
	if (acc->cursor && strcmp(acc->cursor, "unreadable") == 0) {
		free(p);
		return -EINVAL;
	}
	for (int i = 0; i < fake_paths_at_start; i++) {
		char path[32];
		snprintf(path, sizeof(path), i ? "/start%d" : "/start", i);
		push(p, path);
	}
	*ret = p;
	return 0;
}

static int fake_poll_next(struct conn_poll *p, struct conn_request *ret)
{
	if (!p->n_queue)
		return 0;
	char *path = p->queue[0];
	memmove(p->queue, p->queue + 1, --p->n_queue * sizeof(p->queue[0]));
	memset(ret, 0, sizeof(*ret));
	strcpy(ret->method, "GET");
	if (asprintf(&ret->url, "%s%s", p->base, path) < 0)
		abort();
	free(path);
	p->out++;
	return 1;
}

static int fake_poll_answer(struct conn_poll *p, const struct conn_request *req,
                            const struct conn_answer *a, struct conn_batch *b)
{
	const char *path = req->url + strlen(p->base);
	p->out--;
	if (a->status == 0 || a->status >= 500 || a->status == 429) {
		const char *ra = a->header(a->header_ctx, "Retry-After");
		if (a->status == 429 && ra)
			b->rate.retry_after_usec = atoi(ra) * SEC;
		b->outcome = CONN_RETRY;
		push(p, path); /* offered again */
		return 0;
	}
	if (a->status == 402) {
		b->outcome = CONN_STOP;
		b->message = strdup("credits used up");
		return 0;
	}
	if (a->status == 401) {
		b->outcome = CONN_TOKEN;
		b->message = strdup("token rejected");
		return 0;
	}
	if (a->status != 200) {
		b->outcome = CONN_MALFORMED;
		return 0;
	}
	char *copy = strndup(a->body, a->body_len), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char id[64], extra[64] = "", extra2[64] = "";
		if (sscanf(line, "item %63s %63s %63s", id, extra, extra2) >= 1) {
			struct conn_item *it = conn_batch_add(b);
			it->platform_id = strdup(id);
			it->kind = strcmp(id, "BAD") == 0 ? "bogus" : "comment";
			if (asprintf(&it->text, "Hej, när öppnar ni %s?", id) < 0)
				abort();
			it->published_at = T0 - 3600 * SEC;
			for (const char *e = extra; e; e = e == extra ? extra2 : NULL) {
				if (strcmp(e, "own") == 0)
					it->is_own = true;
				else if (strncmp(e, "parent=", 7) == 0) {
					it->parent_platform_id = strdup(e + 7);
					it->kind = "reply";
				}
			}
		} else if (sscanf(line, "next %63s", id) == 1) {
			push(p, id);
		} else if (sscanf(line, "cursor %63s", id) == 1) {
			b->cursor = strdup(id);
		} else if (sscanf(line, "gone %63s", id) == 1) {
			conn_batch_gone(b, id);
		} else if (sscanf(line, "appusage %63s", id) == 1) {
			b->rate.app_usage_percent = atoi(id);
		}
	}
	free(copy);
	b->outcome = CONN_OK;
	return 0;
}

static bool fake_poll_done(const struct conn_poll *p)
{
	return p->n_queue == 0 && p->out == 0;
}

static void fake_poll_free(struct conn_poll *p)
{
	for (size_t i = 0; i < p->n_queue; i++)
		free(p->queue[i]);
	free(p);
}

static struct connector fake = {
	.platform = "facebook",
	.default_url = "http://127.0.0.1:1",
	.poll_new = fake_poll_new,
	.poll_next = fake_poll_next,
	.poll_answer = fake_poll_answer,
	.poll_done = fake_poll_done,
	.poll_free = fake_poll_free,
};

static const struct connector *find_fake(const char *platform)
{
	fake.max_concurrency = fake_concurrency;
	return &fake;
}

/* --- the fixture -------------------------------------------------------- */

static char *dir;
static struct store *store;
static struct pipeline_rules *rules;
static struct cal *cal;
static struct config_account accs[3];
static struct config cfg;
static struct ctimers *timers;
static struct curlev *curl;
static struct fetch *fetch;
static char urls[3][128];
static int reports;
static struct fetch_report last[3];
static char last_error[3][256];

static const struct config *get_config(void *arg)
{
	return &cfg;
}

static struct pipeline_rules *get_rules(void *arg)
{
	return rules;
}

static int acc_index(const char *id)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(accs[i].id, id) == 0)
			return i;
	abort();
}

static int done_in_transaction; /* done ran with a transaction open */

static void on_done(void *arg, const struct fetch_report *r)
{
	int i = acc_index(r->account);
	if (!sqlite3_get_autocommit(store_db(store)))
		done_in_transaction++;
	last[i] = *r;
	snprintf(last_error[i], sizeof(last_error[i]), "%s", r->error);
	last[i].error = last_error[i];
	last[i].account = accs[i].id;
	reports++;
}

static void setup(struct fetch_env *tweak)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	char path[4200];

	clock_set_manual(T0);
	base = event_base_new();
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = evconnlistener_new_bind(base, srv_accept, NULL,
	                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
	                                   (struct sockaddr *)&sin, sizeof(sin));
	getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &slen);
	port = ntohs(sin.sin_port);
	n_routes = 0;
	outstanding = max_outstanding = 0;
	reports = 0;
	memset(last, 0, sizeof(last));
	fake_concurrency = 1;
	fake_paths_at_start = 1;

	dir = tfs_mkdtemp();
	snprintf(path, sizeof(path), "%s/vakt.db", dir);
	T_EQ_INT(0, store_open(path, &store, NULL, 0));
	static const char *const ids[3] = { "a-fb", "b-fb", "c-fb" };
	for (int i = 0; i < 3; i++) {
		/* Each account has its own prefix on the one server. */
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d/%c", port, 'a' + i);
		accs[i] = (struct config_account){
			.id = (char *)ids[i],
			.platform = PLATFORM_FACEBOOK,
			.unit = "kultur",
			.external_id = "1",
			.api_base_url = urls[i],
			.enabled = true,
			.backfill_days = 14,
			.token = { .value = "secret-token" },
			.cal = cal,
		};
		deadline_policy_init(&accs[i].deadlines);
	}
	cfg = (struct config){ .accounts = accs, .n_accounts = 3 };
	T_EQ_INT(0, store_accounts_sync(store, &cfg, "test"));
	T_EQ_INT(0, ctimers_new(base, &timers));
	T_EQ_INT(0, curlev_new(base, &(struct curlev_limits){ 0 }, &curl));
	struct fetch_env env = tweak ? *tweak : (struct fetch_env){ 0 };
	env.base = base;
	env.timers = timers;
	env.curl = curl;
	env.store = store;
	env.config = get_config;
	env.rules = get_rules;
	env.connector = find_fake;
	if (!env.http.timeout_ms)
		env.http.timeout_ms = 5000;
	T_EQ_INT(0, fetch_new(&env, &fetch));
}

static void teardown(void)
{
	fetch_free(fetch);
	curlev_free(curl);
	ctimers_free(timers);
	while (n_conns)
		bufferevent_free(conns[--n_conns]);
	evconnlistener_free(listener);
	/* Answers still scheduled (none in a passing test) are dropped with
	 * the loop. */
	event_base_free(base);
	store_close(store);
	tfs_rmrf(dir);
}

/* Run the loop until `want` polls ended, or until nothing is in flight
 * (the polls wait for a timer on the manual clock).  Bounded by the
 * transfers' own timeouts, never by a fixed sleep. */
static void run(int want)
{
	while (reports < want) {
		if (fetch_requests_in_flight(fetch) == 0 && outstanding == 0)
			break;
		event_base_loop(base, EVLOOP_ONCE);
	}
}

static void advance(int64_t usec)
{
	size_t fired;
	T_EQ_INT(0, ctimers_advance_to(timers, clock_now_usec() + usec, &fired));
}

static int64_t count(const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_db(store), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *cursor_of(const char *account)
{
	char *c = NULL;
	T_EQ_INT(0, store_cursor_get(store, account, "poll", &c));
	return c;
}

static int64_t start(int i)
{
	int64_t id = 0;
	T_EQ_INT(0, fetch_start(fetch, accs[i].id, clock_now_usec(), on_done, NULL, &id));
	return id;
}

/* --- the tests ---------------------------------------------------------- */

static void test_pages_are_stored_with_the_cursor(void)
{
	setup(NULL);
	route("/a/start", "item p1\nitem p2\nnext /page2\n");
	route("/a/page2", "item p3\nnext /page3\n");
	route("/a/page3", "item p4 parent=p1\ncursor c-3\n");
	int64_t id = start(0);
	T_ASSERT(fetch_running(fetch, "a-fb"));
	T_EQ_INT(-EBUSY, fetch_start(fetch, "a-fb", T0, NULL, NULL, &id));
	run(1);
	T_EQ_STR("ok", last[0].result);
	T_EQ_INT(4, last[0].items_new);
	T_EQ_INT(3, last[0].requests);
	T_EQ_INT(4, count("SELECT count(*) FROM items WHERE account_id='a-fb'"));
	T_EQ_INT(1, count("SELECT count(*) FROM items r JOIN items p ON r.parent_id = p.id "
	                  "WHERE r.platform_id='p4' AND p.platform_id='p1'"));
	char *c = cursor_of("a-fb");
	T_EQ_STR("c-3", c);
	free(c);
	struct store_poll_row row;
	T_EQ_INT(0, store_poll_get(store, id, &row));
	T_EQ_STR("ok", row.result);
	T_EQ_INT(4, row.items_new);
	struct store_account_health h;
	T_EQ_INT(0, store_account_health_get(store, "a-fb", &h));
	T_EQ_STR("ok", h.state);
	T_EQ_STR("ok", h.token_state);

	/* The same pages again: nothing new, nothing twice. */
	start(0);
	run(2);
	T_EQ_INT(0, last[0].items_new);
	T_EQ_INT(0, last[0].items_updated);
	T_EQ_INT(4, count("SELECT count(*) FROM items"));
	T_EQ_INT(4, count("SELECT count(*) FROM item_versions"));
	teardown();
}

static void test_concurrency_per_account_and_platform(void)
{
	setup(NULL);
	cfg.in_flight_platform[PLATFORM_FACEBOOK] = 3; /* RequestsInFlight= */
	fake_concurrency = 2;
	fake_paths_at_start = 6;
	route("/a/start", "item a0\n");
	for (int i = 1; i < 6; i++) {
		static char paths[6][16], bodies[6][16];
		snprintf(paths[i], sizeof(paths[i]), "/a/start%d", i);
		snprintf(bodies[i], sizeof(bodies[i]), "item a%d\n", i);
		route(paths[i], bodies[i]);
	}
	start(0);
	run(1);
	T_EQ_STR("ok", last[0].result);
	T_EQ_INT(6, last[0].items_new);
	T_EQ_INT(2, max_outstanding); /* the connector's max_concurrency */

	/* Three accounts of one platform, 2 each, at most 3 together. */
	for (int a = 0; a < 3; a++)
		for (int i = 0; i < 6; i++) {
			static char paths[3][6][16];
			snprintf(paths[a][i], sizeof(paths[a][i]), i ? "/%c/start%d" : "/%c/start",
			         'a' + a, i);
			if (!find_route(paths[a][i]))
				route(paths[a][i], "item x\n");
		}
	max_outstanding = 0;
	reports = 0;
	start(0);
	start(1);
	start(2);
	run(3);
	T_EQ_STR("ok", last[1].result);
	T_EQ_STR("ok", last[2].result);
	T_EQ_INT(3, max_outstanding);

	/* [Schedule] applies when the platform has none of its own. */
	cfg.in_flight_platform[PLATFORM_FACEBOOK] = 0;
	cfg.in_flight_site = 5;
	max_outstanding = 0;
	reports = 0;
	start(0);
	start(1);
	start(2);
	run(3);
	T_EQ_INT(5, max_outstanding);
	teardown();
}

/* A reload lowering or raising RequestsInFlight= applies to the polls
 * already running: read at each request, and a raise wakes the waiting. */
static void test_requests_in_flight_follows_a_reload(void)
{
	setup(NULL);
	cfg.in_flight_platform[PLATFORM_FACEBOOK] = 1;
	fake_concurrency = 2;
	fake_paths_at_start = 6;
	for (int a = 0; a < 3; a++)
		for (int i = 0; i < 6; i++) {
			static char paths[3][6][16];
			snprintf(paths[a][i], sizeof(paths[a][i]), i ? "/%c/start%d" : "/%c/start",
			         'a' + a, i);
			route(paths[a][i], "item x\n");
		}
	start(0);
	start(1);
	start(2);
	T_EQ_INT(1, (int)fetch_requests_in_flight(fetch));
	cfg.in_flight_platform[PLATFORM_FACEBOOK] = 4;
	fetch_reconfigured(fetch);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	T_EQ_INT(4, (int)fetch_requests_in_flight(fetch));
	max_outstanding = 0;
	run(3);
	T_EQ_STR("ok", last[0].result);
	T_EQ_STR("ok", last[1].result);
	T_EQ_STR("ok", last[2].result);
	T_EQ_INT(4, max_outstanding);
	teardown();
}

static void test_retry_with_backoff(void)
{
	setup(&(struct fetch_env){ .backoff_usec = 10 * SEC, .backoff_max_usec = 60 * SEC });
	struct route *r = route("/a/start", "item r1\n");
	r->fail_times = 2;
	r->fail_status = 503;
	start(0);
	run(1);
	T_EQ_INT(0, reports); /* waits on the clock */
	T_EQ_INT(1, r->hits);
	advance(4 * SEC); /* less than the shortest jittered backoff (5 s) */
	run(1);
	T_EQ_INT(1, r->hits);
	advance(16 * SEC); /* past the longest first backoff (15 s) */
	run(1);
	T_EQ_INT(2, r->hits);
	advance(31 * SEC); /* the second backoff is twice as long */
	run(1);
	T_EQ_INT(1, reports);
	T_EQ_INT(3, r->hits);
	T_EQ_STR("ok", last[0].result);
	T_EQ_INT(2, last[0].retries);
	T_EQ_INT(1, last[0].items_new);
	teardown();
}

static void test_retries_are_bounded(void)
{
	setup(&(struct fetch_env){ .retry_max = 2, .backoff_usec = SEC, .backoff_max_usec = SEC });
	struct route *r = route("/a/start", "item never\n");
	r->fail_times = 100;
	r->fail_status = 500;
	start(0);
	for (int i = 0; i < 5 && reports == 0; i++) {
		run(1);
		advance(2 * SEC);
	}
	T_EQ_INT(1, reports);
	T_EQ_INT(3, r->hits);
	T_EQ_STR("error", last[0].result);
	T_CONTAINS(last[0].error, "gave up after 2 retries");
	teardown();
}

static void test_retry_after_is_honoured(void)
{
	setup(&(struct fetch_env){ .backoff_usec = SEC, .backoff_max_usec = SEC });
	struct route *r = route("/a/start", "item late\n");
	r->fail_times = 1;
	r->fail_status = 429;
	r->retry_after = 120;
	start(0);
	run(1);
	T_EQ_INT(1, r->hits);
	advance(60 * SEC); /* the backoff alone would have retried by now */
	run(1);
	T_EQ_INT(1, r->hits);
	advance(61 * SEC);
	run(1);
	T_EQ_INT(2, r->hits);
	T_EQ_INT(1, reports);
	T_EQ_STR("ok", last[0].result);
	teardown();
}

/* A platform's wait longer than the poll's timeout (X's 15-minute
 * windows) is waited for: the poll does not time out meanwhile. */
static void test_a_long_platform_wait_is_not_a_timeout(void)
{
	setup(&(struct fetch_env){ .poll_timeout_usec = 600 * SEC });
	struct route *r = route("/a/start", "item late\n");
	r->fail_times = 1;
	r->fail_status = 429;
	r->retry_after = 900;
	start(0);
	run(1);
	T_EQ_INT(1, r->hits);
	advance(700 * SEC);
	run(1);
	T_EQ_INT(0, reports);
	advance(201 * SEC);
	run(1);
	T_EQ_INT(2, r->hits);
	T_EQ_INT(1, reports);
	T_EQ_STR("ok", last[0].result);
	teardown();
}

static void test_token_error_turns_red_without_retry(void)
{
	setup(NULL);
	route("/b/start", "item fine\n");
	route("/a/start", "item never\n");
	accs[0].token.value = "wrong-token";
	for (int round = 1; round <= 2; round++) {
		start(0);
		start(1);
		run(2 * round);
	}
	accs[0].token.value = "secret-token";
	T_EQ_INT(2, find_route("/a/start")->hits); /* once per poll, never retried */
	T_EQ_STR("error", last[0].result);
	T_EQ_INT(CONN_TOKEN, last[0].outcome);
	T_EQ_STR("ok", last[1].result);
	struct store_account_health h;
	T_EQ_INT(0, store_account_health_get(store, "a-fb", &h));
	T_EQ_STR("red", h.state);
	T_EQ_STR("invalid", h.token_state);
	T_EQ_INT(2, h.consecutive_failures);
	T_EQ_INT(0, store_account_health_get(store, "b-fb", &h));
	T_EQ_STR("ok", h.state);
	int64_t red = 0;
	T_EQ_INT(0, store_accounts_red(store, &red));
	T_EQ_INT(1, red);
	/* Turning red is audited once, not per failed poll. */
	T_EQ_INT(1, count("SELECT count(*) FROM audit_log WHERE action='account.red'"));
	/* … and escalated once, as a health incident of the account. */
	T_EQ_INT(1, count("SELECT count(*) FROM escalations WHERE cause='health' AND "
	                  "account_id='a-fb' AND reason='token' AND cancelled_at IS NULL"));

	/* A good token again: green, audited once. */
	start(0);
	run(5);
	T_EQ_STR("ok", last[0].result);
	T_EQ_INT(0, store_account_health_get(store, "a-fb", &h));
	T_EQ_STR("ok", h.state);
	T_EQ_INT(1, count("SELECT count(*) FROM audit_log WHERE action='account.ok'"));
	T_EQ_INT(1, count("SELECT count(*) FROM escalations WHERE cause='health' AND "
	                  "cancelled_why='recovered'"));
	teardown();
}

static void test_timeout_is_isolated_to_its_account(void)
{
	setup(&(struct fetch_env){ .http = { .timeout_ms = 300 },
	                           .retry_max = 1,
	                           .backoff_usec = SEC,
	                           .backoff_max_usec = SEC });
	struct route *slow = route("/a/start", "item never\n");
	slow->fail_times = 100;
	slow->fail_status = 0; /* never answers */
	route("/b/start", "item b1\nnext /p2\n");
	route("/b/p2", "item b2\ncursor b\n");
	start(0);
	start(1);
	run(1);
	T_EQ_INT(1, reports);
	T_EQ_STR("ok", last[1].result); /* b did not wait for a */
	T_EQ_INT(2, last[1].items_new);
	/* a timed out once (real time, the transfer's own timeout) and
	 * waits to retry. */
	while (fetch_requests_in_flight(fetch) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	T_EQ_INT(1, reports);
	advance(2 * SEC);
	while (reports < 2)
		event_base_loop(base, EVLOOP_ONCE);
	T_EQ_STR("error", last[0].result);
	T_CONTAINS(last[0].error, "timed out");
	T_EQ_INT(2, slow->hits);
	teardown();
}

static void test_cursor_only_with_its_batch(void)
{
	setup(NULL);
	/* Page 1 stores and moves the cursor; page 2's batch cannot be stored
	 * (an item the store refuses): neither its items nor its cursor. */
	route("/a/start", "item ok1\ncursor c1\nnext /p2\n");
	route("/a/p2", "item ok2\nitem BAD\ncursor c2\n");
	start(0);
	run(1);
	T_EQ_STR("partial", last[0].result);
	T_CONTAINS(last[0].error, "cannot store the batch");
	char *c = cursor_of("a-fb");
	T_EQ_STR("c1", c);
	free(c);
	T_EQ_INT(1, count("SELECT count(*) FROM items WHERE platform_id='ok1'"));
	T_EQ_INT(0, count("SELECT count(*) FROM items WHERE platform_id='ok2'"));
	/* A token error after a stored page: that page stays stored. */
	teardown();
}

static int commits, commits_to_refuse;

static int count_commit(void *arg)
{
	commits++;
	if (commits_to_refuse > 0) {
		commits_to_refuse--;
		return 1; /* the COMMIT becomes a ROLLBACK */
	}
	return 0;
}

static void test_answers_of_one_iteration_share_a_commit(void)
{
	setup(NULL);
	route("/a/start", "item a1\ncursor ca\n");
	route("/b/start", "item b1\nitem b2\ncursor cb\n");
	route("/c/start", "item c1\ncursor cc\n");
	start(0);
	start(1);
	start(2);
	commits = 0;
	done_in_transaction = 0;
	sqlite3_commit_hook(store_db(store), count_commit, NULL);
	run(3);
	sqlite3_commit_hook(store_db(store), NULL, NULL);
	for (int i = 0; i < 3; i++)
		T_EQ_STR("ok", last[i].result);
	T_EQ_INT(4, count("SELECT count(*) FROM items"));
	T_EQ_INT(3, count("SELECT count(*) FROM account_cursors"));
	T_EQ_INT(3, count("SELECT count(*) FROM polls WHERE result='ok'"));
	/* Each poll's batch and end committed together, whichever answers
	 * shared a loop iteration: at most one commit per poll (one batch and
	 * one end each were two), and nobody heard of a poll before its
	 * commit. */
	T_ASSERT(commits >= 1 && commits <= 3);
	T_EQ_INT(0, done_in_transaction);
	teardown();
}

static void test_a_failed_group_commit_fails_its_polls(void)
{
	setup(NULL);
	route("/a/start", "item a1\ncursor ca\n");
	int64_t id = start(0);
	/* The first commit after the start is the flush's: refused. */
	commits = 0;
	commits_to_refuse = 1;
	sqlite3_commit_hook(store_db(store), count_commit, NULL);
	run(1);
	sqlite3_commit_hook(store_db(store), NULL, NULL);
	T_EQ_STR("error", last[0].result);
	T_CONTAINS(last[0].error, "cannot store the batch");
	T_EQ_INT(0, last[0].items_new);
	T_EQ_INT(0, count("SELECT count(*) FROM items"));
	char *c = cursor_of("a-fb");
	T_ASSERT(c == NULL);
	free(c);
	/* The end is recorded again, on its own. */
	struct store_poll_row row;
	T_EQ_INT(0, store_poll_get(store, id, &row));
	T_EQ_STR("error", row.result);
	T_CONTAINS(row.error, "cannot store the batch");
	teardown();
}

static void test_own_reply_before_its_parent_meets_the_clock(void)
{
	setup(NULL);
	/* The reply comes first (another page order), then the question. */
	route("/a/start", "item r1 own parent=q1\nnext /p2\n");
	route("/a/p2", "item q1\ngone old\n");
	start(0);
	run(1);
	T_EQ_STR("ok", last[0].result);
	int64_t q = 0;
	T_EQ_INT(0, store_item_find(store, "a-fb", "q1", &q));
	T_ASSERT(q > 0);
	T_EQ_INT(1, count("SELECT count(*) FROM items r JOIN items p ON r.parent_id = p.id "
	                  "WHERE r.platform_id='r1' AND p.platform_id='q1'"));
	T_EQ_INT(1, count("SELECT count(*) FROM items WHERE platform_id='q1' AND "
	                  "state='answered' AND answered_by IS NOT NULL"));
	T_EQ_INT(0, count("SELECT count(*) FROM deadlines d JOIN items i ON i.id = d.item_id "
	                  "WHERE i.platform_id='q1' AND d.kind='respond' AND "
	                  "d.stopped_at IS NULL"));
	teardown();
}

static void test_gone_is_marked_never_purged(void)
{
	setup(NULL);
	route("/a/start", "item g1\nitem g2\n");
	start(0);
	run(1);
	routes[0].body = "item g2\ngone g1\n";
	start(0);
	run(2);
	T_EQ_INT(1, last[0].gone);
	T_EQ_INT(1, count("SELECT count(*) FROM items WHERE platform_id='g1' AND "
	                  "platform_state='gone'"));
	T_EQ_INT(2, count("SELECT count(*) FROM items"));
	teardown();
}

static int64_t real_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec / 1000;
}

static void test_stop_until_reconfigured(void)
{
	setup(NULL);
	struct route *r = route("/a/start", "item s1\n");
	r->fail_times = 1;
	r->fail_status = 402;
	route("/b/start", "item b1\n");
	int64_t id;
	start(0);
	run(1);
	T_EQ_STR("error", last[0].result);
	T_EQ_INT(CONN_STOP, last[0].outcome);
	T_EQ_INT(1, r->hits); /* no retry */
	T_EQ_INT(-ECANCELED, fetch_start(fetch, "a-fb", T0, NULL, NULL, &id));
	T_CONTAINS(fetch_stopped_why(fetch, "a-fb"), "credits used up");
	struct store_account_health h;
	T_EQ_INT(0, store_account_health_get(store, "a-fb", &h));
	T_EQ_STR("red", h.state);
	T_EQ_STR("stopped", h.token_state);
	/* Others go on; a reload lets the stopped one try again. */
	start(1);
	run(2);
	T_EQ_STR("ok", last[1].result);
	fetch_reconfigured(fetch);
	start(0);
	run(3);
	T_EQ_STR("ok", last[0].result);
	T_EQ_INT(2, r->hits);
	teardown();
}

static void test_red_when_failing_longer_than_the_schedule_allows(void)
{
	setup(&(struct fetch_env){
	        .red_after = 100, .retry_max = 1, .backoff_usec = SEC, .backoff_max_usec = SEC });
	struct route *r = route("/a/start", "item h1\n");
	struct store_account_health h;
	start(0);
	run(1);
	T_EQ_STR("ok", last[0].result);
	/* Failing an hour later: not red yet (no schedule: 6 h allowed). */
	advance(3600 * SEC);
	r->fail_times = r->hits + 2;
	r->fail_status = 500;
	start(0);
	while (reports < 2) {
		run(2);
		advance(2 * SEC);
	}
	T_EQ_STR("error", last[0].result);
	T_EQ_INT(0, store_account_health_get(store, "a-fb", &h));
	T_EQ_STR("ok", h.state);
	T_EQ_INT(1, h.consecutive_failures);
	/* Still failing seven hours after the last good poll: red. */
	advance(6 * 3600 * SEC);
	r->fail_times = r->hits + 2;
	start(0);
	while (reports < 3) {
		run(3);
		advance(2 * SEC);
	}
	T_EQ_INT(0, store_account_health_get(store, "a-fb", &h));
	T_EQ_STR("red", h.state);
	T_CONTAINS(h.reason, "no successful poll for");
	teardown();
}

static void test_a_reload_during_the_poll_changes_nothing(void)
{
	setup(NULL);
	route("/a/start", "item t1\nnext /p2\n");
	route("/a/p2", "item t2\n");
	start(0);
	/* The configuration changes (a new token, another URL) while the
	 * first page is on its way: the poll keeps what it started with. */
	accs[0].token.value = "another-token";
	accs[0].api_base_url = "http://127.0.0.1:1/elsewhere";
	run(1);
	accs[0].token.value = "secret-token";
	accs[0].api_base_url = urls[0];
	T_EQ_STR("ok", last[0].result);
	T_EQ_INT(2, last[0].items_new);
	teardown();
}

static void drained(void *arg)
{
	*(int *)arg = 1;
}

static void test_shutdown_abandons_within_the_bound(void)
{
	setup(NULL);
	struct route *slow = route("/a/start", "item never\n");
	slow->fail_times = 100;
	slow->fail_status = 0;
	int64_t id = start(0);
	while (slow->hits == 0)
		event_base_loop(base, EVLOOP_ONCE);
	int done = 0;
	int64_t t0 = real_usec();
	fetch_drain(fetch, 200000, drained, &done);
	while (!done)
		event_base_loop(base, EVLOOP_ONCE);
	T_ASSERT(real_usec() - t0 < 5 * SEC);
	T_EQ_INT(-ESHUTDOWN, fetch_start(fetch, "b-fb", T0, NULL, NULL, &id));
	fetch_free(fetch);
	fetch = NULL;
	struct store_poll_row row;
	T_EQ_INT(0, store_poll_get(store, id, &row));
	T_EQ_STR("partial", row.result);
	T_CONTAINS(row.error, "stopped during the poll");
	teardown();
}

static void test_app_usage_slows_every_account_of_the_platform(void)
{
	setup(NULL);
	/* a's answer says the app is at 97 %: b, polled after it, waits for
	 * the window (a minute when the platform does not say) although b's
	 * own answers never said anything. */
	route("/a/start", "item a1\nappusage 97\n");
	route("/b/start", "item b1\n");
	start(0);
	run(1);
	T_EQ_STR("ok", last[0].result);
	start(1);
	run(2);
	T_EQ_INT(1, reports);
	T_EQ_INT(0, find_route("/b/start")->hits);
	advance(61 * SEC);
	run(2);
	T_EQ_STR("ok", last[1].result);
	T_EQ_INT(1, find_route("/b/start")->hits);
	teardown();
}

static void test_app_usage_is_the_latest_figure(void)
{
	int64_t nb = 0;
	bool slow = false;
	struct conn_rate r = { .usage_percent = -1, .remaining = -1, .app_usage_percent = 85 };
	fetch_rate_apply_app(&r, T0, &nb, &slow);
	T_ASSERT(slow);
	T_EQ_INT(0, nb);
	r.app_usage_percent = 40; /* the window moved on: full speed again */
	fetch_rate_apply_app(&r, T0, &nb, &slow);
	T_ASSERT(!slow);
	r.app_usage_percent = -1; /* no figure: nothing changes */
	slow = true;
	fetch_rate_apply_app(&r, T0, &nb, &slow);
	T_ASSERT(slow);
	r = (struct conn_rate){ .usage_percent = -1,
		                .remaining = -1,
		                .app_usage_percent = 96,
		                .reset_at = T0 + 300 * SEC };
	fetch_rate_apply_app(&r, T0, &nb, &slow);
	T_EQ_INT(T0 + 300 * SEC, nb);
}

static void test_backoff_grows_and_respects_retry_after(void)
{
	/* base·2^(n-1), at most max, times a jitter in [0.5, 1.5). */
	T_EQ_INT(1 * SEC, fetch_backoff(1, 2 * SEC, 60 * SEC, 0.0, 0));
	T_EQ_INT(2 * SEC, fetch_backoff(1, 2 * SEC, 60 * SEC, 0.5, 0));
	T_EQ_INT(8 * SEC, fetch_backoff(3, 2 * SEC, 60 * SEC, 0.5, 0));
	T_EQ_INT(60 * SEC, fetch_backoff(30, 2 * SEC, 60 * SEC, 0.5, 0));
	T_EQ_INT(90 * SEC, fetch_backoff(30, 2 * SEC, 60 * SEC, 1.0, 0));
	/* Never sooner than the platform asked. */
	T_EQ_INT(600 * SEC, fetch_backoff(1, 2 * SEC, 60 * SEC, 0.5, 600 * SEC));
}

static void test_rate_headers_slow_down(void)
{
	int64_t nb = 0;
	bool slow = false;
	struct conn_rate r = { .usage_percent = 85, .remaining = -1 };
	fetch_rate_apply(&r, T0, &nb, &slow);
	T_ASSERT(slow);
	T_EQ_INT(0, nb);
	r = (struct conn_rate){ .usage_percent = 100, .remaining = -1, .reset_at = T0 + 300 * SEC };
	fetch_rate_apply(&r, T0, &nb, &slow);
	T_EQ_INT(T0 + 300 * SEC, nb);
	r = (struct conn_rate){ .usage_percent = -1, .remaining = 0 };
	nb = 0;
	fetch_rate_apply(&r, T0, &nb, &slow);
	T_EQ_INT(T0 + 60 * SEC, nb); /* no reset time given: a minute */
	r = (struct conn_rate){ .usage_percent = -1, .remaining = -1, .retry_after_usec = SEC };
	fetch_rate_apply(&r, T0, &nb, &slow);
	T_EQ_INT(T0 + 60 * SEC, nb); /* never earlier */
}

int main(void)
{
	char *rules_dir = NULL;
	struct diag_list dl = { 0 };
	setenv("TZ", "Europe/Stockholm", 1);
	if (asprintf(&rules_dir, "%s/tests/unit/data/filter/good", SRCDIR) < 0 ||
	    pipeline_rules_load(rules_dir, 0, &rules, &dl) || cal_new(&cal)) {
		diag_print(&dl, stdout);
		return 1;
	}
	free(rules_dir);
	curl_global_init(CURL_GLOBAL_DEFAULT);

	T_RUN(test_pages_are_stored_with_the_cursor);
	T_RUN(test_concurrency_per_account_and_platform);
	T_RUN(test_requests_in_flight_follows_a_reload);
	T_RUN(test_retry_with_backoff);
	T_RUN(test_retries_are_bounded);
	T_RUN(test_retry_after_is_honoured);
	T_RUN(test_a_long_platform_wait_is_not_a_timeout);
	T_RUN(test_token_error_turns_red_without_retry);
	T_RUN(test_timeout_is_isolated_to_its_account);
	T_RUN(test_cursor_only_with_its_batch);
	T_RUN(test_answers_of_one_iteration_share_a_commit);
	T_RUN(test_a_failed_group_commit_fails_its_polls);
	T_RUN(test_own_reply_before_its_parent_meets_the_clock);
	T_RUN(test_gone_is_marked_never_purged);
	T_RUN(test_shutdown_abandons_within_the_bound);
	T_RUN(test_stop_until_reconfigured);
	T_RUN(test_a_reload_during_the_poll_changes_nothing);
	T_RUN(test_red_when_failing_longer_than_the_schedule_allows);
	T_RUN(test_backoff_grows_and_respects_retry_after);
	T_RUN(test_rate_headers_slow_down);
	T_RUN(test_app_usage_slows_every_account_of_the_platform);
	T_RUN(test_app_usage_is_the_latest_figure);

	curl_global_cleanup();
	pipeline_rules_free(rules);
	cal_free(cal);
	return t_done();
}
