// The only way the front-end talks to the app: JSON over fetch, same origin, session cookie.
// Nothing is written to the browser's storage (office computers are shared): the session lives in
// an HttpOnly cookie, everything else in memory.

/** An answer of the API that is not a success: `code` is stable, `message` is French. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `Erreur ${status}`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.fields = error.fields || [];
    this.details = error.details || null;
    this.retryAfter = null;
  }
}

/** The request never got an answer (network down, aborted): nothing is known of its effect. */
export class NetworkError extends Error {
  constructor(cause) {
    super("Le réseau ne répond pas. Ce que vous avez saisi est conservé : vérifiez votre connexion puis réessayez.");
    this.cause = cause;
    this.code = "network";
  }
}

const listeners = new Set();
/** Called with no argument when the API says the session ended (401 on a signed-in page). */
export function onSessionEnded(listener) {
  listeners.add(listener);
}

/**
 * Sends a request. `body` is sent as JSON; `idempotencyKey` makes a create safe to retry.
 * Resolves to the parsed JSON (or null for 204); rejects with ApiError or NetworkError.
 */
export async function request(method, path, { body, idempotencyKey, signal, quiet401 } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      signal,
    });
  } catch (cause) {
    throw new NetworkError(cause);
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.retryAfter = response.headers.get("retry-after");
    if (response.status === 401 && !quiet401) listeners.forEach((listener) => listener());
    throw error;
  }
  return data;
}

export const get = (path, options) => request("GET", path, options);
export const post = (path, body, options = {}) => request("POST", path, { ...options, body });
export const patch = (path, body, options = {}) => request("PATCH", path, { ...options, body });
export const put = (path, body, options = {}) => request("PUT", path, { ...options, body });
export const del = (path, options) => request("DELETE", path, options);

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** A fresh idempotency key. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
