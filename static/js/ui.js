// DOM building, French formatting, accessible forms and the save protocol every form uses.
import { ApiError, NetworkError, newKey } from "./api.js";

/**
 * Builds an element: h("p", { class: "x", onclick: fn }, "text", child, [more]).
 * Attributes with `false`/`null`/`undefined` are left out; text is never parsed as HTML.
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (name in element && typeof value !== "string" && name !== "list") {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else if (child instanceof Node) element.appendChild(child);
    else element.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let timeZone;
/** The instance's time zone (from /api/health); times are shown in it. */
export function setTimeZone(zone) {
  timeZone = zone || undefined;
}

function parts(value, options) {
  const date = typeof value === "string" && value.length === 10 ? new Date(value + "T12:00:00Z") : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const zone = typeof value === "string" && value.length === 10 ? "UTC" : timeZone;
  const formatter = new Intl.DateTimeFormat("fr-FR", { timeZone: zone, ...options });
  return Object.fromEntries(formatter.formatToParts(date).map((part) => [part.type, part.value]));
}

/** 2026-03-04 or an instant → 04/03/2026 (empty for nothing). */
export function formatDate(value) {
  if (!value) return "";
  const p = parts(value, { day: "2-digit", month: "2-digit", year: "numeric" });
  return p ? `${p.day}/${p.month}/${p.year}` : String(value);
}

