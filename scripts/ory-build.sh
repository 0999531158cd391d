#!/usr/bin/env bash
# Builds Ory Kratos and Ory Keto from their Go modules (kratos/build, keto/build) and
# caches the binaries outside the repository, keyed by version:
#
#   ${ORY_SPA_BIN_DIR:-${ORY_SPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ory-spa}/bin}/
#       kratos-<version>   keto-<version>
#
# A cached binary is reused when `<binary> version` runs and reports that version, so
# a second run takes a second. The versions come from one place: the
# `require github.com/ory/<name> <version>` line of each wrapper's go.mod.
# Needs Go and gcc (SQLite is cgo) only when something must be built. The Go module
# and build caches stay at Go's defaults, so later builds on the same machine are fast.
#
# Usage:
#   scripts/ory-build.sh                  ensure both binaries, print their paths
#   scripts/ory-build.sh kratos|keto      ensure one
#   scripts/ory-build.sh --print-dir      print the binary directory, build nothing
#   scripts/ory-build.sh --version NAME   print NAME's pinned version, build nothing
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${ORY_SPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ory-spa}
bin_dir=${ORY_SPA_BIN_DIR:-$cache/bin}
heartbeat_every=${ORY_BUILD_HEARTBEAT:-30}

die() { echo "ory-build: $*" >&2; exit 1; }
say() { echo "ory-build: $*" >&2; }

# The pinned version of github.com/ory/<name>, from <name>/build/go.mod.
version_of() {
  local name=$1 gomod=$root/$1/build/go.mod v
  [[ -f $gomod ]] || die "$gomod is missing"
  v=$(awk -v mod="github.com/ory/$name" '$1 == "require" && $2 == mod { print $3; exit }' "$gomod")
  [[ -n $v ]] || die "no 'require github.com/ory/$name <version>' line in $gomod"
  echo "$v"
}

# Go's -X path of the package that holds the version `<binary> version` prints.
buildinfo_pkg() {
  case $1 in
    kratos) echo github.com/ory/kratos/driver/config ;;
    keto) echo github.com/ory/keto/internal/driver/config ;;
  esac
}

# True when $1 exists, runs, and reports version $2.
binary_ok() {
  local out
  [[ -x $1 ]] || return 1
  out=$("$1" version 2>/dev/null) || return 1
  grep -Eq "^Version:[[:space:]]+$2\$" <<<"$out"
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
cleanup() {
  if [[ -n $child ]]; then kill "$child" 2>/dev/null || true; fi
  if [[ -n $tmp_file ]]; then rm -f "$tmp_file"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_toolchain() {
  command -v go >/dev/null 2>&1 ||
    die "'go' is not on PATH. Building Ory Kratos/Keto needs Go (see kratos/build/go.mod for the minimum version); install it from https://go.dev/dl/ or your package manager."
  command -v gcc >/dev/null 2>&1 ||
    die "'gcc' is not on PATH. Kratos and Keto are built with cgo for SQLite (-tags sqlite); install a C compiler, e.g. 'apt-get install gcc'."
}

ensure() {
  local name=$1 version dest src pkg start
  version=$(version_of "$name")
  dest=$bin_dir/$name-$version
  if binary_ok "$dest" "$version"; then
    say "$name $version: cached, skipping build"
    echo "$dest"
    return 0
  fi

  require_toolchain
  src=$root/$name/build
  pkg=$(buildinfo_pkg "$name")
  mkdir -p "$bin_dir"
  say "$name $version: go mod download (module cache: $(go env GOMODCACHE))"
  with_heartbeat "downloading $name modules" in_dir "$src" go mod download ||
    die "$name: 'go mod download' failed in $src"

  say "$name $version: building (CGO_ENABLED=1 go build -tags sqlite -trimpath); the first build takes minutes"
  start=$SECONDS
  tmp_file=$dest.tmp.$$
  with_heartbeat "building $name" \
    in_dir "$src" env CGO_ENABLED=1 go build -tags sqlite -trimpath \
    -ldflags "-X $pkg.Version=$version" -o "$tmp_file" . ||
    die "$name: 'go build' failed in $src (output above)"
  binary_ok "$tmp_file" "$version" ||
    die "$name: the new binary does not report version $version ('$tmp_file version')"
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
    [[ ${2:-} == kratos || ${2:-} == keto ]] || die "usage: $0 --version kratos|keto"
    version_of "$2"
    ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    ;;
  kratos | keto)
    ensure "$1"
    ;;
  "")
    ensure kratos
    ensure keto
    ;;
  *)
    die "unknown argument '$1' (try --help)"
    ;;
esac
