// Herald's service worker: shows every push as a visible notification,
// opens (or focuses) the story on a click and reports the click, and keeps
// the server's record current when the browser changes the subscription.
// A notification of the site's own (a digest of missed stories, "still
// interested?") carries a `kind` and no story id: a click opens its page
// and counts no story's click.
"use strict";

var TOKEN_CACHE = "herald-push";
var TOKEN_URL = "/__herald/token";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function text(value, fallback) {
  return typeof value === "string" && value.length > 0 ? value : fallback;
}

// Only addresses on this site may be opened from a notification.
function siteUrl(value) {
  try {
    var url = new URL(value, self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch (e) {
    return self.location.origin + "/";
  }
}

function token() {
  return caches.open(TOKEN_CACHE).then(function (cache) {
    return cache.match(TOKEN_URL);
  }).then(function (response) {
    return response ? response.text() : null;
  }).catch(function () { return null; });
}

function saveToken(value) {
  return caches.open(TOKEN_CACHE).then(function (cache) {
    return cache.put(TOKEN_URL, new Response(value));
  });
}

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json() || {}; } catch (e) { data = { body: event.data.text() }; }
  }
  if (typeof data !== "object") data = { body: String(data) };
  var title = text(data.title, "New story");
  var options = {
    body: text(data.body, ""),
    icon: text(data.icon, "/logo.svg"),
    badge: "/logo.svg",
    data: { url: siteUrl(text(data.url, "/")), tag: text(String(data.tag || ""), ""), kind: text(data.kind, "") }
  };
  if (text(data.image, "")) options.image = data.image;
  if (data.tag !== undefined && data.tag !== null && String(data.tag) !== "") options.tag = String(data.tag);
  // An update replaces the story's earlier notification (same tag) and
  // alerts again; renotify is only valid with a tag.
  if (options.tag && data.renotify === true) options.renotify = true;
  if (typeof data.timestamp === "number") options.timestamp = data.timestamp;
  // Always a visible notification, whatever the payload.
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var url = siteUrl(data.url || "/");
  var storyId = Number(data.tag);
  var report = token().then(function (t) {
    if (data.kind || !Number.isInteger(storyId) || storyId <= 0) return null;
    var headers = { "content-type": "application/json" };
    if (t) headers.authorization = "Bearer " + t;
    return fetch("/api/v1/push/clicks", {
      method: "POST",
      headers: headers,
      body: JSON.stringify({ story_id: storyId })
    }).catch(function () {});
  });
  var open = self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow(url);
  });
  event.waitUntil(Promise.all([report, open]));
});

self.addEventListener("pushsubscriptionchange", function (event) {
  event.waitUntil(
    fetch("/api/v1/push/vapid-public-key").then(function (r) { return r.json(); }).then(function (key) {
      if (event.newSubscription) return event.newSubscription;
      var raw = atob(key.public_key.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((key.public_key.length + 3) % 4));
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      return self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });
    }).then(function (subscription) {
      return token().then(function (t) {
        var headers = { "content-type": "application/json" };
        if (t) headers.authorization = "Bearer " + t;
        return fetch("/api/v1/push/subscriptions", {
          method: "POST",
          headers: headers,
          body: JSON.stringify({ subscription: subscription.toJSON(), topics: [] })
        });
      });
    }).then(function (response) {
      return response.ok ? response.json().then(function (body) { return saveToken(body.token); }) : null;
    })
  );
});
