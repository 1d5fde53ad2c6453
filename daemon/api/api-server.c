/* The control API's socket side: connections on a Unix socket, their
 * limits, HTTP/1.1 framing (api-http.c) and systemd socket activation.
 *
 * Every accepted connection counts against MaxConnections= from accept to
 * close, whatever it has sent.  A connection is idle when it has no byte
 * of a request pending and no response being written (just accepted, or
 * between keep-alive requests).  At the limit a new connection takes the
 * slot of the connection idle longest; when none is idle, the slot of the
 * one whose request has been arriving (or whose answer has been waiting to
 * be read) longest.  Nobody is closed to make room within half a second of
 * being accepted, or a tenth of a second of starting a request; when every
 * slot is that young, newcomers wait in the backlog until one is not.  So a crowd of slow or
 * silent clients cannot keep anyone out: an administrator's request, which
 * arrives whole at once, is read as soon as it is accepted and answered
 * within its grace.  The daemon never holds more than MaxConnections API
 * file descriptors, and listens with a deep backlog (a full one makes a
 * Unix socket's connect() fail at once).
 *
 * A request must arrive whole within RequestTimeoutSec= of its first byte,
 * however slowly it trickles (answered 408); an idle connection, or one
 * whose client does not read its answer, closes after IdleTimeoutSec=.
 * Every answer, parse errors and timeouts included, is the JSON error
 * shape of api-route.c. */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <systemd/sd-daemon.h>

#include "api/api-audit-job.h"
#include "api/api-http.h"
#include "util/log.h"

/* File descriptors kept free for everything else the daemon opens (the
 * store, its WAL, HTTP transfers, rule files on reload). */
#define FD_RESERVE 64

/* Nobody is closed to make room this soon after being accepted (a client
 * may be slow to send its first byte) or after its request began to
 * arrive (a request sent at once arrives within this): long enough to
 * serve a client that is not slow on purpose, short enough that a crowd
 * holding every slot still lets newcomers in quickly. */
#define GRACE_SILENT_USEC 500000
#define GRACE_REQUEST_USEC 100000

enum conn_phase {
	CONN_IDLE,    /* no byte of a request yet */
	CONN_READING, /* a request is arriving; the request bound runs */
	CONN_WRITING, /* a response is going out */
	CONN_WAITING, /* its request waits for the audit job or a reload
	               * (api_response.wait) */
};

struct api_conn {
	struct api_conn *prev, *next;
	struct api_server *srv;
	int fd;
	struct event *rev, *wev, *timer;
	struct event *pipe_ev; /* takes a pipelined request outside the write path */
	enum conn_phase phase;
	char *in; /* this request's bytes (and any pipelined after it) */
	size_t in_len, in_cap;
	struct evbuffer *out;
	struct api_http_req req;
	/* This request's query in `in`, NULL when none; `in` does not move
	 * while the request waits, since nothing is read then. */
	const char *query;
	bool close_after; /* close once the response is written */
	bool peer_eof;    /* the client will send nothing more */
	bool served;      /* has had a request answered */
	bool sent_continue;
	int64_t since;     /* monotonic µs: became idle, or its request's first byte */
	int64_t timer_due; /* monotonic µs: when the armed bound really ends */
	uid_t user_uid;    /* the uid user[] was looked up for */
	char user[64];     /* its name, "" when none */
	bool user_known;
	uint64_t ticket; /* CONN_WAITING: what it waits for (api_response.ticket) */
};

struct api_server {
	struct event_base *base;
	struct evconnlistener *listener;
	const struct api_env *env;
	char *socket_path; /* NULL when systemd owns the socket */
	int activated;
	struct event *resume; /* re-enables the listener after a pause */
	bool full;            /* paused: every slot is within its grace */
	struct api_conn *conns;
	unsigned connections;
	unsigned max_connections;
	struct api_http_limits limits;
	int request_timeout_sec;
	int idle_timeout_sec;
};

/* Real (monotonic) time, not the daemon's clock: limits protect the
 * process, whatever simulated time it runs on. */
static int64_t mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void arm_timer_usec(struct api_conn *c, int64_t usec)
{
	struct timeval tv = { (time_t)(usec / 1000000), (suseconds_t)(usec % 1000000) };
	/* libevent counts a timeout from the time it cached when this loop
	 * iteration began; a bound must start now, or it ends early. */
	event_base_update_cache_time(c->srv->base);
	evtimer_add(c->timer, &tv);
}

static void arm_timer(struct api_conn *c, int sec)
{
	int64_t usec = (int64_t)(sec > 0 ? sec : 1) * 1000000;
	c->timer_due = mono_usec() + usec;
	arm_timer_usec(c, usec);
}

