// The portal's service worker: it keeps the page shell (style, icon, manifest) for offline
// starts and sends every page and form to the network, so no record is ever served stale.
const SHELL = "bonded-shell-v1";
const FILES = ["/portal/static/portal.css", "/portal/static/icon.svg", "/portal/manifest.webmanifest"];
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(FILES)));
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method === "GET" && FILES.includes(url.pathname)) {
    event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
  }
});
