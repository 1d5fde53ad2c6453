#!/bin/sh
# The one test command: install what is missing, build with warnings as
# errors, run every test; then the same under AddressSanitizer and
# UndefinedBehaviorSanitizer; then each libFuzzer target (tests/fuzz) for a
# short while.  Ends with the line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

./scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

status=0
run_build() { # DIR, meson options...
	dir=$1
	shift
	rm -f "$dir/meson-logs/testlog.json"
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null || meson setup --wipe "$dir" "$@" || return 1
	else
		meson setup "$dir" "$@" || return 1
	fi
	ninja -C "$dir" || return 1
	meson test -C "$dir" --print-errorlogs --num-processes 2 || return 1
}

run_build build -Dwerror=true -Dbuildtype=debugoptimized || status=1

# Sanitizers: any report fails the test that triggered it.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
run_build build-asan -Dwerror=true -Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
	-Db_lundef=false || status=1

# Fuzzing: each target of tests/fuzz runs briefly (fuzz_seconds) over its
# seeds and replays its regression corpus; one test per target.
CC=clang run_build build-fuzz -Dwerror=true -Dfuzz=true || status=1

python3 scripts/test-summary.py build/meson-logs/testlog.json \
	build-asan/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json || status=1
exit $status
