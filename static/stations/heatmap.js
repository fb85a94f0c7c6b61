/* The heat map page: one node's layer of hexagons, coloured by people, from the scoped GeoJSON API. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("heat-config").textContent);
  var form = document.getElementById("heat-form");
  var status = document.getElementById("heat-status");
  var map = L.map("heat-map").setView(config.centre, 10);
  config.tiles.forEach(function (tile) { L.tileLayer(tile[1], tile[2]).addTo(map); });
  var layer = L.geoJSON(null).addTo(map);
  var colours = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];

  function colour(weight, top) {
    var step = Math.min(colours.length - 1, Math.floor((colours.length * weight) / (top + 1)));
    return colours[step];
  }

  function load() {
    var query = new URLSearchParams(new FormData(form));
    fetch(config.geojson + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var top = Math.max.apply(null, data.features.map(function (f) { return f.properties.weight; }).concat([1]));
        layer.clearLayers();
        layer.addData(data);
        layer.setStyle(function (feature) {
          return { color: "#999", weight: 0.5, fillOpacity: 0.7, fillColor: colour(feature.properties.weight, top) };
        });
        layer.eachLayer(function (cell) {
          cell.bindTooltip(config.people.replace("{weight}", cell.feature.properties.weight));
        });
        if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 13 }); }
        status.textContent = data.features.length + " ⬡";
      });
  }

  form.addEventListener("change", load);
  load();
})();
