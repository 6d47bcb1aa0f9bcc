// Meeting sheet and cross-scoring: pick a unit without a button; on the agreed-score grid, save
// each cell as it changes (JSON with X-CSRFToken). A conflict keeps what was typed and offers to
// save it over the other value deliberately. Without this script the forms post as usual.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var picker = document.getElementById("unit-select");
  if (picker && picker.form) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }
  var form = document.querySelector("form.meeting-form");
  if (!form || form.getAttribute("data-editable") !== "1") {
    return;
  }
  var url = form.getAttribute("data-save-url");
  var csrf = form.getAttribute("data-csrf");
  var unitId = form.getAttribute("data-unit-id");
  var msg = function (name) { return form.getAttribute("data-msg-" + name) || ""; };

  function number(text) {
    var value = parseFloat(String(text).trim().replace(",", "."));
    return isNaN(value) ? null : value;
  }
  function field(tr, prefix) { return tr.querySelector("input[name^='" + prefix + "-']"); }
  function setStatus(tr, text, kind) {
    var box = tr.querySelector(".cell-status");
    box.textContent = text;
    box.className = "cell-status small" + (kind ? " " + kind : "");
    return box;
  }
  function differs(tr) {
    var own = number(tr.getAttribute("data-self"));
    var value = number(field(tr, "v").value);
    return own !== null && value !== null && own !== value;
  }
  function recount() {
    var parts = { scored: 0, bonus: 0, penalty: 0 };
    form.querySelectorAll("tr.cell-row").forEach(function (tr) {
      var value = number(field(tr, "v").value);
      var kind = tr.getAttribute("data-kind");
      if (value !== null && kind in parts) { parts[kind] += value; }
    });
    var total = document.getElementById("agreed-total");
    if (total) {
      var sum = Math.round((parts.scored + parts.bonus - parts.penalty) * 100) / 100;
      total.textContent = String(sum).replace(".", ",");
    }
  }

  function save(tr) {
    var value = field(tr, "v"), reason = field(tr, "r"), version = field(tr, "ver");
    if (value.value.trim() === "") { return; }
    var needReason = differs(tr) && reason.value.trim() === "";
    tr.classList.toggle("cell-diff", differs(tr));
    tr.classList.toggle("reason-needed", needReason);
    if (needReason) { setStatus(tr, msg("reason"), "error"); return; }
    setStatus(tr, msg("saving"), "");
    var body = {
      unit_id: unitId, criterion_id: tr.getAttribute("data-criterion-id"),
      value: value.value, reason: reason.value, version: version.value
    };
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
                                   function () { return { status: response.status, data: null }; });
    }).then(function (result) {
      var data = result.data || {};
      if (result.status === 200) {
        version.value = data.version;
        field(tr, "o").value = data.display;
        field(tr, "or").value = data.reason;
        value.value = data.display;
        tr.classList.remove("cell-missing", "cell-error", "cell-conflict", "reason-needed");
        tr.classList.toggle("cell-diff", !!data.differs);
        setStatus(tr, msg("saved"), "saved");
        recount();
      } else if (result.status === 409 && data.current_version !== undefined && data.current_version !== null) {
        version.value = data.current_version;
        tr.classList.add("cell-conflict");
        var box = setStatus(tr, data.error.message, "error");
        var again = document.createElement("button");
        again.type = "button";
        again.className = "btn btn-sm btn-outline-danger ms-1 py-0";
        again.textContent = msg("retry");
        again.addEventListener("click", function () { save(tr); });
        box.appendChild(again);
      } else {
        tr.classList.add("cell-error");
        setStatus(tr, (data.error && data.error.message) || msg("failed"), "error");
      }
    }).catch(function () {
      tr.classList.add("cell-error");
      setStatus(tr, msg("failed"), "error");
    });
  }

  form.addEventListener("change", function (event) {
    var tr = event.target.closest && event.target.closest("tr.cell-row");
    if (tr && (event.target.classList.contains("agreed-input") || event.target.classList.contains("reason-input"))) {
      save(tr);
    }
  });
  form.addEventListener("input", function (event) {
    var tr = event.target.closest && event.target.closest("tr.cell-row");
    if (tr && event.target.classList.contains("agreed-input")) {
      tr.classList.toggle("cell-diff", differs(tr));
    }
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.use-proposal");
    if (!button) { return; }
    event.preventDefault();
    var tr = button.closest("tr.cell-row");
    field(tr, "v").value = tr.getAttribute("data-proposal");
    save(tr);
  });
})();
