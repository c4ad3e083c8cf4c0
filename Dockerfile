# syntax=docker/dockerfile:1
# Build a static callhub binary, then run it as a non-root user on a
# minimal base.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/callhub ./cmd/callhub

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/callhub /callhub
USER nonroot:nonroot
EXPOSE 8888
ENTRYPOINT ["/callhub", "serve"]
