#!/usr/bin/env python3
"""Checks every API call the front-end makes against the OpenAPI document.

Reads static/openapi.json and every static/js/**/*.js; finds each call
`api.get|post|put|patch|del(path…)` and `api.request("METHOD", path…)`; turns its path into
a pattern (a `${…}` becomes a parameter, a query string added with `+ api.query(…)` or `?…`
is dropped, `this.url("/x")` is prefixed with the base path its `url(path)` method returns,
both sides of a `cond ? "/a" : "/b"` are checked); and fails, listing them, when a call's method
and path match no documented operation, or when a call's path cannot be read at all.

Usage: python3 scripts/check-frontend-calls.py [--self-test] [root]
"""
import json
import os
import re
import sys
import tempfile

METHODS = {"get": "get", "post": "post", "put": "put", "patch": "patch", "del": "delete"}
CALL = re.compile(r"\bapi\.(get|post|put|patch|del)\(|\bapi\.request\(\s*\"([A-Z]+)\"\s*,")
URL_METHOD = re.compile(r"\burl\(path\)\s*\{\s*return\s*`([^`]*)\$\{path\}`", re.S)


def first_argument(text, start):
    """The text of the call's first argument, from `start` (just after the opening paren)."""
    depth, i, quote = 0, start, None
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if quote == "`" and text.startswith("${", i):
                # Template expressions may hold commas and quotes: skip to their closing brace.
                level, i = 1, i + 2
                while i < len(text) and level:
                    level += {"{": 1, "}": -1}.get(text[i], 0)
                    i += 1
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return text[start:i]
            depth -= 1
        elif c == "," and depth == 0:
            return text[start:i]
        i += 1
    return text[start:]


def literals(argument):
    """The string and template literals of an argument, in order (templates with `${…}` kept)."""
    found, i = [], 0
    while i < len(argument):
        c = argument[i]
        if c in "\"'`":
            j, quote = i + 1, c
            while j < len(argument) and argument[j] != quote:
                if argument[j] == "\\":
                    j += 1
                elif quote == "`" and argument.startswith("${", j):
                    level, j = 1, j + 2
                    while j < len(argument) and level:
                        level += {"{": 1, "}": -1}.get(argument[j], 0)
                        j += 1
                    continue
                j += 1
            found.append(argument[i + 1:j])
            i = j + 1
        else:
            i += 1
    return found


def pattern(path):
    """`/api/x/${encodeURIComponent(id)}/y?z` → `/api/x/{}/y` (a `{}` is any text in a segment).
    A `${api.query(…)}` is the query string: dropped."""
    path = re.sub(r"\$\{\s*(?:api\.)?query\((?:[^{}]|\{[^{}]*\})*\}", "", path)
    path = re.sub(r"\$\{(?:[^{}]|\{[^{}]*\})*\}", "{}", path)
    return path.split("?", 1)[0].split("#", 1)[0]


def calls_in(text, url_base):
    """(method, path pattern or None, excerpt) of each call in one file."""
    for match in CALL.finditer(text):
        method = METHODS.get(match.group(1)) if match.group(1) else match.group(2).lower()
        argument = first_argument(text, match.end())
        excerpt = " ".join(argument.split())[:100]
        url = re.match(r"\s*this\.url\(", argument)
        if url:
            if url_base is None:
                yield method, None, excerpt
                continue
            inner = first_argument(argument, url.end())
            paths = [url_base + pattern(value) for value in literals(inner)]
        else:
            paths = [pattern(value) for value in literals(argument) if value.startswith("/")]
        if not paths:
            yield method, None, excerpt
        for path in paths:
            yield method, path, excerpt


def documented(document):
    """(method, [segments]) of every operation of the document."""
    operations = []
    for path, item in document.get("paths", {}).items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                operations.append((method, path.split("/")))
    return operations


