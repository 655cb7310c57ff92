#!/usr/bin/env python3
"""Checks that every API call the front-end makes is a documented operation.

Reads `static/openapi.json` and every `static/js/**/*.js`, finds each call to the API module
(the module exporting `request`: `api.get/post/patch/put/del(path, …)`, `api.request(METHOD,
path, …)`, the same names imported one by one, possibly renamed, and `fetch` elsewhere), works
out its method and path — string literals, `+` concatenations, template literals (each `${…}`
stands for a `{param}`), ternaries between paths, `api.query(…)` query strings dropped, calls
through a one-parameter helper such as `url(path) { return `/api/…/${…}${path}`; }` expanded
from that helper's definition, wherever it is — and fails (exit 1) listing every call whose
method and path match no documented operation, and every call it cannot read.

Usage: scripts/check-frontend-calls.py [--document static/openapi.json] [--js static/js]
       scripts/check-frontend-calls.py --self-test
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import sys
import tempfile

METHODS = {"get": "GET", "post": "POST", "patch": "PATCH", "put": "PUT", "del": "DELETE"}
HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
KEYWORDS = {"if", "for", "while", "switch", "catch", "function", "return", "with"}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
IDENT = r"[A-Za-z_$][\w$]*"

# Pieces of a path: literal text, or one of these markers.
DYNAMIC = ("dynamic",)  # a `${…}` or any other expression: a parameter
QUERY = ("query",)  # a query string: the path ends here
PARAM = ("param",)  # a helper's own parameter, replaced by the argument at each call


class Unreadable(Exception):
    """An expression this script cannot turn into a path."""


# --- Reading JavaScript -------------------------------------------------------------------------

def _regex_may_start(code, i):
    """Whether a `/` at `i` starts a regular expression literal (rather than a division)."""
    j = i - 1
    while j >= 0 and code[j] in " \t\r\n":
        j -= 1
    if j < 0:
        return True
    if code[j] in "(,=:[!&|?{};+-*%<>~^":
        return True
    word = re.search(r"(\w+)$", code[: j + 1])
    return bool(word) and word.group(1) in {"return", "typeof", "case", "in", "of", "void", "else"}


def _skip_string(code, i):
    """The index after the string literal starting at `i` (a quote)."""
    quote = code[i]
    i += 1
    while i < len(code):
        if code[i] == "\\":
            i += 2
            continue
        if code[i] == quote or code[i] == "\n":
            return i + 1
        i += 1
    return i


def _skip_template(code, i):
    """The index after the template literal starting at `i` (a backquote)."""
    i += 1
    while i < len(code):
        c = code[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            return i + 1
        if code.startswith("${", i):
            i = _skip_balanced(code, i + 1)
            continue
        i += 1
    return i


def _skip_regex(code, i):
    i += 1
    in_class = False
    while i < len(code) and code[i] != "\n":
        c = code[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            i += 1
            while i < len(code) and (code[i].isalnum()):
                i += 1
            return i
        i += 1
    return i


def _skip_balanced(code, i):
    """The index after the bracket group opening at `i` (`(`, `[` or `{`)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = [pairs[code[i]]]
    i += 1
    while i < len(code) and stack:
        c = code[i]
        if c in "'\"":
            i = _skip_string(code, i)
            continue
        if c == "`":
            i = _skip_template(code, i)
            continue
        if c == "/" and _regex_may_start(code, i):
            i = _skip_regex(code, i)
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif c == stack[-1]:
            stack.pop()
        i += 1
    return i


def blank_comments(code):
    """The code with its comments replaced by spaces (positions and lines kept)."""
    out = []
    i = 0
    while i < len(code):
        c = code[i]
        if c in "'\"":
            end = _skip_string(code, i)
        elif c == "`":
            end = _skip_template(code, i)
        elif code.startswith("//", i):
            end = code.find("\n", i)
            end = len(code) if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        elif code.startswith("/*", i):
            end = code.find("*/", i + 2)
            end = len(code) if end < 0 else end + 2
            out.append(re.sub(r"[^\n]", " ", code[i:end]))
            i = end
            continue
        elif c == "/" and _regex_may_start(code, i):
            end = _skip_regex(code, i)
        else:
            end = i + 1
        out.append(code[i:end])
        i = end
    return "".join(out)


def split_top(text, separator):
    """`text` split at each top-level occurrence of the one-character `separator`."""
    parts, start, i = [], 0, 0
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = _skip_string(text, i)
            continue
        if c == "`":
            i = _skip_template(text, i)
            continue
        if c in "([{":
            i = _skip_balanced(text, i)
            continue
        if c == separator:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def call_arguments(code, open_paren):
    """The source of each argument of the call whose `(` is at `open_paren`."""
    end = _skip_balanced(code, open_paren)
    inner = code[open_paren + 1 : end - 1]
    if not inner.strip():
        return []
    return [part.strip() for part in split_top(inner, ",")]


