/* The public finder: the phone's position -> the nearest open stations, on a map and in a list.
 *
 * Plain ES5 and XMLHttpRequest, so it runs in WeChat's built-in browser as in any other; no
 * service worker. Station names reach the page only through textContent (never as HTML).
 * Without a position (refused, or WeChat without location permission) the map's centre is
 * used when the worker taps "Search here".
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("finder-config").textContent);
  var say = config.messages;
  var form = document.getElementById("finder-filters");
  var statusLine = document.getElementById("finder-status");
  var list = document.getElementById("finder-results");
  var map = L.map("finder-map", { zoomControl: true }).setView(config.centre, 13);
  config.tiles.forEach(function (tile) { L.tileLayer(tile[1], tile[2]).addTo(map); });
  var layer = L.layerGroup().addTo(map);
  var here = null;
  var last = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function link(href, text) {
    var a = element("a", "", text);
    a.href = href;
    return a;
  }

  function distance(metres) {
    return metres < 1000 ? fill(say.metres, { metres: metres }) : fill(say.kilometres, { km: (metres / 1000).toFixed(1) });
  }

  function query(lat, lon) {
    var parts = ["lat=" + lat.toFixed(6), "lon=" + lon.toFixed(6), "open=" + (form.elements.open.checked ? "true" : "false")];
    if (form.elements.open_24h.checked) { parts.push("open_24h=true"); }
    var boxes = form.querySelectorAll("input[name=amenity]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].checked) { parts.push("amenity=" + encodeURIComponent(boxes[i].value)); }
    }
    return config.nearestUrl + "?" + parts.join("&");
  }

  function show(results) {
    layer.clearLayers();
    while (list.firstChild) { list.removeChild(list.firstChild); }
    statusLine.textContent = results.length ? "" : say.none;
    var bounds = [];
    if (here) { L.circleMarker(here, { radius: 7, color: "#1565c0", fillOpacity: 0.9 }).addTo(layer); bounds.push(here); }
    results.forEach(function (station, index) {
      var at = [station.lat, station.lon];
      bounds.push(at);
      var popup = element("div");
      popup.appendChild(element("strong", "", station.name));
      popup.appendChild(element("div", "", distance(station.distance_m)));
      if (station.url) { popup.appendChild(link(station.url, say.details)); }
      L.circleMarker(at, { radius: 8, color: station.is_open ? "#1e7e34" : "#c0392b", fillOpacity: 0.8 })
        .bindPopup(popup).addTo(layer);

      var item = element("li");
      item.setAttribute("data-code", station.code);
      var title = (index + 1) + ". " + station.name;
      var name = station.url ? link(station.url, title) : element("span", "", title);
      name.className = "name";
      item.appendChild(name);
      var state = station.is_open ? say.open : say.closed;
      if (station.open_24h) { state += " · " + say.open24h; }
      item.appendChild(element("div", "meta", [
        distance(station.distance_m),
        fill(say.walk, { minutes: station.walk_minutes }),
        fill(say.ride, { minutes: station.ride_minutes }),
        state
      ].join(" · ")));
      item.appendChild(element("div", "meta", [station.kind_label, station.address].filter(Boolean).join(" · ")));
      var links = element("div", "links");
      links.appendChild(link(station.navigation.amap, say.amap));
      links.appendChild(link(station.navigation.baidu, say.baidu));
      links.appendChild(link(station.navigation.geo, say.geo));
      item.appendChild(links);
      list.appendChild(item);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 }); }
  }

  function search(lat, lon) {
    last = [lat, lon];
    var request = new XMLHttpRequest();
    request.open("GET", query(lat, lon));
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200) {
        show(JSON.parse(request.responseText).results);
      } else {
        var answer = {};
        try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = {}; }
        statusLine.textContent = (answer.position && answer.position[0]) || answer.detail || say.failed;
      }
    };
    request.onerror = function () { statusLine.textContent = say.failed; };
    request.send();
  }

  function locate() {
    if (!navigator.geolocation) { statusLine.textContent = say.noPosition; return; }
    statusLine.textContent = say.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      here = [position.coords.latitude, position.coords.longitude];
      map.setView(here, 15);
      search(here[0], here[1]);
    }, function () {
      statusLine.textContent = say.noPosition;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  document.getElementById("locate-me").addEventListener("click", locate);
  document.getElementById("search-here").addEventListener("click", function () {
    var centre = map.getCenter();
    here = null;
    search(centre.lat, centre.lng);
  });
  form.addEventListener("change", function () { if (last) { search(last[0], last[1]); } });
  locate();
}());
