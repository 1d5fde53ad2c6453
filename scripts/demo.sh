#!/bin/sh
# The one demo command: install what is missing, build, and run vaktd on
# its embedded default — the demo configuration in config/demo, a SQLite
# store under build/demo/, the API on build/demo/api.sock — then show what
# it sees.  Stops on Ctrl-C, or after $VAKT_DEMO_SECONDS when set (CI).
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build

demo=build/demo
# The rules of this checkout, not the installed ones.
export VAKT_RULES_DIR="$PWD/filters"
mkdir -p "$demo"
vaktd=build/daemon/vaktd/vaktd
vaktctl="build/daemon/ctl/vaktctl --socket $demo/api.sock"

$vaktd --check-config --config config/demo
$vaktd --config config/demo --state-dir "$PWD/$demo/state" --socket "$PWD/$demo/api.sock" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT INT TERM

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
echo
echo "vaktd is running (pid $pid); its API socket is $demo/api.sock:"
echo "  build/daemon/ctl/vaktctl --socket $demo/api.sock status"
if [ -n "${VAKT_DEMO_SECONDS:-}" ]; then
	sleep "$VAKT_DEMO_SECONDS"
else
	echo "Press Ctrl-C to stop."
	wait "$pid"
fi
