// The application shell: who is signed in, the menu of their role, and the router (history API;
// the server answers every page path with this shell). Pages are modules loaded on demand, so the
// first load carries only the shell and the page shown.
import * as api from "./api.js";
import { h, replace, announce, setTimeZone } from "./ui.js";

const main = document.getElementById("contenu");
const menu = document.getElementById("menu");

/** Every page: its path pattern, its module, who may see it ("public" = anyone). */
const STAFF = ["professional", "orientation_manager", "structure_admin", "manager"];
const ROUTES = [
  { path: "/", module: "home", roles: "any" },
  { path: "/connexion", module: "connexion", roles: "public" },
  { path: "/connexion/confirmer", module: "connexion", roles: "public" },
  { path: "/connexion/adresse", module: "connexion", roles: "public" },
  { path: "/cgu", module: "connexion", roles: "public" },
  { path: "/accessibilite", module: "connexion", roles: "public" },
  { path: "/documentation-api", module: "documentation-api", roles: "public" },
  { path: "/notifications/desabonnement", module: "connexion", roles: "public" },
  { path: "/compte", module: "compte", roles: "any" },
  { path: "/accueil", module: "professionnel", roles: ["professional"] },
  { path: "/recherche", module: "professionnel", roles: STAFF },
  { path: "/carnets/:id", module: "carnet", roles: [...STAFF, "beneficiary"] },
  { path: "/mon-carnet", module: "beneficiaire", roles: ["beneficiary"] },
  { path: "/orientation", module: "orientation", roles: ["orientation_manager", "manager"] },
  { path: "/departement", module: "orientation", roles: ["orientation_manager", "manager"] },
  { path: "/structure", module: "structure", roles: ["structure_admin"] },
  { path: "/structure/professionnels", module: "structure", roles: ["structure_admin"] },
  { path: "/tableau-de-bord", module: "gestion", roles: ["manager"] },
  { path: "/gestion/comptes", module: "gestion", roles: ["manager", "platform_admin", "structure_admin"] },
  { path: "/gestion/structures", module: "gestion", roles: ["manager", "platform_admin"] },
  { path: "/gestion/dispositifs", module: "gestion", roles: ["manager"] },
  { path: "/gestion/beneficiaires/nouveau", module: "nouveau", roles: ["manager", "orientation_manager", "professional", "structure_admin"] },
];

/** The first page of each role, and its menu. */
const HOME = {
  professional: "/accueil",
  beneficiary: "/mon-carnet",
  orientation_manager: "/orientation",
  structure_admin: "/structure",
  manager: "/tableau-de-bord",
  platform_admin: "/gestion/comptes",
};
const MENUS = {
  professional: [["/accueil", "Mes bénéficiaires"], ["/recherche", "Rechercher"]],
  beneficiary: [["/mon-carnet", "Mon carnet"]],
  orientation_manager: [["/orientation", "Demandes d'orientation"], ["/departement", "Carnets du département"], ["/recherche", "Rechercher"], ["/gestion/beneficiaires/nouveau", "Nouveau carnet"]],
  structure_admin: [["/structure", "Carnets de la structure"], ["/structure/professionnels", "Professionnels"], ["/recherche", "Rechercher"]],
  manager: [["/tableau-de-bord", "Tableau de bord"], ["/departement", "Carnets"], ["/orientation", "Orientation"], ["/gestion/beneficiaires/nouveau", "Nouveau carnet"], ["/gestion/comptes", "Comptes"], ["/gestion/structures", "Structures"], ["/gestion/dispositifs", "Dispositifs"]],
  platform_admin: [["/gestion/comptes", "Comptes"], ["/gestion/structures", "Structures"]],
};

export const session = { me: null, instance: null };

function match(pattern, path) {
  const a = pattern.split("/");
  const b = path.split("/");
  if (a.length !== b.length) return null;
  const params = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(":")) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i]) return null;
  }
  return params;
}

function findRoute(path) {
  const clean = path.length > 1 ? path.replace(/\/+$/, "") : path;
  for (const route of ROUTES) {
    const params = match(route.path, clean);
    if (params) return { route, params, path: clean };
  }
  return null;
}