def _ternary(text):
    """(condition, then, else) when `text` is a top-level `a ? b : c`, else None."""
    depth_questions = 0
    question = None
    i = 0
    while i < len(text):
        c = text[i]
        if c in "'\"":
            i = _skip_string(text, i)
            continue
        if c == "`":
            i = _skip_template(text, i)
            continue
        if c in "([{":
            i = _skip_balanced(text, i)
            continue
        if c == "?" and text[i + 1 : i + 2] not in (".", "?") and text[i - 1 : i] != "?":
            if question is None:
                question = i
            depth_questions += 1
        elif c == ":" and question is not None:
            depth_questions -= 1
            if depth_questions == 0:
                return text[:question], text[question + 1 : i], text[i + 1 :]
        i += 1
    return None


def _unescape(literal):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal)


# --- Expressions to paths -----------------------------------------------------------------------

class Reader:
    """Turns path expressions into lists of pieces, expanding the known URL helpers."""

    def __init__(self, helpers=None, here=None):
        self.helpers = helpers or {}  # name -> {file: pieces}
        self.here = here

    def alternatives(self, text, param=None):
        """Every path `text` may evaluate to, each a list of pieces."""
        text = text.strip()
        ternary = _ternary(text)
        if ternary:
            _, then, other = ternary
            return self.alternatives(then, param) + self.alternatives(other, param)
        paths = [[]]
        for term in split_top(text, "+"):
            options = self.term(term.strip(), param)
            paths = [path + option for path in paths for option in options]
        return paths

    def term(self, term, param):
        if not term:
            raise Unreadable("expression vide")
        if term[0] in "'\"" and _skip_string(term, 0) == len(term):
            return [[_unescape(term[1:-1])]]
        if term[0] == "`" and _skip_template(term, 0) == len(term):
            return [self.template(term, param)]
        if term[0] == "(" and _skip_balanced(term, 0) == len(term):
            return self.alternatives(term[1:-1], param)
        if param is not None and term == param:
            return [[PARAM]]
        call = re.fullmatch(r"((?:this\.)?(?:" + IDENT + r"\.)*)(" + IDENT + r")\s*(\(.*\))", term, re.S)
        if call and _skip_balanced(call.group(3), 0) == len(call.group(3)):
            name = call.group(2)
            if re.search("query", name, re.I):
                return [[QUERY]]
            if name in self.helpers:
                args = call_arguments(call.group(3), 0)
                if len(args) != 1:
                    raise Unreadable(f"l'aide `{name}` attend un argument")
                template = self.helper(name)
                return [
                    [piece for part in template for piece in (argument if part is PARAM else [part])]
                    for argument in self.alternatives(args[0], param)
                ]
        return [[DYNAMIC]]

    def helper(self, name):
        definitions = self.helpers[name]
        if self.here in definitions:
            return definitions[self.here]
        distinct = {json.dumps(pieces, default=str) for pieces in definitions.values()}
        if len(distinct) > 1:
            raise Unreadable(f"l'aide `{name}` a plusieurs définitions ({', '.join(sorted(definitions))})")
        return next(iter(definitions.values()))

    def template(self, literal, param):
        pieces, i, start = [], 1, 1
        while i < len(literal) - 1:
            if literal[i] == "\\":
                i += 2
                continue
            if literal.startswith("${", i):
                pieces.append(_unescape(literal[start:i]))
                end = _skip_balanced(literal, i + 1)
                expression = literal[i + 2 : end - 1].strip()
                if param is not None and expression == param:
                    pieces.append(PARAM)
                elif re.match(r"(?:" + IDENT + r"\.)*\w*query\w*\s*\(", expression, re.I):
                    pieces.append(QUERY)
                else:
                    pieces.append(DYNAMIC)
                i = start = end
                continue
            i += 1
        pieces.append(_unescape(literal[start : len(literal) - 1]))
        return [piece for piece in pieces if piece != ""]


