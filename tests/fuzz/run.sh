#!/bin/sh
# Run one libFuzzer target: run.sh EXE NAME SECONDS MAX_LEN
#
# The inputs it finds go to $VAKT_FUZZ_WORKDIR/corpus-NAME (the build
# directory; the seeds in the tree are only read), a crashing input to
# $VAKT_FUZZ_WORKDIR/crash-NAME-*.  Every file of corpus/NAME and
# regressions/NAME runs first, so an old crash fails at once.
# $VAKT_FUZZ_SECONDS overrides SECONDS.  Ends with one line:
# "fuzz NAME: N execs in S s (E exec/s), cov C, ft F, corpus K: ok|FAILED".
set -u
exe=$1 name=$2 seconds=${VAKT_FUZZ_SECONDS:-$3} max_len=$4
here=$(cd "$(dirname "$0")" && pwd)
work=${VAKT_FUZZ_WORKDIR:-${TMPDIR:-/tmp}}
mkdir -p "$work/corpus-$name"
log="$work/fuzz-$name.log"

set -- -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=1024 \
	-malloc_limit_mb=512 -print_final_stats=1 -artifact_prefix="$work/crash-$name-"
[ -f "$here/dict/$name.dict" ] && set -- "$@" -dict="$here/dict/$name.dict"
set -- "$@" "$work/corpus-$name" "$here/corpus/$name"
[ -d "$here/regressions/$name" ] && set -- "$@" "$here/regressions/$name"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
"$exe" "$@" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
if [ "$rc" -eq 0 ]; then
	result=ok
else
	result="FAILED (exit $rc; log $log)"
	# The report: what broke and where.
	grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written|^[a-z].*disagree|does not parse|not valid UTF-8|left a transaction|bad response' "$log" | head -n 20
fi
echo "fuzz $name: ${execs:-?} execs in ${seconds} s (${rate:-?} exec/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}: $result"
[ "$rc" -eq 0 ]