def segment_matches(called, template):
    if template.startswith("{") and template.endswith("}"):
        return called != ""
    if "{}" in called:
        return re.fullmatch("[^/]+".join(map(re.escape, called.split("{}"))), template) is not None
    return called == template


def matches(method, path, operations):
    called = path.split("/")
    return any(
        method == m and len(segments) == len(called)
        and all(segment_matches(c, t) for c, t in zip(called, segments))
        for m, segments in operations
    )


def check(root):
    with open(os.path.join(root, "static", "openapi.json"), encoding="utf-8") as file:
        operations = documented(json.load(file))
    sources = {}
    for folder, _, files in os.walk(os.path.join(root, "static", "js")):
        for name in sorted(files):
            if name.endswith(".js"):
                with open(os.path.join(folder, name), encoding="utf-8") as file:
                    sources[os.path.relpath(os.path.join(folder, name), root)] = file.read()
    bases = [m.group(1) for text in sources.values() for m in URL_METHOD.finditer(text)]
    url_base = pattern(bases[0]) if len(bases) == 1 else None
    checked, problems = 0, []
    for name, text in sorted(sources.items()):
        if name.endswith(os.path.join("js", "api.js")):
            continue  # the calls' own definitions
        for method, path, excerpt in calls_in(text, url_base):
            checked += 1
            if path is None:
                problems.append(f"{name}: appel illisible : api {method} ({excerpt})")
            elif not path.startswith("/api/"):
                problems.append(f"{name}: {method.upper()} {path} n'est pas une adresse de l'API")
            elif not matches(method, path, operations):
                problems.append(f"{name}: {method.upper()} {path} n'est pas dans le document OpenAPI")
    return checked, problems


def self_test():
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "static", "js", "pages"))
        document = {"paths": {
            "/api/carnets/{id}": {"get": {}},
            "/api/carnets/{id}/timeline": {"get": {}},
            "/api/write/carnets/{id}/objectifs/{item}": {"patch": {}, "delete": {}},
            "/api/write/carnets/{id}/actions/{item}": {"patch": {}},
            "/api/auth/logout": {"post": {}},
            "/api/auth/logout-all": {"post": {}},
        }}
        with open(os.path.join(root, "static", "openapi.json"), "w") as file:
            json.dump(document, file)
        good = """
api.get(`/api/carnets/${id}/timeline${api.query({ page: 2, type: "x" })}`);
class V { url(path) { return `/api/write/carnets/${encodeURIComponent(this.id)}${path}`; }
  a() { api.get(`/api/carnets/${encodeURIComponent(id)}` + api.query({ a: 1 }));
        api.patch(this.url(`/${kind}s/${item.id}`), { body });
        api.del(this.url(`/objectifs/${o.id}`));
        api.post(everywhere ? "/api/auth/logout-all" : "/api/auth/logout", {}); } }
"""
        with open(os.path.join(root, "static", "js", "pages", "ok.js"), "w") as file:
            file.write(good)
        checked, problems = check(root)
        assert (checked, problems) == (6, []), (checked, problems)
        bad = 'api.post("/api/carnets/nowhere", {}); api.del(`/api/carnets/${id}`); api.get(someVariable);'
        with open(os.path.join(root, "static", "js", "pages", "bad.js"), "w") as file:
            file.write(bad)
        checked, problems = check(root)
        assert checked == 9, checked
        assert len(problems) == 3, problems
        assert "POST /api/carnets/nowhere" in problems[0], problems
        assert "DELETE /api/carnets/{}" in problems[1], problems
        assert "illisible" in problems[2], problems
    print("check-frontend-calls: self-test passed")


def main():
    arguments = sys.argv[1:]
    if arguments[:1] == ["--self-test"]:
        self_test()
        return 0
    root = arguments[0] if arguments else os.path.join(os.path.dirname(__file__), "..")
    checked, problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"check-frontend-calls: {checked} appels du front-end vérifiés, {len(problems)} hors du document")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
