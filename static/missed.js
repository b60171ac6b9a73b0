// The missed-stories page (/notifications/missed), where a digest
// notification leads: lists the stories this browser's reader missed, read
// from the API with the subscription token the browser keeps (in its
// storage, never in the page's address, which would land in server logs).
"use strict";

(function () {
  var TOKEN_KEY = "herald.token";
  var TOKEN_CACHE = "herald-push";
  var TOKEN_URL = "/__herald/token";
  var REASONS = {
    cap: "Over your daily limit",
    quiet_hours: "During your quiet hours",
    digest: "For your daily digest"
  };
  var region = document.getElementById("missed-stories");
  var status = document.getElementById("missed-status");
  var list = document.getElementById("missed-page-list");
  if (!region || !status || !list) return;

  function storedToken() {
    try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  // The service worker's copy (Cache API), when the page's is missing.
  function workerToken() {
    if (!("caches" in window)) return Promise.resolve(null);
    return caches.open(TOKEN_CACHE).then(function (cache) {
      return cache.match(TOKEN_URL);
    }).then(function (response) {
      return response ? response.text() : null;
    }).catch(function () { return null; });
  }

  function say(message) {
    status.textContent = message;
  }

  function names(topics) {
    var all = topics.map(function (t) { return t.name; });
    if (all.length < 2) return all.join("");
    return all.slice(0, -1).join(", ") + " and " + all[all.length - 1];
  }

  function render(stories) {
    list.textContent = "";
    stories.forEach(function (story) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = story.url;
      link.textContent = story.headline;
      var meta = document.createElement("span");
      meta.className = "missed-meta";
      var when = story.reminded_at_text ? "reminded " + story.reminded_at_text
        : story.due_at_text ? "reminder due " + story.due_at_text : "";
      meta.textContent = [names(story.topics), REASONS[story.reason] || "", when].filter(Boolean).join(" · ");
      item.appendChild(link);
      item.appendChild(meta);
      list.appendChild(item);
    });
    list.hidden = stories.length === 0;
    say(stories.length === 0 ? "Nothing is waiting for you: you have not missed a story."
      : stories.length === 1 ? "1 story you missed." : stories.length + " stories you missed.");
  }

  var token = storedToken();
  (token ? Promise.resolve(token) : workerToken()).then(function (t) {
    if (!t) {
      say("Notifications are not turned on in this browser, so no missed stories were kept for it.");
      return null;
    }
    return fetch("/api/v1/push/subscriptions/missed", {
      headers: { authorization: "Bearer " + t },
      cache: "no-store"
    }).then(function (response) {
      if (response.status === 401) {
        say("This browser's notifications are off, so no missed stories were kept for it.");
        return null;
      }
      if (!response.ok) {
        say("Your missed stories could not be loaded. Please try again later.");
        return null;
      }
      return response.json().then(function (body) { render(body.stories || []); });
    });
  }).catch(function () {
    say("Your missed stories could not be loaded. Are you offline?");
  }).then(function () {
    region.setAttribute("aria-busy", "false");
  });
})();
