"""A webhook receiver on 127.0.0.1 for vakt's integration tests: Python's
http.server on a free port, in a thread of the test.

It records every request (method, path, headers, body, and the body as
JSON) and answers as the test says:
    ok       200
    refuse   503 (try again later)
    hold     record the request, then hold the answer until the test
             calls set_mode() with something else (a slow receiver, or
             one that took the message while the sender died)
down() closes the port (connections are refused); up() opens it again on
the same port."""
import http.server
import json
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self):
        rx = self.server.rx
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        mode = rx.mode
        if mode != "refuse":
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            with rx.lock:
                rx.requests.append({"method": self.command, "path": self.path,
                                    "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": body.decode("utf-8", "replace"), "json": parsed})
        while mode == "hold":
            rx.released.wait(0.05)
            mode = rx.mode
        try:
            self.send_response(503 if mode == "refuse" else 200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender died waiting (the kill -9 test)

    do_POST = _handle
    do_PUT = _handle

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class WebhookReceiver:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.mode = "ok"
        self.released = threading.Event()
        self.port = 0
        self.srv = None
        self.up()

    def up(self):
        self.srv = _Server(("127.0.0.1", self.port), _Handler)
        self.srv.rx = self
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def down(self):
        if self.srv:
            self.srv.shutdown()
            self.srv.server_close()
            self.srv = None

    def set_mode(self, mode):
        self.mode = mode
        if mode != "hold":
            self.released.set()
        else:
            self.released.clear()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def received(self, path_prefix=""):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(path_prefix)]

    def stop(self):
        self.set_mode("ok")
        self.down()
