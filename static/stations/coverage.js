/* The 15-minute service circle page: polls the analysis job, then draws stations, uncovered
   clusters and ranked candidate sites. Text reaches the page through textContent only. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("coverage-config").textContent);
  var status = document.getElementById("coverage-status");
  var table = document.getElementById("coverage-candidates");
  var map = L.map("coverage-map").setView(config.centre, 10);
  config.tiles.forEach(function (tile) { L.tileLayer(tile[1], tile[2]).addTo(map); });
  var drawn = L.featureGroup().addTo(map);

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  fetch(config.stations, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      L.geoJSON(data, {
        pointToLayer: function (feature, at) {
          return L.circleMarker(at, { radius: 5, color: "#2e7d32", fillOpacity: 0.9 }).bindTooltip(feature.properties.name);
        },
      }).addTo(map);
    });

  function show(result) {
    var percent = result.share === null ? 0 : Math.round(result.share * 1000) / 10;
    status.textContent = say(config.labels.share, {
      covered: result.members_covered, members: result.members, percent: percent,
    });
    result.clusters.forEach(function (cluster) {
      L.circle([cluster.lat, cluster.lon], {
        radius: result.radius_m, color: "#c0392b", fillOpacity: 0.15,
      }).bindTooltip(say(config.labels.cluster, cluster)).addTo(drawn);
    });
    var body = table.querySelector("tbody");
    result.candidates.forEach(function (site) {
      var after = Math.round(site.share_after * 1000) / 10;
      L.marker([site.lat, site.lon]).bindTooltip(
        say(config.labels.candidate, { rank: site.rank, members: site.members_covered, percent: after })
      ).addTo(drawn);
      var row = document.createElement("tr");
      [site.rank, site.members_covered, after + "%", site.lat.toFixed(5) + ", " + site.lon.toFixed(5)].forEach(
        function (value) {
          var cell = document.createElement("td");
          cell.textContent = value;
          row.appendChild(cell);
        }
      );
      body.appendChild(row);
    });
    table.hidden = result.candidates.length === 0;
    if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { maxZoom: 13 }); }
  }

  function poll() {
    fetch(config.job, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.status === "succeeded") { show(job.result); }
        else if (job.status === "failed") { status.textContent = say(config.labels.failed, job); }
        else {
          status.textContent = say(config.labels.running, job);
          setTimeout(poll, 1000);
        }
      });
  }

  if (config.job) { poll(); }
})();
