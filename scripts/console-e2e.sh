#!/usr/bin/env bash
# Browser tests of the web console: builds the real binary, starts it with
# `speaksafe demo` (a seeded demonstration force) and a fake FCM, and drives
# Debian's chromium through playwright-core (console/e2e/flows.mjs). Nothing
# downloads a browser: chromium comes from apt, playwright-core only drives it.
#   E2E_OUT   screenshots (default: console/e2e/output)
#   E2E_DOCS  set to 1 to copy the screenshots into docs/console/ too
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${E2E_OUT:-$root/console/e2e/output}

if ! command -v chromium >/dev/null 2>&1; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
fi
(cd console/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/speaksafe" .
go build -o "$work/fcmfake" ./cmd/fcmfake
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

fcm_port=$(free_port)
"$work/fcmfake" -listen "127.0.0.1:$fcm_port" >"$work/fcm.log" 2>&1 &
pids+=($!)
port=$(free_port)
DATA_DIR="$work/data" LISTEN_ADDR="127.0.0.1:$port" FCM_ENDPOINT="http://127.0.0.1:$fcm_port/v1" \
	LOG_FORMAT=json "$work/speaksafe" demo >"$work/server.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 120); do
	if curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
	if ! kill -0 "${pids[1]}" 2>/dev/null; then cat "$work/server.log"; exit 1; fi
	sleep 0.5
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { tail -50 "$work/server.log"; exit 1; }

docs=""
[ "${E2E_DOCS:-}" = 1 ] && docs="$root/docs/console"
if ! BASE="http://127.0.0.1:$port" OUT="$out" DOCS="$docs" DEMO_USERS="$work/data/demo-users.json" \
	FCM_ADMIN="http://127.0.0.1:$fcm_port" node console/e2e/flows.mjs; then
	echo "== server log (last 40 lines)"; tail -40 "$work/server.log"
	exit 1
fi
echo "screenshots in $out"
