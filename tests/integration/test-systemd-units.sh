#!/bin/sh
# test-systemd-units.sh: checks the systemd files in systemd/ the way systemd
# 252 itself reads them, offline (no running systemd needed), as TAP.
#
#   - `systemd-analyze verify` on the generated units must print nothing:
#     it exits 0 on most mistakes ("Unknown key ..., ignoring"), so any
#     output is a failure;
#   - `systemd-analyze security --offline=true` must rate vaktd.service at
#     most 2.0, and every item it still counts against the service must be
#     one of the accepted ones listed below (each justified in the unit);
#   - the units agree with each other and with the tmpfiles/sysusers files
#     (socket inside a preserved RuntimeDirectory, same user, same modes,
#     credential directories that exist);
#   - systemd-sysusers and systemd-tmpfiles apply the snippets in a
#     temporary root, and the directories get the intended owners and modes;
#   - `meson install --destdir` puts the four files where systemd looks.
#
# Environment (set by tests/integration/meson.build):
#   VAKT_UNIT_DIR        build dir holding the generated vaktd.service/.socket
#   VAKT_SYSTEMD_SRC     source dir systemd/ (vakt.sysusers, vakt.tmpfiles)
#   VAKTD                the built vaktd
#   VAKTD_INSTALLED      where `meson install` puts vaktd (ExecStart=)
#   VAKTCTL              the built vaktctl
#   VAKTCTL_INSTALLED    where `meson install` puts vaktctl (ExecReload=)
#   VAKT_BUILD_ROOT      the meson build dir, for `meson install`
#   VAKT_INSTALL_UNITDIR, VAKT_INSTALL_SYSUSERSDIR, VAKT_INSTALL_TMPFILESDIR
#   VAKT_EXPOSURE_MAX    highest accepted exposure, default 2.0
#   MESON                the meson command; empty skips the install check
#
# Skips (1..0 # SKIP) only when systemd-analyze is not installed.

set -u
LC_ALL=C
export LC_ALL
SYSTEMD_PAGER='cat'
export SYSTEMD_PAGER

: "${VAKT_EXPOSURE_MAX:=2.0}"

for v in VAKT_UNIT_DIR VAKT_SYSTEMD_SRC VAKTD VAKTD_INSTALLED VAKTCTL VAKTCTL_INSTALLED \
	VAKT_BUILD_ROOT \
	VAKT_INSTALL_UNITDIR VAKT_INSTALL_SYSUSERSDIR VAKT_INSTALL_TMPFILESDIR; do
	eval "val=\${$v:-}"
	if [ -z "$val" ]; then
		echo "Bail out! $v is not set (run through meson test)"
		exit 1
	fi
done

if ! command -v systemd-analyze >/dev/null 2>&1; then
	# TAP: the plan says skip, exit 0 (meson reads any non-zero exit of a
	# TAP test, 77 included, as an error).
	echo "1..0 # SKIP systemd-analyze not installed"
	exit 0
fi

# The accepted exposure items, one per line, exactly as `systemd-analyze
# security` names them.  Each is explained in vaktd.service.in.
ACCEPTED='RootDirectory=/RootImage=
MemoryDenyWriteExecute=
RestrictAddressFamilies=~AF_UNIX
RestrictAddressFamilies=~AF_(INET|INET6)
PrivateNetwork=
DeviceAllow=
IPAddressDeny='

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vakt-units.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

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
# diag FILE: show a command's output as TAP diagnostics.
diag() {
	sed 's/^/# /' "$1"
}

# unit_get FILE KEY: the last value assigned to KEY in FILE (later
# assignments override earlier ones for the settings read here).
unit_get() {
	sed -n "s/^$2=//p" "$1" | tail -n 1
}

# tmpfiles_line PATH: "mode user group" of the d line creating PATH.
tmpfiles_line() {
	awk -v p="$1" '$1 == "d" && $2 == p { print $3, $4, $5 }' \
		"$VAKT_SYSTEMD_SRC/vakt.tmpfiles"
}