/** An instant → 04/03/2026 à 14h30, in the instance's time zone. */
export function formatDateTime(value) {
  if (!value) return "";
  const p = parts(value, { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return p ? `${p.day}/${p.month}/${p.year} à ${p.hour}h${p.minute}` : String(value);
}

/** An instant → the value of an <input type="datetime-local"> in the instance's time zone. */
export function toLocalInput(value) {
  const p = parts(value, { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return p ? `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}` : "";
}

/** Says something to screen readers (the polite live region). */
export function announce(text) {
  const region = document.getElementById("annonce");
  region.textContent = "";
  setTimeout(() => (region.textContent = text), 50);
}

let fieldCounter = 0;
/**
 * A labelled form field (DSFR pattern): label, optional hint, control, and a place for its error,
 * tied to the control by aria-describedby. `options`: [[value, label], …] makes a <select>.
 */
export function field({ label, name, type = "text", value = "", hint, required, options, autocomplete, attributes = {} }) {
  const id = `champ-${name}-${++fieldCounter}`;
  const hintId = hint ? id + "-aide" : null;
  const errorId = id + "-erreur";
  const common = {
    id,
    name,
    required: !!required,
    "aria-describedby": hintId || null,
    "data-error-id": errorId,
    autocomplete: autocomplete || null,
    ...attributes,
  };
  let control;
  if (options) {
    control = h("select", common, options.map(([optionValue, optionLabel]) =>
      h("option", { value: optionValue, selected: String(optionValue) === String(value ?? "") }, optionLabel)));
  } else if (type === "textarea") {
    control = h("textarea", common);
    control.value = value ?? "";
  } else if (type === "checkbox") {
    control = h("input", { ...common, type, checked: !!value });
    return h("div", { class: "field checkbox" }, control,
      h("label", { for: id }, label, hint ? h("span", { class: "hint", id: hintId }, hint) : null),
      h("p", { class: "field__error", id: errorId, hidden: true }));
  } else {
    control = h("input", { ...common, type });
    control.value = value ?? "";
  }
  return h("div", { class: "field" },
    h("label", { for: id }, label, required ? h("span", { class: "sr-only" }, " (obligatoire)") : null,
      hint ? h("span", { class: "hint", id: hintId }, hint) : null),
    control,
    h("p", { class: "field__error", id: errorId, hidden: true }));
}

/**
 * The work position and phone fields, on « Mon compte » (`own`: the browser may fill in one's own
 * phone) and on the accounts page.
 */
export function workContactFields(current, { own = false } = {}) {
  const contact = current || {};
  return [
    field({ label: "Fonction", name: "position", value: contact.position || "", hint: "Par exemple : conseillère en insertion professionnelle." }),
    field({ label: "Téléphone professionnel", name: "phone", type: "tel", value: contact.phone || "", autocomplete: own ? "tel" : undefined, hint: "Par exemple : 01 49 15 22 33" }),
  ];
}

/** The body of a work-contact save: an emptied field is sent as `null`, which clears it. */
export const workContactBody = (values) => ({ position: values.position || null, phone: values.phone || null });

/** Reads a form's named controls into an object: "" → null, checkboxes → booleans. */
export function formValues(form) {
  const values = {};
  for (const control of form.elements) {
    if (!control.name || control.disabled) continue;
    if (control.type === "checkbox") values[control.name] = control.checked;
    else values[control.name] = control.value.trim() === "" ? null : control.value.trim();
  }
  return values;
}

/** Clears the errors shown in a form. */
export function clearErrors(form) {
  form.querySelectorAll(".field--error").forEach((f) => f.classList.remove("field--error"));
  form.querySelectorAll(".field__error").forEach((e) => {
    e.hidden = true;
    e.textContent = "";
  });
  form.querySelectorAll("[aria-invalid]").forEach((c) => {
    c.removeAttribute("aria-invalid");
    const errorId = c.dataset.errorId;
    const describedBy = (c.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== errorId);
    if (describedBy.length) c.setAttribute("aria-describedby", describedBy.join(" "));
    else c.removeAttribute("aria-describedby");
  });
  const summary = form.querySelector(".form-message");
  if (summary) {
    summary.hidden = true;
    summary.textContent = "";
  }
}

/** Shows an error next to the control named `name`; returns the control (or null). */
export function showFieldError(form, name, message) {
  const control = form.elements.namedItem(name);
  if (!control || !control.dataset || !control.dataset.errorId) return null;
  const error = document.getElementById(control.dataset.errorId);
  error.textContent = message;
  error.hidden = false;
  control.closest(".field").classList.add("field--error");
  control.setAttribute("aria-invalid", "true");
  const describedBy = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!describedBy.includes(error.id)) describedBy.push(error.id);
  control.setAttribute("aria-describedby", describedBy.join(" "));
  return control;
}

/** Shows a message for the whole form (in its `.form-message`, created if missing) and focuses it. */
export function showFormMessage(form, message, kind = "error") {
  let box = form.querySelector(".form-message");
  if (!box) {
    box = h("div", { class: "form-message", tabindex: "-1" });
    form.prepend(box);
  }
  box.className = `form-message alert alert--${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.textContent = message;
  box.hidden = false;
  box.focus();
}

/**
 * The save protocol of every form: validates nothing itself (the API does), sends once at a time,
 * shows progress, ties each API field error to its control and moves focus to the first, keeps
 * what was typed on any failure, and reuses the same idempotency key while the body is unchanged,
 * so that retrying after a network failure writes once.
 *
 * `send(body, idempotencyKey)` performs the request; `body(form)` builds the request body
 * (defaults to formValues); `fieldFor(apiField)` maps an API field name to a control name.
 */
export function bindSave(form, { send, body = formValues, onSuccess, fieldFor = (f) => f, busyText = "Enregistrement en cours…" }) {
  let lastBody = null;
  let key = null;
  let inFlight = false;
  form.noValidate = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (inFlight) return;
    clearErrors(form);
    let payload;
    try {
      payload = body(form);
    } catch (problem) {
      if (problem && problem.field) {
        const control = showFieldError(form, problem.field, problem.message);
        if (control) control.focus();
      } else {
        showFormMessage(form, problem.message || String(problem));
      }
      return;
    }
    const serialized = JSON.stringify(payload);
    if (serialized !== lastBody) {
      lastBody = serialized;
      key = newKey();
    }
    const submit = form.querySelector("button[type=submit], button:not([type])");
    inFlight = true;
    if (submit) {
      submit.setAttribute("aria-busy", "true");
      submit.disabled = true;
    }
    const progress = h("p", { class: "progress", role: "status" }, busyText);
    (submit ? submit.parentElement : form).appendChild(progress);
    try {
      let result;
      try {
        result = await send(payload, key);
      } catch (problem) {
        handleError(form, problem, fieldFor);
        return;
      }
      try {
        await onSuccess?.(result, payload);
      } catch (problem) {
        // The write went through; only what follows it (reloading the page's data) failed. The
        // key is kept: sending the same thing again replays the saved answer, writes nothing.
        savedButNotShown(form, problem);
        return;
      }
      lastBody = null;
      key = null;
    } finally {
      inFlight = false;
      progress.remove();
      if (submit && submit.isConnected) {
        submit.removeAttribute("aria-busy");
        submit.disabled = false;
      }
    }
  });
}

/**
 * A save succeeded but what follows it (reloading the data shown) failed: say it is saved and ask
 * for a reload, on the form if it is still shown, else at the top of the page; focus the message.
 */
function savedButNotShown(form, problem) {
  if (!(problem instanceof ApiError || problem instanceof NetworkError)) console.error(problem);
  const message = "C'est enregistré, mais la page n'a pas pu être mise à jour. Rechargez la page pour voir les informations à jour.";
  if (form.isConnected && !form.hidden) {
    showFormMessage(form, message, "warning");
    return;
  }
  const main = document.getElementById("contenu");
  document.getElementById("enregistre-non-affiche")?.remove();
  const box = h("div", { class: "alert alert--warning", role: "alert", tabindex: "-1", id: "enregistre-non-affiche" }, message);
  main.prepend(box);
  box.focus();
}

/** Shows an error of the API (or of the network) on a form. */
export function handleError(form, problem, fieldFor = (f) => f) {
  if (problem instanceof ApiError && problem.fields.length) {
    let first = null;
    const unplaced = [];
    for (const { field: apiField, message } of problem.fields) {
      const control = showFieldError(form, fieldFor(apiField), message);
      if (control) first = first || control;
      else unplaced.push(message);
    }
    if (unplaced.length || !first) showFormMessage(form, unplaced.join(" ") || problem.message);
    if (first) first.focus();
  } else if (problem instanceof ApiError || problem instanceof NetworkError) {
    showFormMessage(form, problem.message);
  } else {
    console.error(problem);
    showFormMessage(form, "Une erreur inattendue est survenue. Ce que vous avez saisi est conservé.");
  }
}

/** An alert box. */
const DUPLICATE_RULES = {
  nir: "même NIR",
  department_identifier: "même identifiant départemental",
  names_and_birth_date: "mêmes nom, prénom et date de naissance",
};

/**
 * A form whose save may be answered 409 `possible_duplicate` (a new beneficiary, or a change of
 * identity that makes one look like another): `zone` lists the notebooks it resembles, each
 * opened in a new tab, with a button that sends the same data again with
 * `confirm_different_person`. A confirmation applies to the data it was given for: any change
 * to the form asks again. `send` wraps the request: it answers null after showing the warning.
 */
export function duplicateCheck(form, { id, confirmText }) {
  const zone = h("div", { id, tabindex: "-1" });
  let confirmed = false;
  form.addEventListener("input", () => {
    if (confirmed || zone.childNodes.length) {
      confirmed = false;
      replace(zone);
    }
  });
  const show = (problem) => {
    const found = (problem.details && problem.details.duplicates) || [];
    const button = h("button", {
      type: "button", class: "secondary", onclick: () => {
        confirmed = true;
        form.requestSubmit();
      },
    }, confirmText);
    replace(zone, h("div", { class: "alert alert--warning", role: "alert" },
      h("p", {}, problem.message),
      h("ul", {}, found.map((d, index) => h("li", {},
        h("a", { href: `/carnets/${encodeURIComponent(d.notebook_id)}`, target: "_blank", rel: "noopener" },
          `Voir le carnet existant${found.length > 1 ? ` n° ${index + 1}` : ""} (${DUPLICATE_RULES[d.rule] || d.rule}) — s'ouvre dans un nouvel onglet`)))),
      h("div", { class: "actions-bar" }, button)));
  };
  return {
    zone,
    /** The body, with the confirmation when it was given. */
    mark(body) {
      if (confirmed) body.confirm_different_person = true;
      return body;
    },
    async send(request) {
      try {
        return await request();
      } catch (problem) {
        if (problem instanceof ApiError && problem.code === "possible_duplicate") {
          show(problem);
          return null;
        }
        throw problem;
      }
    },
    /** After a save: when it was answered by the warning, moves the focus there; true then. */
    stopped(result) {
      if (result !== null) return false;
      zone.focus();
      return true;
    },
  };
}

