#!/usr/bin/env bash
# Builds Ory Kratos and Ory Keto from their Go modules (kratos/build, keto/build);
# Mailpit, the local mail server Kratos' courier sends to in dev and tests, from its
# Go module (scripts/mailpit); and Ory Hydra, the local OpenID Connect provider for
# social sign-in in dev and tests, from its Go module (hydra/build). Caches the
# binaries outside the repository, keyed by version:
#
#   ${ORY_SPA_BIN_DIR:-${ORY_SPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ory-spa}/bin}/
#       kratos-<version>   keto-<version>   mailpit-<version>   hydra-<version>
#
# A cached binary is reused when it proves its version offline, so a second run takes
# a second: Kratos, Keto and Hydra by `<binary> version`; Mailpit by the module version Go
# recorded in it (`go version -m`), because `mailpit version` asks GitHub for updates.
# The versions come from one place: the `require <module> <version>` line of each
# wrapper's go.mod.
# Needs, only when something must be built: Go and gcc (Kratos, Keto and Hydra use cgo
# for SQLite); Go and npm for Mailpit, whose Go module lacks its web UI's compiled assets
# (they are built from the module's own sources and package-lock.json). The Go module
# and build caches stay at Go's defaults, so later builds on the same machine are fast.
#
# Usage:
#   scripts/ory-build.sh                              ensure all four binaries, print their paths
#   scripts/ory-build.sh kratos|keto|mailpit|hydra    ensure one
#   scripts/ory-build.sh --print-dir            print the binary directory, build nothing
#   scripts/ory-build.sh --version NAME         print NAME's pinned version, build nothing
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${ORY_SPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ory-spa}
bin_dir=${ORY_SPA_BIN_DIR:-$cache/bin}
heartbeat_every=${ORY_BUILD_HEARTBEAT:-30}

die() { echo "ory-build: $*" >&2; exit 1; }
say() { echo "ory-build: $*" >&2; }

# The wrapper module each binary is built from, and the module it wraps.
wrapper_of() {
  case $1 in
    kratos | keto | hydra) echo "$root/$1/build" ;;
    mailpit) echo "$root/scripts/mailpit" ;;
  esac
}
module_of() {
  case $1 in
    kratos | keto) echo "github.com/ory/$1" ;;
    hydra) echo github.com/ory/hydra/v2 ;;
    mailpit) echo github.com/axllent/mailpit ;;
  esac
}

# The pinned version of <name>'s module, from its wrapper's go.mod.
version_of() {
  local gomod mod v
  gomod=$(wrapper_of "$1")/go.mod
  mod=$(module_of "$1")
  [[ -f $gomod ]] || die "$gomod is missing"
  # One-line `require <module> <version>`, or the module's line in a require block
  # (where `go get` and `go mod tidy` may move it).
  v=$(awk -v mod="$mod" '
    $1 == "require" && $2 == mod { print $3; exit }
    $1 == mod && $2 ~ /^v[0-9]/ { print $2; exit }' "$gomod")
  [[ -n $v ]] || die "no 'require $mod <version>' line in $gomod"
  echo "$v"
}

# Go's -X path of the package that holds the version the binary reports.
buildinfo_pkg() {
  case $1 in
    kratos) echo github.com/ory/kratos/driver/config ;;
    keto) echo github.com/ory/keto/internal/driver/config ;;
    hydra) echo github.com/ory/hydra/v2/driver/config ;;
    mailpit) echo github.com/axllent/mailpit/config ;;
  esac
}

# True when binary $2 (of <name> $1) exists, runs, and is version $3.
binary_ok() {
  local name=$1 binary=$2 version=$3 out
  [[ -x $binary ]] || return 1
  case $name in
    kratos | keto | hydra)
      out=$("$binary" version 2>/dev/null) || return 1
      grep -Eq "^Version:[[:space:]]+$version\$" <<<"$out"
      ;;
    mailpit)
      # `mailpit version` checks GitHub for a newer release, so it cannot be the
      # test offline. Go records the module and version it built the main package
      # from; `--help` proves the binary runs here without touching the network.
      "$binary" --help >/dev/null 2>&1 || return 1
      command -v go >/dev/null 2>&1 || return 1
      out=$(go version -m "$binary" 2>/dev/null) || return 1
      grep -Eq "^[[:space:]]+mod[[:space:]]+github\.com/axllent/mailpit[[:space:]]+$version([[:space:]]|\$)" <<<"$out"
      ;;
  esac
}

# Runs "$@" in directory $1 (always in a subshell: with_heartbeat backgrounds it).
in_dir() { cd "$1" && shift && exec "$@"; }

fmt_duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# Runs "$@" (in the background) and prints a heartbeat line while it runs, so a
# long step never looks hung. Returns the command's exit status.
child=""
with_heartbeat() {
  local what=$1 start=$SECONDS next=$heartbeat_every rc=0
  shift
  "$@" &
  child=$!
  while kill -0 "$child" 2>/dev/null; do
    sleep 1
    if ((SECONDS - start >= next)) && kill -0 "$child" 2>/dev/null; then
      say "still $what… $(fmt_duration $((SECONDS - start)))"
      next=$((next + heartbeat_every))
    fi
  done
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

tmp_file=""
tmp_dir=""
cleanup() {
  if [[ -n $child ]]; then
    kill "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  if [[ -n $tmp_file ]]; then rm -f "$tmp_file"; fi
  if [[ -n $tmp_dir ]]; then rm -rf "$tmp_dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_toolchain() {
  command -v go >/dev/null 2>&1 ||
    die "'go' is not on PATH. Building $1 needs Go (see $(wrapper_of "$1")/go.mod for the minimum version); install it from https://go.dev/dl/ or your package manager."
  case $1 in
    kratos | keto | hydra)
      command -v gcc >/dev/null 2>&1 ||
        die "'gcc' is not on PATH. Kratos, Keto and Hydra are built with cgo for SQLite (-tags sqlite); install a C compiler, e.g. 'apt-get install gcc'."
      ;;
    mailpit)
      command -v npm >/dev/null 2>&1 ||
        die "'npm' is not on PATH. Mailpit's web UI is built with Node.js and npm; install Node.js."
      ;;
  esac
}

