// Herald's page script. Every page works without it. With it:
// - an embedded video loads its player only when the reader asks for it;
// - the soft prompt offers notifications, and Follow buttons follow topics;
// - on a live story, "Follow this story" follows its key events;
// - /notifications shows and changes what this browser follows;
// - on every visit, the browser's push subscription and the server's record
//   are compared, and drift (a changed or lost endpoint) is repaired.
"use strict";

(function () {
  var YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
  var TOKEN_KEY = "herald.token";
  var SNOOZE_KEY = "herald.prompt.snoozedUntil";
  var TOKEN_CACHE = "herald-push";
  var TOKEN_URL = "/__herald/token";

  // --- Embeds -------------------------------------------------------------

  function enhanceVideo(figure) {
    var id = figure.getAttribute("data-embed-id");
    if (!id || !YOUTUBE_ID.test(id)) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "embed-load";
    button.textContent = "Play the video here (loads YouTube)";
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.src = "https://www.youtube-nocookie.com/embed/" + id + "?autoplay=1";
      frame.title = "YouTube video player";
      frame.width = "560";
      frame.height = "315";
      frame.allow = "autoplay; encrypted-media; picture-in-picture";
      frame.setAttribute("allowfullscreen", "");
      frame.className = "embed-frame";
      button.replaceWith(frame);
      frame.focus();
    });
    figure.appendChild(button);
  }

  document.querySelectorAll("figure.embed-youtube").forEach(enhanceVideo);

  // --- Push: support, token, API -----------------------------------------

  function pushSupported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function token() {
    try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  // The token is kept where the page and the service worker can both read it.
  function saveToken(value) {
    try {
      if (value) localStorage.setItem(TOKEN_KEY, value); else localStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage disabled */ }
    if (!("caches" in window)) return Promise.resolve();
    return caches.open(TOKEN_CACHE).then(function (cache) {
      return value ? cache.put(TOKEN_URL, new Response(value)) : cache.delete(TOKEN_URL);
    }).catch(function () {});
  }

  function api(method, path, body, withToken) {
    var headers = { "content-type": "application/json" };
    var t = token();
    if (withToken !== false && t) headers.authorization = "Bearer " + t;
    return fetch("/api/v1/push/" + path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 204) return { status: 204, body: null };
      return response.json().then(function (json) { return { status: response.status, body: json }; });
    });
  }

  function keyBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function registration() {
    return navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function browserSubscription(reg) {
    return reg.pushManager.getSubscription().then(function (existing) {
      if (existing) return existing;
      return api("GET", "vapid-public-key", undefined, false).then(function (answer) {
        return reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(answer.body.public_key)
        });
      });
    });
  }

  // Registers this browser's subscription with the server, following `topics`.
  function register(subscription, topics) {
    return api("POST", "subscriptions", { subscription: subscription.toJSON(), topics: topics })
      .then(function (answer) {
        if (answer.status === 401) {
          // Our token is stale: register afresh.
          return saveToken(null).then(function () { return register(subscription, topics); });
        }
        if (answer.status !== 200 && answer.status !== 201) {
          throw new Error(answer.body && answer.body.error ? answer.body.error.message : "registration failed");
        }
        return saveToken(answer.body.token).then(function () { return answer.body; });
      });
  }

  // How long the browser's push service may take to give a subscription.
  var PUSH_SERVICE_WAIT_MS = 10000;

  function failure(name, message) {
    var e = new Error(message);
    e.name = name;
    return e;
  }

  // `promise`, or a TimeoutError after `ms`.
  function withinTime(promise, ms) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(failure("TimeoutError", "the push service did not answer"));
      }, ms);
      promise.then(function (value) { clearTimeout(timer); resolve(value); },
        function (e) { clearTimeout(timer); reject(e); });
    });
  }

  // The browser's permission request, then subscription and registration.
  // Fails with a name `failed` explains: PermissionDenied, PermissionDismissed,
  // TimeoutError, or the browser's own (NotAllowedError in a private window).
  function subscribe(topics) {
    return Notification.requestPermission().then(function (permission) {
      if (permission === "denied") throw failure("PermissionDenied", "notifications are blocked");
      if (permission !== "granted") throw failure("PermissionDismissed", "notifications were not allowed");
      return withinTime(registration().then(browserSubscription), PUSH_SERVICE_WAIT_MS).then(function (sub) {
        return register(sub, topics);
      }).then(function (answer) {
        // Quiet hours and digests keep to the reader's clock: tell the server which.
        return api("PUT", "subscriptions/preferences", { time_zone: browserZone() })
          .catch(function () {}).then(function () { return answer; });
      });
    });
  }

  var sayTimer = null;

  // Puts `message` in the polite live region, which screen readers announce.
  // It is also shown for a few seconds, unless `quiet` (for something the
  // reader can already see, such as the soft prompt).
  function say(message, quiet) {
    var status = document.getElementById("push-status");
    if (!status) return;
    status.textContent = message;
    clearTimeout(sayTimer);
    status.classList.remove("visible");
    if (quiet) return;
    status.classList.add("visible");
    sayTimer = setTimeout(function () { status.classList.remove("visible"); }, 8000);
  }

  // Says why notifications could not be turned on, in the reader's words,
  // with a way on: `retry` is offered where trying again can help.
  function failed(e, retry) {
    var name = e && e.name;
    if (name === "PermissionDenied") {
      say("Notifications are blocked for this site in your browser. To allow them, open the site's settings " +
        "(the icon at the left of the address bar), set Notifications to Allow, then try again.");
    } else if (name === "PermissionDismissed") {
      say("Notifications were not allowed. You can turn them on at any time with a Follow button or on the Notifications page.");
    } else if (name === "TimeoutError" || name === "AbortError") {
      sayWithRetry("Your browser's push service did not answer, so notifications are not on yet. " +
        "Check your connection, then try again.", retry);
    } else if (name === "NotAllowedError" || name === "NotSupportedError" || name === "InvalidStateError") {
      say("This browser cannot receive notifications here: in a private window, for example, they are turned off. " +
        "Open the site in a normal window to get reminders.");
    } else {
      say("Could not turn on notifications: " + (e && e.message ? e.message : "please try again") + ".");
    }
  }

  // Like `say`, with a "Try again" button that stays until pressed.
  function sayWithRetry(message, retry) {
    say(message);
    var status = document.getElementById("push-status");
    if (!status || !retry) return;
    clearTimeout(sayTimer);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary push-retry";
    button.textContent = "Try again";
    button.addEventListener("click", function () {
      status.classList.remove("visible");
      status.textContent = "";
      retry();
    });
    status.append(" ", button);
    status.classList.add("visible", "actionable");
  }

  function names(topics) {
    var list = topics.map(function (t) { return t.name; });
    if (list.length < 2) return list.join("");
    return list.slice(0, -1).join(", ") + " and " + list[list.length - 1];
  }

  // --- Follow state --------------------------------------------------------

  var followed = null; // slugs, once known

  // One toggle per topic: aria-pressed says whether it is on; a Follow
  // button then reads "Following Politics", the style sheet adds the tick.
  function showFollowState() {
    document.querySelectorAll(".follow-button, .topic-toggle").forEach(function (button) {
      var slug = button.getAttribute("data-topic");
      var on = !!followed && followed.indexOf(slug) !== -1;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      if (button.classList.contains("follow-button")) {
        button.textContent = (on ? "Following " : "Follow ") + button.getAttribute("data-topic-name");
      }
    });
    showTopicModes();
  }

  function setFollowed(topics) {
    followed = topics.map(function (t) { return t.slug; });
    showFollowState();
  }

  function toggleTopic(button) {
    var slug = button.getAttribute("data-topic");
    if (!token() || Notification.permission !== "granted") {
      subscribe([slug, "breaking"]).then(function (answer) {
        setFollowed(answer.topics);
        refreshPreferences();
        say("You now follow " + names(answer.topics) + ".");
      }).catch(function (e) { failed(e, function () { toggleTopic(button); }); });
      return;
    }
    // PUT replaces the whole set: before this visit's sync has said what we
    // follow, ask, rather than drop the rest.
    var known = followed ? Promise.resolve(followed) : api("GET", "subscriptions/topics").then(function (answer) {
      if (answer.status !== 200) throw new Error(answer.body.error.message);
      return answer.body.topics.map(function (t) { return t.slug; });
    });
    var adding;
    known.then(function (current) {
      var next = current.filter(function (s) { return s !== slug; });
      adding = next.length === current.length;
      if (adding) next.push(slug);
      return api("PUT", "subscriptions/topics", { topics: next });
    }).then(function (answer) {
      if (answer.status !== 200) throw new Error(answer.body.error.message);
      setFollowed(answer.body.topics);
      say((adding ? "You now follow " : "You no longer follow ") + button.getAttribute("data-topic-name") + ".");
    }).catch(function (e) { say("Could not change your topics: " + e.message); });
  }

  // --- Follow this story ------------------------------------------------------
  // A live story's page has a "Follow this story" toggle by its Live badge
  // (none once its coverage has ended). Pressed, it follows the story
  // (PUT subscriptions/stories/{slug}) after the same permission and
  // subscription as a topic's Follow button: each key event posted in the
  // story is then a notification. The soft prompt offers it too.

  function storyButton() {
    return document.querySelector(".follow-story");
  }

  function showStoryFollowState(button, on) {
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Following this story" : "Follow this story";
  }

  // Follows the story (`on`) or no longer; says so unless `quiet`.
  function setStoryFollow(button, on, quiet) {
    var path = "subscriptions/stories/" + encodeURIComponent(button.getAttribute("data-story"));
    return api(on ? "PUT" : "DELETE", path).then(function (answer) {
      if (answer.status !== 200 && answer.status !== 201 && answer.status !== 204) {
        throw new Error(answer.body && answer.body.error ? answer.body.error.message : "please try again");
      }
      showStoryFollowState(button, on);
      if (!quiet) {
        say(on ? "You now follow this story: each key event will be a notification." : "You no longer follow this story.");
      }
    }).catch(function (e) { say("Could not change this: " + e.message); });
  }

  function toggleStory(button) {
    var on = button.getAttribute("aria-pressed") !== "true";
    if (token() && Notification.permission === "granted") {
      setStoryFollow(button, on);
      return;
    }
    subscribe([]).then(function (answer) {
      setFollowed(answer.topics);
      refreshPreferences();
      return setStoryFollow(button, true);
    }).catch(function (e) { failed(e, function () { toggleStory(button); }); });
  }

  // Whether this browser follows the story, once it has a token.
  function syncStoryFollow() {
    var button = storyButton();
    if (!button || !token()) return Promise.resolve();
    return api("GET", "subscriptions/stories").then(function (answer) {
      if (answer.status !== 200) return;
      var slug = button.getAttribute("data-story");
      showStoryFollowState(button, answer.body.stories.some(function (s) { return s.slug === slug; }));
    }).catch(function () {});
  }

  function setupStoryFollow() {
    var button = storyButton();
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () { toggleStory(button); });
  }

  // The soft prompt's choice of this story, first of its choices.
  var STORY_CHOICE = "story";

  function storyChoice() {
    return storyButton() ? [STORY_CHOICE, "Key events in this story"] : null;
  }

  // Takes the story's choice out of the prompt's `chosen` values: the
  // story's button when it was ticked, else null.
  function takeStoryChoice(chosen) {
    var at = chosen.indexOf(STORY_CHOICE);
    if (at === -1) return null;
    chosen.splice(at, 1);
    return storyButton();
  }

  // --- The soft prompt ------------------------------------------------------

  function snoozed() {
    try { return Number(localStorage.getItem(SNOOZE_KEY) || 0) > Date.now(); } catch (e) { return false; }
  }

  // The topics OK follows, each a ticked checkbox the reader may untick:
  // the story's (or the topic page's) and Breaking news.
  function offerChoices(prompt) {
    var choices = [];
    document.querySelectorAll("article.story .follow-button, .topic-head .follow-button").forEach(function (button) {
      choices.push([button.getAttribute("data-topic"), button.getAttribute("data-topic-name")]);
    });
    if (!choices.some(function (c) { return c[0] === "breaking"; })) choices.push(["breaking", "Breaking news"]);
    var story = storyChoice();
    if (story) choices.unshift(story);
    var fieldset = document.createElement("fieldset");
    fieldset.className = "prompt-choices";
    var legend = document.createElement("legend");
    legend.textContent = "Remind me of new stories on:";
    fieldset.append(legend);
    choices.forEach(function (choice, i) {
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = choice[0];
      box.id = "prompt-choice-" + i;
      label.htmlFor = box.id;
      label.textContent = choice[1];
      var row = document.createElement("div");
      row.append(box, " ", label);
      fieldset.append(row);
    });
    prompt.querySelector(".push-prompt-buttons").before(fieldset);
  }

  // On iPhone and iPad, Safari has no PushManager outside the Home Screen:
  // web push works only for a site added to it and opened from there.
  function needsHomeScreen() {
    var ua = navigator.userAgent || "";
    var apple = /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
    var installed = navigator.standalone === true ||
      (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
    return apple && !installed && !("PushManager" in window);
  }

  // With `homeScreen`, the prompt explains in two steps how to add the site
  // to the Home Screen instead of offering OK; "Not now" works the same.
  function setupPrompt(homeScreen) {
    var prompt = document.getElementById("push-prompt");
    function undecided() {
      return homeScreen || (!token() && Notification.permission === "default");
    }
    if (!prompt || !undecided() || snoozed()) return;
    if (homeScreen) {
      prompt.querySelector("[data-prompt=ok]").hidden = true;
      prompt.querySelector("#push-prompt-home-screen").hidden = false;
      prompt.setAttribute("aria-describedby", "push-prompt-home-screen");
    }
    var delay = Number(prompt.getAttribute("data-delay-seconds")) * 1000;
    var fraction = Number(prompt.getAttribute("data-scroll-fraction"));
    var snoozeDays = Number(prompt.getAttribute("data-snooze-days"));
    var shown = false;
    var returnFocus = null; // where the reader was before moving into the prompt
    // The prompt is not modal: it appears without taking focus, and its
    // text is announced, with where to find its buttons.
    function show() {
      if (shown || !undecided()) return;
      shown = true;
      prompt.hidden = false;
      window.removeEventListener("scroll", onScroll);
      var text = prompt.querySelector("#push-prompt-text").textContent.trim();
      if (homeScreen) {
        say(text + " " + prompt.querySelector("#push-prompt-home-screen").textContent.replace(/\s+/g, " ").trim() +
          " The Not now button is at the end of the page.", true);
      } else {
        say(text + " The OK and Not now buttons are at the end of the page.", true);
      }
    }
    function hide() {
      var hadFocus = prompt.contains(document.activeElement);
      prompt.hidden = true;
      if (!hadFocus) return;
      var back = returnFocus && document.contains(returnFocus) ? returnFocus : document.getElementById("main");
      if (back) back.focus();
    }
    prompt.addEventListener("focusin", function (event) {
      if (event.relatedTarget && !prompt.contains(event.relatedTarget)) returnFocus = event.relatedTarget;
    });
    function onScroll() {
      var article = document.querySelector("article.story") || document.querySelector("main");
      var rect = article.getBoundingClientRect();
      var read = (window.innerHeight - rect.top) / Math.max(rect.height, 1);
      if (read >= fraction) show();
    }
    setTimeout(show, delay);
    window.addEventListener("scroll", onScroll, { passive: true });
    if (!homeScreen) offerChoices(prompt);
    function accept() {
      var topics = [];
      prompt.querySelectorAll(".prompt-choices input:checked").forEach(function (box) { topics.push(box.value); });
      var story = takeStoryChoice(topics);
      if (topics.length === 0 && !story) { say("Nothing chosen: tick a topic to be reminded of, or press Not now."); return; }
      hide();
      subscribe(topics).then(function (answer) {
        setFollowed(answer.topics);
        var followed = names(answer.topics.concat(story ? [{ name: "this story" }] : []));
        say("Done. You now follow " + followed + ".");
        if (story) return setStoryFollow(story, true, true);
      }).catch(function (e) { failed(e, accept); });
    }
    prompt.querySelector("[data-prompt=ok]").addEventListener("click", accept);
    prompt.querySelector("[data-prompt=not-now]").addEventListener("click", function () {
      try { localStorage.setItem(SNOOZE_KEY, String(Date.now() + snoozeDays * 86400000)); } catch (e) { /* ignore */ }
      hide();
    });
    prompt.addEventListener("keydown", function (event) {
      if (event.key === "Escape") prompt.querySelector("[data-prompt=not-now]").click();
    });
  }

  // --- The preferences page ---------------------------------------------------

  // The page shows the state this browser is in, from what it knows
  // itself (no request), as soon as the script runs, and again after each
  // change. Without script, CSS shows the "cannot receive" section.
  function refreshPreferences() {
    var unsupported = document.getElementById("prefs-unsupported");
    if (!unsupported) return;
    var off = document.getElementById("prefs-off");
    var on = document.getElementById("prefs-on");
    unsupported.hidden = pushSupported();
    if (!pushSupported()) return;
    var subscribed = !!token() && Notification.permission === "granted";
    off.hidden = subscribed;
    on.hidden = !subscribed;
    document.getElementById("prefs-blocked").hidden = Notification.permission !== "denied";
  }

  function setupPreferences() {
    var page = document.getElementById("prefs-on");
    if (!page) return;
    refreshPreferences();
    document.querySelector("[data-action=subscribe]").addEventListener("click", function () {
      var turnOn = function () {
        subscribe(["breaking"]).then(function (answer) {
          setFollowed(answer.topics);
          say("Notifications are on.");
          refreshPreferences();
          return loadReminders();
        }).catch(function (e) { refreshPreferences(); failed(e, turnOn); });
      };
      turnOn();
    });
    var pause = document.querySelector("[data-action=pause]");
    pause.addEventListener("click", function () {
      var next = pause.getAttribute("aria-pressed") !== "true";
      api("PUT", "subscriptions/paused", { paused: next }).then(function (answer) {
        if (answer.status !== 200) throw new Error(answer.body.error.message);
        pause.setAttribute("aria-pressed", next ? "true" : "false");
        pause.textContent = next ? "Resume notifications" : "Pause all notifications";
        say(next ? "Notifications are paused." : "Notifications are back on.");
      }).catch(function (e) { say("Could not change this: " + e.message); });
    });
    document.querySelector("[data-action=unsubscribe]").addEventListener("click", function () {
      api("DELETE", "subscriptions").then(function () {
        return registration().then(function (reg) { return reg.pushManager.getSubscription(); });
      }).then(function (sub) {
        return sub ? sub.unsubscribe() : true;
      }).then(function () {
        return saveToken(null);
      }).then(function () {
        followed = [];
        showFollowState();
        refreshPreferences();
        say("You are unsubscribed. You will get no more notifications.");
      }).catch(function (e) { say("Could not unsubscribe: " + e.message); });
    });
  }

  // --- Reminder settings and missed stories (/notifications) ----------------

  var TIME_OF_DAY = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
  var REASONS = {
    cap: "Over your daily limit",
    quiet_hours: "During your quiet hours",
    digest: "For your daily digest"
  };
  // Each field the API names in its errors: its input and its error text.
  var REMINDER_FIELDS = {
    "max_per_day": ["max-per-day", "max-per-day-error"],
    "quiet_hours.start": ["quiet-start", "quiet-start-error"],
    "quiet_hours.end": ["quiet-end", "quiet-end-error"],
    "time_zone": ["time-zone", "time-zone-error"],
    "digest_time": ["digest-time", "digest-time-error"],
    "digest_topics": [null, "digest-topics-error"]
  };
  var savedDigestTopics = [];

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { return "UTC"; }
  }

  function knownZone(name) {
    if (!name) return false;
    try { Intl.DateTimeFormat("en", { timeZone: name }); return true; } catch (e) { return false; }
  }

  // A topic's digest choice shows only for the topics this browser follows.
  function showTopicModes() {
    var rows = document.querySelectorAll("[data-topic-mode]");
    var shown = 0;
    rows.forEach(function (row) {
      var on = !!followed && followed.indexOf(row.getAttribute("data-topic-mode")) !== -1;
      row.hidden = !on;
      if (on) shown++;
    });
    var none = document.getElementById("topic-modes-none");
    if (none) none.hidden = shown > 0;
  }

  function showQuietState() {
    var on = document.getElementById("quiet-on").checked;
    document.getElementById("quiet-start").disabled = !on;
    document.getElementById("quiet-end").disabled = !on;
  }

  function fillReminderForm(prefs) {
    document.getElementById("max-per-day").value = String(prefs.max_per_day);
    document.getElementById("quiet-on").checked = !!prefs.quiet_hours;
    document.getElementById("quiet-start").value = prefs.quiet_hours ? prefs.quiet_hours.start : "22:00";
    document.getElementById("quiet-end").value = prefs.quiet_hours ? prefs.quiet_hours.end : "07:00";
    // A zone never set is UTC on the server: offer this browser's instead.
    var zone = prefs.time_zone === "UTC" && knownZone(browserZone()) ? browserZone() : prefs.time_zone;
    document.getElementById("time-zone").value = zone;
    document.getElementById("digest-time").value = prefs.digest_time;
    document.getElementById("breaking-overrides").checked = !!prefs.breaking_overrides;
    savedDigestTopics = prefs.digest_topics.slice();
    document.querySelectorAll("select[data-topic]").forEach(function (select) {
      select.value = savedDigestTopics.indexOf(select.getAttribute("data-topic")) !== -1 ? "digest" : "now";
    });
    showQuietState();
  }

  function readReminderForm() {
    var digest = savedDigestTopics.slice();
    document.querySelectorAll("[data-topic-mode]:not([hidden]) select[data-topic]").forEach(function (select) {
      var slug = select.getAttribute("data-topic");
      digest = digest.filter(function (s) { return s !== slug; });
      if (select.value === "digest") digest.push(slug);
    });
    var quietOn = document.getElementById("quiet-on").checked;
    var max = document.getElementById("max-per-day").value.trim();
    return {
      max_per_day: /^[0-9]+$/.test(max) ? Number(max) : max,
      quiet_hours: quietOn ? {
        start: document.getElementById("quiet-start").value,
        end: document.getElementById("quiet-end").value
      } : null,
      time_zone: document.getElementById("time-zone").value.trim(),
      digest_topics: digest,
      digest_time: document.getElementById("digest-time").value,
      breaking_overrides: document.getElementById("breaking-overrides").checked
    };
  }

  // The same checks as the server's, so most mistakes show at once.
  function checkReminderForm(body) {
    var errors = [];
    if (typeof body.max_per_day !== "number" || body.max_per_day > 50) {
      errors.push(["max_per_day", "Enter a whole number from 0 to 50."]);
    }
    if (body.quiet_hours) {
      if (!TIME_OF_DAY.test(body.quiet_hours.start)) errors.push(["quiet_hours.start", "Enter a time, such as 22:00."]);
      if (!TIME_OF_DAY.test(body.quiet_hours.end)) errors.push(["quiet_hours.end", "Enter a time, such as 07:00."]);
      else if (body.quiet_hours.start === body.quiet_hours.end) errors.push(["quiet_hours.end", "Quiet hours must end at another time than they start."]);
    }
    if (!knownZone(body.time_zone)) errors.push(["time_zone", "Enter a time zone such as Europe/London."]);
    if (!TIME_OF_DAY.test(body.digest_time)) errors.push(["digest_time", "Enter a time, such as 08:00."]);
    return errors;
  }

  // The API's "field: message; field: message", as pairs.
  function apiFieldErrors(message) {
    return message.split("; ").map(function (part) {
      var at = part.indexOf(": ");
      var field = at === -1 ? "" : part.slice(0, at).replace(/\[[0-9]+\]$/, "");
      return [field, at === -1 ? part : part.slice(at + 2)];
    });
  }

  function showReminderErrors(errors) {
    var first = null;
    Object.keys(REMINDER_FIELDS).forEach(function (field) {
      var ids = REMINDER_FIELDS[field];
      var input = ids[0] && document.getElementById(ids[0]);
      var text = document.getElementById(ids[1]);
      var found = errors.filter(function (e) { return e[0] === field; }).map(function (e) { return e[1]; });
      text.textContent = found.join(" ");
      text.hidden = found.length === 0;
      if (input) {
        if (found.length) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
        if (found.length && !first) first = input;
      }
    });
    if (first) first.focus();
  }

  function loadReminders() {
    var form = document.getElementById("reminder-form");
    if (!form || !token()) return Promise.resolve();
    return Promise.all([
      api("GET", "subscriptions/preferences").then(function (answer) {
        if (answer.status === 200) fillReminderForm(answer.body);
      }),
      loadMissed()
    ]).catch(function () { /* offline: the form keeps its defaults */ });
  }

  function loadMissed() {
    var list = document.getElementById("missed-list");
    if (!list) return Promise.resolve();
    return api("GET", "subscriptions/missed").then(function (answer) {
      if (answer.status !== 200) return;
      list.textContent = "";
      answer.body.stories.forEach(function (story) {
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
      document.getElementById("missed-empty").hidden = answer.body.stories.length > 0;
      if (location.hash === "#missed") document.getElementById("missed").focus();
    });
  }

  function setupReminders() {
    var form = document.getElementById("reminder-form");
    if (!form) return;
    var zones = document.getElementById("time-zones");
    if (zones && typeof Intl.supportedValuesOf === "function") {
      Intl.supportedValuesOf("timeZone").forEach(function (zone) {
        var option = document.createElement("option");
        option.value = zone;
        zones.appendChild(option);
      });
    }
    document.getElementById("time-zone").value = browserZone();
    document.getElementById("quiet-on").addEventListener("change", showQuietState);
    showQuietState();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = readReminderForm();
      var errors = checkReminderForm(body);
      showReminderErrors(errors);
      if (errors.length) { say("Please correct the settings marked."); return; }
      api("PUT", "subscriptions/preferences", body).then(function (answer) {
        if (answer.status === 200) {
          fillReminderForm(answer.body);
          say("Your settings are saved.");
          return;
        }
        var message = answer.body && answer.body.error ? answer.body.error.message : "something went wrong";
        if (answer.status === 400) showReminderErrors(apiFieldErrors(message));
        say("Your settings were not saved: " + message);
      }).catch(function (e) { say("Your settings were not saved: " + e.message); });
    });
  }

  // A story's notification links to it with ?from=notification
  // (delivery::payload::CLICK_QUERY). A browser that shows Declarative Web
  // Push messages itself opens that link without the service worker, so
  // the page counts the click. The mark comes off the address at once, so
  // that a shared or bookmarked link does not carry it.
  function takeClickMark() {
    var params = new URLSearchParams(location.search);
    if (params.get("from") !== "notification") return false;
    params.delete("from");
    var rest = params.toString();
    history.replaceState(history.state, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
    return true;
  }

  function countClick() {
    var story = document.querySelector("article.story[data-story-id]");
    if (!story || !token()) return;
    api("POST", "clicks", { story_id: Number(story.getAttribute("data-story-id")) }).catch(function () {});
  }

  // A story read in this browser is never reminded.
  function markOpened() {
    var match = /^\/stories\/([^\/]+)$/.exec(location.pathname);
    if (!match || !token() || !document.querySelector("article.story")) return;
    api("POST", "subscriptions/opened", { slug: decodeURIComponent(match[1]) }).catch(function () {});
  }

  // --- Every visit: compare and repair --------------------------------------

  // The service worker keeps its copy of the token in the Cache API, and
  // writes a new one there when it re-registers a changed subscription
  // (pushsubscriptionchange), where the page cannot hear it: adopt it.
  function adoptWorkerToken() {
    if (!("caches" in window)) return Promise.resolve();
    return caches.open(TOKEN_CACHE).then(function (cache) {
      return cache.match(TOKEN_URL);
    }).then(function (response) {
      return response ? response.text() : null;
    }).then(function (value) {
      if (value && value !== token()) {
        try { localStorage.setItem(TOKEN_KEY, value); } catch (e) { /* storage disabled */ }
      }
    }).catch(function () {});
  }

  function syncWithServer() {
    return adoptWorkerToken().then(syncWithToken);
  }

  function syncWithToken() {
    if (!token() && Notification.permission !== "granted") return Promise.resolve();
    return navigator.serviceWorker.getRegistration("/").then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (sub) {
      if (!token()) {
        // Permission without a token (storage cleared): register what we have.
        return sub ? register(sub, []).then(function (a) { setFollowed(a.topics); }) : null;
      }
      var sent = token();
      return api("GET", "subscriptions").then(function (answer) {
        if (answer.status === 401) {
          return adoptWorkerToken().then(function () {
            // Another tab or the service worker has just replaced the token.
            if (token() !== sent) return syncWithToken();
            // The server no longer knows this browser (the push service said
            // the subscription was gone, or it was deleted): notifications are
            // off. The browser's subscription goes too, so that a later visit
            // does not register it again silently, following nothing.
            return saveToken(null).then(function () {
              followed = [];
              showFollowState();
              return sub ? sub.unsubscribe() : null;
            });
          });
        }
        if (answer.status !== 200) return null;
        var server = answer.body;
        var pause = document.querySelector("[data-action=pause]");
        if (pause) {
          pause.setAttribute("aria-pressed", server.paused ? "true" : "false");
          pause.textContent = server.paused ? "Resume notifications" : "Pause all notifications";
        }
        setFollowed(server.topics);
        if (Notification.permission !== "granted") return null;
        if (!sub || sub.endpoint !== server.endpoint) {
          // Drift: the browser's subscription changed or expired. Move ours.
          return registration().then(browserSubscription).then(function (fresh) {
            return register(fresh, []);
          }).then(function (a) { setFollowed(a.topics); });
        }
        return null;
      });
    }).catch(function () { /* offline or blocked: try next visit */ });
  }

  // Share with the device's own sheet where there is one; the plain links
  // stay for everyone.
  document.querySelectorAll(".share-native").forEach(function (button) {
    if (!navigator.share) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var canonical = document.querySelector('link[rel="canonical"]');
      navigator.share({
        title: button.getAttribute("data-share-title"),
        url: canonical ? canonical.href : location.href,
      }).catch(function () { /* dismissed */ });
    });
  });

  var openedFromNotification = takeClickMark();
  refreshPreferences();
  // The app's badge counts the stories a digest said were waiting: a
  // visit is the reader catching up.
  if ("clearAppBadge" in navigator) navigator.clearAppBadge().catch(function () {});
  if (needsHomeScreen()) {
    setupPrompt(true);
    // Following needs push, which needs the Home Screen here: each Follow
    // button says how, whenever the reader asks (the prompt may be
    // snoozed).
    document.querySelectorAll(".follow-button, .topic-toggle, .follow-story").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        say("To follow " + (button.getAttribute("data-topic-name") || "a topic") + " on iPhone or iPad, add this site " +
          "to your Home Screen first: tap Share, then Add to Home Screen, and open it from there.");
      });
    });
    return;
  }
  if (!pushSupported()) {
    // Nothing to follow with: the buttons' kept room goes (style.css).
    document.documentElement.classList.add("no-push");
    return;
  }
  document.querySelectorAll(".follow-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { toggleTopic(button); });
  });
  document.querySelectorAll(".topic-toggle").forEach(function (button) {
    button.addEventListener("click", function () { toggleTopic(button); });
  });
  setupStoryFollow();
  setupPreferences();
  setupReminders();
  setupPrompt(false);
  syncWithServer().then(function () {
    syncStoryFollow();
    refreshPreferences();
    if (openedFromNotification) countClick();
    markOpened();
    return loadReminders();
  });
})();
