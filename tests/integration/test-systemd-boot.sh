#!/bin/sh
# test-systemd-boot.sh: vakt under a real systemd 252.  Boots a Debian 12
# root with systemd-nspawn, vakt installed into it with `meson install`
# (this build) and the demo configuration in /etc/vakt, and runs
# systemd-boot-probe.sh inside once the system is up: start (READY=1),
# reload with a good and a broken configuration, restart after kill -9,
# socket activation, a clean stop.  Prints the probe's TAP.
#
# The root (debootstrap --variant=minbase with systemd and vakt's run-time
# libraries, from the Debian mirror apt already uses) is built once, a few
# minutes, and cached as a tarball in $VAKT_BOOT_CACHE (default
# /var/cache/vakt-test); each run unpacks it anew into a temporary
# directory, so no run sees another's state.  The boot and the probe are
# bounded by $VAKT_BOOT_TIMEOUT seconds (default 300).
#
# Skips (meson shows SKIP; the reason is on the "1..0 # SKIP" line) when the machine
# does not allow it: not root, no systemd-nspawn, inside a chroot, a
# sanitizer build (the root has no sanitizer run-times), no debootstrap or
# no mirror to build the root from.
#
# Environment (set by tests/integration/meson.build):
#   VAKT_BUILD_ROOT, MESON, VAKT_SRCDIR, VAKT_SANITIZE,
#   VAKTD_INSTALLED, VAKTCTL_INSTALLED

set -u
LC_ALL=C
export LC_ALL

# A skipped TAP test says so in its plan and exits 0: meson reads a TAP
# test's non-zero exit (77 included) as an error.
skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

for v in VAKT_BUILD_ROOT MESON VAKT_SRCDIR VAKTD_INSTALLED VAKTCTL_INSTALLED; do
	eval "val=\${$v:-}"
	[ -n "$val" ] || {
		echo "Bail out! $v is not set (run through meson test)"
		exit 1
	}
done

case "${VAKT_SANITIZE:-none}" in
none | '') ;;
*) skip "sanitizer build (b_sanitize=$VAKT_SANITIZE): the booted root runs the plain build" ;;
esac
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn, debootstrap)"
command -v systemd-nspawn >/dev/null 2>&1 ||
	skip "systemd-nspawn is not installed (apt-get install systemd-container)"
# Not inside a chroot (e.g. fresh-debian.sh's).  systemd-detect-virt
# --chroot compares / with /proc/1/root, which a container may not let even
# root see; a chroot also shows in that no mount has "/" as its mount point.
if command -v systemd-detect-virt >/dev/null 2>&1 && systemd-detect-virt --chroot -q 2>/dev/null; then
	skip "running inside a chroot"
fi
awk '$5 == "/" { found = 1 } END { exit !found }' /proc/self/mountinfo 2>/dev/null ||
	skip "running inside a chroot (/ is not a mount point)"

: "${VAKT_BOOT_CACHE:=/var/cache/vakt-test}"
: "${VAKT_BOOT_TIMEOUT:=300}"
# What the root holds besides minbase: systemd as PID 1, and the run-time
# libraries of vaktd and vaktctl (the build's -dev packages' libraries).
PACKAGES="systemd,systemd-sysv,dbus,libcurl4,libevent-2.1-7,libcjson1,\
libpcre2-8-0,libsystemd0,libsqlite3-0,libinih1,libssl3,tzdata,ca-certificates"
key=$(echo "$PACKAGES" | cksum | cut -d' ' -f1)
base="$VAKT_BOOT_CACHE/bookworm-boot-$key.tar"

