#!/usr/bin/env bash
# Independent contract check: Stoplight Prism (an OpenAPI 3.1 validator from
# npm, not written here) runs as a validating proxy in front of a live
# SpeakSafe; loadtest/contract drives every kind of request through it and
# fails on any response Prism finds outside mobile-api.yaml (and on any
# request meant to be valid that Prism finds outside it).
#
#   scripts/contract-check.sh            # about 1–2 minutes after the first npm install
#
# Everything listens on loopback only and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

PRISM_VERSION=5.16.0
TOOLS="${SPEAKSAFE_TOOLS:-$HOME/.cache/speaksafe-tools}"
PRISM="$TOOLS/prism-$PRISM_VERSION/node_modules/.bin/prism"
if [ ! -x "$PRISM" ]; then
	echo "== installing @stoplight/prism-cli@$PRISM_VERSION into $TOOLS"
	mkdir -p "$TOOLS/prism-$PRISM_VERSION"
	npm install --prefix "$TOOLS/prism-$PRISM_VERSION" --no-audit --no-fund --loglevel=error "@stoplight/prism-cli@$PRISM_VERSION" >/dev/null
fi

work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
SERVER_PORT="$(free_port)"
PROXY_PORT="$(free_port)"
ADMIN_EMAIL=admin@speaksafe.test
ADMIN_PASSWORD="contract-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

echo "== building the server"
go build -o "$work/speaksafe" .

echo "== starting SpeakSafe (embedded store) on 127.0.0.1:$SERVER_PORT"
LISTEN_ADDR="127.0.0.1:$SERVER_PORT" DATA_DIR="$work/data" \
	BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
	TRUSTED_PROXIES=127.0.0.1 LOG_LEVEL=warn WEBHOOK_ALLOWED_HOSTS=127.0.0.1:9 \
	"$work/speaksafe" >"$work/server.log" 2>&1 &
pids+=($!)

echo "== starting Prism $PRISM_VERSION as a validating proxy on 127.0.0.1:$PROXY_PORT"
"$PRISM" proxy mobile-api.yaml "http://127.0.0.1:$SERVER_PORT" --host 127.0.0.1 --port "$PROXY_PORT" >"$work/prism.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 240); do
	if curl -fsS "http://127.0.0.1:$SERVER_PORT/readyz" >/dev/null 2>&1 &&
		curl -fsS "http://127.0.0.1:$PROXY_PORT/healthz" >/dev/null 2>&1; then
		break
	fi
	sleep 0.5
done

echo "== driving the API through the proxy"
if ! go run ./loadtest/contract -base "http://127.0.0.1:$PROXY_PORT" -admin-email "$ADMIN_EMAIL" -admin-password "$ADMIN_PASSWORD"; then
	echo "-- Prism's violations:"
	grep -E "Violation|✖" "$work/prism.log" | tail -40 || true
	echo "-- server log (tail):"
	tail -40 "$work/server.log"
	exit 1
fi
