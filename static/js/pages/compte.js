// "Mon compte": who I am, my roles (switching between them), my work position and phone (staff
// who can be members of a notebook), my address, signing out here or everywhere.
import * as api from "../api.js";
import { h, replace, field, bindSave, alertBox, fullName, workContactFields, workContactBody } from "../ui.js";

export async function render(ctx) {
  ctx.setTitle("Mon compte");
  const me = ctx.session.me;
  // One place for a role switch's failure, focused each time (never a pile of messages).
  const roleError = h("div", { id: "erreur-role", tabindex: "-1" });
  const roles = me.roles.map((held) => {
    const active = me.active_role && held.id === me.active_role.id;
    const where = held.structure ? ` — ${held.structure.name}` : "";
    return h("li", {},
      h("span", {}, held.label + where, active ? h("span", { class: "tag tag--info" }, " rôle actuel") : null),
      active ? null : h("button", {
        type: "button", class: "secondary small", onclick: async (event) => {
          const button = event.currentTarget;
          button.disabled = true;
          replace(roleError);
          try {
            await api.post("/api/auth/role", { role_id: held.id });
            await ctx.refreshMe();
            ctx.navigate(ctx.homePath());
          } catch (problem) {
            button.disabled = false;
            const known = problem instanceof api.ApiError || problem instanceof api.NetworkError;
            if (!known) console.error(problem);
            replace(roleError, alertBox(known ? problem.message : "Une erreur inattendue est survenue. Rechargez la page puis réessayez.", "error"));
            roleError.focus();
          }
        },
      }, `Agir en tant que ${held.label.toLowerCase()}`));
  });
  const emailForm = h("form", { id: "changer-adresse" },
    field({ label: "Nouvelle adresse électronique", name: "email", type: "email", required: true, autocomplete: "email", hint: "Un lien de confirmation sera envoyé à cette adresse." }),
    h("div", { class: "actions-bar" }, h("button", { type: "submit", class: "secondary" }, "Changer d'adresse")));
  const emailDone = h("div", { tabindex: "-1" });
  bindSave(emailForm, {
    send: (body) => api.post("/api/auth/me/email", { email: body.email || "" }),
    onSuccess: () => {
      replace(emailDone, alertBox("Consultez la messagerie de la nouvelle adresse pour confirmer le changement.", "success"));
      emailDone.focus();
    },
  });
  // Shown with my name in the notebooks I am a member of; emptied, a value is removed.
  let workContact = null;
  if (me.work_contact) {
    const form = h("form", { id: "coordonnees-pro" },
      workContactFields(me.work_contact, { own: true }),
      h("div", { class: "actions-bar" }, h("button", { type: "submit", class: "secondary" }, "Enregistrer mes coordonnées")));
    const done = h("div", { tabindex: "-1" });
    bindSave(form, {
      send: (body) => api.put("/api/auth/me/work-contact", workContactBody(body)),
      onSuccess: async () => {
        await ctx.refreshMe();
        replace(done, alertBox("Vos coordonnées professionnelles sont enregistrées.", "success"));
        done.focus();
      },
    });
    workContact = [
      h("h2", {}, "Coordonnées professionnelles"),
      h("p", {}, "Elles figurent avec votre nom dans les carnets dont vous êtes membre, pour que les personnes accompagnées et vos collègues vous joignent."),
      form, done,
    ];
  }
  replace(ctx.main,
    h("h1", {}, "Mon compte"),
    h("dl", { class: "facts" },
      h("dt", {}, "Nom"), h("dd", {}, fullName(me.account) || "—"),
      h("dt", {}, "Adresse électronique"), h("dd", {}, me.account.email),
      h("dt", {}, "Département"), h("dd", {}, me.department ? me.department.name : "")),
    h("h2", {}, "Mes rôles"),
    h("ul", { class: "plain" }, roles),
    roleError,
    workContact,
    h("h2", {}, "Adresse électronique"),
    emailForm, emailDone,
    h("h2", {}, "Déconnexion"),
    h("p", {}, "« Se déconnecter partout » ferme aussi vos sessions ouvertes sur d'autres appareils."),
    h("div", { class: "actions-bar" },
      h("button", { type: "button", onclick: () => ctx.signOut(false) }, "Se déconnecter"),
      h("button", { type: "button", class: "secondary", onclick: () => ctx.signOut(true) }, "Se déconnecter partout")),
    h("p", {}, h("a", { href: "/cgu" }, "Conditions d'utilisation")));
}