def path_of(pieces):
    """The path's segments, each a list of pieces, the query string dropped; None if no path."""
    kept = []
    for piece in pieces:
        if piece is QUERY:
            break
        if isinstance(piece, str):
            cut = re.split(r"[?#]", piece, maxsplit=1)
            kept.append(cut[0])
            if len(cut) > 1:
                break
        else:
            kept.append(piece)
    if not kept or not isinstance(kept[0], str) or not kept[0].startswith("/"):
        return None
    if PARAM in kept:
        return None
    segments = [[]]
    for piece in kept:
        if isinstance(piece, str):
            parts = piece.split("/")
            for index, part in enumerate(parts):
                if index > 0:
                    segments.append([])
                if part:
                    segments[-1].append(part)
        else:
            segments[-1].append(piece)
    return segments[1:]


def shown(segments):
    return "/" + "/".join("".join(p if isinstance(p, str) else "{…}" for p in seg) for seg in segments)


# --- The document -------------------------------------------------------------------------------

def _resolve(document, schema):
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 10:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document.get("components", {}).get("schemas", {}).get(name, {})
        seen += 1
    return schema if isinstance(schema, dict) else {}


def operations(document):
    """(method, segments, uuid parameter names) of every documented operation."""
    found = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method.upper() not in HTTP_METHODS:
                continue
            uuids = set()
            for parameter in shared + operation.get("parameters", []):
                parameter = _resolve(document, parameter) if "$ref" in parameter else parameter
                if parameter.get("in") == "path":
                    if _resolve(document, parameter.get("schema", {})).get("format") == "uuid":
                        uuids.add(parameter.get("name"))
            found.append((method.upper(), [s for s in path.split("/") if s], uuids))
    return found


def segment_matches(front, documented, uuids):
    """Whether a front-end segment (pieces) can be the documented segment."""
    literal = all(isinstance(p, str) for p in front)
    parameter = re.fullmatch(r"\{(.+)\}", documented)
    if parameter:
        # A literal reaches a parameter only as a value it may take (`/carnets/recent` is not an id).
        return not literal or parameter.group(1) not in uuids or bool(UUID.match("".join(front)))
    if front == [DYNAMIC]:
        # A whole segment left to a variable is an id, a code: never a fixed word of a route.
        return False
    pattern = "".join(re.escape(p) if isinstance(p, str) else r"[^/]+" for p in front)
    return re.fullmatch(pattern, documented) is not None


def documented(ops, method, segments):
    return any(
        op_method == method
        and len(op_segments) == len(segments)
        and all(segment_matches(f, d, uuids) for f, d in zip(segments, op_segments))
        for op_method, op_segments, uuids in ops
    )


# --- The calls ----------------------------------------------------------------------------------

def js_files(root):
    for directory, _, names in os.walk(root):
        for name in sorted(names):
            if name.endswith(".js"):
                yield os.path.join(directory, name)


def is_api_module(code):
    return re.search(r"\bexport\s+(?:async\s+)?function\s+request\s*\(", code) is not None


def imports_of(code, path, api_modules):
    """(namespaces, {local name: exported name}) imported from an API module."""
    namespaces, names = set(), {}
    for match in re.finditer(r"\bimport\s+(.+?)\s+from\s+(['\"])(.+?)\2", code, re.S):
        target = os.path.normpath(os.path.join(os.path.dirname(path), match.group(3)))
        if target not in api_modules:
            continue
        clause = match.group(1).strip()
        namespace = re.fullmatch(r"\*\s+as\s+(" + IDENT + ")", clause)
        if namespace:
            namespaces.add(namespace.group(1))
            continue
        braces = re.search(r"\{(.*)\}", clause, re.S)
        for item in (braces.group(1).split(",") if braces else []):
            item = item.strip()
            if not item:
                continue
            parts = re.split(r"\s+as\s+", item)
            names[parts[-1]] = parts[0]
    return namespaces, names


def helpers_of(files):
    """One-parameter functions or methods returning a path built on their parameter."""
    helpers = {}
    definition = re.compile(
        r"(?:\bfunction\s+(" + IDENT + r")|(?<![\w$.])(" + IDENT + r"))\s*\(\s*(" + IDENT + r")\s*\)\s*\{\s*return\b"
        r"|\b(?:const|let|var)\s+(" + IDENT + r")\s*=\s*\(?\s*(" + IDENT + r")\s*\)?\s*=>\s*(?!\{)"
    )
    for path, code in files.items():
        for match in definition.finditer(code):
            name = match.group(1) or match.group(2) or match.group(4)
            param = match.group(3) or match.group(5)
            if name in KEYWORDS:
                continue
            start = match.end()
            end = start
            while end < len(code) and code[end] not in ";}\n":
                if code[end] in "'\"":
                    end = _skip_string(code, end)
                elif code[end] == "`":
                    end = _skip_template(code, end)
                elif code[end] in "([{":
                    end = _skip_balanced(code, end)
                else:
                    end += 1
            try:
                options = Reader().alternatives(code[start:end], param)
            except Unreadable:
                continue
            if len(options) != 1 or PARAM not in options[0]:
                continue
            pieces = options[0]
            if isinstance(pieces[0], str) and pieces[0].startswith("/api/"):
                helpers.setdefault(name, {})[path] = pieces
    return helpers


