"""notify_send (daemon/notify/) against a real SMTP server and a webhook
receiver on 127.0.0.1, driven by tests/integration/notify-send.c.

E-mail: delivery, and every message parsed back with Python's email
package (the UTF-8 subject decoded, Date, a Message-ID that is the same
for two sends of one key); SMTP refusing (4xx → RETRY, 5xx → FAILED),
slow (timeout → RETRY) and down (refused → RETRY); STARTTLS required by
default (nothing sent in plain text); login with a password from a file,
and a wrong one.  Webhooks: generic JSON with its
Idempotency-Key, and 503 with Retry-After → RETRY.

The SMTP server is aiosmtpd (smtpsink.py); when no python3 here has it
(scripts/install-deps.sh installs python3-aiosmtpd), the test is skipped.
"""
import email
import email.policy
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from vakttest import PATIENCE, wait_for  # noqa: E402

NOTIFY_SEND = os.environ.get("NOTIFY_SEND", "notify-send")
SINK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtpsink.py")


def aiosmtpd_python():
    """A python3 that can import aiosmtpd: ours, or Debian's."""
    for exe in (sys.executable, "/usr/bin/python3"):
        if exe and os.path.exists(exe):
            r = subprocess.run([exe, "-c", "import aiosmtpd"], capture_output=True)
            if r.returncode == 0:
                return exe
    return None


PYTHON_SMTPD = aiosmtpd_python()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    """smtpsink.py in its own process, stopped by its pid."""

    def __init__(self, outdir, creds=(), env=None):
        self.outdir = outdir
        # The server's own complaints (a refused handshake) go to a file
        # beside the messages, not into the test's output.
        self.log = open(os.path.join(outdir, "..", "sink.log"), "a")
        self.proc = subprocess.Popen([PYTHON_SMTPD, SINK, outdir, *creds],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True,
                                     env=dict(os.environ, **(env or {})))
        line = self.proc.stdout.readline()
        if not line.strip():
            self.stop()
            raise AssertionError("smtpsink.py did not start")
        self.port = int(line)

    def messages(self):
        names = sorted(n for n in os.listdir(self.outdir) if n.endswith(".eml"))
        out = []
        for n in names:
            with open(os.path.join(self.outdir, n), "rb") as f:
                out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=PATIENCE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


class Receiver(http.server.BaseHTTPRequestHandler):
    """Webhook receiver: /hook answers 200, /busy 503 with Retry-After."""

    requests = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.requests.append((self.path, dict(self.headers), body))
        if self.path == "/busy":
            self.send_response(503)
            self.send_header("Retry-After", "120")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


SUBJECT = "Hot mot medarbetare på Kulturförvaltningens sida – åtgärda nu, ärende 42 😀"
TEXT = ("Konto: kultur-fb (Kulturförvaltningen)\n"
        "Kommentar (maskerad): Jag vet var du bor, YYYYMMDD-****.\n"
        "Kvittera: vaktctl ack 42\n")


