/* The heat map page: one node's layer of hexagons, coloured by people, from the scoped GeoJSON API (heatlayer.js). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("heat-config").textContent);
  var form = document.getElementById("heat-form");
  var status = document.getElementById("heat-status");
  var map = L.map("heat-map").setView(config.centre, 10);
  config.tiles.forEach(function (tile) { L.tileLayer(tile[1], tile[2]).addTo(map); });
  var layer = L.geoJSON(null).addTo(map);

  function load() {
    var query = new URLSearchParams(new FormData(form));
    fetch(config.geojson + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var count = window.UnionHubHeat.fill(layer, data, config.people);
        if (count) { map.fitBounds(layer.getBounds(), { maxZoom: 13 }); }
        status.textContent = count + " ⬡";
      });
  }

  form.addEventListener("change", load);
  load();
})();
