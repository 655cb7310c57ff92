// The fields of an orientation — a dispositif, a structure, then one of its professionals as the
// referent — shared by the decision on a re-orientation request (/orientation) and by orienting a
// notebook from its page (POST /api/write/carnets/{id}/orientation).
import { h, field, fullName, fieldError, professionalsOf, problemMessage } from "../ui.js";

/**
 * The three fields, named dispositif_id, structure_id and referent_account_id. Choosing a
 * structure loads its professionals into the referent's list. `labels` may rename the fields;
 * `dispositifId` preselects one (a suggested dispositif).
 */
export function orientationFields({ dispositifs, structures, dispositifId = "", labels = {} }) {
  const dispositif = field({
    label: labels.dispositif || "Nouveau dispositif", name: "dispositif_id", required: true, value: dispositifId,
    options: [["", "Choisir un dispositif"], ...dispositifs.map((d) => [d.id, d.name])],
  });
  const structure = field({
    label: labels.structure || "Structure du nouveau référent", name: "structure_id", required: true,
    options: [["", "Choisir une structure"], ...structures.map((s) => [s.id, s.city ? `${s.name} (${s.city})` : s.name])],
  });
  const referent = field({
    label: labels.referent || "Nouveau référent", name: "referent_account_id", required: true, hint: "Choisissez d'abord la structure.",
    options: [["", "Choisir un professionnel"]],
  });
  const structureSelect = structure.querySelector("select");
  const referentSelect = referent.querySelector("select");
  const status = h("p", { class: "muted", role: "status" });
  structureSelect.addEventListener("change", async () => {
    const chosen = structureSelect.value;
    referentSelect.replaceChildren(h("option", { value: "" }, chosen ? "Chargement…" : "Choisir un professionnel"));
    status.textContent = "";
    if (!chosen) return;
    try {
      const people = await professionalsOf(chosen);
      if (structureSelect.value !== chosen) return;
      referentSelect.replaceChildren(
        h("option", { value: "" }, people.length ? "Choisir un professionnel" : "Aucun professionnel dans cette structure"),
        ...people.map((p) => h("option", { value: p.account_id }, `${fullName(p)}${p.position ? ` — ${p.position}` : ""}`)));
      status.textContent = `${people.length} professionnel${people.length > 1 ? "s" : ""} dans la liste des référents.`;
    } catch (problem) {
      if (structureSelect.value !== chosen) return;
      referentSelect.replaceChildren(h("option", { value: "" }, "Liste indisponible : choisissez à nouveau la structure"));
      status.textContent = problemMessage(problem);
    }
  });
  return h("div", { class: "orientation-fields" }, dispositif, structure, referent, status);
}

/** The orientation part of a request body, from the form's values; a missing choice is refused next to its field. */
export function orientationBody(values) {
  if (!values.dispositif_id) throw fieldError("dispositif_id", "Choisissez un dispositif.");
  if (!values.structure_id) throw fieldError("structure_id", "Choisissez la structure du référent.");
  if (!values.referent_account_id) throw fieldError("referent_account_id", "Choisissez le référent parmi les professionnels de la structure.");
  return { dispositif_id: values.dispositif_id, structure_id: values.structure_id, referent_account_id: values.referent_account_id };
}
