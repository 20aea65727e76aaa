# syntax=docker/dockerfile:1

# Build a static binary; the embedded store's SQLite is pure Go.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/speaksafe . \
 && mkdir -p /out/data

# Final image: the binary only, no shell, no build tools, non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/speaksafe /speaksafe
COPY --from=build --chown=65532:65532 /out/data /data
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATA_DIR=/data \
    LOG_FORMAT=json
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/speaksafe", "healthcheck"]
ENTRYPOINT ["/speaksafe"]
