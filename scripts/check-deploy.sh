#!/usr/bin/env bash
# Validates the deployment files under deploy/kubernetes/, offline: every YAML manifest against
# the vendored JSON schema of its kind (deploy/schemas/: Kubernetes 1.33's strict schemas and
# SpinKube's SpinApp CRD, where a misspelt or unknown field, a wrong type or a missing required
# field fails), and runtime-config.toml against the sections Spin 4.0.2 accepts.
# Needs Python 3.11+ and pip; installs check-jsonschema (PyPI, pinned below) in a cache folder
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.39.0
dir="${XDG_CACHE_HOME:-$HOME/.cache}/carnet-ci/check-jsonschema-$version"
[ -d "$dir/check_jsonschema" ] || python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --target "$dir" "check-jsonschema==$version"
check() { PYTHONPATH="$dir" python3 -m check_jsonschema "$@"; }

failed=0
count=0
while IFS= read -r -d '' file; do
    kind="$(sed -n 's/^kind: *//p' "$file")"
    case "$kind" in
        SpinApp) schema=spinapp-core.spinkube.dev-v1alpha1.json ;;
        Secret) schema=secret-v1.json ;;
        Job) schema=job-batch-v1.json ;;
        CronJob) schema=cronjob-batch-v1.json ;;
        *) echo "$file: kind « $kind » has no vendored schema (one document per file)"; failed=1; continue ;;
    esac
    count=$((count + 1))
    # --disable-formats: the schemas' "format" values (int32, byte…) are not JSON Schema's.
    if ! check --disable-formats '*' --schemafile "deploy/schemas/$schema" "$file"; then
        echo "$file: does not match deploy/schemas/$schema"
        failed=1
    fi
done < <(find deploy/kubernetes -name '*.yaml' -print0 | sort -z)

python3 - deploy/kubernetes/runtime-config.toml <<'PY' || failed=1
import sys, tomllib
# The top-level keys Spin 4.0.2's runtime configuration reads (crates/runtime-config); it refuses
# any other at start.
accepted = {"sqlite_database", "key_value_store", "llm_compute", "variables_provider",
            "config_provider", "outbound_networking", "client_tls", "outbound_http",
            "state_dir", "log_dir", "max_instance_memory"}
path = sys.argv[1]
with open(path, "rb") as f:
    keys = set(tomllib.load(f))
unknown = sorted(keys - accepted)
if unknown:
    sys.exit(f"{path}: keys Spin 4.0.2 does not accept: {', '.join(unknown)}")
print(f"{path}: ok ({', '.join(sorted(keys)) or 'empty'})")
PY

[ "$count" -gt 0 ] || { echo "no manifest found under deploy/kubernetes"; exit 1; }
[ "$failed" = 0 ] || { echo "deployment files: FAILED"; exit 1; }
echo "deployment files: $count manifests and runtime-config.toml valid"
