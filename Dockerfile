# The backend and the SPA it serves, in three stages: build the SPA, build the
# backend, copy both into a small runtime image that runs as an unprivileged user.

FROM node:20-bookworm AS spa
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY openapi/ /src/openapi/
RUN npm run build

FROM rust:1.95-bookworm AS backend
WORKDIR /src
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY migrations/ migrations/
COPY src/ src/
RUN cargo build --release --locked --bin ory-spa

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app ory-spa
COPY --from=backend /src/target/release/ory-spa /usr/local/bin/ory-spa
COPY --from=spa /src/frontend/dist /app/spa
USER ory-spa
WORKDIR /app
EXPOSE 8080
CMD ["ory-spa", "serve"]