static void conn_close(struct api_conn *c)
{
	struct api_server *srv = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->connections--;
	struct event *evs[] = { c->rev, c->wev, c->timer, c->pipe_ev };
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
	if (c->out)
		evbuffer_free(c->out);
	api_http_req_reset(&c->req);
	free(c->in);
	close(c->fd);
	free(c);
	if (srv->full && srv->listener) {
		srv->full = false;
		evconnlistener_enable(srv->listener);
	}
}

static bool conn_idle(const struct api_conn *c)
{
	return c->phase == CONN_IDLE && c->in_len == 0;
}

/* The connection that gives way to a newcomer at the limit: the one idle
 * longest (between requests, or silent since accept for longer than the
 * grace), else the busy one whose request began longest ago, past the
 * grace.  NULL when every connection is within its grace; then *ret_wait
 * is how long until one is not. */
static struct api_conn *give_way(struct api_server *srv, int64_t now, int64_t *ret_wait)
{
	struct api_conn *idle = NULL, *busy = NULL;
	int64_t wait = GRACE_SILENT_USEC;
	for (struct api_conn *c = srv->conns; c; c = c->next) {
		int64_t grace =
		        conn_idle(c) ? (c->served ? 0 : GRACE_SILENT_USEC) : GRACE_REQUEST_USEC;
		if (now - c->since < grace) {
			if (c->since + grace - now < wait)
				wait = c->since + grace - now;
			continue;
		}
		struct api_conn **best = conn_idle(c) ? &idle : &busy;
		if (!*best || c->since < (*best)->since)
			*best = c;
	}
	*ret_wait = wait;
	return idle ? idle : busy;
}

static void flush(struct api_conn *c);

/* Queue a response.  HEAD gets the headers of the JSON answer, without
 * the body HTTP forbids there. */
static void respond(struct api_conn *c, int status, const cJSON *body, bool head_only)
{
	static const char oom[] = "{\"error\":{\"status\":500,\"code\":\"internal\","
	                          "\"message\":\"out of memory\"}}";
	char *txt = body ? cJSON_PrintUnformatted(body) : NULL;
	const char *b = txt ? txt : oom;
	size_t blen = strlen(b) + 1;

	if (!txt)
		status = 500;
	if (!c->req.keep_alive)
		c->close_after = true;
	evbuffer_add_printf(c->out,
	                    "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	                    "Content-Length: %zu\r\n%s\r\n",
	                    status, api_http_reason(status), blen,
	                    c->close_after      ? "Connection: close\r\n"
	                    : c->req.minor == 0 ? "Connection: keep-alive\r\n"
	                                        : "");
	if (!head_only) {
		evbuffer_add(c->out, b, blen - 1);
		evbuffer_add(c->out, "\n", 1);
	}
	free(txt);
	c->phase = CONN_WRITING;
	event_del(c->rev);
	arm_timer(c, c->srv->idle_timeout_sec);
	flush(c);
}

/* An error before or instead of routing: the framing is not trusted any
 * more, so the connection closes after the answer. */
static void respond_error(struct api_conn *c, int status, const char *code, const char *msg)
{
	cJSON *e = api_error_body(status, code, "%s", msg);
	c->close_after = true;
	respond(c, status, e, false);
	cJSON_Delete(e);
}

/* The caller as the kernel saw it at connect (SO_PEERCRED), asked for every
 * request; the user name is looked up once per connection, since the
 * name service may be slow and the uid cannot change. */
static void peer_caller(struct api_conn *c, struct api_caller *ret)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	*ret = (struct api_caller){ 0 };
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || len != sizeof(uc))
		return;
	ret->known = true;
	ret->uid = uc.uid;
	ret->gid = uc.gid;
	ret->pid = uc.pid;
	if (!c->user_known || c->user_uid != uc.uid) {
		struct passwd pw, *res = NULL;
		char buf[4096];
		c->user[0] = '\0';
		if (getpwuid_r(uc.uid, &pw, buf, sizeof(buf), &res) == 0 && res &&
		    strlen(res->pw_name) < sizeof(c->user))
			snprintf(c->user, sizeof(c->user), "%s", res->pw_name);
		c->user_uid = uc.uid;
		c->user_known = true;
	}
	snprintf(ret->user, sizeof(ret->user), "%s", c->user);
}

