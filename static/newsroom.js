// The newsroom's small enhancements. Every page works without this script:
// it only shows times in the editor's own time zone, keeps delivery numbers
// current while a notification is being sent, and, in the story editor,
// fills the slug, previews the body and the notification as they are typed,
// uploads the featured image, sends the browser's time zone with the form,
// makes a confirmation the server asks for modal, and copies a link shown
// once (an invite's) at the press of a button.
"use strict";

(() => {
  /** The session's CSRF token (the log-out form carries it on every page). */
  const csrfToken = () => document.querySelector('input[name="csrf"]')?.value ?? "";

  /** POSTs JSON with the CSRF header; resolves to {ok, status, body}. */
  async function postJson(url, payload) {
    const res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
      body: JSON.stringify(payload),
    });
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    return { ok: res.ok, status: res.status, body };
  }

  /** Calls `fn` once input has paused for `ms`. */
  function debounce(fn, ms) {
    let timer;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  /** An API error's message, or a fallback. */
  const errorMessage = (res, fallback) => res.body?.error?.message ?? fallback;

  // ---- Times in the reader's (here: the editor's) own time zone ----------
  const localFormat = new Intl.DateTimeFormat(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
  function showLocalTimes(root) {
    for (const el of root.querySelectorAll("time[data-local]")) {
      const at = new Date(el.getAttribute("datetime"));
      if (!Number.isNaN(at.getTime())) el.textContent = localFormat.format(at);
    }
  }

  // ---- Dashboard: delivery numbers while a fan-out runs ------------------
  /** Mirror DeliveryNumbers::from_stats and click_through in dashboard.rs. */
  function sending(stats) {
    return stats.retrying > 0 || stats.shards.some((s) => s.state !== "done");
  }
  function running(stats) {
    return stats.pending_jobs > 0 || sending(stats);
  }
  function clickThrough(clicked, delivered) {
    if (delivered <= 0) return "–";
    return `${(Math.round((clicked * 1000) / delivered) / 10).toFixed(1)}%`;
  }

  function watchDeliveries() {
    const rows = [...document.querySelectorAll('tr[data-story-id][data-live="true"]')];
    if (rows.length === 0) return;
    const status = document.getElementById("delivery-status");
    const started = Date.now();
    const poll = async () => {
      for (const row of [...rows]) {
        let stats;
        try {
          const res = await fetch(`/api/v1/stories/${row.dataset.storyId}/push-stats`, {
            credentials: "same-origin",
            headers: { accept: "application/json" },
          });
          if (!res.ok) continue;
          stats = await res.json();
        } catch {
          continue;
        }
        // The first notification's numbers, as the server printed them (an
        // update reaches the same readers again), and the story's clicks.
        const first = (stats.jobs ?? []).find((j) => j.kind === "original");
        const numbers = {
          queued: first?.queued ?? 0,
          sent: first?.sent ?? 0,
          delivered: first?.delivered ?? 0,
          gone: first?.gone ?? 0,
          failed: first?.failed ?? 0,
          clicked: stats.clicked,
        };
        for (const [field, value] of Object.entries(numbers)) {
          const cell = row.querySelector(`[data-field="${field}"]`);
          if (cell) cell.textContent = String(value);
        }
        const ctr = row.querySelector('[data-field="click_through"]');
        if (ctr) ctr.textContent = clickThrough(stats.clicked, numbers.delivered);
        const state = row.querySelector('[data-field="state"]');
        if (state && sending(stats)) state.textContent = "Sending…";
        if (!running(stats)) {
          rows.splice(rows.indexOf(row), 1);
          row.dataset.live = "false";
          row.querySelector('[data-field="state"]')?.replaceChildren("Sent");
          if (status) status.textContent = `Finished sending the notification for “${row.dataset.headline}”.`;
        }
      }
      if (rows.length > 0) {
        // Every 2 s at first; a fan-out still going after 5 minutes is
        // waiting on retries, so look less often.
        setTimeout(poll, Date.now() - started < 300_000 ? 2000 : 15_000);
      }
    };
    setTimeout(poll, 2000);
  }


  // ---- Editor: the slug follows the headline until it is edited --------
  /** Mirrors content::slug::slugify for Latin text; other scripts give "" (the server derives it). */
  function slugify(text) {
    const words = text
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    let slug = "";
    for (const word of words) {
      if (slug.length + word.length + 1 > 80) break;
      slug = slug ? `${slug}-${word}` : word;
    }
    return slug;
  }

  function followHeadline() {
    const source = document.querySelector("[data-slug-source]");
    const target = document.querySelector("[data-slug-target]");
    if (!source || !target) return;
    // A slug already different from the headline's was chosen by someone.
    let following = target.value === "" || target.value === slugify(source.value);
    source.addEventListener("input", () => {
      if (following) target.value = slugify(source.value);
    });
    target.addEventListener("input", () => {
      following = target.value === "";
    });
  }

  // ---- Editor: live preview of the body, by the site's own renderer ----
  function previewBody() {
    const source = document.querySelector("[data-preview-source]");
    const box = document.getElementById("body-preview");
    const status = document.getElementById("preview-status");
    if (!source || !box) return;
    let latest = 0;
    const update = debounce(async () => {
      const ticket = ++latest;
      let res;
      try {
        res = await postJson("/api/v1/admin/preview", { body_markdown: source.value });
      } catch {
        if (status) status.textContent = "The preview is not available just now.";
        return;
      }
      if (ticket !== latest) return;
      if (res.ok && typeof res.body?.html === "string") {
        // Sanitised by the server, exactly as the story page shows it.
        box.innerHTML = res.body.html;
        if (status) status.textContent = "";
      } else if (status) {
        status.textContent = errorMessage(res, "The preview could not be made.");
      }
    }, 500);
    source.addEventListener("input", update);
    if (status) status.textContent = "The preview follows your typing.";
    if (source.value.trim() !== "" && box.childElementCount === 0) update();
  }

  // ---- Editor: the notification as it will look, and its size ----------
  function previewNotifications() {
    for (const panel of document.querySelectorAll("[data-push-preview]")) {
      const form = panel.closest("form");
      if (!form) continue;
      const update = panel.dataset.pushPreview === "update";
      const storyForm = document.getElementById("story-form");
      const storyId = Number(storyForm?.dataset.storyId) || undefined;
      const field = (name) => form.querySelector(`[data-push-field="${name}"]`);
      const show = (name) => panel.querySelector(`[data-push-show="${name}"]`);
      const send = form.querySelector("#push_send");
      panel.hidden = false;
      let latest = 0;
      const refresh = debounce(async () => {
        if (send && !send.checked) {
          show("budget").textContent = "No notification will be sent.";
          return;
        }
        const request = {
          story_id: storyId,
          title: field("title")?.value ?? "",
          body: field("body")?.value ?? "",
          breaking: field("breaking")?.checked ?? false,
          update,
        };
        if (!update) {
          request.headline = document.getElementById("headline")?.value ?? "";
          request.standfirst = document.getElementById("standfirst")?.value ?? "";
          // Nothing typed yet is not an error: say what the panel will show.
          if (!request.title.trim() && !request.headline.trim()) {
            show("budget").textContent = "The notification takes the headline: write one to see it here.";
            panel.classList.remove("nr-over-budget");
            return;
          }
        }
        const ticket = ++latest;
        let res;
        try {
          res = await postJson("/api/v1/admin/push/preview", request);
        } catch {
          return;
        }
        if (ticket !== latest || !res.ok || !res.body) return;
        const p = res.body;
        show("title").textContent = p.title;
        show("body").textContent = p.body;
        let text = `${p.payload_bytes} of ${p.budget_bytes} bytes`;
        if (!p.fits) text += ": too long, the text will be shortened to fit";
        if (p.problems?.length) text += `. ${p.problems.map((x) => x.message).join(" ")}`;
        show("budget").textContent = text;
        panel.classList.toggle("nr-over-budget", !p.fits || (p.problems?.length ?? 0) > 0);
      }, 400);
      const inputs = [field("title"), field("body"), field("breaking"), send];
      if (!update) inputs.push(document.getElementById("headline"), document.getElementById("standfirst"));
      for (const input of inputs) {
        input?.addEventListener("input", refresh);
        input?.addEventListener("change", refresh);
      }
      refresh();
    }
  }

  // ---- Editor: featured image upload -----------------------------------
  function uploadImages() {
    const box = document.querySelector("[data-upload]");
    const file = document.getElementById("image_file");
    const button = document.getElementById("image-upload");
    const status = document.getElementById("upload-status");
    const alt = document.getElementById("image_alt");
    const credit = document.getElementById("image_credit");
    const url = document.getElementById("image_url");
    const thumb = document.getElementById("image-thumb");
    if (!box || !file || !button || !alt || !url) return;
    box.hidden = false;
    button.addEventListener("click", async () => {
      if (!file.files?.length) {
        status.textContent = "Choose an image file first.";
        file.focus();
        return;
      }
      if (alt.value.trim() === "") {
        status.textContent = "Write the image's description first: an upload needs it.";
        alt.focus();
        return;
      }
      const data = new FormData();
      data.append("file", file.files[0]);
      data.append("alt", alt.value);
      if (credit && credit.value.trim() !== "") data.append("credit", credit.value);
      button.disabled = true;
      status.textContent = "Uploading…";
      try {
        const res = await fetch("/api/v1/admin/images", {
          method: "POST",
          credentials: "same-origin",
          headers: { "x-csrf-token": csrfToken() },
          body: data,
        });
        const body = await res.json().catch(() => null);
        if (!res.ok || !body?.src) {
          status.textContent = `The image was not uploaded: ${errorMessage({ body }, `the server answered ${res.status}`)}`;
          return;
        }
        url.value = body.src;
        const img = document.createElement("img");
        img.src = body.variants?.[0]?.src ?? body.src;
        img.alt = alt.value;
        thumb?.replaceChildren(img);
        status.textContent = "Uploaded. Save the story to keep it.";
      } catch {
        status.textContent = "The image was not uploaded: the connection failed.";
      } finally {
        button.disabled = false;
      }
    });
  }

  // ---- Editor: schedule in the editor's own time zone ------------------
  const pad = (n) => String(n).padStart(2, "0");
  const localValue = (d) =>
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

  function scheduleInLocalTime() {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    for (const el of document.querySelectorAll("[data-tz-name]")) {
      el.textContent = zone ? `your time zone (${zone})` : "your time zone";
    }
    const input = document.getElementById("schedule_at");
    const offset = document.querySelector("[data-tz-offset]");
    if (!input || !offset) return;
    if (input.dataset.utc) {
      const at = new Date(input.dataset.utc);
      if (!Number.isNaN(at.getTime())) input.value = localValue(at);
    }
    // The offset of the zone at the chosen time (summer time included),
    // in minutes east of UTC, for the server to convert with.
    input.form?.addEventListener("submit", () => {
      const at = new Date(input.value);
      offset.value = Number.isNaN(at.getTime()) ? "" : String(-at.getTimezoneOffset());
    });
  }

  // ---- Confirmations -------------------------------------------------------
  // The server puts the question in the page, open; shown modal, it keeps
  // focus until the editor confirms or cancels (Escape cancels).
  function confirmModally() {
    const dialog = document.querySelector("dialog[data-confirm-dialog][open]");
    if (!dialog || typeof dialog.showModal !== "function") return;
    dialog.close();
    dialog.showModal();
  }

  // ---- A link shown once: a Copy button beside it ----------------------
  // Without script the link's input is readonly and can be selected and
  // copied by hand; the button appears where the clipboard can be written.
  function copyButtons() {
    if (!navigator.clipboard?.writeText) return;
    for (const button of document.querySelectorAll("button[data-copy]")) {
      const input = document.getElementById(button.dataset.copy);
      const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
      if (!input) continue;
      button.hidden = false;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(input.value);
          if (status) status.textContent = "Copied.";
        } catch {
          input.focus();
          input.select();
          if (status) status.textContent = "The browser refused to copy: press Ctrl+C (or ⌘C) to copy the selected link.";
        }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    confirmModally();
    copyButtons();
    showLocalTimes(document);
    watchDeliveries();
    followHeadline();
    previewBody();
    previewNotifications();
    uploadImages();
    scheduleInLocalTime();
  });
})();