service="$VAKT_UNIT_DIR/vaktd.service"
socket="$VAKT_UNIT_DIR/vaktd.socket"

# --- the generated units --------------------------------------------------

exec_start=$(unit_get "$service" ExecStart)
case "$exec_start" in
"$VAKTD_INSTALLED "* | "$VAKTD_INSTALLED")
	ok "ExecStart= runs the installed vaktd ($VAKTD_INSTALLED)" ;;
*)
	not_ok "ExecStart= runs the installed vaktd"
	echo "# got: ExecStart=$exec_start"
	echo "# expected it to start with: $VAKTD_INSTALLED" ;;
esac

# ExecReload= runs vaktctl against the socket vaktd.socket listens on: it
# waits for the outcome and fails the job on a refused configuration.
exec_reload=$(unit_get "$service" ExecReload)
listen_path=$(unit_get "$socket" ListenStream)
if [ "$exec_reload" = "$VAKTCTL_INSTALLED --socket $listen_path reload" ]; then
	ok "ExecReload= runs the installed vaktctl reload on $listen_path"
else
	not_ok "ExecReload= runs the installed vaktctl reload on the unit's socket"
	echo "# got: ExecReload=$exec_reload"
	echo "# expected: $VAKTCTL_INSTALLED --socket $listen_path reload"
fi

# Every command the unit runs comes with vakt: a minimal Debian 12 has no
# procps, so /bin/kill (and anything else) would fail with 203/EXEC.
foreign=$(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*$/\1/p' "$service" |
	grep -vxF -e "$VAKTD_INSTALLED" -e "$VAKTCTL_INSTALLED")
if [ -z "$foreign" ]; then
	ok "every Exec*= command is vaktd or vaktctl, installed with vakt"
else
	not_ok "every Exec*= command is vaktd or vaktctl, installed with vakt"
	echo "$foreign" | sed 's/^/# foreign command: /'
fi

# LimitNOFILE= leaves room for the API's default MaxConnections= (64) and
# vaktd's own descriptors (see the unit's comment).
nofile=$(unit_get "$service" LimitNOFILE)
case "$nofile" in
'' | *[!0-9]*)
	not_ok "LimitNOFILE= is a number (got '$nofile')" ;;
*)
	if [ "$nofile" -ge $((64 + 64)) ]; then
		ok "LimitNOFILE=$nofile leaves room for MaxConnections=64 and vaktd's own"
	else
		not_ok "LimitNOFILE=$nofile leaves room for MaxConnections=64 and vaktd's own"
	fi ;;
esac

# The engine's build asks for huge pages (the unit's comment): glibc reads
# the tunable only from the environment it starts with.
case "$(unit_get "$service" Environment)" in
*GLIBC_TUNABLES=glibc.malloc.hugetlb=1*)
	ok "vaktd's heap asks for transparent huge pages (GLIBC_TUNABLES)" ;;
*)
	not_ok "vaktd's heap asks for transparent huge pages (GLIBC_TUNABLES)" ;;
esac

# systemd-analyze verify checks that ExecStart= and ExecReload= exist, so
# verify a copy that runs the built vaktd and vaktctl; nothing else changes.
mkdir "$tmp/units"
sed -e "s|^ExecStart=$VAKTD_INSTALLED|ExecStart=$VAKTD|" \
	-e "s|^ExecReload=$VAKTCTL_INSTALLED|ExecReload=$VAKTCTL|" "$service" \
	>"$tmp/units/vaktd.service"
cp "$socket" "$tmp/units/vaktd.socket"

verify() { # verify OUTFILE UNIT...: exit code of systemd-analyze verify
	out=$1
	shift
	(cd "$tmp/units" && systemd-analyze verify --man=no "$@") >"$out" 2>&1
}

