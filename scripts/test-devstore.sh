#!/usr/bin/env bash
# Runs the store-touching packages against the embedded store as a separate
# process (cmd/devstore) reached through TEST_MONGODB_URI: the production
# configuration path (rate limits shared through the store, the alert engine on
# its own connection pool, no in-process shortcuts).
#
#   scripts/test-devstore.sh [go test flags…]     # default: -race -count=1
set -euo pipefail
cd "$(dirname "$0")/.."

# Every package whose tests get a database from dbtest (directly or through apptest).
packages=(./accounts/ ./audit/ ./content/ ./dbtest/ ./handlers/ ./alerts/ ./oncall/ ./ratelimit/ ./reports/ ./server/)
flags=("$@")
[ ${#flags[@]} -eq 0 ] && flags=(-race -count=1)

work="$(mktemp -d)"
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/devstore" ./cmd/devstore
# A random loopback port; devstore exits at once when it is taken: try another.
uri=""
for _ in 1 2 3 4 5; do
	port=$((30000 + RANDOM % 10000))
	: >"$work/uri"
	"$work/devstore" -for-tests -addr "127.0.0.1:$port" -dir "$work/data" >"$work/uri" 2>"$work/devstore.log" &
	pid=$!
	# devstore prints its connection string once it accepts connections.
	for _ in $(seq 1 600); do
		[ -s "$work/uri" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	uri="$(head -n1 "$work/uri")"
	[ -n "$uri" ] && break
	wait "$pid" 2>/dev/null || true
	pid=""
done
[ -n "$uri" ] || { echo "devstore did not start:"; cat "$work/devstore.log"; exit 1; }
echo "devstore at $uri (pid $pid)"

TEST_MONGODB_URI="$uri" go test "${flags[@]}" -timeout 30m "${packages[@]}"