class NotifyChannels(unittest.TestCase):
    def setUp(self):
        if not PYTHON_SMTPD:
            self.skipTest("no python3 with aiosmtpd (apt-get install python3-aiosmtpd)")
        self.tmp = tempfile.mkdtemp(prefix="vakt-notify-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.mail = os.path.join(self.tmp, "mail")
        os.mkdir(self.mail)

    def sink(self, creds=(), env=None):
        s = Sink(self.mail, creds, env)
        self.addCleanup(s.stop)
        return s

    def config(self, email_section, extra=""):
        conf = os.path.join(self.tmp, "conf")
        os.makedirs(conf, exist_ok=True)
        with open(os.path.join(conf, "vaktd.conf"), "w") as f:
            f.write(email_section + extra)
        return conf

    def smtp_config(self, port, extra=""):
        return self.config("[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=no\n"
                           "From=vakt@stad.example.se\nTimeoutSec=3\n%s" % (port, extra))

    def send(self, conf, rcpt, key, subject=SUBJECT, text=TEXT, *html):
        r = subprocess.run([NOTIFY_SEND, conf, rcpt, key, subject, text, *html],
                           capture_output=True, text=True, timeout=60 * PATIENCE)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_delivered_mail_parses_back(self):
        s = self.sink()
        conf = self.smtp_config(s.port)
        self.assertEqual(self.send(conf, "chef@example.se", "esc:42:threat:0"), "SENT SMTP 250")
        self.assertEqual(self.send(conf, "chef@example.se", "esc:42:threat:0"), "SENT SMTP 250")
        self.assertEqual(self.send(conf, "chef@example.se", "esc:42:threat:1"), "SENT SMTP 250")
        msgs = wait_for(lambda: len(s.messages()) == 3 and s.messages(), "three messages")
        m = msgs[0]
        self.assertEqual(m["Subject"], SUBJECT)
        self.assertEqual(m["From"], "vakt@stad.example.se")
        self.assertEqual(m["To"], "chef@example.se")
        self.assertEqual(m["X-Envelope-From"], "vakt@stad.example.se")
        self.assertEqual(m["Date"], "Fri, 04 Dec 2026 02:03:12 +0000")
        self.assertEqual(m["Date"].datetime.isoformat(), "2026-12-04T02:03:12+00:00")
        self.assertEqual(m["MIME-Version"], "1.0")
        self.assertEqual(m.get_content_type(), "text/plain")
        self.assertEqual(m.get_content_charset(), "utf-8")
        self.assertEqual(m.get_content().replace("\r\n", "\n"), TEXT)
        self.assertEqual(m.defects, [])
        # The same key: the same Message-ID, so the receiver can drop it.
        self.assertRegex(m["Message-ID"], r"^<[0-9a-f]{32}@vakt\.stad\.example\.se>$")
        self.assertEqual(msgs[1]["Message-ID"], m["Message-ID"])
        self.assertNotEqual(msgs[2]["Message-ID"], m["Message-ID"])
        # Nothing but the message: the masked text is all the body holds.
        self.assertNotIn("password", m.as_string().lower())

    def test_html_alternative(self):
        s = self.sink()
        conf = self.smtp_config(s.port)
        html = "<p>Hot mot medarbetare – <b>åtgärda</b></p>"
        self.assertEqual(self.send(conf, "chef@example.se", "k", SUBJECT, TEXT, html),
                         "SENT SMTP 250")
        m = wait_for(lambda: s.messages(), "the message")[0]
        self.assertEqual(m.get_content_type(), "multipart/alternative")
        self.assertEqual(m.get_body(("plain",)).get_content().replace("\r\n", "\n"), TEXT)
        self.assertEqual(m.get_body(("html",)).get_content().strip(), html)

    def test_refusals_timeouts_and_down(self):
        s = self.sink()
        conf = self.smtp_config(s.port)
        self.assertRegex(self.send(conf, "full@example.se", "k"), r"^RETRY SMTP 452")
        self.assertRegex(self.send(conf, "tempfail@example.se", "k"), r"^RETRY SMTP 451")
        self.assertRegex(self.send(conf, "unknown@example.se", "k"), r"^FAILED SMTP 550")
        self.assertRegex(self.send(conf, "reject@example.se", "k"), r"^FAILED SMTP 554")
        out = self.send(conf, "slow@example.se", "k")
        self.assertTrue(out.startswith("RETRY "), out)
        self.assertIn("imeout", out)
        down = self.smtp_config(closed_port())
        out = self.send(down, "chef@example.se", "k")
        self.assertTrue(out.startswith("RETRY "), out)
        self.assertEqual(s.messages(), [])

    def test_starttls_required_by_default(self):
        # The sink offers no STARTTLS: with the default StartTls=yes nothing
        # goes out in plain text, and the attempt is retried.
        s = self.sink()
        conf = self.config("[Email]\nSmtpUrl=smtp://127.0.0.1:%d\n"
                           "From=vakt@stad.example.se\nTimeoutSec=3\n" % s.port)
        out = self.send(conf, "chef@example.se", "k")
        self.assertTrue(out.startswith("RETRY "), out)
        self.assertEqual(s.messages(), [])
        conf = self.config("[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nStartTls=try\n"
                           "From=vakt@stad.example.se\nTimeoutSec=3\n" % s.port)
        self.assertEqual(self.send(conf, "chef@example.se", "k"), "SENT SMTP 250")

    def test_starttls_verifies_the_server(self):
        if not shutil.which("openssl"):
            self.skipTest("no openssl to make a certificate")
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        s = self.sink(env={"SINK_TLS_CERT": cert, "SINK_TLS_KEY": key})
        base = ("[Email]\nSmtpUrl=smtp://127.0.0.1:%d\nFrom=vakt@stad.example.se\n"
                "TimeoutSec=5\n" % s.port)
        # Not signed by a trusted CA: refused, nothing sent.
        out = self.send(self.config(base), "chef@example.se", "k")
        self.assertTrue(out.startswith("RETRY "), out)
        self.assertEqual(s.messages(), [])
        out = self.send(self.config(base + "CaFile=%s\n" % cert), "chef@example.se", "k")
        self.assertEqual(out, "SENT SMTP 250")
        self.assertEqual(len(wait_for(lambda: s.messages(), "the message")), 1)

    def test_login_with_password_file(self):
        s = self.sink(("vakt", "s3cret-pw"))
        pw = os.path.join(self.tmp, "pw")
        with open(pw, "w") as f:
            f.write("s3cret-pw\n")
        conf = self.smtp_config(s.port, "User=vakt\nPasswordFile=%s\n" % pw)
        self.assertEqual(self.send(conf, "chef@example.se", "k"), "SENT SMTP 250")
        with open(pw, "w") as f:
            f.write("wrong\n")
        out = self.send(conf, "chef@example.se", "k2")
        self.assertRegex(out, r"^FAILED SMTP 535")
        self.assertNotIn("wrong", out)
        self.assertEqual(len(wait_for(lambda: s.messages(), "the message")), 1)

    def test_json_webhook_to_a_receiver(self):
        Receiver.requests = []
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        t = threading.Thread(target=srv.serve_forever, daemon=True)
        t.start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        port = srv.server_address[1]
        conf = self.config("[Webhook hook]\nType=json\nUrl=http://127.0.0.1:%d/hook\n"
                           "[Webhook busy]\nType=json\nUrl=http://127.0.0.1:%d/busy\n"
                           % (port, port))
        self.assertEqual(self.send(conf, "webhook:hook", "esc:5:threat:0"), "SENT HTTP 200")
        self.assertEqual(self.send(conf, "webhook:busy", "esc:5:threat:0"),
                         "RETRY HTTP 503; retry-after=120")
        path, headers, body = Receiver.requests[0]
        self.assertEqual(path, "/hook")
        self.assertEqual(headers["Idempotency-Key"], "esc:5:threat:0")
        j = json.loads(body)
        self.assertEqual(j["version"], 1)
        self.assertEqual(j["subject"], SUBJECT)
        self.assertEqual(j["text"], TEXT)
        self.assertEqual(j["created_at"], "2026-12-04T02:03:12Z")
        self.assertEqual(sorted(j), sorted([
            "version", "key", "kind", "level", "subject", "text", "account", "unit",
            "item_id", "due_at", "count", "ack_url", "created_at"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