/* Route the request; resumed: again, after it waited. */
static void handle(struct api_conn *c, bool resumed)
{
	struct api_response resp;
	struct api_caller caller;
	char *method = c->in + c->req.method_off;
	char *target = c->in + c->req.target_off;
	int r;

	if (!resumed) {
		char *q = strchr(target, '?');
		if (q)
			*q++ = '\0';
		c->query = q;
	}
	peer_caller(c, &caller);
	if (resumed)
		r = api_route_resumed(c->srv->env, &caller, c->ticket, method, target, c->query,
		                      c->req.body, c->req.body_len, &resp);
	else
		r = api_route_as(c->srv->env, &caller, method, target, c->query, c->req.body,
		                 c->req.body_len, &resp);
	if (r < 0) {
		respond(c, 500, NULL, false);
		return;
	}
	if (resp.wait) {
		/* Park: no reading (the buffer must not move under the
		 * request) and no timer; the job's end always comes, and
		 * api_server_free() closes whoever still waits. */
		c->phase = CONN_WAITING;
		c->ticket = resp.ticket;
		event_del(c->rev);
		event_del(c->timer);
		api_response_clear(&resp);
		return;
	}
	log_debug("api: %s %s -> %d (uid %u)", method, target, resp.status, (unsigned)caller.uid);
	respond(c, resp.status, resp.body, strcmp(method, "HEAD") == 0);
	api_response_clear(&resp);
}

static void become_idle(struct api_conn *c);

/* Parse what has arrived; answer a complete or broken request. */
static void progress(struct api_conn *c)
{
	struct api_server *srv = c->srv;
	if (c->phase != CONN_READING)
		return;
	/* Some clients end a body with an extra CRLF; RFC 9112 asks a server
	 * to ignore empty lines before a request line (which cannot start
	 * with CR). */
	if (c->req.state == API_HTTP_HEAD) {
		size_t skip = 0;
		while (c->in_len - skip >= 2 && c->in[skip] == '\r' && c->in[skip + 1] == '\n')
			skip += 2;
		if (skip) {
			memmove(c->in, c->in + skip, c->in_len - skip);
			c->in_len -= skip;
			c->req.scan = 0;
		}
		if (c->in_len == 0) {
			if (c->peer_eof)
				conn_close(c);
			else
				become_idle(c);
			return;
		}
	}
	int r = api_http_parse(&c->req, c->in, c->in_len, &srv->limits);

	if (r < 0) {
		respond_error(c, c->req.error.status, c->req.error.code, c->req.error.message);
		return;
	}
	if (r > 0) {
		handle(c, false);
		return;
	}
	if (c->peer_eof) {
		conn_close(c); /* half a request and no more to come */
		return;
	}
	if (c->req.expect_continue && !c->sent_continue && api_http_have_head(&c->req)) {
		c->sent_continue = true;
		evbuffer_add_printf(c->out, "HTTP/1.1 100 Continue\r\n\r\n");
		flush(c);
	}
}

static void start_reading(struct api_conn *c)
{
	c->phase = CONN_READING;
	c->since = mono_usec();
	arm_timer(c, c->srv->request_timeout_sec);
}

static void become_idle(struct api_conn *c)
{
	c->phase = CONN_IDLE;
	c->since = mono_usec();
	arm_timer(c, c->srv->idle_timeout_sec);
	event_add(c->rev, NULL);
}

/* The response is out: close, or take the next request (perhaps already
 * here, pipelined). */
static void response_done(struct api_conn *c)
{
	if (c->close_after) {
		conn_close(c);
		return;
	}
	size_t used = c->req.pos;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	api_http_req_reset(&c->req);
	c->query = NULL;
	c->sent_continue = false;
	c->served = true;
	if (c->in_len == 0) {
		become_idle(c);
		return;
	}
	/* Pipelined bytes: parse them from the loop, not from here, so that
	 * a buffer full of tiny requests cannot recurse through
	 * respond() and flush(). */
	event_add(c->rev, NULL);
	start_reading(c);
	event_active(c->pipe_ev, EV_TIMEOUT, 1);
}

static void on_next(evutil_socket_t fd, short what, void *arg)
{
	progress(arg);
}

