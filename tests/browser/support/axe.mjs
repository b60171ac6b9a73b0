// axe-core in a real page: the WCAG 2.2 AA rules every reader's page must
// pass, run through the DevTools protocol so the site's strict CSP
// (script-src 'self') stays on while axe runs.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

/** The axe-core tags of WCAG 2.2 level AA. */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** The page's violations, one readable string each (rule, impact, help, where). */
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    WCAG_TAGS,
  );
  assert.ok(result.passes.length > 0, "axe checked nothing");
  return result.violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").join(" ")}`).join("\n"),
  );
}
