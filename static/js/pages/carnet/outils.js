// Small helpers shared by the parts of the notebook page (pages/carnet.js and pages/carnet/*.js).
import { h, field, fieldError } from "../../ui.js";

export function labelOf(ref, list, code) {
  if (!code) return null;
  const found = (ref.coded_values[list] || []).find((value) => value.code === code);
  return found ? found.label : code;
}

export function options(ref, list, { empty = "— Non renseigné —" } = {}) {
  const values = (ref.coded_values[list] || []).map((value) => [value.code, value.label]);
  return empty === null ? values : [["", empty], ...values];
}

export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).flatMap(([term, value]) =>
    [h("dt", {}, term), h("dd", {}, value === null || value === undefined || value === "" ? h("span", { class: "muted" }, "Non renseigné") : value)]));
}

export function yesNo(value) {
  return value ? "Oui" : "Non";
}

/** Today in the instance's time zone, as YYYY-MM-DD. */
export function today(zone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: zone || undefined, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The offset (ms) of a time zone at an instant. */
export function zoneOffset(zone, at) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone: zone || undefined, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The value of an <input type="datetime-local"> (wall-clock time in the instance's zone) → an
 * RFC 3339 instant in UTC, which the API accepts. Null when the value is not a date and time.
 */
export function localInputToInstant(value, zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value || "");
  if (!match) return null;
  const wall = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
  let instant = wall - zoneOffset(zone, wall);
  instant = wall - zoneOffset(zone, instant);
  return new Date(instant).toISOString();
}

let uid = 0;
export function nextId(prefix) {
  return `${prefix}-${++uid}`;
}

/** The work situation's fields that may be emptied (the RQTH is a yes or no). */
export const WORK_SITUATION_CLEARABLE = new Set(["work_situation", "work_situation_date", "work_situation_end_date", "education_level"]);

/**
 * What a correction form changes: the values that differ from `before`. An emptied field is sent
 * as "" where the API clears it (`clearable`); elsewhere the API keeps the old value, so emptying
 * is refused next to the field rather than silently ignored.
 */
export function changedValues(values, before, clearable = new Set()) {
  const body = {};
  for (const [key, value] of Object.entries(values)) {
    const old = before[key] ?? null;
    if (value === old || (typeof value === "boolean" && value === !!old)) continue;
    if (value === null) {
      if (!clearable.has(key)) throw fieldError(key, "Cette information ne peut pas être effacée, seulement corrigée : indiquez la bonne valeur.");
      body[key] = "";
    } else {
      body[key] = value;
    }
  }
  return body;
}

/** A disclosure holding a form ("Ajouter une action"). */
export function disclosure(summary, ...content) {
  return h("details", { class: "disclosure" }, h("summary", {}, summary), h("div", { class: "disclosure__body" }, content));
}

/** The label of a reference item typed in an <input list>: its code if it is one of the list. */
export function matchReference(items, text) {
  const wanted = (text || "").trim().toLocaleLowerCase("fr");
  return items.find((item) => item.label.trim().toLocaleLowerCase("fr") === wanted) || null;
}

/** An <input list> field with its datalist (searchable list that still accepts free text). */
export function listField({ label, name, items, hint, required }) {
  const listId = nextId("liste");
  const wrapper = field({ label, name, hint, required, attributes: { list: listId, autocomplete: "off" } });
  wrapper.appendChild(h("datalist", { id: listId }, items.map((item) => h("option", { value: item.label }))));
  return wrapper;
}

export function statusClass(status) {
  switch (status) {
    case "done": return "tag--success";
    case "in_progress": return "tag--info";
    case "abandonned":
    case "canceled":
    case "standby": return "tag--warning";
    default: return "";
  }
}
