/* UnionHub zone work: keeps /m/ pages and their static files available without signal.
   Pages: network first, the cached copy when offline. Static files: cache first.
   The API is never cached: visits made offline wait in the page's IndexedDB queue.
   Grievance pages (/m/grievances/) are never kept on the phone: they carry submitters' details. */
const CACHE = "unionhub-mobile-{{ version|escapejs }}";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}", {% endfor %}"/m/"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

// The list page sends the addresses of its unions' pages: keep them for offline use.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "precache") {
    event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(event.data.urls)).catch(() => undefined));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (
    request.method !== "GET" ||
    url.origin !== self.location.origin ||
    url.pathname.startsWith("/api/") ||
    url.pathname.startsWith("/m/grievances/")
  ) {
    return;
  }
  if (request.mode === "navigate" || url.pathname.startsWith("/m/")) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request).then((hit) => hit || caches.match("/m/")))
    );
    return;
  }
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