verify "$tmp/verify.out" vaktd.service vaktd.socket
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/verify.out" ]; then
	ok "systemd-analyze verify vaktd.service vaktd.socket: no complaints"
else
	not_ok "systemd-analyze verify vaktd.service vaktd.socket (exit $rc)"
	diag "$tmp/verify.out"
fi

# The check above would miss systemd's "ignoring" warnings if verify
# printed them somewhere else: make sure a broken setting does show up.
mkdir "$tmp/broken"
sed 's/^ProtectProc=.*/ProtectProc=sometimes/' "$tmp/units/vaktd.service" \
	>"$tmp/broken/vaktd.service"
cp "$socket" "$tmp/broken/vaktd.socket"
(cd "$tmp/broken" && systemd-analyze verify --man=no vaktd.service) \
	>"$tmp/broken.out" 2>&1
if grep -q 'ProtectProc\|protection mode' "$tmp/broken.out"; then
	ok "systemd-analyze verify reports an invalid setting (self-check)"
else
	not_ok "systemd-analyze verify reports an invalid setting (self-check)"
	diag "$tmp/broken.out"
fi

# --- exposure ---------------------------------------------------------------

(cd "$tmp/units" && systemd-analyze security --offline=true --no-pager \
	vaktd.service) >"$tmp/security.out" 2>&1
rc=$?
exposure=$(sed -n 's/^.*Overall exposure level for vaktd\.service: \([0-9.]*\).*$/\1/p' \
	"$tmp/security.out")
if [ "$rc" -ne 0 ] || [ -z "$exposure" ]; then
	not_ok "systemd-analyze security --offline=true vaktd.service (exit $rc)"
	diag "$tmp/security.out"
elif awk -v e="$exposure" -v m="$VAKT_EXPOSURE_MAX" 'BEGIN { exit !(e <= m) }'; then
	ok "exposure of vaktd.service is $exposure (at most $VAKT_EXPOSURE_MAX)"
else
	not_ok "exposure of vaktd.service is $exposure (at most $VAKT_EXPOSURE_MAX)"
	grep '^- ' "$tmp/security.out" | diag /dev/stdin
fi

# Items counted against the service ("- NAME  description  weight" in the C
# locale) beyond the accepted ones mean a hardening setting was lost.
sed -n 's/^- \([^ ]*\) .*$/\1/p' "$tmp/security.out" >"$tmp/exposed"
printf '%s\n' "$ACCEPTED" >"$tmp/accepted"
unexpected=$(grep -vxF -f "$tmp/accepted" "$tmp/exposed")
if [ -s "$tmp/exposed" ] && [ -z "$unexpected" ]; then
	ok "only the accepted exposure items remain ($(wc -l <"$tmp/exposed") of them)"
else
	not_ok "only the accepted exposure items remain"
	if [ -s "$tmp/exposed" ]; then
		echo "$unexpected" | sed 's/^/# not accepted: /'
	else
		diag "$tmp/security.out"
	fi
fi

# --- the files agree with each other ---------------------------------------

listen=$(unit_get "$socket" ListenStream)
runtime_dir=/run/$(unit_get "$service" RuntimeDirectory)
preserve=$(unit_get "$service" RuntimeDirectoryPreserve)
if [ "$(dirname "$listen")" = "$runtime_dir" ] && [ "$preserve" = yes ]; then
	ok "api socket $listen lives in the preserved RuntimeDirectory $runtime_dir"
else
	not_ok "api socket lives in the preserved RuntimeDirectory"
	echo "# ListenStream=$listen RuntimeDirectory=$runtime_dir" \
		"RuntimeDirectoryPreserve=$preserve"
fi

