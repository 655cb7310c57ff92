// The API's reference, read from its OpenAPI document (/api/openapi.json, generated from the
// code): for partner developers and the département's IT. Public, no third-party host: every
// operation by tag, with who may call it, its parameters, its body, its answers and examples.
import * as api from "../api.js";
import { h } from "../ui.js";

const METHODS = ["get", "post", "put", "patch", "delete"];

export async function render(ctx) {
  ctx.setTitle("Documentation de l'API");
  const document = await api.get("/api/openapi.json");
  if (!ctx.isCurrent()) return;
  const operations = [];
  for (const [path, item] of Object.entries(document.paths || {})) {
    for (const method of METHODS) {
      if (item[method]) operations.push({ path, method, operation: item[method] });
    }
  }
  const byTag = new Map();
  for (const entry of operations) {
    const tag = (entry.operation.tags || ["Autres"])[0];
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push(entry);
  }
  const tags = [...byTag.keys()].sort((a, b) => a.localeCompare(b, "fr"));
  const schemas = (document.components && document.components.schemas) || {};
  const schemaCount = Object.keys(schemas).length;
  ctx.main.replaceChildren(h("div", { class: "api-reference" },
    h("h1", { tabindex: "-1" }, "Documentation de l'API"),
    h("p", {}, `${document.info.title}, version ${document.info.version} : ${operations.length} opérations, ${schemaCount} schémas. `,
      "Le document lui-même : ", h("a", { href: "/api/openapi.json" }, "/api/openapi.json"), " (OpenAPI ", document.openapi, ")."),
    paragraphs(document.info.description),
    h("nav", { "aria-labelledby": "sommaire-api" },
      h("h2", { id: "sommaire-api" }, "Sommaire"),
      h("ul", {}, tags.map((tag) => h("li", {}, h("a", { href: `#${anchor(tag)}` }, `${tag} (${byTag.get(tag).length})`))))),
    ...tags.map((tag) => h("section", { "aria-labelledby": anchor(tag) },
      h("h2", { id: anchor(tag), tabindex: "-1" }, tag),
      ...byTag.get(tag).map((entry) => operationBlock(entry, schemas)))),
  ));
}

function anchor(text) {
  return "api-" + text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** Text with `code` spans and **bold**, split into paragraphs. */
function paragraphs(text) {
  return h("div", {}, (text || "").split(/\n\s*\n/).map((part) => h("p", {}, inline(part.replace(/\s*\n\s*/g, " ")))));
}

function inline(text) {
  const nodes = [];
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) nodes.push(text.slice(last, match.index));
    nodes.push(match[1] !== undefined ? h("code", {}, match[1]) : h("strong", {}, match[2]));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function operationBlock({ path, method, operation }, schemas) {
  const id = anchor(`${method} ${path}`);
  const parameters = operation.parameters || [];
  const body = operation.requestBody && operation.requestBody.content && operation.requestBody.content["application/json"];
  return h("article", { class: "card", "aria-labelledby": id },
    h("h3", { id }, h("code", {}, `${method.toUpperCase()} ${path}`), " — ", operation.summary || ""),
    paragraphs(operation.description),
    parameters.length ? h("div", {},
      h("h4", {}, "Paramètres"),
      h("ul", {}, parameters.map((p) => h("li", {},
        h("code", {}, p.name), ` (${p.in === "path" ? "chemin" : p.in === "query" ? "requête" : p.in}${p.required ? ", obligatoire" : ""}) `,
        p.description ? inline(p.description) : "")))) : null,
    body ? h("div", {},
      h("h4", {}, "Corps de la demande"),
      schemaView(body.schema, schemas, 0)) : null,
    h("h4", {}, "Réponses"),
    h("dl", { class: "facts" }, Object.entries(operation.responses || {}).flatMap(([status, response]) => {
      const media = response.content && response.content["application/json"];
      const example = media && (media.example !== undefined ? media.example : null);
      return [
        h("dt", {}, status),
        h("dd", {},
          inline(response.description || ""),
          media && media.schema ? schemaView(media.schema, schemas, 0) : null,
          example !== null && example !== undefined ? h("details", {}, h("summary", {}, "Exemple"), h("pre", {}, JSON.stringify(example, null, 2))) : null),
      ];
    })),
  );
}

function refName(schema) {
  return schema && schema.$ref ? schema.$ref.split("/").pop() : null;
}

function typeOf(schema, schemas) {
  if (!schema) return "";
  const name = refName(schema);
  if (name) return name;
  if (schema.oneOf) return schema.oneOf.map((s) => typeOf(s, schemas)).join(" ou ");
  if (schema.allOf) return schema.allOf.map((s) => typeOf(s, schemas)).join(" + ");
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const shown = types.filter((t) => t && t !== "null").map((t) => {
    if (t === "array") return `liste de ${typeOf(schema.items, schemas)}`;
    return { string: "texte", integer: "entier", number: "nombre", boolean: "booléen", object: "objet" }[t] || t;
  });
  const text = shown.join(" ou ") || "valeur";
  const values = schema.enum ? ` (${schema.enum.filter((v) => v !== null).join(", ")})` : "";
  return types.includes("null") ? `${text}${values}, ou null` : `${text}${values}`;
}

/** A schema's fields as a nested list, $refs opened up to a depth of three. */
function schemaView(schema, schemas, depth) {
  const name = refName(schema);
  const resolved = name ? schemas[name] : schema;
  if (!resolved) return null;
  if (resolved.type === "array" || (Array.isArray(resolved.type) && resolved.type.includes("array"))) {
    return h("div", {}, h("p", {}, "Liste de ", h("code", {}, typeOf(resolved.items, schemas)), " :"), schemaView(resolved.items, schemas, depth + 1));
  }
  const properties = resolved.properties || {};
  const required = new Set(resolved.required || []);
  const header = name ? h("p", {}, "Schéma ", h("code", {}, name), resolved.description ? [" : ", inline(resolved.description)] : "") : null;
  if (!Object.keys(properties).length) {
    if (resolved.oneOf) return h("div", {}, header, h("p", {}, "Une des formes : ", typeOf(resolved, schemas)));
    return header;
  }
  return h("div", {}, header,
    h("ul", {}, Object.entries(properties).map(([field, property]) => h("li", {},
      h("code", {}, field), " : ", typeOf(property, schemas), required.has(field) ? "" : " (facultatif)",
      property.description ? [" — ", inline(property.description)] : "",
      depth < 2 && (refName(property) || (property.items && refName(property.items)))
        ? h("details", {}, h("summary", {}, `Détail de ${refName(property) || refName(property.items)}`), schemaView(refName(property) ? property : property.items, schemas, depth + 1))
        : null))));
}
