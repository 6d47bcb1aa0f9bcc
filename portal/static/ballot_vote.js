// Voter page: a QR code brings the voting code in the URL fragment (#K7P3-QX9M), which never
// reaches the server or its logs. Put it in the code field, then drop it from the address bar.
(function () {
  var field = document.getElementById("code");
  var fromHash = decodeURIComponent((window.location.hash || "").replace(/^#/, "")).trim();
  var params = new URLSearchParams(window.location.search);
  if (field && fromHash && /^[A-Za-z0-9 -]{4,20}$/.test(fromHash)) {
    field.value = fromHash.toUpperCase();
  }
  if (fromHash || params.has("code")) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  var errors = document.getElementById("vote-errors");
  if (errors) {
    errors.focus();
  }
})();