def calls_in(path, code, api_modules, helpers):
    """(line, method or None, alternatives or None, problem) for each API call of a file."""
    namespaces, names = imports_of(code, path, api_modules)
    in_api_module = path in api_modules
    # A pattern for each callee, up to its `(`, and the API function it calls.
    callees = {}
    bare = r"(?<![\w$.])"
    for namespace in namespaces:
        for name in list(METHODS) + ["request"]:
            callees[bare + re.escape(namespace) + r"\s*\.\s*" + name + r"\s*\("] = name
    for local, exported in names.items():
        if exported in METHODS or exported == "request":
            callees[bare + re.escape(local) + r"\s*\("] = exported
    if in_api_module:
        for name in list(METHODS) + ["request"]:
            callees[bare + name + r"\s*\("] = name
    else:
        callees[bare + r"fetch\s*\("] = "fetch"
    reader = Reader(helpers, path)
    found = []
    for pattern, name in callees.items():
        for match in re.finditer(pattern, code):
            if re.search(r"\bfunction\s*$", code[: match.start()]):
                continue  # its definition, not a call
            line = code.count("\n", 0, match.start()) + 1
            args = call_arguments(code, match.end() - 1)
            if name == "request":
                if len(args) < 2:
                    if in_api_module:
                        continue
                    found.append((line, None, None, "request(…) sans méthode ni chemin"))
                    continue
                method_literal = re.fullmatch(r"(['\"])([A-Za-z]+)\1", args[0])
                method = method_literal.group(2).upper() if method_literal else None
                target = args[1]
            elif name == "fetch":
                if not args:
                    continue
                target = args[0]
                options = args[1] if len(args) > 1 else ""
                method_literal = re.search(r"\bmethod\s*:\s*(['\"])([A-Za-z]+)\1", options)
                method = method_literal.group(2).upper() if method_literal else (None if "method" in options else "GET")
            else:
                if not args:
                    found.append((line, None, None, f"{name}() sans chemin"))
                    continue
                method, target = METHODS[name], args[0]
            if in_api_module and re.fullmatch(IDENT, target):
                continue  # the module's own wrappers forward their `path` parameter
            try:
                alternatives = [path_of(pieces) for pieces in reader.alternatives(target)]
            except Unreadable as problem:
                found.append((line, method, None, f"chemin illisible `{target}` : {problem}"))
                continue
            if name == "fetch" and all(a is not None and a[:1] != [["api"]] for a in alternatives):
                continue  # not the API (a static file)
            if any(a is None for a in alternatives):
                found.append((line, method, None, f"chemin illisible `{target}`"))
                continue
            if method is None:
                found.append((line, None, None, f"méthode illisible `{args[0]}`"))
                continue
            found.append((line, method, alternatives, None))
    return sorted(found, key=lambda call: call[0])


def check(document_path, js_root, listing=False):
    """Checks every call; returns (checked, failures). `listing` prints each call checked."""
    with open(document_path, encoding="utf-8") as file:
        ops = operations(json.load(file))
    files = {}
    for path in js_files(js_root):
        with open(path, encoding="utf-8") as file:
            files[os.path.normpath(path)] = blank_comments(file.read())
    api_modules = {path for path, code in files.items() if is_api_module(code)}
    failures = []
    if not api_modules:
        failures.append(f"{js_root} : aucun module n'exporte `request` (le module de l'API)")
    helpers = helpers_of(files)
    checked = 0
    for path, code in files.items():
        for line, method, alternatives, problem in calls_in(path, code, api_modules, helpers):
            where = f"{os.path.relpath(path)}:{line}"
            if problem:
                failures.append(f"{where} : {problem}")
                continue
            for segments in alternatives:
                checked += 1
                if listing:
                    print(f"{where} : {method} {shown(segments)}")
                if not documented(ops, method, segments):
                    failures.append(f"{where} : {method} {shown(segments)} n'est pas une opération documentée")
    return checked, failures


# --- Self-test ----------------------------------------------------------------------------------

