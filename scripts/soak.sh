#!/usr/bin/env bash
# 30-minute soak: builds and starts SpeakSafe against the embedded store run
# as its own process, a fake FCM in the load process, and sends a steady
# mixed load (content, 304s, intake, reporter case view, officer queue,
# urgent reports that page), printing a line a minute with errors, latency
# and the server's and store's RSS, then the verdict (errors, memory flat).
#
#   scripts/soak.sh                 # 30 minutes at 20 requests/s
#   scripts/soak.sh 5m 10           # shorter / slower
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-30m}"
RATE="${2:-20}"
out="${TMPDIR:-/tmp}/speaksafe-soak-$(date -u +%Y%m%dT%H%M%SZ).md"
exec go run ./loadtest -soak "$DURATION" -soak-rate "$RATE" -out "$out"
