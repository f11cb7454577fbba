// Suggestions of schools while typing (the server also accepts a typed name, commune or UAI code).
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-etablissements]");
  Array.prototype.forEach.call(inputs, function (input) {
    var listId = input.getAttribute("list");
    var list = document.getElementById(listId);
    if (!list) {
      list = document.createElement("datalist");
      list.id = listId;
      input.parentNode.appendChild(list);
    }
    var timer = null;
    var url = input.form.getAttribute("data-etablissements-url") || "/filleul/etablissements/recherche/";
    input.addEventListener("input", function () {
      var terme = input.value.trim();
      window.clearTimeout(timer);
      if (terme.length < 2 || /\([0-9]{7}[A-Z]\)$/.test(terme)) { return; }
      timer = window.setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(terme), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { resultats: [] }; })
          .then(function (data) {
            list.innerHTML = "";
            data.resultats.forEach(function (etablissement) {
              var option = document.createElement("option");
              option.value = etablissement.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* typing still works without suggestions */ });
      }, 200);
    });
  });
})();
