/* UnionHub zone work on the phone.
 *
 * Every visit goes into an IndexedDB queue first and is sent from there, with an
 * Idempotency-Key made on the phone: a visit sent twice (a retry, a double tap, two tabs)
 * is stored once. The queue is sent when the page opens, when the signal returns and after
 * each new visit; what waits is shown at the top of the page.
 */
(function () {
  "use strict";

  const text = JSON.parse(document.getElementById("mobile-messages").textContent);
  const say = (template, values) =>
    template.replace(/\{(\w+)\}/g, (_, name) => (values && name in values ? values[name] : ""));

  // --- service worker -------------------------------------------------------------------
  const offlineStatus = document.getElementById("offline-status");
  function showOffline() {
    offlineStatus.hidden = navigator.onLine;
    offlineStatus.textContent = text.offline;
  }
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(document.body.dataset.swUrl, { scope: "/m/" }).catch(() => {
      offlineStatus.hidden = false;
      offlineStatus.textContent = text.offlineUnavailable;
    });
  } else {
    offlineStatus.hidden = false;
    offlineStatus.textContent = text.offlineUnavailable;
  }
  window.addEventListener("offline", showOffline);
  window.addEventListener("online", () => {
    showOffline();
    sendQueue();
  });

  // --- the queue ------------------------------------------------------------------------
  function openQueue() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("unionhub-zone-work", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("visits", { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function inQueue(mode, work) {
    const db = await openQueue();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction("visits", mode);
      const result = work(transaction.objectStore("visits"));
      transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      transaction.onerror = () => reject(transaction.error);
    });
  }
  const queued = () => inQueue("readonly", (store) => store.getAll());
  const keep = (item) => inQueue("readwrite", (store) => store.put(item));
  const forget = (key) => inQueue("readwrite", (store) => store.delete(key));

  const queueStatus = document.getElementById("queue-status");
  async function showQueue() {
    const items = await queued();
    const waiting = items.filter((item) => !item.error);
    queueStatus.hidden = waiting.length === 0;
    queueStatus.textContent = say(text.waiting, { count: waiting.length });
    queueStatus.dataset.count = String(waiting.length);
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  let sending = false;
  async function sendQueue() {
    if (sending || !navigator.onLine) return showQueue();
    sending = true;
    try {
      for (const item of await queued()) {
        if (item.error) continue;
        if (!(await sendOne(item))) break; // no signal after all: try again later
      }
    } finally {
      sending = false;
      await showQueue();
    }
  }

  // Send one queued visit and then its photos; false when the network failed.
  async function sendOne(item) {
    const headers = { "X-CSRFToken": csrfToken(), "Idempotency-Key": item.key };
    try {
      if (!item.visitId) {
        const response = await fetch("/api/v1/visits/", {
          method: "POST",
          credentials: "same-origin",
          headers: { ...headers, "Content-Type": "application/json" },
          body: JSON.stringify(item.payload),
        });
        if (response.status === 400 || response.status === 403 || response.status === 404) {
          item.error = JSON.stringify(await response.json());
          await keep(item);
          report(say(text.failed, { errors: item.error }), true);
          return true;
        }
        if (!response.ok) return false;
        item.visitId = (await response.json()).id;
        await keep(item);
      }
      while (item.photosDone < item.photos.length) {
        const form = new FormData();
        form.append("image", item.photos[item.photosDone], "photo.jpg");
        const response = await fetch(`/api/v1/visits/${item.visitId}/photos/`, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken() },
          body: form,
        });
        if (!response.ok && response.status !== 400) return false;
        item.photosDone += 1; // a photo refused as not a photo is not sent again
        await keep(item);
      }
      await forget(item.key);
      report(text.sent);
      return true;
    } catch (error) {
      return false;
    }
  }

  const message = document.getElementById("form-message");
  function report(words, failed) {
    if (!message) return;
    message.textContent = words;
    message.classList.toggle("error", Boolean(failed));
  }

  // --- distances ------------------------------------------------------------------------
  function metresBetween(a, b) {
    const rad = Math.PI / 180;
    const dLat = (b.lat - a.lat) * rad;
    const dLon = (b.lon - a.lon) * rad;
    const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
    return Math.round(2 * 6371008.8 * Math.asin(Math.sqrt(h)));
  }
  function locate() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        (found) => resolve({ lat: found.coords.latitude, lon: found.coords.longitude }),
        () => resolve(null),
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }
  const placeOf = (element) =>
    element.dataset.lat ? { lat: parseFloat(element.dataset.lat), lon: parseFloat(element.dataset.lon) } : null;

  // --- the list page --------------------------------------------------------------------
  const list = document.getElementById("union-list");
  if (list) {
    const urls = Array.from(list.querySelectorAll("li[data-url]")).map((li) => li.dataset.url);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.ready.then((registration) =>
        registration.active.postMessage({ type: "precache", urls })
      );
    }
    document.getElementById("sort-distance").addEventListener("click", async () => {
      const here = await locate();
      if (!here) return;
      const items = Array.from(list.querySelectorAll("li[data-url]"));
      for (const li of items) {
        const place = placeOf(li);
        li.dataset.metres = place ? String(metresBetween(here, place)) : "";
        li.querySelector(".distance").textContent = place ? ` · ${li.dataset.metres} m` : "";
      }
      items
        .sort((a, b) => (Number(a.dataset.metres) || Infinity) - (Number(b.dataset.metres) || Infinity))
        .forEach((li) => list.appendChild(li));
    });
    const mapBox = document.getElementById("zone-map");
    document.getElementById("toggle-map").addEventListener("click", () => {
      mapBox.hidden = !mapBox.hidden;
      if (mapBox.hidden || mapBox.dataset.ready || !window.L) return;
      mapBox.dataset.ready = "1";
      const map = L.map(mapBox);
      const points = [];
      for (const li of list.querySelectorAll("li[data-lat]")) {
        const place = placeOf(li);
        points.push([place.lat, place.lon]);
        const name = li.querySelector("strong").textContent; // text, never HTML
        L.circleMarker([place.lat, place.lon], { radius: 7, color: li.classList.contains("visited") ? "#2e7d32" : "#c0392b" })
          .bindTooltip(name)
          .on("click", () => (window.location.href = li.dataset.url))
          .addTo(map);
      }
      if (points.length) map.fitBounds(points, { padding: [20, 20], maxZoom: 15 });
      else map.setView([29.87, 121.55], 9);
    });
  }

  // --- the union page and its visit form --------------------------------------------------
  const form = document.getElementById("visit-form");
  if (form) {
    const union = document.getElementById("union");
    const positionStatus = document.getElementById("position-status");
    // A demand says what it needs (so that it can be matched to a resource); other findings do not.
    const findingKind = form.elements.finding_kind;
    const findingCategory = form.elements.finding_category;
    const showCategory = () => {
      findingCategory.hidden = findingKind.value !== "demand";
    };
    findingKind.addEventListener("change", showCategory);
    showCategory();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const describedDemand = findingKind.value === "demand" && form.elements.finding_description.value.trim();
      if (describedDemand && !findingCategory.value) {
        report(text.needCategory, true);
        findingCategory.focus();
        return;
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true; // a double tap makes one visit
      positionStatus.textContent = text.locating;
      const here = await locate();
      const unionPlace = placeOf(union);
      if (!here) positionStatus.textContent = text.noPosition;
      else if (unionPlace) {
        const metres = metresBetween(here, unionPlace);
        const far = Number(union.dataset.far);
        positionStatus.textContent = metres > far ? say(text.far, { metres: far }) : say(text.distance, { metres });
      }
      const data = new FormData(form);
      const payload = {
        union: Number(union.dataset.union),
        visited_at: new Date().toISOString(),
        duties: data.getAll("duties"),
        notes: data.get("notes") || "",
        findings: [],
      };
      if (here) payload.position = { type: "Point", coordinates: [here.lon, here.lat] };
      if (data.get("finding_kind") && (data.get("finding_description") || "").trim()) {
        payload.findings.push({
          kind: data.get("finding_kind"),
          category: data.get("finding_category") || "",
          description: data.get("finding_description"),
        });
      }
      const photos = data.getAll("photos").filter((file) => file && file.size > 0);
      await keep({ key: newKey(), payload, photos, photosDone: 0, visitId: null, error: null });
      form.reset();
      showCategory();
      button.disabled = false;
      report(navigator.onLine ? text.sent : text.queued);
      await sendQueue();
      if (!navigator.onLine) report(text.queued);
    });
  }

  showOffline();
  showQueue().then(sendQueue);
})();
