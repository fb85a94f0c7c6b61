// Follows a job (/api/v1/jobs/<id>/) on a roster page: moves the progress bar, reloads when it has finished.
(function () {
  "use strict";
  document.querySelectorAll(".job-progress[data-job-url]").forEach(function (box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".job-progress-text");
    function poll() {
      fetch(box.dataset.jobUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (job) {
          bar.value = job.percent;
          text.textContent = job.percent + "%" + (job.message ? " · " + job.message : "");
          if (job.status === "succeeded" || job.status === "failed") {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 500);
  });
})();
