# syntax=docker/dockerfile:1

# Build a static binary; the embedded store's SQLite is pure Go.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/speaksafe . \
 && mkdir -p /out/data /out/backups

# Final image: the binary only, no shell, no build tools, non-root.
#
# It runs in production mode: it refuses to start without JWT_SIGNING_KEY,
# DATA_KEYS, RATE_LIMIT_SECRET, WEBHOOK_SECRET (or their _FILE forms) and a
# push configuration (FIREBASE_PROJECT_ID + GOOGLE_APPLICATION_CREDENTIALS),
# and requires MFA of admins, supervisors and officers. Two shapes:
#   one node on the embedded store: mount a volume on /data (and one for
#     backups), run exactly one container per volume;
#   MongoDB: set MONGODB_URI; /data then holds nothing that matters and any
#     number of containers can run.
# See README "Docker" and "Operating it".
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/speaksafe /speaksafe
COPY --from=build --chown=65532:65532 /out/data /data
# A named volume mounted here is writable by the server's user, for
# `speaksafe backup /backups/…`.
COPY --from=build --chown=65532:65532 /out/backups /backups
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATA_DIR=/data \
    SPEAKSAFE_MODE=production \
    LOG_FORMAT=json
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/speaksafe", "healthcheck"]
ENTRYPOINT ["/speaksafe"]
