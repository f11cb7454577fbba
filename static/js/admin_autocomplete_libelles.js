// Admin autocompletes (select2) named by their field's label: select2's combobox is labelled
// by its current value only, so an empty one has no name for a screen reader (WCAG 4.1.2).
(function () {
  "use strict";
  function nommer(racine) {
    Array.prototype.forEach.call(racine.querySelectorAll("select.admin-autocomplete"), function (select) {
      var combobox = select.parentNode.querySelector(".select2-selection[role=combobox]");
      var libelle = select.id && document.querySelector('label[for="' + select.id + '"]');
      if (!combobox || !libelle) { return; }
      if (!libelle.id) { libelle.id = select.id + "-libelle"; }
      var noms = (combobox.getAttribute("aria-labelledby") || "").split(" ");
      if (noms.indexOf(libelle.id) === -1) {
        combobox.setAttribute("aria-labelledby", [libelle.id].concat(noms).join(" ").trim());
      }
    });
  }
  // After Django's autocomplete.js (jQuery's ready) has turned the selects into select2.
  window.addEventListener("load", function () { nommer(document); });
  document.addEventListener("formset:added", function (event) {
    window.setTimeout(function () { nommer(event.target); }, 0);
  });
})();
