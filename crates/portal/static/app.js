// Installs the service worker that makes the portal an installable app.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/portal/sw.js", { scope: "/portal/" });
}
