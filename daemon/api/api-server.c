/* The control API's socket side: evhttp on a Unix socket, limits, and
 * systemd socket activation. */
#include "api/api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <systemd/sd-daemon.h>

#include "util/log.h"

struct api_server {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener; /* owned by evhttp once bound */
	const struct api_env *env;
	char *socket_path; /* NULL when systemd owns the socket */
	int activated;
	struct tracked_conn *conns; /* connections that sent a request */
	unsigned connections;
	unsigned max_connections;
	size_t max_body;
};

/* evhttp 2.1 has no connection limit of its own, so we track connections
 * from their first request to their close and refuse work beyond the
 * limit; idle connections are dropped by evhttp's timeout. */
struct tracked_conn {
	struct tracked_conn *next;
	struct evhttp_connection *evcon;
	struct api_server *srv;
};

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	struct tracked_conn *tc = arg;
	struct api_server *srv = tc->srv;
	for (struct tracked_conn **pp = &srv->conns; *pp; pp = &(*pp)->next)
		if (*pp == tc) {
			*pp = tc->next;
			break;
		}
	srv->connections--;
	free(tc);
}

/* Returns 0 when the connection may be served. */
static int track_conn(struct api_server *srv, struct evhttp_connection *evcon)
{
	for (struct tracked_conn *tc = srv->conns; tc; tc = tc->next)
		if (tc->evcon == evcon)
			return 0;
	if (srv->connections >= srv->max_connections)
		return -EBUSY;
	struct tracked_conn *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return -ENOMEM;
	tc->evcon = evcon;
	tc->srv = srv;
	tc->next = srv->conns;
	srv->conns = tc;
	srv->connections++;
	evhttp_connection_set_closecb(evcon, on_conn_close, tc);
	return 0;
}

static void send_json(struct evhttp_request *req, int status, cJSON *body)
{
	struct evbuffer *out = evbuffer_new();
	char *txt = body ? cJSON_PrintUnformatted(body) : NULL;
	static const char oom[] = "{\"error\":{\"status\":500,\"code\":\"internal\","
	                          "\"message\":\"out of memory\"}}";
	if (!out) {
		free(txt);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if (!txt)
		status = 500;
	evbuffer_add(out, txt ? txt : oom, strlen(txt ? txt : oom));
	evbuffer_add(out, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	                  "application/json");
	evhttp_send_reply(req, status, NULL, out);
	evbuffer_free(out);
	free(txt);
}

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "OTHER";
	}
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct api_server *srv = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct api_response resp;
	char *body = NULL;
	size_t len = 0;

	if (evcon && track_conn(srv, evcon) < 0) {
		cJSON *e = api_error_body(503, "busy", "too many connections (limit %u)",
		                          srv->max_connections);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
		send_json(req, 503, e);
		cJSON_Delete(e);
		return;
	}

	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	if (!path || !*path)
		path = "/";

	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	if (len > srv->max_body) {
		cJSON *e = api_error_body(413, "too_large", "request body larger than %zu bytes",
		                          srv->max_body);
		send_json(req, 413, e);
		cJSON_Delete(e);
		return;
	}
	if (len) {
		body = malloc(len + 1);
		if (!body) {
			send_json(req, 500, NULL);
			return;
		}
		evbuffer_remove(in, body, len);
		body[len] = '\0';
	}
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	if (api_route(srv->env, method_name(evhttp_request_get_command(req)), path, query, body,
	              len, &resp) < 0) {
		free(body);
		send_json(req, 500, NULL);
		return;
	}
	log_debug("api: %s %s -> %d", method_name(evhttp_request_get_command(req)), path,
	          resp.status);
	send_json(req, resp.status, resp.body);
	api_response_clear(&resp);
	free(body);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	evconnlistener_enable(arg);
}

/* Out of file descriptors: stop accepting for a second instead of spinning
 * on a listener that is always readable (tmux does the same).  The
 * listener's own argument belongs to evhttp, so the listener is the state. */
static void on_listener_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		struct timeval tv = { 1, 0 };
		log_notice("api: accept failed (%s); pausing for a second", strerror(err));
		evconnlistener_disable(l);
		event_base_once(evconnlistener_get_base(l), -1, EV_TIMEOUT, on_resume, l, &tv);
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
	if (chmod(path, mode) < 0 || listen(fd, 64) < 0) {
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
	srv->max_body = opts->max_body;
	srv->max_connections = opts->max_connections;
	/* evhttp's own caps sit above ours so that a too-large body normally
	 * gets our JSON 413; anything beyond twice the limit is cut off by
	 * evhttp before it is read. */
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)opts->max_body * 2);
	evhttp_set_max_headers_size(srv->http, (ev_ssize_t)opts->max_header);
	evhttp_set_timeout(srv->http, opts->timeout_sec > 0 ? opts->timeout_sec : 30);
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
	srv->http = evhttp_new(base);
	if (!srv->http) {
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
	srv->listener = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (!srv->listener) {
		snprintf(errbuf, errlen, "cannot listen on the API socket");
		close(fd);
		r = -ENOMEM;
		goto fail;
	}
	if (!evhttp_bind_listener(srv->http, srv->listener)) {
		evconnlistener_free(srv->listener);
		srv->listener = NULL;
		snprintf(errbuf, errlen, "cannot serve HTTP on the API socket");
		r = -ENOMEM;
		goto fail;
	}
	evconnlistener_set_error_cb(srv->listener, on_listener_error);
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	                                              EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(srv->http, on_request, srv);
	api_server_set_limits(srv, opts);
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
	if (srv->http)
		evhttp_free(srv->http); /* frees the listener and connections */
	while (srv->conns) {
		/* evhttp_free() calls on_conn_close for connections still
		 * connected, which unlinks them; these are the others. */
		struct tracked_conn *tc = srv->conns;
		srv->conns = tc->next;
		free(tc);
	}
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
