#!/bin/sh
# systemd-boot-probe.sh: runs inside a booted Debian 12 (systemd 252, under
# systemd-nspawn) as root, once multi-user.target is up; vakt has been put
# in place with `meson install --destdir` and the demo configuration is in
# /root/demo.  Prints TAP.  Started by test-systemd-boot.sh, which boots
# the root and reads what this printed.
#
# Every wait is for a condition, bounded by a generous timeout.

set -u
. /root/boot-env # VAKTD_INSTALLED, VAKTCTL_INSTALLED

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}
# check DESCRIPTION CMD...: ok when CMD succeeds; its output as diagnostics
# when it does not.
check() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' /tmp/check.out
	fi
}
# wait_for SECONDS CMD...: until CMD succeeds; 1 when it never did.
wait_for() {
	limit=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$limit" ] && return 1
		sleep 0.1
	done
}
ctl() {
	"$VAKTCTL_INSTALLED" --socket /run/vakt/api.sock "$@"
}
# A field of `vaktctl status --json` (numbers and strings only).
status_field() {
	ctl status --json | sed -n "s/.*\"$1\":\"*\([^,\"}]*\).*/\1/p"
}
prop() {
	systemctl show -p "$2" --value "$1"
}
is_active() {
	[ "$(systemctl is-active "$1")" = active ]
}
journal_has() { # journal_has TEXT: vaktd.service's journal since boot
	journalctl -b -u vaktd.service --no-pager -o cat | grep -qF -- "$1"
}

echo "# $(systemctl --version | head -n 1)"

# --- installed as a package would: users, directories, configuration ------
check "systemd-sysusers creates user vakt" systemd-sysusers
check "systemd-tmpfiles --create makes vakt's directories" systemd-tmpfiles --create
cp -r /root/demo/. /etc/vakt/
chgrp -R vakt /etc/vakt
chmod -R g+rX,o-rwx /etc/vakt
check "vaktd --check-config accepts the demo configuration in /etc/vakt" \
	"$VAKTD_INSTALLED" --check-config --config /etc/vakt
if [ -x /bin/kill ] || [ -x /usr/bin/kill ]; then
	echo "# note: this root has a kill binary; the unit must not need it"
fi

systemctl daemon-reload
check "vaktd.socket starts" systemctl start vaktd.socket

# --- start: Type=notify, so `systemctl start` returns after READY=1 -------
t0=$(date +%s%N)
systemctl start vaktd.service >/tmp/start.out 2>&1
rc=$?
t1=$(date +%s%N)
if [ "$rc" -eq 0 ] && is_active vaktd.service; then
	ok "vaktd starts and reports READY=1 ($(((t1 - t0) / 1000000)) ms)"
else
	not_ok "vaktd starts and reports READY=1 (systemctl start exit $rc)"
	sed 's/^/# /' /tmp/start.out
fi
case "$(prop vaktd.service StatusText)" in
*watching*) ok "STATUS= says what vaktd watches: $(prop vaktd.service StatusText)" ;;
*) not_ok "STATUS= says what vaktd watches (got '$(prop vaktd.service StatusText)')" ;;
esac
check "vaktctl status answers on /run/vakt/api.sock" ctl status
# The unit's Environment= reaches the process: glibc reads the tunable only
# from the environment vaktd starts with.
pid=$(prop vaktd.service MainPID)
if tr '\0' '\n' <"/proc/$pid/environ" | grep -qx 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1'; then
	ok "vaktd runs with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (its heap asks for huge pages)"
else
	not_ok "vaktd runs with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (its heap asks for huge pages)"
fi
check "vaktd adopted the socket of vaktd.socket" journal_has "(socket activation)"

# --- reload with a good configuration: the job succeeds -------------------
gen=$(status_field config_generation)
accounts=$(status_field accounts)
cat >/etc/vakt/accounts.d/boot-test.conf <<'EOF'
[Account]
Platform=youtube
Unit=trafik
ExternalId=UCboottest
ApiBaseUrl=http://127.0.0.1:9/yt
EOF
chgrp vakt /etc/vakt/accounts.d/boot-test.conf
chmod 0640 /etc/vakt/accounts.d/boot-test.conf
check "systemctl reload vaktd succeeds with a good configuration" systemctl reload vaktd
if [ "$(status_field config_generation)" = $((gen + 1)) ] &&
	[ "$(status_field accounts)" = $((accounts + 1)) ]; then
	ok "the new configuration runs (generation $((gen + 1)), $((accounts + 1)) accounts)"
