#!/bin/sh
# Install what vakt needs to build, run and test on Debian 12, and nothing
# that is already there.  Runs as root (CI) or through sudo.
set -eu

# systemd: systemd-analyze, -sysusers and -tmpfiles check the units offline.
# systemd-container and debootstrap: the boot test (systemd-nspawn boots a
# Debian 12 root; it skips where the machine cannot).
PACKAGES="gcc libc6-dev pkg-config meson ninja-build
libcurl4-openssl-dev libevent-dev libcjson-dev libpcre2-dev libsystemd-dev
libsqlite3-dev libinih-dev libssl-dev
python3 curl systemd tzdata
clang libclang-rt-14-dev
systemd-container debootstrap"
# clang and libclang-rt-14-dev: the fuzzing build (scripts/fuzz.sh); the
# latter holds libclang_rt.fuzzer and the sanitizer runtimes, which clang-14
# only recommends.
# tests/lint/format.sh
PACKAGES="$PACKAGES clang-format"
# tests/integration/smtpsink.py: the SMTP server of the e-mail tests and
# the notify benchmark
PACKAGES="$PACKAGES python3-aiosmtpd"
# tests/bench/bench-hyperscan, built only where Hyperscan is found: Debian
# ships it for amd64 only
if [ "$(dpkg --print-architecture)" = amd64 ]; then
	PACKAGES="$PACKAGES libhyperscan-dev"
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
