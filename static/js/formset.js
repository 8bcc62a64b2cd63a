// "Add participant" in place: clone the empty row from its <template>, number it and raise
// TOTAL_FORMS. Without JavaScript the same button posts the form and the server adds the row.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-add-participant]");
    var template = document.getElementById("participant-template");
    var rows = document.querySelector("[data-formset-rows]");
    if (!button || !template || !rows) {
      return;
    }
    var prefix = button.dataset.prefix;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");

    function atMax() {
      return parseInt(total.value, 10) >= parseInt(max.value, 10);
    }

    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (atMax()) {
        return;
      }
      var index = parseInt(total.value, 10);
      // The template is our own markup (no user input): placeholders are safe to replace as text.
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      rows.appendChild(row);
      total.value = String(index + 1);
      if (atMax()) {
        button.hidden = true;
      }
      // Focus lands inside the new fieldset, so its legend ("Participant 3") is announced.
      var first = row.querySelector("input, select, textarea");
      if (first) {
        first.focus();
      }
    });
  });
})();
