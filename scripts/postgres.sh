#!/usr/bin/env bash
# Makes sure a local PostgreSQL server answers on 127.0.0.1:5432 with a role the
# tests can use (installing Debian's package and starting a cluster if needed),
# then prints the URL the tests connect with. Progress goes to stderr.
set -euo pipefail
role=ory_spa
url="postgres://$role:$role@127.0.0.1:5432/postgres"
say() { echo "postgres: $*" >&2; }

if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" > /dev/null; then
  say "installing Debian's postgresql package"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  version=$(basename "$(compgen -G "/usr/lib/postgresql/*" | sort -V | tail -n 1)")
  if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "$version/main"; then
    say "creating cluster $version/main"
    pg_createcluster "$version" main >&2
  fi
  say "starting cluster $version/main"
  pg_ctlcluster "$version" main start >&2
  for _ in $(seq 1 100); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  pg_isready -h 127.0.0.1 -p 5432 >&2
fi

psql_admin() { (cd / && su postgres -c "psql -v ON_ERROR_STOP=1 -tAc \"$1\""); }
if [[ $(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$role'") != 1 ]]; then
  say "creating role $role"
  psql_admin "CREATE ROLE $role LOGIN PASSWORD '$role' CREATEDB" > /dev/null
fi
# Databases earlier test runs created (one per test app) are dropped.
for db in $(psql_admin "SELECT datname FROM pg_database WHERE datname LIKE 'ory_spa_test_%'"); do
  psql_admin "DROP DATABASE $db" > /dev/null
done
echo "$url"
