#!/bin/sh
# The one demo command: install what is missing, build, start the Facebook
# simulator with a lively scripted stream, and run vaktd on the demo
# configuration (config/demo, with Stockholms stad's page pointed at the
# simulator), a SQLite store under build/demo/, the API on
# build/demo/api.sock, and a local SMTP sink for the escalations — then show
# it fetching, filtering, hiding the outright threat on the page, starting
# clocks, filling the queue and mailing people within a minute.  Its end
# check fails the demo when nothing was hidden.  Stops on Ctrl-C, or after
# $VAKT_DEMO_SECONDS when set (CI).
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build

demo=build/demo
# Stop what the demo started, by pid, keeping the demo's own exit status.
pid= simpid= smtppid=
cleanup() {
	rc=$?
	for p in $pid $simpid $smtppid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The rules of this checkout, not the installed ones.
export VAKT_RULES_DIR="$PWD/filters"
mkdir -p "$demo"
vaktd=build/daemon/vaktd/vaktd
vaktctl="build/daemon/ctl/vaktctl --socket $demo/api.sock"

# The Facebook simulator with the lively scripted stream (tests/sim/): a
# few old comments, the page's own answer, a personnummer, a veiled and an
# outright threat against a named member of staff, and new questions
# arriving after 15 and 30 s.
sim_log="$demo/sim_facebook.log"
# A port file left by an earlier run would be read before the new simulator
# truncates it (an empty port): remove it first.  The same for the sink.
rm -f "$demo/sim.port" "$demo/smtp.port"
python3 tests/sim/sim_facebook.py --port 0 --scenario tests/sim/scenarios/lively.json \
	>"$demo/sim.port" 2>"$sim_log" &
simpid=$!
i=0
until [ -s "$demo/sim.port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$simpid" 2>/dev/null; then
		echo "demo: the Facebook simulator did not start (see $sim_log)" >&2
		exit 1
	fi
	sleep 0.1
done
port=$(head -n 1 "$demo/sim.port")

# The demo configuration, with Stockholms stad's page pointed at the
# simulator and given the simulator's demo token.
rm -rf "$demo/config"
cp -r config/demo "$demo/config"
printf 'EAAB-demo-page-token\n' >"$demo/fb.token"
chmod 600 "$demo/fb.token"
sed -i -e "s|^ApiBaseUrl=.*|ApiBaseUrl=http://127.0.0.1:$port/v22.0|" \
	-e "s|^ExternalId=.*|ExternalId=104857600123456|" \
	"$demo/config/accounts.d/stockholm-fb.conf"
printf 'TokenFile=%s\n' "$PWD/$demo/fb.token" >>"$demo/config/accounts.d/stockholm-fb.conf"

# A local SMTP sink (aiosmtpd, installed by install-deps.sh) that keeps every
# message vakt sends as build/demo/mail/NNNNNN.eml.
rm -rf "$demo/mail"
mkdir -p "$demo/mail" "$demo/config/vaktd.conf.d"
/usr/bin/python3 tests/integration/smtpsink.py "$demo/mail" >"$demo/smtp.port" 2>"$demo/smtp.log" &
smtppid=$!
i=0
until [ -s "$demo/smtp.port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$smtppid" 2>/dev/null; then
		echo "demo: the SMTP sink did not start (see $demo/smtp.log)" >&2
		exit 1
	fi
	sleep 0.1
done
# Who hears of threats at once (on call), and where anything with nobody
# else to go to ends up.
cat >"$demo/config/vaktd.conf.d/90-demo-mail.conf" <<EOF
[Email]
SmtpUrl=smtp://127.0.0.1:$(head -n 1 "$demo/smtp.port")
StartTls=no
From=vakt@demo.vakt.invalid

[Escalation]
Fallback=kommunikation@demo.vakt.invalid

[OnCall]
Rota=jour@demo.vakt.invalid
Handover=mon 08:00
EOF

# A fresh store every run: the simulator starts its stream afresh too.
rm -rf "$demo/state"
$vaktd --check-config --config "$demo/config"
# Its heap asks for huge pages, as vaktd.service has it.
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
	$vaktd --config "$demo/config" --state-dir "$PWD/$demo/state" --socket "$PWD/$demo/api.sock" &
pid=$!

# Wait for the API socket (vaktd reports READY=1 to systemd at that point).
i=0
until $vaktctl status >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 50 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "demo: vaktd did not come up" >&2
		exit 1
	fi
	sleep 0.1
done

echo
$vaktctl status
if $vaktctl help 2>/dev/null | grep -q '^  filters'; then
	echo
	echo "Comments as the city receives them, through the shipped filters:"
	build/daemon/ctl/vaktctl filters scan --rules "$PWD/filters" < config/demo/sample-comments.txt
fi

# Fetching: poll the page now, and again as the scripted comments arrive.
for t in 0 15 30; do
	[ "$t" -eq 0 ] || sleep 15
	echo
	echo "== after ${t} s: vaktctl poll stockholm-fb"
	$vaktctl poll stockholm-fb || true
done
echo
echo "== vaktctl items: every comment stored once, with what the filters found"
$vaktctl items --account stockholm-fb || true
echo
echo "== vaktctl queue: the clocks the comments started (questions to answer, hits to review)"
$vaktctl queue --account stockholm-fb || true
echo
echo "== vaktctl actions: what vakt did on the platform (AutoActions=hide: obvious hits hidden at once)"
$vaktctl actions || true
echo
echo "== vaktctl status: the counts it keeps"
$vaktctl status || true
echo
echo "== vaktctl escalations: what went to people"
$vaktctl escalations || true
echo
echo "== the mail vakt sent (the local SMTP sink, $demo/mail/):"
for f in "$demo"/mail/*.eml; do
	[ -e "$f" ] || continue
	printf '  %s  To: %s  Subject: %s\n' "$(basename "$f")" \
		"$(sed -n 's/^To: //p' "$f" | head -n 1)" \
		"$(/usr/bin/python3 -c 'import email,email.policy,sys; print(email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default)["Subject"])' "$f")"
done

# The end check: ask the simulator (Facebook's copy of the page) which
# comments are hidden now, and fail the demo unless the outright threat is
# one of them and vakt recorded hiding it.  The hide is sent right after
# the first poll; the loop only waits for a slow machine.
threat=20001_30007
echo
echo "== on Facebook now (the simulator's copy of the page):"
i=0
until hidden=$(python3 tests/sim/simstate.py "http://127.0.0.1:$port" hidden) &&
	echo "$hidden" | grep -q "^$threat " &&
	$vaktctl actions --json | python3 -c 'import json,sys; sys.exit(not any(a["kind"] == "hide" and a["state"] == "done" and a["platform_id"] == sys.argv[1] for a in json.load(sys.stdin)["actions"]))' "$threat"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "${hidden:-  (nothing hidden)}"
		echo "demo: FAILED: the threat $threat is not hidden on the page (see vaktctl actions above)" >&2
		exit 1
	fi
	sleep 0.1
done
echo "$hidden" | sed 's/^/  hidden: /'
echo "demo: ok — vakt hid the threat on the page; its on-call page stays open until someone acknowledges it"
echo
echo "vaktd is running (pid $pid); its API socket is $demo/api.sock:"
echo "  build/daemon/ctl/vaktctl --socket $demo/api.sock status"
if [ -n "${VAKT_DEMO_SECONDS:-}" ]; then
	sleep "$VAKT_DEMO_SECONDS"
else
	echo "Press Ctrl-C to stop."
	wait "$pid"
fi
