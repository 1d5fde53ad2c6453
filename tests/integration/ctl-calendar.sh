#!/bin/sh
# vaktctl calendar / deadline: output lines and exit codes (0 ok, 1 error,
# 2 usage).  Offline commands: no daemon needed.
#   usage: ctl-calendar.sh PATH-TO-VAKTCTL
set -u
VAKTCTL=${1:?usage: ctl-calendar.sh VAKTCTL}
fails=0
n=0
errfile=$(mktemp) || exit 1
trap 'rm -f "$errfile"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# expect_rc RC DESCRIPTION ARGS...: run vaktctl, check the exit code, keep
# stdout in $out and stderr in $err.
expect_rc() {
	want=$1 desc=$2
	shift 2
	out=$("$VAKTCTL" "$@" 2>"$errfile")
	rc=$?
	err=$(cat "$errfile")
	if [ "$rc" -eq "$want" ]; then
		ok "$desc (exit $want)"
	else
		not_ok "$desc: exit $rc, expected $want"
		echo "#   stdout: $out"
		echo "#   stderr: $err"
	fi
}

# has_line LINE: $out contains exactly this line.
has_line() {
	if printf '%s\n' "$out" | grep -qxF -- "$1"; then
		ok "line '$1'"
	else
		not_ok "missing line '$1'"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

expect_rc 0 "calendar 2026" calendar 2026
has_line "2026-01-01 nyårsdagen"
has_line "2026-06-19 midsommarafton"
has_line "2026-06-20 midsommardagen"
has_line "2026-12-24 julafton"
has_line "2026-12-31 nyårsafton"
lines=$(printf '%s\n' "$out" | wc -l)
if [ "$lines" -eq 16 ]; then ok "16 named days in 2026"; else not_ok "$lines named days in 2026, expected 16"; fi

expect_rc 0 "calendar 2004" calendar 2004
has_line "2004-05-31 annandag pingst"
expect_rc 0 "calendar 2008" calendar 2008
has_line "2008-05-01 första maj och Kristi himmelsfärdsdag"

expect_rc 0 "calendar --json" calendar 2026 --json
case $out in
'[{"date":"2026-01-01","name":"nyårsdagen","kind":"holiday"}'*'{"date":"2026-12-31","name":"nyårsafton","kind":"de_facto"}]')
	ok "json array" ;;
*) not_ok "json array: $out" ;;
esac

expect_rc 1 "calendar 2101 out of range" calendar 2101
case $err in *"outside 1900..2100"*) ok "range message" ;; *) not_ok "range message: $err" ;; esac
expect_rc 1 "calendar 1899 out of range" calendar 1899
expect_rc 2 "calendar without year" calendar
expect_rc 2 "calendar garbled year" calendar 20x6
expect_rc 2 "calendar two years" calendar 2026 2027

expect_rc 0 "deadline 23 Dec + 1 business day" deadline 2026-12-23T16:00 "1 business day"
has_line "2026-12-28T16:00:00+01:00 (måndag)"
expect_rc 0 "deadline with a space and unquoted duration" deadline "2026-12-30 16:00" 1 business day
has_line "2027-01-04T16:00:00+01:00 (måndag)"
expect_rc 0 "deadline Saturday" deadline 2026-11-21T10:00:00+01:00 "1 business day"
has_line "2026-11-23T17:00:00+01:00 (måndag)"
expect_rc 0 "deadline from UTC" deadline 2026-06-18T13:00Z "4 business hours"
has_line "2026-06-22T10:00:00+02:00 (måndag)"
expect_rc 0 "deadline --json" --json deadline 2026-12-23T16:00 "1 business day"
has_line '{"from":"2026-12-23T16:00:00+01:00","duration":"1 business day","due":"2026-12-28T16:00:00+01:00","business_seconds":32400}'
expect_rc 0 "deadline --json calendar time" deadline 2026-03-28T12:00 24h --json
has_line '{"from":"2026-03-28T12:00:00+01:00","duration":"24 hours","due":"2026-03-29T13:00:00+02:00"}'

expect_rc 2 "deadline without duration" deadline 2026-12-23T16:00
expect_rc 2 "deadline garbled time" deadline 2026-12-23X16:00 "1 business day"
expect_rc 2 "deadline garbled duration" deadline 2026-12-23T16:00 "1 fortnight"
expect_rc 1 "deadline past 2100" deadline 2100-12-30T16:00 "1 business day"

# The site's calendars through --config: klämdag, half day, a 24/7 one.
cfgdir=$(mktemp -d) || exit 1
trap 'rm -f "$errfile"; rm -rf "$cfgdir"' EXIT
cat >"$cfgdir/vaktd.conf" <<'CONF'
[Calendar]
ClosedDay=2026-05-15 klämdag efter Kristi himmelsfärd
HalfDay=valborgsmässoafton 12:00

[Calendar dygnet-runt]
AlwaysOpen=yes
CONF
expect_rc 0 "calendar --config" --config "$cfgdir" calendar 2026
has_line "2026-04-30 valborgsmässoafton (half day, closes 12:00)"
has_line "2026-05-15 klämdag efter Kristi himmelsfärd"
expect_rc 0 "deadline over the klämdag" --config "$cfgdir" deadline 2026-05-13T16:00 "1 business day"
has_line "2026-05-18T16:00:00+02:00 (måndag)"
expect_rc 0 "deadline on a 24/7 calendar" --config "$cfgdir" --calendar dygnet-runt deadline 2026-05-14T16:00 "1 business day"
has_line "2026-05-15T16:00:00+02:00 (fredag)"
expect_rc 1 "unknown calendar" --config "$cfgdir" --calendar nope calendar 2026
expect_rc 2 "--calendar without a name" calendar 2026 --calendar
echo "[Calendar]" >"$cfgdir/vaktd.conf"
echo "Hours=9-17" >>"$cfgdir/vaktd.conf"
expect_rc 1 "broken site calendar" --config "$cfgdir" calendar 2026
case $err in
*"vaktd.conf:2: Hours=9-17"*) ok "broken calendar named with file:line" ;;
*) not_ok "broken calendar not reported: $err" ;;
esac

echo "1..$n"
[ "$fails" -eq 0 ]
