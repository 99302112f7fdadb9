// Follows a running job: polls its status, moves the <progress> bar, and reloads the page
// to show the result once the job has finished. Without JavaScript a <meta refresh> does it.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || box.dataset.status !== "running") { return; }
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  function show(job) {
    if (job.total) {
      bar.max = job.total;
      bar.value = job.done;
      count.textContent = job.done + " / " + job.total;
    } else {
      count.textContent = String(job.done);
    }
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        // Only the job's own status (JSON, not a redirect to the sign-in page) is read;
        // anything else stops the polling and leaves the page as it is.
        var type = answer.headers.get("Content-Type") || "";
        var expected = answer.ok && !answer.redirected &&
          type.indexOf("application/json") === 0;
        return expected ? answer.json() : null;
      })
      .then(function (job) {
        if (!job || typeof job.finished !== "boolean") { return; }
        show(job);
        if (job.finished) { window.location.reload(); return; }
        window.setTimeout(poll, 700);
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
}());