# Kratos, Keto and Hydra: the wrapper's main package calls the service's own entry point.
build_ory() { # name version out
  local src
  src=$(wrapper_of "$1")
  say "$1 $2: building (CGO_ENABLED=1 go build -tags sqlite -trimpath); the first build takes minutes"
  with_heartbeat "building $1" \
    in_dir "$src" env CGO_ENABLED=1 go build -tags sqlite -trimpath \
    -ldflags "-X $(buildinfo_pkg "$1").Version=$2" -o "$3" . ||
    die "$1: 'go build' failed in $src (output above)"
}

# Mailpit embeds its web UI from server/ui/dist, which its published Go module does
# not contain (upstream builds it with npm before `go build`). So: copy the module
# from Go's checksum-verified cache into a temporary directory, build the UI there
# with the module's own package-lock.json and esbuild configuration, and build the
# binary with the wrapper's go.mod and go.sum plus a replace pointing at that copy.
build_mailpit() { # version out
  local src mod dir
  src=$(wrapper_of mailpit)
  mod=$(module_of mailpit)
  dir=$(in_dir "$src" go list -m -f '{{.Dir}}' "$mod") ||
    die "mailpit: 'go list -m $mod' failed in $src"
  tmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/ory-spa-mailpit.XXXXXX")
  cp -R "$dir" "$tmp_dir/mailpit"
  chmod -R u+w "$tmp_dir/mailpit"
  mkdir "$tmp_dir/wrapper"
  cp "$src/go.mod" "$src/go.sum" "$tmp_dir/wrapper/"
  (in_dir "$tmp_dir/wrapper" go mod edit -replace "$mod=$tmp_dir/mailpit")

  say "mailpit $1: building its web UI (npm ci && npm run build, npm cache: $(npm config get cache 2>/dev/null))"
  with_heartbeat "installing mailpit's web UI packages" \
    in_dir "$tmp_dir/mailpit" npm ci --no-audit --no-fund --loglevel=error ||
    die "mailpit: 'npm ci' failed in $tmp_dir/mailpit (output above)"
  with_heartbeat "building mailpit's web UI" in_dir "$tmp_dir/mailpit" npm run --silent build ||
    die "mailpit: 'npm run build' failed in $tmp_dir/mailpit (output above)"
  [[ -f $tmp_dir/mailpit/server/ui/dist/app.js ]] ||
    die "mailpit: the web UI build left no server/ui/dist/app.js"

  say "mailpit $1: building (CGO_ENABLED=0 go build -trimpath; its SQLite is pure Go)"
  with_heartbeat "building mailpit" \
    in_dir "$tmp_dir/wrapper" env CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X $(buildinfo_pkg mailpit).Version=$1" -o "$2" "$mod" ||
    die "mailpit: 'go build' failed in $tmp_dir/wrapper (output above)"
  rm -rf "$tmp_dir"
  tmp_dir=""
}

ensure() {
  local name=$1 version dest src start
  version=$(version_of "$name")
  dest=$bin_dir/$name-$version
  if binary_ok "$name" "$dest" "$version"; then
    say "$name $version: cached, skipping build"
    echo "$dest"
    return 0
  fi

  require_toolchain "$name"
  src=$(wrapper_of "$name")
  mkdir -p "$bin_dir"
  say "$name $version: go mod download (module cache: $(go env GOMODCACHE))"
  with_heartbeat "downloading $name modules" in_dir "$src" go mod download ||
    die "$name: 'go mod download' failed in $src"

  start=$SECONDS
  tmp_file=$dest.tmp.$$
  case $name in
    kratos | keto | hydra) build_ory "$name" "$version" "$tmp_file" ;;
    mailpit) build_mailpit "$version" "$tmp_file" ;;
  esac
  binary_ok "$name" "$tmp_file" "$version" ||
    die "$name: the new binary $tmp_file does not prove version $version (see binary_ok)"
  mv -f "$tmp_file" "$dest"
  tmp_file=""
  say "$name $version: built in $(fmt_duration $((SECONDS - start)))"
  echo "$dest"
}

case ${1:-} in
  --print-dir)
    echo "$bin_dir"
    ;;
  --version)
    [[ ${2:-} == kratos || ${2:-} == keto || ${2:-} == mailpit || ${2:-} == hydra ]] ||
      die "usage: $0 --version kratos|keto|mailpit|hydra"
    version_of "$2"
    ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    ;;
  kratos | keto | mailpit | hydra)
    ensure "$1"
    ;;
  "")
    ensure kratos
    ensure keto
    ensure mailpit
    ensure hydra
    ;;
  *)
    die "unknown argument '$1' (try --help)"
    ;;
esac
