# Tritium in a container: a static binary on a distroless base, running as
# a non-root user, with its data directory on the /data volume.
#
#   docker build -t tritium .
#   docker run -p 8090:8090 -v tritium-data:/data tritium
#
# scripts/test runs this file's `go build` line itself (taken from here, so
# the two cannot drift) when no container engine is available.

FROM golang:1.26.8 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -buildvcs=false -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tritium ./cmd/tritium
# The volume's mount point, owned by the user the server runs as (65532 is
# "nonroot" in the distroless image), so a fresh volume is writable.
RUN mkdir -p /out/data && chown 65532:65532 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tritium /usr/local/bin/tritium
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV TRITIUM_HTTP=0.0.0.0:8090 \
    TRITIUM_DATA=/data
VOLUME /data
EXPOSE 8090
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/tritium", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/tritium"]
CMD ["serve"]
