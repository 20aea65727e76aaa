#!/usr/bin/env bash
# Writes deploy/secrets/: fresh keys for SpeakSafe and the MongoDB URI of the
# compose replica set. Refuses to overwrite an existing secrets/ directory.
set -euo pipefail
cd "$(dirname "$0")"
if [ -e secrets ]; then
	echo "secrets/ exists: keep it (losing DATA_KEYS loses every sealed field)" >&2
	exit 1
fi
mkdir -m 0755 secrets
key() { printf '%s:%s' "$1" "$(openssl rand 32 | basenc --base64url | tr -d '=')"; }
key k1 >secrets/jwt
key k1 >secrets/data-keys
key k1 >secrets/audit-keys
key k1 >secrets/receipt-keys
openssl rand -hex 32 >secrets/rate-limit
openssl rand -hex 32 >secrets/webhook
printf 'mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0' >secrets/mongodb-uri
# Readable by the server's uid 65532 inside the containers.
chmod 0444 secrets/*
echo "wrote $(pwd)/secrets; add secrets/fcm.json (the Firebase service account)"
