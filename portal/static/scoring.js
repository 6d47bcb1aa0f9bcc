// Self-scoring sheet: each changed score or note is saved at once (drafts save as they go).
// The page works without this file: the form posts every field to the same server checks.
(function () {
  "use strict";
  var form = document.getElementById("self-form");
  if (!form || !form.dataset.autosaveUrl || !window.fetch) {
    return;
  }
  var url = form.dataset.autosaveUrl;
  var msg = form.dataset;
  var pending = 0;
  var queued = null;

  function field(kind, id) {
    return form.elements[kind + "-" + id];
  }

  function show(id, text, kind) {
    var box = document.getElementById("st-" + id);
    if (!box) {
      return null;
    }
    box.textContent = "";
    var span = document.createElement("span");
    span.className = { ok: "text-success", error: "text-danger", conflict: "text-danger", busy: "text-muted" }[kind] || "";
    span.textContent = text;
    box.appendChild(span);
    var input = field("value", id);
    if (input) {
      var bad = kind === "error" || kind === "conflict";
      input.classList.toggle("is-invalid", bad);
      if (bad) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    }
    return box;
  }

  function conflictButtons(id, box, current) {
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "btn btn-sm btn-outline-danger ms-1 mt-1";
    keep.textContent = msg.msgKeep;
    keep.addEventListener("click", function () { save(id); });
    var take = document.createElement("button");
    take.type = "button";
    take.className = "btn btn-sm btn-outline-secondary ms-1 mt-1";
    take.textContent = msg.msgTake;
    take.addEventListener("click", function () {
      field("value", id).value = current.value;
      field("orig", id).value = current.value;
      show(id, "", "ok");
    });
    box.appendChild(document.createElement("br"));
    box.appendChild(keep);
    box.appendChild(take);
  }

  function done() {
    pending -= 1;
    if (pending === 0 && queued) {
      var submitter = queued.submitter;
      queued = null;
      if (form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        form.submit();
      }
    }
  }

  // "Đã chấm 3/5 …" at the top follows the saves (it used to stay at the count the page loaded
  // with): count the scored criteria whose saved value is not empty.
  function countFilled() {
    var line = document.querySelector(".self-progress");
    if (!line) {
      return;
    }
    var filled = 0;
    Array.prototype.forEach.call(form.querySelectorAll("input.score-input[data-scored]"), function (input) {
      var saved = field("orig", input.id.replace("value-", ""));
      if (saved && saved.value.trim() !== "") {
        filled += 1;
      }
    });
    Array.prototype.forEach.call(line.childNodes, function (node) {
      if (node.nodeType === 3) {
        node.textContent = node.textContent.replace(/\d+\/(\d+)/, filled + "/$1");
      }
    });
    var bar = line.querySelector("progress");
    if (bar) {
      bar.value = filled;
    }
  }

  function save(id) {
    var value = field("value", id);
    var note = field("note", id);
    var version = field("version", id);
    var body = {
      criterion_id: parseInt(id, 10),
      value: value.value.trim(),
      note: note ? note.value : "",
      version: version.value ? parseInt(version.value, 10) : null
    };
    if (value.validity && value.validity.badInput) {
      body.value = "?";  // the browser holds text that is not a number: let the server say so
    }
    pending += 1;
    show(id, msg.msgSaving, "busy");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": form.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(
        function (data) { return { ok: response.ok, status: response.status, data: data }; },
        function () { return { ok: false, status: response.status, data: null }; }
      );
    }).then(function (res) {
      if (res.ok) {
        version.value = res.data.version;
        field("orig", id).value = res.data.value;
        field("orignote", id).value = res.data.note;
        show(id, res.data.message, "ok");
        countFilled();
      } else if (res.data && res.data.error) {
        var box = show(id, res.data.error.message, res.status === 409 ? "conflict" : "error");
        if (res.data.current) {
          version.value = res.data.current.version || "";
          field("orignote", id).value = note ? note.value : "";
          if (box) {
            conflictButtons(id, box, res.data.current);
          }
        }
      } else {
        show(id, msg.msgFailed + " (" + res.status + ")", "error");
      }
    }).catch(function () {
      show(id, msg.msgOffline, "error");
    }).then(done);
  }

  form.addEventListener("change", function (event) {
    var match = /^(value|note)-(\d+)$/.exec(event.target.name || "");
    if (match) {
      save(match[2]);
    }
  });

  // Submitting while a save is on its way waits for it, so the form carries the new versions.
  form.addEventListener("submit", function (event) {
    if (pending > 0) {
      event.preventDefault();
      queued = { submitter: event.submitter || null };
    }
  });
})();
