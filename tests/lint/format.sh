#!/bin/sh
# Every C file is formatted as .clang-format says (TAP).  The generated
# daemon/filter/normtab.c is left as its generator writes it.
# Usage: format.sh SRCDIR [CLANG_FORMAT]
src=${1:?source directory}
cf=${2:-clang-format}
cd "$src" || exit 1
echo "1..1"
if ! command -v "$cf" >/dev/null 2>&1; then
	echo "ok 1 # SKIP clang-format not installed (scripts/install-deps.sh installs it)"
	exit 0
fi
out=$(find daemon tests -name '*.[ch]' ! -path daemon/filter/normtab.c -print |
	LC_ALL=C sort | xargs "$cf" --dry-run --Werror 2>&1)
if [ -z "$out" ]; then
	echo "ok 1 - clang-format --dry-run --Werror is clean"
	exit 0
fi
printf '%s\n' "$out" | grep 'error:' | sed 's/^/# /'
echo "# fix with: clang-format -i FILE"
echo "not ok 1 - clang-format --dry-run --Werror"
exit 1
