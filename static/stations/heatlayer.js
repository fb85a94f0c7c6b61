/* The heat map's hexagons as a Leaflet layer: shared by the heat map page and the leadership dashboard.
 *
 * UnionHubHeat.fill(layer, collection, people) puts a GeoJSON FeatureCollection from the scoped
 * heat-map API (/api/v1/heat-map/geojson/) into an L.geoJSON layer, coloured from light to dark by
 * people per cell relative to the busiest cell, each with a tooltip ("{weight} people"). Cells
 * under 5 people never reach the browser: the nightly build leaves them out.
 */
(function () {
  "use strict";
  var colours = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];

  function colour(weight, top) {
    var step = Math.min(colours.length - 1, Math.floor((colours.length * weight) / (top + 1)));
    return colours[step];
  }

  function fill(layer, collection, people) {
    var top = Math.max.apply(null, collection.features.map(function (f) { return f.properties.weight; }).concat([1]));
    layer.clearLayers();
    layer.addData(collection);
    layer.setStyle(function (feature) {
      return { color: "#999", weight: 0.5, fillOpacity: 0.7, fillColor: colour(feature.properties.weight, top) };
    });
    layer.eachLayer(function (cell) {
      cell.bindTooltip(people.replace("{weight}", cell.feature.properties.weight));
    });
    return collection.features.length;
  }

  window.UnionHubHeat = { colour: colour, fill: fill };
}());