static void flush(struct api_conn *c)
{
	while (evbuffer_get_length(c->out) > 0) {
		int n = evbuffer_write(c->out, c->fd);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_add(c->wev, NULL);
			return;
		}
		if (n <= 0) {
			conn_close(c);
			return;
		}
	}
	event_del(c->wev);
	if (c->phase == CONN_WRITING)
		response_done(c);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	flush(arg);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct api_conn *c = arg;
	struct api_server *srv = c->srv;
	/* Enough for the largest request the parser can accept (a chunked
	 * body may carry as much framing again); it refuses before this. */
	size_t cap = srv->limits.max_header + 2 * srv->limits.max_body + 8192;

	if (c->in_len == c->in_cap) {
		size_t ncap = c->in_cap ? c->in_cap * 2 : 4096;
		if (ncap > cap)
			ncap = cap;
		if (ncap <= c->in_len) {
			respond_error(c, 413, "too_large", "request too large");
			return;
		}
		char *n = realloc(c->in, ncap);
		if (!n) {
			respond_error(c, 500, "internal", "out of memory");
			return;
		}
		c->in = n;
		c->in_cap = ncap;
	}
	ssize_t n = read(fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0 || (n == 0 && c->phase == CONN_IDLE)) {
		conn_close(c);
		return;
	}
	if (n == 0) {
		/* Half-closed after sending: answer what is complete (it may
		 * be a pipelined request still waiting), then close. */
		c->peer_eof = true;
		c->close_after = true;
		event_del(c->rev);
		event_active(c->pipe_ev, EV_TIMEOUT, 1);
		return;
	}
	if (c->phase == CONN_IDLE)
		start_reading(c);
	c->in_len += (size_t)n;
	progress(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct api_conn *c = arg;
	/* libevent's clock is CLOCK_MONOTONIC_COARSE, a tick behind the
	 * precise one: its timer can fire a few ms before the bound ends. */
	int64_t left = c->timer_due - mono_usec();
	if (left > 0) {
		arm_timer_usec(c, left);
		return;
	}
	if (c->phase == CONN_READING) {
		log_debug("api: request not complete within %d s; closing",
		          c->srv->request_timeout_sec);
		respond_error(c, 408, "request_timeout", "the request did not arrive in time");
	} else {
		conn_close(c); /* idle, or a client that does not read */
	}
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
	struct api_server *srv = arg;
	struct api_conn *c;
	int64_t now = mono_usec(), wait;

	while (srv->connections >= srv->max_connections) {
		struct api_conn *victim = give_way(srv, now, &wait);
		if (!victim)
			break; /* only after a reload lowered the limit */
		log_debug("api: at %u connections; closing the %s one", srv->max_connections,
		          conn_idle(victim) ? "longest idle" : "longest busy");
		conn_close(victim);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	c->out = evbuffer_new();
	c->rev = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(srv->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->timer = evtimer_new(srv->base, on_timer, c);
	c->pipe_ev = evtimer_new(srv->base, on_next, c);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->connections++;
	if (!c->out || !c->rev || !c->wev || !c->timer || !c->pipe_ev) {
		conn_close(c);
		return;
	}
	become_idle(c);
	/* A client usually sends its request right after connect, before we
	 * accept: read it now, so it is answered at once. */
	on_read(fd, EV_READ, c); /* may close c */
	/* Full, and nobody can give way yet: leave newcomers in the backlog
	 * until someone's grace runs out or a connection closes. */
	if (srv->connections >= srv->max_connections && !give_way(srv, now, &wait)) {
		struct timeval tv = { (time_t)(wait / 1000000), (suseconds_t)(wait % 1000000) };
		srv->full = true;
		evconnlistener_disable(l);
		evtimer_add(srv->resume, &tv);
	}
}

/* The audit job moved on or a reload ended: route every waiting request
 * again.  Answering one may close it, never another. */
void api_server_wake(struct api_server *srv)
{
	struct api_conn *next;
	if (!srv)
		return;
	for (struct api_conn *c = srv->conns; c; c = next) {
		next = c->next;
		if (c->phase == CONN_WAITING)
			handle(c, true);
	}
}

static void on_audit_changed(void *arg)
{
	api_server_wake(arg);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct api_server *srv = arg;
	srv->full = false;
	if (srv->listener)
		evconnlistener_enable(srv->listener);
}

/* Out of file descriptors: stop accepting for a second instead of spinning
 * on a listener that is always readable (tmux does the same). */
static void on_listener_error(struct evconnlistener *l, void *arg)
{
	struct api_server *srv = arg;
	int err = EVUTIL_SOCKET_ERROR();
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		struct timeval tv = { 1, 0 };
		log_notice("api: accept failed (%s); pausing for a second", strerror(err));
		evconnlistener_disable(l);
		evtimer_add(srv->resume, &tv);
	}
}

static int bind_unix(const char *path, unsigned mode, char *errbuf, size_t errlen)
{
	if (!path || !*path) {
		snprintf(errbuf, errlen, "no API socket path");
		return -EINVAL;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(errbuf, errlen, "socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	/* Replace a stale socket left by a crash, never a regular file, and
	 * never one that another vaktd still answers on. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(errbuf, errlen, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			snprintf(errbuf, errlen, "%s is in use by a running process", path);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(errbuf, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	mode_t old = umask(0777 & ~mode);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	umask(old);
	if (r < 0) {
		snprintf(errbuf, errlen, "cannot bind %s: %s", path, strerror(err));
		close(fd);
		return -err;
	}
	/* A deep backlog: connect() on a Unix socket fails at once (EAGAIN)
	 * when the backlog is full, so a crowd of clients must not fill it
	 * before an administrator's connection is queued.  (systemd's
	 * Backlog= defaults to SOMAXCONN as well.) */
	if (chmod(path, mode) < 0 || listen(fd, SOMAXCONN) < 0) {
		err = errno;
		snprintf(errbuf, errlen, "cannot set up %s: %s", path, strerror(err));
		close(fd);
		unlink(path);
		return -err;
	}
	return fd;
}

void api_server_set_limits(struct api_server *srv, const struct api_server_opts *opts)
{
	struct rlimit rl;
	unsigned max = opts->max_connections ? opts->max_connections : 1;

	/* Connections beyond what the file descriptor limit leaves room for
	 * would make accept() fail for everyone, the administrator too. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		rlim_t room =
		        rl.rlim_cur > 2 * FD_RESERVE ? rl.rlim_cur - FD_RESERVE : rl.rlim_cur / 2;
		if (room < 1)
			room = 1;
		if (max > room) {
			log_notice("api: MaxConnections=%u lowered to %u to fit the limit of %llu "
			           "open files",
			           max, (unsigned)room, (unsigned long long)rl.rlim_cur);
			max = (unsigned)room;
		}
	}
	srv->max_connections = max;
	srv->limits.max_body = opts->max_body;
	srv->limits.max_header = opts->max_header;
	srv->request_timeout_sec = opts->request_timeout_sec > 0 ? opts->request_timeout_sec : 10;
	srv->idle_timeout_sec = opts->timeout_sec > 0 ? opts->timeout_sec : 30;
}

int api_server_start(struct event_base *base, const struct api_env *env,
                     const struct api_server_opts *opts, struct api_server **ret, char *errbuf,
                     size_t errlen)
{
	struct api_server *srv = calloc(1, sizeof(*srv));
	int fd = -1, r;

	if (!srv)
		return -ENOMEM;
	srv->base = base;
	srv->env = env;
	srv->resume = evtimer_new(base, on_resume, srv);
	if (!srv->resume) {
		r = -ENOMEM;
		goto fail;
	}

	int n = sd_listen_fds(1);
	if (n > 1) {
		snprintf(errbuf, errlen, "systemd passed %d sockets; expected one", n);
		r = -EINVAL;
		goto fail;
	}
	if (n == 1) {
		fd = SD_LISTEN_FDS_START;
		if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
			snprintf(errbuf, errlen,
			         "the socket passed by systemd is not a listening "
			         "Unix stream socket");
			r = -EINVAL;
			goto fail;
		}
		evutil_make_socket_nonblocking(fd);
		evutil_make_socket_closeonexec(fd);
		srv->activated = 1;
	} else {
		fd = bind_unix(opts->socket_path, opts->socket_mode, errbuf, errlen);
		if (fd < 0) {
			r = fd;
			goto fail;
		}
		srv->socket_path = strdup(opts->socket_path);
	}
	api_server_set_limits(srv, opts);
	/* Backlog 0: the socket already listens (with our backlog or
	 * systemd's); -1 would make libevent listen again with 128. */
	srv->listener = evconnlistener_new(base, on_accept, srv,
	                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (!srv->listener) {
		snprintf(errbuf, errlen, "cannot listen on the API socket");
		close(fd);
		r = -ENOMEM;
		goto fail;
	}
	evconnlistener_set_error_cb(srv->listener, on_listener_error);
	if (env->audit_job)
		api_audit_job_set_listener(env->audit_job, on_audit_changed, srv);
	*ret = srv;
	return 0;
fail:
	api_server_free(srv);
	return r;
}

void api_server_free(struct api_server *srv)
{
	if (!srv)
		return;
	if (srv->env->audit_job)
		api_audit_job_set_listener(srv->env->audit_job, NULL, NULL);
	if (srv->listener)
		evconnlistener_free(srv->listener);
	srv->listener = NULL;
	while (srv->conns)
		conn_close(srv->conns);
	if (srv->resume)
		event_free(srv->resume);
	if (srv->socket_path) {
		unlink(srv->socket_path);
		free(srv->socket_path);
	}
	free(srv);
}

int api_server_socket_activated(const struct api_server *srv)
{
	return srv->activated;
}
