// Job page: poll the job's JSON and move the progress bar; when the job ends, reload the page
// so the server shows the result (download, counts, or the errors). Without JavaScript the page
// reloads itself through a <noscript> meta refresh.
(function () {
  var box = document.getElementById("job");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var state = box.getAttribute("data-state");
  if (state === "done" || state === "failed") {
    return;
  }
  var bar = document.getElementById("job-progress");
  var message = document.getElementById("job-message");
  var count = document.getElementById("job-count");
  // The server's own (translated) wording, with {done}, {total} and {p} to fill in.
  var format = box.getAttribute("data-count-format") || "{done} / {total} ({p}%)";
  var delay = 1000;

  function show(job) {
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    message.textContent = job.message;
    count.textContent = format
      .replace("{done}", job.done)
      .replace("{total}", job.total)
      .replace("{p}", job.percent);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.state === "done" || job.state === "failed") {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000); // server busy or restarting: back off, keep trying
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
