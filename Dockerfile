# Used only when action.yml says `image: Dockerfile` (a checkout of main);
# released versions pull the prebuilt image (Dockerfile.release) instead.
# Build stage: a static binary, so the final image needs no libc and no shell.
# The base image is named by tag; pin it by digest (rust:1.95-bookworm@sha256:...)
# from a machine that can reach the registry.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY src ./src
# The emulator is a development tool; its manifest is only needed to resolve
# the lock file, and it is not built into the image.
COPY emulator ./emulator
RUN cargo static \
 && cp target/x86_64-unknown-linux-gnu/release/go-live /go-live

# Final stage: the binary alone. It carries its own trusted TLS roots.
# It runs as root because the runner's file-command files belong to root.
FROM scratch
COPY --from=build /go-live /go-live
ENTRYPOINT ["/go-live"]
