/* curlev and http_xfer against a tiny HTTP server in the same loop on
 * 127.0.0.1: bodies, headers, statuses, the response cap, timeouts,
 * refused connections, many transfers at once, abandoning. */
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
#include <unistd.h>

#include "net/curlev.h"
#include "net/http.h"
#include "t.h"

static struct event_base *base;
static struct evconnlistener *listener;
static int port;
static int done_count;
/* Server-side connections, freed at teardown (libcurl keeps its end open
 * for reuse until the engine is freed). */
static struct bufferevent *conns[512];
static size_t n_conns;

/* The server answers by path: /ok, /big (2 MiB), /status/NNN, /slow (never),
 * /echo (the request's method, X-Echo header and body). */
static void srv_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	char *req = malloc(len + 1);
	evbuffer_copyout(in, req, len);
	req[len] = '\0';
	char *end = strstr(req, "\r\n\r\n");
	if (!end) {
		free(req);
		return;
	}
	const char *cl = strcasestr(req, "Content-Length:");
	size_t body_len = cl ? strtoul(cl + 15, NULL, 10) : 0;
	if (len < (size_t)(end + 4 - req) + body_len) {
		free(req);
		return;
	}
	evbuffer_drain(in, len);
	char method[16] = "", path[256] = "";
	sscanf(req, "%15s %255s", method, path);
	struct evbuffer *out = bufferevent_get_output(bev);
	if (strcmp(path, "/slow") == 0) {
		free(req);
		return;
	}
	if (strcmp(path, "/ok") == 0) {
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: one\r\n"
		                         "x-test: two\r\n\r\nhello");
	} else if (strcmp(path, "/big") == 0) {
		size_t n = 2u << 20;
		char *b = malloc(n);
		memset(b, 'a', n);
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", n);
		evbuffer_add(out, b, n);
		free(b);
	} else if (strncmp(path, "/status/", 8) == 0) {
		evbuffer_add_printf(
		        out,
		        "HTTP/1.1 %s Whatever\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\n{}",
		        path + 8);
	} else if (strcmp(path, "/echo") == 0) {
		const char *xe = strcasestr(req, "X-Echo: ");
		char echo[64] = "";
		if (xe)
			sscanf(xe + 8, "%63[^\r]", echo);
		evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s %s %.*s",
		                    strlen(method) + strlen(echo) + 2 + body_len, method, echo,
		                    (int)body_len, end + 4);
	} else {
		evbuffer_add_printf(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	}
	free(req);
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
	done_count = 0;
}

static void teardown(void)
{
	while (n_conns)
		bufferevent_free(conns[--n_conns]);
	evconnlistener_free(listener);
	event_base_free(base);
}

static void on_done(struct http_xfer *x, void *arg)
{
	done_count++;
	int *want = arg;
	if (want && done_count >= *want)
		event_base_loopbreak(base);
}

static void url(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "http://127.0.0.1:%d%s", port, path);
}

/* Run the loop until `want` transfers are done (each test has a bound:
 * a transfer timeout, never a fixed sleep). */
static void run_until(int *want)
{
	while (done_count < *want)
		event_base_loop(base, EVLOOP_ONCE);
}

static void test_get_body_and_headers(void)
{
	struct curlev *e;
	struct http_xfer *x;
	char u[128];
	int want = 1;

	setup();
	T_EQ_INT(0, curlev_new(base, NULL, &e));
	url(u, sizeof(u), "/ok");
	T_EQ_INT(0, http_xfer_new("GET", u, NULL, &x));
	T_EQ_INT(0, http_xfer_start(x, e, on_done, &want));
	T_EQ_INT(1, curlev_pending(e));
	run_until(&want);
	T_EQ_INT(HTTP_OK, http_xfer_failure(x));
	T_EQ_INT(200, http_xfer_status(x));
	size_t len;
	T_EQ_STR("hello", http_xfer_body_data(x, &len));
	T_EQ_INT(5, len);
	T_EQ_STR("two", http_xfer_response_header(x, "X-TEST"));
	T_ASSERT(http_xfer_response_header(x, "X-Missing") == NULL);
	T_EQ_INT(0, curlev_pending(e));
	http_xfer_free(x);
	curlev_free(e);
	teardown();
}

static void test_error_status_is_an_answer(void)
{
	struct curlev *e;
	struct http_xfer *x;
	char u[128];
	int want = 1;

	setup();
	T_EQ_INT(0, curlev_new(base, NULL, &e));
	url(u, sizeof(u), "/status/503");
	T_EQ_INT(0, http_xfer_new("GET", u, NULL, &x));
	T_EQ_INT(0, http_xfer_start(x, e, on_done, &want));
	run_until(&want);
	T_EQ_INT(HTTP_OK, http_xfer_failure(x));
	T_EQ_INT(503, http_xfer_status(x));
	T_EQ_STR("7", http_xfer_response_header(x, "retry-after"));
	http_xfer_free(x);
	curlev_free(e);
	teardown();
}

static void test_body_over_cap_fails(void)
{
	struct curlev *e;
	struct http_xfer *x;
	struct http_opts o = { .max_body = 1u << 20 };
	char u[128];
	int want = 1;

	setup();
	T_EQ_INT(0, curlev_new(base, NULL, &e));
	url(u, sizeof(u), "/big");
	T_EQ_INT(0, http_xfer_new("GET", u, &o, &x));
	T_EQ_INT(0, http_xfer_start(x, e, on_done, &want));
	run_until(&want);
	T_EQ_INT(HTTP_TOO_LARGE, http_xfer_failure(x));
	size_t len;
	http_xfer_body_data(x, &len);
	T_ASSERT(len <= (1u << 20));
	http_xfer_free(x);
	curlev_free(e);
	teardown();
}