export function alertBox(message, kind = "info") {
  return h("div", { class: `alert alert--${kind}`, role: kind === "error" ? "alert" : null }, message);
}

/** A "loading" line, for long reads. */
export function loading(text = "Chargement…") {
  return h("p", { class: "progress", role: "status" }, text);
}

/** Previous/next links for a paged list ({ total, page, per_page }). */
export function pagination(list, goTo) {
  const pages = Math.max(1, Math.ceil((list.total || 0) / (list.per_page || 20)));
  if (pages <= 1) return null;
  return h("nav", { class: "pagination", "aria-label": "Pagination" },
    h("button", { type: "button", class: "secondary small", disabled: list.page <= 1, onclick: () => goTo(list.page - 1) }, "Page précédente"),
    h("span", {}, `Page ${list.page} sur ${pages}`),
    h("button", { type: "button", class: "secondary small", disabled: list.page >= pages, onclick: () => goTo(list.page + 1) }, "Page suivante"));
}

/** A full name. */
export function fullName(person) {
  return [person.first_name, person.last_name].filter(Boolean).join(" ");
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the pages: kept lists, tables, phone links, one-click actions, message zones.

/**
 * A read kept in memory while the application is open (never in the browser's storage): `load()`
 * runs once; a failure is forgotten, so that the next call asks again. `.reset()` forgets the
 * value (after a page changed what it holds).
 */
export function cached(load) {
  let promise = null;
  const read = () => {
    promise = promise || Promise.resolve().then(load).catch((problem) => {
      promise = null;
      throw problem;
    });
    return promise;
  };
  read.reset = () => {
    promise = null;
  };
  return read;
}

/** Like `cached`, one value per key: `read(key)` runs `load(key)` once per key. */
export function cachedBy(load) {
  const promises = new Map();
  const read = (key) => {
    if (!promises.has(key)) {
      promises.set(key, Promise.resolve().then(() => load(key)).catch((problem) => {
        promises.delete(key);
        throw problem;
      }));
    }
    return promises.get(key);
  };
  read.reset = () => promises.clear();
  return read;
}

// The instance's lists every page may need (reference lists, dispositifs, structures, a
// structure's professionals). Pages that change them (management pages) call `.reset()`.
export const referentiel = cached(() => apiGet("/api/referentiel"));
export const dispositifList = cached(() => apiGet("/api/carnets/dispositifs").then((body) => body.items));
export const structureList = cached(() => apiGet("/api/carnets/structures").then((body) => body.items));
/** The enabled professionals of a structure: [{ account_id, first_name, last_name, position }]. */
export const professionalsOf = cachedBy((structureId) =>
  apiGet(`/api/carnets/structures/${encodeURIComponent(structureId)}/professionals`).then((body) => (Array.isArray(body) ? body : body.items)));

let tableCounter = 0;
/**
 * A table in a scrollable region reachable with the keyboard and named by its caption (a wide
 * table never widens the page at 320 px). `head`: the column labels; `rows`: <tr> elements.
 * `focusableCaption`: the caption may take the focus (to land the reader on the results).
 */
export function tableRegion(caption, head, rows, { captionId, focusableCaption = false } = {}) {
  const id = captionId || `legende-tableau-${++tableCounter}`;
  return h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": id },
    h("table", {},
      h("caption", { id, tabindex: focusableCaption ? "-1" : null }, caption),
      h("thead", {}, h("tr", {}, head.map((label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, rows)));
}

/** A phone number as a tel: link (the address keeps only digits and "+"). */
export function phoneLink(phone) {
  return h("a", { href: "tel:" + String(phone).replace(/[^\d+]/g, "") }, phone);
}

/** A French sentence for a problem: the API's or the network's message, or a generic one. */
export function problemMessage(problem) {
  if (problem instanceof ApiError || problem instanceof NetworkError) return problem.message;
  console.error(problem);
  return "Une erreur inattendue est survenue. Réessayez ; si elle persiste, rechargez la page.";
}

/** An error a `body()` builder throws: bindSave shows it next to the control named `name`. */
export function fieldError(name, message) {
  const error = new Error(message);
  error.field = name;
  return error;
}

/**
 * A one-click action on `button`: once at a time (busy and disabled meanwhile); a failure is
 * shown next to the button (replacing the previous one) and the focus goes back to the button.
 * Resolves to true when `action` succeeded.
 */
export async function runAction(button, action) {
  if (button.getAttribute("aria-busy") === "true") return false;
  button.setAttribute("aria-busy", "true");
  button.disabled = true;
  const old = button.parentElement && button.parentElement.querySelector(".act-error");
  if (old) old.remove();
  let failed = false;
  try {
    await action();
    return true;
  } catch (problem) {
    failed = true;
    if (button.isConnected) {
      button.after(h("span", { class: "act-error field__error", role: "alert" }, problemMessage(problem)));
    }
    return false;
  } finally {
    if (button.isConnected) {
      button.removeAttribute("aria-busy");
      button.disabled = false;
      // A disabled button may have lost the focus: give it back (always after a failure).
      if (failed || !document.activeElement || document.activeElement === document.body) button.focus();
    }
  }
}

/**
 * One place for the outcome of an action: `say(text, kind)` replaces what it showed (messages
 * never pile up) and takes the focus, so that the message is read; `clear()` empties it.
 */
export function messageZone(attributes = {}) {
  const zone = h("div", { class: "message-zone", tabindex: "-1", ...attributes });
  zone.say = (text, kind = "success") => {
    replace(zone, alertBox(text, kind));
    zone.focus();
  };
  zone.clear = () => replace(zone);
  return zone;
}

// The shared lists above read the API (an import may stand anywhere in a module).
import { get as apiGet } from "./api.js";
