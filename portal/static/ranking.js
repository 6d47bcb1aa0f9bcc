// Ranking page: while the meeting is on, ask for the ranking every few seconds and redraw the
// table, so the room sees totals change as scores are agreed. Stops when the round leaves the
// meeting (or when the tab is hidden, until it is shown again).
(function () {
  "use strict";
  var table = document.getElementById("ranking-table");
  if (!table || table.getAttribute("data-live") !== "1") {
    return;
  }
  var url = table.getAttribute("data-poll-url");
  var status = document.getElementById("ranking-status");
  var timer = null;

  function cell(tr, text, className) {
    var td = document.createElement("td");
    if (className) { td.className = className; }
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function text(td, words, className) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = words;
    td.appendChild(span);
    td.appendChild(document.createTextNode(" "));
  }
  function badge(td, words, className) { text(td, words, "badge " + className); }
  function draw(data) {
    var body = table.tBodies[0];
    var rows = document.createDocumentFragment();
    data.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var waiting = r.rank === null;
      if (r.shared) { tr.className = "rank-shared"; }
      if (waiting) { tr.className = "rank-pending"; }
      cell(tr, waiting ? "—" : String(r.rank), "num fw-semibold");
      cell(tr, r.unit_name);
      cell(tr, r.self_total, "num");
      cell(tr, waiting ? "" : r.scored, "num");
      cell(tr, waiting ? "" : r.bonus, "num");
      cell(tr, waiting ? "" : r.penalty, "num");
      cell(tr, waiting ? "" : r.total, "num fw-semibold");
      if (table.getAttribute("data-bands") === "1") { cell(tr, r.band); }
      var note = cell(tr, "");
      if (r.shared) { text(note, data.shared_label, "shared-flag"); }
      if (waiting) {
        text(note, table.getAttribute("data-msg-pending"), "text-muted small");
      } else if (r.agreed_cells < r.cells) {
        text(note, table.getAttribute("data-msg-partial").replace("{n}", r.agreed_cells).replace("{all}", r.cells),
             "text-muted small");
      }
      if (!r.present) { badge(note, table.getAttribute("data-msg-absent"), "bg-secondary"); }
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
    if (status) {
      status.textContent = table.getAttribute("data-msg-updated") + " " + new Date().toLocaleTimeString(document.documentElement.lang || "vi");
    }
  }
  function poll() {
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        draw(data);
        if (!data.live) { window.clearInterval(timer); }
      })
      .catch(function () { /* the next poll tries again */ });
  }
  timer = window.setInterval(poll, 5000);
})();
