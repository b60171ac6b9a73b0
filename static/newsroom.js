// The newsroom's small enhancements. Every page works without this script:
// it only shows times in the editor's own time zone, keeps delivery numbers
// current while a notification is being sent, and, in the story editor,
// fills the slug, previews the body and the notification as they are typed,
// uploads the featured image and images into the body, keeps what is typed
// (autosave) and asks before leaving with changes not yet kept, says who
// else is editing, sends the browser's time zone with the form, makes a
// confirmation the server asks for modal, and copies a link shown once (an
// invite's) at the press of a button.
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

  // ---- Dashboard: delivery numbers while a fan-out runs ------------------
  /** Mirror DeliveryNumbers::from_stats and click_through in dashboard.rs. */
  function sending(stats) {
    return stats.retrying > 0 || stats.shards.some((s) => s.state !== "done");
  }
  function running(stats) {
    return stats.pending_jobs > 0 || sending(stats);
  }
  function clickThrough(clicked, delivered) {
    if (delivered <= 0) return "—";
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

  // ---- A story's stats page: the numbers while a notification is sent ----
  // The server renders them (stats.rs, `?part=body`); this only fetches
  // that part again and puts it in place, until no job is running.
  function watchStoryStats() {
    let current = document.getElementById("story-stats");
    if (!current?.dataset.running) return;
    const status = document.getElementById("stats-status");
    const started = Date.now();
    const schedule = () =>
      setTimeout(poll, Date.now() - started < 300_000 ? 3000 : 15_000);
    const poll = async () => {
      let next;
      try {
        const res = await fetch(current.dataset.statsHref, { credentials: "same-origin" });
        if (!res.ok) return schedule();
        const html = await res.text();
        next = new DOMParser().parseFromString(html, "text/html").getElementById("story-stats");
      } catch {
        return schedule();
      }
      if (!next) return schedule();
      // Keep the reader's place: an open table stays open, focus stays put.
      if (current.querySelector("details")?.open) next.querySelector("details")?.setAttribute("open", "");
      const focusable = (root) => [...root.querySelectorAll("a, summary, [tabindex]")];
      const focused = focusable(current).indexOf(document.activeElement);
      current.replaceWith(next);
      current = next;
      if (focused >= 0) focusable(next)[focused]?.focus();
      if (next.dataset.running) schedule();
      else if (status) status.textContent = "Every notification of this story is sent.";
    };
    schedule();
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

  // ---- Editor: images, through the newsroom's one upload pipeline --------
  /** Uploads an image file with its description; resolves to the API's answer or throws a message. */
  async function uploadImage(file, alt, credit) {
    const data = new FormData();
    data.append("file", file);
    data.append("alt", alt);
    if (credit && credit.trim() !== "") data.append("credit", credit);
    let res;
    try {
      res = await fetch("/api/v1/admin/images", {
        method: "POST",
        credentials: "same-origin",
        headers: { "x-csrf-token": csrfToken() },
        body: data,
      });
    } catch {
      throw new Error("The image was not uploaded: the connection failed.");
    }
    const body = await res.json().catch(() => null);
    if (!res.ok || !body?.src) {
      throw new Error(`The image was not uploaded: ${errorMessage({ body }, `the server answered ${res.status}`)}`);
    }
    return body;
  }

  /**
   * Wires an upload button: once a file and its description are given,
   * uploads them; `done(answer)` returns what the status line then says.
   */
  function wireUpload({ file, alt, credit, button, status, missingAlt, done }) {
    button.addEventListener("click", async () => {
      if (!file.files?.length) {
        status.textContent = "Choose an image file first.";
        file.focus();
        return;
      }
      if (alt.value.trim() === "") {
        status.textContent = missingAlt;
        alt.focus();
        return;
      }
      button.disabled = true;
      status.textContent = "Uploading…";
      try {
        status.textContent = done(await uploadImage(file.files[0], alt.value, credit?.value ?? ""));
      } catch (e) {
        status.textContent = e.message;
      } finally {
        button.disabled = false;
      }
    });
  }

  // ---- Editor: the featured image ------------------------------------------
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
    wireUpload({
      file,
      alt,
      credit,
      button,
      status,
      missingAlt: "Write the image's description first: an upload needs it.",
      done: (uploaded) => {
        url.value = uploaded.src;
        url.dispatchEvent(new Event("input", { bubbles: true }));
        const img = document.createElement("img");
        img.src = uploaded.variants?.[0]?.src ?? uploaded.src;
        img.alt = alt.value;
        thumb?.replaceChildren(img);
        return "Uploaded. Save the story to keep it.";
      },
    });
  }

  // ---- Editor: an image into the body, by button or by dropping a file ---
  function insertImages() {
    const box = document.querySelector("[data-insert-image]");
    const body = document.getElementById("body_markdown");
    const file = document.getElementById("insert_file");
    const alt = document.getElementById("insert_alt");
    const button = document.getElementById("insert-upload");
    const status = document.getElementById("insert-status");
    if (!box || !body || !file || !alt || !button || body.disabled) return;
    box.hidden = false;
    // Where the image goes: the cursor in the body when the editor turned away.
    let at = body.value.length;
    body.addEventListener("blur", () => {
      at = body.selectionStart ?? body.value.length;
    });
    wireUpload({
      file,
      alt,
      button,
      status,
      missingAlt: "Describe the image first: readers who cannot see it read the description.",
      done: (uploaded) => {
        const description = alt.value.replace(/[\[\]]/g, "");
        const before = body.value.slice(0, at);
        const after = body.value.slice(at);
        const gapBefore = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
        const gapAfter = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
        const markdown = `![${description}](${uploaded.src})`;
        body.value = `${before}${gapBefore}${markdown}${gapAfter}${after}`;
        at = before.length + gapBefore.length + markdown.length;
        body.dispatchEvent(new Event("input", { bubbles: true }));
        file.value = "";
        alt.value = "";
        body.focus();
        body.setSelectionRange(at, at);
        return "Inserted into the body.";
      },
    });
    // A file dropped on the body: the same, once it is described.
    body.addEventListener("dragover", (e) => {
      if (![...(e.dataTransfer?.types ?? [])].includes("Files")) return;
      e.preventDefault();
      body.classList.add("nr-drop-target");
    });
    body.addEventListener("dragleave", () => body.classList.remove("nr-drop-target"));
    body.addEventListener("drop", (e) => {
      const files = e.dataTransfer?.files;
      body.classList.remove("nr-drop-target");
      if (!files?.length) return;
      e.preventDefault();
      at = body.selectionStart ?? body.value.length;
      file.files = files;
      box.open = true;
      alt.focus();
      status.textContent = `Describe “${files[0].name}”, then press Upload and insert.`;
    });
  }

  // ---- Editor: the folded sidebar panels say what they hold ---------------
  function panelSummaries() {
    const send = document.getElementById("push_send");
    const pushState = document.querySelector("[data-push-state]");
    send?.addEventListener("change", () => {
      if (pushState) pushState.textContent = send.checked ? "on" : "off";
    });
    const url = document.getElementById("image_url");
    const imageState = document.querySelector("[data-image-state]");
    url?.addEventListener("input", () => {
      if (imageState) imageState.textContent = url.value.trim() === "" ? "none" : "set";
    });
    const seoFields = [...document.querySelectorAll("[data-seo-field]")];
    const seoState = document.querySelector("[data-seo-state]");
    for (const field of seoFields) {
      field.addEventListener("input", () => {
        const custom = seoFields.some((f) => f.value.trim() !== "");
        if (seoState) seoState.textContent = custom ? "custom" : "default";
      });
    }
  }

  // ---- Editor: a live character count beside a length-limited input -----
  function characterCounts() {
    for (const count of document.querySelectorAll("[data-char-count]")) {
      const input = document.getElementById(count.dataset.charCount);
      const ideal = Number(count.dataset.charIdeal);
      if (!input) continue;
      const show = () => {
        const length = [...input.value.trim().replace(/\s+/g, " ")].length;
        count.textContent = length > ideal
          ? `${length} characters: over ${ideal}, search results may cut it`
          : `${length} characters`;
      };
      input.addEventListener("input", show);
      show();
    }
  }

  // ---- Editor: autosave, leaving, and who else is editing ---------------
  /** The form's content as it would be sent (the buttons' values aside). */
  const formState = (form) => new URLSearchParams(new FormData(form)).toString();

  function autosave() {
    const form = document.querySelector("form[data-autosave]");
    if (!form) return;
    const status = document.getElementById("autosave-status");
    const notice = document.getElementById("editing-notice");
    let kept = formState(form);
    let submitting = false;
    let inFlight = false;
    const say = (text) => {
      if (status && text) status.textContent = text;
    };
    const showOthers = (answer) => {
      if (!notice) return;
      const lines = [answer.others, answer.newer_text].filter(Boolean);
      const text = lines.join(" ");
      if ((notice.textContent ?? "").trim() === text) return;
      notice.replaceChildren();
      if (text) {
        const p = document.createElement("p");
        p.className = "nr-flash";
        p.textContent = text;
        notice.append(p);
      }
    };
    const storyUrl = () => form.getAttribute("action");
    const isNew = () => !form.dataset.storyId;
    const payload = (kind) => {
      const data = new URLSearchParams(new FormData(form));
      data.set("autosave", kind);
      return data;
    };
    const changed = () => formState(form) !== kept;

    // A new story becomes a draft once it has a headline and a body.
    async function create() {
      const headline = form.querySelector("#headline")?.value.trim();
      const body = form.querySelector("#body_markdown")?.value.trim();
      if (!headline || !body) return;
      const sent = formState(form);
      const res = await fetch("/newsroom/stories/new/autosave", { method: "POST", credentials: "same-origin", body: payload("changes") });
      const answer = await res.json().catch(() => null);
      if (!res.ok || !answer?.id) {
        say(answer?.error?.message ?? "Not kept yet: the draft could not be made just now.");
        return;
      }
      form.dataset.storyId = String(answer.id);
      form.setAttribute("action", answer.url);
      let version = form.querySelector('input[name="version"]');
      if (!version) {
        version = document.createElement("input");
        version.type = "hidden";
        version.name = "version";
        form.querySelector('input[name="csrf"]')?.after(version);
      }
      version.value = String(answer.version);
      const preview = form.querySelector('button[value="preview"]');
      preview?.setAttribute("formaction", `${answer.url}/preview`);
      history.replaceState(null, "", answer.url);
      kept = sent;
      say(answer.status);
    }

    async function keep() {
      if (submitting || inFlight || !changed()) return;
      inFlight = true;
      try {
        if (isNew()) {
          await create();
          return;
        }
        const sent = formState(form);
        say("Keeping your changes…");
        const res = await fetch(`${storyUrl()}/autosave`, { method: "POST", credentials: "same-origin", body: payload("changes") });
        const answer = await res.json().catch(() => null);
        if (!res.ok || !answer) {
          say(answer?.error?.message ?? "Your changes could not be kept just now; they are still in the form.");
          return;
        }
        kept = sent;
        say(answer.status);
        showOthers(answer);
      } catch {
        say("Your changes could not be kept: the connection failed. They are still in the form.");
      } finally {
        inFlight = false;
        // Typed meanwhile: keep that too.
        if (changed()) later();
      }
    }
    const later = debounce(keep, 3000);
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", () => {
      submitting = true;
    });

    // Every half minute: still here, and who else is.
    const checkIn = async () => {
      if (isNew() || document.hidden) return;
      try {
        const res = await fetch(`${storyUrl()}/autosave`, { method: "POST", credentials: "same-origin", body: payload("check-in") });
        if (res.ok) showOthers(await res.json());
      } catch {
        // The next check-in tries again.
      }
    };
    setInterval(checkIn, 30_000);

    // Leaving: changes not yet kept are asked about, and sent on the way out.
    window.addEventListener("beforeunload", (e) => {
      if (submitting || !changed()) return;
      e.preventDefault();
      e.returnValue = "";
    });
    window.addEventListener("pagehide", () => {
      if (submitting || isNew()) return;
      const url = `${storyUrl()}/autosave`;
      navigator.sendBeacon(url, payload(changed() ? "changes" : "leaving"));
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

  // ---- The live desk: Ctrl+Enter (⌘+Enter) posts ----------------------
  // In a textarea marked data-ctrl-enter, the chord does the form's first
  // button, as pressing it would (its name and value go with the form).
  function submitOnCtrlEnter() {
    for (const area of document.querySelectorAll("textarea[data-ctrl-enter]")) {
      area.addEventListener("keydown", (event) => {
        if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
        event.preventDefault();
        const button = area.form?.querySelector("button[type=submit]");
        if (button) area.form.requestSubmit(button);
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    submitOnCtrlEnter();
    confirmModally();
    copyButtons();
    watchDeliveries();
    watchStoryStats();
    followHeadline();
    previewBody();
    previewNotifications();
    uploadImages();
    insertImages();
    panelSummaries();
    characterCounts();
    autosave();
    scheduleInLocalTime();
  });
})();
