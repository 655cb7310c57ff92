// The sign-in link carries its token in the URL fragment (#jeton=…), which browsers never send
// to a server. Nothing is used until the person clicks "Continuer": a mail scanner that merely
// opens the link cannot use it up.
(function () {
  "use strict";
  var form = document.getElementById("confirmer");
  var message = document.getElementById("message");
  var token = new URLSearchParams(window.location.hash.slice(1)).get("jeton");
  if (!token) {
    message.textContent = "Ce lien de connexion est incomplet. Demandez-en un nouveau.";
    form.hidden = true;
    return;
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch("/api/auth/confirm", {
      method: "POST",
      headers: { "content-type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ token: token })
    })
      .then(function (response) {
        if (response.ok) {
          history.replaceState(null, "", window.location.pathname);
          window.location.assign("/");
          return;
        }
        return response.json().then(function (body) {
          message.textContent = (body && body.error && body.error.message) || "La connexion a échoué.";
          button.disabled = false;
        });
      })
      .catch(function () {
        message.textContent = "Le réseau ne répond pas. Vérifiez votre connexion puis réessayez.";
        button.disabled = false;
      });
  });
})();
