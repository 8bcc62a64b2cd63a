// Move focus to the error summary when a form comes back with errors, and make its links
// focus the field they point to (a plain fragment link only scrolls).
(function () {
  "use strict";

  function focusTarget(id) {
    var target = document.getElementById(id);
    if (!target) {
      return;
    }
    // Show the field's label or legend too, not only the field.
    var holder = target.closest("fieldset, .mb-3") || target;
    holder.scrollIntoView();
    target.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      event.preventDefault();
      focusTarget(link.getAttribute("href").slice(1));
    });
  });
})();