static void test_timeout(void)
{
	struct curlev *e;
	struct http_xfer *x;
	struct http_opts o = { .timeout_ms = 200 };
	char u[128];
	int want = 1;

	setup();
	T_EQ_INT(0, curlev_new(base, NULL, &e));
	url(u, sizeof(u), "/slow");
	T_EQ_INT(0, http_xfer_new("GET", u, &o, &x));
	T_EQ_INT(0, http_xfer_start(x, e, on_done, &want));
	run_until(&want);
	T_EQ_INT(HTTP_TIMEOUT, http_xfer_failure(x));
	T_EQ_INT(0, http_xfer_status(x));
	T_ASSERT(http_xfer_error(x)[0] != '\0');
	http_xfer_free(x);
	curlev_free(e);
	teardown();
}

static void test_refused(void)
{
	struct curlev *e;
	struct http_xfer *x;
	char u[128];
	int want = 1;

	setup();
	T_EQ_INT(0, curlev_new(base, NULL, &e));
	/* A port that was free a moment ago: bind, read it, close. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(fd, (struct sockaddr *)&sin, &slen);
	close(fd);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", ntohs(sin.sin_port));
	T_EQ_INT(0, http_xfer_new("GET", u, NULL, &x));
	T_EQ_INT(0, http_xfer_start(x, e, on_done, &want));
	run_until(&want);
	T_EQ_INT(HTTP_CONNECT, http_xfer_failure(x));
	http_xfer_free(x);
	curlev_free(e);
	teardown();
}

static void test_post_body_and_header(void)
{
	struct curlev *e;
	struct http_xfer *x;
	char u[128];
	int want = 1;

	setup();
	T_EQ_INT(0, curlev_new(base, NULL, &e));
	url(u, sizeof(u), "/echo");
	T_EQ_INT(0, http_xfer_new("DELETE", u, NULL, &x));
	T_EQ_INT(0, http_xfer_header(x, "X-Echo", "abc"));
	T_EQ_INT(-EINVAL, http_xfer_header(x, "X-Bad", "a\r\nInjected: yes"));
	T_EQ_INT(-EINVAL, http_xfer_header(x, "X Bad", "a"));
	T_EQ_INT(0, http_xfer_body(x, "application/json", "{\"a\":1}", 7));
	T_EQ_INT(0, http_xfer_start(x, e, on_done, &want));
	run_until(&want);
	T_EQ_INT(200, http_xfer_status(x));
	T_EQ_STR("DELETE abc {\"a\":1}", http_xfer_body_data(x, NULL));
	http_xfer_free(x);
	curlev_free(e);
	teardown();
}

static void test_refuses_other_schemes(void)
{
	struct http_xfer *x = NULL;

	T_EQ_INT(-EINVAL, http_xfer_new("GET", "file:///etc/passwd", NULL, &x));
	T_EQ_INT(-EINVAL, http_xfer_new("GET", "gopher://127.0.0.1/", NULL, &x));
	T_EQ_INT(-EINVAL, http_xfer_new("TRACE", "http://127.0.0.1/", NULL, &x));
	T_ASSERT(x == NULL);
}

static void test_many_at_once(void)
{
	enum { N = 200 };
	struct curlev *e;
	struct curlev_limits lim = { .max_host_connections = 8 };
	struct http_xfer *x[N];
	char u[128];
	int want = N;

	setup();
	T_EQ_INT(0, curlev_new(base, &lim, &e));
	url(u, sizeof(u), "/ok");
	for (int i = 0; i < N; i++) {
		T_EQ_INT(0, http_xfer_new("GET", u, NULL, &x[i]));
		T_EQ_INT(0, http_xfer_start(x[i], e, on_done, &want));
	}
	T_EQ_INT(N, curlev_pending(e));
	run_until(&want);
	int ok = 0;
	for (int i = 0; i < N; i++) {
		ok += http_xfer_status(x[i]) == 200 &&
		      strcmp(http_xfer_body_data(x[i], NULL), "hello") == 0;
		http_xfer_free(x[i]);
	}
	T_EQ_INT(N, ok);
	curlev_free(e);
	teardown();
}

/* Freeing a running transfer abandons it without a callback; freeing
 * the engine with transfers in flight calls each done with ABORTED. */
static void test_abandon(void)
{
	struct curlev *e;
	struct http_xfer *a, *b;
	char u[128];
	int want = 100;

	setup();
	T_EQ_INT(0, curlev_new(base, NULL, &e));
	url(u, sizeof(u), "/slow");
	T_EQ_INT(0, http_xfer_new("GET", u, NULL, &a));
	T_EQ_INT(0, http_xfer_new("GET", u, NULL, &b));
	T_EQ_INT(0, http_xfer_start(a, e, on_done, &want));
	T_EQ_INT(0, http_xfer_start(b, e, on_done, &want));
	T_EQ_INT(-EBUSY, http_xfer_start(b, e, on_done, &want));
	/* Let both connect and send. */
	for (int i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	http_xfer_free(a);
	T_EQ_INT(1, curlev_pending(e));
	T_EQ_INT(0, done_count);
	curlev_free(e);
	T_EQ_INT(1, done_count);
	T_EQ_INT(HTTP_ABORTED, http_xfer_failure(b));
	http_xfer_free(b);
	teardown();
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	T_RUN(test_get_body_and_headers);
	T_RUN(test_error_status_is_an_answer);
	T_RUN(test_body_over_cap_fails);
	T_RUN(test_timeout);
	T_RUN(test_refused);
	T_RUN(test_post_body_and_header);
	T_RUN(test_refuses_other_schemes);
	T_RUN(test_many_at_once);
	T_RUN(test_abandon);
	curl_global_cleanup();
	return t_done();
}
