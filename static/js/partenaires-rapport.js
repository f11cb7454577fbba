// Follows the production of a convention report: polls its JSON status, updates the gauge,
// and once the files are ready (or the production failed) says so at once, then opens the
// report's page afresh, which lists the files.
(function () {
  "use strict";
  var bloc = document.getElementById("production");
  if (!bloc || !window.fetch) {
    return;
  }
  var url = bloc.getAttribute("data-statut-url");
  var jauge = document.getElementById("production-jauge");
  var texte = document.getElementById("production-texte");
  var titre = document.getElementById("titre-production");
  var note = bloc.querySelector(".meta");
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
          titre.textContent = etat.titre;
          texte.textContent = etat.pret ? "Le rapport est prêt : ouverture des fichiers…" : etat.libelle;
          if (note) {
            note.textContent = "";
          }
          window.location.replace(etat.url);
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
