# syntax=docker/dockerfile:1
# Build a static callhub binary, then run it as the distroless nonroot user
# (uid 65532) on a minimal base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
# The Go SDK is a module of its own that go.mod replaces with its directory.
COPY api/hubclient/go.mod api/hubclient/go.sum ./api/hubclient/
RUN go mod download
COPY . .
# VERSION is stamped into the binary: `callhub version` prints it.
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/callhub ./cmd/callhub
# The files directory, owned by nonroot: a named volume mounted there
# starts as a copy of it, so the hub can write to it.
RUN mkdir -p /out/files && chown 65532:65532 /out/files

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/callhub /callhub
COPY --from=build --chown=65532:65532 /out/files /var/lib/callhub/files
USER nonroot:nonroot
EXPOSE 8888
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["/callhub", "health"]
# The binary is the entrypoint and the verb is the command, so that
# `docker run IMAGE health` or `version` work, and a compose command of
# ["serve", "--config", FILE] runs exactly that.
ENTRYPOINT ["/callhub"]
CMD ["serve"]