user=$(unit_get "$service" User)
group=$(unit_get "$service" Group)
sysuser=$(awk '$1 == "u" { print $2 }' "$VAKT_SYSTEMD_SRC/vakt.sysusers")
if [ "$user" = vakt ] && [ "$group" = vakt ] && [ "$sysuser" = vakt ] &&
	[ "$(unit_get "$socket" SocketUser)" = vakt ] &&
	[ "$(unit_get "$socket" SocketGroup)" = vakt ] &&
	[ "$(unit_get "$socket" SocketMode)" = 0660 ]; then
	ok "service, socket and sysusers agree on user and group vakt"
else
	not_ok "service, socket and sysusers agree on user and group vakt"
	echo "# User=$user Group=$group sysusers=$sysuser"
fi

# dir_mode_agrees SERVICE_KEY PATH OWNER: the service's *DirectoryMode= and
# the tmpfiles line for PATH name the same mode (else systemd warns at
# every start, or flips the mode back and forth) and the intended owner.
dir_mode_agrees() {
	want_mode=$(unit_get "$service" "$1")
	line=$(tmpfiles_line "$2")
	if [ -n "$want_mode" ] && [ "$line" = "$want_mode $3" ]; then
		ok "$1=$want_mode matches tmpfiles $2 ($line)"
	else
		not_ok "$1=$want_mode matches tmpfiles $2 (got: '$line', want owner $3)"
	fi
}
dir_mode_agrees ConfigurationDirectoryMode /etc/vakt "root vakt"
dir_mode_agrees StateDirectoryMode /var/lib/vakt "vakt vakt"
dir_mode_agrees CacheDirectoryMode /var/cache/vakt "vakt vakt"
dir_mode_agrees RuntimeDirectoryMode /run/vakt "vakt vakt"
socket_dir_mode=$(unit_get "$socket" DirectoryMode)
if [ "$socket_dir_mode" = "$(unit_get "$service" RuntimeDirectoryMode)" ]; then
	ok "socket DirectoryMode=$socket_dir_mode matches RuntimeDirectoryMode="
else
	not_ok "socket DirectoryMode=$socket_dir_mode matches RuntimeDirectoryMode="
fi

# systemd 252 fails the start (243/CREDENTIALS) when an absolute
# LoadCredential= source is missing: each must be a directory tmpfiles makes.
creds_ok=yes
creds=$(sed -n 's/^LoadCredential=[^:]*:\(\/.*\)$/\1/p' "$service")
for c in $creds; do
	if [ -z "$(tmpfiles_line "$c")" ]; then
		creds_ok=no
		echo "# LoadCredential source $c is not created by vakt.tmpfiles"
	fi
done
if [ -n "$creds" ] && [ "$creds_ok" = yes ]; then
	ok "every LoadCredential= source is created by tmpfiles ($(echo "$creds" | tr '\n' ' '))"
else
	not_ok "every LoadCredential= source is created by tmpfiles"
fi

# --- sysusers and tmpfiles in a temporary root ---------------------------

root="$tmp/root"
mkdir -p "$root/etc"
systemd-sysusers --root="$root" "$VAKT_SYSTEMD_SRC/vakt.sysusers" \
	>"$tmp/sysusers.out" 2>&1
rc=$?
pw=$(grep '^vakt:' "$root/etc/passwd" 2>/dev/null)
home=$(echo "$pw" | cut -d: -f6)
shell=$(echo "$pw" | cut -d: -f7)
if [ "$rc" -eq 0 ] && [ "$home" = /var/lib/vakt ] &&
	[ "${shell##*/}" = nologin ] && grep -q '^vakt:' "$root/etc/group"; then
	ok "systemd-sysusers creates user and group vakt (home $home, shell $shell)"
else
	not_ok "systemd-sysusers creates user and group vakt (exit $rc)"
	diag "$tmp/sysusers.out"
	echo "# passwd: $pw"
fi
vakt_uid=$(echo "$pw" | cut -d: -f3)
vakt_gid=$(grep '^vakt:' "$root/etc/group" 2>/dev/null | cut -d: -f3)

