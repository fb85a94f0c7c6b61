/* The leadership dashboard: trend charts (ECharts), the zone map (Leaflet), sortable tables, PNG exports.
 *
 * Everything it draws comes from the page: the figures in the #dashboard-data JSON (json_script)
 * and the map layers from the scoped dashboard API, so the page needs no inline script (a strict
 * CSP allows it). Names reach the map only through textContent, never as HTML.
 */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var say = data.messages;
  var wall = document.querySelector(".dashboard.wall") !== null;
  var charts = {};

  function drawCharts() {
    var trends = data.trends;
    document.querySelectorAll(".chart[data-series]").forEach(function (box) {
      var key = box.getAttribute("data-series");
      var chart = echarts.init(box, wall ? "dark" : null);
      var series = [{
        name: trends.labels[key],
        type: key === "members" || /_percent$/.test(key) ? "line" : "bar",
        data: trends.series[key],
        itemStyle: { color: "#c0392b" }
      }];
      if (trends.compared) {
        series.push({
          name: say.compared, type: "line", data: trends.compared[key],
          lineStyle: { type: "dashed" }, itemStyle: { color: "#7f8c8d" }
        });
      }
      chart.setOption({
        backgroundColor: "transparent",
        animation: !wall,
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 56, right: 16, top: 16, bottom: 56 },
        xAxis: { type: "category", data: trends.months },
        yAxis: { type: "value" },
        series: series
      });
      chart.on("finished", function () { box.setAttribute("data-rendered", "true"); });
      charts[key] = chart;
    });
    drawHotWords();
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (key) { charts[key].resize(); });
    });
  }

  // The quarter's hot words in grievances: a ranked bar chart, hottest on top, with the compared quarter's counts.
  function drawHotWords() {
    var box = document.querySelector(".chart[data-hot-words]");
    var hot = data.hotWords;
    if (!box || !hot || !hot.words.length) { return; }
    var words = hot.words.slice().reverse();
    var series = [{
      name: say.hotWordsCount + " · " + hot.quarter, type: "bar",
      data: words.map(function (row) { return row.count; }), itemStyle: { color: "#c0392b" },
      label: { show: true, position: "right" }
    }];
    if (hot.compared_quarter) {
      series.push({
        name: say.hotWordsCompared + " · " + hot.compared_quarter, type: "bar",
        data: words.map(function (row) { return row.compared; }), itemStyle: { color: "#95a5a6" }
      });
    }
    var chart = echarts.init(box, wall ? "dark" : null);
    chart.setOption({
      backgroundColor: "transparent",
      animation: !wall,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0 },
      grid: { left: 8, right: 40, top: 8, bottom: 40, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: words.map(function (row) { return row.word; }) },
      series: series
    });
    chart.on("finished", function () { box.setAttribute("data-rendered", "true"); });
    charts.hot_words = chart;
  }

  function exportPng(button) {
    var key = button.getAttribute("data-chart");
    var link = document.createElement("a");
    link.href = charts[key].getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
    link.download = key === "hot_words"
      ? "hot-words-" + data.hotWords.quarter + ".png"
      : key + "-" + data.trends.period.first + "-" + data.trends.period.last + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function sortable(table) {
    var headers = table.querySelectorAll("th[data-sort]");
    headers.forEach(function (header, column) {
      header.tabIndex = 0;
      function sort() {
        var descending = header.getAttribute("aria-sort") !== "descending";
        var numeric = header.getAttribute("data-sort") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (row) {
          return row.cells[column] && row.cells[column].hasAttribute("data-value");
        });
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-value");
          var y = b.cells[column].getAttribute("data-value");
          if (numeric) {
            x = x === "" ? -Infinity : parseFloat(x);
            y = y === "" ? -Infinity : parseFloat(y);
            return descending ? y - x : x - y;
          }
          return descending ? y.localeCompare(x, "zh-CN") : x.localeCompare(y, "zh-CN");
        });
        rows.forEach(function (row) { body.appendChild(row); });
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      }
      header.addEventListener("click", sort);
      header.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  }

  function coverageColour(percent) {
    if (percent === null || percent === undefined) { return "#bdc3c7"; }
    if (percent >= 80) { return "#27ae60"; }
    if (percent >= 50) { return "#f1c40f"; }
    return "#e74c3c";
  }

  function label(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    });
  }

  // The heat map (stations' heat layer, heatlayer.js), off until chosen in the layer control; each
  // layer's cells are fetched once, for every node the user leads, from the scoped heat-map API.
  function addHeatLayers(map, heat) {
    if (!heat || !heat.nodes.length || !window.UnionHubHeat) { return; }
    var overlays = {};
    heat.layers.forEach(function (choice) {
      var layer = L.geoJSON(null);
      var loaded = false;
      layer.on("add", function () {
        if (loaded) { return; }
        loaded = true;
        var box = map.getContainer();
        Promise.all(heat.nodes.map(function (node) {
          return getJson(heat.geojson + "?federation=" + node + "&layer=" + encodeURIComponent(choice[0]));
        })).then(function (collections) {
          var features = [];
          collections.forEach(function (collection) { features = features.concat(collection.features); });
          var count = window.UnionHubHeat.fill(layer, { type: "FeatureCollection", features: features }, heat.people);
          box.setAttribute("data-heat-" + choice[0], String(count));
        }).catch(function () { box.setAttribute("data-heat-" + choice[0], "failed"); });
      });
      overlays[heat.title + " · " + choice[1]] = layer;
    });
    L.control.layers(null, overlays, { collapsed: false }).addTo(map);
  }

  function drawMap() {
    var box = document.getElementById("dashboard-map");
    if (!box) { return; }
    var config = data.map;
    var map = L.map(box, { preferCanvas: true }).setView(config.centre, config.zoom);
    config.tiles.forEach(function (tile) { L.tileLayer(tile[1], tile[2]).addTo(map); });
    var note = document.getElementById("map-note");
    getJson(config.zones_url).then(function (collection) {
      var zones = L.geoJSON(collection, {
        style: function (feature) {
          return { color: "#555", weight: 1, fillOpacity: 0.55, fillColor: coverageColour(data.zones[feature.id]) };
        },
        onEachFeature: function (feature, layer) {
          var percent = data.zones[feature.id];
          layer.bindTooltip(label(feature.properties.name + " · " + (percent === null || percent === undefined ? say.noFigure : percent + "%")));
          layer.on("click", function () { window.location.href = config.zone_page.replace("{id}", feature.id); });
        }
      }).addTo(map);
      if (zones.getLayers().length) { map.fitBounds(zones.getBounds()); }
      box.setAttribute("data-zones", String(zones.getLayers().length));
      return loadStations();
    }).then(function () {
      box.setAttribute("data-ready", "true");
      map.on("moveend", loadStations);
    }).catch(function () { box.setAttribute("data-ready", "failed"); });

    addHeatLayers(map, config.heat);

    // Stations in view only, fetched again when the map moves: a county can have more than one answer holds.
    var stations = L.layerGroup().addTo(map);
    function loadStations() {
      var bounds = map.getBounds();
      var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].join(",");
      return getJson(config.stations_url + "&in_bbox=" + bbox).then(function (collection) {
        stations.clearLayers();
        L.geoJSON(collection, {
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 3, color: "#2c3e50", weight: 1, fillOpacity: 0.8 })
              .bindTooltip(label(feature.properties.name));
          }
        }).addTo(stations);
        note.textContent = collection.truncated ? say.stationsTruncated : "";
      });
    }
  }

  drawCharts();
  drawMap();
  document.querySelectorAll(".export-png").forEach(function (button) {
    button.addEventListener("click", function () { exportPng(button); });
  });
  document.querySelectorAll("table.sortable").forEach(sortable);
  var fullScreen = document.getElementById("full-screen");
  if (fullScreen) {
    fullScreen.addEventListener("click", function () {
      if (document.documentElement.requestFullscreen) { document.documentElement.requestFullscreen(); }
    });
  }
}());
