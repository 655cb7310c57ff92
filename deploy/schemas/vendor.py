#!/usr/bin/env python3
"""Writes the JSON schemas scripts/check-deploy.sh validates deploy/kubernetes/ against, so that
the check runs offline. Run by hand when a source changes (see README.md beside this file):

    python3 deploy/schemas/vendor.py <kubernetes-validate's kubernetes-json-schema/vX.Y.Z-local-strict> \
        <spin-operator's config/crd/bases/core.spinkube.dev_spinapps.yaml>

Kubernetes kinds: the strict schemas (no property outside the API) of kubernetes-validate, made
standalone (each with the definitions it uses). SpinApp: the CRD's openAPIV3Schema turned into a
JSON schema, strict the same way (an object with properties admits no other), with Kubernetes'
ObjectMeta for its metadata.
"""
import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
KINDS = {"secret-v1.json", "job-batch-v1.json", "cronjob-batch-v1.json"}
DRAFT = "https://json-schema.org/draft/2020-12/schema"
REF_PREFIX = "/api/_definitions.json#/$defs/"
LOCAL_PREFIX = "#/$defs/"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def refs(node):
    """Every definition name a node refers to."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value.rsplit("/", 1)[1]
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def localize(node):
    """The node with its references pointing at its own `$defs`."""
    if isinstance(node, dict):
        return {
            key: (LOCAL_PREFIX + value[len(REF_PREFIX):])
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX)
            else localize(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [localize(value) for value in node]
    return node


def standalone(schema, definitions, source):
    """The schema with the definitions it uses, transitively."""
    needed, todo = set(), list(refs(schema))
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(refs(definitions[name]))
    out = {"$schema": DRAFT, "$comment": source}
    out.update(localize(schema))
    out["$defs"] = {name: localize(definitions[name]) for name in sorted(needed)}
    return out


def strict_crd(node):
    """An openAPIV3Schema node as a strict JSON schema node."""
    if isinstance(node, list):
        return [strict_crd(value) for value in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: strict_crd(value)
        for key, value in node.items()
        if not key.startswith("x-kubernetes-") and key != "nullable"
    }
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def main(kubernetes_dir, crd_file):
    kubernetes_dir = Path(kubernetes_dir)
    definitions = json.loads((kubernetes_dir / "_definitions.json").read_text())["$defs"]
    version = kubernetes_dir.name
    for name in sorted(KINDS):
        schema = json.loads((kubernetes_dir / name).read_text())
        source = f"kubernetes-validate 1.37.0 (PyPI), kubernetes-json-schema/{version}/{name}, made standalone by vendor.py"
        (HERE / name).write_text(json.dumps(standalone(schema, definitions, source), indent=1) + "\n")
    crd = yaml.safe_load(Path(crd_file).read_text())
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    schema = strict_crd(served["schema"]["openAPIV3Schema"])
    schema["properties"]["apiVersion"] = {"type": "string", "enum": ["core.spinkube.dev/v1alpha1"]}
    schema["properties"]["kind"] = {"type": "string", "enum": ["SpinApp"]}
    schema["properties"]["metadata"] = {"$ref": REF_PREFIX + OBJECT_META}
    schema["required"] = ["apiVersion", "kind", "metadata", "spec"]
    source = (
        "spinkube/spin-operator 90d14cc7b112231e61f35bfd9abbf469acf8df68 (v0.4.0 + 14), "
        "config/crd/bases/core.spinkube.dev_spinapps.yaml, v1alpha1's openAPIV3Schema made strict by vendor.py; "
        f"metadata: ObjectMeta of kubernetes-json-schema/{version}"
    )
    out = standalone(schema, definitions, source)
    (HERE / "spinapp-core.spinkube.dev-v1alpha1.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
