#!/usr/bin/env bash
# Validates openapi/openapi.json as OpenAPI 3.1 with openapi-spec-validator (PyPI),
# installed once into a virtualenv in the ory-spa cache and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.9.0
venv=${ORY_SPA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ory-spa}/venv-openapi-$version
spec=${1:-openapi/openapi.json}

if [[ ! -f $venv/.installed ]]; then
  echo "installing openapi-spec-validator $version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "openapi-spec-validator==$version"
  touch "$venv/.installed"
fi

"$venv/bin/python3" - "$spec" <<'PY'
import json, sys
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator
from importlib.metadata import version

path = sys.argv[1]
with open(path) as f:
    spec = json.load(f)
if spec.get("openapi", "").split(".")[:2] != ["3", "1"]:
    sys.exit(f"{path}: declares OpenAPI {spec.get('openapi')!r}, expected 3.1.x")
validate(spec, cls=OpenAPIV31SpecValidator)
operations = sum(1 for item in spec["paths"].values() for m in item if m in {"get", "post", "put", "patch", "delete"})
print(f"{path}: valid OpenAPI {spec['openapi']} ({operations} operations), openapi-spec-validator {version('openapi-spec-validator')}")
PY
