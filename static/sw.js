// Herald's service worker: shows every push as a visible notification,
// opens (or focuses) the story on a click and reports the click, and keeps
// the server's record current when the browser changes the subscription.
// Every push is a Declarative Web Push message, shown here the way a
// browser that supports them shows it without any worker. Herald's own
// data is in notification.data.herald: a story's {story: id}, or, for the
// site's own notifications (a digest of missed stories, "still
// interested?"), a {kind}, whose click counts no story's click.
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

// The query a story's link carries so that a page opened straight from a
// notification counts the click (delivery::payload::CLICK_QUERY). This
// worker counts its own clicks, so it opens the link without it.
var CLICK_QUERY = "from=notification";

function withoutClickQuery(url) {
  try {
    var u = new URL(url);
    u.search = u.search.replace(/^\?/, "").split("&").filter(function (p) { return p !== CLICK_QUERY; }).join("&");
    return u.href;
  } catch (e) {
    return url;
  }
}

// A push's payload as the notification to show. Herald sends Declarative
// Web Push messages: {"web_push": 8030, "notification": {title, navigate,
// body, tag, …}, "app_badge", "mutable"}. A message queued by an older
// Herald is flat ({title, body, url, tag, …}) and is read as one.
function message(event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json() || {}; } catch (e) { data = { body: event.data.text() }; }
  }
  if (typeof data !== "object") data = { body: String(data) };
  if (data.web_push === 8030 && data.notification && typeof data.notification === "object") {
    return { shown: data.notification, badge: data.app_badge };
  }
  var herald = { kind: text(data.kind, "") };
  if (!herald.kind && Number(data.tag) > 0) herald.story = Number(data.tag);
  return {
    shown: { title: data.title, body: data.body, navigate: data.url, tag: data.tag, icon: data.icon, image: data.image,
             renotify: data.renotify, timestamp: data.timestamp, data: { herald: herald } },
    badge: undefined
  };
}

function setBadge(count) {
  if (typeof count === "number" && count >= 0 && "setAppBadge" in navigator) {
    return navigator.setAppBadge(count).catch(function () {});
  }
  return Promise.resolve();
}

self.addEventListener("push", function (event) {
  // A browser that shows Declarative Web Push messages itself (Safari
  // 18.4+) hands this worker the notification it is about to show: it is
  // shown as sent, with its badge.
  if (event.notification) {
    if (typeof event.appBadge === "number") event.waitUntil(setBadge(event.appBadge));
    return;
  }
  var m = message(event);
  var n = m.shown;
  var herald = n.data && typeof n.data.herald === "object" && n.data.herald ? n.data.herald : {};
  var options = {
    body: text(n.body, ""),
    icon: text(n.icon, "/icons/icon-192.png"),
    badge: "/logo.svg",
    data: { url: siteUrl(text(n.navigate, "/")), herald: herald }
  };
  if (text(n.image, "")) options.image = n.image;
  if (text(n.lang, "")) options.lang = n.lang;
  if (n.dir === "ltr" || n.dir === "rtl" || n.dir === "auto") options.dir = n.dir;
  if (n.tag !== undefined && n.tag !== null && String(n.tag) !== "") options.tag = String(n.tag);
  // An update replaces the story's earlier notification (same tag) and
  // alerts again; renotify is only valid with a tag.
  if (options.tag && n.renotify === true) options.renotify = true;
  if (typeof n.timestamp === "number") options.timestamp = n.timestamp;
  // Always a visible notification, whatever the payload.
  event.waitUntil(Promise.all([
    self.registration.showNotification(text(n.title, "New story"), options),
    setBadge(m.badge)
  ]));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var herald = data.herald || {};
  var url = withoutClickQuery(siteUrl(data.url || "/"));
  var storyId = Number(herald.story);
  var report = token().then(function (t) {
    if (herald.kind || !Number.isInteger(storyId) || storyId <= 0) return null;
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
