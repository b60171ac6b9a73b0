// Every page type passes the W3C Nu HTML checker (vnu) with zero errors.
// Warnings are allowed but printed.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { startHerald, pagesToCheck } from "./support/herald.mjs";

const require = createRequire(import.meta.url);
const vnuJar = require.resolve("vnu-jar/build/dist/vnu.jar");

let site;
let dir;

before(async () => {
  site = await startHerald();
  dir = await mkdtemp(path.join(tmpdir(), "herald-vnu-"));
});

after(async () => {
  await site?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function runVnu(files) {
  return new Promise((resolve, reject) => {
    // vnu exits 1 when it finds errors; the JSON report is what we judge.
    execFile(
      "java",
      ["-Xss4m", "-jar", vnuJar, "--format", "json", "--stdout", ...files],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`vnu gave no JSON report (${err?.message ?? "no error"}):\n${stderr}\n${stdout}`));
        }
      },
    );
  });
}

test("every page type is valid HTML for the W3C checker", async () => {
  const pages = await pagesToCheck(site);
  const files = new Map();
  for (const [name, urlPath, status] of pages) {
    const page = await site.get(urlPath);
    assert.equal(page.status, status, `${urlPath} answered ${page.status}`);
    const file = path.join(dir, `${name}.html`);
    await writeFile(file, page.html);
    files.set(file, urlPath);
  }
  // A canary with a known error proves that vnu really read the files.
  const canary = path.join(dir, "canary.html");
  await writeFile(canary, '<!DOCTYPE html><html lang="en"><title>c</title><p>x</span>');

  const report = await runVnu([...files.keys(), canary]);
  const fileOf = (m) => (m.url ?? "").replace(/^file:/, "");
  assert.ok(
    report.messages.some((m) => m.type === "error" && fileOf(m) === canary),
    `vnu did not report the canary's error: ${JSON.stringify(report)}`,
  );
  report.messages = report.messages.filter((m) => fileOf(m) !== canary);
  const describe = (m) =>
    `${files.get(fileOf(m)) ?? m.url}:${m.lastLine ?? "?"}: ${m.message}` +
    (m.extract ? `\n    ${m.extract.replace(/\n/g, " ")}` : "");

  const warnings = report.messages.filter((m) => m.type === "info");
  const errors = report.messages.filter((m) => m.type !== "info");
  for (const w of warnings) console.log(`vnu warning: ${describe(w)}`);
  assert.deepEqual(errors.map(describe), [], "vnu found errors");
});

test("the newsroom's pages, logged in, are valid HTML for the W3C checker", async () => {
  const { createAccount, logInWithFetch, newsroomPagesToCheck } = await import("./support/newsroom.mjs");
  const email = "validity-editor@example.org";
  const password = "correct horse battery staple";
  await createAccount(site.global, email, "editor", password);
  const editor = await logInWithFetch(site.base, email, password);
  const files = new Map();
  for (const [name, urlPath, status] of newsroomPagesToCheck()) {
    const page = await editor.get(urlPath);
    assert.equal(page.status, status, `${urlPath} answered ${page.status}`);
    const file = path.join(dir, `${name}.html`);
    await writeFile(file, page.html);
    files.set(file, urlPath);
  }
  // The editor after a refused save, with its error summary and messages.
  const form = await editor.get("/newsroom/stories/new");
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.html)[1];
  const refused = await fetch(`${site.base}/newsroom/stories/new`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: editor.cookies().join("; ") },
    body: new URLSearchParams({ csrf, action: "save", headline: "", body_markdown: "Text.", cta_text: "Give" }),
  });
  assert.equal(refused.status, 422);
  const file = path.join(dir, "newsroom-editor-errors.html");
  await writeFile(file, await refused.text());
  files.set(file, "/newsroom/stories/new (refused)");

  const report = await runVnu([...files.keys()]);
  const fileOf = (m) => (m.url ?? "").replace(/^file:/, "");
  const describe = (m) =>
    `${files.get(fileOf(m)) ?? m.url}:${m.lastLine ?? "?"}: ${m.message}` +
    (m.extract ? `\n    ${m.extract.replace(/\n/g, " ")}` : "");
  for (const w of report.messages.filter((m) => m.type === "info")) console.log(`vnu warning: ${describe(w)}`);
  const errors = report.messages.filter((m) => m.type !== "info");
  assert.deepEqual(errors.map(describe), [], "vnu found errors");
});