mkdir -p "$VAKT_BOOT_CACHE" || skip "cannot create $VAKT_BOOT_CACHE"
# One builder at a time; the others wait for its tarball.
exec 9>"$VAKT_BOOT_CACHE/lock"
flock 9
if [ ! -f "$base" ]; then
	command -v debootstrap >/dev/null 2>&1 ||
		skip "no cached root and debootstrap is not installed (apt-get install debootstrap)"
	mirror=$(grep -rhoE '^(URIs:|deb) +[^ ]+/debian/?( |$)' /etc/apt/sources.list \
		/etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^ ]+' | head -n 1)
	[ -n "$mirror" ] || skip "no cached root and no Debian mirror in apt's sources"
	mk=$(mktemp -d "$VAKT_BOOT_CACHE/mk.XXXXXX") || exit 1
	chmod 0755 "$mk"
	echo "# building the Debian 12 root from $mirror (once; cached in $base)"
	if ! timeout 1200 debootstrap --variant=minbase --include="$PACKAGES" bookworm "$mk" \
		"$mirror" >"$VAKT_BOOT_CACHE/debootstrap.log" 2>&1; then
		rm -rf "$mk"
		tail -n 5 "$VAKT_BOOT_CACHE/debootstrap.log" | sed 's/^/# /'
		skip "cannot build the Debian 12 root (no network to $mirror?);" \
			"see $VAKT_BOOT_CACHE/debootstrap.log"
	fi
	tar -C "$mk" -cf "$base.part" . && mv "$base.part" "$base"
	rm -rf "$mk"
	[ -f "$base" ] || {
		echo "Bail out! cannot write $base"
		exit 1
	}
fi
flock -u 9

root=$(mktemp -d "${TMPDIR:-/var/tmp}/vakt-boot.XXXXXX") || exit 1
trap 'rm -rf "$root"' EXIT
tar -C "$root" -xf "$base" || {
	echo "Bail out! cannot unpack $base"
	exit 1
}
# mktemp makes directories 0700 (and a tarball of one keeps that mode for
# "."): the system's / must be 0755, or user vakt cannot even reach the
# journal and vaktd fails with 200/CHDIR.
chmod 0755 "$root"

# vakt, as `meson install` puts it (binaries, units, sysusers.d,
# tmpfiles.d, the shipped rules), and the demo configuration.
# shellcheck disable=SC2086 # MESON may be a command with arguments
if ! $MESON install -C "$VAKT_BUILD_ROOT" --no-rebuild --quiet --destdir "$root" \
	>"$root/root/install.log" 2>&1; then
	sed 's/^/# /' "$root/root/install.log"
	echo "Bail out! meson install --destdir failed"
	exit 1
fi
cp -r "$VAKT_SRCDIR/config/demo" "$root/root/demo"
printf 'VAKTD_INSTALLED=%s\nVAKTCTL_INSTALLED=%s\n' "$VAKTD_INSTALLED" "$VAKTCTL_INSTALLED" \
	>"$root/root/boot-env"
cp "$VAKT_SRCDIR/tests/integration/systemd-boot-probe.sh" "$root/root/probe.sh"
chmod +x "$root/root/probe.sh"

# D-Bus and logind are not needed (systemctl talks to PID 1 over its
# private socket as root), and in a container that forbids inotify
# dbus-daemon never becomes ready: each would hold the boot for 90 s.
for u in dbus.service dbus.socket systemd-logind.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done

# The probe runs once the system is up, then powers it off.
cat >"$root/etc/systemd/system/vakt-probe.service" <<'EOF'
[Unit]
Description=vakt boot test probe
After=multi-user.target
[Service]
Type=oneshot
WorkingDirectory=/root
ExecStart=/bin/sh -c '/root/probe.sh >/root/probe.out 2>&1; echo $? >/root/probe.rc'
ExecStopPost=/bin/systemctl --no-block poweroff
TimeoutStartSec=infinity
[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/vakt-probe.service \
	"$root/etc/systemd/system/multi-user.target.wants/vakt-probe.service"

start=$(date +%s)
timeout "$VAKT_BOOT_TIMEOUT" systemd-nspawn -q --register=no --keep-unit -D "$root" -b \
	</dev/null >"$root/boot.log" 2>&1
nspawn_rc=$?
elapsed=$(($(date +%s) - start))

if [ ! -f "$root/root/probe.rc" ]; then
	echo "# systemd-nspawn exited $nspawn_rc after ${elapsed} s; the probe did not finish"
	[ -f "$root/root/probe.out" ] && sed 's/^/# probe: /' "$root/root/probe.out"
	tail -n 40 "$root/boot.log" | sed 's/^/# boot: /'
	echo "Bail out! the booted system did not run the probe to its end"
	exit 1
fi
cat "$root/root/probe.out"
echo "# booted, probed and powered off in ${elapsed} s"
exit "$(cat "$root/root/probe.rc")"
