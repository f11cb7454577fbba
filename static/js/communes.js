// Suggestions of communes while typing (the server also accepts a typed name or postcode).
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-communes]");
  Array.prototype.forEach.call(inputs, function (input) {
    var listId = input.getAttribute("list");
    var list = document.getElementById(listId);
    if (!list) {
      list = document.createElement("datalist");
      list.id = listId;
      input.parentNode.appendChild(list);
    }
    var timer = null;
    var url = input.form.getAttribute("data-communes-url") || "/communes/recherche/";
    input.addEventListener("input", function () {
      var terme = input.value.trim();
      window.clearTimeout(timer);
      if (terme.length < 2 || /\(\d{5}\)$/.test(terme)) { return; }
      timer = window.setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(terme), { headers: { "Accept": "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { resultats: [] }; })
          .then(function (data) {
            list.innerHTML = "";
            data.resultats.forEach(function (commune) {
              var option = document.createElement("option");
              option.value = commune.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* typing still works without suggestions */ });
      }, 200);
    });
  });
})();
