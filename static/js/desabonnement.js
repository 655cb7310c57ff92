// Opting out of reminders from the link in an email, without signing in: the token is in the
// URL fragment and is used only when the person confirms.
(function () {
  "use strict";
  var form = document.getElementById("desabonnement");
  var message = document.getElementById("message");
  var token = new URLSearchParams(window.location.hash.slice(1)).get("jeton");
  if (!token) {
    message.textContent = "Ce lien est incomplet.";
    form.hidden = true;
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch("/api/notifications/opt-out", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: token })
    })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        message.textContent = body.message || (body.error && body.error.message) || "";
        form.hidden = !!body.message;
      })
      .catch(function () {
        message.textContent = "Le réseau ne répond pas. Réessayez.";
      });
  });
})();
