// Follows the production of a convention report: polls its JSON status, updates the gauge,
// and reloads the page once the files are ready (or the production failed).
(function () {
  "use strict";
  var bloc = document.getElementById("production");
  if (!bloc || !window.fetch) {
    return;
  }
  var url = bloc.getAttribute("data-statut-url");
  var jauge = document.getElementById("production-jauge");
  var texte = document.getElementById("production-texte");
  var delai = 1000;

  function suivre() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (reponse) {
        if (!reponse.ok) {
          throw new Error("HTTP " + reponse.status);
        }
        return reponse.json();
      })
      .then(function (etat) {
        jauge.value = etat.progression;
        jauge.textContent = etat.progression + " %";
        texte.textContent = etat.libelle + " : " + etat.progression + " %";
        if (etat.termine) {
          window.location.reload();
          return;
        }
        delai = Math.min(delai * 1.5, 5000);
        window.setTimeout(suivre, delai);
      })
      .catch(function () {
        window.setTimeout(suivre, 5000);
      });
  }

  window.setTimeout(suivre, delai);
})();