# systemd-tmpfiles --root resolves user and group names in the temporary
# root's /etc/passwd and /etc/group, which sysusers has just written.
# Without root privileges its chown would fail, so an unprivileged run
# checks a copy with every owner replaced by the current user: modes only.
if [ "$(id -u)" -eq 0 ]; then
	root_id=0
	root_gid=0
	map_uid=$vakt_uid
	map_gid=$vakt_gid
	cp "$VAKT_SYSTEMD_SRC/vakt.tmpfiles" "$tmp/vakt.tmpfiles"
else
	root_id=$(id -u)
	root_gid=$(id -g)
	map_uid=$root_id
	map_gid=$root_gid
	echo "# not root: checking tmpfiles modes, not owners"
	awk -v u="$root_id" -v g="$root_gid" '
		/^[ \t]*(#|$)/ { print; next }
		{ $4 = u; $5 = g; print }' \
		"$VAKT_SYSTEMD_SRC/vakt.tmpfiles" >"$tmp/vakt.tmpfiles"
fi
systemd-tmpfiles --root="$root" --create "$tmp/vakt.tmpfiles" \
	>"$tmp/tmpfiles.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/tmpfiles.out" ]; then
	ok "systemd-tmpfiles --create applies vakt.tmpfiles"
else
	not_ok "systemd-tmpfiles --create applies vakt.tmpfiles (exit $rc)"
	diag "$tmp/tmpfiles.out"
fi

# expect_dir PATH MODE UID GID
expect_dir() {
	got=$(stat -c '%F %a %u %g' "$root$1" 2>&1)
	if [ "$got" = "directory $2 $3 $4" ]; then
		ok "tmpfiles: $1 is a directory, mode $2, owner $3:$4"
	else
		not_ok "tmpfiles: $1 is a directory, mode $2, owner $3:$4"
		echo "# got: $got"
	fi
}
expect_dir /etc/vakt 750 "$root_id" "$map_gid"
expect_dir /etc/vakt/vaktd.conf.d 750 "$root_id" "$map_gid"
expect_dir /etc/vakt/accounts.d 750 "$root_id" "$map_gid"
expect_dir /etc/vakt/credentials 700 "$root_id" "$root_gid"
expect_dir /var/lib/vakt 700 "$map_uid" "$map_gid"
expect_dir /run/vakt 755 "$map_uid" "$map_gid"

# --- meson install --destdir ---------------------------------------------

dest="$tmp/dest"
if [ -z "${MESON:-}" ]; then
	n=$((n + 1))
	echo "ok $n - meson install --destdir # SKIP meson command not known"
else
	# shellcheck disable=SC2086 # MESON may be a command with arguments
	$MESON install -C "$VAKT_BUILD_ROOT" --no-rebuild --quiet --tags systemd \
		--destdir "$dest" >"$tmp/install.out" 2>&1
	rc=$?
	install_ok=yes
	check_installed() { # check_installed INSTALLED_PATH EXPECTED_CONTENT_FILE
		if ! cmp -s "$dest$1" "$2"; then
			install_ok=no
			echo "# $1 missing or different from $2"
		fi
	}
	check_installed "$VAKT_INSTALL_UNITDIR/vaktd.service" "$service"
	check_installed "$VAKT_INSTALL_UNITDIR/vaktd.socket" "$socket"
	check_installed "$VAKT_INSTALL_SYSUSERSDIR/vakt.conf" "$VAKT_SYSTEMD_SRC/vakt.sysusers"
	check_installed "$VAKT_INSTALL_TMPFILESDIR/vakt.conf" "$VAKT_SYSTEMD_SRC/vakt.tmpfiles"
	if [ "$rc" -eq 0 ] && [ "$install_ok" = yes ]; then
		ok "meson install --destdir puts units, sysusers.d and tmpfiles.d files in place"
	else
		not_ok "meson install --destdir (exit $rc)"
		diag "$tmp/install.out"
	fi
fi

echo "1..$n"
[ "$failed" -eq 0 ]
