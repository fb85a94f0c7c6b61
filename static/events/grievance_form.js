/* The grievance form: a map to mark the place, named/anonymous parts shown as chosen, and "Send
 * me a code" without leaving the page (so the photos already chosen stay chosen).
 *
 * Plain ES5 and XMLHttpRequest for WeChat's browser; without this script the form still works
 * (both parts shown; "Send me a code" posts the form back).
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("place-config").textContent);
  var say = config.messages;
  var form = document.getElementById("grievance-form");
  var place = form.elements.place;
  var statusLine = document.getElementById("place-status");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  // --- the place --------------------------------------------------------------------------------
  var marker = null;
  var map = null;
  if (window.L && document.getElementById("place-map")) {
    map = L.map("place-map").setView(config.centre, config.zoom);
    config.tiles.forEach(function (tile) { L.tileLayer(tile[1], tile[2]).addTo(map); });
  }

  function choose(lat, lon) {
    place.value = lat.toFixed(6) + "," + lon.toFixed(6);
    statusLine.textContent = fill(say.chosen, { lat: lat.toFixed(5), lon: lon.toFixed(5) });
    if (!map) { return; }
    if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.circleMarker([lat, lon], { radius: 9, color: "#c0392b", fillOpacity: 0.8 }).addTo(map); }
  }

  if (place.value) {
    var parts = place.value.split(",");
    choose(parseFloat(parts[0]), parseFloat(parts[1]));
    if (map) { map.setView([parseFloat(parts[0]), parseFloat(parts[1])], 16); }
  }
  if (map) { map.on("click", function (event) { choose(event.latlng.lat, event.latlng.lng); }); }

  document.getElementById("place-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { statusLine.textContent = say.noPosition; return; }
    statusLine.textContent = say.locating;
    navigator.geolocation.getCurrentPosition(function (position) {
      choose(position.coords.latitude, position.coords.longitude);
      if (map) { map.setView([position.coords.latitude, position.coords.longitude], 16); }
    }, function () { statusLine.textContent = say.noPosition; }, { timeout: 10000, maximumAge: 60000 });
  });
  document.getElementById("place-clear").addEventListener("click", function () {
    place.value = "";
    statusLine.textContent = say.none;
    if (marker && map) { map.removeLayer(marker); marker = null; }
  });

  // --- named or anonymous -----------------------------------------------------------------------
  var named = document.getElementById("named-part");
  var anonymous = document.getElementById("anonymous-part");
  function showIdentity() {
    var choice = form.querySelector("input[name=identity]:checked");
    var isAnonymous = choice && choice.value === "anonymous";
    named.hidden = isAnonymous;
    anonymous.hidden = !isAnonymous;
  }
  var radios = form.querySelectorAll("input[name=identity]");
  for (var i = 0; i < radios.length; i++) { radios[i].addEventListener("change", showIdentity); }
  showIdentity();

  // --- the code to the phone --------------------------------------------------------------------
  var codeStatus = document.getElementById("code-status");
  document.getElementById("send-code").addEventListener("click", function (event) {
    event.preventDefault();
    var body = "csrfmiddlewaretoken=" + encodeURIComponent(form.elements.csrfmiddlewaretoken.value) +
      "&send_code=1&phone=" + encodeURIComponent(form.elements.phone.value);
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action"));
    request.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (e) { answer = null; }
      if (answer && answer.sent) { codeStatus.textContent = say.codeSent; form.elements.code.focus(); }
      else { codeStatus.textContent = (answer && answer.message) || say.codeFailed; }
    };
    request.onerror = function () { codeStatus.textContent = say.codeFailed; };
    request.send(body);
  });
})();
