#!/usr/bin/env bash
# Checks docker-compose.yml with compose-go (the parser Docker Compose v2 uses), as
# no Docker engine runs here, plus this project's invariants (scripts/compose-check/).
# The checker is built once into the ory-spa cache, keyed by its sources.
set -euo pipefail
cd "$(dirname "$0")/.."
src=scripts/compose-check
key=$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-16)
bin=${ORY_SPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ory-spa}/bin/compose-check-$key
if [[ ! -x $bin ]]; then
  echo "building the compose checker (compose-go)" >&2
  mkdir -p "$(dirname "$bin")"
  (cd "$src" && go build -o "$bin.tmp" .) && mv "$bin.tmp" "$bin"
fi
"$bin" docker-compose.yml
