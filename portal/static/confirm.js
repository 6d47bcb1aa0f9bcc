// Destructive actions ask first: forms with data-confirm show the question before submitting.
// Loaded by base.html on every page; some pages still load it themselves, so it guards against
// being loaded twice (which would ask the question twice).
(function () {
  "use strict";
  if (window.portalConfirmReady) { return; }
  window.portalConfirmReady = true;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
