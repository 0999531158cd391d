# syntax=docker/dockerfile:1
# The backend and the SPA it serves, in three stages: build the SPA, build the
# backend, copy both into a small runtime image that runs as an unprivileged user.
# Used by docker-compose.yml (`docker compose up --build`); needs BuildKit (the
# default builder since Docker 23) for the cache mounts.

# (a) The SPA. `vite build` needs only frontend/ (the generated API types are
# committed in frontend/src/api/), not openapi/.
FROM node:20-bookworm-slim AS spa
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
RUN npm run build

# (b) The backend. Cargo.toml's rust-version is 1.94; the workspace is "." and
# "migrations". The registry and target directory are cache mounts, so a rebuild
# after a source change recompiles only this workspace; the binary is copied out of
# the (unexported) target mount in the same step.
FROM rust:1.94-bookworm AS backend
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY migrations/ migrations/
COPY src/ src/
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin ory-spa \
 && install -m 0755 target/release/ory-spa /usr/local/bin/ory-spa

# (c) Runtime: the binary and the built SPA, no toolchain, no shell tools beyond
# Debian's base. TLS roots for rustls come from ca-certificates.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ory-spa \
 && useradd --system --uid 10001 --gid ory-spa --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin ory-spa
COPY --from=backend /usr/local/bin/ory-spa /usr/local/bin/ory-spa
COPY --from=spa /src/frontend/dist /app/spa
WORKDIR /app
# Defaults for the container; the other APP_* settings come from the deployment.
ENV APP_BIND_ADDRESS=0.0.0.0:8080 \
    APP_SPA_DIR=/app/spa \
    APP_LOG_FORMAT=json
# Numeric, so runtimes that require a non-root uid can verify it without /etc/passwd.
USER 10001:10001
EXPOSE 8080
CMD ["ory-spa", "serve"]