SELF_TEST_DOCUMENT = {
    "openapi": "3.1.0",
    "paths": {
        "/api/things": {"get": {}, "post": {}},
        "/api/things/recent": {"get": {}},
        "/api/things/{id}": {
            "get": {"parameters": [{"name": "id", "in": "path", "schema": {"$ref": "#/components/schemas/Id"}}]},
            "delete": {"parameters": [{"name": "id", "in": "path", "schema": {"$ref": "#/components/schemas/Id"}}]},
        },
        "/api/write/things/{id}/notes": {"post": {}},
        "/api/write/things/{id}/notes/{note}": {"patch": {}},
        "/api/write/things/{id}/tasks/{task}": {"patch": {}},
        "/api/session": {"delete": {}},
        "/api/session/all": {"delete": {}},
    },
    "components": {"schemas": {"Id": {"type": "string", "format": "uuid"}}},
}

SELF_TEST_FILES = {
    "api.js": """
export async function request(method, path, { body } = {}) {
  return fetch(path, { method, body: JSON.stringify(body) });
}
export const get = (path, options) => request("GET", path, options);
export const del = (path, options) => request("DELETE", path, options);
export const post = (path, body) => request("POST", path, { body });
export const patch = (path, body) => request("PATCH", path, { body });
export function query(params) { return "?" + new URLSearchParams(params); }
""",
    "pages/things.js": """
import * as api from "../api.js";
// api.get("/api/commented-out") is a comment: not a call.
export async function list(page) {
  await api.get("/api/things" + api.query({ page }));
  await api.get(`/api/things/${encodeURIComponent(page)}?full=1`);
  await api.get('/api/things/recent');
  await api.post("/api/things", { name: "/api/not-a-path" });
  await api.request("DELETE", everywhere ? "/api/session/all" : "/api/session");
  const re = /"/g;
  await api.del(`/api/things/${id}${api.query({ version: 1 })}`);
}
""",
    "pages/thing/view.js": """
import { get as read, patch } from "../../api.js";
class View {
  url(path) {
    return `/api/write/things/${encodeURIComponent(this.id)}${path}`;
  }
  async save(kind, item) {
    await read(`/api/things/${this.id}`);
    await patch(this.url(`/${kind}s/${item.id}`), {});
    await api_unknown.post("/api/not-ours");
  }
}
""",
    "pages/thing/notes.js": """
import * as api from "../../api.js";
export const add = (view) => api.post(view.url("/notes"), {});
""",
}

SELF_TEST_BAD = """
import * as api from "../api.js";
export async function broken(somewhere) {
  await api.post("/api/things/recent", {});
  await api.get("/api/things/latest");
  await api.get(somewhere);
  await api.request(verb, "/api/things");
  await api.del(`/api/session/${which}`);
}
"""


def self_test():
    with tempfile.TemporaryDirectory() as root:
        document = os.path.join(root, "openapi.json")
        with open(document, "w", encoding="utf-8") as file:
            json.dump(SELF_TEST_DOCUMENT, file)
        js_root = os.path.join(root, "js")
        for name, code in SELF_TEST_FILES.items():
            os.makedirs(os.path.dirname(os.path.join(js_root, name)), exist_ok=True)
            with open(os.path.join(js_root, name), "w", encoding="utf-8") as file:
                file.write(code)
        cwd = os.getcwd()
        os.chdir(root)
        try:
            checked, failures = check(document, js_root)
            assert failures == [], f"documented calls reported: {failures}"
            assert checked == 10, f"expected 10 calls checked, got {checked}"
            with open(os.path.join(js_root, "pages", "bad.js"), "w", encoding="utf-8") as file:
                file.write(SELF_TEST_BAD)
            checked, failures = check(document, js_root)
        finally:
            os.chdir(cwd)
        text = "\n".join(failures)
        expected = [
            "bad.js:4 : POST /api/things/recent n'est pas une opération documentée",
            "bad.js:5 : GET /api/things/latest n'est pas une opération documentée",
            "bad.js:6 : chemin illisible `somewhere`",
            "bad.js:7 : méthode illisible `verb`",
            "bad.js:8 : DELETE /api/session/{…} n'est pas une opération documentée",
        ]
        for line in expected:
            assert line in text, f"not reported: {line}\n{text}"
        assert len(failures) == len(expected), f"unexpected failures:\n{text}"
    print("check-frontend-calls: self-test OK")
    return 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--document", default=os.path.join(root, "static", "openapi.json"))
    parser.add_argument("--js", default=os.path.join(root, "static", "js"))
    parser.add_argument("--list", action="store_true", help="print every call checked")
    parser.add_argument("--self-test", action="store_true", help="check this script on a small example")
    options = parser.parse_args()
    if options.self_test:
        return self_test()
    checked, failures = check(options.document, options.js, options.list)
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"check-frontend-calls: {checked} appels vérifiés, {len(failures)} en défaut")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
