// Public pages: sign-in (email → "consultez votre messagerie"), the link's confirm page with its
// "Continuer" button, the CGU, the change-of-address confirmation, opting out of reminders from an
// email, and the accessibility statement.
import * as api from "../api.js";
import { h, replace, field, bindSave, alertBox, formValues } from "../ui.js";

export async function render(ctx) {
  switch (ctx.path) {
    case "/connexion":
      return signIn(ctx);
    case "/connexion/confirmer":
      return confirm(ctx);
    case "/connexion/adresse":
      return confirmAddress(ctx);
    case "/cgu":
      return cgu(ctx);
    case "/notifications/desabonnement":
      return optOut(ctx);
    default:
      return accessibility(ctx);
  }
}

/** The token carried by a link's fragment (#jeton=…), which browsers never send to a server. */
function fragmentToken() {
  return new URLSearchParams(location.hash.slice(1)).get("jeton");
}

function signIn(ctx) {
  if (ctx.session.me && !ctx.query.get("deconnecte")) {
    ctx.navigate(ctx.homePath(), { replace: true });
    return;
  }
  ctx.setTitle("Connexion");
  const notices = [];
  if (ctx.query.get("deconnecte") === "partout") notices.push(alertBox("Vous êtes déconnecté de tous vos appareils.", "success"));
  else if (ctx.query.get("deconnecte")) notices.push(alertBox("Vous êtes déconnecté.", "success"));
  if (ctx.query.get("expire")) notices.push(alertBox("Votre session a expiré. Reconnectez-vous pour continuer.", "warning"));
  const form = h("form", { id: "connexion", method: "post", action: "/api/auth/magic-link" },
    field({ label: "Adresse électronique", name: "email", type: "email", required: true, autocomplete: "email", hint: "Par exemple : prenom.nom@exemple.fr" }),
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Recevoir un lien de connexion")));
  const result = h("div", { tabindex: "-1", id: "resultat" });
  bindSave(form, {
    busyText: "Envoi en cours…",
    send: (body) => api.post("/api/auth/magic-link", { email: body.email || "" }),
    onSuccess: () => {
      replace(result, alertBox("Consultez votre messagerie : si un compte correspond à cette adresse, un lien de connexion vient de lui être envoyé. Il est valable 15 minutes et ne sert qu'une fois.", "success"));
      result.focus();
    },
  });
  replace(ctx.main,
    h("h1", {}, "Connexion à Carnet de bord"),
    notices,
    h("p", {}, "Pas de mot de passe : indiquez votre adresse électronique, vous recevrez un lien pour vous connecter."),
    form,
    result);
}

function confirm(ctx) {
  ctx.setTitle("Terminer la connexion");
  const token = fragmentToken();
  if (!token) {
    replace(ctx.main, h("h1", {}, "Terminer la connexion"),
      alertBox("Ce lien de connexion est incomplet. Demandez-en un nouveau.", "error"),
      h("p", {}, h("a", { href: "/connexion" }, "Demander un nouveau lien")));
    return;
  }
  // Nothing is used until the person clicks "Continuer": a mail scanner that merely opens the
  // link cannot use it up.
  const form = h("form", { id: "confirmer", method: "post", action: "/api/auth/confirm" },
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Continuer")));
  bindSave(form, {
    busyText: "Connexion en cours…",
    body: () => ({ token }),
    send: (body) => api.post("/api/auth/confirm", body),
    onSuccess: async () => {
      history.replaceState(null, "", "/connexion/confirmer");
      await ctx.refreshMe();
      ctx.navigate(ctx.session.me && ctx.session.me.cgu.required ? "/cgu" : ctx.homePath(), { replace: true });
    },
  });
  replace(ctx.main,
    h("h1", {}, "Terminer la connexion"),
    h("p", {}, "Pour vous connecter à Carnet de bord, cliquez sur « Continuer »."),
    form,
    h("p", {}, h("a", { href: "/connexion" }, "Ce lien ne fonctionne pas ? Demander un nouveau lien")));
}

function confirmAddress(ctx) {
  ctx.setTitle("Confirmer votre nouvelle adresse");
  const token = fragmentToken();
  const form = h("form", { id: "confirmer-adresse" },
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Confirmer cette adresse")));
  const done = h("div", { tabindex: "-1" });
  bindSave(form, {
    body: () => ({ token: token || "" }),
    send: (body) => api.post("/api/auth/me/email/confirm", body),
    onSuccess: () => {
      // The token leaves the address bar (and the history of a shared computer).
      history.replaceState(null, "", "/connexion/adresse");
      form.hidden = true;
      replace(done, alertBox("Votre nouvelle adresse est enregistrée. Utilisez-la pour vous connecter.", "success"));
      done.focus();
    },
  });
  replace(ctx.main, h("h1", {}, "Confirmer votre nouvelle adresse électronique"),
    token ? form : alertBox("Ce lien est incomplet.", "error"), done);
}

const CGU_TEXT = [
  ["Objet", "Carnet de bord est le carnet partagé d'une personne accompagnée dans son insertion sociale et professionnelle et des professionnels qui l'accompagnent. Il est mis à disposition par le département."],
  ["Ce que vous vous engagez à faire", "N'y inscrire que des informations utiles à l'accompagnement, exactes et sans jugement ; ne consulter que les carnets des personnes que vous accompagnez ; ne pas partager votre accès."],
  ["Données personnelles", "Les informations sont conservées pour la durée de l'accompagnement puis supprimées selon les durées légales. Chaque consultation d'un carnet est enregistrée. La personne accompagnée peut lire son carnet et demander la rectification de ses informations."],
  ["Sécurité", "La connexion se fait par un lien envoyé par courriel, valable 15 minutes et utilisable une seule fois. Déconnectez-vous en quittant un ordinateur partagé."],
];

function cgu(ctx) {
  ctx.setTitle("Conditions d'utilisation");
  const me = ctx.session.me;
  const required = me && me.cgu && me.cgu.required;
  const content = [h("h1", {}, "Conditions générales d'utilisation"),
    me && me.cgu ? h("p", { class: "muted" }, `Version du ${me.cgu.current_version.split("-").reverse().join("/")}`) : null,
    CGU_TEXT.map(([title, text]) => [h("h2", {}, title), h("p", {}, text)])];
  if (required) {
    const form = h("form", { id: "cgu" },
      field({ label: "J'ai lu et j'accepte les conditions générales d'utilisation", name: "accept", type: "checkbox", required: true }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Valider")));
    bindSave(form, {
      body: (f) => {
        if (!formValues(f).accept) throw { field: "accept", message: "Cochez la case pour accepter les conditions d'utilisation." };
        return { version: me.cgu.current_version };
      },
      send: (body) => api.post("/api/auth/cgu", body),
      onSuccess: async () => {
        await ctx.refreshMe();
        ctx.navigate(ctx.homePath(), { replace: true });
      },
    });
    content.splice(1, 0, alertBox("Avant de continuer, lisez et acceptez les conditions d'utilisation.", "info"));
    content.push(form);
  }
  replace(ctx.main, ...content);
}

function optOut(ctx) {
  ctx.setTitle("Ne plus recevoir les rappels");
  const token = fragmentToken();
  const result = h("div", { tabindex: "-1" });
  const form = h("form", { id: "desabonnement" },
    h("div", { class: "actions-bar" }, h("button", { type: "submit" }, "Ne plus recevoir les rappels par courriel")));
  bindSave(form, {
    body: () => ({ token: token || "" }),
    send: (body) => api.post("/api/notifications/opt-out", body),
    onSuccess: (answer) => {
      history.replaceState(null, "", "/notifications/desabonnement");
      form.hidden = true;
      replace(result, alertBox((answer && answer.message) || "C'est fait : vous ne recevrez plus de rappels par courriel.", "success"));
      result.focus();
    },
  });
  replace(ctx.main, h("h1", {}, "Ne plus recevoir les rappels de rendez-vous"),
    token ? [h("p", {}, "Vous ne recevrez plus de courriel de rappel avant vos rendez-vous. Vous pourrez les réactiver depuis votre carnet."), form]
      : alertBox("Ce lien est incomplet.", "error"),
    result);
}

function accessibility(ctx) {
  ctx.setTitle("Accessibilité");
  replace(ctx.main,
    h("h1", {}, "Déclaration d'accessibilité"),
    h("p", {}, "Le département s'engage à rendre Carnet de bord accessible conformément au référentiel général d'amélioration de l'accessibilité (RGAA 4.1)."),
    h("h2", {}, "État de conformité"),
    h("p", {}, "Carnet de bord est partiellement conforme : aucun audit complet n'a encore été réalisé. Chaque page est vérifiée automatiquement (axe-core) et parcourue au clavier seul et sur un écran de 320 pixels de large à chaque modification."),
    h("h2", {}, "Signaler un problème"),
    h("p", {}, "Si vous ne pouvez pas accéder à un contenu ou à un service, contactez le département pour être orienté vers une alternative accessible."));
}