/** Goes to a page of the application (pushState), or reloads the current one with `replace`. */
export function navigate(to, { replace: replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  render();
}

function role() {
  return session.me && session.me.active_role ? session.me.active_role.role : null;
}

/** The path a signed-in person lands on. */
export function homePath() {
  return HOME[role()] || "/compte";
}

async function loadMe() {
  try {
    session.me = await api.get("/api/auth/me", { quiet401: true });
  } catch (problem) {
    if (problem instanceof api.ApiError && problem.status === 401) session.me = null;
    else throw problem;
  }
}

/** Reloads who is signed in (after a role switch, CGU acceptance, sign-in) and redraws the menu. */
export async function refreshMe() {
  await loadMe();
  drawMenu();
}

async function signOut(everywhere) {
  try {
    await api.post(everywhere ? "/api/auth/logout-all" : "/api/auth/logout", undefined, { quiet401: true });
  } catch (problem) {
    // 401: the session was over already. Anything else (network down, server error): the session
    // may still be open — the cookie is cleared by the server only — so the person must not be
    // told they are signed out (shared office computers).
    if (!(problem instanceof api.ApiError && problem.status === 401)) {
      signOutFailed(everywhere, problem);
      return;
    }
  }
  document.getElementById("erreur-deconnexion")?.remove();
  session.me = null;
  drawMenu();
  navigate("/connexion?deconnecte=" + (everywhere ? "partout" : "1"));
}

/** Sign-out did not go through: one error box at the top of the page, focused, with a retry. */
function signOutFailed(everywhere, problem) {
  document.getElementById("erreur-deconnexion")?.remove();
  const reason = problem instanceof api.NetworkError
    ? "le réseau ne répond pas"
    : "le service n'a pas répondu correctement";
  const box = h("div", { class: "alert alert--error", role: "alert", id: "erreur-deconnexion", tabindex: "-1" },
    h("p", {}, `La déconnexion n'a pas abouti : ${reason}. Vous êtes toujours connecté. Vérifiez votre connexion puis réessayez.`),
    h("p", {}, h("button", { type: "button", onclick: () => signOut(everywhere) }, everywhere ? "Réessayer de se déconnecter partout" : "Réessayer de se déconnecter")));
  main.prepend(box);
  box.focus();
}

function drawMenu() {
  const current = location.pathname;
  if (!session.me) {
    replace(menu, h("ul", {}, h("li", {}, h("a", { href: "/connexion", "aria-current": current === "/connexion" ? "page" : null }, "Se connecter"))));
    return;
  }
  const items = (MENUS[role()] || []).map(([href, label]) =>
    h("li", {}, h("a", { href, "aria-current": current === href ? "page" : null }, label)));
  items.push(h("li", {}, h("a", { href: "/compte", "aria-current": current === "/compte" ? "page" : null }, "Mon compte")));
  items.push(h("li", {}, h("button", { type: "button", class: "link", onclick: () => signOut(false) }, "Se déconnecter")));
  replace(menu, h("ul", {}, items));
}

let renderCount = 0;
async function render() {
  const ticket = ++renderCount;
  const found = findRoute(location.pathname);
  drawMenu();
  if (!found) {
    show("Page introuvable", [h("h1", { tabindex: "-1" }, "Page introuvable"), h("p", {}, "Cette adresse ne correspond à aucune page. "), h("p", {}, h("a", { href: "/" }, "Retour à l'accueil"))]);
    return;
  }
  const { route, params } = found;
  if (route.roles !== "public") {
    if (!session.me) {
      navigate("/connexion", { replace: true });
      return;
    }
    if (session.me.cgu && session.me.cgu.required && location.pathname !== "/cgu") {
      navigate("/cgu", { replace: true });
      return;
    }
    if (Array.isArray(route.roles) && !route.roles.includes(role())) {
      show("Accès refusé", [h("h1", { tabindex: "-1" }, "Accès refusé"), h("p", {}, "Votre rôle actuel ne donne pas accès à cette page."), h("p", {}, h("a", { href: homePath() }, "Retour à l'accueil"))]);
      return;
    }
  }
  const context = {
    main,
    params,
    path: found.path,
    query: new URLSearchParams(location.search),
    session,
    role: role(),
    navigate,
    refreshMe,
    homePath,
    signOut,
    setTitle(title) {
      document.title = `${title} – Carnet de bord`;
    },
    /** True while this page is still the one shown (a slow answer for a page left is dropped). */
    isCurrent: () => ticket === renderCount,
  };
  let module;
  try {
    module = await import(`./pages/${route.module}.js`);
  } catch (_) {
    // The page's script could not be fetched (offline): browsers keep a failed import for the
    // document's lifetime, so retrying means reloading.
    if (ticket !== renderCount) return;
    show("Erreur", [h("h1", { tabindex: "-1" }, "Impossible d'afficher la page"),
      h("div", { class: "alert alert--error", role: "alert" }, "La page n'a pas pu être chargée : le réseau ne répond pas. Vérifiez votre connexion puis réessayez."),
      h("p", {}, h("button", { type: "button", onclick: () => location.reload() }, "Réessayer"))]);
    return;
  }
  try {
    if (ticket !== renderCount) return;
    await module.render(context);
  } catch (problem) {
    if (ticket !== renderCount) return;
    if (problem instanceof api.ApiError && problem.status === 401) return;
    if (!(problem instanceof api.ApiError || problem instanceof api.NetworkError)) console.error(problem);
    show("Erreur", [h("h1", { tabindex: "-1" }, problem.status === 403 ? "Accès refusé" : "Impossible d'afficher la page"), h("div", { class: "alert alert--error", role: "alert" }, failureMessage(problem)), h("p", {}, h("a", { href: homePath() }, "Retour à l'accueil"))]);
    return;
  }
  if (ticket !== renderCount) return;
  pageShown();
}

/** What a failure says to the person: the API's and the network's messages are French; anything
 * else (a script error) is never shown raw. */
function failureMessage(problem) {
  if (problem instanceof api.ApiError && problem.status === 404) return "Ce carnet ou cette page n'existe pas, ou vous n'y avez pas accès.";
  if (problem instanceof api.ApiError || problem instanceof api.NetworkError) return problem.message;
  return "Une erreur inattendue est survenue. Rechargez la page ; si le problème continue, signalez-le.";
}

function show(title, children) {
  document.title = `${title} – Carnet de bord`;
  replace(main, ...children);
  pageShown();
}

/** The path and query of the page shown (a change of the fragment alone redraws nothing). */
let shownAddress = null;
/** Until the first page is drawn, focus stays where the browser put it: at the top of the
 * document, so that the first Tab reaches the skip links. */
let firstPage = true;

/** After a page is drawn: focus its title (so screen readers start there) and announce it. */
function pageShown() {
  shownAddress = location.pathname + location.search;
  const title = main.querySelector("h1");
  if (title) {
    if (!title.hasAttribute("tabindex")) title.setAttribute("tabindex", "-1");
    if (firstPage) {
      // The browser reads a freshly loaded page from the top.
    } else if (!main.contains(document.activeElement) || document.activeElement === document.body) title.focus();
    else if (!main.dataset.keepFocus) title.focus();
  }
  firstPage = false;
  delete main.dataset.keepFocus;
  announce(document.title.replace(/ – Carnet de bord$/, ""));
}

// Links inside the application are handled without reloading the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || link.target || link.hasAttribute("download") || url.pathname.startsWith("/api/")) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  event.preventDefault();
  firstPage = false;
  navigate(url.pathname + url.search + url.hash);
});
window.addEventListener("popstate", () => {
  // A skip link or an in-page anchor changes the fragment only: the browser moves the focus.
  if (location.pathname + location.search === shownAddress) return;
  firstPage = false;
  render();
});

api.onSessionEnded(() => {
  if (!session.me) return;
  session.me = null;
  drawMenu();
  navigate("/connexion?expire=1", { replace: true });
});

async function start() {
  try {
    session.instance = await api.get("/api/health");
  } catch (problem) {
    session.instance = problem.details || null;
  }
  if (session.instance) {
    document.getElementById("departement").textContent = session.instance.department_name || "";
    setTimeZone(session.instance.timezone);
    if (session.instance.department_logo_url) {
      const logo = document.getElementById("logo");
      logo.src = session.instance.department_logo_url;
      // The link already says the département's name: the logo is decoration (alt="").
      logo.alt = "";
      logo.hidden = false;
    }
  }
  try {
    await loadMe();
  } catch (problem) {
    replace(main, h("h1", { tabindex: "-1" }, "Service momentanément indisponible"), h("div", { class: "alert alert--error", role: "alert" }, failureMessage(problem)), h("p", {}, h("button", { type: "button", onclick: () => location.reload() }, "Réessayer")));
    return;
  }
  render();
}

start();
