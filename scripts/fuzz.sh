#!/bin/sh
# Build the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan in
# build-fuzz and run each for SECONDS (default 60) over its seed and
# regression corpora, two at a time.  Prints one line per target (execs,
# exec/s, coverage, result) and exits non-zero when any target crashed,
# leaked or timed out; the input is then in build-fuzz/tests/fuzz/crash-*.
# New inputs the fuzzer finds stay in build-fuzz/tests/fuzz/corpus-NAME.
set -u
cd "$(dirname "$0")/.."
seconds=${1:-60}
case $seconds in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac

./scripts/install-deps.sh || exit 1
if [ -d build-fuzz ]; then
	meson setup --reconfigure build-fuzz -Dfuzz=true -Dwerror=true >/dev/null ||
		{ rm -rf build-fuzz && CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=true; } ||
		exit 1
else
	CC=clang meson setup build-fuzz -Dfuzz=true -Dwerror=true || exit 1
fi
ninja -C build-fuzz || exit 1
rm -f build-fuzz/tests/fuzz/fuzz-*.log
VAKT_FUZZ_SECONDS=$seconds meson test -C build-fuzz --suite fuzz --num-processes "${FUZZ_JOBS:-2}" \
	--timeout-multiplier 0 --print-errorlogs
status=$?
echo
# run.sh's closing line of every target, from meson's log.
grep -h '^fuzz [a-z]*: ' build-fuzz/meson-logs/testlog.txt
exit $status
