'use strict';
// The admin's autocomplete fields (select2) name their combobox after the field's label.
// select2 labels it with the selected value only (aria-labelledby its "rendered" text): an
// empty field has no name at all (WCAG 4.1.2). The label gets an id if it has none, and the
// combobox is labelled by the label, then the value. Fields added later (inline rows) too.
(function () {
  function nommer() {
    document.querySelectorAll('select.admin-autocomplete').forEach(function (select) {
      var conteneur = select.nextElementSibling;
      if (!select.id || !conteneur || !conteneur.classList.contains('select2')) {
        return;
      }
      var boite = conteneur.querySelector('.select2-selection');
      var label = document.querySelector('label[for="' + select.id + '"]');
      if (!boite || !label) {
        return;
      }
      if (!label.id) {
        label.id = select.id + '-libelle';
      }
      var valeur = boite.querySelector('.select2-selection__rendered');
      var references = [label.id];
      if (valeur && valeur.id) {
        references.push(valeur.id);
        // The selected value is read as part of the combobox's name, not as a nameless
        // read-only text box of its own.
        valeur.removeAttribute('role');
        valeur.removeAttribute('aria-readonly');
      }
      if (boite.getAttribute('aria-labelledby') !== references.join(' ')) {
        boite.setAttribute('aria-labelledby', references.join(' '));
      }
      // A multiple choice's search box (select2 adds it among the chosen values).
      boite.querySelectorAll('.select2-search__field').forEach(function (recherche) {
        if (recherche.getAttribute('aria-labelledby') !== label.id) {
          recherche.setAttribute('aria-labelledby', label.id);
        }
      });
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    nommer();
    new MutationObserver(nommer).observe(document.body, {childList: true, subtree: true});
  });
})();
