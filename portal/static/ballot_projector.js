// Hall screen: poll the progress feed every 2 s; while voting is open show how many units have
// voted and which (never how); when the state changes, reload to show the result.
(function () {
  var root = document.getElementById("projector");
  if (!root) {
    return;
  }
  var url = root.getAttribute("data-progress-url");
  var state = root.getAttribute("data-state");
  var voted = document.getElementById("voted-count");
  var present = document.getElementById("present-count");
  var list = document.getElementById("unit-list");
  var bar = document.getElementById("voted-bar");
  var stamp = document.getElementById("updated");

  function render(data) {
    if (data.state !== state) {
      window.location.reload();
      return;
    }
    if (voted && typeof data.voted === "number") {
      voted.textContent = data.voted;
      present.textContent = data.present;
      if (bar) {
        bar.value = data.voted;
        bar.max = data.present || 1;
      }
    }
    if (list && data.units) {
      data.units.forEach(function (unit, i) {
        var item = list.children[i];
        if (!item) {
          return;
        }
        item.classList.toggle("has-voted", unit.voted);
        var mark = item.querySelector(".pj-mark");
        if (mark) {
          mark.textContent = unit.voted ? "\u2713" : "";
        }
      });
    }
    if (stamp) {
      stamp.textContent = new Date().toLocaleTimeString(document.documentElement.lang || "vi");
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