else
	not_ok "the new configuration runs (generation $(status_field config_generation), want $((gen + 1)))"
fi

# --- reload with a broken configuration: the job fails, vaktd keeps going --
gen=$(status_field config_generation)
printf '[Account]\nPlatform=facebook\nUnit=kultur\nExternalId=9\nEnabeld=yes\n' \
	>/etc/vakt/accounts.d/broken.conf
chgrp vakt /etc/vakt/accounts.d/broken.conf
chmod 0640 /etc/vakt/accounts.d/broken.conf
if systemctl reload vaktd >/tmp/reload.out 2>&1; then
	not_ok "systemctl reload vaktd fails with a broken configuration"
else
	ok "systemctl reload vaktd fails with a broken configuration"
fi
sed 's/^/# systemctl reload: /' /tmp/reload.out
if is_active vaktd.service && [ "$(status_field config_generation)" = "$gen" ] &&
	[ "$(status_field state)" = running ]; then
	ok "vaktd keeps running on the previous configuration (generation $gen)"
else
	not_ok "vaktd keeps running on the previous configuration"
	systemctl status --no-pager vaktd | sed 's/^/# /'
fi
check "the reload job's output names broken.conf:5" \
	journal_has "broken.conf:5: unknown key 'Enabeld' in [Account]"
rm -f /etc/vakt/accounts.d/broken.conf
check "systemctl reload vaktd succeeds again once it is fixed" systemctl reload vaktd

# --- kill -9: Restart=on-failure brings it back (RestartSec=5s) -----------
pid=$(prop vaktd.service MainPID)
restarts=$(prop vaktd.service NRestarts)
systemctl kill --kill-who=main --signal=KILL vaktd.service
restarted() {
	new=$(prop vaktd.service MainPID)
	[ "$new" != 0 ] && [ "$new" != "$pid" ] && is_active vaktd.service
}
if wait_for 60 restarted && ctl status >/dev/null; then
	ok "vaktd restarts after kill -9 (pid $pid, then $(prop vaktd.service MainPID); NRestarts $restarts -> $(prop vaktd.service NRestarts))"
else
	not_ok "vaktd restarts after kill -9"
	systemctl status --no-pager vaktd | sed 's/^/# /'
fi
# The restart's rules were proved before: READY came before their engine,
# which is built on a thread and then filters (docs/operations.md, "Start").
filters_ready() {
	[ "$(status_field filters_ready)" = true ]
}
check "after the restart the rules' engine is built after READY" \
	journal_has "its engine is built after READY"
check "and then filters (filters_ready, 'filtering with rule set')" \
	wait_for 60 filters_ready

# --- socket activation: stopped, the first client starts it --------------
systemctl stop vaktd.service 2>/dev/null
if is_active vaktd.service; then
	not_ok "vaktd stops while vaktd.socket keeps listening"
else
	ok "vaktd stops while vaktd.socket keeps listening"
fi
check "a client on the socket activates vaktd (vaktctl status)" ctl status
if is_active vaktd.service; then
	ok "vaktd is running again after the socket activated it"
else
	not_ok "vaktd is running again after the socket activated it"
fi

# --- stop cleanly ------------------------------------------------------
systemctl stop vaktd.socket vaktd.service
result=$(prop vaktd.service Result)
code=$(prop vaktd.service ExecMainStatus)
if ! is_active vaktd.service && [ "$result" = success ] && [ "$code" = 0 ]; then
	ok "vaktd stops cleanly (Result=$result, exit status $code)"
else
	not_ok "vaktd stops cleanly (Result=$result, exit status $code)"
fi
check "vaktd logged its stop" journal_has "received SIGTERM, stopping"

if [ "$failed" -ne 0 ]; then
	echo "# journal of vaktd.service:"
	journalctl -b -u vaktd.service --no-pager -o short-monotonic | tail -n 60 | sed 's/^/# /'
fi
echo "1..$n"
[ "$failed" -eq 0 ]
